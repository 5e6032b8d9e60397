package main

// Waiting requests and break-glass end to end, on a fake clock: the
// approvers' one reminder, the on-call requester's Break glass button and
// its reason form, the run it starts (once, through the approval path),
// the loud message that mentions the approvers, the review, the daily
// reminder of unreviewed runs, and every refusal: before the wait, by
// someone else, for someone outside the break_glass roles, on an Okta
// admin, for role assignment.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"oktabot/okta/oktatest"
	"oktabot/slackfake"
)

// glassPolicy: disables wait for security, who are reminded after 10
// minutes; after 15 an on-call requester may break glass. Role assignment
// waits for security too, never with break glass. On-call may, with
// approval, act on Okta admins.
const glassPolicy = `roles:
  oncall:
    members: [U0ALICE01, S0ONCALL01]
    actions: [ping, get-user, list-users, disable-user, assign-role]
    assignable_roles: [HELP_DESK_ADMIN]
    admin_targets: true
  helpdesk:
    members: [U0HELPDSK]
    actions: [get-user, disable-user]
  security:
    members: [U0SECURE1, S0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
approvals:
  - actions: [disable-user]
    approvers: [security]
    channel: C0APPROVALS
    expire_after: 1h
    require_reason: true
    remind_after: 10m
    break_glass: {after: 15m, roles: [oncall]}
  - actions: [assign-role]
    approvers: [security]
    channel: C0APPROVALS
    expire_after: 1h
audit:
  channel: C0AUDIT
`

// fakeClock is the bots' clock: it moves only when the test moves it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newGlass is newApprovals with glassPolicy, the bots on a fake clock and
// sweeping often.
func newGlass(t *testing.T) (*ah, *fakeClock) {
	t.Helper()
	c := &fakeClock{t: time.Now().UTC()}
	clock, sweepEvery = c.Now, 20*time.Millisecond
	t.Cleanup(func() { clock, sweepEvery = nil, 0 })
	a := newApprovals(t, "1h")
	a.setPolicy(glassPolicy)
	return a, c
}

// dm waits for a direct message from the bot to user with want.
func (a *ah) dm(user, want string) slackfake.Message {
	a.t.Helper()
	m, err := a.slack.WaitMessage(5*time.Second, func(m slackfake.Message) bool {
		return m.Channel == "D"+user[1:] && m.Via == "chat.postMessage" && strings.Contains(m.AllText(), want)
	})
	if err != nil {
		a.t.Fatalf("%s was never sent a direct message with %q\nlogs:\n%s", user, want, a.logs())
	}
	return m
}

// dms are the direct messages the bot sent user with want.
func (a *ah) dms(user, want string) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range a.slack.Messages() {
		if m.Channel == "D"+user[1:] && m.Via == "chat.postMessage" && strings.Contains(m.AllText(), want) {
			out = append(out, m)
		}
	}
	return out
}

// offer waits for the Break glass button of request id in user's direct
// messages.
func (a *ah) offer(user, id string) slackfake.Message {
	a.t.Helper()
	m, err := a.slack.WaitMessage(5*time.Second, func(m slackfake.Message) bool {
		return m.Channel == "D"+user[1:] && m.Via == "chat.postMessage" && strings.Contains(m.AllText(), "Break glass") && strings.Contains(m.AllText(), id)
	})
	if err != nil {
		a.t.Fatalf("%s was never offered to break glass on %s\nlogs:\n%s", user, id, a.logs())
	}
	if got := approvalID(a.t, m); got != id {
		a.t.Errorf("the Break glass button carries %q, want %s", got, id)
	}
	return m
}

// openBreakGlass is user clicking Break glass in the offer and the form
// it opens.
func (a *ah) openBreakGlass(user string, offer slackfake.Message) (*slackfake.Interaction, slackfake.View) {
	a.t.Helper()
	seen := map[string]bool{}
	for _, v := range a.slack.Views() {
		seen[v.ID] = true
	}
	i := a.click(user, offer, "Break glass")
	v, err := a.slack.WaitView(5*time.Second, func(v slackfake.View) bool {
		return v.User == user && v.CallbackID == "approval_break_glass" && !seen[v.ID]
	})
	if err != nil {
		a.t.Fatalf("no break-glass form for %s: %v; replies %v\nlogs:\n%s", user, err, i.Replies(), a.logs())
	}
	return i, v
}

// breakGlass is user clicking Break glass in the offer and submitting the
// form with reason.
func (a *ah) breakGlass(user string, offer slackfake.Message, reason string) *slackfake.Interaction {
	a.t.Helper()
	_, v := a.openBreakGlass(user, offer)
	sub, err := a.slack.SubmitView(user, v, map[string]map[string]any{"break_glass_reason": {"break_glass_reason": reason}})
	if err != nil {
		a.t.Fatal(err)
	}
	if _, err := sub.WaitAck(3 * time.Second); err != nil {
		a.t.Fatal(err)
	}
	return sub
}

// threadReplies are the bot's posts in the thread of msg with want.
func (a *ah) threadReplies(msg slackfake.Message, want string) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range a.posts(msg.Channel) {
		if m.ThreadTS == msg.TS && strings.Contains(m.AllText(), want) {
			out = append(out, m)
		}
	}
	return out
}

// withoutRefusals are the events of recs but refused clicks.
func withoutRefusals(recs []string) []string {
	return slices.DeleteFunc(slices.Clone(recs), func(e string) bool { return e == "approval.refused" })
}

func TestBreakGlassAfterTheWait(t *testing.T) {
	a, c := newGlass(t)
	a.start("bot")
	reply, msg := a.request(uAlice, `disable-user dave@corp.com --reason "INC-77"`)
	mustContain(t, reply, "If nobody decides within 15m and you are a member of `oncall`", "break glass")
	id := approvalID(t, msg)
	mustContain(t, msg.AllText(), "may break glass")

	template := a.click(uMallory, msg, "Deny") // refused; an approver's stale click is made of it below
	if _, err := template.WaitReplies(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}

	// After remind_after, the approvers are reminded, once, in the
	// message's thread, by their user group and names.
	c.add(10 * time.Minute)
	rem, err := a.slack.WaitMessage(5*time.Second, func(m slackfake.Message) bool {
		return m.Channel == chApprovals && m.ThreadTS == msg.TS && strings.Contains(m.AllText(), "has waited")
	})
	if err != nil {
		t.Fatalf("no reminder: %v\n%s", err, a.logs())
	}
	mustContain(t, rem.AllText(), "<!subteam^S0SECURITY>", "<@U0SECURE1>", "dave@corp.com")
	a.waitUpdate(msg, "Approvers reminded")

	// After the break_glass wait, the on-call requester is offered it.
	c.add(5 * time.Minute)
	offer := a.offer(uAlice, id)
	mustContain(t, offer.AllText(), "Nobody has decided", "without approval", "Okta admins")
	a.waitUpdate(msg, "was offered to break glass")
	if n := len(a.threadReplies(msg, "has waited")); n != 1 {
		t.Errorf("the approvers were reminded %d times, want once", n)
	}

	a.breakGlass(uAlice, offer, "INC-77: security does not answer")
	broken := a.waitUpdate(msg, "It ran")
	mustContain(t, broken.AllText(), "Break glass", "<@U0ALICE01>", "without approval", "INC-77: security does not answer", "suspended", "Not reviewed yet")
	if b := broken.Buttons(); !slices.Equal(b, []string{"Reviewed"}) {
		t.Errorf("the broken-glass message's buttons are %q, want Reviewed alone", b)
	}
	if n := a.oktaOps("suspendUser"); n != 1 || a.userStatus("dave@corp.com") != "SUSPENDED" {
		t.Errorf("%d suspend calls, dave %s; want 1, SUSPENDED", n, a.userStatus("dave@corp.com"))
	}
	// Loud, in the approval channel, to the approvers.
	alert, err := a.slack.WaitMessage(5*time.Second, func(m slackfake.Message) bool {
		return m.Channel == chApprovals && m.ThreadTS == "" && m.Via == "chat.postMessage" && strings.Contains(m.AllText(), "*without approval*")
	})
	if err != nil {
		t.Fatalf("no break-glass alert: %v", err)
	}
	mustContain(t, alert.AllText(), "<!subteam^S0SECURITY>", "<@U0SECURE1>", "INC-77: security does not answer", id)
	a.dm(uAlice, "You broke glass")
	a.dm(uAlice, "run by <@U0ALICE01> with break glass, without approval and run")
	waitFor(t, 5*time.Second, "the audit channel's lines", func() bool {
		l := strings.Join(a.auditLines(), "\n")
		return strings.Contains(l, "break glass by <@U0ALICE01>") && strings.Contains(l, "run by <@U0ALICE01> with break glass")
	})
	want := []string{"approval.requested", "approval.reminded", "approval.break_glass_offered", "approval.break_glass", "outcome"}
	if got := withoutRefusals(events(a.auditOf(id))); !slices.Equal(got, want) {
		t.Errorf("records %q, want %q", got, want)
	}

	// Again: nothing more runs.
	mustContain(t, a.clickReply(uAlice, a.now(offer), "Break glass"), "already broke glass", "Nothing more was run")
	// An approver whose Slack still shows the pending message approves.
	stale := forge(t, a.slack, template, func(p map[string]any) {
		p["user"] = map[string]any{"id": uSec1, "name": "sec1", "username": "sec1", "team_id": a.slack.TeamID()}
		act := p["actions"].([]any)[0].(map[string]any)
		act["action_id"], act["value"] = "approval_approve", id
	})
	replies, err := stale.WaitReplies(2, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, replies[1].AllText(), "<@U0ALICE01> broke glass on this request", "Nothing more was done")

	// Reviewed: never by the requester, only by an approver, once.
	mustContain(t, a.clickReply(uAlice, msg, "Reviewed"), "can't review your own")
	mustContain(t, a.clickReply(uMallory, msg, "Reviewed"), "Only members of `security`")
	a.click(uSec2, msg, "Reviewed")
	reviewed := a.waitUpdate(msg, "Reviewed* by <@U0SECURE2>")
	if b := reviewed.Buttons(); len(b) != 0 {
		t.Errorf("a reviewed run still has buttons %q", b)
	}
	a.dm(uAlice, "was reviewed by <@U0SECURE2>")
	want = append(want, "approval.reviewed")
	if got := withoutRefusals(events(a.auditOf(id))); !slices.Equal(got, want) {
		t.Errorf("records %q, want %q", got, want)
	}
	if n := a.oktaOps("suspendUser"); n != 1 {
		t.Errorf("%d suspend calls, want 1", n)
	}
}

func TestBreakGlassIsRefusedBeforeItsTimeAndToOthers(t *testing.T) {
	a, c := newGlass(t)
	a.start("bot")
	_, msgDesk := a.request(uDesk, `disable-user erin@corp.com --reason "INC-1"`)
	_, msgA := a.request(uAlice, `disable-user dave@corp.com --reason "INC-2"`)
	idDesk, idA := approvalID(t, msgDesk), approvalID(t, msgA)

	c.add(15 * time.Minute)
	offer := a.offer(uAlice, idA)
	// The helpdesk is not on call: never offered (its request came first,
	// so it was decided first).
	if got := a.dms(uDesk, "Break glass"); len(got) != 0 {
		t.Errorf("the helpdesk was offered to break glass: %s", got[0].AllText())
	}
	if strings.Contains(a.now(msgDesk).AllText(), "offered") {
		t.Errorf("the helpdesk's request says it was offered")
	}

	// A request made now may not break glass yet, whatever a button says.
	_, msgB := a.request(uAlice, `disable-user frank@corp.com --reason "INC-3"`)
	idB := approvalID(t, msgB)
	real, v := a.openBreakGlass(uAlice, offer)
	withValue := func(user, value string) func(map[string]any) {
		return func(p map[string]any) {
			p["user"] = map[string]any{"id": user, "name": user, "username": user, "team_id": a.slack.TeamID()}
			p["actions"].([]any)[0].(map[string]any)["value"] = value
		}
	}
	// Forged clicks answer through the real click's response_url: each
	// answer is one more reply to it.
	for k, c := range []struct {
		who, value string
		want       []string
	}{
		{uAlice, idB, []string{"too early", "15m", "Nothing was run"}},
		{uDesk, idDesk, []string{"only members of oncall"}},
		{uMallory, idA, []string{"only the person who asked"}},
	} {
		i := forge(t, a.slack, real, withValue(c.who, c.value))
		replies, err := i.WaitReplies(k+1, 5*time.Second)
		if err != nil {
			t.Fatalf("%s breaking glass on %s: %v", c.who, c.value, err)
		}
		mustContain(t, replies[k].AllText(), c.want...)
	}

	// The form's submission is checked again: one naming B is refused.
	sub, err := a.slack.SubmitView(uAlice, v, map[string]map[string]any{"break_glass_reason": {"break_glass_reason": "INC-2"}})
	if err != nil {
		t.Fatal(err)
	}
	a.waitUpdate(msgA, "It ran")
	forge(t, a.slack, sub, func(p map[string]any) { p["view"].(map[string]any)["private_metadata"] = idB })
	mustContain(t, a.dm(uAlice, "too early").AllText(), "Nothing was run")

	for login, want := range map[string]string{"dave@corp.com": "SUSPENDED", "erin@corp.com": "ACTIVE", "frank@corp.com": "ACTIVE"} {
		if got := a.userStatus(login); got != want {
			t.Errorf("%s is %s, want %s", login, got, want)
		}
	}
	for _, id := range []string{idDesk, idB} {
		if got := withoutRefusals(events(a.auditOf(id))); !slices.Equal(got, []string{"approval.requested"}) && !slices.Equal(got, []string{"approval.requested", "approval.reminded"}) {
			t.Errorf("%s: records %q, want it still waiting", id, got)
		}
	}
	refusals := 0
	for _, r := range a.auditOf(idB) {
		if r.Event == "approval.refused" && r.Detail == "too early to break glass" {
			refusals++
		}
	}
	if refusals != 2 {
		t.Errorf("%d refusals recorded for B, want the click's and the form's", refusals)
	}
}

func TestBreakGlassNeverActsOnOktaAdmins(t *testing.T) {
	a, c := newGlass(t)
	root := a.okta.AddUser(oktatest.User{Login: "root@corp.com", Email: "root@corp.com", FirstName: "Root", LastName: "Admin"})
	a.okta.AddRole(root.ID, oktatest.Role{Type: "SUPER_ADMIN"})
	dave, _ := a.okta.User("dave@corp.com")
	a.start("bot")
	// On call may ask to suspend an admin (admin_targets), with approval.
	_, msgRoot := a.request(uAlice, `disable-user root@corp.com --reason "INC-5"`)
	_, msgDave := a.request(uAlice, `disable-user dave@corp.com --reason "INC-6"`)
	idRoot, idDave := approvalID(t, msgRoot), approvalID(t, msgDave)

	c.add(15 * time.Minute)
	offer := a.offer(uAlice, idDave)
	if got := a.dms(uAlice, idRoot); len(got) != 0 {
		t.Errorf("offered to break glass on an Okta admin: %s", got[0].AllText())
	}

	// Dave became an admin since: refused when used.
	a.okta.AddRole(dave.ID, oktatest.Role{Type: "HELP_DESK_ADMIN"})
	a.breakGlass(uAlice, offer, "INC-6")
	mustContain(t, a.dm(uAlice, "You can't break glass").AllText(), "dave@corp.com", "holds Okta admin roles (HELP_DESK_ADMIN)", "never applies to Okta admins", "Nothing was run")
	mustContain(t, a.now(msgDave).AllText(), "Approval needed")
	if n := a.oktaOps("suspendUser"); n != 0 {
		t.Errorf("%d suspend calls, want none", n)
	}
	// The reminder and the offer come due at the same moment, in either
	// order.
	got := withoutRefusals(events(a.auditOf(idDave)))
	slices.Sort(got)
	if !slices.Equal(got, []string{"approval.break_glass_offered", "approval.reminded", "approval.requested"}) {
		t.Errorf("records %q", got)
	}

	// An approver may still approve it: admin_targets is theirs to use.
	a.click(uSec1, msgRoot, "Approve")
	a.waitUpdate(msgRoot, "and run")
	if got := a.userStatus("root@corp.com"); got != "SUSPENDED" {
		t.Errorf("approved, root is %s", got)
	}
}

func TestBreakGlassNeverAppliesToRoleAssignment(t *testing.T) {
	t.Run("refused when the policy is read", func(t *testing.T) {
		h := newHarness(t)
		bad := strings.Replace(glassPolicy, "  - actions: [disable-user]\n", "  - actions: [disable-user, assign-role]\n", 1)
		bad = strings.Replace(bad, "  - actions: [assign-role]\n", "  - actions: [unassign-role]\n", 1)
		path := filepath.Join(t.TempDir(), "policy.yml")
		if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		h.env["OKTABOT_POLICY_FILE"] = path
		line := 1 + strings.Count(bad[:strings.Index(bad, "    break_glass:")], "\n")
		err := run(context.Background(), []string{"bot"}, lookup(h.env), h.stdout, h.stderr)
		if want := fmt.Sprintf("policy.yml:%d: approval rule 1: break_glass never applies to role assignment (assign-role)", line); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("run = %v, want %q", err, want)
		}
		if h.slack.Connections() != 0 {
			t.Error("the bot connected with that policy")
		}
	})
	t.Run("refused when used", func(t *testing.T) {
		a, c := newGlass(t)
		a.start("bot")
		_, msgRole := a.request(uAlice, `assign-role erin@corp.com --role HELP_DESK_ADMIN`)
		_, msgDave := a.request(uAlice, `disable-user dave@corp.com --reason "INC-8"`)
		idRole, idDave := approvalID(t, msgRole), approvalID(t, msgDave)
		c.add(15 * time.Minute)
		offer := a.offer(uAlice, idDave)
		if got := a.dms(uAlice, idRole); len(got) != 0 {
			t.Errorf("offered to break glass on role assignment: %s", got[0].AllText())
		}
		real, _ := a.openBreakGlass(uAlice, offer)
		i := forge(t, a.slack, real, func(p map[string]any) { p["actions"].([]any)[0].(map[string]any)["value"] = idRole })
		replies, err := i.WaitReplies(1, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, replies[0].AllText(), "never applies to role assignment (assign-role)", "Nothing was run")
		if n := a.oktaOps("assignRoleToUser"); n != 0 {
			t.Errorf("%d role assignments, want none", n)
		}
	})
}

// A break-glass run nobody reviewed is reminded daily in its approval
// channel, across a restart, until an approver reviews it; /okta audit
// --break-glass lists those waiting.
func TestUnreviewedBreakGlassIsRemindedDaily(t *testing.T) {
	a, c := newGlass(t)
	bot := a.start("bot")
	const day = 24 * time.Hour
	broke := func(target, reason string) (string, slackfake.Message) {
		t.Helper()
		_, msg := a.request(uAlice, `disable-user `+target+` --reason "`+reason+`"`)
		id := approvalID(t, msg)
		c.add(15 * time.Minute)
		a.breakGlass(uAlice, a.offer(uAlice, id), reason)
		a.waitUpdate(msg, "It ran")
		return id, msg
	}
	reminders := func() []string {
		var out []string
		for _, m := range a.posts(chApprovals) {
			if m.ThreadTS == "" && strings.Contains(m.AllText(), "not reviewed yet") {
				out = append(out, m.AllText())
			}
		}
		return out
	}
	waitReminders := func(n int) []string {
		t.Helper()
		waitFor(t, 5*time.Second, "daily reminder", func() bool { return len(reminders()) >= n })
		return reminders()
	}

	idA, msgA := broke("dave@corp.com", "INC-A")
	c.add(12*time.Hour - 15*time.Minute)
	idB, _ := broke("erin@corp.com", "INC-B") // 12 hours after A
	mustContain(t, a.reply(uSec1, "audit --break-glass"), idA, idB, "(2)")

	// The bot restarts: what is due is in the store.
	a.stopBot(bot)
	a.start("bot again")

	c.add(12 * time.Hour) // A's first day
	got := waitReminders(1)
	mustContain(t, got[0], "<!subteam^S0SECURITY>", "1 break-glass run is not reviewed yet", idA, "INC-A")
	c.add(12 * time.Hour) // B's first day: A is not reminded again
	got = waitReminders(2)
	if !strings.Contains(got[1], idB) || strings.Contains(got[1], idA) {
		t.Errorf("second reminder %q, want B alone", got[1])
	}
	c.add(12 * time.Hour) // A's second day
	got = waitReminders(3)
	if !strings.Contains(got[2], idA) || strings.Contains(got[2], idB) {
		t.Errorf("third reminder %q, want A alone", got[2])
	}

	a.click(uSec1, msgA, "Reviewed")
	a.waitUpdate(msgA, "Reviewed* by <@U0SECURE1>")
	got2 := a.reply(uSec1, "audit --break-glass")
	if !strings.Contains(got2, idB) || strings.Contains(got2, idA) {
		t.Errorf("audit --break-glass after A's review:\n%s", got2)
	}
	c.add(12 * time.Hour) // B's second day; A reviewed
	got = waitReminders(4)
	if !strings.Contains(got[3], idB) || strings.Contains(got[3], idA) {
		t.Errorf("fourth reminder %q, want B alone", got[3])
	}
	if n := len(reminders()); n != 4 {
		t.Errorf("%d reminders, want 4", n)
	}
}

// The requester is told every change to their request by direct message,
// and the one approval message shows it.
func TestRequesterIsToldEachChangeByDirectMessage(t *testing.T) {
	a, c := newGlass(t)
	a.start("bot")
	_, approved := a.request(uAlice, `disable-user dave@corp.com --reason "INC-10"`)
	_, denied := a.request(uAlice, `disable-user erin@corp.com --reason "INC-11"`)
	_, expired := a.request(uAlice, `disable-user frank@corp.com --reason "INC-12"`)

	a.click(uSec1, approved, "Approve")
	a.waitUpdate(approved, "and run")
	a.dm(uAlice, "was approved by <@U0SECURE1> and run")

	a.click(uSec1, denied, "Deny")
	v, err := a.slack.WaitView(5*time.Second, func(v slackfake.View) bool { return v.User == uSec1 && v.CallbackID == "approval_deny" })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.slack.SubmitView(uSec1, v, map[string]map[string]any{"deny_reason": {"deny_reason": "not now"}}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, a.waitUpdate(denied, "Denied").AllText(), "<@U0SECURE1>", "not now")
	a.dm(uAlice, "was denied by <@U0SECURE1>: not now")

	c.add(time.Hour)
	a.waitUpdate(expired, "Expired")
	a.dm(uAlice, "expired without a decision")
}

func TestPolicyExplainSaysRemindersAndBreakGlass(t *testing.T) {
	file := writeFile(t, "policy.yml", glassPolicy)
	out, _, err := runCmd(t, map[string]string{"OKTABOT_POLICY_FILE": file}, "policy", "explain", "-action", "disable-user")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, out, "the approvers are reminded after 10m; after 15m, a requester in oncall may break glass (run it without approval, reviewed afterwards)")
	out, _, err = runCmd(t, map[string]string{"OKTABOT_POLICY_FILE": file}, "policy", "explain", "-action", "assign-role")
	if err != nil {
		t.Fatal(err)
	}
	mustNotContain(t, out, "break glass", "reminded")
}

package main

// Time-boxed access end to end: assign-role and add-to-group with --for,
// against the Slack and Okta fakes, with the bot's clock moved forward to
// a grant's warning and its end (the grants are swept every 50 ms of real
// time; what is due is decided by the moved clock).

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"oktabot/okta/oktatest"
	"oktabot/slackfake"
	"oktabot/store"
	"oktabot/store/postgres/pgtest"
)

// grantPolicyE2E: on-call add people to groups for up to 8h, and assign
// two role types for up to 4h, always time-boxed and only with security's
// approval.
const grantPolicyE2E = `roles:
  oncall:
    members: [U0ALICE01, S0ONCALL01]
    actions: [get-user, add-to-group, assign-role]
    assignable_roles: [HELP_DESK_ADMIN, READ_ONLY_ADMIN]
    max_duration: 8h
  security:
    members: [U0SECURE1, S0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
    admin_targets: true
approvals:
  - actions: [assign-role]
    approvers: [security]
    channel: C0APPROVALS
    expire_after: 1h
    max_duration: 4h
    require_duration: true
audit:
  channel: C0AUDIT
`

// gh is the approvals harness with grants: a moved clock, the Responders
// group, and the bot's grants swept every 50 ms.
type gh struct {
	*ah
	clock *fakeClock
	group oktatest.Group
}

func newGrants(t *testing.T) *gh {
	t.Helper()
	c := &fakeClock{t: time.Now().UTC().Truncate(time.Second)}
	clock, grantSweep = c.Now, 50*time.Millisecond
	t.Cleanup(func() { clock, grantSweep = nil, 0 }) // after every bot stopped
	a := newApprovals(t, "1h")
	a.setPolicy(grantPolicyE2E)
	return &gh{ah: a, clock: c, group: a.okta.AddGroup(oktatest.Group{Name: "Responders"})}
}

func (g *gh) member(login string) bool {
	for _, u := range g.okta.Members(g.group.ID) {
		if u.Login == login {
			return true
		}
	}
	return false
}

func (g *gh) roleTypes(login string) []string {
	u, _ := g.okta.User(login)
	var out []string
	for _, r := range g.okta.Roles(u.ID) {
		out = append(out, r.Type)
	}
	return out
}

func (g *gh) grants() []store.Grant {
	g.t.Helper()
	gs, err := g.store().ListGrants(context.Background(), store.GrantFilter{})
	if err != nil {
		g.t.Fatal(err)
	}
	return gs
}

// grant is the one grant to login.
func (g *gh) grant(login string) store.Grant {
	g.t.Helper()
	u, _ := g.okta.User(login)
	var found []store.Grant
	for _, gr := range g.grants() {
		if gr.UserID == u.ID {
			found = append(found, gr)
		}
	}
	if len(found) != 1 {
		g.t.Fatalf("%d grants to %s, want 1: %+v", len(found), login, found)
	}
	return found[0]
}

// waitGrant waits until login's grant is in status want.
func (g *gh) waitGrant(login string, want store.GrantStatus) store.Grant {
	g.t.Helper()
	var gr store.Grant
	waitFor(g.t, 15*time.Second, fmt.Sprintf("%s's grant to be %s", login, want), func() bool {
		gr = g.grant(login)
		return gr.Status == want
	})
	return gr
}

// clickDM is user clicking a button of a direct message; it returns the
// ephemeral answer.
func (g *gh) clickDM(user string, msg slackfake.Message, button string) string {
	g.t.Helper()
	i, err := g.slack.ClickButton(user, msg, button)
	if err != nil {
		g.t.Fatalf("%s clicks %q: %v", user, button, err)
	}
	replies, err := i.WaitReplies(1, 10*time.Second)
	if err != nil {
		g.t.Fatalf("%s clicks %q: %v\n%s", user, button, err, g.logs())
	}
	return replies[0].AllText()
}

// auditWith are the audit channel's lines with all of wants.
func (g *gh) auditWith(wants ...string) []string {
	var out []string
	for _, l := range g.auditLines() {
		all := true
		for _, w := range wants {
			all = all && strings.Contains(l, w)
		}
		if all {
			out = append(out, l)
		}
	}
	return out
}

func until(t time.Time) string { return "until " + t.UTC().Format("2006-01-02 15:04 UTC") }

var grantIDRE = regexp.MustCompile("`([A-Z2-7]{26})`")

// A membership given for 2h: listed with its end, its requester warned
// ten minutes before with Extend and End now, removed at its end once, the
// requester told and the audit channel given one line.
func TestTimeboxedMembershipEndsByItself(t *testing.T) {
	g := newGrants(t)
	g.start("bot")
	start := g.clock.Now()
	mustContain(t, g.reply(uAlice, "add-to-group dave@corp.com --group Responders --for 2h"), "added to Responders "+until(start.Add(2*time.Hour)))
	if !g.member("dave@corp.com") {
		t.Fatal("dave is not in Responders")
	}
	gr := g.grant("dave@corp.com")
	list := g.reply(uAlice, "grants")
	mustContain(t, list, "Your time-boxed grants", gr.ID, "Responders", "dave@corp.com", "/okta revoke GRANT")
	mustContain(t, g.reply(uSec1, "grants"), "None")
	mustContain(t, g.reply(uSec1, "grants --all --user dave@corp.com"), gr.ID, "asked by <@"+uAlice+">")
	mustContain(t, g.reply(uMallory, "grants --all"), "You may list the grants you asked for")

	g.clock.add(111 * time.Minute)
	ending := g.dm(uAlice, "ends")
	mustContain(t, ending.AllText(), gr.ID, "Extend", "End now")
	g.clock.add(10 * time.Minute)
	waitFor(t, 15*time.Second, "dave to leave Responders", func() bool { return !g.member("dave@corp.com") })
	mustContain(t, g.dm(uAlice, ":lock: Your grant").AllText(), gr.ID, "removed Dave Example &lt;dave@corp.com&gt; from Responders")
	done := g.waitGrant("dave@corp.com", store.GrantRevoked)
	waitFor(t, 5*time.Second, "the audit channel's line", func() bool { return len(g.auditWith(gr.ID, "ended")) > 0 })
	if lines := g.auditWith(gr.ID, ":lock:"); len(lines) != 1 {
		t.Errorf("audit channel lines about the end: %q, want one", lines)
	}
	if n := g.oktaOps("unassignUserFromGroup"); n != 1 {
		t.Errorf("%d removals sent to Okta, want 1", n)
	}
	if done.EndedBy != "" || !done.EndsAt.Equal(start.Add(2*time.Hour)) {
		t.Errorf("grant %+v", done)
	}
	if n := len(g.dms(uAlice, "ends")); n != 1 {
		t.Errorf("warned %d times, want once", n)
	}
	var events []string
	for _, r := range g.audit() {
		if strings.HasPrefix(r.Event, "grant.") {
			events = append(events, r.Event+" "+r.Outcome)
		}
	}
	if want := []string{"grant.given ", "grant.revoked changed"}; !slices.Equal(events, want) {
		t.Errorf("grant records %q, want %q", events, want)
	}
	mustContain(t, g.reply(uAlice, "grants"), "None")
}

// With an approval, the grant's clock starts when it runs; the approval
// message says so. The policy's bounds are checked before anyone is asked.
func TestTimeboxedRoleAfterApproval(t *testing.T) {
	g := newGrants(t)
	g.start("bot")
	mustContain(t, g.reply(uAlice, "assign-role dave@corp.com --role HELP_DESK_ADMIN"),
		"the policy gives assign-role for a time only", "add --for", "at most 4h")
	mustContain(t, g.reply(uAlice, "assign-role dave@corp.com --role HELP_DESK_ADMIN --for 6h"),
		"--for 6h is longer than the policy lets you give assign-role: at most 4h (max_duration of the approval rule on line 13)")
	mustContain(t, g.reply(uAlice, "add-to-group dave@corp.com --group Responders --for 9h"), "at most 8h (max_duration of role \"oncall\")")
	mustContain(t, g.reply(uAlice, "add-to-group dave@corp.com --group Responders --for 2"), "--for takes a duration such as 30m, 2h or 7d")
	if len(g.approvalMessages()) != 0 || len(g.grants()) != 0 {
		t.Fatalf("a refused duration was sent for approval or granted")
	}

	notice, msg := g.request(uAlice, `assign-role dave@corp.com --role HELP_DESK_ADMIN --for 2h --reason "INC-9"`)
	mustContain(t, notice, "waiting for approval")
	mustContain(t, msg.AllText(), "For 2h only", "its clock starts when it runs")
	g.clock.add(40 * time.Minute) // the approver takes their time
	approvedAt := g.clock.Now()
	g.click(uSec1, msg, "Approve")
	g.waitUpdate(msg, "and run")
	if got := g.roleTypes("dave@corp.com"); !slices.Equal(got, []string{"HELP_DESK_ADMIN"}) {
		t.Fatalf("dave's roles %v", got)
	}
	gr := g.grant("dave@corp.com")
	if !gr.EndsAt.Equal(approvedAt.Add(2*time.Hour)) || gr.ApprovalID != approvalID(t, msg) || gr.Reason != "INC-9" {
		t.Errorf("grant ends %v (want %v, from the run), approval %q, reason %q", gr.EndsAt, approvedAt.Add(2*time.Hour), gr.ApprovalID, gr.Reason)
	}
	mustContain(t, g.told(uAlice, "approved by").AllText(), "assigned HELP_DESK_ADMIN "+until(approvedAt.Add(2*time.Hour)))
	// The one approval message says until when, and then that it ended.
	mustContain(t, g.now(msg).AllText(), "Given until", gr.ID)
	g.clock.add(2 * time.Hour)
	waitFor(t, 15*time.Second, "HELP_DESK_ADMIN to be removed", func() bool { return len(g.roleTypes("dave@corp.com")) == 0 })
	g.waitGrant("dave@corp.com", store.GrantRevoked)
	ended := g.waitUpdate(msg, "Removed").AllText()
	mustContain(t, ended, "at its end", gr.ID)
	if strings.Contains(ended, "Given until") {
		t.Errorf("the approval message still says the access is given: %s", ended)
	}
	if n := g.oktaOps("unassignRoleFromUser"); n != 1 {
		t.Errorf("%d unassignments, want 1", n)
	}
	samples := scrape(t, g.healthAddrOf(g.bots[0]))
	for event, want := range map[string]float64{"given": 1, "revoked": 1} {
		if got := sum(samples, "oktabot_grants_total", map[string]string{"action": "assign-role", "event": event}); got != want {
			t.Errorf("oktabot_grants_total{action=assign-role,event=%s} = %v, want %v", event, got, want)
		}
	}
}

// A grant given by a bot that then stops is removed at its end by the
// next one.
func TestTimeboxedGrantSurvivesARestart(t *testing.T) {
	g := newGrants(t)
	first := g.start("first")
	mustContain(t, g.reply(uAlice, "add-to-group erin@corp.com --group Responders --for 1h"), "added to Responders")
	g.stopBot(first)
	g.clock.add(2 * time.Hour) // it ended while no bot ran
	if !g.member("erin@corp.com") {
		t.Fatal("erin left Responders with no bot running")
	}
	g.start("second")
	waitFor(t, 15*time.Second, "erin to leave Responders", func() bool { return !g.member("erin@corp.com") })
	done := g.waitGrant("erin@corp.com", store.GrantRevoked)
	waitFor(t, 5*time.Second, "the audit channel's line", func() bool { return len(g.auditWith(done.ID, ":lock:")) == 1 })
	mustContain(t, g.auditWith(done.ID, ":lock:")[0], "1h after its end")
}

// Two replicas on PostgreSQL: each grant's access is removed exactly once,
// and told once.
func TestTimeboxedGrantsEndOnceAcrossTwoReplicas(t *testing.T) {
	base, required := pgtest.URL()
	if base == "" {
		if required {
			t.Fatal("OKTABOT_TEST_POSTGRES_URL not set, and OKTABOT_REQUIRE_POSTGRES=1")
		}
		t.Skip("OKTABOT_TEST_POSTGRES_URL not set")
	}
	g := newGrants(t)
	g.env["OKTABOT_DATABASE_URL"] = pgtest.FreshSchema(t, base)
	g.start("one")
	g.start("two")
	var logins []string
	for i := range 6 {
		u := g.okta.AddUser(oktatest.User{Login: fmt.Sprintf("temp%d@corp.com", i), FirstName: "Temp", LastName: fmt.Sprint(i)})
		logins = append(logins, u.Login)
	}
	mustContain(t, g.reply(uAlice, "add-to-group "+strings.Join(logins, " ")+" --group Responders --for 1h"), "6 done")
	g.clock.add(time.Hour)
	waitFor(t, 15*time.Second, "every temp to leave Responders", func() bool { return len(g.okta.Members(g.group.ID)) == 0 })
	for _, l := range logins {
		g.waitGrant(l, store.GrantRevoked)
	}
	waitFor(t, 5*time.Second, "the audit channel's lines", func() bool { return len(g.auditWith(":lock:")) >= len(logins) })
	if n := g.oktaOps("unassignUserFromGroup"); n != len(logins) {
		t.Errorf("%d removals sent to Okta, want %d", n, len(logins))
	}
	if lines := g.auditWith(":lock:"); len(lines) != len(logins) {
		t.Errorf("%d audit channel lines, want %d", len(lines), len(logins))
	}
	if n := len(g.auditEvents("grant.revoked")); n != len(logins) {
		t.Errorf("%d grant.revoked records, want %d", n, len(logins))
	}
	if n := len(g.dms(uAlice, ":lock: Your grant")); n != len(logins) {
		t.Errorf("alice was told %d times, want %d", n, len(logins))
	}
	// Each removal is logged twice, by its replica alone: the log line and
	// its audit record.
	ones, twos := g.bots[0].logged("grant.revoked"), g.bots[1].logged("grant.revoked")
	if ones+twos != 2*len(logins) {
		t.Errorf("replicas logged %d and %d removals, want %d in all", ones/2, twos/2, len(logins))
	}
}

// Okta down at the end: the removal is retried until Okta takes it; the
// audit channel is told once that it is overdue.
func TestTimeboxedGrantRetriesAnOktaOutage(t *testing.T) {
	g := newGrants(t)
	g.start("bot")
	mustContain(t, g.reply(uAlice, "add-to-group frank@corp.com --group Responders --for 1h"), "added to Responders")
	g.okta.FailNext(1_000_000, http.StatusServiceUnavailable)
	g.clock.add(time.Hour)
	waitFor(t, 15*time.Second, "a failed removal", func() bool { return g.grant("frank@corp.com").Attempts >= 1 })
	if !g.member("frank@corp.com") {
		t.Fatal("frank left Responders while Okta was down")
	}
	g.clock.add(6 * time.Minute)
	waitFor(t, 15*time.Second, "the overdue line", func() bool { return len(g.auditWith(":rotating_light:")) > 0 })
	g.clock.add(20 * time.Minute)
	waitFor(t, 15*time.Second, "another failed removal", func() bool { return g.grant("frank@corp.com").Attempts >= 3 })
	g.okta.FailNext(0, 0)
	g.clock.add(20 * time.Minute)
	waitFor(t, 15*time.Second, "frank to leave Responders", func() bool { return !g.member("frank@corp.com") })
	done := g.waitGrant("frank@corp.com", store.GrantRevoked)
	waitFor(t, 5*time.Second, "the end's line", func() bool { return len(g.auditWith(done.ID, ":lock:")) == 1 })
	if lines := g.auditWith(":rotating_light:"); len(lines) != 1 || !strings.Contains(lines[0], done.ID) || !strings.Contains(lines[0], "could not remove it yet") {
		t.Errorf("overdue lines %q, want one", lines)
	}
	if n := len(g.auditEvents("grant.overdue")); n != 1 {
		t.Errorf("%d grant.overdue records, want 1", n)
	}
	var failed int
	for _, r := range g.auditEvents("grant.revoked") {
		if r.Outcome == "failed" {
			failed++
		}
	}
	if failed != done.Attempts || failed < 3 {
		t.Errorf("%d failed removals recorded, the grant counts %d", failed, done.Attempts)
	}
}

// Extend (a new request, its policy checks included) and End now, from
// the message before the end; revoke by someone else, policy-checked.
func TestTimeboxedGrantExtendAndEndNow(t *testing.T) {
	g := newGrants(t)
	g.start("bot")
	mustContain(t, g.reply(uAlice, "add-to-group dave@corp.com --group Responders --for 1h"), "added to Responders")
	gr := g.grant("dave@corp.com")
	g.clock.add(52 * time.Minute)
	ending := g.dm(uAlice, "ends")
	mustContain(t, g.clickDM(uSec1, ending, "Extend"), "Only <@"+uAlice+">")
	extendedAt := g.clock.Now()
	mustContain(t, g.clickDM(uAlice, ending, "Extend"), "already had the group Responders; its grant now lasts "+until(extendedAt.Add(time.Hour)))
	if got := g.grant("dave@corp.com"); got.ID != gr.ID || !got.EndsAt.Equal(extendedAt.Add(time.Hour)) || got.Status != store.GrantActive {
		t.Fatalf("extended grant %+v", got)
	}
	// Past the first end, a second warning comes before the new one; the
	// access stays.
	g.clock.add(extendedAt.Add(time.Hour).Sub(g.clock.Now()) - 5*time.Minute)
	waitFor(t, 15*time.Second, "the second warning", func() bool { return len(g.dms(uAlice, "ends")) == 2 })
	if got := g.grant("dave@corp.com"); !g.member("dave@corp.com") || got.Status != store.GrantActive {
		t.Fatalf("dave was removed at the old end: %+v", got)
	}
	second := g.dms(uAlice, "ends")[1]
	mustContain(t, g.clickDM(uAlice, second, "End now"), "is over", "removed Dave Example &lt;dave@corp.com&gt; from Responders")
	if g.member("dave@corp.com") {
		t.Error("dave is still in Responders after End now")
	}
	waitFor(t, 5*time.Second, "the audit channel's line", func() bool { return len(g.auditWith(gr.ID, "was ended early by <@"+uAlice+">")) == 1 })
	mustContain(t, g.clickDM(uAlice, second, "End now"), "already", "Nothing more was done")

	// revoke: mallory (not in the policy) may not end alice's grant;
	// security may.
	mustContain(t, g.reply(uAlice, "add-to-group erin@corp.com --group Responders --for 1h"), "added to Responders")
	other := g.grant("erin@corp.com")
	mustContain(t, g.reply(uMallory, "revoke "+other.ID), "only they may end it")
	mustContain(t, g.reply(uAlice, "revoke not-a-grant"), "is not a grant's id")
	mustContain(t, g.reply(uAlice, "revoke NOSUCHGRANT"), "There is no grant")
	if !g.member("erin@corp.com") {
		t.Fatal("a refused revoke removed erin")
	}
	mustContain(t, g.reply(uSec1, "revoke "+other.ID), "is over")
	if g.member("erin@corp.com") {
		t.Error("erin is still in Responders after revoke")
	}
	recs := g.auditEvents("grant.revoked")
	if len(recs) != 2 || recs[len(recs)-1].Actor != uSec1 && recs[0].Actor != uSec1 {
		t.Errorf("grant.revoked records %+v", recs)
	}
}

// Access the user already had is not time-boxed: a grant would remove
// what oktabot did not give.
func TestTimeboxedGrantRefusesExistingAccess(t *testing.T) {
	g := newGrants(t)
	g.start("bot")
	dave, _ := g.okta.User("dave@corp.com")
	g.okta.AddGroupMember(g.group.ID, dave.ID)
	got := g.reply(uAlice, "add-to-group dave@corp.com --group Responders --for 2h")
	mustContain(t, got, "already has the group Responders, and not through a grant of oktabot's", "Nothing was changed")
	got = g.reply(uAlice, "add-to-group dave@corp.com --group Responders --for 2h --extend")
	mustContain(t, got, "not through a grant of oktabot's")
	if len(g.grants()) != 0 || g.oktaOps("assignUserToGroup") != 0 {
		t.Errorf("grants %v, additions %d", g.grants(), g.oktaOps("assignUserToGroup"))
	}
	if !g.member("dave@corp.com") {
		t.Error("dave was removed")
	}
	// Without --for, as ever: already a member.
	mustContain(t, g.reply(uAlice, "add-to-group dave@corp.com --group Responders"), "already in Responders")

	// Through an approval: refused before anyone is asked to approve it
	// (by security, who may act on Okta admins).
	g.okta.AddUser(oktatest.User{Login: "sam@corp.com", Email: "sam@corp.com", FirstName: "Sam", LastName: "Secure"})
	erin, _ := g.okta.User("erin@corp.com")
	g.okta.AddRole(erin.ID, oktatest.Role{Type: "READ_ONLY_ADMIN"})
	got = g.reply(uSec1, "assign-role erin@corp.com frank@corp.com --role READ_ONLY_ADMIN --for 2h")
	mustContain(t, got, "Nothing was sent for approval", "Erin Example", "already has READ_ONLY_ADMIN, and not through a grant of oktabot's")
	if strings.Contains(got, "Frank") || len(g.approvalMessages()) != 0 || g.oktaOps("assignRoleToUser") != 0 {
		t.Errorf("sent for approval or run: %s; %d approval messages", got, len(g.approvalMessages()))
	}
	if recs := g.auditEvents("request.refused"); len(recs) == 0 || !strings.Contains(recs[len(recs)-1].Detail, "already had the access") {
		t.Errorf("refusal records %+v", recs)
	}
}

// --extend is a write to its target like any other: a caller whose roles
// may not act on Okta admins (admin_targets) cannot keep an admin's access
// longer, although the membership itself is oktabot's grant; one whose
// roles may, can.
func TestTimeboxedExtendIsGuardedLikeAGrant(t *testing.T) {
	g := newGrants(t)
	g.start("bot")
	mustContain(t, g.reply(uAlice, "add-to-group dave@corp.com --group Responders --for 1h"), "added to Responders")
	gr := g.grant("dave@corp.com")
	dave, _ := g.okta.User("dave@corp.com")
	g.okta.AddRole(dave.ID, oktatest.Role{Type: "READ_ONLY_ADMIN"}) // dave became an Okta admin since
	mustContain(t, g.reply(uAlice, "add-to-group dave@corp.com --group Responders --for 8h --extend"),
		"holds Okta admin roles (READ_ONLY_ADMIN)", "admin_targets")
	if got := g.grant("dave@corp.com"); !got.EndsAt.Equal(gr.EndsAt) {
		t.Fatalf("a caller who may not act on Okta admins extended an admin's grant to %v (was %v)", got.EndsAt, gr.EndsAt)
	}
	if n := len(g.auditEvents("grant.extended")); n != 0 {
		t.Errorf("%d grant.extended records, want none", n)
	}
	// Security may act on Okta admins.
	at := g.clock.Now()
	mustContain(t, g.reply(uSec1, "add-to-group dave@corp.com --group Responders --for 2h --extend"), "its grant now lasts "+until(at.Add(2*time.Hour)))
}

// Forged End now and Extend buttons (another's grant id, another clicker)
// and a policy reloaded between a grant and its Extend change nothing.
func TestTimeboxedGrantButtonsAreCheckedOnTheServer(t *testing.T) {
	g := newGrants(t)
	bot := g.start("bot")
	mustContain(t, g.reply(uAlice, "add-to-group dave@corp.com --group Responders --for 1h"), "added to Responders")
	mustContain(t, g.reply(uSec1, "add-to-group erin@corp.com --group Responders --for 1h"), "added to Responders")
	mine, theirs := g.grant("dave@corp.com"), g.grant("erin@corp.com")
	g.clock.add(52 * time.Minute)
	ending := g.dm(uAlice, "ends")
	real, err := g.slack.ClickButton(uSec1, ending, "Extend") // refused: not theirs
	if err != nil {
		t.Fatal(err)
	}
	if _, err := real.WaitReplies(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	button := func(user, actionID, value string) func(map[string]any) {
		return func(p map[string]any) {
			p["user"] = map[string]any{"id": user, "name": user, "username": user, "team_id": g.slack.TeamID()}
			act := p["actions"].([]any)[0].(map[string]any)
			act["action_id"], act["value"] = actionID, value
		}
	}
	for k, c := range []struct {
		who, action, value string
		want               []string
	}{
		{uMallory, "grant_end", mine.ID, []string{"only they may end it"}},
		{uAlice, "grant_end", theirs.ID, []string{"only they may end it"}},
		{uAlice, "grant_extend", theirs.ID, []string{"Only <@" + uSec1 + ">"}},
		{uMallory, "grant_extend", mine.ID, []string{"Only <@" + uAlice + ">"}},
	} {
		i := forge(t, g.slack, real, button(c.who, c.action, c.value))
		replies, err := i.WaitReplies(k+2, 5*time.Second)
		if err != nil {
			t.Fatalf("%s %s %s: %v", c.who, c.action, c.value, err)
		}
		mustContain(t, replies[k+1].AllText(), c.want...)
	}
	mustContain(t, g.clickDM(uAlice, ending, "Extend"), "its grant now lasts") // a real one: a response_url takes 5 answers
	real, err = g.slack.ClickButton(uMallory, ending, "Extend")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := real.WaitReplies(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	i := forge(t, g.slack, real, button(uAlice, "grant_end", "../"+mine.ID))
	if replies, err := i.WaitReplies(2, 5*time.Second); err != nil {
		t.Fatal(err)
	} else {
		mustContain(t, replies[1].AllText(), "is not a grant's id")
	}
	mine = g.grant("dave@corp.com")
	for _, l := range []string{"dave@corp.com", "erin@corp.com"} {
		if gr := g.grant(l); !g.member(l) || gr.Status != store.GrantActive || gr.EndsAt.After(mine.EndsAt) {
			t.Fatalf("a forged button changed %s's grant: %+v", l, gr)
		}
	}

	// The policy now gives on-call 30 minutes at most: Extend (1h) is
	// refused; then on-call loses add-to-group: refused too.
	g.writePolicy(strings.Replace(grantPolicyE2E, "max_duration: 8h", "max_duration: 30m", 1))
	waitFor(t, 20*time.Second, "the policy to be reloaded", func() bool { return reloads(bot, "policy.reloaded") == 1 })
	mustContain(t, g.clickDM(uAlice, ending, "Extend"), "--for 1h is longer than the policy lets you give add-to-group", "at most 30m")
	g.writePolicy(strings.Replace(grantPolicyE2E, "actions: [get-user, add-to-group, assign-role]", "actions: [get-user, assign-role]", 1))
	waitFor(t, 20*time.Second, "the policy to be reloaded", func() bool { return reloads(bot, "policy.reloaded") == 2 })
	mustContain(t, g.clickDM(uAlice, ending, "Extend"), "not allowed")
	if gr := g.grant("dave@corp.com"); !gr.EndsAt.Equal(mine.EndsAt) || len(g.auditEvents("grant.extended")) != 1 {
		t.Fatalf("extended against the policy in force: %+v", gr)
	}
	// Ending their own grant needs nothing of the policy.
	mustContain(t, g.clickDM(uAlice, ending, "End now"), "is over")
}

// No time-boxed grant reaches an Okta admin, a group that grants admin
// roles, or the caller's own account, and none of them is kept as a
// grant; nor is one's own membership extended.
func TestTimeboxedGrantsKeepTheGuards(t *testing.T) {
	g := newGrants(t)
	root := g.okta.AddUser(oktatest.User{Login: "root@corp.com", Email: "root@corp.com", FirstName: "Root", LastName: "Admin"})
	g.okta.AddRole(root.ID, oktatest.Role{Type: "SUPER_ADMIN"})
	admins := g.okta.AddGroup(oktatest.Group{Name: "Admins"})
	g.okta.AddGroupRole(admins.ID, oktatest.Role{Type: "ORG_ADMIN"})
	g.start("bot")
	mustContain(t, g.reply(uAlice, "add-to-group root@corp.com --group Responders --for 1h"), "holds Okta admin roles (SUPER_ADMIN)")
	mustContain(t, g.reply(uAlice, "add-to-group dave@corp.com --group Admins --for 1h"), "grants Okta admin roles (ORG_ADMIN)")
	mustContain(t, g.reply(uAlice, "add-to-group alice@corp.com --group Responders --for 1h"), "your own Okta account")
	if gs := g.grants(); len(gs) != 0 || g.oktaOps("assignUserToGroup") != 0 {
		t.Fatalf("grants %+v, %d additions", gs, g.oktaOps("assignUserToGroup"))
	}
	// Security gives alice a membership: she may not extend it herself.
	mustContain(t, g.reply(uSec1, "add-to-group alice@corp.com --group Responders --for 1h"), "added to Responders")
	gr := g.grant("alice@corp.com")
	mustContain(t, g.reply(uAlice, "add-to-group alice@corp.com --group Responders --for 8h --extend"), "your own Okta account")
	if got := g.grant("alice@corp.com"); !got.EndsAt.Equal(gr.EndsAt) {
		t.Fatalf("alice extended her own grant: %+v", got)
	}
}

// A role's --extend asks the guards as a new assignment does, with or
// without an approval: its target holds an Okta admin role (the one
// extended, at least), which only admin_targets may act on.
func TestTimeboxedRoleExtendIsGuardedWithoutApproval(t *testing.T) {
	g := newGrants(t)
	direct := grantPolicyE2E[:strings.Index(grantPolicyE2E, "approvals:")] + "audit:\n  channel: C0AUDIT\n"
	g.setPolicy(direct)
	g.okta.AddUser(oktatest.User{Login: "sam@corp.com", Email: "sam@corp.com", FirstName: "Sam", LastName: "Secure"})
	g.start("bot")
	mustContain(t, g.reply(uSec1, "assign-role dave@corp.com --role HELP_DESK_ADMIN --for 1h"), "assigned HELP_DESK_ADMIN")
	gr := g.grant("dave@corp.com")
	mustContain(t, g.reply(uAlice, "assign-role dave@corp.com --role HELP_DESK_ADMIN --for 4h --extend"),
		"holds Okta admin roles (HELP_DESK_ADMIN)", "admin_targets")
	if got := g.grant("dave@corp.com"); !got.EndsAt.Equal(gr.EndsAt) {
		t.Fatalf("a caller who may not act on Okta admins extended a role grant to %v (was %v)", got.EndsAt, gr.EndsAt)
	}
	at := g.clock.Now()
	mustContain(t, g.reply(uSec1, "assign-role dave@corp.com --role HELP_DESK_ADMIN --for 4h --extend"), "its grant now lasts "+until(at.Add(4*time.Hour)))
}

// Access given for a time and then asked for again without --for is kept
// for good: the grant is made permanent, so its end takes away nothing
// its caller asked to give for good. Its requester is told, the audit
// channel too, and the records say grant.kept. Access not given by a grant
// of oktabot's is an answer, as before.
func TestTimeboxedGrantIsKeptForGoodWhenAskedWithoutFor(t *testing.T) {
	g := newGrants(t)
	direct := grantPolicyE2E[:strings.Index(grantPolicyE2E, "approvals:")] + "audit:\n  channel: C0AUDIT\n"
	g.setPolicy(direct)
	erin, _ := g.okta.User("erin@corp.com")
	g.okta.AddGroupMember(g.group.ID, erin.ID) // for good, not by oktabot
	g.okta.AddUser(oktatest.User{Login: "sid@corp.com", Email: "sid@corp.com", FirstName: "Sid", LastName: "Sentinel"})
	g.okta.AddUser(oktatest.User{Login: "sam@corp.com", Email: "sam@corp.com", FirstName: "Sam", LastName: "Secure"}) // uSec1's account
	g.start("bot")

	mustContain(t, g.reply(uAlice, "add-to-group dave@corp.com --group Responders --for 2h"), "added to Responders")
	mustContain(t, g.reply(uSec1, "assign-role dave@corp.com --role HELP_DESK_ADMIN --for 1h"), "assigned HELP_DESK_ADMIN")
	var membership, role store.Grant
	for _, gr := range g.grants() {
		if gr.GroupID != "" {
			membership = gr
		} else {
			role = gr
		}
	}
	// Sid's grant, not kept, ends with dave's: its removal shows that the
	// grants' ends have come.
	mustContain(t, g.reply(uAlice, "add-to-group sid@corp.com --group Responders --for 2h"), "added to Responders")
	sid := g.grant("sid@corp.com")

	mustContain(t, g.reply(uSec1, "add-to-group dave@corp.com erin@corp.com --group Responders"),
		"already in Responders; oktabot's grant "+membership.ID, "is now for good: its end removes nothing")
	mustContain(t, g.reply(uSec1, "assign-role dave@corp.com --role HELP_DESK_ADMIN"),
		"already had HELP_DESK_ADMIN; oktabot's grant "+role.ID, "is now for good")
	for _, gr := range g.grants() {
		if gr.ID != sid.ID && (!gr.Kept() || gr.EndedBy != uSec1) {
			t.Errorf("grant %s: %s %q by %q, want kept by %s", gr.ID, gr.Status, gr.Result, gr.EndedBy, uSec1)
		}
	}
	mustContain(t, g.dm(uAlice, ":pushpin: Your grant").AllText(), membership.ID, "was made permanent by <@"+uSec1+">", "its end removes nothing")
	waitFor(t, 5*time.Second, "the audit channel's lines", func() bool { return len(g.auditWith(":pushpin:")) == 2 })

	g.clock.add(3 * time.Hour)
	waitFor(t, 15*time.Second, "sid to leave Responders", func() bool { return !g.member("sid@corp.com") })
	g.waitGrant("sid@corp.com", store.GrantRevoked)
	if !g.member("dave@corp.com") || !g.member("erin@corp.com") || !slices.Contains(g.roleTypes("dave@corp.com"), "HELP_DESK_ADMIN") {
		t.Fatalf("after the grants' ends: dave in Responders %v, erin %v, dave's roles %v", g.member("dave@corp.com"), g.member("erin@corp.com"), g.roleTypes("dave@corp.com"))
	}
	if n := g.oktaOps("unassignUserFromGroup") + g.oktaOps("unassignRoleFromUser"); n != 1 {
		t.Errorf("%d removals sent to Okta, want sid's only", n)
	}
	var events []string
	for _, r := range g.audit() {
		if strings.HasPrefix(r.Event, "grant.") {
			events = append(events, r.Event+" "+r.Params["grant"])
		}
	}
	want := []string{"grant.given " + membership.ID, "grant.given " + role.ID, "grant.given " + sid.ID,
		"grant.kept " + membership.ID, "grant.kept " + role.ID, "grant.revoked " + sid.ID}
	if !slices.Equal(events, want) {
		t.Errorf("grant records %q, want %q", events, want)
	}
}

// Making a grant permanent keeps access longer, so the guards are asked
// as for new access: a caller whose roles may not act on Okta admins
// cannot keep an admin's membership, nor anyone their own; the grant
// still ends as it would have.
func TestTimeboxedGrantKeptForGoodKeepsTheGuards(t *testing.T) {
	g := newGrants(t)
	g.start("bot")
	mustContain(t, g.reply(uAlice, "add-to-group dave@corp.com --group Responders --for 1h"), "added to Responders")
	mustContain(t, g.reply(uSec1, "add-to-group alice@corp.com --group Responders --for 1h"), "added to Responders")
	dave, _ := g.okta.User("dave@corp.com")
	g.okta.AddRole(dave.ID, oktatest.Role{Type: "READ_ONLY_ADMIN"}) // dave became an Okta admin since
	mustContain(t, g.reply(uAlice, "add-to-group dave@corp.com --group Responders"), "holds Okta admin roles (READ_ONLY_ADMIN)", "admin_targets")
	mustContain(t, g.reply(uAlice, "add-to-group alice@corp.com --group Responders"), "your own Okta account")
	for _, gr := range g.grants() {
		if gr.Status != store.GrantActive {
			t.Errorf("grant %s to %s is %s %q, want still active", gr.ID, gr.UserLabel, gr.Status, gr.Result)
		}
	}
	if n := len(g.auditEvents("grant.kept")); n != 0 {
		t.Errorf("%d grant.kept records, want none", n)
	}
	g.clock.add(61 * time.Minute)
	waitFor(t, 15*time.Second, "both to leave Responders", func() bool { return !g.member("dave@corp.com") && !g.member("alice@corp.com") })
}

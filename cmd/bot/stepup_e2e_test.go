package main

// Approver step-up end to end: under an approval rule with step_up: push,
// an Approve, Deny or Run it now counts only once its clicker approves an
// Okta Verify push with number matching on their own Okta account.

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"oktabot/okta/oktatest"
	"oktabot/slackfake"
)

// stepUpPolicy: alice's disables and the helpdesk's password resets wait
// for security, whose decisions need Okta Verify.
const stepUpPolicy = `roles:
  oncall:
    members: [U0ALICE01]
    actions: [get-user, disable-user]
  helpdesk:
    members: [U0HELPDSK]
    actions: [get-user, reset-password]
  security:
    members: [U0SECURE1, S0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
approvals:
  - actions: [disable-user, reset-password]
    approvers: [security]
    channel: C0APPROVALS
    step_up: push
audit:
  channel: C0AUDIT
`

// newStepUp runs a bot under policy, with Okta accounts (and Okta Verify)
// for sam (uSec1, sam@corp.com) and, unless noSue, sue (uSec2).
func newStepUp(t *testing.T, policy string, noSue bool) (*vh, oktatest.User, oktatest.User) {
	t.Helper()
	a := newApprovals(t, "1h")
	a.setPolicy(policy)
	v := &vh{ah: a}
	sam := v.pushUser("sam@corp.com", "Sam", "Secure")
	var sue oktatest.User
	if !noSue {
		sue = v.pushUser("sue@corp.com", "Sue", "Secure")
	}
	a.start("a")
	return v, sam, sue
}

// pushUser is an Okta user with an Okta Verify push factor.
func (v *vh) pushUser(login, first, last string) oktatest.User {
	u := v.okta.AddUser(oktatest.User{Login: login, Email: login, FirstName: first, LastName: last})
	v.okta.AddFactor(u.ID, oktatest.Factor{FactorType: "push", Provider: "OKTA", DeviceName: first + "'s iPhone", Platform: "IOS"})
	return u
}

// pending fails the test unless the approval message still waits for a
// decision, with its buttons, and Okta suspended no more than suspended
// users.
func (v *vh) pending(msg slackfake.Message, suspended int) {
	v.t.Helper()
	now := v.now(msg)
	if !strings.Contains(now.AllText(), "Approval needed") || len(buttons(v.t, now)) != 2 {
		v.t.Errorf("the request is no longer pending: %s", now.AllText())
	}
	if n := v.oktaOps("suspendUser"); n != suspended {
		v.t.Errorf("Okta suspended %d users, want %d", n, suspended)
	}
}

// stepUps are the approval.step_up records: "actor outcome".
func (v *vh) stepUps() []string {
	var got []string
	for _, r := range v.auditEvents("approval.step_up") {
		got = append(got, r.Actor+" "+r.Outcome)
	}
	return got
}

// An approval counts only once the approver approves their push; a second
// click meanwhile sends no second push; two approvers at once each get
// their own push, and the request runs once.
func TestStepUpApproveRunsOnce(t *testing.T) {
	v, sam, sue := newStepUp(t, stepUpPolicy, false)
	_, msg := v.request(uAlice, "disable-user dave")
	mustContain(t, msg.AllText(), "This rule needs MFA", "Okta Verify push")

	v.click(uSec1, msg, "Approve")
	samTx := v.push(sam)
	status := v.told(uSec1, fmt.Sprintf("Tap %d", samTx.CorrectAnswer))
	if status.Channel != "D"+uSec1[1:] {
		t.Errorf("sam's status is in %s, want his direct message", status.Channel)
	}
	// The click alone decided nothing.
	v.pending(msg, 0)
	// A second click while the push waits: no second push.
	mustContain(t, v.clickReply(uSec1, msg, "Approve"), "already on your device", "did not count")
	// Sue clicks too: her own push, her own number.
	v.click(uSec2, msg, "Approve")
	sueTx := v.push(sue)
	v.told(uSec2, fmt.Sprintf("Tap %d", sueTx.CorrectAnswer))
	if sueTx.ID == samTx.ID || len(v.okta.PushTransactions(sam.ID)) != 1 {
		t.Fatalf("pushes: sam %d, sue's is sam's: %v", len(v.okta.PushTransactions(sam.ID)), sueTx.ID == samTx.ID)
	}

	v.okta.AnswerPush(samTx.ID, oktatest.PushApprove)
	done := v.waitUpdate(msg, "and run").AllText()
	mustContain(t, done, "Approved by <@"+uSec1+"> with Okta Verify")
	waitFor(t, 5*time.Second, "sam's status to say his approval counts", func() bool {
		return strings.Contains(v.now(status).AllText(), "your approval counts")
	})
	v.okta.AnswerPush(sueTx.ID, oktatest.PushApprove)
	v.told(uSec2, "already approved by <@"+uSec1+">")
	if n := v.oktaOps("suspendUser"); n != 1 {
		t.Errorf("Okta suspended %d times, want once", n)
	}
	if n := len(v.auditEvents("approval.approved")); n != 1 {
		t.Errorf("%d approvals recorded, want 1", n)
	}
	want := map[string]bool{uSec1 + " approved": true, uSec2 + " approved": true}
	if got := v.stepUps(); len(got) != 2 || !want[got[0]] || !want[got[1]] {
		t.Errorf("step-up records %q", got)
	}
	v.txs = []oktatest.PushTransaction{samTx}
	v.checkNumbers(uSec1)
	v.txs = []oktatest.PushTransaction{sueTx}
	v.checkNumbers(uSec2)
}

// A rejected push: the approval does not count, the request stays pending,
// the audit channel is told; a later approved push counts.
func TestStepUpRejectedDoesNotCount(t *testing.T) {
	v, sam, _ := newStepUp(t, stepUpPolicy, false)
	_, msg := v.request(uAlice, "disable-user dave")
	v.click(uSec1, msg, "Approve")
	tx := v.push(sam)
	v.okta.AnswerPush(tx.ID, oktatest.PushWrongNumber)
	v.told(uSec1, "did not count")
	found := false
	for _, l := range v.waitAuditLines(1) {
		found = found || strings.Contains(l, "Okta Verify step-up rejected") && strings.Contains(l, "<@"+uSec1+">")
	}
	if !found {
		t.Errorf("the audit channel was not told of the rejected step-up: %q", v.auditLines())
	}
	v.pending(msg, 0)
	if got := v.stepUps(); len(got) != 1 || got[0] != uSec1+" rejected" {
		t.Errorf("step-up records %q", got)
	}

	v.click(uSec1, msg, "Approve")
	tx = v.push(sam)
	v.okta.AnswerPush(tx.ID, oktatest.PushApprove)
	v.waitUpdate(msg, "and run")
	if n := v.oktaOps("suspendUser"); n != 1 {
		t.Errorf("Okta suspended %d times, want once", n)
	}
	// Counted for the operators: one rejected and one approved step-up.
	samples := scrape(t, v.healthAddrOf(v.bots[0]))
	for outcome, want := range map[string]float64{"rejected": 1, "approved": 1} {
		if got := sum(samples, "oktabot_okta_verify_total", map[string]string{"purpose": "step_up", "outcome": outcome}); got != want {
			t.Errorf("oktabot_okta_verify_total{purpose=step_up,outcome=%s} = %v, want %v", outcome, got, want)
		}
	}
}

// No answer in time: not counted, still pending.
func TestStepUpTimeoutDoesNotCount(t *testing.T) {
	v, sam, _ := newStepUp(t, stepUpPolicy, false)
	_, msg := v.request(uAlice, "disable-user dave")
	v.click(uSec1, msg, "Approve")
	v.okta.ExpirePush(v.push(sam).ID)
	v.told(uSec1, "No answer to the Okta Verify push")
	v.pending(msg, 0)
	if got := v.stepUps(); len(got) != 1 || got[0] != uSec1+" timed out" {
		t.Errorf("step-up records %q", got)
	}
	lines := v.waitAuditLines(1)
	if !strings.Contains(strings.Join(lines, "\n"), "no answer to the Okta Verify push") {
		t.Errorf("audit lines %q", lines)
	}
}

// An approver with no Okta account to push to cannot decide, and is told
// why; nothing is pushed.
func TestStepUpWithoutOktaAccount(t *testing.T) {
	v, sam, _ := newStepUp(t, stepUpPolicy, true) // sue@corp.com is not in Okta
	_, msg := v.request(uAlice, "disable-user dave")
	mustContain(t, v.clickReply(uSec2, msg, "Approve"), "cannot tell which Okta account is yours", "people: map", "did not count")
	v.pending(msg, 0)
	if n := len(v.okta.PushTransactions(sam.ID)); n != 0 {
		t.Errorf("%d pushes sent", n)
	}
	if got := v.stepUps(); len(got) != 1 || got[0] != uSec2+" no okta account" {
		t.Errorf("step-up records %q", got)
	}
}

// The policy's people: map wins over the Slack profile's email, for the
// step-up and for "nobody changes their own account"; and nobody decides
// with the requester's own Okta account.
func TestStepUpPeopleMapOverridesEmail(t *testing.T) {
	a := newApprovals(t, "1h")
	a.setPolicy(stepUpPolicy + "people:\n  U0SECURE1: samuel.admin@corp.com\n  U0SECURE2: alice@corp.com\n")
	v := &vh{ah: a}
	sam := v.pushUser("sam@corp.com", "Sam", "Secure")
	admin := v.pushUser("samuel.admin@corp.com", "Samuel", "Admin")
	a.start("a")
	_, msg := v.request(uAlice, "disable-user dave")
	v.click(uSec1, msg, "Approve")
	tx := v.push(admin)
	v.told(uSec1, "samuel.admin@corp.com")
	v.okta.AnswerPush(tx.ID, oktatest.PushApprove)
	v.waitUpdate(msg, "and run")
	if n := len(v.okta.PushTransactions(sam.ID)); n != 0 {
		t.Errorf("sam@corp.com, the Slack email, got %d pushes; the people: map names samuel.admin", n)
	}
	v.okta.LockOut(admin.ID)
	mustContain(t, v.reply(uSec1, "unlock-user samuel.admin@corp.com"), "is your own Okta account")

	// Sue's Okta account is, by the map, alice's, who asks.
	_, msg = v.request(uAlice, "disable-user erin")
	mustContain(t, v.clickReply(uSec2, msg, "Approve"), "is also that of U0ALICE01", "did not count")
	v.pending(msg, 1) // dave's, approved above
}

// The requester cannot approve their own request: refused before any
// push is sent.
func TestStepUpRequesterCannotApprove(t *testing.T) {
	v, sam, _ := newStepUp(t, stepUpPolicy, false)
	_, msg := v.request(uSec1, "disable-user dave")
	mustContain(t, v.clickReply(uSec1, msg, "Approve"), "can't approve your own request")
	v.pending(msg, 0)
	if n := len(v.okta.PushTransactions(sam.ID)); n != 0 {
		t.Errorf("the requester was sent %d pushes", n)
	}
}

// A denial counts once proven too, and the message says so.
func TestStepUpDeny(t *testing.T) {
	v, sam, _ := newStepUp(t, stepUpPolicy, false)
	_, msg := v.request(uAlice, "disable-user dave")
	views := len(v.slack.Views())
	v.click(uSec1, msg, "Deny")
	form := v.openedView(uSec1, "approval_deny", views)
	sub, err := v.slack.SubmitView(uSec1, form, map[string]map[string]any{"deny_reason": {"deny_reason": "not during the freeze"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	tx := v.push(sam)
	v.pending(msg, 0)
	v.okta.AnswerPush(tx.ID, oktatest.PushApprove)
	mustContain(t, v.waitUpdate(msg, "Denied").AllText(), "Denied by <@"+uSec1+"> with Okta Verify", "not during the freeze")
}

// Run it now (a reset link for its requester) counts once the requester
// proves it too.
func TestStepUpRunItNow(t *testing.T) {
	v, sam, _ := newStepUp(t, stepUpPolicy, false)
	hal := v.pushUser("hal@corp.com", "Hal", "Desk")
	_, msg := v.request(uDesk, "reset-password erin")
	v.click(uSec1, msg, "Approve")
	v.okta.AnswerPush(v.push(sam).ID, oktatest.PushApprove)
	v.waitUpdate(msg, "Waiting for")
	var wg sync.WaitGroup
	var got string
	i := v.runNow(uDesk)
	wg.Add(1)
	go func() {
		defer wg.Done()
		replies, err := i.WaitReplies(1, 20*time.Second)
		if err == nil {
			got = replies[0].AllText()
		}
	}()
	tx := v.push(hal)
	v.told(uDesk, fmt.Sprintf("Tap %d", tx.CorrectAnswer))
	if n := v.oktaOps("resetPassword"); n != 0 {
		t.Errorf("the reset ran before hal approved his push")
	}
	v.okta.AnswerPush(tx.ID, oktatest.PushApprove)
	wg.Wait()
	if !resetLinkRE.MatchString(got) {
		t.Errorf("hal's click got no reset link: %q", got)
	}
	if got := v.stepUps(); len(got) != 2 || got[1] != uDesk+" approved" {
		t.Errorf("step-up records %q", got)
	}
}

// An Okta login the people: map gives someone is theirs alone: another
// person whose Slack email happens to be it (a Slack profile they may
// edit) is not matched to it, and no push goes to its owner's phone.
func TestStepUpEmailNeverLandsOnAMappedLogin(t *testing.T) {
	a := newApprovals(t, "1h")
	a.setPolicy(stepUpPolicy + "people:\n  U0SECURE2: sam@corp.com\n")
	v := &vh{ah: a}
	sam := v.pushUser("sam@corp.com", "Sam", "Secure") // uSec1's Slack email, but the map gives it to uSec2
	a.start("a")
	_, msg := v.request(uAlice, "disable-user dave")
	mustContain(t, v.clickReply(uSec1, msg, "Approve"), "cannot tell which Okta account is yours", "people: map", "did not count")
	v.pending(msg, 0)
	if n := len(v.okta.PushTransactions(sam.ID)); n != 0 {
		t.Errorf("%d pushes went to the phone of sam@corp.com, which the people: map gives to %s", n, uSec2)
	}
}

package main

// Okta Verify proof before a reset, end to end: the policy's verify rule
// sends the target an Okta Verify push with number matching before a
// covered action runs on them; only an approved push lets it run. The
// number reaches the caller's own messages only.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"oktabot/okta/oktatest"
	"oktabot/slackfake"
	"oktabot/store"
)

func init() { verifyPoll = 25 * time.Millisecond }

// verifyPolicy: the helpdesk unlocks and resets factors after the target's
// push; its password resets also wait for security's approval.
const verifyPolicy = `roles:
  helpdesk:
    members: [U0HELPDSK]
    actions: [get-user, unlock-user, reset-factors, reset-password, verify-user, list-factors]
  security:
    members: [U0SECURE1, S0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
    admin_targets: true
approvals:
  - actions: [reset-password]
    approvers: [security]
    channel: C0APPROVALS
verify:
  - actions: [unlock-user, reset-password]
    method: push
    timeout: 60s
  - actions: [reset-factors]
audit:
  channel: C0AUDIT
`

// vh is a bot under verifyPolicy, with people whose phones answer pushes.
type vh struct {
	*ah
	txs []oktatest.PushTransaction // every push the test saw
}

func newVerify(t *testing.T) *vh {
	t.Helper()
	return newVerifyUnder(t, verifyPolicy)
}

// newVerifyUnder is newVerify with another policy.
func newVerifyUnder(t *testing.T, policy string) *vh {
	t.Helper()
	a := newApprovals(t, "1h")
	a.setPolicy(policy)
	a.start("a")
	return &vh{ah: a}
}

// person is an Okta user with an Okta Verify push factor, locked out.
func (v *vh) person(first string) oktatest.User {
	v.t.Helper()
	u := v.okta.AddUser(oktatest.User{Login: strings.ToLower(first) + ".v@corp.com", Email: strings.ToLower(first) + ".v@corp.com", FirstName: first, LastName: "Verified"})
	v.okta.AddFactor(u.ID, oktatest.Factor{FactorType: "push", Provider: "OKTA", DeviceName: first + "'s iPhone", Platform: "IOS"})
	v.okta.LockOut(u.ID)
	return u
}

// push waits for the push sent to u, and remembers it for the leak checks.
func (v *vh) push(u oktatest.User) oktatest.PushTransaction {
	v.t.Helper()
	tx, ok := v.okta.WaitPush(u.ID, 20*time.Second)
	if !ok {
		v.t.Fatalf("no push was sent to %s\nlogs:\n%s", u.Login, v.logs())
	}
	if tx.CorrectAnswer == 0 {
		v.t.Fatalf("the push to %s has no number to match", u.Login)
	}
	v.txs = append(v.txs, tx)
	return tx
}

// ask types a command and returns the slash command, not waiting.
func (v *vh) ask(user, text string) *slackfake.Interaction {
	return v.slack.SlashCommand(user, chGen, "/okta", text)
}

// result waits for the command's one reply (the result, after the push).
func (v *vh) result(i *slackfake.Interaction) string {
	v.t.Helper()
	msgs, err := i.WaitReplies(1, 30*time.Second)
	if err != nil {
		v.t.Fatalf("no result: %v\nlogs:\n%s", err, v.logs())
	}
	return msgs[0].AllText()
}

// checkNumbers fails the test if a push's number reached any Slack message
// but the caller's own private ones, or its transaction id reached the
// logs, the database files, the audit records or Slack.
func (v *vh) checkNumbers(caller string) {
	v.t.Helper()
	var logs strings.Builder
	for _, r := range v.bots {
		logs.WriteString(r.stdout.String())
	}
	var files strings.Builder
	db := v.env["OKTABOT_DATABASE_URL"]
	for _, f := range []string{db, db + "-wal", db + "-shm"} {
		b, _ := os.ReadFile(f)
		files.Write(b)
	}
	recs, _ := v.store().ListAudit(context.Background(), store.AuditFilter{Limit: store.MaxAuditLimit})
	var details strings.Builder
	for _, r := range recs {
		b, _ := json.Marshal(struct {
			D, O string
			P    map[string]string
		}{r.Detail, r.Outcome, r.Params})
		details.Write(b)
	}
	var slackAll strings.Builder
	for _, c := range v.slack.Calls() {
		b, _ := json.Marshal(c.Params)
		slackAll.Write(b)
	}
	for _, tx := range v.txs {
		for where, text := range map[string]string{"the logs": logs.String(), "the database files": files.String(), "a Slack call": slackAll.String()} {
			if strings.Contains(text, tx.ID) {
				v.t.Errorf("the push transaction %s reached %s", tx.ID, where)
			}
		}
		word := regexp.MustCompile(`\b` + fmt.Sprint(tx.CorrectAnswer) + `\b`)
		// Records hold dates and times too (a reminder's "waiting since").
		if word.MatchString(dateRE.ReplaceAllString(details.String(), " ")) {
			v.t.Errorf("the number %d is in the audit records: %s", tx.CorrectAnswer, details.String())
		}
		if regexp.MustCompile(`(?i)tap\W+` + fmt.Sprint(tx.CorrectAnswer) + `\b`).MatchString(logs.String()) {
			v.t.Errorf("the number %d is in the logs", tx.CorrectAnswer)
		}
		for _, m := range v.slack.Messages() {
			own := (m.Ephemeral() && m.User == caller) || m.Channel == "D"+caller[1:]
			// Dates and times hold two-digit numbers of their own.
			text := dateRE.ReplaceAllString(m.Text+" "+string(m.Blocks), " ")
			if !own && word.MatchString(text) {
				v.t.Errorf("the number %d reached a message that is not the caller's own (%s in %s to %q): %s", tx.CorrectAnswer, m.Via, m.Channel, m.User, m.AllText())
			}
		}
	}
}

// dateRE matches the dates and times a message shows.
var dateRE = regexp.MustCompile(`<!date\^[^>]*>|\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?( UTC|Z)?)?`)

func TestVerifyApprovedRuns(t *testing.T) {
	v := newVerify(t)
	dave := v.person("Dave")
	i := v.ask(uDesk, "unlock-user dave.v")
	tx := v.push(dave)
	// The caller alone is shown the number to read out.
	v.told(uDesk, fmt.Sprintf("Ask them to tap %d", tx.CorrectAnswer))
	if s := v.userStatus(dave.Login); s != "LOCKED_OUT" {
		t.Fatalf("dave is %s before he answered the push", s)
	}
	v.okta.AnswerPush(tx.ID, oktatest.PushApprove)
	mustContain(t, v.result(i), "unlocked")
	v.told(uDesk, "approved the Okta Verify push")
	if s := v.userStatus(dave.Login); s != "ACTIVE" {
		t.Errorf("dave is %s after he approved the push", s)
	}
	var got []string
	for _, r := range v.auditEvents("verify.push") {
		got = append(got, r.Target+" "+r.Outcome+" "+r.Actor)
	}
	if want := dave.ID + " approved " + uDesk; len(got) != 1 || got[0] != want {
		t.Errorf("verify.push records %q, want [%q]", got, want)
	}
	v.checkNumbers(uDesk)
}

func TestVerifyRejectedDoesNotRunAndAlerts(t *testing.T) {
	v := newVerify(t)
	erin := v.person("Erin")
	n := v.oktaOps("unlockUser")
	i := v.ask(uDesk, "unlock-user erin.v")
	tx := v.push(erin)
	v.okta.AnswerPush(tx.ID, oktatest.PushWrongNumber)
	mustContain(t, v.result(i), "not run", "rejected the Okta Verify push", "the security team was told")
	v.told(uDesk, "The security team was told")
	if s := v.userStatus(erin.Login); s != "LOCKED_OUT" || v.oktaOps("unlockUser") != n {
		t.Errorf("erin is %s after she rejected the push; Okta unlocks: %d", s, v.oktaOps("unlockUser")-n)
	}
	lines := v.waitAuditLines(1)
	found := false
	for _, l := range lines {
		if strings.Contains(l, "Okta Verify push rejected") && strings.Contains(l, "Erin Verified") {
			found = true
		}
	}
	if !found {
		t.Errorf("the audit channel was not told of the rejected push: %q", lines)
	}
	v.checkNumbers(uDesk)
}

func TestVerifyTimeoutDoesNotRun(t *testing.T) {
	v := newVerify(t)
	frank := v.person("Frank")
	i := v.ask(uDesk, "unlock-user frank.v")
	tx := v.push(frank)
	v.okta.ExpirePush(tx.ID) // Okta's own lifetime ran out
	mustContain(t, v.result(i), "not run", "did not answer the Okta Verify push")
	if s := v.userStatus(frank.Login); s != "LOCKED_OUT" {
		t.Errorf("frank is %s after the push timed out", s)
	}
	v.checkNumbers(uDesk)
}

func TestVerifyWithoutPushFactorDoesNotRun(t *testing.T) {
	v := newVerify(t)
	gus := v.okta.AddUser(oktatest.User{Login: "gus.v@corp.com", Email: "gus.v@corp.com", FirstName: "Gus", LastName: "Verified"})
	v.okta.AddFactor(gus.ID, oktatest.Factor{FactorType: "sms", Provider: "OKTA", PhoneNumber: "+1 415 555 0199"})
	v.okta.LockOut(gus.ID)
	mustContain(t, v.result(v.ask(uDesk, "unlock-user gus.v")), "not run", "no active Okta Verify push factor")
	if s := v.userStatus(gus.Login); s != "LOCKED_OUT" {
		t.Errorf("gus is %s without a push factor", s)
	}
	// reset-factors without a fallback is refused too.
	mustContain(t, v.result(v.ask(uDesk, "reset-factors gus.v")), "not run", "no active Okta Verify push factor")
	v.waitAuditLines(2)
}

// After approval and before the run: the approved reset waits for the
// target's push.
func TestVerifyAfterApproval(t *testing.T) {
	v := newVerify(t)
	hank := v.person("Hank")
	_, msg := v.request(uDesk, "reset-password hank.v --send-email --reason \"called in\"")
	// The approver sees that the target will be verified.
	mustContain(t, msg.AllText(), "Okta Verify")
	v.click(uSec1, msg, "Approve")
	tx := v.push(hank)
	v.told(uDesk, fmt.Sprintf("Ask them to tap %d", tx.CorrectAnswer))
	v.okta.AnswerPush(tx.ID, oktatest.PushApprove)
	v.told(uDesk, "approved the Okta Verify push")
	deadline := time.Now().Add(20 * time.Second)
	for {
		var got []string
		done := false
		for _, r := range v.audit() {
			if r.Action != "reset-password" {
				continue
			}
			got = append(got, r.Event+" "+r.Outcome+" "+r.Detail)
			done = done || r.Event == "outcome" && r.Outcome == "changed"
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the approved reset did not run: %q", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	v.checkNumbers(uDesk)
}

// Two verifications at once, for different targets, each get their own
// push, number and answer.
func TestConcurrentVerificationsDoNotMix(t *testing.T) {
	v := newVerify(t)
	ivy, jo := v.person("Ivy"), v.person("Jo")
	var wg sync.WaitGroup
	var ivyRes, joRes string
	i1 := v.ask(uDesk, "unlock-user ivy.v")
	i2 := v.ask(uSec1, "unlock-user jo.v")
	t1, t2 := v.push(ivy), v.push(jo)
	v.told(uDesk, fmt.Sprintf("Ask them to tap %d", t1.CorrectAnswer))
	v.told(uSec1, fmt.Sprintf("Ask them to tap %d", t2.CorrectAnswer))
	wg.Add(2)
	go func() { defer wg.Done(); ivyRes = v.result(i1) }()
	go func() { defer wg.Done(); joRes = v.result(i2) }()
	v.okta.AnswerPush(t2.ID, oktatest.PushReject)
	v.okta.AnswerPush(t1.ID, oktatest.PushApprove)
	wg.Wait()
	mustContain(t, ivyRes, "Ivy Verified", "unlocked")
	mustContain(t, joRes, "Jo Verified", "not run", "rejected")
	if strings.Contains(ivyRes, "Jo Verified") || strings.Contains(joRes, "Ivy Verified") {
		t.Errorf("the results mixed up the targets:\n%s\n---\n%s", ivyRes, joRes)
	}
	if v.userStatus(ivy.Login) != "ACTIVE" || v.userStatus(jo.Login) != "LOCKED_OUT" {
		t.Errorf("ivy %s, jo %s: want ivy unlocked, jo not", v.userStatus(ivy.Login), v.userStatus(jo.Login))
	}
	// Each caller saw only their own target's number.
	for _, m := range v.slack.Messages() {
		text := m.AllText()
		if m.User == uDesk && strings.Contains(text, "Jo Verified") || m.User == uSec1 && strings.Contains(text, "Ivy Verified") {
			t.Errorf("a caller was shown the other's verification: %s", text)
		}
	}
}

func TestVerifyUser(t *testing.T) {
	v := newVerify(t)
	kim := v.person("Kim")
	i := v.ask(uDesk, "verify-user kim.v")
	tx := v.push(kim)
	v.told(uDesk, fmt.Sprintf("Ask them to tap %d", tx.CorrectAnswer))
	v.okta.AnswerPush(tx.ID, oktatest.PushApprove)
	mustContain(t, v.result(i), "Kim Verified", "approved the Okta Verify push in")

	i = v.ask(uDesk, "verify-user kim.v")
	tx = v.push(kim)
	v.okta.AnswerPush(tx.ID, oktatest.PushReject)
	got := v.result(i)
	mustContain(t, got, "rejected the Okta Verify push")
	if strings.Contains(got, "not run") {
		t.Errorf("verify-user says something was not run: %s", got)
	}
	mustContain(t, v.result(v.ask(uDesk, "verify-user kim.v frank")), "one user")
	v.checkNumbers(uDesk)
}

// Without an audit channel nobody is told of a rejected push, and the
// caller is not told that anyone was.
func TestRejectedPushWithoutAuditChannelClaimsNoAlert(t *testing.T) {
	v := newVerifyUnder(t, strings.Replace(verifyPolicy, "audit:\n  channel: C0AUDIT\n", "", 1))
	erin := v.person("Erin")
	i := v.ask(uDesk, "unlock-user erin.v")
	tx := v.push(erin)
	status := v.told(uDesk, fmt.Sprintf("Ask them to tap %d", tx.CorrectAnswer))
	v.okta.AnswerPush(tx.ID, oktatest.PushReject)
	got := v.result(i)
	mustContain(t, got, "not run", "rejected the Okta Verify push")
	waitFor(t, 5*time.Second, "the status to show the rejection", func() bool { return strings.Contains(v.now(status).AllText(), "rejected") })
	for _, text := range []string{got, v.now(status).AllText()} {
		if strings.Contains(strings.ToLower(text), "security team was told") {
			t.Errorf("the caller is told the security team was told, with no audit channel: %s", text)
		}
	}
}

// The push's status is one private message, in the caller's direct
// message with oktabot, updated in place: the number, then the answer
// (which no longer shows the number).
func TestVerifyStatusIsOneMessageUpdatedInPlace(t *testing.T) {
	v := newVerify(t)
	dave := v.person("Dave")
	i := v.ask(uDesk, "unlock-user dave.v")
	tx := v.push(dave)
	status := v.told(uDesk, fmt.Sprintf("Ask them to tap %d", tx.CorrectAnswer))
	if dm := "D" + uDesk[1:]; status.Channel != dm || status.Via != "chat.postMessage" {
		t.Errorf("the status is a %s in %s, want a message in the caller's direct message %s", status.Via, status.Channel, dm)
	}
	v.okta.AnswerPush(tx.ID, oktatest.PushApprove)
	mustContain(t, v.result(i), "unlocked")
	waitFor(t, 5*time.Second, "the status to show the answer", func() bool {
		return strings.Contains(v.now(status).AllText(), "approved the Okta Verify push")
	})
	now := dateRE.ReplaceAllString(v.now(status).AllText(), " ")
	if regexp.MustCompile(`\b` + fmt.Sprint(tx.CorrectAnswer) + `\b`).MatchString(now) {
		t.Errorf("the answered status still shows the number %d: %s", tx.CorrectAnswer, now)
	}
	for _, m := range v.slack.Messages() {
		if m.TS != status.TS && strings.Contains(m.AllText(), "Okta Verify push") {
			t.Errorf("a second message about the push (%s in %s): %s", m.Via, m.Channel, m.AllText())
		}
	}
	v.checkNumbers(uDesk)
}

// A push may take longer to answer than a request's own time: the run
// waits for it, directly and after approval, and then goes on.
func TestVerifyOutlivesTheRequestTime(t *testing.T) {
	defer func(d time.Duration) { requestTimeout = d }(requestTimeout)
	requestTimeout = time.Second
	v := newVerify(t) // the verify rule's timeout is 60s
	// Polled every 25 ms, 80 polls take two seconds at least: the run is
	// still waiting past its request's second.
	outlive := func(tx oktatest.PushTransaction) {
		t.Helper()
		n := v.oktaOps("getFactorTransactionStatus")
		waitFor(t, 30*time.Second, "the bot to wait for the push past its request's time", func() bool {
			return v.oktaOps("getFactorTransactionStatus") >= n+80
		})
		v.okta.AnswerPush(tx.ID, oktatest.PushApprove)
	}
	dave := v.person("Dave")
	i := v.ask(uDesk, "unlock-user dave.v")
	outlive(v.push(dave))
	mustContain(t, v.result(i), "unlocked")

	hank := v.person("Hank")
	_, msg := v.request(uDesk, `reset-password hank.v --send-email --reason "called in"`)
	v.click(uSec1, msg, "Approve")
	outlive(v.push(hank))
	mustContain(t, v.waitUpdate(msg, "and run").AllText(), "Hank Verified")
	if v.userStatus(dave.Login) != "ACTIVE" || v.oktaOps("resetPassword") != 1 {
		t.Errorf("dave is %s, resetPassword calls %d", v.userStatus(dave.Login), v.oktaOps("resetPassword"))
	}
}

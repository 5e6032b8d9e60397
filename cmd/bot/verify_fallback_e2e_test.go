package main

// fallback: approval, end to end: reset-factors on a target who cannot
// prove it by push (no push factor, or --device-lost) goes through
// reset-factors' approval rule instead of being refused; without an
// approval rule, or without the fallback, it is refused.

import (
	"strings"
	"testing"
	"time"

	"oktabot/okta/oktatest"
	"oktabot/slackfake"
)

// fallbackPolicy: the helpdesk's factor resets wait for security, and a
// target without a push factor is reset on that approval alone.
const fallbackPolicy = `roles:
  helpdesk:
    members: [U0HELPDSK]
    actions: [get-user, reset-factors, list-factors]
  security:
    members: [U0SECURE1, S0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
    admin_targets: true
approvals:
  - actions: [reset-factors]
    approvers: [security]
    channel: C0APPROVALS
verify:
  - actions: [reset-factors]
    fallback: approval
audit:
  channel: C0AUDIT
`

// smsOnly is an Okta user with an SMS factor and no Okta Verify push.
func (v *vh) smsOnly(first string) oktatest.User {
	v.t.Helper()
	u := v.okta.AddUser(oktatest.User{Login: strings.ToLower(first) + ".v@corp.com", Email: strings.ToLower(first) + ".v@corp.com", FirstName: first, LastName: "Lost"})
	v.okta.AddFactor(u.ID, oktatest.Factor{FactorType: "sms", Provider: "OKTA", PhoneNumber: "+1 415 555 0142"})
	return u
}

// verifications are the verify.push records: "target outcome".
func (v *vh) verifications() []string {
	var got []string
	for _, r := range v.auditEvents("verify.push") {
		got = append(got, r.Target+" "+r.Outcome)
	}
	return got
}

// Mixed targets: the one with a push factor is verified by push after the
// approval; the one without is reset on the approval alone, as the
// approvers were told.
func TestFallbackMixedTargets(t *testing.T) {
	v := newVerifyUnder(t, fallbackPolicy)
	bob, carol := v.person("Bob"), v.smsOnly("Carol")
	reply, msg := v.request(uDesk, "reset-factors bob.v carol.v")
	mustContain(t, reply, "1 target has no active Okta Verify push factor", "the approval stands in for the push")
	note := msg.AllText()
	mustContain(t, note, "reset on your approval alone", "when asked, `Carol Lost")
	if strings.Contains(note, "verify-fallback") || strings.Contains(note, carol.ID) {
		t.Errorf("the approval message shows the stored list of ids: %s", note)
	}
	v.click(uSec1, msg, "Approve")
	tx := v.push(bob)
	v.okta.AnswerPush(tx.ID, oktatest.PushApprove)
	done := v.waitUpdate(msg, "and run").AllText()
	mustContain(t, done, "Bob Verified", "Carol Lost")
	for _, u := range []oktatest.User{bob, carol} {
		if fs := v.okta.Factors(u.ID); len(fs) != 0 {
			t.Errorf("%s still has %d factors", u.Login, len(fs))
		}
	}
	if n := len(v.okta.PushTransactions(carol.ID)); n != 0 {
		t.Errorf("carol was sent %d pushes, with no push factor", n)
	}
	want := map[string]bool{bob.ID + " approved": true, carol.ID + " approval instead": true}
	got := v.verifications()
	if len(got) != 2 || !want[got[0]] || !want[got[1]] {
		t.Errorf("verify.push records %q, want bob approved and carol approval instead", got)
	}
	v.told(uDesk, "approval stands in for it")
	v.checkNumbers(uDesk)
}

// --device-lost: no push is sent at all; the approvers are told, and their
// approval alone resets the factors.
func TestFallbackDeviceLost(t *testing.T) {
	v := newVerifyUnder(t, fallbackPolicy)
	bob := v.person("Bob")
	reply, msg := v.request(uDesk, "reset-factors bob.v --device-lost")
	mustContain(t, reply, "You say their device is lost", "no Okta Verify push is sent")
	mustContain(t, msg.AllText(), "No Okta Verify push is sent", "device is lost")
	v.click(uSec1, msg, "Approve")
	v.waitUpdate(msg, "and run")
	if n := len(v.okta.PushTransactions(bob.ID)); n != 0 {
		t.Errorf("bob was sent %d pushes though his device is lost", n)
	}
	if fs := v.okta.Factors(bob.ID); len(fs) != 0 {
		t.Errorf("bob still has %d factors", len(fs))
	}
	if got := v.verifications(); len(got) != 1 || got[0] != bob.ID+" approval instead" {
		t.Errorf("verify.push records %q", got)
	}
	recs := v.auditEvents("verify.push")
	mustContain(t, recs[0].Detail, "device is lost", uSec1)

	// The form says so with a checkbox.
	carol := v.person("Carol")
	views := len(v.slack.Views())
	if _, err := v.ask(uDesk, "reset-factors").WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	form := v.openedView(uDesk, "okta_action", views)
	mustContain(t, string(form.Blocks), `"checkboxes"`, "their phone is lost: no push is sent")
	sub, err := v.slack.SubmitView(uDesk, form, map[string]map[string]any{
		"targets":       {"targets": []string{carol.ID}},
		"p_device-lost": {"p_device-lost": []string{"true"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	fromForm, err := v.slack.WaitMessage(10*time.Second, func(m slackfake.Message) bool {
		return m.Via == "chat.postMessage" && m.Channel == chApprovals && strings.Contains(m.AllText(), "Carol Verified")
	})
	if err != nil {
		t.Fatalf("no approval message for the form's request: %v", err)
	}
	mustContain(t, fromForm.AllText(), "No Okta Verify push is sent", "`--device-lost` `true`")
}

// Without an approval rule for reset-factors the fallback has nowhere to
// go: a target without a push factor is refused, saying why; a lost
// device is refused before anything runs; and policy check warns.
func TestFallbackWithoutApprovalRuleRefuses(t *testing.T) {
	policy := strings.Replace(fallbackPolicy, "approvals:\n  - actions: [reset-factors]\n    approvers: [security]\n    channel: C0APPROVALS\n", "", 1)
	v := newVerifyUnder(t, policy)
	bob, carol := v.person("Bob"), v.smsOnly("Carol")
	mustContain(t, v.result(v.ask(uDesk, "reset-factors carol.v")), "not run", "no active Okta Verify push factor", "no approval rule covers reset-factors")
	if fs := v.okta.Factors(carol.ID); len(fs) != 1 {
		t.Errorf("carol has %d factors after a refused reset", len(fs))
	}
	writes := len(oktaWrites(v.okta.Calls()))
	mustContain(t, v.result(v.ask(uDesk, "reset-factors bob.v --device-lost")), "--device-lost", "no approval rule covers reset-factors", "nothing was done")
	if n := len(oktaWrites(v.okta.Calls())); n != writes {
		t.Errorf("a refused --device-lost wrote to Okta: %d writes", n-writes)
	}
	if n := len(v.okta.PushTransactions(bob.ID)); n != 0 {
		t.Errorf("bob was sent %d pushes", n)
	}
	_, warned, err := runCmd(t, nil, "policy", "check", v.env["OKTABOT_POLICY_FILE"])
	if err != nil {
		t.Fatalf("policy check: %v", err)
	}
	mustContain(t, warned, "warning:", "fallback: approval cannot work: no approval rule covers reset-factors")
}

// Without fallback: approval, a lost device cannot stand in for the push:
// refused before anyone is asked.
func TestDeviceLostWithoutFallbackIsRefused(t *testing.T) {
	v := newVerify(t) // reset-factors: push, no fallback
	bob := v.person("Bob")
	mustContain(t, v.result(v.ask(uDesk, "reset-factors bob.v --device-lost")), "--device-lost", "no fallback for a lost device", "nothing was done")
	if fs := v.okta.Factors(bob.ID); len(fs) != 1 || len(v.okta.PushTransactions(bob.ID)) != 0 {
		t.Errorf("bob: %d factors, %d pushes after a refused request", len(fs), len(v.okta.PushTransactions(bob.ID)))
	}
	if recs := v.auditEvents("request.refused"); len(recs) != 1 || !strings.Contains(recs[0].Detail, "device is lost") {
		t.Errorf("refusal records %+v", recs)
	}
}

package main

// Step-up beyond Approve and Deny: under a step_up rule, breaking glass
// (which runs without approval) and reviewing a break-glass run count only
// once their clicker approves their own Okta Verify push, so a Slack
// session alone never runs such a request.

import (
	"strings"
	"testing"
	"time"

	"oktabot/okta/oktatest"
)

func TestStepUpBreakGlassAndReview(t *testing.T) {
	a, c := newGlass(t)
	a.setPolicy(strings.Replace(glassPolicy, "    break_glass: {after: 15m, roles: [oncall]}\n",
		"    break_glass: {after: 15m, roles: [oncall]}\n    step_up: push\n", 1))
	v := &vh{ah: a}
	alice, ok := a.okta.User("alice@corp.com")
	if !ok {
		t.Fatal("no alice in Okta")
	}
	a.okta.AddFactor(alice.ID, oktatest.Factor{FactorType: "push", Provider: "OKTA", DeviceName: "Alice's Pixel", Platform: "ANDROID"})
	sam := v.pushUser("sam@corp.com", "Sam", "Secure")
	a.start("bot")

	_, msg := a.request(uAlice, `disable-user dave@corp.com --reason "INC-78"`)
	id := approvalID(t, msg)
	c.add(15 * time.Minute)
	offer := a.offer(uAlice, id)

	// Rejected: nothing runs, it still waits, the security team is told.
	a.breakGlass(uAlice, offer, "INC-78: nobody answers")
	tx := v.push(alice)
	a.told(uAlice, "Tap ")
	a.okta.AnswerPush(tx.ID, oktatest.PushReject)
	a.told(uAlice, "your break-glass did not count")
	waitFor(t, 5*time.Second, "the audit channel's alert", func() bool {
		return strings.Contains(strings.Join(a.auditLines(), "\n"), "Okta Verify step-up rejected")
	})
	if n := a.oktaOps("suspendUser"); n != 0 || a.userStatus("dave@corp.com") != "ACTIVE" {
		t.Fatalf("a rejected push broke glass: %d suspend calls", n)
	}
	v.pending(msg, 0)

	// Approved: it runs, once.
	a.breakGlass(uAlice, a.now(offer), "INC-78: nobody answers")
	tx = v.push(alice)
	a.okta.AnswerPush(tx.ID, oktatest.PushApprove)
	a.waitUpdate(msg, "It ran")
	if n := a.oktaOps("suspendUser"); n != 1 {
		t.Errorf("%d suspend calls, want 1", n)
	}

	v.checkNumbers(uAlice)
	v.txs = nil

	// The review needs the reviewer's push too.
	a.click(uSec1, msg, "Reviewed")
	tx = v.push(sam)
	a.okta.AnswerPush(tx.ID, oktatest.PushReject)
	a.told(uSec1, "your review did not count")
	if strings.Contains(a.now(msg).AllText(), "Reviewed* by") {
		t.Fatal("a review whose push was rejected counted")
	}
	a.click(uSec1, msg, "Reviewed")
	tx = v.push(sam)
	a.okta.AnswerPush(tx.ID, oktatest.PushApprove)
	a.waitUpdate(msg, "Reviewed* by <@U0SECURE1>")
	v.checkNumbers(uSec1)
}

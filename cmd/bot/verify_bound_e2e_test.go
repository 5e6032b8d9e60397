package main

// Push-bombing: however many requests (and callers) ask to verify one
// person, their phone shows one push at a time.

import (
	"testing"

	"oktabot/okta/oktatest"
	"oktabot/store/postgres/pgtest"
)

func TestOnePushWaitsPerPerson(t *testing.T) {
	v := newVerify(t)
	kim := v.person("Kim")
	first := v.ask(uDesk, "verify-user kim.v")
	tx := v.push(kim)

	// While it waits, more requests send no more pushes, whoever asks.
	for range 3 {
		mustContain(t, v.result(v.ask(uDesk, "verify-user kim.v")), "already waiting for an answer", "no second one was sent")
	}
	mustContain(t, v.result(v.ask(uSec1, "unlock-user kim.v")), "not run", "already waiting for an answer")
	if n := len(v.okta.PushTransactions(kim.ID)); n != 1 {
		t.Errorf("kim was sent %d pushes at once, want 1", n)
	}
	if v.userStatus(kim.Login) != "LOCKED_OUT" {
		t.Errorf("kim is %s after an unlock whose push was not sent", v.userStatus(kim.Login))
	}

	// Once it is answered, the next request pushes again.
	v.okta.AnswerPush(tx.ID, oktatest.PushApprove)
	mustContain(t, v.result(first), "approved the Okta Verify push")
	next := v.ask(uDesk, "verify-user kim.v")
	tx2 := v.push(kim)
	if tx2.ID == tx.ID {
		t.Fatal("no second push after the first was answered")
	}
	v.okta.AnswerPush(tx2.ID, oktatest.PushApprove)
	mustContain(t, v.result(next), "approved the Okta Verify push")
	v.checkNumbers(uDesk)
}

// Across replicas too: with two bots on one database, the commands Slack
// hands to either one send no second push to a phone that has one
// waiting.
func TestOnePushWaitsPerPersonAcrossReplicas(t *testing.T) {
	base, required := pgtest.URL()
	if base == "" {
		if required {
			t.Fatal("OKTABOT_TEST_POSTGRES_URL not set, and OKTABOT_REQUIRE_POSTGRES=1")
		}
		t.Skip("OKTABOT_TEST_POSTGRES_URL not set")
	}
	a := newApprovals(t, "1h")
	a.setPolicy(verifyPolicy)
	a.env["OKTABOT_DATABASE_URL"] = pgtest.FreshSchema(t, base)
	a.start("one")
	a.start("two")
	v := &vh{ah: a}
	kim := v.person("Kim")
	first := v.ask(uDesk, "verify-user kim.v")
	tx := v.push(kim)
	// Slack hands envelopes to the connections in turn: these four reach
	// both replicas.
	for range 4 {
		mustContain(t, v.result(v.ask(uDesk, "verify-user kim.v")), "already waiting for an answer", "no second one was sent")
	}
	if n := len(v.okta.PushTransactions(kim.ID)); n != 1 {
		t.Errorf("kim was sent %d pushes at once, want 1", n)
	}
	v.okta.AnswerPush(tx.ID, oktatest.PushApprove)
	mustContain(t, v.result(first), "approved the Okta Verify push")
	// Answered: the next request, on either replica, pushes again.
	for range 2 {
		next := v.ask(uDesk, "verify-user kim.v")
		tx2 := v.push(kim)
		v.okta.AnswerPush(tx2.ID, oktatest.PushApprove)
		mustContain(t, v.result(next), "approved the Okta Verify push")
	}
	v.checkNumbers(uDesk)
}

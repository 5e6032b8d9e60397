package main

// An approved request whose run returns one-time secrets (a reset link
// here) waits for its requester: Slack shows an ephemeral message only to
// someone present, so the requester runs it with a click and the links
// answer that click.

import (
	"slices"
	"testing"
	"time"
)

func TestApprovedResetWaitsForItsRequesterToRunIt(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")

	notice, msg := a.request(uDesk, `reset-password carol.danvers@corp.com --reason "ticket 12"`)
	mustContain(t, notice, "waiting for approval", "ask you to run it")
	id := approvalID(t, msg)
	a.click(uSec1, msg, "Approve")
	a.waitUpdate(msg, "Waiting for <@"+uDesk+"> to run it")
	dm := a.told(uDesk, "Run it now")
	if n := a.oktaOps("resetPassword"); n != 0 {
		t.Fatalf("Okta reset %d times before the requester ran it", n)
	}

	// Only the requester may run it.
	mustContain(t, a.clickReply(uSec1, dm, "Run it now"), "Only <@"+uDesk+">", "Nothing was changed")
	if n := a.oktaOps("resetPassword"); n != 0 {
		t.Fatalf("Okta reset %d times on someone else's click", n)
	}

	// The requester's click runs it and its answer carries the link.
	i := a.runNow(uDesk)
	r, err := i.WaitReplies(1, 5*time.Second)
	if err != nil {
		t.Fatalf("no answer to the run click: %v\n%s", err, a.logs())
	}
	link := resetLinkRE.FindString(r[0].AllText())
	if link == "" || !r[0].Ephemeral() {
		t.Fatalf("the answer to the click is not an ephemeral message with the link: %+v", r[0])
	}
	a.secrets = append(a.secrets, link, link[len(link)-20:])
	a.waitUpdate(msg, "and run")
	if n := a.oktaOps("resetPassword"); n != 1 {
		t.Errorf("Okta reset %d times, want 1", n)
	}

	// It runs once.
	mustContain(t, a.clickReply(uDesk, dm, "Run it now"), "can no longer be used")
	if n := a.oktaOps("resetPassword"); n != 1 {
		t.Errorf("Okta reset %d times after a second click, want 1", n)
	}
	if got := events(a.auditOf(id)); !slices.Equal(got, []string{"approval.requested", "approval.approved", "approval.refused", "outcome"}) {
		t.Errorf("audit = %q", got)
	}
}

func TestApprovedResetNotRunInTimeIsClosedUnrun(t *testing.T) {
	a := newApprovals(t, "1s")
	a.start("bot")
	_, msg := a.request(uDesk, `reset-password carol.danvers@corp.com --reason "ticket 13"`)
	a.click(uSec1, msg, "Approve")
	dm := a.told(uDesk, "Run it now")

	// Nobody runs it within the rule's expire_after (1 s): it is closed.
	a.waitUpdate(msg, "did not complete")
	a.told(uDesk, "not run in time")
	mustContain(t, a.clickReply(uDesk, dm, "Run it now"), "can no longer be used", "Nothing more was run")
	if n := a.oktaOps("resetPassword"); n != 0 {
		t.Errorf("Okta reset %d times, want 0", n)
	}
}

// An approved request waiting for its requester survives a restart: the
// restarted bot leaves it waiting, and the button sent before the restart
// runs it, once.
func TestApprovedResetWaitsAcrossARestart(t *testing.T) {
	a := newApprovals(t, "1h")
	first := a.start("first")
	_, msg := a.request(uDesk, `reset-password carol.danvers@corp.com --reason "ticket 15"`)
	a.click(uSec1, msg, "Approve")
	a.told(uDesk, "Run it now")
	a.stopBot(first)

	second := a.start("second")
	i := a.runNow(uDesk)
	r, err := i.WaitReplies(1, 5*time.Second)
	if err != nil {
		t.Fatalf("no answer to the run click after the restart: %v\n%s", err, a.logs())
	}
	link := resetLinkRE.FindString(r[0].AllText())
	if link == "" {
		t.Fatalf("no reset link in the answer: %s", r[0].AllText())
	}
	a.secrets = append(a.secrets, link, link[len(link)-20:])
	a.waitUpdate(msg, "and run")
	if n := a.oktaOps("resetPassword"); n != 1 {
		t.Errorf("Okta reset %d times, want 1", n)
	}
	if second.logged("approval.running") == 0 {
		t.Error("the restarted bot did not run it")
	}
}

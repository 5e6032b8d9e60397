package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"oktabot/actions"
	"oktabot/slackfake"
)

// One person's hundred queued commands do not delay another person's one
// beyond one Okta round trip: with four requests running at once
// (OKTABOT_OKTA_CONCURRENCY) and Okta holding every call until the test
// lets the round go, Sam's command, sent while Alice's hundred wait, has
// its call at Okta in the very next round. Nothing is timed: each round
// ends when the test releases it.
func TestOnePersonsBurstDelaysAnothersCommandByOneRoundTripAtMost(t *testing.T) {
	h := newHarness(t)
	h.env["OKTABOT_OKTA_CONCURRENCY"] = "4"
	h.env["OKTABOT_PER_USER_LIMIT"] = "0"
	h.start()
	h.okta.HoldCalls()

	var alices []*slackfake.Interaction
	for range 100 {
		alices = append(alices, h.slack.SlashCommand(uAlice, chGen, "/okta", "ping"))
	}
	for _, in := range alices {
		if ack, err := in.WaitAck(5 * time.Second); err != nil || bytes.Contains(ack.Payload, []byte("busy")) {
			t.Fatalf("alice's command: ack %s, %v", ack.Payload, err)
		}
	}
	first := h.okta.WaitHeld(4, 10*time.Second)
	for _, c := range first {
		if c.Path != "/api/v1/users/me" {
			t.Fatalf("held %s, want alice's pings only", c.Path)
		}
	}

	sam := h.slack.SlashCommand(uSecurity, chGen, "/okta", "get-user bob@corp.com")
	if _, err := sam.WaitAck(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	// Sam's command is queued behind 96 of alice's; one round trip ends.
	if n := h.okta.ReleaseHeld(); n != 4 {
		t.Fatalf("released %d calls, want the 4 running", n)
	}
	next := h.okta.WaitHeld(4, 10*time.Second)
	var paths []string
	for _, c := range next {
		paths = append(paths, c.Path)
	}
	if !strings.Contains(strings.Join(paths, " "), "/api/v1/users/bob@corp.com") {
		t.Errorf("calls of the round after sam asked: %v; want sam's GET /api/v1/users/bob@corp.com among them", paths)
	}

	h.okta.StopHolding()
	msgs, err := sam.WaitReplies(1, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, msgs[len(msgs)-1].AllText(), "Bob Builder")
	for i, in := range alices {
		if _, err := in.WaitReplies(1, 60*time.Second); err != nil {
			t.Fatalf("alice's command %d: %v", i, err)
		}
	}
}

// get-user's factor types are a read it can do without: when Okta is
// busy, the user is shown at once without them, saying so and how to read
// them, rather than after another round trip in the queue. Okta is busy
// for a command that waited a second (actions.OptionalPatience) for a
// worker (there are as many as the calls Okta allows at once,
// OKTABOT_OKTA_CONCURRENCY), and for one whose factor read would come
// before a command that has waited that long. Okta holds every call until
// the test lets the round go, after that second; nothing is timed.
func TestGetUserLeavesFactorTypesToABusyOkta(t *testing.T) {
	h := newHarness(t)
	h.env["OKTABOT_OKTA_CONCURRENCY"] = "1"
	h.start()
	factorReads := func() int {
		n := 0
		for _, c := range h.okta.Calls() {
			if strings.HasSuffix(c.Path, "/factors") {
				n++
			}
		}
		return n
	}
	busyText := "left unread: requests were waiting for their turn at Okta"
	addr := h.healthAddr()
	queued := func() bool { return value(scrape(t, addr), `oktabot_queue_length{pool="members"}`) == 1 }

	// Nobody else asks: the factor types are read and shown.
	got := h.reply(uSecurity, "get-user bob@corp.com")
	mustContain(t, got, "Bob Builder", "MFA factors", "none enrolled")
	if strings.Contains(got, busyText) || factorReads() != 1 {
		t.Fatalf("with Okta idle: %d factor reads, answer %q", factorReads(), got)
	}

	for _, c := range []struct {
		name       string
		samWaits   bool // sam's command waits for alice's ping's worker
		aliceWaits bool // alice's ping waits for sam's command's worker
	}{
		{name: "sam's command waited", samWaits: true},
		{name: "alice waits for a worker", aliceWaits: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			reads := factorReads()
			h.okta.HoldCalls()
			var alice, sam *slackfake.Interaction
			if c.samWaits {
				alice = h.slack.SlashCommand(uAlice, chGen, "/okta", "ping")
				h.okta.WaitHeld(1, 10*time.Second)
				sam = h.slack.SlashCommand(uSecurity, chGen, "/okta", "get-user carol.danvers@corp.com")
				if _, err := sam.WaitAck(5 * time.Second); err != nil {
					t.Fatal(err)
				}
				waitFor(t, 10*time.Second, "a command waiting for a worker", queued)
				time.Sleep(actions.OptionalPatience)
			} else {
				sam = h.slack.SlashCommand(uSecurity, chGen, "/okta", "get-user carol.danvers@corp.com")
				h.okta.WaitHeld(1, 10*time.Second)
				alice = h.slack.SlashCommand(uAlice, chGen, "/okta", "ping")
				if _, err := alice.WaitAck(5 * time.Second); err != nil {
					t.Fatal(err)
				}
				waitFor(t, 10*time.Second, "a command waiting for a worker", queued)
				time.Sleep(actions.OptionalPatience)
			}
			h.okta.ReleaseHeld() // the first call; the waiting one goes
			h.okta.WaitHeld(1, 10*time.Second)
			h.okta.StopHolding()
			msgs, err := sam.WaitReplies(1, 30*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			got := msgs[0].AllText()
			mustContain(t, got, "Carol Danvers", "MFA factors", busyText, "list-factors carol.danvers@corp.com")
			if n := factorReads() - reads; n != 0 {
				t.Errorf("Okta saw %d factor reads, want none", n)
			}
			if _, err := alice.WaitReplies(1, 30*time.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
	if n := value(scrape(t, addr), `oktabot_okta_calls_left_total{operation="GET /api/v1/users/{id}/factors"}`); n != 2 {
		t.Errorf("oktabot_okta_calls_left_total for factors = %v, want 2", n)
	}
}

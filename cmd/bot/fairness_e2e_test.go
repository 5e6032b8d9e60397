package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

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

package main

import (
	"strings"
	"testing"
	"time"
)

// A slow Okta is reported as what it is: Okta did not answer in time. The
// lookups queued behind the rate limiter's first call to an endpoint go
// out on their own rather than time out waiting for it, and nobody is told
// of a rate limit Okta never sent.
func TestSlowOktaIsNotReportedAsARateLimit(t *testing.T) {
	h := newHarness(t).start()
	h.okta.SetLatency(12 * time.Second) // beyond the bot's 10 s per call

	i := h.slack.SlashCommand(uAlice, chGen, "/okta", "get-user alice bob carol.danvers@corp.com")
	if _, err := i.WaitAck(3 * time.Second); err != nil {
		t.Fatalf("no ack: %v", err)
	}
	msgs, err := i.WaitReplies(1, 60*time.Second)
	if err != nil {
		t.Fatalf("no reply: %v\nlogs:\n%s", err, h.stdout)
	}
	got := msgs[len(msgs)-1].AllText()
	if strings.Contains(strings.ToLower(got), "rate limit") {
		t.Errorf("a slow Okta was reported as a rate limit:\n%s", got)
	}
	mustContain(t, got, "did not answer in time", "alice", "bob", "carol.danvers@corp.com")
	h.okta.SetLatency(0)
	// All three lookups reached Okta: none was held back until its time
	// ran out. (The fake counts a call once it has ended, here when it
	// notices the bot gave up on it: possibly just after the reply.)
	for _, c := range h.okta.WaitCalls(3, 5*time.Second) {
		if c.Status == 429 {
			t.Errorf("Okta sent a 429: %+v", c)
		}
	}
}

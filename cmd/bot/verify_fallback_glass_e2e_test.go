package main

// fallback: approval lets an approval stand in for a target's push; break
// glass is no approval: a request its requester broke glass on never
// resets the factors of a target who did not prove it by push.

import (
	"strings"
	"testing"
	"time"
)

// fallbackGlassPolicy: on-call resets factors with security's approval,
// or breaks glass after 15 minutes; a target without a push factor (or a
// lost device) is reset on an approval alone.
const fallbackGlassPolicy = `roles:
  oncall:
    members: [U0ALICE01, S0ONCALL01]
    actions: [get-user, reset-factors]
  security:
    members: [U0SECURE1, S0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
approvals:
  - actions: [reset-factors]
    approvers: [security]
    channel: C0APPROVALS
    expire_after: 1h
    require_reason: true
    break_glass: {after: 15m, roles: [oncall]}
verify:
  - actions: [reset-factors]
    fallback: approval
audit:
  channel: C0AUDIT
`

func TestBreakGlassIsNoApprovalForTheFallback(t *testing.T) {
	a, c := newGlass(t)
	a.setPolicy(fallbackGlassPolicy)
	a.start("bot")
	v := &vh{ah: a}
	bob, carol := v.person("Bob"), v.smsOnly("Carol")

	_, lost := a.request(uAlice, `reset-factors bob.v --device-lost --reason "INC-9"`)
	_, noPush := a.request(uAlice, `reset-factors carol.v --reason "INC-10"`)
	lostID, noPushID := approvalID(t, lost), approvalID(t, noPush)
	c.add(15 * time.Minute)

	// No push factor: break glass runs it, and the target who cannot
	// prove it is not reset.
	offer := a.offer(uAlice, noPushID)
	a.breakGlass(uAlice, offer, "INC-10: nobody answers")
	a.waitUpdate(noPush, "Break glass")
	waitFor(t, 10*time.Second, "carol's verification", func() bool { return len(v.verifications()) == 1 })
	if got := v.verifications(); got[0] != carol.ID+" no push factor" {
		t.Errorf("verify.push records %q, want carol refused for no push factor", got)
	}
	if n := len(v.okta.Factors(carol.ID)); n != 1 {
		t.Errorf("carol has %d factors after a break-glass run nobody approved", n)
	}
	a.told(uAlice, "break glass is no approval")

	// A lost device: only an approver's approval may stand in for the
	// push. Its requester is not offered to break glass, and a forged
	// click is refused; the request still waits.
	if got := a.dms(uAlice, lostID); len(got) != 0 {
		t.Errorf("offered to break glass on a lost device: %s", got[0].AllText())
	}
	real := a.click(uAlice, a.now(offer), "Break glass") // answered "already broke glass"
	if _, err := real.WaitReplies(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	// A forged click answers through the real one's response_url.
	forged := forge(t, a.slack, real, func(p map[string]any) {
		p["actions"].([]any)[0].(map[string]any)["value"] = lostID
	})
	replies, err := forged.WaitReplies(2, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, replies[1].AllText(), "device is lost", "break glass never stands in for a push", "Nothing was run")
	if n := len(v.okta.Factors(bob.ID)); n != 1 || len(v.okta.PushTransactions(bob.ID)) != 0 {
		t.Errorf("bob has %d factors and was sent %d pushes after break glass on a lost device", n, len(v.okta.PushTransactions(bob.ID)))
	}
	if txt := a.now(lost).AllText(); strings.Contains(txt, "Break glass") || !strings.Contains(txt, "Approve") {
		t.Errorf("the lost-device request no longer waits for an approver:\n%s", txt)
	}
}

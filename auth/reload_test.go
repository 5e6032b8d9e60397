package auth

import (
	"context"
	"strings"
	"testing"
)

// TestSetPolicyJudgesPendingApprovals: after a reload every decision reads
// the new policy, including those on approvals requested under the old
// one (the bot asks CanApprove with the current policy's rule, and Decide
// for the requester, when the button is clicked).
func TestSetPolicyJudgesPendingApprovals(t *testing.T) {
	ctx := context.Background()
	old := mustParse(t, testPolicy)
	a := New(old, newFakeMembers())
	rule := old.RuleFor("disable-user")
	if ok, err := a.CanApprove(ctx, "U0SEC1", "U0ONCALL1", rule); !ok || err != nil {
		t.Fatalf("before the reload: CanApprove = %v, %v; want true", ok, err)
	}

	// The new policy drops U0SEC1 from security and oncall's disable-user.
	next := mustParse(t, strings.NewReplacer(
		"members: [U0SEC1, S0SECURITY]", "members: [S0SECURITY]",
		"actions: [ping, get-user, disable-user]", "actions: [ping, get-user]",
	).Replace(testPolicy))
	a.SetPolicy(next)
	if a.Policy() != next {
		t.Fatal("Policy() is not the policy set")
	}
	// The rule recorded with the request still names security: membership
	// is that of the policy in force.
	if ok, err := a.CanApprove(ctx, "U0SEC1", "U0ONCALL1", rule); ok || err != nil {
		t.Errorf("after the reload: CanApprove by a removed approver = %v, %v; want false", ok, err)
	}
	if ok, _ := a.CanApprove(ctx, "U0SEC2", "U0ONCALL1", next.RuleFor("disable-user")); !ok {
		t.Error("after the reload: a member through S0SECURITY may not approve")
	}
	if d, err := a.Decide(ctx, "U0ONCALL1", "disable-user", "C1"); d.Verdict != Deny || err != nil {
		t.Errorf("after the reload: the requester's Decide = %v, %v; want deny", d.Verdict, err)
	}
	if got, _ := a.Permitted(ctx, "U0ONCALL1", allActions); strings.Join(got, ",") != "ping,get-user" {
		t.Errorf("after the reload: Permitted = %v", got)
	}

	a.SetPolicy(old)
	if d, _ := a.Decide(ctx, "U0ONCALL1", "disable-user", "C1"); d.Verdict != NeedsApproval {
		t.Errorf("back to the old policy: Decide = %v, want needs-approval", d.Verdict)
	}
}

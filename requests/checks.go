package requests

import (
	"context"

	"oktabot/auth"
	"oktabot/store"
)

// Authorizer is what the lifecycle asks of the policy (auth.Authorizer).
type Authorizer interface {
	Decide(ctx context.Context, caller, action, channel string) (auth.Decision, error)
	CanApprove(ctx context.Context, approver, requester string, rule *auth.ApprovalRule) (bool, error)
	InRoles(ctx context.Context, user string, roles []string) (bool, error)
	Policy() *auth.Policy
}

var _ Authorizer = (*auth.Authorizer)(nil)

// Check is what checking a decision on a stored request found.
type Check int

const (
	// Holds: the decider may decide it (and, for an approval, the
	// requester may still run it).
	Holds Check = iota
	// ApproverRefused: the decider is not a member of the rule's approver
	// roles now, or is the requester.
	ApproverRefused
	// RequesterRefused: the requester may not run the action now.
	RequesterRefused
	// Unchecked: a user-group lookup failed, so nothing is known.
	Unchecked
)

// CheckApproval is the policy's say on approver's approval of ap, as it is
// now, with user-group membership asked of Slack afresh (auth.Fresh): the
// approver must be a member of one of the rule's approver roles and not
// the requester, and the requester must still be allowed the action (it
// runs as theirs). It is asked when Approve is clicked, and again of the
// recorded approval whenever approved work starts later (the requester's
// own step, recovery after a restart): one check, so that an approval
// never runs unless it would be given now. A request whose requester broke
// glass is checked as breaking glass would be now (CheckBreakGlass).
func CheckApproval(ctx context.Context, az Authorizer, approver string, ap store.Approval) (Check, error) {
	if ap.BrokenGlass {
		return CheckBreakGlass(ctx, az, ap)
	}
	if chk, err := CheckDecider(ctx, az, approver, ap); chk != Holds {
		return chk, err
	}
	return checkRequester(ctx, az, ap)
}

// checkRequester says whether ap's requester may still run its action.
func checkRequester(ctx context.Context, az Authorizer, ap store.Approval) (Check, error) {
	d, err := az.Decide(auth.Fresh(ctx), ap.RequesterID, ap.Action, ap.RequesterChannel)
	switch {
	case err != nil:
		return Unchecked, err
	case d.Verdict == auth.Deny:
		return RequesterRefused, nil
	}
	return Holds, nil
}

// CheckDecider says whether decider may approve or deny ap now: a member
// of one of its rule's approver roles, asked of Slack afresh (auth.Fresh),
// and not its requester.
func CheckDecider(ctx context.Context, az Authorizer, decider string, ap store.Approval) (Check, error) {
	ok, err := az.CanApprove(auth.Fresh(ctx), decider, ap.RequesterID, RuleOf(az.Policy(), ap))
	switch {
	case ok:
		return Holds, nil
	case err != nil:
		return Unchecked, err
	}
	return ApproverRefused, nil
}

// CheckBreakGlass says whether ap's requester may break glass on it now,
// whenever it is past its wait: the policy's rule for its action allows
// break_glass (never for role assignment), the requester is a member of
// one of its roles, asked of Slack afresh, and may still run the action.
// ApproverRefused stands for "break glass is not allowed".
func CheckBreakGlass(ctx context.Context, az Authorizer, ap store.Approval) (Check, error) {
	bg := az.Policy().BreakGlassFor(ap.Action)
	if bg == nil {
		return ApproverRefused, nil
	}
	switch in, err := az.InRoles(auth.Fresh(ctx), ap.RequesterID, bg.Roles); {
	case err != nil && !in:
		return Unchecked, err
	case !in:
		return ApproverRefused, nil
	}
	return checkRequester(ctx, az, ap)
}

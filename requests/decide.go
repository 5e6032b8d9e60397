package requests

import (
	"context"
	"errors"

	"oktabot/actions"
	"oktabot/store"
)

// Decided is what became of an attempt to decide a pending request.
type Decided int

const (
	// DecisionMade: approved (and run, or waiting for its requester's
	// step), or denied.
	DecisionMade Decided = iota
	// DecisionUnchecked: the policy could not be checked (a user-group
	// lookup failed); nothing changed.
	DecisionUnchecked
	// DecisionNotApprover: the decider may not decide it; refusal recorded.
	DecisionNotApprover
	// DecisionOwnRequest: the requester tried to approve their own
	// request; refusal recorded. (They may deny it: that withdraws it.)
	DecisionOwnRequest
	// DecisionRequesterRefused: approving refused because its requester may
	// no longer run it; refusal recorded, the request still pending.
	DecisionRequesterRefused
	// DecisionExpired: it expired before the decision; the expiry was
	// reported.
	DecisionExpired
	// DecisionAlreadyDecided: someone decided it first; the returned
	// approval says how.
	DecisionAlreadyDecided
	// DecisionFailed: the store did not answer; nothing changed.
	DecisionFailed
	// DecisionRefused: a rule refused it (breaking glass, reviewing);
	// refusal recorded, and the error, an *actions.Error, says why.
	DecisionRefused
	// DecisionStepUpRefused: the rule needs the decider's Okta Verify push,
	// and it was not approved (StepUp); nothing changed. The error is a
	// *StepUpRefused.
	DecisionStepUpRefused
)

// MayDecide checks, before a decision is asked for (the Deny click, which
// opens a form), that decider may decide ap: its requester may always
// withdraw it; anyone else must be one of its approvers now
// (CheckDecider). A refusal is recorded.
func (e *Engine) MayDecide(ctx context.Context, decider, channel string, ap store.Approval) (Decided, error) {
	if decider == ap.RequesterID {
		return DecisionMade, nil
	}
	switch chk, err := CheckDecider(ctx, e.Auth, decider, ap); chk {
	case Unchecked:
		return DecisionUnchecked, err
	case ApproverRefused:
		e.Record(ctx, Transition{Event: EventDecisionRefused, Actor: decider, Channel: channel, Approval: &ap, Detail: "not an approver"})
		return DecisionNotApprover, nil
	}
	return DecisionMade, nil
}

// Approve is approver's approval of pending ap (pending approval →
// approved), checked as the policy is now (mayApprove) and, under a rule
// with step_up, proven by the approver's Okta Verify push (StepUp), then
// checked again: the push may have taken minutes. Of any number of
// approvals, denials and replicas, the store lets exactly one decision
// win. The winner runs it at once, or, when its requester has a step to
// take first (StepOf), asks them for it.
func (e *Engine) Approve(ctx context.Context, approver, channel string, ap store.Approval) (Decided, store.Approval, error) {
	if d, err := e.mayApprove(ctx, approver, channel, ap); d != DecisionMade {
		return d, ap, err
	}
	pushed, r := e.stepUpDecision(ctx, approver, channel, ap, ClickApprove)
	if r != nil {
		return DecisionStepUpRefused, ap, r
	}
	if pushed {
		if d, err := e.mayApprove(ctx, approver, channel, ap); d != DecisionMade {
			return d, ap, err
		}
	}
	decided, err := e.Store.Approve(ctx, ap.ID, approver, e.Now())
	if d, ok := e.lost(ctx, decided, err); ok {
		return d, decided, err
	}
	e.Log.Info().Str("event", "approval.approved").Str("approval_id", ap.ID).Str("user", approver).Msg("request approved")
	detail := "requested by " + decided.RequesterID
	if pushed {
		detail += "; approved with Okta Verify"
	}
	e.Record(ctx, Transition{Event: EventApproved, Actor: approver, Channel: channel, Approval: &decided, Detail: detail})
	if step := StepOf(e.Registry.Lookup(decided.Action), decided.Params); step != NoStep {
		// The password was never stored, or the run's one-time secrets
		// need the requester there: it waits for them.
		e.Notify.Changed(ctx, decided)
		e.Notify.Ask(ctx, decided, step)
		return DecisionMade, decided, nil
	}
	e.RunApproved(ctx, decided, actions.Secret{}, nil)
	return DecisionMade, decided, nil
}

// Deny is decider's denial of pending ap with reason (pending approval →
// denied), or its requester's withdrawal; checked again as MayDecide
// checks it, and proven as an approval is (StepUp).
func (e *Engine) Deny(ctx context.Context, decider, channel string, ap store.Approval, reason string) (Decided, store.Approval, error) {
	if d, err := e.MayDecide(ctx, decider, channel, ap); d != DecisionMade {
		return d, ap, err
	}
	pushed, r := e.stepUpDecision(ctx, decider, channel, ap, ClickDeny)
	if r != nil {
		return DecisionStepUpRefused, ap, r
	}
	if pushed {
		if d, err := e.MayDecide(ctx, decider, channel, ap); d != DecisionMade {
			return d, ap, err
		}
	}
	decided, err := e.Store.Deny(ctx, ap.ID, decider, reason, e.Now())
	if d, ok := e.lost(ctx, decided, err); ok {
		return d, decided, err
	}
	e.Log.Info().Str("event", "approval.denied").Str("approval_id", ap.ID).Str("user", decider).Msg("request denied")
	e.Record(ctx, Transition{Event: EventDenied, Actor: decider, Channel: channel, Approval: &decided, Detail: reason})
	e.Notify.Changed(ctx, decided)
	e.Notify.Denied(ctx, decided)
	return DecisionMade, decided, nil
}

// lost says what a decision the store did not take came to: expired (the
// expiry reported here, the one caller the store told), decided already,
// or a store failure.
func (e *Engine) lost(ctx context.Context, decided store.Approval, err error) (Decided, bool) {
	switch {
	case err == nil:
		return DecisionMade, false
	case errors.Is(err, store.ErrExpired):
		e.Expire(ctx, decided)
		return DecisionExpired, true
	case errors.Is(err, store.ErrAlreadyDecided):
		return DecisionAlreadyDecided, true
	case errors.Is(err, store.ErrSelfApproval):
		return DecisionOwnRequest, true
	}
	e.Log.Error().Err(err).Msg("could not record a decision")
	return DecisionFailed, true
}

// mayApprove checks approver's approval of ap as the policy is now
// (CheckApproval); a refusal is recorded.
func (e *Engine) mayApprove(ctx context.Context, approver, channel string, ap store.Approval) (Decided, error) {
	refused := func(why string) {
		e.Record(ctx, Transition{Event: EventDecisionRefused, Actor: approver, Channel: channel, Approval: &ap, Detail: why})
	}
	if approver == ap.RequesterID {
		refused("requester cannot approve their own request")
		return DecisionOwnRequest, nil
	}
	switch chk, err := CheckApproval(ctx, e.Auth, approver, ap); chk {
	case Unchecked:
		return DecisionUnchecked, err
	case ApproverRefused:
		refused("not an approver")
		return DecisionNotApprover, nil
	case RequesterRefused:
		// It runs as the requester's: they must still be allowed it.
		refused("requester no longer allowed to run the action")
		return DecisionRequesterRefused, nil
	}
	return DecisionMade, nil
}

// stepUpDecision is StepUp for a decision on pending ap, once the decider
// may make it; pushed says whether a push was approved for it. A request
// that is no longer pending, or has expired, is left to the store to say
// so, without a push.
func (e *Engine) stepUpDecision(ctx context.Context, decider, channel string, ap store.Approval, click Click) (pushed bool, r *StepUpRefused) {
	if ap.Status != store.StatusPending || !e.Now().Before(ap.ExpiresAt) || !NeedsStepUp(e.Auth.Policy(), ap) {
		return false, nil
	}
	if r := e.StepUp(ctx, decider, channel, ap, click); r != nil {
		return false, r
	}
	return true, nil
}

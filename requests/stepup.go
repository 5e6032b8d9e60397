package requests

// Approver step-up: under an approval rule with step_up: push, a click
// that decides a stored request (Approve, Deny, the requester's Run it now
// or password, their Break glass, an approver's Reviewed) counts only once its clicker approves an Okta Verify push
// with number matching on their own device: a Slack session alone (a
// stolen laptop, a hijacked browser) decides nothing. The push is the one
// a target's verification sends (Engine.verify), to the clicker's own
// Okta account (AccountOf); they are shown its number and its answer as a
// target's caller is (Notifier.Verified).

import (
	"context"
	"fmt"
	"time"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/store"
)

// StepUpParam is the stored request parameter that says its decisions need
// their clicker's Okta Verify push: set when it is requested under a rule
// with step_up, so that it keeps needing it whatever the policy later says,
// and its message may say that whoever decided it proved it.
const StepUpParam = "step-up"

// InternalParam reports whether a stored request parameter is the
// lifecycle's (StepUpParam, FallbackParam), not one of its action's.
func InternalParam(name string) bool { return name == StepUpParam || name == FallbackParam }

// Click is what a step-up is for.
type Click string

const (
	ClickApprove Click = "approve"
	ClickDeny    Click = "deny"
	// ClickRun: the requester's step after approval (Run it now, or the
	// password form).
	ClickRun Click = "run"
	// ClickBreakGlass: the requester's break glass (its reason form); a
	// Slack session alone never runs a step-up rule's request without
	// approval.
	ClickBreakGlass Click = "break glass"
	// ClickReview: an approver's review of a break-glass run.
	ClickReview Click = "review"
)

// Noun is the click as a thing that counts or not: "approval".
func (c Click) Noun() string {
	switch c {
	case ClickApprove:
		return "approval"
	case ClickDeny:
		return "denial"
	case ClickBreakGlass:
		return "break-glass"
	case ClickReview:
		return "review"
	}
	return "click to run it"
}

// NeedsStepUp reports whether a decision on ap needs its clicker's Okta
// Verify push: it was requested under a rule with step_up, or its rule
// has one now (the stricter of the two).
func NeedsStepUp(p *auth.Policy, ap store.Approval) bool {
	return SteppedUp(ap) || RuleOf(p, ap).NeedsStepUp()
}

// SteppedUp reports whether ap was requested under a rule with step_up:
// every decision on it was proven with Okta Verify.
func SteppedUp(ap store.Approval) bool { return ap.Params[StepUpParam] == auth.StepUpPush }

// StepUpTime is the longest a step-up for a decision on ap may take.
func (e *Engine) StepUpTime(ap store.Approval) time.Duration {
	if NeedsStepUp(e.Auth.Policy(), ap) {
		return auth.DefaultVerifyTimeout
	}
	return 0
}

// StepUpRefused is why a click did not count: what its clicker is told,
// and whether the status of their push told them already.
type StepUpRefused struct {
	Err   *actions.Error
	Shown bool
}

func (r *StepUpRefused) Error() string { return r.Err.Error() }

// StepUp has clicker prove a click on ap with Okta Verify when ap needs it
// (NeedsStepUp): an Okta Verify push with number matching to their own
// Okta account, whose number and answer they alone are shown. Nil: the
// click counts (no step-up is needed, or they approved the push). A click
// by someone with no Okta account to push to, a rejected or unanswered
// push, or a second click while one's push waits, does not count: it is
// recorded (EventStepUp), the audit channel is told of a rejected or
// unanswered push, and the request is left as it was. A decision by
// someone other than its requester is refused too when the Okta account
// they prove it with is the requester's.
func (e *Engine) StepUp(ctx context.Context, clicker, channel string, ap store.Approval, click Click) *StepUpRefused {
	if !NeedsStepUp(e.Auth.Policy(), ap) {
		return nil
	}
	refused := func(kind actions.Kind, format string, args ...any) *StepUpRefused {
		msg := fmt.Sprintf(format, args...)
		return &StepUpRefused{Err: &actions.Error{Kind: kind, Message: msg + fmt.Sprintf(". Your %s did not count", click.Noun())}}
	}
	// One push at a time per request and person: a second click while
	// the first one's push waits is not a second push.
	key := ap.ID + " " + clicker
	if _, busy := e.stepUps.LoadOrStore(key, true); busy {
		return refused(actions.KindConflict, "An Okta Verify push for your click on this request is already on your device: answer it there")
	}
	defer e.stepUps.Delete(key)
	record := func(target, outcome, detail string) {
		e.Record(ctx, Transition{Event: EventStepUp, Actor: clicker, Channel: channel, Approval: &ap, Target: target, Outcome: outcome, Detail: string(click) + ": " + detail})
	}
	acc, err := e.AccountOf(ctx, clicker)
	switch {
	case err != nil:
		return refused(actions.KindOf(err), "This request needs Okta Verify, and I could not look up which Okta account is yours (%s). Please try again", messageOf(err))
	case acc.User == nil:
		record("", "no okta account", "the clicker's Okta account could not be told: "+acc.Unknown)
		return refused(actions.KindForbidden, "This request needs Okta Verify on your own device, and I cannot tell which Okta account is yours (%s), so you cannot decide it: ask oktabot's operators to add you to the policy's people: map (or to make your Slack email your Okta login)", acc.Unknown)
	}
	if clicker != ap.RequesterID {
		// Fail closed: an account the requester's could not be told from
		// proves nothing. Theirs is the one found for them, or any with
		// their Slack email (as for "nobody changes their own account").
		req, err := e.AccountOf(ctx, ap.RequesterID)
		if err != nil {
			return refused(actions.KindOf(err), "This request needs Okta Verify, and I could not look up the Okta account of %s, who asked, to make sure yours is not theirs (%s). Please try again", ap.RequesterID, messageOf(err))
		}
		if req.guard(ctx, *acc.User) != nil {
			record(acc.User.ID, "requester's account", "the clicker's Okta account is the requester's")
			return refused(actions.KindForbidden, "Your Okta account, %s, is also that of %s, who asked: nobody decides their own request", acc.User.Login, ap.RequesterID)
		}
	}
	v := Verification{Caller: Caller{ID: clicker, Channel: channel, Approval: &ap}, Action: ap.Action, User: *acc.User, Label: UserLabel(*acc.User),
		Timeout: auth.DefaultVerifyTimeout, Alerted: e.Auth.Policy().AuditChannel() != "", StepUp: click}
	v = e.verify(ctx, v, "")
	e.Log.Info().Str("event", string(EventStepUp)).Str("user", clicker).Str("approval_id", ap.ID).Str("click", string(click)).Str("outcome", string(v.Outcome)).Dur("took", v.Took).Msg("step-up finished")
	record(acc.User.ID, string(v.Outcome), v.detail())
	if v.Outcome != VerifyApproved {
		// The click did not count: one made once its clicker has been
		// told so is a new step-up, not this one still waiting.
		e.stepUps.Delete(key)
	}
	e.Notify.Verified(ctx, v)
	if v.Outcome == VerifyApproved {
		return nil
	}
	return &StepUpRefused{Err: v.stepUpRefusal(), Shown: true}
}

// stepUpRefusal is why a click whose push was not approved did not count.
func (v Verification) stepUpRefusal() *actions.Error {
	var why string
	kind := actions.KindForbidden
	switch v.Outcome {
	case VerifyRejected:
		why = "you rejected the Okta Verify push (a wrong number, or a tap on No)"
	case VerifyTimedOut:
		why = "you did not answer the Okta Verify push within " + actions.Took(v.Timeout)
	case VerifyNoFactor:
		why = fmt.Sprintf("your Okta account, %s, has no active Okta Verify push factor to prove it with", v.User.Login)
	default:
		_, _, d := ErrorFacts(v.Err)
		why, kind = "I could not check it with Okta Verify: "+d, actions.KindOf(v.Err)
	}
	return &actions.Error{Kind: kind, Message: fmt.Sprintf("Your %s did not count: %s", v.StepUp.Noun(), why)}
}

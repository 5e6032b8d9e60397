package requests

import (
	"context"
	"errors"
	"fmt"
	"time"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/store"
)

// VerifyUser is the action that verifies one user on its own.
const VerifyUser = "verify-user"

// DefaultVerifyPoll is how often a push is polled.
const DefaultVerifyPoll = 2 * time.Second

// VerifyOutcome is where a target's verification is.
type VerifyOutcome string

const (
	// VerifySent: the push is on the target's device; the caller reads
	// them the number.
	VerifySent VerifyOutcome = "sent"
	// VerifyApproved: the target picked the number and approved.
	VerifyApproved VerifyOutcome = "approved"
	// VerifyRejected: the target said no, or picked a wrong number.
	VerifyRejected VerifyOutcome = "rejected"
	// VerifyTimedOut: nobody answered in time.
	VerifyTimedOut VerifyOutcome = "timed out"
	// VerifyNoFactor: the target has no active Okta Verify push factor.
	VerifyNoFactor VerifyOutcome = "no push factor"
	// VerifyFailed: Okta could not be asked, or the request was stopped.
	VerifyFailed VerifyOutcome = "failed"
)

// Caller is who a verification is for and where they are: the requester,
// the channel they asked from, and Via, what the Slack edge reaches them
// with (or nil). Request or Approval is what waits for it.
type Caller struct {
	ID, Channel string
	Via         any
	Request     *actions.Request
	Approval    *store.Approval
}

// Verification is one target's proof of ownership, as its caller sees it.
// Number is the number the target must pick: for the caller's own
// messages only, never a log, the store or anyone else's message.
type Verification struct {
	Caller  Caller
	Action  string
	User    actions.User
	Label   string
	Device  string         // the push factor's device name
	Number  actions.Secret // VerifySent only
	Timeout time.Duration
	Outcome VerifyOutcome
	Took    time.Duration // from the push to its answer
	Err     error         // VerifyFailed: why
}

// Verifier returns env with its Verify set for c's request of action:
// when the policy's verify rule covers action (or it is verify-user),
// every user is sent an Okta Verify push before the first write to them.
func (e *Engine) Verifier(env actions.Env, c Caller, action string) actions.Env {
	rule := e.Auth.Policy().VerifyFor(action)
	if action == VerifyUser {
		rule = &auth.VerifyRule{Method: auth.VerifyPush, Timeout: auth.DefaultVerifyTimeout}
	}
	if rule == nil {
		return env
	}
	env.Verify = func(ctx context.Context, u actions.User, factor string) error {
		return e.Verify(ctx, c, action, rule, u, factor)
	}
	return env
}

// Verify has user u prove that they own the account before c's action
// runs on them (verifying → running, for this user): an Okta Verify push
// with number matching, to factor (or their active Okta Verify push). The
// caller is shown the number and then the answer; a rejection, a timeout
// or no push factor refuses the user, and is recorded and told to the
// audit channel. Nil: the user approved.
func (e *Engine) Verify(ctx context.Context, c Caller, action string, rule *auth.VerifyRule, u actions.User, factor string) error {
	v := Verification{Caller: c, Action: action, User: u, Label: UserLabel(u), Timeout: rule.Timeout}
	log := e.Log.With().Str("user", c.ID).Str("action", action).Str("target", u.ID).Logger()
	v = e.verify(ctx, v, factor)
	log.Info().Str("event", string(EventVerified)).Str("outcome", string(v.Outcome)).Dur("took", v.Took).Msg("target verification finished")
	t := Transition{Event: EventVerified, Actor: c.ID, Channel: c.Channel, Request: c.Request, Approval: c.Approval, Target: u.ID, Outcome: string(v.Outcome), Detail: v.detail()}
	e.Record(ctx, t)
	e.Notify.Verified(ctx, v)
	if v.Outcome == VerifyApproved {
		return nil
	}
	return v.refusal()
}

// verify sends the push and polls it until it is answered, the rule's
// timeout passes or ctx ends.
func (e *Engine) verify(ctx context.Context, v Verification, factor string) Verification {
	dir := e.Dir
	if factor == "" {
		fs, err := dir.ListFactors(ctx, v.User.ID)
		if err != nil {
			v.Outcome, v.Err = VerifyFailed, err
			return v
		}
		for _, f := range fs {
			if f.IsOktaVerifyPush() {
				factor, v.Device = f.ID, f.Device
				break
			}
		}
		if factor == "" {
			v.Outcome = VerifyNoFactor
			return v
		}
	}
	ch, err := dir.SendPush(ctx, v.User.ID, factor)
	if err != nil {
		if actions.IsKind(err, actions.KindInvalid) || actions.IsKind(err, actions.KindNotFound) {
			v.Outcome = VerifyNoFactor
			return v
		}
		v.Outcome, v.Err = VerifyFailed, err
		return v
	}
	start := time.Now()
	v.Outcome, v.Number = VerifySent, ch.Number
	e.Notify.Verified(ctx, v)
	v.Number = actions.Secret{}
	poll := e.VerifyPoll
	if poll <= 0 {
		poll = DefaultVerifyPoll
	}
	deadline := time.NewTimer(v.Timeout)
	defer deadline.Stop()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			v.Outcome, v.Err, v.Took = VerifyFailed, actions.Errorf(actions.KindUnavailable, "the request was stopped while waiting for the answer"), time.Since(start)
			return v
		case <-deadline.C:
			v.Outcome, v.Took = VerifyTimedOut, time.Since(start)
			return v
		case <-tick.C:
		}
		r, err := dir.PushResult(ctx, ch)
		if err != nil {
			if actions.IsKind(err, actions.KindRateLimited) || actions.IsKind(err, actions.KindUnavailable) {
				continue // asked again at the next tick
			}
			v.Outcome, v.Err, v.Took = VerifyFailed, err, time.Since(start)
			return v
		}
		switch r {
		case actions.PushApproved:
			v.Outcome, v.Took = VerifyApproved, time.Since(start)
			return v
		case actions.PushRejected:
			v.Outcome, v.Took = VerifyRejected, time.Since(start)
			return v
		case actions.PushTimedOut:
			v.Outcome, v.Took = VerifyTimedOut, time.Since(start)
			return v
		}
	}
}

// detail is the audit's word on a verification: never the number.
func (v Verification) detail() string {
	switch v.Outcome {
	case VerifyApproved:
		return "approved the Okta Verify push in " + actions.Took(v.Took)
	case VerifyRejected:
		return "rejected the Okta Verify push after " + actions.Took(v.Took)
	case VerifyTimedOut:
		return "did not answer the Okta Verify push in " + actions.Took(v.Timeout)
	case VerifyNoFactor:
		return "has no active Okta Verify push factor"
	}
	_, _, d := ErrorFacts(v.Err)
	return "could not be verified: " + d
}

// refusal is why the action did not run on a user who did not prove it
// (for verify-user, why they were not verified).
func (v Verification) refusal() error {
	notRun := "not run: "
	if v.Action == VerifyUser {
		notRun = ""
	}
	var msg string
	switch v.Outcome {
	case VerifyRejected:
		msg = fmt.Sprintf("%s%s rejected the Okta Verify push (a wrong number, or a tap on No). If they did not mean to, someone else may be asking for this; the security team was told", notRun, v.Label)
	case VerifyTimedOut:
		msg = fmt.Sprintf("%s%s did not answer the Okta Verify push within %s", notRun, v.Label, actions.Took(v.Timeout))
	case VerifyNoFactor:
		msg = fmt.Sprintf("%s%s has no active Okta Verify push factor, so they cannot prove that the account is theirs", notRun, v.Label)
	default:
		var e *actions.Error
		if errors.As(v.Err, &e) {
			return &actions.Error{Kind: e.Kind, Code: e.Code, RequestID: e.RequestID, Message: notRun + v.Label + " could not be verified: " + e.Message, Err: e}
		}
		return actions.Errorf(actions.KindInternal, "%s%s could not be verified", notRun, v.Label)
	}
	return &actions.Error{Kind: actions.KindForbidden, Message: msg}
}

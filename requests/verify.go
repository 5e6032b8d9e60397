package requests

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
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
	// VerifyByApproval: the target cannot prove it by push (no push
	// factor, or the requester said the device is lost), and the
	// approval the request went through stands in for the push: the
	// rule's fallback: approval (reset-factors only).
	VerifyByApproval VerifyOutcome = "approval instead"
)

// DeviceLostParam is reset-factors' flag for a target whose device is
// lost: no push is sent, and with the verify rule's fallback the approval
// stands in for it.
const DeviceLostParam = "device-lost"

// FallbackParam is the stored request parameter that lists (comma
// separated Okta ids) the targets that had no active Okta Verify push
// factor when the request was made: its approvers are told that the
// approval stands in for their push. It is for people only: whether a
// target is pushed is decided again when it runs.
const FallbackParam = "verify-fallback"

// Caller is who a verification is for and where they are: the requester,
// the channel they asked from, and Via, what the Slack edge reaches them
// with (or nil). Request or Approval is what waits for it.
type Caller struct {
	ID, Channel string
	Via         any
	Request     *actions.Request
	Approval    *store.Approval
}

// deviceLost reports whether the caller's request says the targets'
// device is lost (--device-lost).
func (c Caller) deviceLost() bool {
	v := ""
	switch {
	case c.Approval != nil:
		v = c.Approval.Params[DeviceLostParam]
	case c.Request != nil:
		v = c.Request.Values[DeviceLostParam]
	}
	return v == "true"
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
	// DeviceLost: VerifyByApproval because the requester said the device
	// is lost (else: no push factor).
	DeviceLost bool
	// Alerted: the policy has an audit channel, which is told of a target
	// that did not prove it (the caller may be told so).
	Alerted bool
	// StepUp, when set, is the click this verification proves: the
	// clicker's own push (Engine.StepUp), User their Okta account.
	StepUp Click
	// Live is where the Slack edge shows this verification to its caller
	// (Notifier.Verified returns it), handed back with each later state
	// of the same verification, so that one message shows it as it goes.
	Live any
}

// Verifier returns env with its Verify set for c's request of action:
// when the policy's verify rule covers action (or it is verify-user),
// every user is sent an Okta Verify push before the first write to them.
func (e *Engine) Verifier(env actions.Env, c Caller, action string) actions.Env {
	rule := e.verifyRule(action)
	if rule == nil {
		return env
	}
	env.Verify = func(ctx context.Context, u actions.User, factor string) error {
		return e.Verify(ctx, c, action, rule, u, factor)
	}
	return env
}

// verifyRule is the rule by which users prove they own their account
// before action acts on them: verify-user's own, or the policy's verify
// rule covering action; nil when there is none.
func (e *Engine) verifyRule(action string) *auth.VerifyRule {
	if action == VerifyUser {
		return &auth.VerifyRule{Method: auth.VerifyPush, Timeout: auth.DefaultVerifyTimeout}
	}
	return e.Auth.Policy().VerifyFor(action)
}

// Verify has user u prove that they own the account before c's action
// runs on them (verifying → running, for this user): an Okta Verify push
// with number matching, to factor (or their active Okta Verify push). The
// caller is shown the number and then the answer; a rejection, a timeout
// or no push factor refuses the user, and is recorded and told to the
// audit channel. Under a rule with fallback: approval (reset-factors), an
// approved request runs on a target without a push factor, or whose
// device its requester said is lost, on its approval instead. Nil: the
// user approved, or the approval stands in.
func (e *Engine) Verify(ctx context.Context, c Caller, action string, rule *auth.VerifyRule, u actions.User, factor string) error {
	v := Verification{Caller: c, Action: action, User: u, Label: UserLabel(u), Timeout: rule.Timeout, Alerted: e.Auth.Policy().AuditChannel() != ""}
	// The fallback goes through the approval rule: only a request that
	// went through it (was approved) may use it; break glass is no
	// approval.
	byApproval := rule.FallsBackToApproval(action) && c.Approval != nil && !c.Approval.BrokenGlass
	switch {
	case c.deviceLost() && c.Approval != nil && c.Approval.BrokenGlass:
		// Refused before it ran (MayBreakGlass).
		return actions.Errorf(actions.KindForbidden, "not run: the request says %s's device is lost, so no push can prove the account is theirs, and break glass never stands in for a push (only an approver's approval does)", v.Label)
	case c.deviceLost() && !byApproval:
		// Refused before it ran (FallbackRefusal); kept here so that
		// no path runs it unverified.
		return actions.Errorf(actions.KindForbidden, "not run: the request says %s's device is lost, so no push can prove the account is theirs, and the policy lets no approval stand in for it", v.Label)
	case c.deviceLost():
		v.Outcome, v.DeviceLost = VerifyByApproval, true
	default:
		v = e.verify(ctx, v, factor)
		if v.Outcome == VerifyNoFactor && byApproval {
			v.Outcome = VerifyByApproval
		}
	}
	log := e.Log.With().Str("user", c.ID).Str("action", action).Str("target", u.ID).Logger()
	log.Info().Str("event", string(EventVerified)).Str("outcome", string(v.Outcome)).Dur("took", v.Took).Msg("target verification finished")
	t := Transition{Event: EventVerified, Actor: c.ID, Channel: c.Channel, Request: c.Request, Approval: c.Approval, Target: u.ID, Outcome: string(v.Outcome), Detail: v.detail()}
	e.Record(ctx, t)
	e.Notify.Verified(ctx, v)
	if v.Outcome == VerifyApproved || v.Outcome == VerifyByApproval {
		return nil
	}
	return v.refusal(rule)
}

// VerifyTime is the longest that verifying n targets of action can take
// under the policy in force: its verify rule's timeout for each round of
// pushes (actions.MaxConcurrentTargets at a time); 0 when no rule covers
// it. A request's time to run is this much longer.
func (e *Engine) VerifyTime(action string, n int) time.Duration {
	rule := e.Auth.Policy().VerifyFor(action)
	if action == VerifyUser {
		rule = &auth.VerifyRule{Timeout: auth.DefaultVerifyTimeout}
	}
	if rule == nil || n <= 0 {
		return 0
	}
	rounds := (n + actions.MaxConcurrentTargets - 1) / actions.MaxConcurrentTargets
	return time.Duration(rounds) * rule.Timeout
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
	// One push waits on a person's phone at a time, whatever asks for it
	// (targets' verifications, step-ups) and whichever replica: many
	// requests are no flood of pushes to pick from at random.
	release, free := e.takePush(ctx, v.User.ID, v.Timeout)
	if !free {
		v.Outcome, v.Err = VerifyFailed, actions.Errorf(actions.KindConflict, "an Okta Verify push to %s is already waiting for an answer, and no second one was sent; try again once it is answered or has timed out", v.User.Login)
		return v
	}
	defer release()
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
	v.Live = e.Notify.Verified(ctx, v)
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

// pushLeaseMargin is how long a push lock outlives its push's timeout,
// for the answer's last poll: a replica that dies holding it frees the
// person's phone for pushes that long after the push timed out.
const pushLeaseMargin = time.Minute

// takePush takes the push lock of Okta user userID for a push answered
// within timeout, in this process and in the store (every replica), and
// returns its release; free is false while a push to them waits. A store
// that cannot answer leaves the bound to this process, as before replicas
// shared it: a push is not refused for the database's sake.
func (e *Engine) takePush(ctx context.Context, userID string, timeout time.Duration) (release func(), free bool) {
	if _, busy := e.pushing.LoadOrStore(userID, true); busy {
		return nil, false
	}
	local := func() { e.pushing.Delete(userID) }
	if e.Store == nil {
		return local, true
	}
	owner := store.NewID()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	took, err := e.Store.TakePush(sctx, userID, owner, timeout+pushLeaseMargin)
	cancel()
	switch {
	case err != nil:
		e.Log.Warn().Err(err).Msg("could not check whether another replica's Okta Verify push waits for this person; sending it")
		return local, true
	case !took:
		local()
		return nil, false
	}
	return func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		defer cancel()
		if err := e.Store.ReleasePush(rctx, userID, owner); err != nil {
			e.Log.Warn().Err(err).Msg("could not release a person's push lock; it lapses by itself")
		}
		local()
	}, true
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
	case VerifyByApproval:
		why := "has no active Okta Verify push factor"
		if v.DeviceLost {
			why = "their device is lost, the requester said (no push sent)"
		}
		return why + "; the approval by " + v.Caller.Approval.DecidedBy + " stands in for the push (fallback: approval)"
	}
	_, _, d := ErrorFacts(v.Err)
	return "could not be verified: " + d
}

// refusal is why the action did not run on a user who did not prove it
// (for verify-user, why they were not verified), under rule.
func (v Verification) refusal(rule *auth.VerifyRule) error {
	notRun := "not run: "
	if v.Action == VerifyUser {
		notRun = ""
	}
	var msg string
	switch v.Outcome {
	case VerifyRejected:
		msg = fmt.Sprintf("%s%s rejected the Okta Verify push (a wrong number, or a tap on No). If they did not mean to, someone else may be asking for this", notRun, v.Label)
		if v.Alerted {
			msg += "; the security team was told"
		}
	case VerifyTimedOut:
		msg = fmt.Sprintf("%s%s did not answer the Okta Verify push within %s", notRun, v.Label, actions.Took(v.Timeout))
	case VerifyNoFactor:
		msg = fmt.Sprintf("%s%s has no active Okta Verify push factor, so they cannot prove that the account is theirs", notRun, v.Label)
		switch {
		case rule.FallsBackToApproval(v.Action) && v.Caller.Approval != nil && v.Caller.Approval.BrokenGlass:
			msg += "; break glass is no approval, so it cannot stand in for their push (only an approver's approval can)"
		case rule.FallsBackToApproval(v.Action):
			msg += fmt.Sprintf(". The policy would have %s wait for approval instead, but no approval rule covers %s: tell oktabot's operators", v.Action, v.Action)
		}
	default:
		var e *actions.Error
		if errors.As(v.Err, &e) {
			return &actions.Error{Kind: e.Kind, Code: e.Code, RequestID: e.RequestID, Message: notRun + v.Label + " could not be verified: " + e.Message, Err: e}
		}
		return actions.Errorf(actions.KindInternal, "%s%s could not be verified", notRun, v.Label)
	}
	return &actions.Error{Kind: actions.KindForbidden, Message: msg}
}

// FallbackRefusal refuses, before anything runs or anyone is asked, a
// request whose requester says the targets' device is lost
// (--device-lost) when no approval can stand in for the push: the
// action's verify rule has no fallback: approval, or the request would
// not go through an approval rule. Nil: it may go on.
func FallbackRefusal(p *auth.Policy, action string, values map[string]string, verdict auth.Verdict) *actions.Error {
	if values[DeviceLostParam] != "true" {
		return nil
	}
	rule := p.VerifyFor(action)
	switch {
	case rule == nil:
		return nil // nobody is sent a push anyway
	case !rule.FallsBackToApproval(action):
		return actions.Errorf(actions.KindForbidden, "--device-lost: the policy wants every target of %s to approve an Okta Verify push, and has no fallback for a lost device; nothing was done. Ask your security team", action)
	case verdict != auth.NeedsApproval:
		return actions.Errorf(actions.KindForbidden, "--device-lost: without a push, %s goes through its approval rule instead (the policy's fallback), but no approval rule covers %s; nothing was done. Tell oktabot's operators", action, action)
	}
	return nil
}

// NoPushTargets are the targets (Okta ids) of a request of action that
// cannot prove it by push when it is made: every one when the requester
// says the device is lost, else those without an active Okta Verify push
// factor; none unless action's verify rule falls back to approval. Its
// approvers are told that their approval stands in for these targets'
// push.
func (e *Engine) NoPushTargets(ctx context.Context, action string, values map[string]string, ids []string) []string {
	if !e.Auth.Policy().VerifyFor(action).FallsBackToApproval(action) {
		return nil
	}
	if values[DeviceLostParam] == "true" {
		return ids
	}
	noPush := make([]bool, len(ids))
	sem := make(chan struct{}, actions.MaxConcurrentTargets)
	var wg sync.WaitGroup
	for i, id := range ids {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			// Factors that cannot be read are left to the run, which
			// reads them again.
			fs, err := e.Dir.ListFactors(ctx, id)
			noPush[i] = err == nil && !slices.ContainsFunc(fs, actions.Factor.IsOktaVerifyPush)
		}()
	}
	wg.Wait()
	var out []string
	for i, id := range ids {
		if noPush[i] {
			out = append(out, id)
		}
	}
	return out
}

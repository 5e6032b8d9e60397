package requests

import (
	"context"
	"strings"
	"time"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/store"
)

// Refuse records a request refused before it ran or was sent for
// approval (received → refused), keeping nothing the caller typed
// (Records), and returns its record.
func (e *Engine) Refuse(ctx context.Context, caller, channel string, req actions.Request, why string) store.AuditRecord {
	return e.Record(ctx, Transition{Event: EventRefused, Actor: caller, Channel: channel, Request: &req, Detail: why})[0]
}

// RunDirect runs a request that needs no approval (received → running →
// done | failed) with run, and records that the policy allowed it and the
// outcome of each target. A request that acts (ActsOn) is recorded before
// it acts, in the write that claims its delivery: a redelivery stops
// there, unrun, and no crash can leave an act unrecorded; its outcomes
// follow in one write. A request that only reads is recorded once it has
// read, its delivery, request and outcome records in one write. Either
// way the result is recorded before the caller can show it, which they do
// only if Proceed says so (not for a redelivery). Its records share
// req.ID, the request's id (a new one when it has none).
func (e *Engine) RunDirect(ctx context.Context, caller, channel string, req actions.Request, run func(context.Context) Performed) Performed {
	if req.ID == "" {
		req.ID = store.NewID()
	}
	allowed := Records(Transition{Event: EventAllowed, Actor: caller, Channel: channel, Request: &req})
	stamp(allowed, e.Now())
	if e.ActsOn(req.Action) {
		if !e.commit(ctx, allowed) {
			return Performed{}
		}
		allowed = nil
	}
	start := time.Now()
	p := run(ctx)
	outcome := Transition{Event: EventOutcome, Actor: caller, Channel: channel, Request: &req, Result: &p}
	if e.commit(ctx, append(allowed, Records(outcome)...)) {
		e.timed(transitionAction(outcome), p, start)
		e.countOutcome(outcome)
	}
	return p
}

// ActsOn reports whether running a reaches beyond reading: it writes to
// Okta, or sends someone a push to approve (verify-user, or a verify rule
// of the policy). Its request is recorded before it runs.
func (e *Engine) ActsOn(a *actions.Action) bool {
	return a.Writes || e.verifyRule(a.Name) != nil
}

// Pending is a request to send for approval, its user targets resolved.
type Pending struct {
	Requester string // Slack user id
	Channel   string // where it was asked
	// Request is the request as asked: its targets as typed.
	Request actions.Request
	// Targets are what it runs on (the Okta ids of its users), Labels one
	// per target for people (none for group targets).
	Targets, Labels []string
	Rule            *auth.ApprovalRule
	// Public: post the result, without secrets, where it was asked.
	Public bool
	// NoPush are the targets whose Okta Verify push this approval stands
	// in for (NoPushTargets), kept for its approvers (FallbackParam).
	NoPush []string
}

// Asked is what became of sending a request for approval.
type Asked int

const (
	// AskedPending: stored and shown, whole, to its approvers.
	AskedPending Asked = iota
	// AskedNotStored: the store did not take it; nothing was shown.
	AskedNotStored
	// AskedNotShown: its approvers could not be shown it whole, so it was
	// withdrawn (pending approval → denied).
	AskedNotShown
	// AskedRedelivered: its delivery was handled already (Proceed);
	// nothing was stored or shown.
	AskedRedelivered
)

// NotShown is why approvers could not be shown a request whole
// (Notifier.Show).
type NotShown struct {
	Posted bool   // the approval message was posted, its targets' list not
	Why    string // for the record
	Err    error
}

func (n *NotShown) Error() string { return n.Why + ": " + n.Err.Error() }
func (n *NotShown) Unwrap() error { return n.Err }

// Request sends p for approval (received → pending approval): it stores
// the request (never a secret: StoredParams), records it, and has its
// approvers shown it (Notifier.Show). A request its approvers cannot see
// whole must not wait to be approved: it is withdrawn.
func (e *Engine) Request(ctx context.Context, p Pending) (Asked, store.Approval, error) {
	a, now := p.Request.Action, e.Now()
	ap := store.Approval{
		ID:               store.NewID(),
		Action:           a.Name,
		Targets:          p.Targets,
		TargetLabels:     p.Labels,
		Params:           StoredParams(a, p.Request.Values),
		Reason:           strings.TrimSpace(p.Request.Reason),
		RequesterID:      p.Requester,
		RequesterChannel: p.Channel,
		ApproverRoles:    p.Rule.Approvers,
		ApprovalChannel:  p.Rule.Channel,
		PublicResult:     p.Public,
		CreatedAt:        now,
		ExpiresAt:        now.Add(p.Rule.ExpireAfter),
		Waits:            waitsOf(p.Rule, a.Name, now),
	}
	if p.Request.Context != "" {
		ap.Params[ContextParam] = p.Request.Context
	}
	if len(p.NoPush) > 0 {
		ap.Params[FallbackParam] = strings.Join(p.NoPush, ",")
	}
	if p.Rule.NeedsStepUp() {
		ap.Params[StepUpParam] = p.Rule.StepUp
	}
	log := e.Log.With().Str("user", p.Requester).Str("action", a.Name).Str("approval_id", ap.ID).Logger()
	if !e.Proceed(ctx) {
		return AskedRedelivered, ap, nil
	}
	if err := e.Store.CreateApproval(ctx, ap); err != nil {
		log.Error().Err(err).Msg("could not store an approval request")
		return AskedNotStored, ap, err
	}
	ap.Status = store.StatusPending
	log.Info().Str("event", "approval.requested").Str("approval_channel", ap.ApprovalChannel).Msg("sent for approval")
	// Targets are the Okta ids; what was typed and whom it named, beside.
	e.Record(ctx, Transition{Event: EventRequested, Actor: p.Requester, Channel: p.Channel, Approval: &ap, Typed: p.Request.Targets})
	remember := func(ts string) {
		ap.MessageTS = ts
		if err := e.Store.SetApprovalMessage(ctx, ap.ID, ap.ApprovalChannel, ts); err != nil {
			log.Error().Err(err).Msg("could not record where the approval message is; it will not be updated in place")
		}
	}
	if ns := e.Notify.Show(ctx, ap, remember); ns != nil {
		log.Error().Err(ns.Err).Str("approval_channel", ap.ApprovalChannel).Msg("could not show the approval request; withdrawing it")
		if denied, err := e.Store.Deny(context.WithoutCancel(ctx), ap.ID, p.Requester, ns.Why, e.Now()); err == nil {
			e.Record(ctx, Transition{Event: EventDenied, Actor: p.Requester, Channel: p.Channel, Approval: &denied, Detail: ns.Why})
			e.Notify.Changed(ctx, denied)
		} else {
			log.Error().Err(err).Msg("could not withdraw the approval request")
		}
		return AskedNotShown, ap, ns
	}
	return AskedPending, ap, nil
}

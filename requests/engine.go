package requests

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"oktabot/actions"
	"oktabot/metrics"
	"oktabot/store"
)

// Notifier is how the moves of approved work reach people. The Slack edge
// implements it; nothing here knows how a message looks.
type Notifier interface {
	// Changed shows a stored request's state where its approvers see it.
	Changed(ctx context.Context, ap store.Approval)
	// Expired tells the requester (and the audit channel) that nobody
	// decided ap in time.
	Expired(ctx context.Context, ap store.Approval)
	// Closed tells the requester (and the audit channel) that approved ap
	// was closed without running, and why.
	Closed(ctx context.Context, ap store.Approval, c Closure)
	// Ran delivers what running ap did: r carries the requester's one-time
	// secrets, so it goes to the requester alone (via is what they ran it
	// with, or nil); anything public is made from Redact(r).
	Ran(ctx context.Context, ap store.Approval, r Performed, via any)
	// Result is ap's result as the approval's record keeps it (shown in
	// its message); never a secret.
	Result(ap store.Approval, r Performed) string
	// Denied tells the requester (and the audit channel) that ap was
	// denied, or withdrawn when its decider is its requester.
	Denied(ctx context.Context, ap store.Approval)
	// Ask asks the requester of approved ap for their step (the password,
	// or a click to run it and receive its one-time secrets).
	Ask(ctx context.Context, ap store.Approval, step Step)
	// Show shows pending ap to its approvers, every target of it, before
	// they can decide; remember keeps where its message is. nil: shown.
	Show(ctx context.Context, ap store.Approval, remember func(ts string)) *NotShown
	// Verified shows a target's verification to its caller alone (the
	// number to read out, then the answer) and tells the audit channel
	// of one that did not prove it (Engine.Verify). It returns where it
	// showed v, which the next state of the same verification carries in
	// its Live, so that it is shown in the same place.
	Verified(ctx context.Context, v Verification) (live any)

	// Waits (breakglass.go).
	WaitNotifier
}

// Runner runs an approved request against Okta as its requester (their
// policy roles and guards as they are now), with pw for its password when
// it takes one. It stops before its next Okta write once ctx ends.
type Runner interface {
	Run(ctx context.Context, ap store.Approval, pw actions.Secret) Performed
}

// Closure is why approved work was closed unrun.
type Closure struct {
	Why  *actions.Error // for the record, the approval message and the requester
	Kind ClosureKind
	// PasswordNotSet: it was closed before its requester typed its
	// password.
	PasswordNotSet bool
}

// ClosureKind says which rule closed approved work.
type ClosureKind int

const (
	// ClosedLate: not started, or interrupted and not resumed, in time.
	ClosedLate ClosureKind = iota
	// ClosedRequesterRefused: its requester may no longer run it.
	ClosedRequesterRefused
	// ClosedApproverRefused: its approver may no longer approve it.
	ClosedApproverRefused
	// ClosedBreakGlassRefused: its requester, who broke glass, may no
	// longer break glass on it.
	ClosedBreakGlassRefused
)

// Public is a result fit for anyone but its requester: made only by
// Redact, it holds no one-time secret, so a public path that takes a
// Public cannot be handed one.
type Public struct{ p Performed }

// Redact is a result without its one-time secrets.
func Redact(r Performed) Public {
	if len(r.Res.Outcomes) > 0 {
		out := make([]actions.Outcome, len(r.Res.Outcomes))
		for i, o := range r.Res.Outcomes {
			o.Secret = actions.Secret{}
			out[i] = o
		}
		r.Res.Outcomes = out
	}
	return Public{r}
}

// Result is the redacted result.
func (p Public) Result() actions.Result { return p.p.Res }

// Err is the error that stopped it, if any.
func (p Public) Err() error { return p.p.Err }

// Engine runs approved work: it expires what nobody decided, runs what was
// approved exactly once (of any number of callers and replicas), keeps the
// execution lease while it runs, closes what may no longer run, recovers
// what a stopped replica left behind, and records every move.
type Engine struct {
	Registry *actions.Registry
	Auth     Authorizer
	Store    store.Store
	Notify   Notifier
	Runner   Runner
	// Dir is Okta, as the actions see it; People is Slack, as far as
	// targets and the caller's own account need it.
	Dir    actions.Directory
	People People
	Now    func() time.Time
	// Replica names this process in execution leases.
	Replica string
	// Lease is how long an execution lease lasts; it is extended every
	// third of it while the work runs.
	Lease time.Duration
	// RequestTimeout bounds recovered work, beside the time its targets'
	// verification may take (VerifyTime).
	RequestTimeout time.Duration
	Log            zerolog.Logger
	// VerifyPoll is how often a target's Okta Verify push is polled;
	// DefaultVerifyPoll when 0.
	VerifyPoll time.Duration
	// Metrics counts the records and times the runs; nil counts nothing.
	Metrics *metrics.Metrics
	// GrantNotify tells people of time-boxed grants' ends (grants.go).
	GrantNotify GrantNotifier

	// stepUps holds the step-ups whose push waits, by request and
	// clicker (StepUp).
	stepUps sync.Map
	// pushing holds the Okta users whose push waits for an answer
	// (verify): one at a time each, however many ask.
	pushing sync.Map
}

// Record writes the audit record(s) of a transition (Records, the one
// place they are made) to the store, in one write, and to the JSON log,
// and returns them. Its write claims ctx's delivery if no write has yet
// (WithDelivery); for a redelivery nothing is written or logged, and the
// records come back without ids. A store failure does not fail the
// request recorded: it is logged, with the records.
func (e *Engine) Record(ctx context.Context, t Transition) []store.AuditRecord {
	recs := Records(t)
	if e.commit(ctx, recs) {
		e.countOutcome(t)
	}
	return recs
}

// Append writes one record Records made (it may have been queued) to the
// store and the JSON log, and returns it with its id and time.
func (e *Engine) Append(ctx context.Context, r store.AuditRecord) store.AuditRecord {
	recs := []store.AuditRecord{r}
	e.commit(ctx, recs)
	return recs[0]
}

// commit writes records in one write (write) and to the JSON log, giving
// those without a time the present one. It reports false for a
// redelivery: nothing was written.
func (e *Engine) commit(ctx context.Context, records []store.AuditRecord) bool {
	stamp(records, e.Now())
	ok, err := e.write(ctx, records)
	if !ok {
		return false
	}
	for _, r := range records {
		logRecord(e.Log, r, err)
		e.count(r)
	}
	return true
}

// stamp gives the records without a time now.
func stamp(records []store.AuditRecord, now time.Time) {
	for i := range records {
		if records[i].At.IsZero() {
			records[i].At = now
		}
	}
}

// logRecord writes one audit record to the JSON log.
func logRecord(log zerolog.Logger, r store.AuditRecord, err error) {
	ev := log.Info()
	if err != nil {
		ev = log.Error().Err(err).Bool("audit_store_failed", true)
	}
	ev = ev.Str("event", r.Event).Time("at", r.At).Str("actor", r.Actor).Str("channel", r.Channel).Str("action", r.Action)
	if len(r.Targets) > 0 {
		ev = ev.Strs("targets", r.Targets)
	}
	if len(r.Params) > 0 {
		d := zerolog.Dict()
		for k, v := range r.Params {
			d = d.Str(k, v)
		}
		ev = ev.Dict("params", d)
	}
	for k, v := range map[string]string{"approval_id": r.ApprovalID, "target": r.Target, "outcome": r.Outcome, "error_kind": r.ErrorKind, "okta_request_id": r.OktaRequestID, "detail": r.Detail} {
		if v != "" {
			ev = ev.Str(k, v)
		}
	}
	if r.ID != 0 {
		ev = ev.Int64("audit_id", r.ID)
	}
	ev.Msg("audit")
}

// Expire tells everyone that ap expired: pending approval → expired. It is
// called by the one caller the store reported the expiry to.
func (e *Engine) Expire(ctx context.Context, ap store.Approval) {
	e.Log.Info().Str("event", "approval.expired").Str("approval_id", ap.ID).Msg("approval request expired")
	e.Record(ctx, Transition{Event: EventExpired, Channel: ap.ApprovalChannel, Approval: &ap, Detail: "nobody decided before " + ap.ExpiresAt.UTC().Format(time.RFC3339)})
	e.Notify.Changed(ctx, ap)
	e.Notify.Expired(ctx, ap)
}

// Sweep runs once: pending approvals past their expiry are expired (each
// reported by exactly one replica), the reminders and break-glass offers
// that are due are sent and unreviewed break-glass runs reminded of
// (sweepWaits, each by one replica), then approved work nobody is running
// (a replica stopped between approval and execution, or during it) is
// decided as Recover says: left waiting for its requester, closed, or,
// when its approval still holds as a fresh one would, run.
func (e *Engine) Sweep(ctx context.Context) {
	log := e.Log.With().Str("component", "approvals").Logger()
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	due, err := e.Store.ExpireDue(qctx, e.Now())
	cancel()
	if err != nil {
		log.Error().Err(err).Msg("could not check approvals for expiry")
	}
	for _, ap := range due {
		e.Expire(ctx, ap)
	}
	e.sweepWaits(ctx, log)

	qctx, cancel = context.WithTimeout(ctx, 10*time.Second)
	left, err := e.Store.Recoverable(qctx)
	cancel()
	if err != nil {
		log.Error().Err(err).Msg("could not look for approved requests left unfinished")
		return
	}
	for _, ap := range left {
		if ctx.Err() != nil {
			return
		}
		alog := log.With().Str("approval_id", ap.ID).Str("action", ap.Action).Logger()
		step := StepOf(e.Registry.Lookup(ap.Action), ap.Params)
		switch r, why := Recover(e.Auth.Policy(), step, ap, e.Now()); r {
		case Wait:
			continue // waiting for the requester
		case Close:
			if step == NoStep && !ap.BrokenGlass {
				alog.Warn().Str("event", "approval.stale").Time("approved_at", ap.DecidedAt).Msg("approved work left behind is older than its rule's expire_after; closing it unrun")
			}
			e.Abandon(ctx, ap, Closure{Why: actions.Errorf(actions.KindUnavailable, "%s", why), Kind: ClosedLate})
			continue
		}
		// It may start now, if its approval still holds as a fresh one
		// would; a failed check waits for the next sweep.
		if chk, err := e.StillHolds(ctx, ap); chk != Holds {
			if chk == Unchecked {
				alog.Error().Err(err).Msg("could not check the approval against the policy; the next sweep retries")
			}
			continue
		}
		wctx, cancel := context.WithTimeout(ctx, e.RequestTimeout+e.VerifyTime(ap.Action, len(ap.Targets)))
		if e.RunApproved(wctx, ap, actions.Secret{}, nil) {
			alog.Info().Str("event", "approval.recovered").Msg("ran an approved request left unfinished")
		}
		cancel()
	}
}

// StillHolds checks approved ap before it starts after its approval (the
// requester's step, or recovery): CheckApproval of the recorded approval.
// When it no longer holds, the request is closed unrun (Abandon), the
// refusal recorded. Unchecked (a lookup failed) changes nothing.
func (e *Engine) StillHolds(ctx context.Context, ap store.Approval) (Check, error) {
	chk, err := CheckApproval(ctx, e.Auth, ap.DecidedBy, ap)
	notSet := PasswordParam(e.Registry.Lookup(ap.Action)) != nil && ap.Status == store.StatusApproved
	log := e.Log.With().Str("approval_id", ap.ID).Str("action", ap.Action).Logger()
	switch {
	case chk == RequesterRefused:
		log.Info().Str("event", "approval.refused").Str("reason", "requester no longer allowed").Msg("requester may no longer run the action; closing the request")
		e.Record(ctx, Transition{Event: EventDecisionRefused, Actor: ap.RequesterID, Approval: &ap, Detail: "requester no longer allowed to run the action"})
		e.Abandon(ctx, ap, Closure{Kind: ClosedRequesterRefused, PasswordNotSet: notSet,
			Why: actions.Errorf(actions.KindForbidden, "its requester may no longer run %s under the current policy; nothing was sent to Okta", ap.Action)})
	case chk == ApproverRefused && ap.BrokenGlass:
		log.Info().Str("event", "approval.refused").Str("reason", "break glass no longer allowed").Msg("its requester may no longer break glass on it; closing the request")
		e.Record(ctx, Transition{Event: EventDecisionRefused, Actor: ap.RequesterID, Approval: &ap, Detail: "break glass no longer allowed"})
		e.Abandon(ctx, ap, Closure{Kind: ClosedBreakGlassRefused, PasswordNotSet: notSet,
			Why: actions.Errorf(actions.KindForbidden, "the policy no longer lets its requester break glass on %s; nothing was sent to Okta", ap.Action)})
	case chk == ApproverRefused:
		log.Info().Str("event", "approval.refused").Str("reason", "approver no longer allowed").Str("approved_by", ap.DecidedBy).Msg("its approver may no longer approve it; closing the request")
		e.Record(ctx, Transition{Event: EventDecisionRefused, Actor: ap.DecidedBy, Approval: &ap, Detail: "approver no longer allowed to approve it"})
		e.Abandon(ctx, ap, Closure{Kind: ClosedApproverRefused, PasswordNotSet: notSet,
			Why: actions.Errorf(actions.KindForbidden, "its approver <@%s> may no longer approve it under the current policy; nothing was sent to Okta", ap.DecidedBy)})
	}
	return chk, err
}

// RunApproved claims approved ap and runs it (approved → running → done |
// failed). It reports false when another caller holds or finished it
// (Claim decides): exactly one runs it. via is what the requester ran it
// with, handed back to Notify.Ran, or nil.
func (e *Engine) RunApproved(ctx context.Context, ap store.Approval, pw actions.Secret, via any) bool {
	log := e.Log.With().Str("approval_id", ap.ID).Str("action", ap.Action).Logger()
	asked := time.Now() // the lease runs from no earlier than this, by any clock
	claimed, err := e.Store.Claim(ctx, ap.ID, e.Replica, e.Lease)
	switch {
	case errors.Is(err, store.ErrNotClaimable):
		log.Info().Str("status", string(claimed.Status)).Str("owner", claimed.Owner).Msg("approved request already taken")
		return false
	case err != nil:
		log.Error().Err(err).Msg("could not claim an approved request; it is retried by the next sweep")
		return false
	}
	e.Notify.Changed(ctx, claimed)
	e.runClaimed(ctx, log, claimed, asked, pw, via)
	return true
}

// runClaimed runs a claimed request against Okta, keeping the lease while
// it runs, then records the result and tells everyone (the requester
// alone gets its secrets). Should the lease be lost, it stops before its
// next Okta write and records nothing: the work is whoever holds the lease
// now.
func (e *Engine) runClaimed(ctx context.Context, log zerolog.Logger, ap store.Approval, asked time.Time, pw actions.Secret, via any) {
	act := e.Registry.Lookup(ap.Action)
	var p Performed
	// It runs under wctx, which ends when the lease is lost.
	wctx, stop := e.keepLease(ctx, log, ap.ID, asked)
	if act == nil || !act.Available() {
		p.Err = actions.Errorf(actions.KindInvalid, "`%s` is not an action this version of oktabot can run", ap.Action)
	} else {
		log.Info().Str("event", "approval.running").Str("approved_by", ap.DecidedBy).Msg("running an approved request")
		p = e.Runner.Run(wctx, ap, pw)
	}
	lost := errors.Is(context.Cause(wctx), ErrLeaseLost)
	stop()
	switch {
	case lost:
		// Another replica may hold it now: what this one did is not the
		// result, and it stopped before its next Okta write. The holder
		// (or the next sweep, once the lease lapses) runs it to the end
		// (the actions are idempotent per target).
		log.Error().Str("event", "approval.lease_lost").Msg("lost the lease on a running approved request; stopped it before its next Okta write")
		return
	case errors.Is(ctx.Err(), context.Canceled):
		// Shutdown cut it short: leave it to whoever claims it when the
		// lease lapses (the actions are idempotent per target).
		log.Warn().Msg("stopped while running an approved request; it is taken over when its lease lapses")
		return
	}
	e.timed(ap.Action, p, asked)
	status := store.StatusDone
	if p.Err != nil {
		status = store.StatusFailed
	}
	result := e.Notify.Result(ap, p)
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := e.finish(fctx, ap.ID, status, result); err != nil {
		if errors.Is(err, store.ErrNotClaimable) {
			log.Error().Err(err).Msg("the lease lapsed while the request ran and another replica took it over; its result is not recorded here")
			return
		}
		log.Error().Err(err).Msg("could not record the result of an approved request")
	}
	ap.Status, ap.Result = status, result
	e.Record(fctx, Transition{Event: EventOutcome, Actor: ap.RequesterID, Channel: ap.RequesterChannel, Approval: &ap, Result: &p})
	e.Notify.Changed(fctx, ap)
	e.Notify.Ran(fctx, ap, p, via)
}

// Abandon closes approved work that may not run (approved → failed, or an
// interrupted run → failed): it is marked failed, recorded, and everyone
// told why.
func (e *Engine) Abandon(ctx context.Context, ap store.Approval, c Closure) {
	log := e.Log.With().Str("approval_id", ap.ID).Str("action", ap.Action).Logger()
	claimed, err := e.Store.Claim(ctx, ap.ID, e.Replica, e.Lease)
	if err != nil {
		if !errors.Is(err, store.ErrNotClaimable) {
			log.Error().Err(err).Msg("could not claim an approved request to close it")
		}
		return
	}
	p := Performed{Err: c.Why}
	result := e.Notify.Result(claimed, p)
	if err := e.finish(ctx, claimed.ID, store.StatusFailed, result); err != nil {
		log.Error().Err(err).Msg("could not close an approved request")
		return
	}
	log.Warn().Str("event", "approval.abandoned").Str("reason", c.Why.Message).Msg("closed an approved request that cannot run")
	claimed.Status, claimed.Result = store.StatusFailed, result
	e.Record(ctx, Transition{Event: EventOutcome, Actor: claimed.RequesterID, Channel: claimed.RequesterChannel, Approval: &claimed, Result: &p})
	e.Notify.Changed(ctx, claimed)
	e.Notify.Closed(ctx, claimed, c)
}

// finish records the result, retrying briefly: a result not recorded
// would let a later sweep run the request again.
func (e *Engine) finish(ctx context.Context, id string, status store.Status, result string) error {
	var err error
	for attempt := range 3 {
		if attempt > 0 {
			t := time.NewTimer(time.Duration(attempt) * 300 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return err
			case <-t.C:
			}
		}
		err = e.Store.Finish(ctx, id, e.Replica, status, result, e.Now())
		if err == nil || errors.Is(err, store.ErrNotClaimable) || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
			return err
		}
	}
	return err
}

// ErrLeaseLost is why a running approved request's context is cancelled
// when this replica no longer holds its lease.
var ErrLeaseLost = errors.New("this replica lost the execution lease")

// keepLease extends this replica's lease on an approval every third of
// Lease until stop is called, and returns the context the work runs under.
// It is cancelled, with cause ErrLeaseLost, as soon as the lease is lost:
// the store says this replica no longer holds it (it lapsed, and another
// may have claimed it), or it could not be extended before it would lapse
// by this process's own reckoning (Lease after the last successful claim
// or extension was asked for; monotonic time, so no clock is compared).
// The work then stops before its next Okta write.
func (e *Engine) keepLease(ctx context.Context, log zerolog.Logger, id string, asked time.Time) (context.Context, func()) {
	work, cancelWork := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(e.Lease / 3)
		defer t.Stop()
		lapse := time.NewTimer(time.Until(asked.Add(e.Lease)))
		defer lapse.Stop()
		for {
			select {
			case <-work.Done():
				return
			case <-lapse.C:
				log.Error().Msg("could not extend the lease on a running approved request before it lapsed")
				cancelWork(ErrLeaseLost)
				return
			case <-t.C:
				sent := time.Now()
				ectx, cancel := context.WithTimeout(work, e.Lease/3)
				err := e.Store.ExtendLease(ectx, id, e.Replica, e.Lease)
				cancel()
				switch {
				case err == nil:
					lapse.Reset(time.Until(sent.Add(e.Lease)))
				case work.Err() != nil:
				case errors.Is(err, store.ErrNotClaimable), errors.Is(err, store.ErrNotFound):
					log.Error().Msg("lost the lease on a running approved request")
					cancelWork(ErrLeaseLost)
					return
				default:
					log.Warn().Err(err).Msg("could not extend the lease on a running approved request")
				}
			}
		}
	}()
	return work, func() {
		cancelWork(nil)
		<-done
	}
}

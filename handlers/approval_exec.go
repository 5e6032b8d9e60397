package handlers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/blocks"
	"oktabot/requests"
	"oktabot/store"
)

// Bounds of the derived sweep interval (Config.SweepInterval).
const (
	minSweepInterval = 200 * time.Millisecond
	maxSweepInterval = 15 * time.Second
)

// sweepInterval is a tenth of the policy's shortest expire_after, so that
// an expired request is reported soon after it expires, kept between
// minSweepInterval and maxSweepInterval.
func sweepInterval(az Authorizer) time.Duration {
	d := maxSweepInterval
	if az != nil && az.Policy() != nil {
		for _, r := range az.Policy().Rules() {
			d = min(d, r.ExpireAfter/10)
		}
	}
	return max(d, minSweepInterval)
}

// sweepLoop expires due approvals and recovers approved work left behind,
// once at start and then every SweepInterval, until ctx is done. Work it
// starts runs under workCtx, so that shutdown can drain it.
func (b *Bot) sweepLoop(ctx, workCtx context.Context) {
	t := time.NewTicker(b.cfg.SweepInterval)
	defer t.Stop()
	for {
		b.sweep(workCtx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweep runs once: pending approvals past their expiry are marked expired
// and reported (each by exactly one replica), then approved requests
// nobody is running (a replica died between approval and execution, or
// during it) are claimed and run.
func (b *Bot) sweep(ctx context.Context) {
	st := b.cfg.Store
	log := b.log.With().Str("component", "approvals").Logger()
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	due, err := st.ExpireDue(qctx, b.cfg.Now())
	cancel()
	if err != nil {
		log.Error().Err(err).Msg("could not check approvals for expiry")
	}
	for _, ap := range due {
		b.expired(ctx, log.With().Str("approval_id", ap.ID).Logger(), ap)
	}

	qctx, cancel = context.WithTimeout(ctx, 10*time.Second)
	left, err := st.Recoverable(qctx)
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
		step := requests.StepOf(b.cfg.Registry.Lookup(ap.Action), ap.Params)
		switch r, why := requests.Recover(b.cfg.Auth.Policy(), step, ap, b.cfg.Now()); r {
		case requests.Wait:
			continue // waiting for the requester
		case requests.Close:
			if step == requests.NoStep {
				alog.Warn().Str("event", "approval.stale").Time("approved_at", ap.DecidedAt).Msg("approved work left behind is older than its rule's expire_after; closing it unrun")
			}
			b.abandon(ctx, alog, ap, actions.Errorf(actions.KindUnavailable, "%s", why), "")
			continue
		}
		// It may start now, if its approval still holds as a fresh one
		// would (approvalStillHolds); a failed check waits for the next sweep.
		if !b.approvalStillHolds(ctx, alog, ap, "", nil) {
			continue
		}
		wctx, cancel := context.WithTimeout(ctx, b.cfg.RequestTimeout)
		if b.runApproved(wctx, alog, ap, actions.Secret{}, nil) {
			alog.Info().Str("event", "approval.recovered").Msg("ran an approved request left unfinished")
		}
		cancel()
	}
}

// runApproved claims an approved request and runs it. It reports false when
// another caller holds or finished it (Claim decides): exactly one runs it.
// The requester learns the outcome through to, the click they ran it with,
// when given, else privately (tellRequester).
func (b *Bot) runApproved(ctx context.Context, log zerolog.Logger, ap store.Approval, pw actions.Secret, to *invocation) bool {
	asked := time.Now() // the lease runs from no earlier than this, by any clock
	claimed, err := b.cfg.Store.Claim(ctx, ap.ID, b.cfg.Replica, b.cfg.Lease)
	switch {
	case errors.Is(err, store.ErrNotClaimable):
		log.Info().Str("status", string(claimed.Status)).Str("owner", claimed.Owner).Msg("approved request already taken")
		return false
	case err != nil:
		log.Error().Err(err).Msg("could not claim an approved request; it is retried by the next sweep")
		return false
	}
	log = log.With().Str("approval_id", claimed.ID).Str("action", claimed.Action).Logger()
	b.updateApprovalMessage(ctx, log, claimed)
	b.runClaimed(ctx, log, claimed, asked, pw, to)
	return true
}

// runClaimed runs a claimed request against Okta, keeping the lease while
// it runs, then records the result, audits it, updates the approval
// message and tells the requester (who alone gets its secrets). Should the
// lease be lost, it stops before its next Okta write and records nothing:
// the work is whoever holds the lease now.
func (b *Bot) runClaimed(ctx context.Context, log zerolog.Logger, ap store.Approval, asked time.Time, pw actions.Secret, to *invocation) {
	act := b.cfg.Registry.Lookup(ap.Action)
	values := map[string]string{}
	for k, v := range ap.Params {
		values[k] = v
	}
	var p performed
	var listing *blocks.Reply // the audit listing, when that was approved
	// It runs under wctx, which ends when the lease is lost.
	wctx, stop := b.keepLease(ctx, log, ap.ID, asked)
	switch {
	case act == nil || !act.Available():
		p.Err = actions.Errorf(actions.KindInvalid, "`%s` is not an action this version of oktabot can run", ap.Action)
	case act.Name == auditAction:
		r := b.auditListing(wctx, log, actions.Request{Action: act, Values: values})
		listing = &r
	default:
		// Targets are the Okta ids resolved when it was requested (see
		// requestApproval): it runs on exactly the users approved. (Requests
		// stored before ids were kept hold the targets as typed.)
		req := actions.Request{Action: act, Targets: ap.Targets, Values: values, Password: pw, Reason: ap.Reason}
		log.Info().Str("event", "approval.running").Str("approved_by", ap.DecidedBy).Msg("running an approved request")
		// It runs as the requester's: with their policy roles as they are
		// now (a target may have become an Okta admin since the request).
		// A failed check is a Deny: no admins, no role types.
		d, _ := b.cfg.Auth.Decide(wctx, ap.RequesterID, ap.Action, ap.RequesterChannel)
		p = b.performAs(wctx, log, ap.RequesterID, req, d)
	}
	lost := errors.Is(context.Cause(wctx), errLeaseLost)
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
	status := store.StatusDone
	if p.Err != nil {
		status = store.StatusFailed
	}
	shown := labelled(ap, p) // for people; the audit keeps the ids
	result := blocks.ApprovalResult(shown.Res, shown.Err)
	if listing != nil {
		result = ":white_check_mark: audit records shown to the requester"
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := b.finish(fctx, ap.ID, status, result); err != nil {
		if errors.Is(err, store.ErrNotClaimable) {
			log.Error().Err(err).Msg("the lease lapsed while the request ran and another replica took it over; its result is not recorded here")
			return
		}
		log.Error().Err(err).Msg("could not record the result of an approved request")
	}
	ap.Status, ap.Result = status, result
	b.record(fctx, requests.Transition{Event: requests.EventOutcome, Actor: ap.RequesterID, Channel: ap.RequesterChannel, Approval: &ap, Result: &p})
	b.updateApprovalMessage(fctx, log, ap)
	b.auditLine(act, fmt.Sprintf("%s %s — approved by %s — %s", outcomeMark(p), blocks.AuditRequest(ap), blocks.Mention(ap.DecidedBy), outcomeSummary(p)))
	if listing != nil {
		head := fmt.Sprintf(":white_check_mark: Your request %s was approved by %s:", blocks.RequestLine(ap), blocks.Mention(ap.DecidedBy))
		listing.Blocks = append([]slack.Block{blocks.Section(head)}, listing.Blocks...)
		b.tellRequester(fctx, log, ap, *listing)
		return
	}
	switch {
	case to != nil && to.responseURL != "":
		// The requester ran it with a click: the answer to it reaches
		// them where they are, with its one-time secrets.
		b.respondAll(fctx, log, *to, blocks.ApprovedOutcome(act, ap, shown.Res, shown.Err, b.cfg.OrgURL))
	case to != nil:
		b.tellUser(fctx, log, ap.RequesterID, to.channel, blocks.ApprovedOutcome(act, ap, shown.Res, shown.Err, b.cfg.OrgURL))
	default:
		b.tellRequester(fctx, log, ap, blocks.ApprovedOutcome(act, ap, shown.Res, shown.Err, b.cfg.OrgURL))
	}
	if ap.PublicResult && p.Err == nil {
		b.postPublicResult(fctx, log, act, ap, shown)
	}
}

// postPublicResult posts an approved request's result, without its
// secrets, in the channel it was asked from, as the requester asked with
// --public. A channel the bot cannot post in is reported to the requester.
func (b *Bot) postPublicResult(ctx context.Context, log zerolog.Logger, act *actions.Action, ap store.Approval, p performed) {
	head := fmt.Sprintf("%s's request %s, approved by %s:", blocks.Mention(ap.RequesterID), blocks.RequestLine(ap), blocks.Mention(ap.DecidedBy))
	r, _, _ := blocks.Result(act, p.Res, b.cfg.OrgURL, false)
	r.Blocks = append([]slack.Block{blocks.Section(head)}, r.Blocks...)
	r.Text = blocks.Fallback(head)
	for _, m := range append([]blocks.Reply{r}, r.More...) {
		if _, _, err := b.cfg.Slack.PostMessageContext(ctx, ap.RequesterChannel, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)); err != nil {
			log.Warn().Err(err).Str("channel", ap.RequesterChannel).Msg("could not post an approved request's result in its channel")
			b.tellRequester(ctx, log, ap, blocks.Notice(fmt.Sprintf(":warning: I could not post the result of %s in %s as you asked (is oktabot a member of that channel?); only you have seen it.", blocks.RequestLine(ap), blocks.ChannelRef(ap.RequesterChannel))))
			return
		}
	}
}

// finish records the result, retrying briefly: a result not recorded
// would let a later sweep run the request again.
func (b *Bot) finish(ctx context.Context, id string, status store.Status, result string) error {
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
		err = b.cfg.Store.Finish(ctx, id, b.cfg.Replica, status, result, b.cfg.Now())
		if err == nil || errors.Is(err, store.ErrNotClaimable) || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
			return err
		}
	}
	return err
}

// errLeaseLost is why a running approved request's context is cancelled
// when this replica no longer holds its lease.
var errLeaseLost = errors.New("this replica lost the execution lease")

// keepLease extends this replica's lease on an approval every third of
// Lease until stop is called, and returns the context the work runs under.
// It is cancelled, with cause errLeaseLost, as soon as the lease is lost:
// the store says this replica no longer holds it (it lapsed, and another
// may have claimed it), or it could not be extended before it would lapse
// by this process's own reckoning (Lease after the last successful claim
// or extension was asked for; monotonic time, so no clock is compared).
// The work then stops before its next Okta write.
func (b *Bot) keepLease(ctx context.Context, log zerolog.Logger, id string, asked time.Time) (context.Context, func()) {
	work, cancelWork := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(b.cfg.Lease / 3)
		defer t.Stop()
		lapse := time.NewTimer(time.Until(asked.Add(b.cfg.Lease)))
		defer lapse.Stop()
		for {
			select {
			case <-work.Done():
				return
			case <-lapse.C:
				log.Error().Msg("could not extend the lease on a running approved request before it lapsed")
				cancelWork(errLeaseLost)
				return
			case <-t.C:
				sent := time.Now()
				ectx, cancel := context.WithTimeout(work, b.cfg.Lease/3)
				err := b.cfg.Store.ExtendLease(ectx, id, b.cfg.Replica, b.cfg.Lease)
				cancel()
				switch {
				case err == nil:
					lapse.Reset(time.Until(sent.Add(b.cfg.Lease)))
				case work.Err() != nil:
				case errors.Is(err, store.ErrNotClaimable), errors.Is(err, store.ErrNotFound):
					log.Error().Msg("lost the lease on a running approved request")
					cancelWork(errLeaseLost)
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

// abandon closes an approved request that cannot run (its password is not
// there, or its requester may no longer run it): it is marked failed and
// everyone is told why (its message). tell, when given, is what the
// requester is told instead.
func (b *Bot) abandon(ctx context.Context, log zerolog.Logger, ap store.Approval, why *actions.Error, tell string) {
	claimed, err := b.cfg.Store.Claim(ctx, ap.ID, b.cfg.Replica, b.cfg.Lease)
	if err != nil {
		if !errors.Is(err, store.ErrNotClaimable) {
			log.Error().Err(err).Msg("could not claim an approved request to close it")
		}
		return
	}
	p := performed{Err: why}
	result := blocks.ApprovalResult(p.Res, p.Err)
	if err := b.finish(ctx, claimed.ID, store.StatusFailed, result); err != nil {
		log.Error().Err(err).Msg("could not close an approved request")
		return
	}
	log.Warn().Str("event", "approval.abandoned").Str("reason", why.Message).Msg("closed an approved request that cannot run")
	claimed.Status, claimed.Result = store.StatusFailed, result
	act := b.cfg.Registry.Lookup(claimed.Action)
	b.record(ctx, requests.Transition{Event: requests.EventOutcome, Actor: claimed.RequesterID, Channel: claimed.RequesterChannel, Approval: &claimed, Result: &p})
	b.updateApprovalMessage(ctx, log, claimed)
	b.auditLine(act, fmt.Sprintf(":x: %s — approved by %s — not run: %s", blocks.AuditRequest(claimed), blocks.Mention(claimed.DecidedBy), blocks.Esc(why.Message)))
	if tell == "" {
		tell = fmt.Sprintf(":x: Your request %s was approved, but %s.", blocks.RequestLine(claimed), blocks.Esc(why.Message))
	}
	b.tellRequester(ctx, log, claimed, blocks.Notice(tell))
}

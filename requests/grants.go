package requests

// Time-boxed access: assign-role and add-to-group with --for DURATION.
//
// A grant's life (store.Grants keeps it; every move is a compare-and-set):
//
//	giving ─▶ active ─▶ (its end, or End now / revoke) ─▶ revoking ─▶ revoked
//	  │          └─▶ active (extended: --extend)            │  ▲
//	  └─▶ dropped (Okta gave nothing)                        └──┘ Okta failed: retried, with backoff
//
// The grant is stored before Okta is asked to give the access (after the
// guards and the target's verification), so that nothing oktabot gives
// for a time is ever forgotten, whatever stops it: the sweep removes the
// access at its end. Exactly one replica removes it (ClaimGrant, a lease
// by the database's clock); a removal that fails is retried with backoff
// until it succeeds, and once it is GrantOverdue late the audit channel is
// told, once. Access the user already had is never granted: removing it
// at the end would take away what oktabot did not give. --extend extends
// an active grant of oktabot's instead. With an approval, the grant's
// clock starts when the action runs, not when it was asked.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/store"
)

// Times of a grant's end.
const (
	// GrantWarning: this long before its end, the requester is told, with
	// Extend and End now.
	GrantWarning = 10 * time.Minute
	// GrantOverdue: a grant still not removed this long after its end is
	// told to the audit channel, once.
	GrantOverdue = 5 * time.Minute
	// First and longest wait between two failed removals.
	grantRetryFirst = 30 * time.Second
	grantRetryMax   = 15 * time.Minute
)

// GrantNotifier is how a grant's moves reach people; the Slack edge
// implements it.
type GrantNotifier interface {
	// GrantEnding tells g's requester that it ends soon, with Extend and
	// End now.
	GrantEnding(ctx context.Context, g store.Grant)
	// GrantRevoked tells g's requester and the audit channel that its
	// access was removed (at its end, or ended early by g.EndedBy).
	GrantRevoked(ctx context.Context, g store.Grant)
	// GrantOverdue tells the audit channel that g's access is still there
	// past its end (g.LastError says why), once.
	GrantOverdue(ctx context.Context, g store.Grant)
}

// TimeboxRefusal is why req's --for may not be given under d (the policy's
// max_duration and require_duration), or nil.
func TimeboxRefusal(req actions.Request, d auth.Decision) *actions.Error {
	a := req.Action
	if a == nil || !auth.Timeboxed(a.Name) {
		return nil
	}
	tb, given := d.Timebox, req.Values["for"]
	most := "at most " + auth.DurationText(tb.Max)
	if tb.MaxFrom != "" {
		most += " (max_duration of " + tb.MaxFrom + ")"
	}
	if given == "" {
		switch {
		case req.Bool("extend"):
			return &actions.Error{Kind: actions.KindInvalid, Field: "extend", Message: "--extend extends a time-boxed grant: give --for too, e.g. --for 2h --extend"}
		case tb.Required:
			return &actions.Error{Kind: actions.KindInvalid, Field: "for", Message: fmt.Sprintf(
				"the policy gives %s for a time only (require_duration of %s): add --for, e.g. --for 2h, %s. Nothing was run", a.Name, tb.RequiredBy, most)}
		}
		return nil
	}
	dur, err := auth.ParseGrantDuration(given)
	if err != nil {
		return &actions.Error{Kind: actions.KindInvalid, Field: "for", Message: "--for " + err.Error() + "; nothing was run"}
	}
	if dur > tb.Max {
		return &actions.Error{Kind: actions.KindInvalid, Field: "for", Message: fmt.Sprintf(
			"--for %s is longer than the policy lets you give %s: %s. Nothing was run", given, a.Name, most)}
	}
	return nil
}

// grantFor is the duration of a request's --for, or 0 without one (or one
// TimeboxRefusal refuses).
func grantFor(req actions.Request) time.Duration {
	if req.Action == nil || !auth.Timeboxed(req.Action.Name) || req.Values["for"] == "" {
		return 0
	}
	d, err := auth.ParseGrantDuration(req.Values["for"])
	if err != nil {
		return 0
	}
	return d
}

// Granting returns env with its Timebox set for c's request when it gives
// access for a time (--for): the grants are kept, extended or refused
// here. Without a store, or with a --for it cannot read, it leaves env
// alone, and the action then gives nothing (actions.Timebox).
func (e *Engine) Granting(env actions.Env, c Caller, req actions.Request) actions.Env {
	d := grantFor(req)
	if e.Store == nil || req.Action == nil || !auth.Timeboxed(req.Action.Name) {
		return env
	}
	if d == 0 {
		if req.Values["for"] == "" {
			env.Keep = func(ctx context.Context, a actions.Access, check func() error) (string, error) {
				return e.keep(ctx, c, a, check)
			}
		}
		return env
	}
	extend := req.Bool("extend")
	env.Timebox = &actions.Timebox{
		Held: func(ctx context.Context, a actions.Access) (time.Time, error) {
			return e.extend(ctx, c, a, d, extend)
		},
		Give: func(ctx context.Context, a actions.Access) (time.Time, func(string, error), error) {
			return e.give(ctx, c, req, a, d)
		},
	}
	return env
}

// accessKey is store.Grant.Access of a.
func accessKey(a actions.Access) string {
	if a.Group != nil {
		return store.Grant{GroupID: a.Group.ID}.Access()
	}
	return store.Grant{Role: a.Role}.Access()
}

// heldGrant is the active grant of oktabot's that gave a (which the user
// already has) and that --extend (extend) may extend, or the refusal: a
// grant of access oktabot did not give would take it away at its end.
func (e *Engine) heldGrant(ctx context.Context, a actions.Access, extend bool) (store.Grant, error) {
	g, err := e.Store.LiveGrant(ctx, a.User.ID, accessKey(a))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return g, actions.Errorf(actions.KindConflict,
			"%s already has %s, and not through a grant of oktabot's: a time-boxed grant would take it away at its end, although oktabot did not give it. Nothing was changed", a.User.Login, a.Name())
	case err != nil:
		return g, &actions.Error{Kind: actions.KindUnavailable, Err: err,
			Message: "could not look up oktabot's grants (its database did not answer), so nothing was changed for " + a.User.Login}
	case g.Status != store.GrantActive:
		return g, actions.Errorf(actions.KindConflict,
			"oktabot's grant %s of %s to %s is being %s right now; nothing was changed. Try again in a moment", g.ID, a.Name(), a.User.Login, grantMove(g.Status))
	case !g.EndsAt.After(e.Now()):
		return g, pastEnd(g, a)
	case !extend:
		return g, actions.Errorf(actions.KindConflict,
			"%s already has %s through oktabot's grant %s, %s; add --extend to extend it. Nothing was changed", a.User.Login, a.Name(), g.ID, actions.Until(g.EndsAt))
	}
	return g, nil
}

// extend answers access the user already has: it extends the active grant
// of oktabot's that gave it, when --extend says so (its end becomes d from
// now, or stays if later), and refuses otherwise.
func (e *Engine) extend(ctx context.Context, c Caller, a actions.Access, d time.Duration, extend bool) (time.Time, error) {
	g, err := e.heldGrant(ctx, a, extend)
	if err != nil {
		return time.Time{}, err
	}
	now := e.Now()
	end := now.Add(d)
	if !end.After(g.EndsAt) {
		return g.EndsAt, nil // it already lasts longer
	}
	ext, err := e.Store.ExtendGrant(ctx, g.ID, end, now)
	switch {
	case errors.Is(err, store.ErrNotClaimable):
		return time.Time{}, actions.Errorf(actions.KindConflict,
			"oktabot's grant %s of %s to %s ended as it was being extended; nothing was changed. Ask again for a new grant", g.ID, a.Name(), a.User.Login)
	case err != nil:
		return time.Time{}, &actions.Error{Kind: actions.KindUnavailable, Err: err,
			Message: "could not extend oktabot's grant (its database did not answer), so nothing was changed for " + a.User.Login}
	}
	e.Log.Info().Str("event", string(EventGrantExtended)).Str("grant", g.ID).Time("ends_at", ext.EndsAt).Msg("grant extended")
	e.Record(ctx, Transition{Event: EventGrantExtended, Actor: c.ID, Channel: c.Channel, Grant: &ext,
		Detail: fmt.Sprintf("%s %s (was %s)", a.Name(), actions.Until(ext.EndsAt), actions.Until(g.EndsAt))})
	return ext.EndsAt, nil
}

// pastEnd refuses to extend or keep grant g of a, whose end has come: it
// is over, and its access is being removed (a sweep may not have come yet).
func pastEnd(g store.Grant, a actions.Access) error {
	return actions.Errorf(actions.KindConflict,
		"oktabot's grant %s of %s to %s ended %s, and its access is being removed; nothing was changed. Ask again once it is",
		g.ID, a.Name(), a.User.Login, g.EndsAt.UTC().Format("2006-01-02 15:04 UTC"))
}

// keep makes the grant of oktabot's that gave access a, which c asked to
// give for good (no --for), permanent: its end removes nothing. check
// asks the guards first, as for new access. No grant gave it: "".
func (e *Engine) keep(ctx context.Context, c Caller, a actions.Access, check func() error) (string, error) {
	g, err := e.Store.LiveGrant(ctx, a.User.ID, accessKey(a))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", nil
	case err != nil:
		return "", &actions.Error{Kind: actions.KindUnavailable, Err: err,
			Message: fmt.Sprintf("could not look up oktabot's grants (its database did not answer), so it is not known whether a grant's end takes %s from %s; nothing was changed. Try again", a.Name(), a.User.Login)}
	case g.Status != store.GrantActive:
		return "", actions.Errorf(actions.KindConflict,
			"%s has %s through oktabot's grant %s, which is being %s right now; nothing was changed. Try again in a moment", a.User.Login, a.Name(), g.ID, grantMove(g.Status))
	case !g.EndsAt.After(e.Now()):
		return "", pastEnd(g, a)
	}
	if err := check(); err != nil {
		return "", err
	}
	kept, err := e.Store.KeepGrant(ctx, g.ID, c.ID, e.Now())
	switch {
	case errors.Is(err, store.ErrNotClaimable):
		return "", actions.Errorf(actions.KindConflict,
			"oktabot's grant %s of %s to %s ended as it was being made permanent, and its access is being removed; ask again once it is", g.ID, a.Name(), a.User.Login)
	case err != nil:
		return "", &actions.Error{Kind: actions.KindUnavailable, Err: err,
			Message: fmt.Sprintf("could not make oktabot's grant %s permanent (its database did not answer), so it still ends %s; try again", g.ID, actions.Until(g.EndsAt))}
	}
	e.Log.Info().Str("event", string(EventGrantKept)).Str("grant", g.ID).Msg("grant made permanent")
	e.Record(ctx, Transition{Event: EventGrantKept, Actor: c.ID, Channel: c.Channel, Grant: &kept,
		Detail: fmt.Sprintf("%s kept for good (it was %s)", a.Name(), actions.Until(g.EndsAt))})
	e.GrantNotify.GrantRevoked(context.WithoutCancel(ctx), kept)
	return fmt.Sprintf("oktabot's grant %s, which gave it %s, is now for good: its end removes nothing", g.ID, actions.Until(g.EndsAt)), nil
}

// GrantRefusals is what a time-boxed request (--for) of users (their Okta
// ids, labels beside) would be refused when it runs because a user already
// has the access (heldGrant): asked before it is sent for approval, so that
// nobody approves what cannot run. What cannot be read now is left to the
// run, which asks again.
func (e *Engine) GrantRefusals(ctx context.Context, req actions.Request, users, labels []string) []actions.Outcome {
	if grantFor(req) == 0 || e.Store == nil {
		return nil
	}
	var group *actions.Group
	if req.Action.Name == auth.AddToGroup {
		g, err := actions.FindGroup(ctx, e.Dir, req.Values["group"])
		if err != nil {
			return nil
		}
		group = &g
	}
	var out []actions.Outcome
	for i, id := range users {
		u := actions.User{ID: id, Login: id}
		if i < len(labels) {
			u.Login = labels[i]
		}
		var held []actions.Access
		if group != nil {
			groups, err := e.Dir.ListUserGroups(ctx, id)
			if err == nil && slices.ContainsFunc(groups, func(h actions.Group) bool { return h.ID == group.ID }) {
				held = append(held, actions.Access{User: u, Group: group})
			}
		} else if roles, err := e.Dir.ListRoles(ctx, id); err == nil {
			for _, typ := range req.List("role") {
				if actions.HoldsRole(roles, typ) {
					held = append(held, actions.Access{User: u, Role: strings.ToUpper(typ)})
				}
			}
		}
		for _, a := range held {
			if _, err := e.heldGrant(ctx, a, req.Bool("extend")); err != nil {
				out = append(out, actions.Outcome{Target: u.Login, Err: err})
				break
			}
		}
	}
	return out
}

// grantMove is what a grant that is not active is having done to it.
func grantMove(s store.GrantStatus) string {
	if s == store.GrantGiving {
		return "given"
	}
	return "removed"
}

// give keeps the grant of new access a before Okta is asked to give it,
// and returns its end and settle, which records how giving it went: given
// (active), not given (dropped), or not known, when Okta's answer was not
// seen (kept: whatever Okta gave is removed at its end).
func (e *Engine) give(ctx context.Context, c Caller, req actions.Request, a actions.Access, d time.Duration) (time.Time, func(string, error), error) {
	now := e.Now()
	g := store.Grant{ID: store.NewID(), Action: req.Action.Name, UserID: a.User.ID, UserLabel: UserLabel(a.User),
		Role: a.Role, RequesterID: c.ID, RequesterChannel: c.Channel, Reason: strings.TrimSpace(req.Reason),
		Duration: d, CreatedAt: now, EndsAt: now.Add(d)}
	if a.Group != nil {
		g.Role, g.GroupID, g.GroupName = "", a.Group.ID, a.Group.Name
	}
	switch {
	case c.Approval != nil:
		g.ApprovalID = c.Approval.ID
	case c.Request != nil:
		g.ApprovalID = c.Request.ID // run at once: its request's id
	}
	held, err := e.Store.CreateGrant(ctx, g)
	switch {
	case errors.Is(err, store.ErrGrantHeld):
		return time.Time{}, nil, actions.Errorf(actions.KindConflict,
			"oktabot's grant %s of %s to %s is still on (%s, %s), although Okta does not show the access; nothing was changed. End it first with /okta revoke %s",
			held.ID, a.Name(), a.User.Login, held.Status, actions.Until(held.EndsAt), held.ID)
	case err != nil:
		return time.Time{}, nil, &actions.Error{Kind: actions.KindUnavailable, Err: err,
			Message: fmt.Sprintf("could not keep the grant (oktabot's database did not answer), so %s was not given to %s", a.Name(), a.User.Login)}
	}
	log := e.Log.With().Str("grant", g.ID).Str("action", g.Action).Str("target", g.UserID).Logger()
	settle := func(assignmentID string, werr error) {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if werr != nil && !unseen(werr) {
			if err := e.Store.DropGrant(sctx, g.ID); err != nil {
				log.Error().Err(err).Msg("could not drop a grant Okta did not give; it is removed at its end all the same")
			}
			return
		}
		active, err := e.Store.ActivateGrant(sctx, g.ID, assignmentID, now)
		if err != nil {
			log.Error().Err(err).Msg("could not record that a grant was given; it is removed at its end all the same")
			active = g
		}
		detail := fmt.Sprintf("%s %s", a.Name(), actions.Until(g.EndsAt))
		if werr != nil {
			detail += "; Okta's answer was not seen, so whatever it gave is removed then"
		}
		log.Info().Str("event", string(EventGranted)).Time("ends_at", g.EndsAt).Msg("time-boxed access given")
		e.Record(sctx, Transition{Event: EventGranted, Actor: c.ID, Channel: c.Channel, Grant: &active, Detail: detail})
	}
	return g.EndsAt, settle, nil
}

// unseen reports whether a write's failure leaves it unknown whether Okta
// did it (no answer, or an internal error): its grant is kept, so that
// anything given is removed at its end.
func unseen(err error) bool {
	k := actions.KindOf(err)
	return k == actions.KindUnavailable || k == actions.KindInternal
}

// SweepGrants runs once: the requesters of grants ending within
// GrantWarning are told (each once, by one replica), then every grant due
// is removed by the replica that claims it.
func (e *Engine) SweepGrants(ctx context.Context) {
	if e.Store == nil {
		return
	}
	log := e.Log.With().Str("component", "grants").Logger()
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	ending, err := e.Store.WarnGrants(qctx, e.Now(), GrantWarning)
	cancel()
	if err != nil {
		log.Error().Err(err).Msg("could not look for grants about to end")
	}
	for _, g := range ending {
		// A grant hardly longer than the warning is not warned of: its
		// requester has just been told its end.
		if g.EndsAt.Sub(g.CreatedAt) > GrantWarning+time.Minute {
			e.GrantNotify.GrantEnding(ctx, g)
		}
	}
	qctx, cancel = context.WithTimeout(ctx, 10*time.Second)
	due, err := e.Store.DueGrants(qctx, e.Now())
	cancel()
	if err != nil {
		log.Error().Err(err).Msg("could not look for grants that have ended")
		return
	}
	for _, g := range due {
		if ctx.Err() != nil {
			return
		}
		e.revoke(ctx, g)
	}
}

// Revoked is what became of a grant's removal.
type Revoked int

const (
	// RevokedNow: this call removed the access (or found it gone).
	RevokedNow Revoked = iota
	// RevokeRetrying: Okta failed; it is tried again.
	RevokeRetrying
	// RevokedElsewhere: another caller (a replica) holds or finished it.
	RevokedElsewhere
	// RevokeUnrecorded: the store failed; the next sweep tries again.
	RevokeUnrecorded
)

// revoke claims due grant g and removes its access (revoking → revoked),
// or records why it could not and when it is tried again. Exactly one
// caller removes it.
func (e *Engine) revoke(ctx context.Context, g store.Grant) (store.Grant, Revoked) {
	log := e.Log.With().Str("grant", g.ID).Str("action", g.Action).Str("target", g.UserID).Logger()
	claimed, err := e.Store.ClaimGrant(ctx, g.ID, e.Replica, e.Lease, e.Now())
	switch {
	case errors.Is(err, store.ErrNotClaimable):
		return claimed, RevokedElsewhere
	case err != nil:
		log.Error().Err(err).Msg("could not claim a grant that has ended; the next sweep tries again")
		return g, RevokeUnrecorded
	}
	return e.removeClaimed(ctx, claimed)
}

// removeClaimed removes the access of a grant this replica claimed, and
// records it, or why it could not and when it is tried again.
func (e *Engine) removeClaimed(ctx context.Context, claimed store.Grant) (store.Grant, Revoked) {
	log := e.Log.With().Str("grant", claimed.ID).Str("action", claimed.Action).Str("target", claimed.UserID).Logger()
	// Okta is asked within the lease: a replica that holds it no longer
	// stops before it writes (the removal is idempotent all the same).
	octx, cancel := context.WithTimeout(ctx, e.Lease*2/3)
	changed, result, rerr := e.removeAccess(octx, claimed)
	cancel()
	now := e.Now()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if rerr != nil {
		next := now.Add(retryAfter(claimed.Attempts))
		_, _, why := ErrorFacts(rerr)
		retried, err := e.Store.RetryGrant(fctx, claimed.ID, e.Replica, why, next, now)
		if err != nil {
			log.Error().Err(err).Msg("could not record a failed removal of a grant; it is tried again once the claim lapses")
			retried = claimed
		}
		LogOutcome(log, rerr, "could not remove a grant's access; it is tried again")
		e.Record(fctx, Transition{Event: EventGrantRevoked, Channel: claimed.RequesterChannel, Grant: &retried, Outcome: "failed",
			Err: rerr, Detail: "not removed, tried again " + actions.Until(next)})
		if now.Sub(claimed.EndsAt) >= GrantOverdue {
			if first, err := e.Store.MarkOverdue(fctx, claimed.ID, now); err == nil && first {
				retried.LastError = why
				log.Warn().Str("event", string(EventGrantOverdue)).Msg("a grant's access is still there past its end")
				e.Record(fctx, Transition{Event: EventGrantOverdue, Channel: claimed.RequesterChannel, Grant: &retried,
					Detail: fmt.Sprintf("still there %s after its end: %s", auth.DurationText(now.Sub(claimed.EndsAt).Round(time.Second)), why)})
				e.GrantNotify.GrantOverdue(fctx, retried)
			}
		}
		return retried, RevokeRetrying
	}
	done, err := e.Store.FinishGrant(fctx, claimed.ID, e.Replica, result, now)
	switch {
	case errors.Is(err, store.ErrNotClaimable):
		log.Error().Msg("the claim on a grant lapsed while its access was removed; whoever holds it now records it")
		return done, RevokedElsewhere
	case err != nil:
		log.Error().Err(err).Msg("could not record a grant's removal; it is removed again (harmlessly) once the claim lapses")
		return claimed, RevokeUnrecorded
	}
	outcome := "unchanged"
	if changed {
		outcome = "changed"
	}
	log.Info().Str("event", string(EventGrantRevoked)).Str("outcome", outcome).Str("ended_by", done.EndedBy).Msg("grant ended")
	e.Record(fctx, Transition{Event: EventGrantRevoked, Actor: done.EndedBy, Channel: done.RequesterChannel, Grant: &done, Outcome: outcome, Detail: result})
	e.GrantNotify.GrantRevoked(fctx, done)
	return done, RevokedNow
}

// retryAfter is the wait after the attempts'th failed removal (0 the
// first): 30 s, doubling, at most 15 min.
func retryAfter(attempts int) time.Duration {
	d := grantRetryFirst
	for range min(attempts, 10) {
		d *= 2
	}
	return min(d, grantRetryMax)
}

// removeAccess removes grant g's access in Okta, whatever the requester
// may do now (taking away what oktabot gave needs no one's rights): a role
// by its assignment (found by type when its id was not seen), a membership
// once it is checked. Access already gone is an answer (changed false),
// not a failure.
func (e *Engine) removeAccess(ctx context.Context, g store.Grant) (changed bool, result string, err error) {
	gone := func(err error) bool { return actions.IsKind(err, actions.KindNotFound) }
	if g.GroupID != "" {
		groups, err := e.Dir.ListUserGroups(ctx, g.UserID)
		switch {
		case gone(err):
			return false, g.UserLabel + " is no longer in Okta", nil
		case err != nil:
			return false, "", err
		case !slices.ContainsFunc(groups, func(h actions.Group) bool { return h.ID == g.GroupID }):
			return false, g.UserLabel + " was no longer in " + g.GroupName, nil
		}
		switch err := e.Dir.RemoveGroupMember(ctx, g.GroupID, g.UserID); {
		case gone(err):
			return false, g.GroupName + " or " + g.UserLabel + " is no longer in Okta", nil
		case err != nil:
			return false, "", err
		}
		return true, "removed " + g.UserLabel + " from " + g.GroupName, nil
	}
	id := g.AssignmentID
	if id == "" {
		roles, err := e.Dir.ListRoles(ctx, g.UserID)
		switch {
		case gone(err):
			return false, g.UserLabel + " is no longer in Okta", nil
		case err != nil:
			return false, "", err
		}
		for _, r := range roles {
			if strings.EqualFold(r.Type, g.Role) && (r.AssignmentType == "" || r.AssignmentType == "USER") {
				id = r.ID
			}
		}
		if id == "" {
			return false, g.UserLabel + " no longer had " + g.Role, nil
		}
	}
	switch err := e.Dir.UnassignRole(ctx, g.UserID, id); {
	case gone(err):
		return false, g.UserLabel + " no longer had " + g.Role, nil
	case err != nil:
		return false, "", err
	}
	return true, "removed " + g.Role + " from " + g.UserLabel, nil
}

// Ended is what became of ending a grant early.
type Ended int

const (
	// EndedNow: its access was removed.
	EndedNow Ended = iota
	// EndRetrying: ended, but Okta failed; it is tried again.
	EndRetrying
	// EndNotActive: it was not active (being given, already ending or
	// ended); nothing changed.
	EndNotActive
	// EndFailed: the store failed; nothing changed.
	EndFailed
	// EndRefused: the caller may not end it; the refusal is recorded.
	EndRefused
	// EndUnchecked: the policy could not be checked; nothing changed.
	EndUnchecked
	// EndRedelivered: the command's delivery was handled already
	// (Proceed); nothing changed, and nothing is to be said.
	EndRedelivered
)

// EndGrant ends grant g now for by (End now, /okta revoke), in channel:
// its requester may always; anyone else only when the policy lets them
// run revoke. Its access is removed at once (revoke); a removal that
// fails goes on as at any grant's end.
func (e *Engine) EndGrant(ctx context.Context, by, channel string, g store.Grant) (store.Grant, Ended, error) {
	if by != g.RequesterID {
		d, err := e.Auth.Decide(auth.Fresh(ctx), by, auth.RevokeAction, channel)
		switch {
		case err != nil:
			return g, EndUnchecked, err
		case d.Verdict == auth.Deny:
			e.Record(ctx, Transition{Event: EventRefused, Actor: by, Channel: channel, Request: &actions.Request{Action: e.Registry.Lookup(auth.RevokeAction)},
				Detail: "not allowed to end others' grants by the policy"})
			if !e.Proceed(ctx) {
				return g, EndRedelivered, nil // the refusal's record found it handled
			}
			return g, EndRefused, nil
		}
	}
	// A command's delivery is claimed before the grant: a redelivered
	// revoke ends nothing, and never takes the claim from the delivery
	// that ends it (whose records would then be dropped as a
	// redelivery's).
	if !e.Proceed(ctx) {
		return g, EndRedelivered, nil
	}
	// Ended and claimed in one move: its removal is this call's.
	ended, err := e.Store.EndGrant(ctx, g.ID, by, e.Replica, e.Lease, e.Now())
	switch {
	case errors.Is(err, store.ErrNotClaimable):
		return ended, EndNotActive, nil
	case err != nil:
		e.Log.Error().Err(err).Str("grant", g.ID).Msg("could not end a grant")
		return g, EndFailed, err
	}
	e.Log.Info().Str("event", "grant.ended").Str("grant", g.ID).Str("user", by).Msg("grant ended early")
	done, r := e.removeClaimed(ctx, ended)
	if r == RevokedNow {
		return done, EndedNow, nil
	}
	// Okta failed (it is retried), or the store did after the removal:
	// it is removed as any ended grant is.
	return done, EndRetrying, nil
}

// GrantUser is the Okta user --user of /okta grants names (a login, an
// email, an @mention), or why none is.
func (e *Engine) GrantUser(ctx context.Context, typed string) (string, error) {
	a := &actions.Action{Name: auth.GrantsAction, Targets: actions.UserTargets}
	ids, _, failed := e.ResolveUsers(ctx, actions.Env{Dir: e.Dir, Now: e.Now}, a, []string{typed})
	switch {
	case len(failed) > 0:
		return "", failed[0].Err
	case len(ids) != 1:
		return "", actions.Errorf(actions.KindNotFound, "no Okta user is %q", typed)
	}
	return ids[0], nil
}

// MaySeeAllGrants reports whether caller may list everyone's grants (the
// policy lets them run grants); their own they may always see.
func (e *Engine) MaySeeAllGrants(ctx context.Context, caller, channel string) (bool, error) {
	d, err := e.Auth.Decide(ctx, caller, auth.GrantsAction, channel)
	return err == nil && d.Verdict != auth.Deny, err
}

// ExtendRequest is the request the Extend button of grant g makes: the
// same access to the same user for the same time, as an extension, under
// the same rules as any request (its approval included).
func ExtendRequest(reg *actions.Registry, g store.Grant) (actions.Request, error) {
	text := fmt.Sprintf("%s %s --for %s --extend", g.Action, g.UserID, auth.DurationText(g.Duration))
	if g.GroupID != "" {
		text += " --group " + g.GroupID
	} else {
		text += " --role " + g.Role
	}
	p, err := reg.Parse(text)
	if err != nil {
		return actions.Request{}, err
	}
	p.Request.Reason = g.Reason
	if p.Request.Reason == "" {
		p.Request.Reason = "extending grant " + g.ID
	}
	return p.Request, nil
}

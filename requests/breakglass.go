package requests

// While a request waits, and when nobody answers: its approvers are
// reminded once after the rule's remind_after; after the rule's
// break_glass wait its requester, when a member of the break_glass roles,
// is offered to break glass: to run it at once without approval, saying
// why. It runs exactly as an approved request does (Claim, lease, Finish),
// never on an Okta admin and never for role assignment; the approvers are
// told loudly, and one of them (never the requester) reviews it
// afterwards; until then they are reminded daily.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/store"
)

// ReviewEvery is how often approvers are reminded of a break-glass run
// nobody has reviewed yet.
const ReviewEvery = 24 * time.Hour

// WaitNotifier tells people what happens while a request waits, and after
// its requester broke glass.
type WaitNotifier interface {
	// Remind reminds pending ap's approvers, once, that it still waits
	// for them (the rule's remind_after).
	Remind(ctx context.Context, ap store.Approval)
	// OfferBreakGlass offers pending ap's requester to break glass on it
	// (the rule's break_glass).
	OfferBreakGlass(ctx context.Context, ap store.Approval)
	// BrokeGlass tells ap's approvers, loudly, and its requester that its
	// requester broke glass on it; it runs next.
	BrokeGlass(ctx context.Context, ap store.Approval)
	// Reviewed tells ap's requester (and the audit channel) that an
	// approver reviewed their break-glass run.
	Reviewed(ctx context.Context, ap store.Approval)
	// Unreviewed reminds approvers of the break-glass runs nobody has
	// reviewed yet (every ReviewEvery).
	Unreviewed(ctx context.Context, aps []store.Approval)
}

// waitsOf are the reminder and break-glass times of a request made at now
// under rule.
func waitsOf(rule *auth.ApprovalRule, action string, now time.Time) store.Waits {
	var w store.Waits
	if rule.RemindAfter > 0 {
		w.RemindAt = now.Add(rule.RemindAfter)
	}
	if rule.BreakGlass != nil && !slices.Contains(auth.NoBreakGlass, action) {
		w.BreakGlassAt = now.Add(rule.BreakGlass.After)
	}
	return w
}

// refusal is a refused attempt at breaking glass or reviewing: recorded
// (why, for the audit) and answered (tell, for the person).
func (e *Engine) refusal(ctx context.Context, actor, channel string, ap store.Approval, why string, tell *actions.Error) (Decided, error) {
	e.Record(ctx, Transition{Event: EventDecisionRefused, Actor: actor, Channel: channel, Approval: &ap, Detail: why})
	return DecisionRefused, tell
}

// MayBreakGlass checks, before the break-glass form opens and again when
// it is submitted (never trusting the button), that requester may break
// glass on ap now: it is their own pending request, the policy's rule for
// its action allows break_glass (CheckBreakGlass: never for role
// assignment; they are a member of its roles, asked of Slack afresh, and
// may still run the action) and it has waited the rule's break_glass time.
// A refusal is recorded; its error (an *actions.Error) says why, for the
// requester. Its targets are checked when it is submitted (BreakGlass).
func (e *Engine) MayBreakGlass(ctx context.Context, requester, channel string, ap store.Approval) (Decided, error) {
	refuse := func(why string, format string, args ...any) (Decided, error) {
		return e.refusal(ctx, requester, channel, ap, why, actions.Errorf(actions.KindForbidden, format, args...))
	}
	if requester != ap.RequesterID {
		return refuse("only the requester may break glass", "only the person who asked may break glass on their request. Nothing was run")
	}
	if ap.Status != store.StatusPending {
		return DecisionAlreadyDecided, nil
	}
	if !e.Now().Before(ap.ExpiresAt) {
		return DecisionExpired, nil // reported by whoever expires it
	}
	bg := e.Auth.Policy().BreakGlassFor(ap.Action)
	switch {
	case bg == nil && slices.Contains(auth.NoBreakGlass, ap.Action):
		return refuse("break glass never applies to role assignment", "break glass never applies to role assignment (%s). Nothing was run; it still waits for an approver", ap.Action)
	case bg == nil:
		return refuse("the policy does not allow break glass for the action", "the policy does not allow break glass for %s. Nothing was run; it still waits for an approver", ap.Action)
	case lostDevice(e.Auth.Policy(), ap):
		return refuse("break glass never stands in for a lost device's push", "this request says its targets' device is lost, so no Okta Verify push can prove the accounts are theirs; only an approver's approval may stand in for it, and break glass never stands in for a push. Nothing was run; it still waits for an approver")
	case ap.BreakGlassAt.IsZero():
		return refuse("requested before its rule allowed break glass", "this request was made before the policy allowed break glass for %s. Nothing was run; it still waits for an approver (or ask again)", ap.Action)
	}
	from := ap.BreakGlassAt
	if t := ap.CreatedAt.Add(bg.After); t.After(from) {
		from = t // the rule's wait grew since it was made
	}
	if now := e.Now(); now.Before(from) {
		return refuse("too early to break glass", "it is too early to break glass: a request waits %s for an approver first, so you may break glass from %s (in %s). Nothing was run",
			DurationText(bg.After), from.UTC().Format("15:04 MST"), DurationText(from.Sub(now).Round(time.Second)))
	}
	switch chk, err := CheckBreakGlass(ctx, e.Auth, ap); chk {
	case Unchecked:
		return DecisionUnchecked, err
	case ApproverRefused:
		return refuse("not in the break_glass roles", "only members of %s may break glass on their requests for %s. Nothing was run; it still waits for an approver", strings.Join(bg.Roles, ", "), ap.Action)
	case RequesterRefused:
		return refuse("requester no longer allowed to run the action", "you may no longer run %s under the current policy. Nothing was run", ap.Action)
	}
	return DecisionMade, nil
}

// BreakGlass is requester's break-glass on pending ap, with reason
// (pending approval → broken glass), checked again as MayBreakGlass
// checks it, and refused when one of its targets is an Okta admin: of any
// number of break-glass clicks, approvals, denials and
// replicas, the store lets exactly one decision win. The winner tells the
// approvers and runs it at once, through the path approved work takes
// (RunApproved), or, when its requester has a step to take first, asks
// them for it.
func (e *Engine) BreakGlass(ctx context.Context, requester, channel string, ap store.Approval, reason string) (Decided, store.Approval, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		d, err := e.refusal(ctx, requester, channel, ap, "no reason given", actions.Errorf(actions.KindInvalid, "say why you break glass. Nothing was run"))
		return d, ap, err
	}
	if d, err := e.MayBreakGlass(ctx, requester, channel, ap); d != DecisionMade {
		return d, ap, err
	}
	if r := e.adminTargets(ctx, ap); r != nil {
		d, err := e.refusal(ctx, requester, channel, ap, "break glass never applies to Okta admins", r)
		return d, ap, err
	}
	if r := e.StepUp(ctx, requester, channel, ap, ClickBreakGlass); r != nil {
		return DecisionStepUpRefused, ap, r
	}
	decided, err := e.Store.BreakGlass(ctx, ap.ID, requester, reason, e.Now())
	switch {
	case errors.Is(err, store.ErrTooEarly):
		d, err := e.refusal(ctx, requester, channel, ap, "too early to break glass", actions.Errorf(actions.KindForbidden, "it is too early to break glass on this request. Nothing was run"))
		return d, ap, err
	case errors.Is(err, store.ErrNotRequester):
		d, err := e.refusal(ctx, requester, channel, ap, "only the requester may break glass", actions.Errorf(actions.KindForbidden, "only the person who asked may break glass on this request. Nothing was run"))
		return d, ap, err
	default:
		if d, ok := e.lost(ctx, decided, err); ok {
			return d, decided, err
		}
	}
	e.Log.Warn().Str("event", "approval.break_glass").Str("approval_id", ap.ID).Str("user", requester).Msg("requester broke glass: running without approval")
	e.Record(ctx, Transition{Event: EventBrokeGlass, Actor: requester, Channel: channel, Approval: &decided, Detail: reason})
	e.Notify.Changed(ctx, decided)
	e.Notify.BrokeGlass(ctx, decided)
	if step := StepOf(e.Registry.Lookup(decided.Action), decided.Params); step != NoStep {
		e.Notify.Ask(ctx, decided, step)
		return DecisionMade, decided, nil
	}
	e.RunApproved(ctx, decided, actions.Secret{}, nil)
	return DecisionMade, decided, nil
}

// adminTargets refuses to break glass on a request that would act on an
// Okta admin: a target who holds an Okta admin role, or a group that
// grants one (add-to-group, remove-from-group). It fails closed. The run
// checks again (RunAs).
func (e *Engine) adminTargets(ctx context.Context, ap store.Approval) *actions.Error {
	act := e.Registry.Lookup(ap.Action)
	if act == nil {
		return nil
	}
	refused := func(format string, args ...any) *actions.Error {
		return actions.Errorf(actions.KindForbidden, format+"; break glass never applies to Okta admins. Nothing was run; it still waits for an approver", args...)
	}
	if act.Targets == actions.UserTargets {
		for i, id := range ap.Targets {
			who := id
			if len(ap.TargetLabels) == len(ap.Targets) && ap.TargetLabels[i] != "" {
				who = ap.TargetLabels[i]
			}
			roles, err := e.Dir.ListRoles(ctx, id)
			if err != nil {
				return &actions.Error{Kind: actions.KindOf(err), Err: err, Message: fmt.Sprintf("I could not check whether %s holds Okta admin roles (%s); break glass never applies to Okta admins, so nothing was run. Please try again", who, messageOf(err))}
			}
			if len(roles) > 0 {
				return refused("%s holds Okta admin roles (%s)", who, strings.Join(roleTypesOf(roles), ", "))
			}
		}
	}
	if changesMembers(act) {
		g, err := actions.FindGroup(ctx, e.Dir, ap.Params["group"])
		if err != nil {
			return &actions.Error{Kind: actions.KindOf(err), Err: err, Message: fmt.Sprintf("I could not check whether the group %s grants Okta admin roles (%s); break glass never applies to Okta admins, so nothing was run. Please try again", ap.Params["group"], messageOf(err))}
		}
		roles, err := e.Dir.ListGroupRoles(ctx, g.ID)
		if err != nil {
			return &actions.Error{Kind: actions.KindOf(err), Err: err, Message: fmt.Sprintf("I could not check whether the group %s grants Okta admin roles (%s); break glass never applies to Okta admins, so nothing was run. Please try again", g.Name, messageOf(err))}
		}
		if len(roles) > 0 {
			return refused("the group %s grants Okta admin roles (%s) to its members", g.Name, strings.Join(roleTypesOf(roles), ", "))
		}
	}
	return nil
}

// Review is reviewer's review of ap, a request its requester broke glass
// on: a member of its rule's approver roles now (CheckDecider), never its
// requester, once.
func (e *Engine) Review(ctx context.Context, reviewer, channel string, ap store.Approval) (Decided, store.Approval, error) {
	if !ap.BrokenGlass {
		d, err := e.refusal(ctx, reviewer, channel, ap, "review of a request that did not break glass", actions.Errorf(actions.KindInvalid, "this request did not break glass; there is nothing to review. Nothing was changed"))
		return d, ap, err
	}
	if reviewer == ap.RequesterID {
		e.Record(ctx, Transition{Event: EventDecisionRefused, Actor: reviewer, Channel: channel, Approval: &ap, Detail: "requester cannot review their own break-glass run"})
		return DecisionOwnRequest, ap, nil
	}
	switch chk, err := CheckDecider(ctx, e.Auth, reviewer, ap); chk {
	case Unchecked:
		return DecisionUnchecked, ap, err
	case ApproverRefused:
		e.Record(ctx, Transition{Event: EventDecisionRefused, Actor: reviewer, Channel: channel, Approval: &ap, Detail: "not an approver"})
		return DecisionNotApprover, ap, nil
	}
	if ap.ReviewedBy != "" {
		return DecisionAlreadyDecided, ap, nil // no push for what is done
	}
	if r := e.StepUp(ctx, reviewer, channel, ap, ClickReview); r != nil {
		return DecisionStepUpRefused, ap, r
	}
	reviewed, err := e.Store.Review(ctx, ap.ID, reviewer, e.Now())
	switch {
	case errors.Is(err, store.ErrAlreadyDecided):
		return DecisionAlreadyDecided, reviewed, err
	case errors.Is(err, store.ErrSelfApproval):
		return DecisionOwnRequest, reviewed, err
	case err != nil:
		e.Log.Error().Err(err).Str("approval_id", ap.ID).Msg("could not record a review")
		return DecisionFailed, ap, err
	}
	e.Log.Info().Str("event", "approval.reviewed").Str("approval_id", ap.ID).Str("user", reviewer).Msg("break-glass run reviewed")
	e.Record(ctx, Transition{Event: EventReviewed, Actor: reviewer, Channel: channel, Approval: &reviewed, Detail: "break glass by " + reviewed.RequesterID + " reviewed"})
	e.Notify.Changed(ctx, reviewed)
	e.Notify.Reviewed(ctx, reviewed)
	return DecisionMade, reviewed, nil
}

// sweepWaits sends what is due of the requests that wait (Sweep): the
// approvers' reminders, the requesters' offers to break glass (to members
// of the rule's break_glass roles, asked of Slack afresh; when Slack does
// not answer, it is offered, and a click checks again), and the daily
// reminder of break-glass runs nobody reviewed. A request that acts on an
// Okta admin is not offered (when Okta cannot say, it is, and breaking
// glass checks again). The store reports each to one replica.
func (e *Engine) sweepWaits(ctx context.Context, log zerolog.Logger) {
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	due, err := e.Store.RemindDue(qctx, e.Now())
	cancel()
	if err != nil {
		log.Error().Err(err).Msg("could not check pending approvals for reminders")
	}
	for _, ap := range due {
		e.Record(ctx, Transition{Event: EventReminded, Channel: ap.ApprovalChannel, Approval: &ap, Detail: "still waiting since " + ap.CreatedAt.UTC().Format(time.RFC3339)})
		e.Notify.Remind(ctx, ap)
	}

	qctx, cancel = context.WithTimeout(ctx, 10*time.Second)
	offers, err := e.Store.OfferBreakGlassDue(qctx, e.Now())
	cancel()
	if err != nil {
		log.Error().Err(err).Msg("could not check pending approvals for break-glass offers")
	}
	for _, ap := range offers {
		alog := log.With().Str("approval_id", ap.ID).Str("action", ap.Action).Logger()
		bg := e.Auth.Policy().BreakGlassFor(ap.Action)
		if bg == nil {
			alog.Info().Msg("the policy no longer allows break glass for this request; not offered")
			continue
		}
		in, err := e.Auth.InRoles(auth.Fresh(ctx), ap.RequesterID, bg.Roles)
		switch {
		case !in && err == nil:
			alog.Info().Str("user", ap.RequesterID).Msg("the requester is not in the rule's break_glass roles; break glass not offered")
			continue
		case !in:
			alog.Warn().Err(err).Msg("could not check the requester's break_glass roles; offering break glass, which checks again when used")
		}
		if lostDevice(e.Auth.Policy(), ap) {
			alog.Info().Msg("the request says its targets' device is lost, which only an approval stands in for; break glass not offered")
			continue
		}
		if r := e.adminTargets(ctx, ap); r != nil && r.Kind == actions.KindForbidden {
			alog.Info().Str("reason", r.Message).Msg("the request acts on an Okta admin; break glass not offered")
			continue
		}
		e.Record(ctx, Transition{Event: EventBreakGlassOffered, Channel: ap.RequesterChannel, Approval: &ap, Detail: "offered to " + ap.RequesterID})
		e.Notify.OfferBreakGlass(ctx, ap)
	}

	qctx, cancel = context.WithTimeout(ctx, 10*time.Second)
	unreviewed, err := e.Store.UnreviewedDue(qctx, e.Now(), ReviewEvery)
	cancel()
	if err != nil {
		log.Error().Err(err).Msg("could not check break-glass runs for review reminders")
	}
	if len(unreviewed) > 0 {
		log.Info().Int("unreviewed", len(unreviewed)).Msg("reminding approvers of break-glass runs nobody reviewed")
		e.Notify.Unreviewed(ctx, unreviewed)
	}
}

// lostDevice reports whether ap says its targets' device is lost
// (--device-lost) under a verify rule: only an approver's approval stands
// in for their push (fallback: approval), and break glass is no approval
// (Verify), so it is never offered nor allowed on ap.
func lostDevice(p *auth.Policy, ap store.Approval) bool {
	return ap.Params[DeviceLostParam] == "true" && p.VerifyFor(ap.Action) != nil
}

// roleTypesOf are the types of Okta roles, each once, in order.
func roleTypesOf(roles []actions.Role) []string {
	var types []string
	for _, r := range roles {
		if !slices.Contains(types, r.Type) {
			types = append(types, r.Type)
		}
	}
	return types
}

package requests

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/store"
)

// Event names an audit record: a move in a request's life, or a refused
// attempt at one.
type Event string

const (
	// EventRefused: received → refused.
	EventRefused Event = "request.refused"
	// EventAllowed: received → running, with no approval needed.
	EventAllowed Event = "request.allowed"
	// EventRequested: received → pending approval.
	EventRequested Event = "approval.requested"
	// EventApproved: pending approval → approved.
	EventApproved Event = "approval.approved"
	// EventDenied: pending approval → denied (or withdrawn).
	EventDenied Event = "approval.denied"
	// EventExpired: pending approval → expired.
	EventExpired Event = "approval.expired"
	// EventBrokeGlass: pending approval → broken glass, by its requester
	// (Detail: their reason).
	EventBrokeGlass Event = "approval.break_glass"
	// EventReviewed: an approver reviewed a broken-glass request.
	EventReviewed Event = "approval.reviewed"
	// EventReminded: a pending request's approvers were reminded of it
	// (the rule's remind_after).
	EventReminded Event = "approval.reminded"
	// EventBreakGlassOffered: a pending request's requester was offered
	// to break glass (the rule's break_glass).
	EventBreakGlassOffered Event = "approval.break_glass_offered"
	// EventDecisionRefused: a click on a stored request that was not let
	// through (not an approver, not the requester, a forged button, the
	// policy changed); the request's state is unchanged, unless the
	// refusal closes it (then an EventOutcome follows).
	EventDecisionRefused Event = "approval.refused"
	// EventOutcome: running → done | failed, or approved → failed (closed
	// unrun): one record per target.
	EventOutcome Event = "outcome"
	// EventVerified: verifying → running, for one target whose proof of
	// ownership the policy's verify rule wants (its outcome: approved,
	// rejected, timed out, no push factor, failed). Never the number or
	// the push's transaction.
	EventVerified Event = "verify.push"
	// EventStepUp: a click on a stored request (approve, deny, run),
	// proven or not with its clicker's own Okta Verify push (Engine.StepUp;
	// its outcome as a verification's, or "no okta account"). Never the
	// number or the push's transaction.
	EventStepUp Event = "approval.step_up"
	// EventGranted: time-boxed access was given (grants.go): one record
	// per grant, its end time in its params.
	EventGranted Event = "grant.given"
	// EventGrantExtended: a grant's end moved later (--extend).
	EventGrantExtended Event = "grant.extended"
	// EventGrantRevoked: a grant's access was removed (outcome changed),
	// found gone (unchanged), or could not be removed this time (failed:
	// it is tried again).
	EventGrantRevoked Event = "grant.revoked"
	// EventGrantKept: a grant was made permanent (its end removes
	// nothing) by a request without --for for the access it gave.
	EventGrantKept Event = "grant.kept"
	// EventGrantOverdue: a grant's access is still there well past its
	// end (recorded once, and told to the audit channel).
	EventGrantOverdue Event = "grant.overdue"
)

// Transition is one move in a request's life (or a refused attempt at
// one), as the audit keeps it. Exactly one of Request (a request not
// stored: a direct one, or one refused before it was) and Approval (a
// stored request) is set.
type Transition struct {
	Event   Event
	Actor   string // Slack user id of who made it happen; "" for the bot
	Channel string // where it happened
	// Request is the request as it was asked, for a request not stored.
	Request *actions.Request
	// Approval is the stored request.
	Approval *store.Approval
	// Typed are the targets as the requester typed them, beside the Okta
	// ids an approval holds (EventRequested).
	Typed []string
	// Result is what running it did (EventOutcome).
	Result *Performed
	// Detail says why (a refusal, a denial) or adds what the event alone
	// does not say.
	Detail string
	// Target and Outcome are the one target (its Okta id) and what became
	// of it (EventVerified, EventGrantRevoked).
	Target, Outcome string
	// Grant is the time-boxed grant a grant event is about; Err why its
	// removal failed (EventGrantRevoked).
	Grant *store.Grant
	Err   error
}

// ContextParam is the audit parameter (and stored request parameter)
// that holds the request's context: the permalink of the Slack message
// whose people it acts on (actions.Request.Context).
const ContextParam = "context"

// Performed is an action's result, or the error that stopped it as a
// whole.
type Performed struct {
	Res actions.Result
	Err error
}

// Records are the audit records of a transition: one, or for an outcome
// one per target (or one for a request that failed as a whole or has no
// targets). It is the one place an audit record is made. Nothing a person
// typed is kept of a refused request (it may hold a password they should
// not have typed, or mention people who must not be notified): only who,
// where, the action, why, and how many targets it named. No record holds a
// secret: a Password parameter is never among a request's values, and a
// one-time secret is recorded only as having been given.
func Records(t Transition) []store.AuditRecord {
	base := store.AuditRecord{Event: string(t.Event), Actor: t.Actor, Channel: t.Channel, Detail: t.Detail}
	var act *actions.Action
	switch {
	case t.Approval != nil:
		ap := t.Approval
		base.Action, base.Targets, base.ApprovalID = ap.Action, ap.Targets, ap.ID
		base.Params = approvalParams(t.Event, *ap)
	case t.Request != nil && t.Request.Action != nil:
		act = t.Request.Action
		base.Action = act.Name
		if t.Event != EventRefused {
			base.ApprovalID = t.Request.ID
			base.Targets = t.Request.Targets
			base.Params = RequestParams(act, t.Request.Values, t.Request.Reason)
			if t.Request.Context != "" {
				base.Params[ContextParam] = t.Request.Context
			}
		}
	}
	if t.Grant != nil {
		return []store.AuditRecord{grantRecord(base, t)}
	}
	switch t.Event {
	case EventRefused:
		if t.Request != nil {
			if n := len(t.Request.Targets); n > 0 {
				base.Detail += fmt.Sprintf(" (%s named, not recorded)", plural(n, "target", "targets"))
			}
		}
		return []store.AuditRecord{base}
	case EventRequested:
		if t.Approval != nil && len(t.Approval.TargetLabels) > 0 {
			base.Params["targets_as_typed"] = strings.Join(t.Typed, " ")
			base.Params["target_labels"] = strings.Join(t.Approval.TargetLabels, "; ")
		}
		return []store.AuditRecord{base}
	case EventVerified, EventStepUp:
		base.Targets, base.Target, base.Outcome = nil, t.Target, t.Outcome
		return []store.AuditRecord{base}
	case EventOutcome:
		base.Params = nil
		p := Performed{}
		if t.Result != nil {
			p = *t.Result
		}
		return outcomeRecords(base, p)
	}
	return []store.AuditRecord{base}
}

// grantRecord is the one record of a grant event: the grant's access, its
// user as target, its end and who asked for it in its params.
func grantRecord(base store.AuditRecord, t Transition) store.AuditRecord {
	g := t.Grant
	base.Action, base.Targets, base.Target, base.ApprovalID = g.Action, nil, g.UserID, g.ApprovalID
	base.Outcome = t.Outcome
	base.Params = map[string]string{
		"grant":     g.ID,
		"ends_at":   g.EndsAt.UTC().Format(time.RFC3339),
		"for":       auth.DurationText(g.Duration),
		"requester": g.RequesterID,
		"login":     g.UserLabel,
	}
	if g.GroupID != "" {
		base.Params["okta_group_id"], base.Params["group"] = g.GroupID, g.GroupName
	} else {
		base.Params["role"] = g.Role
	}
	if g.EndedBy != "" {
		base.Params["ended_by"] = g.EndedBy
	}
	if g.Reason != "" {
		base.Params["reason"] = g.Reason
	}
	if t.Err != nil {
		var detail string
		base.ErrorKind, base.OktaRequestID, detail = ErrorFacts(t.Err)
		if base.Detail != "" {
			detail = base.Detail + ": " + detail
		}
		base.Detail = detail
	}
	return base
}

// approvalParams are what the audit keeps of a stored request's
// parameters: its values (never a secret: a store.Approval holds none),
// its reason, and, after it was requested, who requested it.
func approvalParams(e Event, ap store.Approval) map[string]string {
	params := map[string]string{}
	for k, v := range ap.Params {
		params[k] = v
	}
	if ap.Reason != "" {
		params["reason"] = ap.Reason
	}
	if e != EventRequested && ap.RequesterID != "" {
		params["requester"] = ap.RequesterID
	}
	return params
}

// outcomeRecords are the records of a request that ran (or was closed
// unrun): one per target, each with Okta's request id when Okta refused
// it; one when it failed as a whole or had no targets. A per-target record
// names its own target only: the request's record (and a stored request)
// keeps the whole list, so the trail grows with the number of targets,
// not with its square.
func outcomeRecords(base store.AuditRecord, p Performed) []store.AuditRecord {
	if p.Err != nil {
		r := base
		r.Outcome = "failed"
		r.ErrorKind, r.OktaRequestID, r.Detail = ErrorFacts(p.Err)
		return []store.AuditRecord{r}
	}
	if len(p.Res.Outcomes) == 0 {
		r := base
		r.Outcome = "done"
		switch {
		case p.Res.Whoami != nil:
			r.Detail = "Okta answered"
		case p.Res.Users != nil || base.Action == "list-users":
			r.Detail = plural(p.Res.ListedUsers(), "user listed", "users listed")
		case p.Res.Providers != nil || base.Action == "list-providers":
			r.Detail = plural(len(p.Res.Providers), "identity provider listed", "identity providers listed")
		}
		return []store.AuditRecord{r}
	}
	out := make([]store.AuditRecord, 0, len(p.Res.Outcomes))
	for _, o := range p.Res.Outcomes {
		r := base
		r.Targets, r.Target = nil, o.Target
		switch {
		case o.Err != nil:
			r.Outcome = "failed"
			r.ErrorKind, r.OktaRequestID, r.Detail = ErrorFacts(o.Err)
			if o.Done != "" {
				r.Detail = o.Done + "; then: " + r.Detail
			}
		case o.Changed:
			r.Outcome, r.Detail = "changed", o.Done
		default:
			r.Outcome, r.Detail = "unchanged", o.Done
		}
		if o.User != nil {
			r.Params = map[string]string{"okta_user_id": o.User.ID, "login": o.User.Login}
		} else if o.Group != nil {
			r.Params = map[string]string{"okta_group_id": o.Group.ID, "group": o.Group.Name}
		}
		if !o.Secret.IsZero() {
			r.Detail += "; " + o.SecretLabel + " given to the requester only"
		}
		out = append(out, r)
	}
	return out
}

// ErrorFacts are what the audit keeps of an error: its kind, Okta's
// request id and the user-facing message (never the underlying error,
// which may carry request details).
func ErrorFacts(err error) (kind, requestID, detail string) {
	var e *actions.Error
	if !errors.As(err, &e) {
		return actions.KindInternal.String(), "", "internal error (see the log)"
	}
	detail = e.Message
	if detail == "" {
		detail = e.Kind.String()
	}
	if e.Code != "" {
		detail += " (Okta " + e.Code + ")"
	}
	return e.Kind.String(), e.RequestID, detail
}

// plural is "1 user" or "3 users".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

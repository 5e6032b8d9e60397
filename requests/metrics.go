package requests

import (
	"time"

	"oktabot/metrics"
	"oktabot/store"
)

// count counts an audit record in the metrics (Append, whoever made the
// record): a request's moves, the approvals decided, each target's
// outcome. A request's own outcome is countOutcome's.
func (e *Engine) count(r store.AuditRecord) {
	m := e.Metrics
	switch Event(r.Event) {
	case EventRefused:
		m.Request(r.Action, metrics.Refused)
	case EventAllowed:
		m.Request(r.Action, metrics.Allowed)
	case EventRequested:
		m.Request(r.Action, metrics.NeedsApproval)
	case EventApproved:
		m.Decision(r.Action, "approved")
	case EventDenied:
		m.Decision(r.Action, "denied")
	case EventExpired:
		m.Decision(r.Action, "expired")
	case EventBrokeGlass:
		m.Decision(r.Action, "broke_glass")
	case EventVerified:
		m.Verify(metrics.VerifyTarget, r.Outcome)
	case EventStepUp:
		m.Verify(metrics.VerifyStepUp, r.Outcome)
	case EventGranted:
		m.Grant(r.Action, "given")
	case EventGrantExtended:
		m.Grant(r.Action, "extended")
	case EventGrantRevoked:
		if r.Outcome == "failed" {
			m.Grant(r.Action, "revoke_failed")
		} else {
			m.Grant(r.Action, "revoked")
		}
	case EventGrantKept:
		m.Grant(r.Action, "kept")
	case EventGrantOverdue:
		m.Grant(r.Action, "overdue")
	case EventOutcome:
		if r.Target != "" {
			m.Target(r.Action, r.Outcome)
		}
	}
}

// countOutcome counts a request that ran, or was closed unrun, once
// however many targets (and so records) it had: done, or failed as a
// whole.
func (e *Engine) countOutcome(t Transition) {
	if t.Event != EventOutcome {
		return
	}
	e.Metrics.Request(transitionAction(t), outcomeOf(t.Result))
}

// timed observes how long a request ran, from start to its result p.
func (e *Engine) timed(action string, p Performed, start time.Time) {
	e.Metrics.RequestDuration(action, outcomeOf(&p), time.Since(start))
}

func outcomeOf(p *Performed) string {
	if p != nil && p.Err != nil {
		return metrics.Failed
	}
	return metrics.Done
}

// transitionAction is the name of the action a transition is about.
func transitionAction(t Transition) string {
	switch {
	case t.Approval != nil:
		return t.Approval.Action
	case t.Request != nil && t.Request.Action != nil:
		return t.Request.Action.Name
	}
	return ""
}

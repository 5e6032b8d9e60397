package requests

import (
	"strings"
	"time"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/store"
)

// FormNeeded reports whether a command must open the action's form instead
// of going on: a required value is missing, or an approval rule requires a
// reason that was not given (the form asks for it). A request that waits
// for approval is not asked for its password now: the password is asked
// for after approval, so that the store never holds it.
func FormNeeded(parsed actions.Parsed, decision auth.Decision) bool {
	a := parsed.Request.Action
	approval := decision.Verdict == auth.NeedsApproval
	for _, m := range parsed.Missing {
		if p := a.Param(m); approval && p != nil && p.Type == actions.Password {
			continue
		}
		return true
	}
	return approval && ReasonMissing(decision.Rule, parsed.Request.Reason)
}

// AsksReason reports whether an action's form has a reason field: every
// writing action's does, and any action's whose approval rule requires one.
func AsksReason(a *actions.Action, rule *auth.ApprovalRule) bool {
	return a.Writes || (rule != nil && rule.RequireReason)
}

// ReasonMissing reports whether rule requires a reason that was not given.
func ReasonMissing(rule *auth.ApprovalRule, reason string) bool {
	return rule != nil && rule.RequireReason && strings.TrimSpace(reason) == ""
}

// StoredParams are a request's parameters as an approval keeps them:
// every value, never a Password parameter.
func StoredParams(a *actions.Action, values map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range values {
		if p := a.Param(k); p != nil && p.Type == actions.Password {
			continue
		}
		out[k] = v
	}
	return out
}

// RequestParams are a request's parameters for the audit: its values
// (never a password) and its reason.
func RequestParams(a *actions.Action, values map[string]string, reason string) map[string]string {
	out := map[string]string{}
	if a != nil {
		out = StoredParams(a, values)
	}
	if reason = strings.TrimSpace(reason); reason != "" {
		out["reason"] = reason
	}
	return out
}

// PasswordParam is the action's Password parameter, or nil.
func PasswordParam(a *actions.Action) *actions.Param {
	if a == nil {
		return nil
	}
	for i := range a.Params {
		if a.Params[i].Type == actions.Password {
			return &a.Params[i]
		}
	}
	return nil
}

// Step is what the requester of an approved request does before it runs,
// if anything.
type Step int

const (
	// NoStep: the request runs as soon as it is approved.
	NoStep Step = iota
	// PasswordStep: the requester types the password (never stored).
	PasswordStep
	// CollectStep: the run returns one-time secrets for the requester,
	// which Slack can show only to someone present (an ephemeral message
	// to an absent user is lost): the requester runs it with a click and
	// gets them in the answer to that click.
	CollectStep
)

// StepOf says what the requester of an approved request of act with
// params does before it runs.
func StepOf(act *actions.Action, params map[string]string) Step {
	switch {
	case PasswordParam(act) != nil:
		return PasswordStep
	case act != nil && act.ReturnsSecrets(params):
		return CollectStep
	}
	return NoStep
}

// RuleOf is the rule a stored request is decided under: the policy's rule
// for its action now, or, if the policy no longer has one, the approver
// roles recorded with the request.
func RuleOf(p *auth.Policy, ap store.Approval) *auth.ApprovalRule {
	if p != nil {
		if r := p.RuleFor(ap.Action); r != nil {
			return r
		}
	}
	return &auth.ApprovalRule{Actions: []string{ap.Action}, Approvers: ap.ApproverRoles, Channel: ap.ApprovalChannel}
}

// StartWindow is how long after its approval an approved request may
// start: the requester's step (typing the password, running it) or its
// recovery after a restart. It is as long as the rule lets a request wait
// for approval.
func StartWindow(p *auth.Policy, action string) time.Duration {
	if p != nil {
		if r := p.RuleFor(action); r != nil && r.ExpireAfter > 0 {
			return r.ExpireAfter
		}
	}
	return auth.DefaultExpireAfter
}

// Late reports whether an approved request can no longer start at now.
func Late(p *auth.Policy, ap store.Approval, now time.Time) bool {
	return !now.Before(ap.DecidedAt.Add(StartWindow(p, ap.Action)))
}

package auth

import (
	"fmt"
	"slices"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// DefaultVerifyTimeout is how long a verification waits for the target's
// answer when its rule gives no timeout.
const DefaultVerifyTimeout = 2 * time.Minute

// MaxVerifyTimeout is the longest a verification may wait: Okta Verify
// push transactions expire after five minutes.
const MaxVerifyTimeout = 5 * time.Minute

// VerifyPush is the one verification method: an Okta Verify push with
// number matching, sent to the target user.
const VerifyPush = "push"

// FallbackApproval: a target without a usable push factor goes through the
// action's approval rule instead (reset-factors only).
const FallbackApproval = "approval"

// FallbackAction is the one action a fallback may be given for: the
// person whose factors are reset has usually lost their device.
const FallbackAction = "reset-factors"

// VerifyRule says that the actions it lists run on a user only once that
// user proved, on their own device, that they are the account's owner.
type VerifyRule struct {
	Actions  []string      // action names
	Method   string        // VerifyPush
	Timeout  time.Duration // how long the target has to answer
	Fallback string        // "" or FallbackApproval (reset-factors only)
	Line     int           // line of the rule in the policy file
}

// Covers reports whether the rule applies to action.
func (r *VerifyRule) Covers(action string) bool { return slices.Contains(r.Actions, action) }

// FallsBackToApproval reports whether action, on a target without a usable
// push factor, goes through its approval rule instead of being refused.
func (r *VerifyRule) FallsBackToApproval(action string) bool {
	return r != nil && r.Fallback == FallbackApproval && action == FallbackAction
}

func (r VerifyRule) clone() *VerifyRule {
	r.Actions = slices.Clone(r.Actions)
	return &r
}

// VerifyRules returns a copy of the verify rules in file order.
func (p *Policy) VerifyRules() []VerifyRule {
	out := make([]VerifyRule, len(p.verify))
	for i, r := range p.verify {
		out[i] = *r.clone()
	}
	return out
}

// VerifyFor returns a copy of the verify rule covering action, or nil when
// the action runs without the target's proof.
func (p *Policy) VerifyFor(action string) *VerifyRule {
	if p == nil || !p.known[action] {
		return nil
	}
	for i := range p.verify {
		if p.verify[i].Covers(action) {
			return p.verify[i].clone()
		}
	}
	return nil
}

func (c *checker) verifyRules(p *Policy, e *entry) {
	rules := c.ruleList(e, "verify", "actions and method")
	coveredBy := map[string]int{} // action → index into p.verify
	for i, n := range rules {
		what := fmt.Sprintf("verify rule %d", i+1)
		line := lineOf(n)
		fields, ok := c.mapping(n, what, line, "a mapping with actions, method, timeout and fallback", []string{"actions", "method", "timeout", "fallback"})
		if !ok {
			continue
		}
		if len(fields) > 0 {
			line = fields[0].line
		}
		rule := VerifyRule{Method: VerifyPush, Timeout: DefaultVerifyTimeout, Line: line}
		var acts []item
		var badActions bool
		fallbackLine := 0
		for _, fe := range fields {
			switch fe.key {
			case "actions":
				acts, badActions = c.list(fe.value, what+": actions", fe.line)
			case "method":
				if s, ok := c.str(fe.value, what+": method", fe.line); ok {
					if s != VerifyPush {
						c.errorf(fe.line, "%s: method %q is not known; the one method is %q (an Okta Verify push with number matching)", what, s, VerifyPush)
					}
				}
			case "timeout":
				rule.Timeout = c.verifyTimeout(fe, what)
			case "fallback":
				if s, ok := c.str(fe.value, what+": fallback", fe.line); ok {
					if s != FallbackApproval {
						c.errorf(fe.line, "%s: fallback %q is not known; the one fallback is %q", what, s, FallbackApproval)
					} else {
						rule.Fallback, fallbackLine = s, fe.line
					}
				}
			}
		}
		if len(acts) == 0 && !badActions {
			c.errorf(line, "%s has no actions", what)
		}
		idx := len(p.verify)
		for _, a := range acts {
			if a.value == Wildcard {
				c.errorf(a.line, "%s: \"*\" is not allowed here; list the actions whose targets must prove who they are", what)
				continue
			}
			if !c.checkAction(a, what) {
				continue
			}
			if j, ok := coveredBy[a.value]; ok {
				c.errorf(a.line, "%s: action %q is already in verify rule %d (line %d); an action may be in one verify rule only", what, a.value, j+1, p.verify[j].Line)
				continue
			}
			coveredBy[a.value] = idx
			rule.Actions = append(rule.Actions, a.value)
		}
		if rule.Fallback != "" {
			for _, a := range rule.Actions {
				if a != FallbackAction {
					c.errorf(fallbackLine, "%s: fallback: approval is for %s only (its targets have usually lost their device), and this rule also lists %q; give %s a rule of its own", what, FallbackAction, a, FallbackAction)
					break
				}
			}
		}
		p.verify = append(p.verify, rule)
	}
}

func (c *checker) verifyTimeout(fe entry, what string) time.Duration {
	what += ": timeout"
	if !c.plain(fe.value, what) {
		return DefaultVerifyTimeout
	}
	s, ok := fe.value.(*ast.StringNode)
	var d time.Duration
	var err error
	if ok {
		d, err = time.ParseDuration(s.Value)
	}
	switch {
	case !ok || err != nil:
		c.errorf(fe.line, "%s %s is not a duration such as 2m or 90s (a unit is required)", what, describe(fe.value))
	case d <= 0:
		c.errorf(fe.line, "%s %q must be positive", what, s.Value)
	case d > MaxVerifyTimeout:
		c.errorf(fe.line, "%s %q is longer than %v, after which Okta expires a push", what, s.Value, MaxVerifyTimeout)
	default:
		return d
	}
	return DefaultVerifyTimeout
}

// verifyWarnings: a verify rule with fallback: approval whose action no
// approval rule covers cannot fall back: its targets without a usable push
// factor are refused.
func (p *Policy) verifyWarnings() []string {
	var out []string
	for _, r := range p.verify {
		if r.Fallback == FallbackApproval && r.Covers(FallbackAction) && p.RuleFor(FallbackAction) == nil {
			out = append(out, fmt.Sprintf("%s:%d: fallback: approval cannot work: no approval rule covers %s, so its targets without a usable Okta Verify push factor (or with --device-lost) are refused; add %s to an approval rule",
				p.file, r.Line, FallbackAction, FallbackAction))
		}
	}
	return out
}

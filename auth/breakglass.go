package auth

import (
	"context"
	"slices"
	"strings"
	"time"
)

// BreakGlass lets the requester of a request nobody decided on run it
// without approval once it has waited After, when they are a member of one
// of Roles: an accountable way out for on-call when no approver answers.
// It never applies to role assignment (refused when the policy is read) nor
// to Okta admin targets (refused when it is used).
type BreakGlass struct {
	After time.Duration // how long a request waits before its requester may break glass
	Roles []string      // the roles whose members may break glass on their own requests
	Line  int
}

// NoBreakGlass are the actions break_glass never applies to: every Okta
// role is an admin role, and granting one is how an attacker stays.
var NoBreakGlass = []string{AssignRole, UnassignRole}

// BreakGlassFor is the break_glass of the approval rule covering action,
// or nil when it has none (or the action may never break glass).
func (p *Policy) BreakGlassFor(action string) *BreakGlass {
	r := p.RuleFor(action)
	if r == nil || r.BreakGlass == nil || slices.Contains(NoBreakGlass, action) {
		return nil
	}
	return r.BreakGlass
}

// waits reads an approval rule's remind_after and break_glass, once the
// rest of it is known: both must come before the rule's expire_after, and
// break_glass may not cover role assignment.
func (c *checker) waits(p *Policy, rule *ApprovalRule, what string, remind, breakGlass *entry) {
	if remind != nil {
		if d, ok := c.positiveDuration(*remind, what+": remind_after"); ok {
			if d >= rule.ExpireAfter {
				c.errorf(remind.line, "%s: remind_after %v is not before the rule's expire_after (%v): the request would expire first", what, d, rule.ExpireAfter)
			} else {
				rule.RemindAfter = d
			}
		}
	}
	if breakGlass == nil {
		return
	}
	what += ": break_glass"
	fields, ok := c.mapping(breakGlass.value, what, breakGlass.line, "a mapping with after and roles, e.g. {after: 15m, roles: [oncall]}", []string{"after", "roles"})
	if !ok {
		return
	}
	bg := &BreakGlass{Line: breakGlass.line}
	valid, hasAfter := true, false
	var roles []item
	var badRoles bool
	for _, fe := range fields {
		switch fe.key {
		case "after":
			hasAfter = true
			d, ok := c.positiveDuration(fe, what+": after")
			switch {
			case !ok:
				valid = false
			case d >= rule.ExpireAfter:
				c.errorf(fe.line, "%s: after %v is not before the rule's expire_after (%v): the request would expire first", what, d, rule.ExpireAfter)
				valid = false
			default:
				bg.After = d
			}
		case "roles":
			roles, badRoles = c.list(fe.value, what+": roles", fe.line)
		}
	}
	if !hasAfter {
		c.errorf(breakGlass.line, "%s has no after: say how long a request waits before its requester may break glass, e.g. after: 15m", what)
		valid = false
	}
	if len(roles) == 0 && !badRoles {
		c.errorf(breakGlass.line, "%s has no roles: list the roles whose members may break glass on their own requests", what)
	}
	for _, r := range roles {
		if p.byName[r.value] == nil {
			c.errorf(r.line, "%s: role %q is not a role of this policy", what, r.value)
			continue
		}
		bg.Roles = append(bg.Roles, r.value)
	}
	var forbidden []string
	for _, a := range NoBreakGlass {
		if rule.Covers(a) {
			forbidden = append(forbidden, a)
		}
	}
	if len(forbidden) > 0 {
		c.errorf(breakGlass.line, "%s never applies to role assignment (%s): every Okta role is an admin role; give %s an approval rule of its own, without break_glass",
			what, strings.Join(forbidden, ", "), strings.Join(forbidden, " and "))
		valid = false
	}
	if valid && len(bg.Roles) > 0 {
		rule.BreakGlass = bg
	}
}

// InRoles reports whether user is a member of one of roles (policy role
// names) in the policy in force, directly or through a user group. Under
// Fresh, user groups are asked of Slack. When the answer is false because
// a lookup failed, the error says so.
func (a *Authorizer) InRoles(ctx context.Context, user string, roles []string) (bool, error) {
	if user == "" {
		return false, nil
	}
	p := a.Policy()
	l := a.lookup()
	for _, name := range roles {
		if r := p.byName[name]; r != nil && l.isMember(ctx, user, r) {
			return true, nil
		}
	}
	return false, l.err()
}

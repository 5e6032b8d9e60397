package auth

import (
	"fmt"
	"sort"
	"strings"
)

// StepUpPush is an approval rule's one step-up: a decision (Approve, Deny,
// the requester's Run it now or password) counts only once its clicker
// approves an Okta Verify push with number matching on their own device.
const StepUpPush = VerifyPush

// NeedsStepUp reports whether decisions under the rule need the clicker's
// Okta Verify push.
func (r *ApprovalRule) NeedsStepUp() bool { return r != nil && r.StepUp == StepUpPush }

// OktaLogin is the Okta login the policy's people: map gives a Slack user
// (U… or W…), if any: who they are in Okta, whatever their Slack profile
// says.
func (p *Policy) OktaLogin(user string) (string, bool) {
	if p == nil {
		return "", false
	}
	login, ok := p.people[user]
	return login, ok
}

// PersonOf is the Slack user the policy's people: map gives Okta login
// to (compared without case), if any: that account is theirs alone.
func (p *Policy) PersonOf(login string) (string, bool) {
	if p == nil {
		return "", false
	}
	for u, l := range p.people {
		if strings.EqualFold(l, login) {
			return u, true
		}
	}
	return "", false
}

// stepUp reads an approval rule's step_up.
func (c *checker) stepUp(fe entry, what string) string {
	s, ok := c.str(fe.value, what+": step_up", fe.line)
	if !ok {
		return ""
	}
	if s != StepUpPush {
		c.errorf(fe.line, "%s: step_up %q is not known; the one step-up is %q (the clicker approves an Okta Verify push with number matching)", what, s, StepUpPush)
		return ""
	}
	return s
}

// people reads the top-level people: map, Slack user id → Okta login. One
// Okta login belongs to one Slack user: two people who prove a decision
// with one Okta account would be one person approving their own request.
func (c *checker) people(p *Policy, e *entry) {
	entries, ok := c.mapping(e.value, "people", e.line, "a mapping of Slack user id (U…/W…) to Okta login", nil)
	if !ok {
		return
	}
	p.people = map[string]string{}
	owner := map[string]entry{} // lower-cased login → the entry that has it
	for _, pe := range entries {
		what := fmt.Sprintf("people: %s", pe.key)
		if !IsUserID(pe.key) {
			c.errorf(pe.line, "people: %q is not a Slack user id (U…/W…); the map is Slack user id: Okta login", pe.key)
			continue
		}
		login, ok := c.str(pe.value, what, pe.line)
		if !ok {
			continue
		}
		login = strings.TrimSpace(login)
		if login == "" || strings.ContainsAny(login, " \t,") {
			c.errorf(pe.line, "%s: %q is not an Okta login; give the login exactly (alice@corp.com)", what, login)
			continue
		}
		if first, dup := owner[strings.ToLower(login)]; dup {
			c.errorf(pe.line, "%s: Okta login %q is already %s's (line %d); one Okta account is one person", what, login, first.key, first.line)
			continue
		}
		owner[strings.ToLower(login)] = pe
		p.people[pe.key] = login
	}
}

// People lists the people: map as "U…: login" lines, sorted by Slack id.
func (p *Policy) People() []string {
	out := make([]string, 0, len(p.people))
	for u, l := range p.people {
		out = append(out, u+": "+l)
	}
	sort.Strings(out)
	return out
}

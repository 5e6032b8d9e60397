package auth

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Warnings lists what in the policy is valid but cannot work as its author
// meant, as "file:line: problem" lines to log at start. Today: an approval
// rule whose only possible approver is a single person who may also request
// what the rule covers: nobody approves their own request, so that person's
// requests would wait until they expire; and a verify rule whose fallback
// has no approval rule to go through (verifyWarnings).
//
// Members given as Slack user groups are counted as more than one person:
// their membership is known only at decision time.
func (p *Policy) Warnings() []string {
	var out []string
	for _, rule := range p.rules {
		approvers := map[string]bool{}
		groups := false
		for _, name := range rule.Approvers {
			r := p.byName[name]
			if r == nil {
				continue
			}
			for u := range r.users {
				approvers[u] = true
			}
			groups = groups || len(r.groups) > 0
		}
		if groups || len(approvers) != 1 {
			continue
		}
		var only string
		for u := range approvers {
			only = u
		}
		var stuck []string
		for _, a := range p.ruleActions(&rule) {
			for _, r := range p.roles {
				if r.users[only] && r.allows(a) {
					stuck = append(stuck, a)
					break
				}
			}
		}
		if len(stuck) == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%s:%d: %s's requests for %s can never be approved: %s is the rule's only approver, and nobody approves their own request; add another approver",
			p.file, rule.Line, only, listWords(stuck), only))
	}
	return append(out, p.verifyWarnings()...)
}

// ruleActions are the known actions a rule covers, sorted.
func (p *Policy) ruleActions(rule *ApprovalRule) []string {
	var out []string
	for a := range p.known {
		if rule.Covers(a) {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// listWords joins at most five words with commas, then "and N more".
func listWords(words []string) string {
	const show = 5
	if len(words) <= show {
		return strings.Join(words, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(words[:show], ", "), len(words)-show)
}

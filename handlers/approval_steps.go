package handlers

import (
	"strings"

	"oktabot/auth"
	"oktabot/blocks"
	"oktabot/store"
)

// labelled is an approved request's result for people: each target's
// outcome named by the approval's label for it (blocks.LabelOutcomes)
// rather than by the Okta id it ran on. The audit keeps the ids (p
// itself).
func labelled(ap store.Approval, p performed) performed {
	if p.err != nil {
		return p
	}
	p.res.Outcomes = blocks.LabelOutcomes(ap, p.res.Outcomes)
	return p
}

// reasonMissing reports whether rule requires a reason that was not given.
func reasonMissing(rule *auth.ApprovalRule, reason string) bool {
	return rule != nil && rule.RequireReason && strings.TrimSpace(reason) == ""
}

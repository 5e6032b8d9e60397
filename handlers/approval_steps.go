package handlers

import (
	"oktabot/blocks"
	"oktabot/store"
)

// labelled is an approved request's result for people: each target's
// outcome named by the approval's label for it (blocks.LabelOutcomes)
// rather than by the Okta id it ran on. The audit keeps the ids (p
// itself).
func labelled(ap store.Approval, p performed) performed {
	if p.Err != nil {
		return p
	}
	p.Res.Outcomes = blocks.LabelOutcomes(ap, p.Res.Outcomes)
	return p
}

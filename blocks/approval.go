package blocks

import (
	"fmt"

	"oktabot/store"
)

// ApprovalTargetRefs are an approval's targets for people: the label of
// the Okta user each was resolved to when it was requested, or, for a
// request stored without labels (group targets, or stored before labels
// were kept), each target as typed. Labels are Okta's text, so they are
// shown as code: a name cannot format or mention anything.
func ApprovalTargetRefs(a store.Approval) []string {
	labelled := len(a.TargetLabels) == len(a.Targets)
	refs := make([]string, len(a.Targets))
	for i, t := range a.Targets {
		if labelled && a.TargetLabels[i] != "" {
			refs[i] = Code(a.TargetLabels[i])
		} else {
			refs[i] = TargetRef(t)
		}
	}
	return refs
}

// ApprovalTargets is an approval's targets in one line, the first show of
// them named.
func ApprovalTargets(a store.Approval, show int) string {
	refs := ApprovalTargetRefs(a)
	return summarize(refs[:min(len(refs), show)], len(refs))
}

// RequestLine is one line about what an approval asks for.
func RequestLine(a store.Approval) string {
	return fmt.Sprintf("%s on %s", Code(a.Action), ApprovalTargets(a, 5))
}

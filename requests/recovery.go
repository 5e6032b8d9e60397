package requests

import (
	"fmt"
	"strings"
	"time"

	"oktabot/auth"
	"oktabot/store"
)

// Recovery is what becomes of approved work found with nobody running it
// (a replica stopped between approval and execution, or during it).
type Recovery int

const (
	// Wait: it waits for its requester's step, within its start window.
	Wait Recovery = iota
	// Resume: it may start (or resume) now, once its approval is checked
	// again as a fresh approval is (CheckApproval).
	Resume
	// Close: it is closed unrun; Why says why.
	Close
)

// Recover decides what becomes of approved work ap found left behind at
// now, as a fresh approval would be decided: work that needs its
// requester's step runs only with them there (the password exists only in
// their form, the one-time links only in the answer to their click), and
// nothing starts later than its rule's expire_after after its approval.
// why, for Close, is what the requester and the audit are told.
func Recover(p *auth.Policy, step Step, ap store.Approval, now time.Time) (r Recovery, why string) {
	window := StartWindow(p, ap.Action)
	late := Late(p, ap, now)
	running := ap.Status == store.StatusRunning
	if step != NoStep {
		switch {
		case !running && !late:
			return Wait, ""
		case !running && step == CollectStep:
			return Close, "it was not run in time after approval; nothing was sent to Okta"
		case !running:
			return Close, "the new password was not typed in time after approval; nothing was sent to Okta"
		case step == CollectStep:
			return Close, "interrupted while it ran (a replica stopped); whether Okta acted, and so whether earlier links still work, is unknown — check the users and ask again"
		default:
			return Close, "interrupted while it ran (a replica stopped); whether Okta set the password is unknown — check the users and ask again"
		}
	}
	switch {
	case !late:
		return Resume, ""
	case running:
		return Close, fmt.Sprintf("it was interrupted while it ran (a replica stopped) and not resumed within %s of its approval (the rule's expire_after), so it was closed; some of its targets may have been changed — check them and ask again", DurationText(window))
	default:
		return Close, fmt.Sprintf("it was not started within %s of its approval (the rule's expire_after), so it was closed unrun; nothing was sent to Okta", DurationText(window))
	}
}

// DurationText is d as people write it: "1h", "90m" → "1h30m", "45s".
func DurationText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

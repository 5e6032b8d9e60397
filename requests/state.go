package requests

import (
	"fmt"
	"slices"

	"oktabot/store"
)

// State is where a request is in its life.
type State string

const (
	// Received: a person asked; nothing is decided yet.
	Received State = "received"
	// Refused: the policy, a guard or a limit said no. Final.
	Refused State = "refused"
	// NeedsForm: a required value (or the rule's reason) is missing; the
	// request goes on when its form is submitted, as a new request.
	NeedsForm State = "needs form"
	// PendingApproval: stored, waiting for an approver.
	PendingApproval State = "pending approval"
	// Approved: approved; waiting to run (or for its requester's step).
	Approved State = "approved"
	// Denied: an approver denied it, or its requester withdrew it. Final.
	Denied State = "denied"
	// Expired: nobody decided in time. Final.
	Expired State = "expired"
	// Verifying: its targets prove, each on their own device, that they
	// own the account, before the action runs on them (the policy's
	// verify rule). A stored request keeps its lease meanwhile; a target
	// that does not prove it is that target's failure.
	Verifying State = "verifying"
	// Running: claimed by one replica, running against Okta.
	Running State = "running"
	// Done: it ran; each target's outcome is in the audit. Final.
	Done State = "done"
	// Failed: it failed as a whole, or was closed unrun. Final.
	Failed State = "failed"
	// BrokenGlass: nobody decided in time, and its requester, allowed by
	// the rule's break_glass, ran it without approval, saying why; it runs
	// as an approved request does, and an approver reviews it afterwards
	// (EventReviewed, at any state after this one).
	BrokenGlass State = "broken glass"
)

// moves lists, for each state, the states a request may move to from it.
// The access a done request gave for a time (--for) lives on as grants,
// whose own moves are grants.go's.
var moves = map[State][]State{
	Received:        {Refused, NeedsForm, PendingApproval, Verifying, Running},
	NeedsForm:       {Received},
	PendingApproval: {Approved, Denied, Expired, BrokenGlass},
	Approved:        {Verifying, Running, Failed},
	BrokenGlass:     {Verifying, Running, Failed},
	Verifying:       {Running, Failed},
	Running:         {Done, Failed, Approved, BrokenGlass},
}

// CanMove reports whether a request may move from one state to another.
func CanMove(from, to State) bool { return slices.Contains(moves[from], to) }

// Final reports whether nothing more happens to a request in state s.
func (s State) Final() bool { return len(moves[s]) == 0 }

// Move checks a move, for the code that makes it: an error names a move
// the lifecycle does not have.
func Move(from, to State) error {
	if !CanMove(from, to) {
		return fmt.Errorf("requests: a request cannot move from %s to %s", from, to)
	}
	return nil
}

// StateOf is the state of a stored request (an approval) of this status.
func StateOf(s store.Status) State {
	switch s {
	case store.StatusPending:
		return PendingApproval
	case store.StatusApproved:
		return Approved
	case store.StatusRunning:
		return Running
	case store.StatusDone:
		return Done
	case store.StatusFailed:
		return Failed
	case store.StatusDenied:
		return Denied
	case store.StatusExpired:
		return Expired
	}
	return Received
}

// StateOfApproval is the state of a stored request: StateOf its status,
// but BrokenGlass for one whose requester broke glass that is not running
// or finished yet.
func StateOfApproval(ap store.Approval) State {
	if ap.BrokenGlass && ap.Status == store.StatusApproved {
		return BrokenGlass
	}
	return StateOf(ap.Status)
}

package store

import (
	"context"
	"errors"
	"time"
)

// Time-boxed access (assign-role and add-to-group with --for). A grant is
// stored before Okta is asked to give the access, so that access oktabot
// gave is never forgotten, whatever stops the bot; at its end it is
// claimed by one replica and removed:
//
//	giving ──ActivateGrant──▶ active ──(EndsAt passes)──▶ due
//	  │ └──DropGrant (nothing was given)      │   └──EndGrant (ended and claimed)──┐
//	  │                                       ExtendGrant (a new EndsAt)          │
//	  └───────────(due at EndsAt)──┐                                              │
//	                               ▼                                              ▼
//	due ──ClaimGrant──▶ revoking ──FinishGrant──▶ revoked
//	                      │  ▲
//	      RetryGrant ─────┘  └── ClaimGrant again at NextAttempt
//	      (Okta failed)          (or once a dead owner's lease lapsed)
//
// Every move is one compare-and-set statement on one grant, as for
// approvals: of any number of replicas exactly one claims a due grant, and
// only the holder of the claim may finish or release it. At most one live
// grant (giving, active or revoking) exists per user and access.

// GrantStatus is where a grant is in its life.
type GrantStatus string

const (
	// GrantGiving: stored; Okta is being asked to give the access.
	GrantGiving GrantStatus = "giving"
	// GrantActive: given; it ends at EndsAt.
	GrantActive GrantStatus = "active"
	// GrantRevoking: claimed by Owner to remove the access, or waiting
	// for NextAttempt after a failed removal.
	GrantRevoking GrantStatus = "revoking"
	// GrantRevoked: the access was removed (or found gone). Final.
	GrantRevoked GrantStatus = "revoked"
)

// GivingLapse is how long after a grant was stored (giving) no replica
// can still be giving it: a request runs for minutes at most, so one
// still giving this long after was left by a replica that stopped before
// it saw Okta's answer. EndGrant may then end it early.
const GivingLapse = time.Hour

// KeptResult is the Result of a grant made permanent (KeepGrant).
const KeptResult = "kept for good: nothing was removed"

// Kept reports whether g ended by being made permanent (KeepGrant): its
// access stays.
func (g Grant) Kept() bool { return g.Status == GrantRevoked && g.Result == KeptResult }

// Live reports whether a grant in status s still holds (or may hold) its
// access.
func (s GrantStatus) Live() bool {
	return s == GrantGiving || s == GrantActive || s == GrantRevoking
}

// Grant is access oktabot gave for a time: an Okta admin role type
// (assign-role) or a group membership (add-to-group).
type Grant struct {
	// ID is opaque and unguessable (NewID): the Extend and End now
	// buttons carry it, and /okta revoke takes it.
	ID     string
	Action string // assign-role or add-to-group
	// UserID is the Okta user given the access; UserLabel names them for
	// people.
	UserID    string
	UserLabel string
	// Role is the role type given (assign-role); AssignmentID is Okta's id
	// of the assignment once it was made ("" when Okta's answer was not
	// seen: the revocation finds it by type).
	Role         string
	AssignmentID string
	// GroupID and GroupName are the group (add-to-group).
	GroupID   string
	GroupName string

	RequesterID      string // Slack user id who asked for it
	RequesterChannel string // where they asked
	// ApprovalID is the id of the request that gave it: the approval it
	// ran under, or a request that ran at once (no stored approval has
	// that id); its audit records share it.
	ApprovalID string
	Reason     string
	// Duration is how long it was asked for (--for).
	Duration time.Duration

	Status    GrantStatus
	CreatedAt time.Time // when it was given (stored just before)
	EndsAt    time.Time

	// WarnedAt: the requester was told it is about to end (once per end
	// time: ExtendGrant clears it).
	WarnedAt time.Time
	// EndedBy: who ended it before its time (EndGrant); "" when it ran
	// its course.
	EndedBy string
	// Attempts counts failed removals; NextAttempt is when the next may
	// start, LastError why the last one failed (no secret).
	Attempts    int
	NextAttempt time.Time
	LastError   string
	// OverdueAt: the audit channel was told it is overdue (MarkOverdue,
	// once per end time).
	OverdueAt time.Time
	RevokedAt time.Time
	Result    string // what the removal did, for people

	Owner      string    // the replica removing it (ClaimGrant)
	LeaseUntil time.Time // by the database's clock
	UpdatedAt  time.Time
}

// Access names the access a grant gives, one key per user: "role:TYPE"
// or "group:ID".
func (g Grant) Access() string {
	if g.GroupID != "" {
		return "group:" + g.GroupID
	}
	return "role:" + g.Role
}

// GrantFilter selects grants for ListGrants. Zero fields do not filter.
type GrantFilter struct {
	RequesterID string
	UserID      string
	ApprovalID  string // the grants given by one request
	// Live: only grants that hold (or may hold) their access.
	Live  bool
	Limit int // <= 0 or more than MaxGrantList: MaxGrantList
}

// MaxGrantList is the most grants one ListGrants call returns.
const MaxGrantList = 500

// ErrGrantHeld: CreateGrant found a live grant of the same access for the
// same user; the grant that holds it comes with it.
var ErrGrantHeld = errors.New("store: a live grant already holds this access")

// Grants is the persistence of time-boxed access.
type Grants interface {
	// CreateGrant stores a new grant in status giving. g.ID, Action,
	// UserID, RequesterID, CreatedAt and EndsAt (after CreatedAt) are
	// required, and exactly one of Role and GroupID. ErrExists if the id
	// is taken; ErrGrantHeld (with that grant) if a live grant of the same
	// access for the same user exists.
	CreateGrant(ctx context.Context, g Grant) (Grant, error)
	// GetGrant returns the grant, or ErrNotFound.
	GetGrant(ctx context.Context, id string) (Grant, error)
	// LiveGrant returns the live grant of access (Grant.Access) for
	// userID, or ErrNotFound.
	LiveGrant(ctx context.Context, userID, access string) (Grant, error)
	// ListGrants returns the grants f selects, those ending first first.
	ListGrants(ctx context.Context, f GrantFilter) ([]Grant, error)

	// ActivateGrant records that the access was given (giving → active),
	// with Okta's assignment id when there is one. ErrNotClaimable if it
	// is not giving; ErrNotFound.
	ActivateGrant(ctx context.Context, id, assignmentID string, now time.Time) (Grant, error)
	// DropGrant deletes a grant still giving: Okta did not give the
	// access. ErrNotClaimable if it is not giving; ErrNotFound.
	DropGrant(ctx context.Context, id string) error
	// ExtendGrant moves an active grant's end to endsAt (which must be
	// after now), and clears WarnedAt and OverdueAt: it is warned of
	// again before its new end. ErrNotClaimable unless it is active and
	// its end has not come: a grant past its end is over, whether its
	// access was removed yet or not.
	ExtendGrant(ctx context.Context, id string, endsAt, now time.Time) (Grant, error)
	// EndGrant ends an active grant early and claims it for owner in the
	// same move (revoking, for lease by the database's clock, as
	// ClaimGrant), so that its removal is owner's and no sweep's: EndsAt
	// becomes now and EndedBy by. A grant still giving GivingLapse after
	// it was last updated was left half-given, and is ended the same way.
	// ErrNotClaimable otherwise.
	EndGrant(ctx context.Context, id, by, owner string, lease time.Duration, now time.Time) (Grant, error)
	// KeepGrant ends an active grant without removing its access, which
	// by (a Slack user id) asked to give for good: revoked, with EndedBy
	// by, RevokedAt now and Result KeptResult (Kept). ErrNotClaimable
	// unless it is active and its end has not come.
	KeepGrant(ctx context.Context, id, by string, now time.Time) (Grant, error)

	// WarnGrants marks active grants that end after now and at most
	// within of now, not yet warned of, as warned, and returns them: each
	// to exactly one caller, even across replicas.
	WarnGrants(ctx context.Context, now time.Time, within time.Duration) ([]Grant, error)
	// DueGrants lists grants whose access should be removed at now:
	// giving or active ones whose EndsAt has passed, and revoking ones
	// whose NextAttempt has come and whose lease has lapsed by the
	// database's clock. ClaimGrant decides who removes each.
	DueGrants(ctx context.Context, now time.Time) ([]Grant, error)
	// ClaimGrant takes a due grant (as DueGrants says) for owner, for
	// lease by the database's clock, and marks it revoking. Exactly one
	// of any number of concurrent claimers wins; the others get
	// ErrNotClaimable with the grant as it is.
	ClaimGrant(ctx context.Context, id, owner string, lease time.Duration, now time.Time) (Grant, error)
	// RetryGrant records owner's failed removal (why: no secret) and
	// releases the claim until next. ErrNotClaimable if owner does not
	// hold it.
	RetryGrant(ctx context.Context, id, owner, why string, next, now time.Time) (Grant, error)
	// FinishGrant records owner's removal (result, for people): revoking
	// → revoked. ErrNotClaimable if owner does not hold it.
	FinishGrant(ctx context.Context, id, owner, result string, now time.Time) (Grant, error)
	// MarkOverdue sets OverdueAt of a live grant not yet marked, and
	// reports whether this call did: the audit channel is told once.
	MarkOverdue(ctx context.Context, id string, now time.Time) (bool, error)
}

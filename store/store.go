// Package store is oktabot's persistence: pending two-person approvals, the
// keys of Slack envelopes already processed, the audit log, and time-boxed
// grants (grants.go). It declares
// the domain types and the Store interface only; the drivers live in
// store/sqlite (embedded, the default) and store/postgres (several replicas
// on one database), and store/storeopen picks one from a URL. Both drivers
// pass the conformance suite in store/storetest.
//
// # Transitions
//
// Every status change is a single compare-and-set statement in the database
// (UPDATE … WHERE status = <expected>), never a read followed by a write, so
// exactly one of any number of concurrent callers, in one process or in
// several replicas, performs it:
//
//	pending ──Approve──▶ approved ──Claim──▶ running ──Finish──▶ done | failed
//	   │                                   ▲    │
//	   ├──Deny──▶ denied                   └────┘ Claim again once the lease has expired
//	   └──Approve/Deny after ExpiresAt, or ExpireDue──▶ expired
//
// Each transition is reported to exactly one caller: the one whose call made
// it. In particular an approval that expires is reported either by the
// Approve or Deny call that noticed it (ErrExpired) or by ExpireDue, never
// by both; later callers see ErrAlreadyDecided with Status "expired".
//
// # Secrets
//
// The store never holds a secret. Nothing in this API takes an
// actions.Secret: approvals carry non-secret parameters only, and callers
// redact secrets from audit records before appending them. The store does not
// know which parameters are secret and stores what it is given.
//
// # Text
//
// Strings are stored as given, except that NUL bytes and invalid UTF-8
// (which PostgreSQL refuses) become U+FFFD in every driver alike. Empty
// lists and maps come back nil.
//
// # Times
//
// Times are stored in UTC with microsecond precision: what comes back is the
// value written, converted to UTC and truncated to the microsecond. Every
// "now" is passed in, except for execution leases: Claim, ExtendLease and
// Recoverable time them by the database's own clock (PostgreSQL's now(),
// SQLite's clock, which is its one process's), so that replicas whose
// clocks disagree still agree on who holds a lease. A lease is given as a
// length; LeaseUntil and a claim's UpdatedAt are the database's times.
package store

import (
	"context"
	"crypto/rand"
	"errors"
	"time"
)

// Status is where an approval is in its life.
type Status string

const (
	// StatusPending: waiting for an approver.
	StatusPending Status = "pending"
	// StatusApproved: approved and waiting to be claimed for execution.
	StatusApproved Status = "approved"
	// StatusRunning: claimed by Owner, who executes it until LeaseUntil.
	StatusRunning Status = "running"
	// StatusDone: executed; Result says how it went.
	StatusDone Status = "done"
	// StatusFailed: execution failed as a whole; Result says why.
	StatusFailed Status = "failed"
	// StatusDenied: an approver (or the requester, withdrawing) denied it.
	StatusDenied Status = "denied"
	// StatusExpired: nobody decided before ExpiresAt.
	StatusExpired Status = "expired"
)

// Final reports whether s is an end state (done, failed, denied, expired).
func (s Status) Final() bool {
	switch s {
	case StatusDone, StatusFailed, StatusDenied, StatusExpired:
		return true
	}
	return false
}

// Valid reports whether s is one of the statuses above.
func (s Status) Valid() bool {
	switch s {
	case StatusPending, StatusApproved, StatusRunning, StatusDone, StatusFailed, StatusDenied, StatusExpired:
		return true
	}
	return false
}

// Approval is a request for a risky action that waits for a second person.
// Params holds non-secret parameters only: the store never holds a secret.
type Approval struct {
	// ID is opaque and unguessable (see NewID); it is the only thing an
	// Approve or Deny button carries.
	ID     string
	Action string
	// Targets are what the action runs on. For user targets they are the
	// Okta user ids the request was resolved to when it was made, so that
	// exactly the users the approvers saw are acted on.
	Targets []string
	// TargetLabels, when set, has one label per target, for people:
	// "Carol Danvers <carol.danvers@corp.com>". Requests without labels
	// (group targets, or stored before labels were kept) are shown by
	// their Targets.
	TargetLabels []string
	// Params are the action's non-secret parameters, by name.
	Params map[string]string
	Reason string

	RequesterID      string // Slack user id
	RequesterChannel string // Slack channel id the request came from
	ApproverRoles    []string
	ApprovalChannel  string // Slack channel id of the approval message
	MessageTS        string // the approval message, to update in place
	// PublicResult: the requester asked (--public) for the result to be
	// posted in RequesterChannel too. Secrets never are.
	PublicResult bool

	Status    Status
	CreatedAt time.Time
	ExpiresAt time.Time

	DecidedBy  string // Slack user id of whoever approved or denied
	DecidedAt  time.Time
	DenyReason string

	Owner      string    // the replica executing it (Claim)
	LeaseUntil time.Time // Owner's lease, by the database's clock; another replica may claim after it
	Result     string    // rendered outcome summary, no secrets

	// UpdatedAt is the time of the last status change: CreatedAt at first,
	// then the "now" of each transition. SetApprovalMessage leaves it alone.
	UpdatedAt time.Time

	// While it waits, and when it ran without approval (waits.go).
	Waits
}

// AuditRecord is one entry in the audit log. Callers redact secrets from
// Params (and everything else) before appending: the store cannot tell which
// values are secret.
type AuditRecord struct {
	ID int64 // assigned by AppendAudit; increasing
	At time.Time
	// Event is what happened, e.g. "request.allowed", "request.refused",
	// "approval.requested", "approval.approved", "approval.denied",
	// "approval.expired", "outcome".
	Event      string
	Actor      string // Slack user id who did it
	Channel    string
	Action     string
	Targets    []string
	Params     map[string]string
	ApprovalID string
	// Per-target outcome records.
	Target        string
	Outcome       string
	ErrorKind     string
	OktaRequestID string
	Detail        string
}

// AuditFilter selects audit records. Zero fields do not filter.
type AuditFilter struct {
	ID         int64     // only the record with this id
	ApprovalID string    // only records about this approval request
	Actors     []string  // any of these actors
	Action     string    // this action
	Before     time.Time // records with At strictly before this
	Limit      int       // at most this many; <= 0 means DefaultAuditLimit; capped at MaxAuditLimit
}

// Limits of ListAudit.
const (
	DefaultAuditLimit = 20
	MaxAuditLimit     = 200
)

// AuditLimit returns the number of records ListAudit returns for f.Limit.
func (f AuditFilter) AuditLimit() int {
	switch {
	case f.Limit <= 0:
		return DefaultAuditLimit
	case f.Limit > MaxAuditLimit:
		return MaxAuditLimit
	}
	return f.Limit
}

// AuditPage selects a page of ExportAudit: the records whose At is at or
// after Since (all when zero) and, when AfterID is set, that come after the
// record (AfterAt, AfterID) in the order (At, ID), the last of the page
// before.
type AuditPage struct {
	Since   time.Time
	AfterAt time.Time
	AfterID int64
	Limit   int // <= 0 or more than MaxExportPage: MaxExportPage
}

// MaxExportPage is the most records one ExportAudit call returns.
const MaxExportPage = 1000

// PageLimit returns the number of records ExportAudit returns at most for p.
func (p AuditPage) PageLimit() int {
	if p.Limit <= 0 || p.Limit > MaxExportPage {
		return MaxExportPage
	}
	return p.Limit
}

// ExportAll calls fn with every record of s whose At is at or after since
// (every record when since is zero), oldest first, a page at a time, and
// stops at fn's first error, which it returns. Records appended meanwhile
// may or may not be included.
func ExportAll(ctx context.Context, s Store, since time.Time, fn func(AuditRecord) error) error {
	p := AuditPage{Since: since}
	for {
		page, err := s.ExportAudit(ctx, p)
		if err != nil {
			return err
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(page) < p.PageLimit() {
			return nil
		}
		last := page[len(page)-1]
		p.AfterAt, p.AfterID = last.At, last.ID
	}
}

// Errors returned by Store methods; test with errors.Is.
var (
	// ErrNotFound: no approval with that id.
	ErrNotFound = errors.New("store: approval not found")
	// ErrExists: CreateApproval with an id already taken.
	ErrExists = errors.New("store: approval already exists")
	// ErrAlreadyDecided: the approval is no longer pending (approved,
	// denied, expired, or further along); the current Approval comes with it.
	ErrAlreadyDecided = errors.New("store: approval already decided")
	// ErrExpired: this call found the approval pending past its ExpiresAt
	// and marked it expired.
	ErrExpired = errors.New("store: approval expired")
	// ErrSelfApproval: the requester tried to approve their own request.
	ErrSelfApproval = errors.New("store: requester cannot approve their own request")
	// ErrNotClaimable: Claim found the approval neither approved nor running
	// with an expired lease, or Finish/ExtendLease found that owner no
	// longer holds it.
	ErrNotClaimable = errors.New("store: approval not claimable")
	// ErrInvalid: an argument breaks the contract (missing id, zero time,
	// wrong status, …). The store's caller has a bug.
	ErrInvalid = errors.New("store: invalid argument")
)

// Store is the persistence the bot needs. Implementations are safe for
// concurrent use, and several Stores on one database (replicas) behave as
// one: every transition happens exactly once.
type Store interface {
	// CreateApproval stores a new pending approval. a.ID must be set (NewID),
	// a.Status empty or pending, a.CreatedAt and a.ExpiresAt set, a.TargetLabels
	// empty or one per target, and the decision and execution fields empty.
	// ErrExists if the id is taken.
	CreateApproval(ctx context.Context, a Approval) error
	// GetApproval returns the approval, or ErrNotFound.
	GetApproval(ctx context.Context, id string) (Approval, error)
	// SetApprovalMessage records where the approval message was posted.
	SetApprovalMessage(ctx context.Context, id, channel, ts string) error

	// Approve moves a pending, unexpired approval to approved by by, at now.
	// Exactly one of any number of concurrent Approve and Deny callers wins
	// and gets the updated approval; the others get ErrAlreadyDecided with
	// the current approval. If the approval is pending but now is at or past
	// ExpiresAt, it is marked expired and ErrExpired is returned with it.
	// ErrSelfApproval if by is the requester (nothing changes);
	// ErrNotFound if there is no such approval.
	Approve(ctx context.Context, id, by string, now time.Time) (Approval, error)
	// Deny is Approve's twin: pending → denied, recording by and reason.
	// The requester may deny (withdraw) their own request.
	Deny(ctx context.Context, id, by, reason string, now time.Time) (Approval, error)

	// Claim takes the execution lease of an approved approval, or of a
	// running one whose lease has expired (its replica died), for owner for
	// lease from now by the database's clock, and marks it running (its
	// UpdatedAt is the database's now). Exactly one of any number of
	// concurrent claimers wins; the others get ErrNotClaimable with the
	// current approval. ErrInvalid unless lease is positive.
	Claim(ctx context.Context, id, owner string, lease time.Duration) (Approval, error)
	// ExtendLease makes owner's lease end lease from now by the database's
	// clock, for executions that outlast it. ErrNotClaimable if owner no
	// longer holds an unexpired lease: once it has lapsed, another replica
	// may have claimed the work, so the owner must stop.
	ExtendLease(ctx context.Context, id, owner string, lease time.Duration) error
	// Finish records the result of owner's execution and marks the approval
	// done or failed. ErrNotClaimable if owner does not hold it (another
	// replica re-claimed it after owner's lease expired, or it is finished).
	Finish(ctx context.Context, id, owner string, status Status, result string, now time.Time) error
	// Recoverable lists approvals that are approved but unclaimed, or
	// running with a lease expired by the database's clock: work a dead
	// replica left behind, oldest first. The bot claims them (Claim
	// decides who) at start and periodically.
	Recoverable(ctx context.Context) ([]Approval, error)
	// ExpireDue marks pending approvals with ExpiresAt at or before now as
	// expired and returns them. Each is returned to exactly one caller, even
	// when replicas call it concurrently.
	ExpireDue(ctx context.Context, now time.Time) ([]Approval, error)
	// CountPending is how many approvals are pending (waiting for a
	// decision, expired ones included until ExpireDue marks them): the
	// metrics' oktabot_approvals_pending, the same from every replica.
	CountPending(ctx context.Context) (int, error)

	// FirstDelivery reports whether key is seen for the first time within
	// ttl: it returns true exactly once per key (across replicas) until ttl
	// after that first delivery has passed. Slack redelivers envelopes.
	FirstDelivery(ctx context.Context, key string, now time.Time, ttl time.Duration) (bool, error)

	// AppendAudit stores r (r.ID is ignored) and returns its id. r.At and
	// r.Event are required.
	AppendAudit(ctx context.Context, r AuditRecord) (int64, error)
	// ListAudit returns records matching f, newest first (At, then ID,
	// descending), at most f.AuditLimit() of them.
	ListAudit(ctx context.Context, f AuditFilter) ([]AuditRecord, error)
	// ExportAudit returns one page of the records selected by p, oldest
	// first (At, then ID), at most p.PageLimit() of them: fewer means the
	// last page. ExportAll reads them all.
	ExportAudit(ctx context.Context, p AuditPage) ([]AuditRecord, error)
	// DeleteAuditBefore deletes the records whose At is strictly before
	// before and returns how many: audit retention, the one deletion the
	// audit log allows (the database refuses any other). Replicas may
	// call it at once. ErrInvalid if before is zero.
	DeleteAuditBefore(ctx context.Context, before time.Time) (int64, error)

	// Recorder: one durable write per command (record.go).
	Recorder
	// Waiter: reminders, break-glass and its review (waits.go).
	Waiter

	// Grants: time-boxed access (grants.go).
	Grants
	// PushLocks: one Okta Verify push waiting per person (push.go).
	PushLocks

	// Close releases the store's connections.
	Close() error
}

// NewID returns a fresh approval id: 130 random bits from crypto/rand,
// base32-encoded (26 characters, URL-safe).
func NewID() string { return rand.Text() }

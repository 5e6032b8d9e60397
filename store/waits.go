package store

import (
	"context"
	"errors"
	"time"
)

// Waits are what becomes of a request while it waits for a decision (a
// reminder to its approvers, an offer to its requester to break glass) and
// after its requester broke glass (its review). Zero times mean "not set"
// or "not yet".
//
//	pending ──BreakGlass──▶ approved (BrokenGlass) ──Claim──▶ running ──Finish──▶ done | failed
//	                                  └──────────────Review (any time after)──────────────┘
type Waits struct {
	// RemindAt, when set, is when the approvers are reminded that it still
	// waits (the rule's remind_after); RemindedAt once RemindDue did.
	RemindAt, RemindedAt time.Time
	// BreakGlassAt, when set, is when its requester may break glass (the
	// rule's break_glass); BreakGlassOfferedAt once OfferBreakGlassDue
	// offered it.
	BreakGlassAt, BreakGlassOfferedAt time.Time
	// BrokenGlass: its requester ran it without approval (BreakGlass),
	// saying why (BreakGlassReason); DecidedBy is then the requester and
	// DecidedAt when.
	BrokenGlass      bool
	BreakGlassReason string
	// ReviewedBy and ReviewedAt: who reviewed a broken-glass request, and
	// when (Review). ReviewRemindedAt is the last reminder, by
	// UnreviewedDue, that it was not reviewed yet.
	ReviewedBy       string
	ReviewedAt       time.Time
	ReviewRemindedAt time.Time
}

// Errors of BreakGlass; test with errors.Is.
var (
	// ErrTooEarly: the request may not break glass yet (BreakGlassAt is
	// later), or ever (it has none).
	ErrTooEarly = errors.New("store: too early to break glass")
	// ErrNotRequester: only a request's requester may break glass on it.
	ErrNotRequester = errors.New("store: only the requester may break glass")
)

// MaxBreakGlassList is the most approvals ListBreakGlass returns.
const MaxBreakGlassList = 200

// Waiter keeps what Waits says. Each due thing is reported to exactly one
// caller, even when replicas call at once, as ExpireDue's expiries are.
type Waiter interface {
	// RemindDue marks the pending, unexpired approvals whose RemindAt is at
	// or before now and that were not reminded yet as reminded at now, and
	// returns them, oldest first.
	RemindDue(ctx context.Context, now time.Time) ([]Approval, error)
	// OfferBreakGlassDue is RemindDue for BreakGlassAt: it marks them
	// offered (BreakGlassOfferedAt) and returns them.
	OfferBreakGlassDue(ctx context.Context, now time.Time) ([]Approval, error)
	// BreakGlass moves a pending, unexpired approval whose BreakGlassAt is
	// at or before now to approved, by its requester by, with reason:
	// BrokenGlass, DecidedBy by, DecidedAt now. Of any number of
	// concurrent BreakGlass, Approve and Deny callers exactly one wins.
	// ErrNotRequester when by is not its requester, ErrTooEarly before its
	// BreakGlassAt (or when it has none), and otherwise as Approve:
	// ErrExpired, ErrAlreadyDecided (with the approval), ErrNotFound.
	BreakGlass(ctx context.Context, id, by, reason string, now time.Time) (Approval, error)
	// Review records by's review of a broken-glass approval, at now, once:
	// ErrAlreadyDecided (with the approval) when it was reviewed already,
	// ErrSelfApproval when by is its requester (nothing changes),
	// ErrInvalid when it did not break glass, ErrNotFound.
	Review(ctx context.Context, id, by string, now time.Time) (Approval, error)
	// UnreviewedDue marks the broken-glass approvals not reviewed yet that
	// broke glass, and were last reminded of, at least every before now,
	// as reminded at now (ReviewRemindedAt), and returns them, oldest
	// first. ErrInvalid unless every is positive.
	UnreviewedDue(ctx context.Context, now time.Time, every time.Duration) ([]Approval, error)
	// ListBreakGlass returns the broken-glass approvals, only those not
	// reviewed yet when unreviewed, newest first, at most limit (<= 0 or
	// more than MaxBreakGlassList: MaxBreakGlassList).
	ListBreakGlass(ctx context.Context, unreviewed bool, limit int) ([]Approval, error)
}

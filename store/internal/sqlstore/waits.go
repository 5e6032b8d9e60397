package sqlstore

import (
	"context"
	"fmt"
	"time"

	"oktabot/store"
)

// waitsColumns are store.Waits' columns, in the order scanApproval reads
// them (after ApprovalColumns' others).
const waitsColumns = `remind_at, reminded_at, break_glass_at, break_glass_offered_at,
	break_glass, break_glass_reason, reviewed_by, reviewed_at, review_reminded_at`

// optT is an optional time as a query argument: NULL when zero.
func (s *Store) optT(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.t(t)
}

// checkNewWaits checks a new approval's Waits: its reminder and
// break-glass times, when set, fall within its wait, and nothing has
// happened yet.
func (s *Store) checkNewWaits(op string, a store.Approval) error {
	for what, t := range map[string]time.Time{"RemindAt": a.RemindAt, "BreakGlassAt": a.BreakGlassAt} {
		if !t.IsZero() && (t.Before(a.CreatedAt) || !t.Before(a.ExpiresAt)) {
			return s.invalid(op, "%s is not between CreatedAt and ExpiresAt", what)
		}
	}
	w := a.Waits
	if !w.RemindedAt.IsZero() || !w.BreakGlassOfferedAt.IsZero() || w.BrokenGlass || w.BreakGlassReason != "" ||
		w.ReviewedBy != "" || !w.ReviewedAt.IsZero() || !w.ReviewRemindedAt.IsZero() {
		return s.invalid(op, "a new approval was not reminded, offered to break glass, broken or reviewed")
	}
	return nil
}

// RemindDue implements store.Waiter.
func (s *Store) RemindDue(ctx context.Context, now time.Time) ([]store.Approval, error) {
	return s.markDue(ctx, "remind due", "remind_at", "reminded_at", now)
}

// OfferBreakGlassDue implements store.Waiter.
func (s *Store) OfferBreakGlassDue(ctx context.Context, now time.Time) ([]store.Approval, error) {
	return s.markDue(ctx, "offer break glass due", "break_glass_at", "break_glass_offered_at", now)
}

// markDue marks the pending, unexpired approvals whose column at is due at
// now and done is not set yet as done at now, and returns them. Each is a
// compare-and-set of its own, so that each is returned to one caller and
// concurrent callers never wait on each other's rows.
func (s *Store) markDue(ctx context.Context, op, at, done string, now time.Time) ([]store.Approval, error) {
	if now.IsZero() {
		return nil, s.invalid(op, "now is required")
	}
	const due = ` status = 'pending' AND expires_at > ? AND %[1]s IS NOT NULL AND %[1]s <= ? AND %[2]s IS NULL`
	where := fmt.Sprintf(due, at, done)
	ids, err := s.ids(ctx, `SELECT id FROM approvals WHERE`+where+` ORDER BY `+at+`, id`, s.t(now), s.t(now))
	if err != nil {
		return nil, s.errorf(op, err)
	}
	var out []store.Approval
	for _, id := range ids {
		a, ok, err := s.returning(ctx, `UPDATE approvals SET `+done+` = ? WHERE id = ? AND`+where,
			s.t(now), id, s.t(now), s.t(now))
		if err != nil {
			return out, s.errorf(op, err)
		}
		if ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// ids runs a query whose one column is an approval id. The rows are read
// whole before anything else runs (SQLite's pool has one connection).
func (s *Store) ids(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// BreakGlass implements store.Waiter.
func (s *Store) BreakGlass(ctx context.Context, id, by, reason string, now time.Time) (store.Approval, error) {
	const op = "break glass"
	if id == "" || by == "" || now.IsZero() {
		return store.Approval{}, s.invalid(op, "id, requester and now are required")
	}
	a, ok, err := s.returning(ctx, `UPDATE approvals
		SET status = 'approved', decided_by = ?, decided_at = ?, updated_at = ?, break_glass = TRUE, break_glass_reason = ?
		WHERE id = ? AND status = 'pending' AND expires_at > ? AND requester_id = ?
			AND break_glass_at IS NOT NULL AND break_glass_at <= ?`,
		txt(by), s.t(now), s.t(now), txt(reason), txt(id), s.t(now), txt(by), s.t(now))
	if err != nil {
		return store.Approval{}, s.errorf(op, err)
	}
	if ok {
		return a, nil
	}
	// Why not: expired (marked here, a compare-and-set of its own), gone,
	// decided, someone else's, or too early.
	a, ok, err = s.returning(ctx, `UPDATE approvals SET status = 'expired', updated_at = ?
		WHERE id = ? AND status = 'pending' AND expires_at <= ?`,
		s.t(now), txt(id), s.t(now))
	if err != nil {
		return store.Approval{}, s.errorf(op, err)
	}
	if ok {
		return a, store.ErrExpired
	}
	a, err = s.GetApproval(ctx, id)
	switch {
	case err != nil:
		return store.Approval{}, err
	case a.Status != store.StatusPending:
		return a, store.ErrAlreadyDecided
	case a.RequesterID != txt(by):
		return a, store.ErrNotRequester
	}
	return a, store.ErrTooEarly
}

// Review implements store.Waiter.
func (s *Store) Review(ctx context.Context, id, by string, now time.Time) (store.Approval, error) {
	const op = "review"
	if id == "" || by == "" || now.IsZero() {
		return store.Approval{}, s.invalid(op, "id, reviewer and now are required")
	}
	a, ok, err := s.returning(ctx, `UPDATE approvals SET reviewed_by = ?, reviewed_at = ?
		WHERE id = ? AND break_glass = TRUE AND reviewed_by = '' AND requester_id <> ?`,
		txt(by), s.t(now), txt(id), txt(by))
	if err != nil {
		return store.Approval{}, s.errorf(op, err)
	}
	if ok {
		return a, nil
	}
	a, err = s.GetApproval(ctx, id)
	switch {
	case err != nil:
		return store.Approval{}, err
	case !a.BrokenGlass:
		return a, s.invalid(op, "approval %s did not break glass", a.ID)
	case a.ReviewedBy != "":
		return a, store.ErrAlreadyDecided
	}
	return a, store.ErrSelfApproval
}

// UnreviewedDue implements store.Waiter.
func (s *Store) UnreviewedDue(ctx context.Context, now time.Time, every time.Duration) ([]store.Approval, error) {
	const op = "unreviewed due"
	if now.IsZero() || every < time.Microsecond {
		return nil, s.invalid(op, "now and a positive interval are required")
	}
	since := s.t(now.Add(-every))
	const where = ` break_glass = TRUE AND reviewed_by = '' AND decided_at <= ?
		AND (review_reminded_at IS NULL OR review_reminded_at <= ?)`
	ids, err := s.ids(ctx, `SELECT id FROM approvals WHERE`+where+` ORDER BY decided_at, id`, since, since)
	if err != nil {
		return nil, s.errorf(op, err)
	}
	var out []store.Approval
	for _, id := range ids {
		a, ok, err := s.returning(ctx, `UPDATE approvals SET review_reminded_at = ? WHERE id = ? AND`+where,
			s.t(now), id, since, since)
		if err != nil {
			return out, s.errorf(op, err)
		}
		if ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// ListBreakGlass implements store.Waiter.
func (s *Store) ListBreakGlass(ctx context.Context, unreviewed bool, limit int) ([]store.Approval, error) {
	if limit <= 0 || limit > store.MaxBreakGlassList {
		limit = store.MaxBreakGlassList
	}
	query := `SELECT ` + ApprovalColumns + ` FROM approvals WHERE break_glass = TRUE`
	if unreviewed {
		query += ` AND reviewed_by = ''`
	}
	out, err := s.queryApprovals(ctx, s.rdb, query+` ORDER BY decided_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, s.errorf("list break glass", err)
	}
	return out, nil
}

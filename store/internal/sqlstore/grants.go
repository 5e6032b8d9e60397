package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"oktabot/store"
)

// Time-boxed grants (store.Grants). Every move is a single-row
// compare-and-set UPDATE … RETURNING, like the approvals'; the lists
// (WarnGrants, DueGrants) read candidates first and then move each with
// its own compare-and-set, so that concurrent replicas never lock rows in
// different orders and each grant is reported to exactly one of them.

const grantColumns = `id, action, user_id, user_label, role, assignment_id, group_id, group_name,
	requester_id, requester_channel, approval_id, reason, duration, status, created_at, ends_at,
	warned_at, ended_by, attempts, next_attempt, last_error, overdue_at, revoked_at, result,
	lease_owner, lease_until, updated_at`

func scanGrant(row scanner) (store.Grant, error) {
	var g store.Grant
	var status string
	var micros int64
	err := row.Scan(&g.ID, &g.Action, &g.UserID, &g.UserLabel, &g.Role, &g.AssignmentID, &g.GroupID,
		&g.GroupName, &g.RequesterID, &g.RequesterChannel, &g.ApprovalID, &g.Reason, &micros, &status,
		dbTime{&g.CreatedAt}, dbTime{&g.EndsAt}, dbTime{&g.WarnedAt}, &g.EndedBy, &g.Attempts,
		dbTime{&g.NextAttempt}, &g.LastError, dbTime{&g.OverdueAt}, dbTime{&g.RevokedAt}, &g.Result,
		&g.Owner, dbTime{&g.LeaseUntil}, dbTime{&g.UpdatedAt})
	g.Status, g.Duration = store.GrantStatus(status), time.Duration(micros)*time.Microsecond
	return g, err
}

func (s *Store) queryGrants(ctx context.Context, query string, args ...any) ([]store.Grant, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// grantReturning runs an UPDATE … that changes at most one grant, and
// returns it; ok is false when it changed none.
func (s *Store) grantReturning(ctx context.Context, query string, args ...any) (g store.Grant, ok bool, err error) {
	g, err = scanGrant(s.db.QueryRowContext(ctx, s.q(query+` RETURNING `+grantColumns), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Grant{}, false, nil
	}
	return g, err == nil, err
}

// grantMoved is the answer of a move of grant id: the grant it made, or,
// when it changed nothing, ErrNotClaimable with the grant as it is (or
// ErrNotFound).
func (s *Store) grantMoved(ctx context.Context, op, id string, g store.Grant, ok bool, err error) (store.Grant, error) {
	if err != nil {
		return store.Grant{}, s.errorf(op, err)
	}
	if ok {
		return g, nil
	}
	g, err = s.GetGrant(ctx, id)
	if err != nil {
		return store.Grant{}, err
	}
	return g, store.ErrNotClaimable
}

// CreateGrant implements store.Grants.
func (s *Store) CreateGrant(ctx context.Context, g store.Grant) (store.Grant, error) {
	const op = "create grant"
	switch {
	case g.ID == "" || len(g.ID) > 255:
		return store.Grant{}, s.invalid(op, "an id of at most 255 bytes is required")
	case g.Action == "" || g.UserID == "" || g.RequesterID == "":
		return store.Grant{}, s.invalid(op, "action, user and requester are required")
	case (g.Role == "") == (g.GroupID == ""):
		return store.Grant{}, s.invalid(op, "exactly one of a role and a group is required")
	case g.CreatedAt.IsZero() || !g.EndsAt.After(g.CreatedAt):
		return store.Grant{}, s.invalid(op, "CreatedAt is required and EndsAt must be after it")
	case g.Status != "" && g.Status != store.GrantGiving:
		return store.Grant{}, s.invalid(op, "status %q, want giving", g.Status)
	case g.Duration <= 0:
		return store.Grant{}, s.invalid(op, "a positive duration is required")
	}
	// Another live grant of the access may end between the insert and the
	// look-up that says which it is: then the insert is tried again.
	for range 3 {
		created, ok, err := s.grantInsert(ctx, g)
		if err != nil {
			return store.Grant{}, s.errorf(op, err)
		}
		if ok {
			return created, nil
		}
		if _, err := s.GetGrant(ctx, g.ID); err == nil {
			return store.Grant{}, store.ErrExists
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.Grant{}, err
		}
		held, err := s.LiveGrant(ctx, g.UserID, g.Access())
		switch {
		case err == nil:
			return held, store.ErrGrantHeld
		case !errors.Is(err, store.ErrNotFound):
			return store.Grant{}, err
		}
	}
	return store.Grant{}, s.errorf(op, errors.New("the access's live grant kept changing; try again"))
}

func (s *Store) grantInsert(ctx context.Context, g store.Grant) (store.Grant, bool, error) {
	return s.grantReturning(ctx, `INSERT INTO grants (id, action, user_id, user_label, access, role,
		assignment_id, group_id, group_name, requester_id, requester_channel, approval_id, reason,
		duration, status, created_at, ends_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'giving', ?, ?, ?)
		ON CONFLICT DO NOTHING`,
		txt(g.ID), txt(g.Action), txt(g.UserID), txt(g.UserLabel), txt(g.Access()), txt(g.Role),
		txt(g.AssignmentID), txt(g.GroupID), txt(g.GroupName), txt(g.RequesterID), txt(g.RequesterChannel),
		txt(g.ApprovalID), txt(g.Reason), g.Duration.Microseconds(), s.t(g.CreatedAt), s.t(g.EndsAt), s.t(g.CreatedAt))
}

// GetGrant implements store.Grants.
func (s *Store) GetGrant(ctx context.Context, id string) (store.Grant, error) {
	g, err := scanGrant(s.db.QueryRowContext(ctx, s.q(`SELECT `+grantColumns+` FROM grants WHERE id = ?`), txt(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Grant{}, store.ErrNotFound
	}
	if err != nil {
		return store.Grant{}, s.errorf("get grant", err)
	}
	return g, nil
}

// LiveGrant implements store.Grants.
func (s *Store) LiveGrant(ctx context.Context, userID, access string) (store.Grant, error) {
	g, err := scanGrant(s.db.QueryRowContext(ctx, s.q(`SELECT `+grantColumns+` FROM grants
		WHERE user_id = ? AND access = ? AND status <> 'revoked'`), txt(userID), txt(access)))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Grant{}, store.ErrNotFound
	}
	if err != nil {
		return store.Grant{}, s.errorf("live grant", err)
	}
	return g, nil
}

// ListGrants implements store.Grants.
func (s *Store) ListGrants(ctx context.Context, f store.GrantFilter) ([]store.Grant, error) {
	var where []string
	var args []any
	if f.RequesterID != "" {
		where = append(where, "requester_id = ?")
		args = append(args, txt(f.RequesterID))
	}
	if f.UserID != "" {
		where = append(where, "user_id = ?")
		args = append(args, txt(f.UserID))
	}
	if f.ApprovalID != "" {
		where = append(where, "approval_id = ?")
		args = append(args, txt(f.ApprovalID))
	}
	if f.Live {
		where = append(where, "status <> 'revoked'")
	}
	query := `SELECT ` + grantColumns + ` FROM grants`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > store.MaxGrantList {
		limit = store.MaxGrantList
	}
	out, err := s.queryGrants(ctx, query+` ORDER BY ends_at, id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, s.errorf("list grants", err)
	}
	return out, nil
}

// ActivateGrant implements store.Grants.
func (s *Store) ActivateGrant(ctx context.Context, id, assignmentID string, now time.Time) (store.Grant, error) {
	const op = "activate grant"
	if id == "" || now.IsZero() {
		return store.Grant{}, s.invalid(op, "id and now are required")
	}
	g, ok, err := s.grantReturning(ctx, `UPDATE grants SET status = 'active', assignment_id = ?, updated_at = ?
		WHERE id = ? AND status = 'giving'`, txt(assignmentID), s.t(now), txt(id))
	return s.grantMoved(ctx, op, id, g, ok, err)
}

// DropGrant implements store.Grants.
func (s *Store) DropGrant(ctx context.Context, id string) error {
	const op = "drop grant"
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM grants WHERE id = ? AND status = 'giving'`), txt(id))
	if err := s.oneRow(op, res, err, store.ErrNotClaimable); !errors.Is(err, store.ErrNotClaimable) {
		return err
	}
	if _, err := s.GetGrant(ctx, id); err != nil {
		return err
	}
	return store.ErrNotClaimable
}

// ExtendGrant implements store.Grants.
func (s *Store) ExtendGrant(ctx context.Context, id string, endsAt, now time.Time) (store.Grant, error) {
	const op = "extend grant"
	if id == "" || now.IsZero() || !endsAt.After(now) {
		return store.Grant{}, s.invalid(op, "id, now and an end after now are required")
	}
	g, ok, err := s.grantReturning(ctx, `UPDATE grants SET ends_at = ?, warned_at = NULL, overdue_at = NULL, updated_at = ?
		WHERE id = ? AND status = 'active' AND ends_at > ?`, s.t(endsAt), s.t(now), txt(id), s.t(now))
	return s.grantMoved(ctx, op, id, g, ok, err)
}

// EndGrant implements store.Grants.
func (s *Store) EndGrant(ctx context.Context, id, by, owner string, lease time.Duration, now time.Time) (store.Grant, error) {
	const op = "end grant"
	if id == "" || by == "" || owner == "" || now.IsZero() {
		return store.Grant{}, s.invalid(op, "id, by, owner and now are required")
	}
	if lease < time.Microsecond {
		return store.Grant{}, s.invalid(op, "lease %v is not positive", lease)
	}
	g, ok, err := s.grantReturning(ctx, `UPDATE grants
		SET status = 'revoking', ends_at = ?, ended_by = ?, lease_owner = ?, lease_until = `+s.d.LeaseEnd+`, updated_at = ?
		WHERE id = ? AND (status = 'active' OR (status = 'giving' AND updated_at <= ?))`,
		s.t(now), txt(by), txt(owner), lease.Microseconds(), s.t(now), txt(id), s.t(now.Add(-store.GivingLapse)))
	return s.grantMoved(ctx, op, id, g, ok, err)
}

// KeepGrant implements store.Grants.
func (s *Store) KeepGrant(ctx context.Context, id, by string, now time.Time) (store.Grant, error) {
	const op = "keep grant"
	if id == "" || by == "" || now.IsZero() {
		return store.Grant{}, s.invalid(op, "id, by and now are required")
	}
	g, ok, err := s.grantReturning(ctx, `UPDATE grants
		SET status = 'revoked', ended_by = ?, result = ?, revoked_at = ?, updated_at = ?
		WHERE id = ? AND status = 'active' AND ends_at > ?`,
		txt(by), txt(store.KeptResult), s.t(now), s.t(now), txt(id), s.t(now))
	return s.grantMoved(ctx, op, id, g, ok, err)
}

// WarnGrants implements store.Grants.
func (s *Store) WarnGrants(ctx context.Context, now time.Time, within time.Duration) ([]store.Grant, error) {
	const op = "warn grants"
	if now.IsZero() || within <= 0 {
		return nil, s.invalid(op, "now and a positive within are required")
	}
	const cond = `status = 'active' AND warned_at IS NULL AND ends_at > ? AND ends_at <= ?`
	cands, err := s.queryGrants(ctx, `SELECT `+grantColumns+` FROM grants WHERE `+cond+` ORDER BY ends_at, id`,
		s.t(now), s.t(now.Add(within)))
	if err != nil {
		return nil, s.errorf(op, err)
	}
	var out []store.Grant
	for _, c := range cands {
		g, ok, err := s.grantReturning(ctx, `UPDATE grants SET warned_at = ? WHERE id = ? AND `+cond,
			s.t(now), txt(c.ID), s.t(now), s.t(now.Add(within)))
		if err != nil {
			return out, s.errorf(op, err)
		}
		if ok {
			out = append(out, g)
		}
	}
	return out, nil
}

// dueCond selects the grants whose access should be removed at the
// query's one parameter, now (twice): ended ones not claimed yet, and
// claimed ones released for a retry (or left by a dead owner) whose
// lease has lapsed by the database's clock and whose next attempt has
// come.
func (s *Store) dueCond() string {
	return `((status IN ('giving', 'active') AND ends_at <= ?)
		OR (status = 'revoking' AND lease_until <= ` + s.d.Now + ` AND (next_attempt IS NULL OR next_attempt <= ?)))`
}

// DueGrants implements store.Grants.
func (s *Store) DueGrants(ctx context.Context, now time.Time) ([]store.Grant, error) {
	if now.IsZero() {
		return nil, s.invalid("due grants", "now is required")
	}
	out, err := s.queryGrants(ctx, `SELECT `+grantColumns+` FROM grants WHERE `+s.dueCond()+` ORDER BY ends_at, id`,
		s.t(now), s.t(now))
	if err != nil {
		return nil, s.errorf("due grants", err)
	}
	return out, nil
}

// ClaimGrant implements store.Grants.
func (s *Store) ClaimGrant(ctx context.Context, id, owner string, lease time.Duration, now time.Time) (store.Grant, error) {
	const op = "claim grant"
	if id == "" || owner == "" || now.IsZero() {
		return store.Grant{}, s.invalid(op, "id, owner and now are required")
	}
	if lease < time.Microsecond {
		return store.Grant{}, s.invalid(op, "lease %v is not positive", lease)
	}
	g, ok, err := s.grantReturning(ctx, `UPDATE grants
		SET status = 'revoking', lease_owner = ?, lease_until = `+s.d.LeaseEnd+`, updated_at = ?
		WHERE id = ? AND `+s.dueCond(),
		txt(owner), lease.Microseconds(), s.t(now), txt(id), s.t(now), s.t(now))
	return s.grantMoved(ctx, op, id, g, ok, err)
}

// RetryGrant implements store.Grants.
func (s *Store) RetryGrant(ctx context.Context, id, owner, why string, next, now time.Time) (store.Grant, error) {
	const op = "retry grant"
	if id == "" || owner == "" || now.IsZero() || next.IsZero() {
		return store.Grant{}, s.invalid(op, "id, owner, next and now are required")
	}
	g, ok, err := s.grantReturning(ctx, `UPDATE grants
		SET attempts = attempts + 1, last_error = ?, next_attempt = ?, lease_until = `+s.d.Now+`, updated_at = ?
		WHERE id = ? AND status = 'revoking' AND lease_owner = ?`,
		txt(why), s.t(next), s.t(now), txt(id), txt(owner))
	return s.grantMoved(ctx, op, id, g, ok, err)
}

// FinishGrant implements store.Grants.
func (s *Store) FinishGrant(ctx context.Context, id, owner, result string, now time.Time) (store.Grant, error) {
	const op = "finish grant"
	if id == "" || owner == "" || now.IsZero() {
		return store.Grant{}, s.invalid(op, "id, owner and now are required")
	}
	g, ok, err := s.grantReturning(ctx, `UPDATE grants
		SET status = 'revoked', result = ?, revoked_at = ?, updated_at = ?
		WHERE id = ? AND status = 'revoking' AND lease_owner = ?`,
		txt(result), s.t(now), s.t(now), txt(id), txt(owner))
	return s.grantMoved(ctx, op, id, g, ok, err)
}

// MarkOverdue implements store.Grants.
func (s *Store) MarkOverdue(ctx context.Context, id string, now time.Time) (bool, error) {
	const op = "mark grant overdue"
	if id == "" || now.IsZero() {
		return false, s.invalid(op, "id and now are required")
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE grants SET overdue_at = ?
		WHERE id = ? AND overdue_at IS NULL AND status <> 'revoked'`), s.t(now), txt(id))
	switch err := s.oneRow(op, res, err, store.ErrNotClaimable); {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrNotClaimable):
		if _, err := s.GetGrant(ctx, id); err != nil {
			return false, err
		}
		return false, nil
	default:
		return false, err
	}
}

package sqlstore

import (
	"context"
	"time"
)

// TakePush implements store.PushLocks: one statement that inserts the
// lock, or takes it over once its lease lapsed by the database's clock.
func (s *Store) TakePush(ctx context.Context, userID, owner string, lease time.Duration) (bool, error) {
	const op = "take push lock"
	if userID == "" || owner == "" {
		return false, s.invalid(op, "userID and owner are required")
	}
	if lease < time.Microsecond {
		return false, s.invalid(op, "lease %v is not positive", lease)
	}
	res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO push_locks (okta_user_id, owner, lease_until) VALUES (?, ?, `+s.d.LeaseEnd+`)
		ON CONFLICT (okta_user_id) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
		WHERE push_locks.lease_until <= `+s.d.Now),
		txt(userID), txt(owner), lease.Microseconds())
	if err != nil {
		return false, s.errorf(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.errorf(op, err)
	}
	return n == 1, nil
}

// ReleasePush implements store.PushLocks.
func (s *Store) ReleasePush(ctx context.Context, userID, owner string) error {
	const op = "release push lock"
	if userID == "" || owner == "" {
		return s.invalid(op, "userID and owner are required")
	}
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM push_locks WHERE okta_user_id = ? AND owner = ?`), txt(userID), txt(owner)); err != nil {
		return s.errorf(op, err)
	}
	return nil
}

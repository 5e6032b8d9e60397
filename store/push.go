package store

import (
	"context"
	"time"
)

// PushLocks keep one Okta Verify push waiting per person across every
// replica: a push is sent only by whoever takes its person's lock, and
// the lock is released once the push is answered or has timed out, or
// lapses by the database's clock when its holder died.
type PushLocks interface {
	// TakePush takes the push lock of Okta user userID for owner (a fresh
	// id per push), for lease by the database's clock, and reports
	// whether it did: false while another owner holds it unlapsed.
	TakePush(ctx context.Context, userID, owner string, lease time.Duration) (bool, error)
	// ReleasePush releases owner's push lock of userID; a lock owner does
	// not hold (taken over once it lapsed) is left alone.
	ReleasePush(ctx context.Context, userID, owner string) error
}

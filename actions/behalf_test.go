package actions

import (
	"context"
	"errors"
	"testing"
	"time"
)

// An optional call gives way once someone has waited OptionalPatience for
// their turn at Okta: the request itself (for a worker, then for Okta's
// limits, added up), or whoever waits longest for a worker now.
func TestLeaveOptionalOnceSomeoneHasWaitedLongEnough(t *testing.T) {
	oldest := time.Duration(0)
	queue := func() time.Duration { return oldest }
	for _, c := range []struct {
		name          string
		queued, okta  time.Duration
		oldest        time.Duration
		wantLeft      bool
		withoutQueued bool
	}{
		{name: "nobody waited"},
		{name: "brief waits", queued: 300 * time.Millisecond, okta: 300 * time.Millisecond, oldest: 900 * time.Millisecond},
		{name: "it waited for a worker", queued: OptionalPatience, wantLeft: true},
		{name: "its waits add up", queued: 600 * time.Millisecond, okta: 400 * time.Millisecond, wantLeft: true},
		{name: "it waited for Okta's limits", okta: 2 * time.Second, wantLeft: true, withoutQueued: true},
		{name: "another request waits for a worker", oldest: OptionalPatience, wantLeft: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			oldest = c.oldest
			ctx := OnBehalfOf(context.Background(), "alice")
			if !c.withoutQueued {
				ctx = Queued(ctx, c.queued, queue)
			}
			NoteWaited(ctx, c.okta)
			err := LeaveOptional(ctx)
			if left := err != nil; left != c.wantLeft {
				t.Fatalf("LeaveOptional = %v, want left %v", err, c.wantLeft)
			}
			var le *LeftError
			if c.wantLeft && (!errors.As(err, &le) || le != ErrLeftWaiting) {
				t.Errorf("LeaveOptional = %v, want ErrLeftWaiting", err)
			}
		})
	}
	if err := LeaveOptional(context.Background()); err != nil {
		t.Errorf("work nobody is waiting for: %v", err)
	}
	ctx := OnBehalfOf(context.Background(), "alice")
	NoteWaited(ctx, 2*time.Second)
	if Waited(OnBehalfOf(ctx, "alice")) != 0 {
		t.Error("a new request starts as if it had waited")
	}
}

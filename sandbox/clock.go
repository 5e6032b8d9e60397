package sandbox

import (
	"fmt"
	"sync/atomic"
	"time"
)

// clock is the sandbox's time, shared by the bot and both stand-ins: the
// real clock (Options.Now) moved forward by what the page skipped, so that
// a break-glass wait, a reminder or a grant's end comes without waiting
// for it. It only ever moves forward.
type clock struct {
	base  func() time.Time
	ahead atomic.Int64 // nanoseconds skipped
}

// Skips the page allows at once: at least a minute, at most a week.
const (
	minSkip = time.Minute
	maxSkip = 7 * 24 * time.Hour
)

// Now is the sandbox's time.
func (c *clock) Now() time.Time { return c.base().Add(c.Ahead()) }

// Ahead is how far the sandbox's time is ahead of the real one.
func (c *clock) Ahead() time.Duration { return time.Duration(c.ahead.Load()) }

// Skip moves the sandbox's time forward by d.
func (c *clock) Skip(d time.Duration) error {
	if d < minSkip || d > maxSkip {
		return fmt.Errorf("skip between %v and %v, not %v", minSkip, maxSkip, d)
	}
	c.ahead.Add(int64(d))
	return nil
}

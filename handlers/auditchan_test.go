package handlers

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// fakeClock is a settable clock for tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// One person's refusals within a window are one line, then one summary
// line when the window closes; another person's are their own.
func TestAuditChannelSumsUpRepeatedRefusals(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	c := newAuditChannel(nil, func() string { return "C0AUDIT" }, clock.now, zerolog.Nop())
	queued := func() []string {
		var out []string
		for {
			select {
			case l := <-c.lines:
				out = append(out, l)
			default:
				return out
			}
		}
	}
	c.refused("U0MALLORY", "disable-user", "first refusal")
	for i := range 36 {
		clock.add(time.Second)
		action := "disable-user"
		if i%5 == 0 {
			action = "get-user"
		}
		c.refused("U0MALLORY", action, "another refusal")
	}
	c.refused("U0EVE", "reset-password", "eve's refusal")
	if got := queued(); len(got) != 2 || got[0] != "first refusal" || got[1] != "eve's refusal" {
		t.Fatalf("lines within the window = %q, want the first refusal of each person", got)
	}
	c.flush(false)
	if got := queued(); len(got) != 0 {
		t.Fatalf("summaries before the window closed: %q", got)
	}
	clock.add(time.Minute)
	c.flush(false)
	got := queued()
	if len(got) != 1 {
		t.Fatalf("summaries after the window = %q, want one for U0MALLORY", got)
	}
	for _, want := range []string{"<@U0MALLORY> was refused 36 times more", "`disable-user` ×28", "`get-user` ×8", "nothing was run"} {
		if !strings.Contains(got[0], want) {
			t.Errorf("summary %q does not say %q", got[0], want)
		}
	}
	if strings.Index(got[0], "disable-user") > strings.Index(got[0], "get-user") {
		t.Errorf("summary lists the most refused action last: %q", got[0])
	}
	// A new window starts with a line of its own again.
	c.refused("U0MALLORY", "disable-user", "a new window")
	if got := queued(); len(got) != 1 || got[0] != "a new window" {
		t.Errorf("lines = %q", got)
	}
}

// Lines are posted from run, at most burst at once then one every every,
// and what is left at shutdown is summed up and posted.
func TestAuditChannelPostsFromItsOwnGoroutine(t *testing.T) {
	var mu sync.Mutex
	var posted []string
	c := newAuditChannel(func(_ context.Context, ch, text string) error {
		mu.Lock()
		defer mu.Unlock()
		posted = append(posted, ch+": "+text)
		return nil
	}, func() string { return "C0AUDIT" }, time.Now, zerolog.Nop())
	c.every = time.Millisecond
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.run(ctx, time.Second); close(done) }()
	c.line("one")
	c.refused("U0MALLORY", "disable-user", "refused once")
	c.refused("U0MALLORY", "disable-user", "refused twice")
	stop()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(posted) != 3 || posted[0] != "C0AUDIT: one" || posted[1] != "C0AUDIT: refused once" || !strings.Contains(posted[2], "was refused 1 time more") {
		t.Errorf("posted = %q", posted)
	}
}

func TestAuditChannelQueueNeverBlocks(t *testing.T) {
	c := newAuditChannel(nil, func() string { return "C0AUDIT" }, time.Now, zerolog.Nop())
	for range auditChannelQueue + 50 {
		c.line("x") // nobody reads: it must not block
	}
	if c.dropped != 50 {
		t.Errorf("dropped = %d, want 50", c.dropped)
	}
	off := newAuditChannel(nil, func() string { return "" }, time.Now, zerolog.Nop())
	off.line("x")
	off.refused("U1", "disable-user", "x")
	if len(off.lines) != 0 {
		t.Error("lines queued without an audit channel")
	}
}

func TestPersonLimiter(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	l := newPersonLimiter(3, clock.now)
	for i := range 3 {
		if !l.allow("U1") {
			t.Fatalf("command %d refused", i+1)
		}
		clock.add(10 * time.Second)
	}
	if l.allow("U1") {
		t.Error("a 4th command within a minute was allowed")
	}
	if !l.allow("U2") {
		t.Error("another person was limited by U1")
	}
	clock.add(31 * time.Second) // the first command is a minute old
	if !l.allow("U1") {
		t.Error("not allowed again once the oldest command is a minute old")
	}
	if l.allow("U1") {
		t.Error("allowed more than 3 in a minute")
	}
	var off *personLimiter
	if !off.allow("U1") || !newPersonLimiter(-1, clock.now).allow("U1") {
		t.Error("no limit refused a command")
	}
}

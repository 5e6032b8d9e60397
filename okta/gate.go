package okta

import (
	"context"
	"sync"
	"time"

	"oktabot/actions"
)

// gate bounds the bot's calls in flight to Okta and shares them fairly
// between the people they are made for (actions.OnBehalfOf): when a call
// finishes, the next to go is a waiting call of whoever has the fewest
// calls in flight, the longest waiting first among equals. One person's
// hundred calls thus never keep another's one waiting for more than the
// first call to finish.
//
// Okta's concurrent-request limit is the org's, shared with every other
// integration: when Okta refuses a call for it (a 429 whose
// X-Rate-Limit-Limit is 0), the gate lowers its own cap below what it had
// in flight, and raises it again by one for every cap calls answered,
// back to max.
type gate struct {
	max int

	mu       sync.Mutex
	cap      int            // max, or less after Okta's concurrency refusals
	answered int            // calls answered since cap last rose
	inflight int            // admitted and not yet finished
	byWho    map[string]int // in flight, by person
	waiting  []*gateWaiter  // in arrival order
	changed  chan struct{}  // closed when a call finishes
}

type gateWaiter struct {
	who   string
	ready chan struct{} // closed when admitted
}

func newGate(max int) *gate {
	return &gate{max: max, cap: max, byWho: map[string]int{}, changed: make(chan struct{})}
}

// acquire waits for a free slot for a call made for who, and adds the
// wait to ctx's work (actions.NoteWaited). An optional call
// (actions.Optional) does not wait: without a free slot that nobody
// waits for, it gets actions.ErrLeftBusy.
func (g *gate) acquire(ctx context.Context, who string) error {
	g.mu.Lock()
	if g.inflight < g.cap && len(g.waiting) == 0 {
		g.admitLocked(who)
		g.mu.Unlock()
		return nil
	}
	if actions.IsOptional(ctx) {
		g.mu.Unlock()
		return actions.ErrLeftBusy
	}
	w := &gateWaiter{who: who, ready: make(chan struct{})}
	g.waiting = append(g.waiting, w)
	g.mu.Unlock()
	start := time.Now()
	select {
	case <-w.ready:
		actions.NoteWaited(ctx, time.Since(start))
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		select {
		case <-w.ready:
			// Admitted meanwhile: give the slot on.
			g.finishLocked(who)
		default:
			g.dropLocked(w)
		}
		return ctx.Err()
	}
}

// release ends an admitted call. refused says Okta refused it for the
// org's concurrency limit: the cap drops below what was in flight with
// it.
func (g *gate) release(who string, refused bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if refused {
		g.cap, g.answered = max(1, g.inflight-1), 0
	} else if g.cap < g.max {
		if g.answered++; g.answered >= g.cap {
			g.cap, g.answered = g.cap+1, 0
		}
	}
	g.finishLocked(who)
}

// finished returns a channel closed when the next call finishes.
func (g *gate) finished() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.changed
}

// waitRefused waits, after Okta refused a call for its concurrency
// limit, until another of the bot's calls finishes (one fewer in flight
// at Okta) or until reset, Okta's guess at when enough calls will have
// finished, whichever is first.
func (g *gate) waitRefused(ctx context.Context, reset time.Time, now func() time.Time) error {
	ch := g.finished()
	t := time.NewTimer(max(reset.Sub(now()), 0))
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

func (g *gate) admitLocked(who string) {
	g.inflight++
	g.byWho[who]++
}

// finishLocked frees who's slot and hands free slots to the fairest
// waiters.
func (g *gate) finishLocked(who string) {
	g.inflight--
	if g.byWho[who]--; g.byWho[who] <= 0 {
		delete(g.byWho, who)
	}
	close(g.changed)
	g.changed = make(chan struct{})
	for g.inflight < g.cap && len(g.waiting) > 0 {
		next := 0
		for i, w := range g.waiting {
			if g.byWho[w.who] < g.byWho[g.waiting[next].who] {
				next = i
			}
		}
		w := g.waiting[next]
		g.waiting = append(g.waiting[:next:next], g.waiting[next+1:]...)
		g.admitLocked(w.who)
		close(w.ready)
	}
}

func (g *gate) dropLocked(w *gateWaiter) {
	for i, x := range g.waiting {
		if x == w {
			g.waiting = append(g.waiting[:i:i], g.waiting[i+1:]...)
			return
		}
	}
}

// load is the cap now and how many calls are in flight and waiting.
func (g *gate) load() (capacity, inflight, waiting int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.cap, g.inflight, len(g.waiting)
}

package oktatest

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// DefaultConcurrencyLimit is Okta's default limit on an org's concurrent
// requests (other than Office 365 traffic) for Workforce Identity and
// Customer Identity orgs; an Integrator Free plan org's is 35. The fake
// enforces it unless a test sets another (SetConcurrencyLimit).
const DefaultConcurrencyLimit = 75

func concurrencyLimit(n int) int {
	if n <= 0 {
		return DefaultConcurrencyLimit
	}
	return n
}

// SetConcurrencyLimit sets the org's concurrent-request limit (n <= 0:
// DefaultConcurrencyLimit). As Okta does, a request received while n
// others are unfinished is refused at once with 429 E0000047, and its
// X-Rate-Limit-Limit and X-Rate-Limit-Remaining are 0 (the concurrent
// values, not a bucket's) and X-Rate-Limit-Reset is a guess at when
// enough requests will have finished, a second on. The first such refusal
// a minute is written to the System Log (core.concurrency.org.limit.violation).
// Refused requests count against no per-minute bucket and are not in
// MaxConcurrent.
func (s *Server) SetConcurrencyLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.concurrency = concurrencyLimit(n)
}

// refuseConcurrentLocked is Okta's answer to a request over the
// concurrency limit. Call with s.mu held.
func (s *Server) refuseConcurrentLocked(call *Call, now time.Time) *response {
	if s.lastConcurrent.IsZero() || now.Sub(s.lastConcurrent) >= time.Minute {
		s.lastConcurrent = now
		s.appendEvent(&logEvent{published: now, eventType: "core.concurrency.org.limit.violation",
			displayMessage: "Too many requests in flight", actor: s.actor(), outcome: "DENY"})
	}
	resp := errResp(errRateLimited())
	h := resp.header
	h.Set("X-Okta-Request-Id", call.RequestID)
	h.Set("X-Rate-Limit-Limit", "0")
	h.Set("X-Rate-Limit-Remaining", "0")
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(now.Unix()+1, 10))
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	return resp
}

// heldCall is a request waiting for ReleaseHeld.
type heldCall struct {
	call    Call
	release chan struct{}
}

// HoldCalls makes every later request wait, once received and counted in
// flight, until ReleaseHeld lets it go on (or its client gives up): a test
// then sees exactly which calls are in flight together, one round trip at
// a time, without timing anything. StopHolding ends it.
func (s *Server) HoldCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holding = true
}

// StopHolding lets every held request go on and holds no more.
func (s *Server) StopHolding() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holding = false
	s.releaseLocked()
}

// HeldCalls are the requests held now, in the order received (Status and
// Duration not yet known).
func (s *Server) HeldCalls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.held))
	for i, h := range s.held {
		out[i] = h.call
	}
	return out
}

// WaitHeld waits until at least n requests are held, or until timeout,
// and returns those held; running out of time fails the test.
func (s *Server) WaitHeld(n int, timeout time.Duration) []Call {
	s.t.Helper()
	if !s.waitUntil(func() bool { return len(s.held) >= n }, timeout) {
		held := s.HeldCalls()
		s.t.Errorf("oktatest: waited %v for %d held calls, got %d", timeout, n, len(held))
		return held
	}
	return s.HeldCalls()
}

// ReleaseHeld lets the requests held now go on, and returns how many;
// requests received later are held in their turn.
func (s *Server) ReleaseHeld() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.releaseLocked()
}

func (s *Server) releaseLocked() int {
	n := len(s.held)
	for _, h := range s.held {
		close(h.release)
	}
	s.held = nil
	s.notifyLocked()
	return n
}

// wait holds a request while the test holds calls, then waits the
// injected latency; it reports false when the client went away (or the
// server closed) first.
func (s *Server) wait(ctx context.Context, call *Call) bool {
	s.mu.Lock()
	var h *heldCall
	if s.holding {
		h = &heldCall{call: *call, release: make(chan struct{})}
		s.held = append(s.held, h)
		s.notifyLocked()
	}
	d := s.latency
	s.mu.Unlock()
	if h != nil {
		select {
		case <-h.release:
		case <-ctx.Done():
			s.drop(h)
			return false
		case <-s.done:
			return false
		}
	}
	return d <= 0 || s.sleep(ctx, d)
}

// drop forgets a held request whose client went away.
func (s *Server) drop(h *heldCall) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.held {
		if x == h {
			s.held = append(s.held[:i:i], s.held[i+1:]...)
			s.notifyLocked()
			return
		}
	}
}

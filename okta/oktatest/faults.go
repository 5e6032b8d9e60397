package oktatest

import (
	"net/http"
	"time"
)

// SetLatency makes every later request wait d before it is handled (0 turns
// it off). The wait ends early, without an answer, when the request's
// context is cancelled.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// FailNext answers the next n requests with status and Okta's E0000009
// ("Internal Server Error"); status 429 gives E0000047 with rate-limit
// headers instead. Use a 5xx status to simulate an Okta outage.
func (s *Server) FailNext(n int, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext, s.failStatus = n, status
}

// Throttle answers the next n requests with 429 E0000047,
// X-Rate-Limit-Remaining: 0 and X-Rate-Limit-Reset equal to the Date header
// (the limit resets at once). The SDK waits Reset - Date + 1 s (so 1 s),
// capped by okta.WithRateLimitMaxBackOff, before each of its retries
// (okta.WithRateLimitMaxRetries); with no retries left it returns
// errors.New("too many requests") and no response.
func (s *Server) Throttle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
}

// RateLimit sets every bucket's limit to limit calls per window, starting
// a fresh window. Calls beyond it are answered 429 E0000047 with
// X-Rate-Limit-Remaining: 0 and X-Rate-Limit-Reset at the window's end.
// Without it, the buckets have Okta's default per-minute limits (600 for
// /api/v1/users, 2000 for GET /api/v1/users/{id}, ...), also enforced.
// limit <= 0 restores the defaults.
func (s *Server) RateLimit(limit int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if window <= 0 {
		window = time.Minute
	}
	s.rlLimit, s.rlWindow = limit, window
	s.buckets = map[string]*bucket{}
}

// MaxConcurrent is the peak number of requests in flight at once so far
// (injected latency included).
func (s *Server) MaxConcurrent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

// Calls returns every request received so far, in the order answered.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallCount is len(Calls()).
func (s *Server) CallCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

// WaitCalls waits until at least n requests have been answered, or until
// timeout, and returns the calls so far. Running out of time fails the
// test (t.Errorf) and returns what there is.
func (s *Server) WaitCalls(n int, timeout time.Duration) []Call {
	s.t.Helper()
	if !s.waitUntil(func() bool { return len(s.calls) >= n }, timeout) {
		calls := s.Calls()
		s.t.Errorf("oktatest: waited %v for %d calls, got %d", timeout, n, len(calls))
		return calls
	}
	return s.Calls()
}

// Violations returns the spec violations seen so far.
func (s *Server) Violations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Violation(nil), s.violations...)
}

// Client returns an HTTP client for the fake (httptest's), for wire-level
// tests; the SDK needs none.
func (s *Server) Client() *http.Client { return s.ts.Client() }

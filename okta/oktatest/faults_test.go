package oktatest

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"
)

func TestHeadersOnEveryResponse(t *testing.T) {
	clock := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	s, _ := newCollecting(t, WithClock(func() time.Time { return clock }))
	u := s.AddUser(User{Login: "h@corp.com"})
	ids := map[string]bool{}
	for _, path := range []string{"/api/v1/users/" + u.ID, "/api/v1/users/nobody", "/api/v1/nowhere", "/api/v1/users", "/api/v1/org"} {
		r := do(t, s, "GET", path, "")
		id := r.header.Get("X-Okta-Request-Id")
		if id == "" || ids[id] {
			t.Errorf("GET %s: X-Okta-Request-Id %q missing or repeated", path, id)
		}
		ids[id] = true
		for _, h := range []string{"X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"} {
			if _, err := strconv.ParseInt(r.header.Get(h), 10, 64); err != nil {
				t.Errorf("GET %s: %s = %q", path, h, r.header.Get(h))
			}
		}
		if d := r.header.Get("Date"); d != "Mon, 06 May 2030 07:08:09 GMT" {
			t.Errorf("GET %s: Date %q, want the server clock", path, d)
		}
	}
	r := do(t, s, "GET", "/api/v1/users/"+u.ID, "")
	if got := r.header.Get("X-Rate-Limit-Reset"); got != strconv.FormatInt(clock.Add(time.Minute).Unix(), 10) {
		t.Errorf("X-Rate-Limit-Reset = %s, want the end of the minute window", got)
	}
	if got := r.header.Get("X-Rate-Limit-Limit"); got != "2000" {
		t.Errorf("GET /users/{id} limit = %s, want Okta's 2000", got)
	}
	var body struct{ Created string }
	r.decode(t, &body)
	if body.Created != "2030-05-06T07:08:09.000Z" {
		t.Errorf("created = %q, want the server clock", body.Created)
	}
	if got := s.Calls()[0].At; !got.Equal(clock) {
		t.Errorf("Call.At = %v", got)
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	s := New(t, WithClock(clock))
	u := s.AddUser(User{Login: "r@corp.com"})
	s.RateLimit(2, 10*time.Second)

	var remaining []string
	for range 2 {
		r := do(t, s, "GET", "/api/v1/users/"+u.ID, "")
		if r.status != 200 {
			t.Fatalf("within the limit: %d", r.status)
		}
		remaining = append(remaining, r.header.Get("X-Rate-Limit-Remaining"))
	}
	if remaining[0] != "1" || remaining[1] != "0" {
		t.Errorf("remaining = %v, want [1 0]", remaining)
	}
	r := do(t, s, "GET", "/api/v1/users/"+u.ID, "")
	if r.status != 429 || r.errorCode(t) != "E0000047" || r.header.Get("X-Rate-Limit-Remaining") != "0" {
		t.Errorf("over the limit: %d %s %v", r.status, r.body, r.header)
	}
	reset, _ := strconv.ParseInt(r.header.Get("X-Rate-Limit-Reset"), 10, 64)
	date, err := http.ParseTime(r.header.Get("Date"))
	if err != nil || reset-date.Unix() != 10 {
		t.Errorf("Reset %d - Date %v = %d, want 10", reset, date, reset-date.Unix())
	}
	// Another bucket is unaffected.
	if r := do(t, s, "GET", "/api/v1/groups", ""); r.status != 200 {
		t.Errorf("groups bucket: %d", r.status)
	}
	advance(10 * time.Second)
	if r := do(t, s, "GET", "/api/v1/users/"+u.ID, ""); r.status != 200 || r.header.Get("X-Rate-Limit-Remaining") != "1" {
		t.Errorf("after the window: %d, remaining %s", r.status, r.header.Get("X-Rate-Limit-Remaining"))
	}

	// The SDK, without retries, reports the 429.
	ctx, c := sdk(t, s)
	do(t, s, "GET", "/api/v1/users/"+u.ID, "")
	_, _, err = c.User.GetUser(ctx, u.ID)
	if err == nil {
		t.Errorf("GetUser over the limit succeeded")
	}
}

func TestThrottleAndSDKRetries(t *testing.T) {
	s := New(t)
	u := s.AddUser(User{Login: "t@corp.com"})
	s.Throttle(2)
	// MaxBackoff 0 makes the SDK retry at once instead of waiting
	// Reset - Date + 1 seconds.
	ctx, c := sdk(t, s, okta.WithRateLimitMaxRetries(2), okta.WithRateLimitMaxBackOff(0))
	got, _, err := c.User.GetUser(ctx, u.ID)
	if err != nil || got.Id != u.ID {
		t.Fatalf("GetUser after two 429s = %v, %v", got, err)
	}
	calls := s.Calls()
	if len(calls) != 3 || calls[0].Status != 429 || calls[0].ErrorCode != "E0000047" || calls[1].Status != 429 || calls[2].Status != 200 {
		t.Errorf("calls = %+v", calls)
	}

	s.Throttle(1)
	r := do(t, s, "GET", "/api/v1/users/"+u.ID, "")
	if r.status != 429 || r.header.Get("X-Rate-Limit-Remaining") != "0" || r.header.Get("Date") == "" {
		t.Errorf("throttled: %d %v", r.status, r.header)
	}
	date, _ := http.ParseTime(r.header.Get("Date"))
	if reset := r.header.Get("X-Rate-Limit-Reset"); reset != strconv.FormatInt(date.Unix(), 10) {
		t.Errorf("throttle reset %s, want the Date %d", reset, date.Unix())
	}
	// Without retries the SDK turns a 429 into "too many requests".
	s.Throttle(1)
	ctx, c = sdk(t, s)
	if _, _, err := c.User.GetUser(ctx, u.ID); err == nil || !strings.Contains(err.Error(), "too many requests") {
		t.Errorf("GetUser throttled without retries: %v", err)
	}
}

func TestFailNext(t *testing.T) {
	s := New(t)
	u := s.AddUser(User{Login: "f@corp.com"})
	s.FailNext(2, http.StatusServiceUnavailable)
	for range 2 {
		r := do(t, s, "POST", "/api/v1/users/"+u.ID+"/lifecycle/suspend", "")
		if r.status != 503 || r.errorCode(t) != "E0000009" {
			t.Errorf("failing: %d %s", r.status, r.body)
		}
	}
	if st := status(t, s, u.ID); st != "ACTIVE" {
		t.Errorf("a failed call changed the user: %s", st)
	}
	if r := do(t, s, "POST", "/api/v1/users/"+u.ID+"/lifecycle/suspend", ""); r.status != 200 {
		t.Errorf("after the failures: %d", r.status)
	}
	s.FailNext(1, http.StatusInternalServerError)
	ctx, c := sdk(t, s)
	_, _, err := c.User.GetUser(ctx, u.ID)
	wantCode(t, err, "E0000009")
}

func TestLatencyHonoursCancellation(t *testing.T) {
	s := New(t, WithLatency(time.Hour))
	u := s.AddUser(User{Login: "l@corp.com"})
	ctx, c := sdk(t, s)
	ctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() {
		_, _, err := c.User.GetUser(ctx, u.ID)
		errc <- err
	}()
	waitFor(t, s, func() bool { return s.inFlight == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("GetUser = %v, want context.Canceled", err)
	}
	calls := s.WaitCalls(1, 10*time.Second)
	if len(calls) != 1 || calls[0].Status != 0 {
		t.Errorf("calls = %+v, want one unanswered call", calls)
	}
	s.SetLatency(0)
	if r := do(t, s, "GET", "/api/v1/users/"+u.ID, ""); r.status != 200 {
		t.Errorf("without latency: %d", r.status)
	}
}

func TestMaxConcurrent(t *testing.T) {
	s := New(t)
	u := s.AddUser(User{Login: "c@corp.com"})
	s.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	const n = 5
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/api/v1/users/"+u.ID, nil)
			req.Header.Set("Authorization", "SSWS "+s.Token)
			if resp, err := s.Client().Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	waitFor(t, s, func() bool { return s.inFlight == n })
	cancel()
	wg.Wait()
	s.WaitCalls(n, 10*time.Second)
	if got := s.MaxConcurrent(); got != n {
		t.Errorf("MaxConcurrent = %d, want %d", got, n)
	}
}

func TestWaitCallsTimesOut(t *testing.T) {
	ft := &fakeTB{TB: t}
	s := New(ft)
	if calls := s.WaitCalls(1, time.Millisecond); len(calls) != 0 {
		t.Errorf("calls = %v", calls)
	}
	if len(ft.errors) != 1 {
		t.Errorf("WaitCalls timing out reported %v, want one error", ft.errors)
	}
}

// waitFor waits until cond (called with s.mu held) holds, failing the
// test after a deadline.
func waitFor(t *testing.T, s *Server, cond func() bool) {
	t.Helper()
	if !s.waitUntil(cond, 10*time.Second) {
		t.Fatalf("condition not met within 10s")
	}
}

// fakeTB records Errorf and Fatalf instead of failing.
type fakeTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
	fatal  []string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, format)
}

// Fatalf records and stops the calling goroutine, as testing's does; call
// the code under test in its own goroutine.
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = append(f.fatal, format)
	f.mu.Unlock()
	runtime.Goexit()
}

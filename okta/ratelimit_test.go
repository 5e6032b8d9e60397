package okta

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
)

// fakeClock is a clock whose sleep advances it at once and records how
// long it was asked to wait.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	// Close to real time: admit compares the clock with real context
	// deadlines.
	return &fakeClock{t: time.Now().Truncate(time.Second)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Sleep moves the clock to until at once (concurrent sleepers waiting for
// the same reset move it once).
func (c *fakeClock) Sleep(ctx context.Context, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, until.Sub(c.t))
	c.t = later(c.t, until)
	return nil
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// rlResponse is a response with Okta's rate-limit headers, reset seconds
// after the clock's now.
func rlResponse(clk *fakeClock, status, limit, remaining int, reset time.Duration) *http.Response {
	now := clk.Now()
	h := http.Header{}
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(now.Add(reset).Unix(), 10))
	h.Set("X-Okta-Request-Id", "req-"+strconv.Itoa(status))
	h.Set("Content-Type", "application/json")
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader("{}"))}
}

func testLimiter(next http.RoundTripper, clk *fakeClock, maxInFlight int) *limiter {
	l := newLimiter(next, clk.Now, maxInFlight, zerolog.Nop())
	l.sleep = clk.Sleep
	l.jitter = func() time.Duration { return 0 }
	return l
}

func get(t *testing.T, ctx context.Context, rt http.RoundTripper, path string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rt.RoundTrip(req)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

func TestLimiter429IsRetriedAfterReset(t *testing.T) {
	clk := newFakeClock()
	var calls atomic.Int32
	l := testLimiter(rtFunc(func(r *http.Request) (*http.Response, error) {
		if calls.Add(1) == 1 {
			return rlResponse(clk, 429, 600, 0, 7*time.Second), nil
		}
		return rlResponse(clk, 200, 600, 599, 60*time.Second), nil
	}), clk, 0)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	resp, err := get(t, ctx, l, "/api/v1/users/bob")
	if err != nil {
		t.Fatalf("RoundTrip: %v", err)
	}
	if resp.StatusCode != 200 || calls.Load() != 2 {
		t.Errorf("status %d after %d calls, want 200 after 2", resp.StatusCode, calls.Load())
	}
	if diff := cmp.Diff([]time.Duration{7 * time.Second}, clk.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestLimiter429BeyondDeadlineIsRateLimited(t *testing.T) {
	clk := newFakeClock()
	var calls atomic.Int32
	l := testLimiter(rtFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return rlResponse(clk, 429, 600, 0, 45*time.Second), nil
	}), clk, 0)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := get(t, ctx, l, "/api/v1/users/bob")
	var rl *rateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want a *rateLimitError", err)
	}
	if rl.RequestID != "req-429" {
		t.Errorf("RequestID = %q, want the 429's", rl.RequestID)
	}
	if calls.Load() != 1 || len(clk.Sleeps()) != 0 {
		t.Errorf("%d calls, waits %v; want 1 call and no wait past the deadline", calls.Load(), clk.Sleeps())
	}
}

func TestLimiter429WithoutHeadersWaitsBriefly(t *testing.T) {
	clk := newFakeClock()
	var calls atomic.Int32
	l := testLimiter(rtFunc(func(r *http.Request) (*http.Response, error) {
		if calls.Add(1) == 1 {
			return &http.Response{StatusCode: 429, Header: http.Header{}, Body: http.NoBody}, nil
		}
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}, nil
	}), clk, 0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := get(t, ctx, l, "/api/v1/groups"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{fallbackWait}, clk.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	// The header-less bucket is forgotten after its wait: no more waits.
	if _, err := get(t, ctx, l, "/api/v1/groups"); err != nil {
		t.Fatal(err)
	}
	if n := len(clk.Sleeps()); n != 1 {
		t.Errorf("%d waits, want 1", n)
	}
}

func TestLimiterGivesUpAfterMaxAttempts(t *testing.T) {
	clk := newFakeClock()
	var calls atomic.Int32
	l := testLimiter(rtFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return rlResponse(clk, 429, 600, 0, time.Second), nil
	}), clk, 0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := get(t, ctx, l, "/api/v1/users/bob")
	var rl *rateLimitError
	if !errors.As(err, &rl) || calls.Load() != maxAttempts {
		t.Errorf("err = %v after %d calls, want a *rateLimitError after %d", err, calls.Load(), maxAttempts)
	}
}

func TestLimiterReserveDelaysUntilReset(t *testing.T) {
	clk := newFakeClock()
	remaining := 7 // reserve for limit 100 is 5
	var calls atomic.Int32
	l := testLimiter(rtFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		remaining--
		return rlResponse(clk, 200, 100, remaining, 10*time.Second), nil
	}), clk, 0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// 1st: unknown bucket, sent (remaining 6). 2nd: 6 > 5, sent
	// (remaining 5). 3rd: at the reserve, waits for the reset.
	for i := range 3 {
		if _, err := get(t, ctx, l, "/api/v1/users/u"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
		if i == 1 && len(clk.Sleeps()) != 0 {
			t.Fatalf("waited before the reserve was reached: %v", clk.Sleeps())
		}
	}
	if diff := cmp.Diff([]time.Duration{10 * time.Second}, clk.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	// Another bucket is not delayed.
	if _, err := get(t, ctx, l, "/api/v1/groups"); err != nil {
		t.Fatal(err)
	}
	if len(clk.Sleeps()) != 1 || calls.Load() != 4 {
		t.Errorf("waits %v, %d calls; want 1 wait, 4 calls", clk.Sleeps(), calls.Load())
	}
}

func TestLimiterSpendsReserveRatherThanMissDeadline(t *testing.T) {
	clk := newFakeClock()
	l := testLimiter(rtFunc(func(r *http.Request) (*http.Response, error) {
		return rlResponse(clk, 200, 100, 3, 50*time.Second), nil
	}), clk, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 3 { // the first learns the bucket; 3 left, 2 spent from the reserve
		if _, err := get(t, ctx, l, "/api/v1/users/bob"); err != nil {
			t.Fatal(err)
		}
	}
	if len(clk.Sleeps()) != 0 {
		t.Errorf("waited %v past the deadline", clk.Sleeps())
	}
	// Drain the bucket: with nothing left and no time to wait, the call is
	// refused without reaching Okta.
	for range 2 {
		_, _ = get(t, ctx, l, "/api/v1/users/bob")
	}
	_, err := get(t, ctx, l, "/api/v1/users/bob")
	var rl *rateLimitError
	if !errors.As(err, &rl) {
		t.Errorf("err = %v, want a *rateLimitError for an empty bucket", err)
	}
}

func TestLimiterIgnoresStaleWindow(t *testing.T) {
	clk := newFakeClock()
	l := testLimiter(nil, clk, 0)
	key := "GET /api/v1/users/{id}"
	l.record(key, rlResponse(clk, 200, 100, 50, 60*time.Second), clk.Now(), clk.Now())
	l.record(key, rlResponse(clk, 200, 100, 70, 60*time.Second), clk.Now(), clk.Now()) // same window, raced: keep the lower
	l.record(key, rlResponse(clk, 200, 100, 90, -30*time.Second), clk.Now().Add(-40*time.Second), clk.Now())
	b := l.buckets[key]
	if b.remaining != 50 {
		t.Errorf("remaining = %d, want 50", b.remaining)
	}
	_ = clk.Sleep(context.Background(), clk.Now().Add(30*time.Second))
	l.record(key, rlResponse(clk, 200, 100, 99, 60*time.Second), clk.Now(), clk.Now()) // a new window
	if b := l.buckets[key]; b.remaining != 99 {
		t.Errorf("remaining = %d after a new window, want 99", b.remaining)
	}
}

func TestLimiterRetriesWithSameBody(t *testing.T) {
	clk := newFakeClock()
	var bodies []string
	var mu sync.Mutex
	l := testLimiter(rtFunc(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		bodies = append(bodies, string(b))
		if len(bodies) == 1 {
			return rlResponse(clk, 429, 600, 0, time.Second), nil
		}
		return rlResponse(clk, 200, 600, 500, time.Minute), nil
	}), clk, 0)
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/api/v1/users/u1/roles", strings.NewReader(`{"type":"USER_ADMIN"}`))
	resp, err := l.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if diff := cmp.Diff([]string{`{"type":"USER_ADMIN"}`, `{"type":"USER_ADMIN"}`}, bodies); diff != "" {
		t.Errorf("bodies (-want +got):\n%s", diff)
	}
}

func TestLimiterCapsInFlight(t *testing.T) {
	clk := newFakeClock()
	const limit = 4
	var inFlight, peak atomic.Int32
	release := make(chan struct{})
	var warm atomic.Bool
	l := testLimiter(rtFunc(func(r *http.Request) (*http.Response, error) {
		if !warm.Load() { // the probe of the unknown bucket
			return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}, nil
		}
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		inFlight.Add(-1)
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody}, nil
	}), clk, limit)
	if _, err := get(t, context.Background(), l, "/api/v1/users/x"); err != nil {
		t.Fatal(err)
	}
	warm.Store(true)

	var wg sync.WaitGroup
	for range 3 * limit {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = get(t, context.Background(), l, "/api/v1/users/x")
		}()
	}
	waitFor(t, func() bool { return inFlight.Load() == limit })
	close(release)
	wg.Wait()
	if p := peak.Load(); p != limit {
		t.Errorf("peak in flight = %d, want %d", p, limit)
	}
}

// The first calls to an unknown bucket wait for one of them to learn its
// limits: a shared org limit may be nearly spent.
func TestLimiterProbesUnknownBucket(t *testing.T) {
	clk := newFakeClock()
	var calls atomic.Int32
	first := make(chan struct{})
	l := testLimiter(rtFunc(func(r *http.Request) (*http.Response, error) {
		if calls.Add(1) == 1 {
			<-first
			// Other integrations left 3 calls in this window.
			return rlResponse(clk, 200, 600, 3, 30*time.Second), nil
		}
		return rlResponse(clk, 200, 600, 500, time.Minute), nil // a fresh window
	}), clk, 0)
	start := clk.Now()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = get(t, ctx, l, "/api/v1/groups")
		}()
	}
	waitFor(t, func() bool { return calls.Load() == 1 })
	waitFor(t, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		b := l.buckets["GET /api/v1/groups"]
		return b != nil && b.changed != nil // the others are waiting
	})
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d calls before the probe answered, want 1", n)
	}
	close(first)
	wg.Wait()
	// 3 left, reserve 10 for limit 600: the others wait for the reset
	// instead of spending them.
	if calls.Load() != 6 || clk.Now().Sub(start) < 30*time.Second {
		t.Errorf("%d calls, waits %v; want 6 calls after waiting for the reset", calls.Load(), clk.Sleeps())
	}
}

func TestLimiterTransportErrors(t *testing.T) {
	clk := newFakeClock()
	for _, tc := range []struct {
		name string
		rt   rtFunc
		want func(error) bool
	}{
		{"eof", func(*http.Request) (*http.Response, error) { return nil, io.EOF },
			func(err error) bool { return errors.Is(err, errConnClosed) && !errors.Is(err, io.EOF) }},
		{"redirect", func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 302, Header: http.Header{"Location": {"https://evil.example/"}}, Body: http.NoBody}, nil
		}, func(err error) bool { var se *statusError; return errors.As(err, &se) && se.Status == 302 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := get(t, context.Background(), testLimiter(tc.rt, clk, 0), "/api/v1/users/x")
			if !tc.want(err) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestSanitizeLinks(t *testing.T) {
	h := http.Header{}
	h.Add("Link", `<http://127.0.0.1/api/v1/users?after=a>; rel="next"`)
	h.Add("Link", "<http://[::1/bad>; rel=\"self\"")
	sanitizeLinks(h)
	if diff := cmp.Diff([]string{`<http://127.0.0.1/api/v1/users?after=a>; rel="next"`}, h.Values("Link")); diff != "" {
		t.Errorf("links (-want +got):\n%s", diff)
	}
}

func TestPathTemplate(t *testing.T) {
	for in, want := range map[string]string{
		"/api/v1/users":                                "/api/v1/users",
		"/api/v1/users/me":                             "/api/v1/users/{id}",
		"/api/v1/users/a%2Fb%3Fc":                      "/api/v1/users/{id}",
		"/api/v1/users/00u1/lifecycle/suspend":         "/api/v1/users/{id}/lifecycle/*",
		"/api/v1/users/a%20b/lifecycle/reset_password": "/api/v1/users/{id}/lifecycle/*",
		"/api/v1/users/00u1/roles":                     "/api/v1/users/{id}/roles",
		"/api/v1/users/00u1/roles/ra1":                 "/api/v1/users/{id}/roles/{id}",
		"/api/v1/users/00u1/groups":                    "/api/v1/users/{id}/groups",
		"/api/v1/groups/00g1":                          "/api/v1/groups/{id}",
		"/api/v1/idps":                                 "/api/v1/idps",
		"/oauth2/v1/token":                             "/oauth2/v1/token",
		"/oauth2/v1/authorize":                         "/other",
		"/elsewhere":                                   "/other",
	} {
		if got := pathTemplate(in); got != want {
			t.Errorf("pathTemplate(%q) = %q, want %q", in, got, want)
		}
	}
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSleepUntil(t *testing.T) {
	l := newLimiter(nil, time.Now, 0, zerolog.Nop())
	if err := l.sleepUntil(context.Background(), time.Now().Add(-time.Second)); err != nil {
		t.Errorf("past: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.sleepUntil(ctx, time.Now().Add(time.Hour)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if err := l.sleepUntil(context.Background(), time.Now().Add(time.Millisecond)); err != nil {
		t.Errorf("short: %v", err)
	}
}

// A slow probe is not a rate limit: the calls queued behind it go out
// without its answer well before their own deadlines, and none of them is
// told Okta limited it.
func TestLimiterDoesNotQueueBehindASlowProbe(t *testing.T) {
	clk := newFakeClock()
	var calls atomic.Int32
	release := make(chan struct{})
	l := testLimiter(rtFunc(func(r *http.Request) (*http.Response, error) {
		if calls.Add(1) == 1 {
			select { // the probe: Okta takes its time
			case <-release:
			case <-r.Context().Done():
				return nil, r.Context().Err()
			}
		}
		return rlResponse(clk, 200, 600, 500, time.Minute), nil
	}), clk, 0)
	defer close(release)

	probeCtx, cancelProbe := context.WithTimeout(context.Background(), time.Minute)
	defer cancelProbe()
	go func() { _, _ = get(t, probeCtx, l, "/api/v1/users/probe") }()
	waitFor(t, func() bool { return calls.Load() == 1 })

	// Each of these would time out if it waited for the probe.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, errs[i] = get(t, ctx, l, "/api/v1/users/u"+strconv.Itoa(i))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d queued behind the slow probe: %v", i, err)
		}
	}
}

// A caller whose deadline passes while it waits for another call's answer
// is told its time ran out, not that Okta limited it.
func TestLimiterWaitingForAProbeIsNotARateLimit(t *testing.T) {
	clk := newFakeClock()
	var calls atomic.Int32
	l := testLimiter(rtFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		<-r.Context().Done()
		return nil, r.Context().Err()
	}), clk, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = get(t, ctx, l, "/api/v1/users/u"+strconv.Itoa(i))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		var rl *rateLimitError
		if errors.As(err, &rl) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("call %d: err = %v, want the deadline, not a rate limit", i, err)
		}
	}
}

// A 429 whose reset lies an hour ahead blocks the bucket for Okta's
// one-minute window at most.
func TestLimiterCapsResetAtOneMinute(t *testing.T) {
	clk := newFakeClock()
	var calls atomic.Int32
	l := testLimiter(rtFunc(func(r *http.Request) (*http.Response, error) {
		if calls.Add(1) == 1 {
			return rlResponse(clk, 429, 600, 0, time.Hour), nil
		}
		return rlResponse(clk, 200, 600, 599, time.Hour), nil
	}), clk, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := get(t, ctx, l, "/api/v1/users/bob"); err != nil {
		t.Fatalf("RoundTrip: %v", err)
	}
	if diff := cmp.Diff([]time.Duration{maxWindow + time.Second}, clk.Sleeps()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	l.mu.Lock()
	reset := l.buckets["GET /api/v1/users/{id}"].reset
	l.mu.Unlock()
	if d := reset.Sub(clk.Now()); d > maxWindow+time.Second {
		t.Errorf("the bucket's reset is believed %v ahead, want at most a minute", d)
	}
}

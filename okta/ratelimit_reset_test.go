package okta

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"oktabot/okta/oktatest"
)

// advance moves the clock on by d without recording a wait.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// getAs is get with the fake's SSWS token.
func getAs(t *testing.T, ctx context.Context, rt http.RoundTripper, srv *oktatest.Server, path string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "SSWS "+srv.Token)
	req.Header.Set("Accept", "application/json")
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	drain(resp.Body)
	return resp
}

// Okta's X-Rate-Limit-Reset is whole seconds (the fake rounds the window's
// end up, as a real server must to not announce an end too early) and its
// Date is truncated to the second: taken at face value, reset - Date is up
// to 2 s more than the window has left. The limiter must resume when the
// window really ends, without a 429. Against the fake's headers, a
// 1-second window opened 0.3 s past a whole second: the bucket spent,
// the next call waits until the window's end (1.3 s past), not until
// reset - Date after the call (2 s after 1.02 s).
func TestLimiterResumesWhenTheWindowEnds(t *testing.T) {
	clk := newFakeClock()
	start := clk.Now().Add(300 * time.Millisecond) // clk starts on a whole second
	clk.advance(300 * time.Millisecond)
	srv := oktatest.New(t, oktatest.WithClock(clk.Now), oktatest.WithRateLimit(20, time.Second))
	u := srv.AddUser(oktatest.User{Login: "alice@corp.com"})
	l := testLimiter(http.DefaultTransport, clk, 0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// The bucket's limit is 20 with a reserve of 1: 19 calls go at once,
	// 40 ms apart; Date ticks over between the 18th and the 19th.
	for i := range 19 {
		if resp := getAs(t, ctx, l, srv, "/api/v1/users/"+u.ID); resp.StatusCode != 200 {
			t.Fatalf("call %d: status %d", i+1, resp.StatusCode)
		}
		clk.advance(40 * time.Millisecond)
	}
	if s := clk.Sleeps(); len(s) != 0 {
		t.Fatalf("waited %v before the bucket was spent", s)
	}
	// The 20th waits for the window.
	if resp := getAs(t, ctx, l, srv, "/api/v1/users/"+u.ID); resp.StatusCode != 200 {
		t.Fatalf("call 20: status %d", resp.StatusCode)
	}
	end := start.Add(time.Second)
	if !clk.Now().After(end) && !clk.Now().Equal(end) {
		t.Errorf("resumed at %v, before the window's end %v", clk.Now().Sub(start), time.Second)
	}
	// The opening call's arrival is known to within the clock's bounds
	// (±20 ms here); allow that much past the end.
	if late := clk.Now().Sub(end); late > 50*time.Millisecond {
		t.Errorf("resumed %v after the window's end, want at most 50ms (waits %v)", late, clk.Sleeps())
	}
	for _, c := range srv.Calls() {
		if c.Status == http.StatusTooManyRequests {
			t.Errorf("Okta answered 429 at %v", c.At.Sub(start))
		}
	}
}

// Date alone: with no opening call seen (the window was opened by another
// integration), the limiter still reads Okta's clock to better than a
// second from Date ticking over, and waits for the header's second by
// that clock rather than for reset - Date after the call.
func TestLimiterReadsOktasClockFromDate(t *testing.T) {
	clk := newFakeClock()
	start := clk.Now()
	const skew = 3*time.Second + 600*time.Millisecond // Okta's clock is ahead
	reset := start.Add(skew).Truncate(time.Second).Add(2 * time.Second)
	remaining := 30
	l := testLimiter(rtFunc(func(r *http.Request) (*http.Response, error) {
		now := clk.Now()
		resp := rlResponse(clk, 200, 600, remaining, 0)
		resp.Header.Set("Date", now.Add(skew).UTC().Format(http.TimeFormat))
		resp.Header.Set("X-Rate-Limit-Reset", strconv.FormatInt(reset.Unix(), 10))
		remaining -= 10
		return resp, nil
	}), clk, 0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range 3 { // Date ticks over between the 2nd and the 3rd
		_, _ = get(t, ctx, l, "/api/v1/groups")
		clk.advance(300 * time.Millisecond)
	}
	// Okta's clock reads reset at local start+2s-0.6s = start+1.4s; the
	// estimate of the offset is good to 0.3 s (the calls' spacing).
	l.mu.Lock()
	got := l.buckets["GET /api/v1/groups"].reset.Sub(start)
	l.mu.Unlock()
	if want := 1400 * time.Millisecond; got < want || got > want+300*time.Millisecond {
		t.Errorf("bucket resets %v after the start, want %v (+0.3s at most)", got, want)
	}
}

// An Okta whose windows are not what the limiter infers from a window's
// opening call (here: aligned to whole minutes) costs one 429 at most:
// the limiter then waits for X-Rate-Limit-Reset's second for good.
func TestLimiterStopsInferringAfterAnEarlyCall(t *testing.T) {
	clk := newFakeClock()
	var mu sync.Mutex
	count := map[int64]int{} // calls per window, by its end
	var status []int
	const limit = 20
	l := testLimiter(rtFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		now := clk.Now()
		end := now.Truncate(time.Minute).Add(time.Minute).Unix()
		count[end]++
		st := 200
		if count[end] > limit {
			st = http.StatusTooManyRequests
		}
		status = append(status, st)
		resp := rlResponse(clk, st, limit, max(limit-count[end], 0), 0)
		resp.Header.Set("X-Rate-Limit-Reset", strconv.FormatInt(end, 10))
		return resp, nil
	}), clk, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// Start 10 s into a minute; Date ticks over during the first window.
	clk.advance(clk.Now().Truncate(time.Minute).Add(time.Minute + 10*time.Second).Sub(clk.Now()))
	for i := range 3 * limit {
		_, err := get(t, ctx, l, "/api/v1/groups")
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		clk.advance(40 * time.Millisecond)
	}
	n429 := 0
	for _, s := range status {
		if s == http.StatusTooManyRequests {
			n429++
		}
	}
	if n429 > 1 {
		t.Errorf("%d 429s, want at most one (statuses %v)", n429, status)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if n429 == 1 && !l.noInfer {
		t.Error("after an early call, the limiter still infers window ends")
	}
}

// A bucket's windows all last as long: once a window's opening call tells
// the length, a later window whose opening call's arrival Okta's clock
// cannot place closely enough ends that long after the call's answer, not
// at X-Rate-Limit-Reset's second; a window that does not fit the length
// kept forgets it.
func TestLimiterKeepsABucketsWindowLength(t *testing.T) {
	l := newLimiter(nil, time.Now, 0, zerolog.Nop())
	t0 := time.Unix(1_900_000_000, 0)
	l.clock = oktaClock{lo: 0, hi: 100 * time.Millisecond, ok: true}
	at := func(d time.Duration) *opening { return &opening{sent: t0.Add(d), recv: t0.Add(d)} }
	var window time.Duration

	// Opened at 0.3 s, reset at 2: the arrival (0.3 to 0.4 by Okta's
	// clock) says the window lasts 1 s.
	end, ok := l.inferEnd(t0.Unix()+2, at(300*time.Millisecond), &window)
	if !ok || window != time.Second || !end.Equal(t0.Add(1300*time.Millisecond)) {
		t.Fatalf("first window: end %v, %v, length %v; want 1.3 s, true, 1 s", end.Sub(t0), ok, window)
	}
	// Opened at 5.95 s, reset at 7: 5.95 to 6.05 by Okta's clock could
	// be 0 or 1 whole seconds before 7; the length kept says 1.
	end, ok = l.inferEnd(t0.Unix()+7, at(5950*time.Millisecond), &window)
	if !ok || !end.Equal(t0.Add(6950*time.Millisecond)) {
		t.Errorf("second window: end %v, %v; want 6.95 s, true", end.Sub(t0), ok)
	}
	var none time.Duration
	if _, ok := l.inferEnd(t0.Unix()+7, at(5950*time.Millisecond), &none); ok {
		t.Error("with no length kept, an arrival that cannot be placed gave an end")
	}
	wrong := 5 * time.Second
	if _, ok := l.inferEnd(t0.Unix()+7, at(5950*time.Millisecond), &wrong); ok || wrong != 0 {
		t.Errorf("a length that does not fit: ok %v, kept %v; want false and forgotten", ok, wrong)
	}
}

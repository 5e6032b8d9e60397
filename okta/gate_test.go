package okta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"oktabot/actions"
	"oktabot/okta/oktatest"
)

// admitted acquires a slot for who in its own goroutine and reports on
// the channel once it has one.
func admitted(t *testing.T, g *gate, who string) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		if err := g.acquire(context.Background(), who); err != nil {
			t.Error(err)
			return
		}
		close(ch)
	}()
	return ch
}

func waitWaiting(t *testing.T, g *gate, n int) {
	t.Helper()
	waitFor(t, func() bool { _, _, w := g.load(); return w == n })
}

// When a slot frees, it goes to whoever has the fewest calls in flight:
// alice's ten waiting calls do not keep bob's one waiting beyond the first
// call to finish.
func TestGateIsFairBetweenPeople(t *testing.T) {
	g := newGate(2)
	for range 2 {
		<-admitted(t, g, "alice")
	}
	var alices []<-chan struct{}
	for i := range 10 {
		alices = append(alices, admitted(t, g, "alice"))
		waitWaiting(t, g, i+1)
	}
	bob := admitted(t, g, "bob")
	waitWaiting(t, g, 11)

	g.release("alice", false)
	<-bob
	select {
	case <-alices[0]:
		t.Fatal("alice's waiting call went before bob's")
	default:
	}
	// Then alice's, in the order she sent them.
	g.release("alice", false)
	<-alices[0]
	select {
	case <-alices[1]:
		t.Fatal("a second slot was given with one free")
	default:
	}
	if c, in, w := g.load(); c != 2 || in != 2 || w != 9 {
		t.Errorf("cap %d, in flight %d, waiting %d; want 2, 2, 9", c, in, w)
	}
}

// Okta refusing a call for its concurrency limit lowers the cap below what
// was in flight; answers raise it again, one for every cap of them.
func TestGateBacksOffAfterAConcurrencyRefusal(t *testing.T) {
	g := newGate(4)
	for range 4 {
		<-admitted(t, g, "")
	}
	g.release("", true) // 4 were in flight: the cap is 3
	if c, in, _ := g.load(); c != 3 || in != 3 {
		t.Fatalf("after a refusal: cap %d, in flight %d; want 3 and 3", c, in)
	}
	late := admitted(t, g, "")
	waitWaiting(t, g, 1)
	g.release("", false) // 1 of 3 answers toward a higher cap
	<-late
	g.release("", false)
	g.release("", false) // 3 answers: the cap rises to 4
	if c, in, _ := g.load(); c != 4 || in != 1 {
		t.Errorf("after 3 answers: cap %d, in flight %d; want 4 and 1", c, in)
	}
}

// A waiter whose context ends leaves the line without taking a slot.
func TestGateWaiterGivesUp(t *testing.T) {
	g := newGate(1)
	<-admitted(t, g, "alice")
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- g.acquire(ctx, "bob") }()
	waitWaiting(t, g, 1)
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("acquire returned nil after its context ended")
	}
	g.release("alice", false)
	if _, in, w := g.load(); in != 0 || w != 0 {
		t.Errorf("in flight %d, waiting %d; want none", in, w)
	}
}

// With Okta's concurrency limit lower than the client's cap (other
// integrations use the rest), every call still succeeds: the refusals stay
// inside the client, which never has more in flight than Okta takes for
// long.
func TestClientLivesWithOktasConcurrencyLimit(t *testing.T) {
	srv := oktatest.New(t, oktatest.WithConcurrencyLimit(3))
	users := seedUsers(srv, 40)
	srv.SetLatency(20 * time.Millisecond)
	c := fakeClient(t, srv, func(cfg *Config) { cfg.MaxInFlight = 10 })
	for _, err := range suspendAll(c, users) {
		t.Errorf("SuspendUser: %v", err)
	}
	refused := 0
	for _, call := range srv.Calls() {
		if call.Status == 429 {
			refused++
		}
	}
	if refused == 0 {
		t.Error("Okta refused no call: the test did not reach its concurrency limit")
	}
	if c, _, _ := c.lim.gate.load(); c >= 10 {
		t.Errorf("the cap is still %d after %d refusals", c, refused)
	}
	for _, u := range users {
		if got, _ := srv.User(u.ID); got.Status != "SUSPENDED" {
			t.Errorf("%s is %s", u.Login, got.Status)
		}
	}
}

// Through the client: with two calls allowed at once and alice's twenty
// waiting, bob's one call goes out as soon as one of the two in flight is
// answered.
func TestClientSharesCallsFairly(t *testing.T) {
	srv := oktatest.New(t)
	users := seedUsers(srv, 21)
	c := fakeClient(t, srv, func(cfg *Config) { cfg.MaxInFlight = 2 })
	// The bucket's first call is a probe the others wait for; make it
	// before holding calls.
	if _, err := c.FindUser(context.Background(), users[0].ID); err != nil {
		t.Fatal(err)
	}
	srv.HoldCalls()
	alice := actions.OnBehalfOf(context.Background(), "alice")
	var wg sync.WaitGroup
	for _, u := range users[:20] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.FindUser(alice, u.ID); err != nil {
				t.Error(err)
			}
		}()
	}
	srv.WaitHeld(2, 10*time.Second)
	waitFor(t, func() bool { _, _, w := c.lim.gate.load(); return w == 18 })
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := c.FindUser(actions.OnBehalfOf(context.Background(), "bob"), users[20].ID); err != nil {
			t.Error(err)
		}
	}()
	waitFor(t, func() bool { _, _, w := c.lim.gate.load(); return w == 19 })

	srv.ReleaseHeld() // alice's first two are answered
	held := srv.WaitHeld(2, 10*time.Second)
	paths := fmt.Sprint(held[0].Path, " ", held[1].Path)
	if want := "/api/v1/users/" + users[20].ID; held[0].Path != want && held[1].Path != want {
		t.Errorf("the two calls after the first round: %s; want bob's %s among them", paths, want)
	}
	srv.StopHolding()
	wg.Wait()
}

// A 429 for Okta's concurrency limit (X-Rate-Limit-Limit 0) is not the
// bucket's: the call is retried without waiting for any bucket's reset,
// and the bucket keeps what its own answers said.
func TestLimiterConcurrencyRefusalIsNotABucketLimit(t *testing.T) {
	clk := newFakeClock()
	var calls int
	var mu sync.Mutex
	l := testLimiter(rtFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		switch calls++; calls {
		case 2:
			return rlResponse(clk, 429, 0, 0, 0), nil // reset now: retry at once
		default:
			return rlResponse(clk, 200, 600, 600-calls, 60*time.Second), nil
		}
	}), clk, 0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range 2 {
		if resp, err := get(t, ctx, l, "/api/v1/users/bob"); err != nil || resp.StatusCode != 200 {
			t.Fatalf("RoundTrip: %v", err)
		}
	}
	if calls != 3 {
		t.Errorf("%d calls, want 3 (one refused and retried)", calls)
	}
	if s := clk.Sleeps(); len(s) != 0 {
		t.Errorf("waited %v for a bucket", s)
	}
	l.mu.Lock()
	b := l.buckets["GET /api/v1/users/{id}"]
	l.mu.Unlock()
	if b.state != known || b.limit != 600 || b.remaining < 590 {
		t.Errorf("bucket after a concurrency refusal: %+v", *b)
	}
	if c, _, _ := l.gate.load(); c != 2 {
		// One call was in flight when Okta refused it: the cap fell to 1,
		// and the retry's answer raised it to 2.
		t.Errorf("cap %d, want 2", c)
	}
}

// An optional call (actions.Optional) never waits: it takes a slot only
// when one is free and nobody waits for one, and is ErrLeftBusy at once
// otherwise. A call that does wait for a slot adds its wait to its work
// (actions.Waited).
func TestGateNeverKeepsAnOptionalCallWaiting(t *testing.T) {
	g := newGate(1)
	optional := actions.Optional(context.Background())
	if err := g.acquire(optional, "bob"); err != nil {
		t.Fatalf("an optional call with a free slot: %v", err)
	}
	if err := g.acquire(optional, "carol"); err != actions.ErrLeftBusy {
		t.Fatalf("an optional call with every slot taken: %v, want ErrLeftBusy", err)
	}
	alice := actions.OnBehalfOf(context.Background(), "alice")
	done := make(chan error, 1)
	go func() { done <- g.acquire(alice, "alice") }()
	waitWaiting(t, g, 1)
	if err := g.acquire(optional, "carol"); err != actions.ErrLeftBusy {
		t.Fatalf("an optional call while alice waits: %v, want ErrLeftBusy", err)
	}
	g.release("bob", false)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if actions.Waited(alice) <= 0 {
		t.Error("alice's call waited for a slot, and her work does not say so")
	}
	g.release("alice", false)
	if _, in, w := g.load(); in != 0 || w != 0 {
		t.Fatalf("in flight %d, waiting %d; want none (the optional calls refused took no slot)", in, w)
	}
}

// Through the client and the fake Okta: with the one slot taken, bob's
// optional read is left unmade (Okta sees no call) and his request's
// essential call waits; that brief wait leaves his later optional read
// to be made, but a request that has waited actions.OptionalPatience for
// a worker leaves its optional reads even with the slot free.
func TestClientLeavesOptionalReadsToABusyOkta(t *testing.T) {
	srv := oktatest.New(t)
	users := seedUsers(srv, 3)
	c := fakeClient(t, srv, func(cfg *Config) { cfg.MaxInFlight = 1 })
	bg := context.Background()
	// Each bucket's first call is a probe; make them before holding.
	if _, err := c.FindUser(bg, users[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListFactors(bg, users[0].ID); err != nil {
		t.Fatal(err)
	}
	factorCalls := func(u oktatest.User) int {
		n := 0
		for _, call := range srv.Calls() {
			if call.Path == "/api/v1/users/"+u.ID+"/factors" {
				n++
			}
		}
		return n
	}

	srv.HoldCalls()
	alice := actions.OnBehalfOf(bg, "alice")
	bob := actions.OnBehalfOf(bg, "bob")
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if _, err := c.FindUser(alice, users[1].ID); err != nil {
			t.Error(err)
		}
	}()
	srv.WaitHeld(1, 10*time.Second)
	_, err := c.ListFactors(actions.Optional(bob), users[2].ID)
	var ae *actions.Error
	if !errors.Is(err, actions.ErrLeftBusy) || !errors.As(err, &ae) || ae.Kind != actions.KindUnavailable {
		t.Fatalf("bob's optional read with the slot taken: %v, want an unavailable ErrLeftBusy", err)
	}
	if !strings.Contains(ae.Message, "left unread: Okta had every call it allows at once") {
		t.Errorf("message %q", ae.Message)
	}
	go func() {
		defer wg.Done()
		if _, err := c.FindUser(bob, users[2].ID); err != nil {
			t.Error(err)
		}
	}()
	waitFor(t, func() bool { _, _, w := c.lim.gate.load(); return w == 1 })
	srv.StopHolding()
	wg.Wait()
	if n := factorCalls(users[2]); n != 0 {
		t.Errorf("Okta saw %d reads of bob's target's factors, want none", n)
	}

	if w := actions.Waited(bob); w <= 0 || w >= actions.OptionalPatience {
		t.Fatalf("bob waited %v; the test needs a brief wait", w)
	}
	if _, err := c.ListFactors(actions.Optional(bob), users[2].ID); err != nil {
		t.Errorf("bob's optional read after a brief wait, the slot free: %v", err)
	}
	carol := actions.Queued(actions.OnBehalfOf(bg, "carol"), actions.OptionalPatience, nil)
	if _, err := c.ListFactors(actions.Optional(carol), users[1].ID); !errors.Is(err, actions.ErrLeftWaiting) {
		t.Errorf("carol's optional read after her request waited for a worker: %v, want ErrLeftWaiting", err)
	}
	if n := factorCalls(users[1]); n != 0 {
		t.Errorf("Okta saw %d reads of carol's target's factors, want none", n)
	}
}

// An optional call is not retried after a 429, nor sent while its
// endpoint's rate limit is down to the reserve: the reserve is left to
// calls their requests cannot do without.
func TestLimiterLeavesOptionalCallsToTheRateLimit(t *testing.T) {
	clk := newFakeClock()
	var calls int
	var mu sync.Mutex
	limit := 0 // Okta's concurrency refusal first
	l := testLimiter(rtFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		return rlResponse(clk, 429, limit, 0, 60*time.Second), nil
	}), clk, 0)
	ctx, cancel := context.WithTimeout(actions.Optional(context.Background()), time.Minute)
	defer cancel()
	if _, err := get(t, ctx, l, "/api/v1/users/bob/factors"); !errors.Is(err, actions.ErrLeftBusy) {
		t.Fatalf("an optional call refused for Okta's concurrency limit: %v, want ErrLeftBusy", err)
	}
	mu.Lock()
	limit = 600 // the bucket's own limit, spent
	mu.Unlock()
	if _, err := get(t, ctx, l, "/api/v1/users/bob/factors"); !errors.Is(err, actions.ErrLeftRateLimit) {
		t.Fatalf("an optional call answered 429: %v, want ErrLeftRateLimit", err)
	}
	if calls != 2 || len(clk.Sleeps()) != 0 {
		t.Fatalf("%d calls and waits %v; want two calls and no wait", calls, clk.Sleeps())
	}
	// The 429 left the bucket spent until its reset, a minute on.
	if _, err := get(t, ctx, l, "/api/v1/users/bob/factors"); !errors.Is(err, actions.ErrLeftRateLimit) {
		t.Fatalf("an optional call with the bucket spent: %v, want ErrLeftRateLimit", err)
	}
	if calls != 2 || len(clk.Sleeps()) != 0 {
		t.Errorf("%d calls and waits %v; want still two calls and no wait", calls, clk.Sleeps())
	}
}

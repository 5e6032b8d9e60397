package oktatest

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Requests over the org's concurrency limit are refused at once, as Okta
// refuses them: 429 E0000047 with X-Rate-Limit-Limit and -Remaining 0 and
// a reset a moment away; once the others finish, requests go through
// again. The first refusal is in the System Log; refused requests count
// against no bucket.
func TestConcurrencyLimit(t *testing.T) {
	s := New(t, WithConcurrencyLimit(3))
	u := s.AddUser(User{Login: "c@corp.com"})
	s.HoldCalls()
	var wg sync.WaitGroup
	statuses := make(chan int, 3)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- do(t, s, "GET", "/api/v1/users/"+u.ID, "").status
		}()
	}
	if held := s.WaitHeld(3, 10*time.Second); len(held) != 3 || held[0].Operation != "getUser" {
		t.Fatalf("held %+v, want the 3 calls", held)
	}

	r := do(t, s, "GET", "/api/v1/users/"+u.ID, "")
	if r.status != http.StatusTooManyRequests || r.errorCode(t) != "E0000047" {
		t.Fatalf("a 4th concurrent request: %d %s, want 429 E0000047", r.status, r.body)
	}
	if l, rem := r.header.Get("X-Rate-Limit-Limit"), r.header.Get("X-Rate-Limit-Remaining"); l != "0" || rem != "0" {
		t.Errorf("concurrency 429 headers: limit %q remaining %q, want 0 and 0", l, rem)
	}
	date, _ := http.ParseTime(r.header.Get("Date"))
	if reset, _ := strconv.ParseInt(r.header.Get("X-Rate-Limit-Reset"), 10, 64); reset <= date.Unix() {
		t.Errorf("X-Rate-Limit-Reset %d is not after Date %v", reset, date)
	}
	do(t, s, "GET", "/api/v1/users/"+u.ID, "") // refused as well

	if n := s.ReleaseHeld(); n != 3 {
		t.Errorf("released %d, want 3", n)
	}
	wg.Wait()
	close(statuses)
	for st := range statuses {
		if st != http.StatusOK {
			t.Errorf("a request within the limit got %d", st)
		}
	}
	s.StopHolding()
	r = do(t, s, "GET", "/api/v1/users/"+u.ID, "")
	if r.status != http.StatusOK {
		t.Errorf("after the others finished: %d, want 200", r.status)
	}
	if got := r.header.Get("X-Rate-Limit-Remaining"); got != "1996" {
		t.Errorf("bucket remaining = %s, want 1996 (4 calls answered; the refused 2 not counted)", got)
	}
	if got := s.MaxConcurrent(); got != 3 {
		t.Errorf("MaxConcurrent = %d, want 3 (refused requests are not in flight)", got)
	}
	var violations int
	for _, e := range s.LogEvents() {
		if e.EventType == "core.concurrency.org.limit.violation" {
			violations++
		}
	}
	if violations != 1 {
		t.Errorf("%d concurrency events in the System Log, want 1 (the first a minute)", violations)
	}
}

// The default limit is Okta's, 75.
func TestConcurrencyLimitDefault(t *testing.T) {
	s := New(t)
	if s.concurrency != DefaultConcurrencyLimit || DefaultConcurrencyLimit != 75 {
		t.Errorf("limit = %d", s.concurrency)
	}
}

// A held request whose client gives up is no longer held.
func TestHeldCallAbandoned(t *testing.T) {
	s := New(t)
	s.HoldCalls()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/api/v1/users/me", nil)
		req.Header.Set("Authorization", "SSWS "+s.Token)
		if resp, err := s.Client().Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	s.WaitHeld(1, 10*time.Second)
	cancel()
	<-done
	waitFor(t, s, func() bool { return len(s.held) == 0 && s.inFlight == 0 })
	if n := s.ReleaseHeld(); n != 0 {
		t.Errorf("released %d abandoned calls", n)
	}
}

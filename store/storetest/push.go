package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"oktabot/store"
)

var pushCases = []struct {
	name string
	f    func(*testing.T, *harness)
}{
	{"PushLockOneHolder", testPushLockOneHolder},
	{"PushLockConcurrentTwoHandles", testPushLockConcurrent},
	{"PushLockLapses", testPushLockLapses},
}

// One owner holds a person's push lock at a time; another person's is
// their own; only its owner releases it.
func testPushLockOneHolder(t *testing.T, h *harness) {
	s := h.handle(t)
	take := func(user, owner string) bool {
		t.Helper()
		ok, err := s.TakePush(ctx, user, owner, time.Minute)
		if err != nil {
			t.Fatalf("TakePush(%s, %s): %v", user, owner, err)
		}
		return ok
	}
	if !take("00ukim", "push-1") {
		t.Fatal("the first TakePush did not take a free lock")
	}
	if take("00ukim", "push-2") || take("00ukim", "push-1") {
		t.Fatal("a held lock was taken again")
	}
	if !take("00ulee", "push-2") {
		t.Fatal("another person's lock was not free")
	}
	if err := s.ReleasePush(ctx, "00ukim", "push-2"); err != nil {
		t.Fatal(err)
	}
	if take("00ukim", "push-3") {
		t.Fatal("a release by someone who does not hold the lock freed it")
	}
	if err := s.ReleasePush(ctx, "00ukim", "push-1"); err != nil {
		t.Fatal(err)
	}
	if !take("00ukim", "push-3") {
		t.Fatal("a released lock was not free")
	}
	if _, err := s.TakePush(ctx, "", "push-4", time.Minute); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("TakePush without a user: %v, want ErrInvalid", err)
	}
	if _, err := s.TakePush(ctx, "00uzed", "push-4", 0); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("TakePush without a lease: %v, want ErrInvalid", err)
	}
}

// Of many replicas taking one person's lock at once, exactly one does.
func testPushLockConcurrent(t *testing.T, h *harness) {
	stores := h.handles(t, 2)
	var wg sync.WaitGroup
	var mu sync.Mutex
	took := 0
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := stores[i%2].TakePush(ctx, "00ukim", store.NewID(), time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				took++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if took != 1 {
		t.Errorf("%d takers got the lock, want 1", took)
	}
}

// A dead holder's lock lapses with its lease, by the database's clock, and
// its late release leaves the new holder's alone.
func testPushLockLapses(t *testing.T, h *harness) {
	s := h.handle(t)
	if ok, err := s.TakePush(ctx, "00ukim", "dead", 200*time.Millisecond); err != nil || !ok {
		t.Fatalf("TakePush: %v %v", ok, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := s.TakePush(ctx, "00ukim", "next", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lock never lapsed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.ReleasePush(ctx, "00ukim", "dead"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.TakePush(ctx, "00ukim", "third", time.Minute); ok {
		t.Error("the lapsed holder's release freed the new holder's lock")
	}
}

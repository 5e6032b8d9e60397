package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"oktabot/store"
)

// waitsCases are the cases of store.Waiter: reminders, break-glass and
// its review.
var waitsCases = []struct {
	name string
	f    func(*testing.T, *harness)
}{
	{"BreakGlassRoundTrip", testBreakGlassRoundTrip},
	{"WaitsCreateRejects", testWaitsCreateRejects},
	{"RemindDue", func(t *testing.T, h *harness) { testMarkDue(t, h, remindDue) }},
	{"OfferBreakGlassDue", func(t *testing.T, h *harness) { testMarkDue(t, h, offerDue) }},
	{"RemindDueConcurrentTwoHandles", func(t *testing.T, h *harness) { testMarkDueConcurrent(t, h, remindDue) }},
	{"OfferBreakGlassDueConcurrentTwoHandles", func(t *testing.T, h *harness) { testMarkDueConcurrent(t, h, offerDue) }},
	{"BreakGlassRefusals", testBreakGlassRefusals},
	{"BreakGlassOrApproveConcurrentTwoHandles", testBreakGlassConcurrent},
	{"ReviewOnce", testReviewOnce},
	{"UnreviewedDue", testUnreviewedDue},
	{"UnreviewedDueConcurrentTwoHandles", testUnreviewedDueConcurrent},
	{"ListBreakGlass", testListBreakGlass},
}

func normWaits(w store.Waits) store.Waits {
	w.RemindAt, w.RemindedAt = norm(w.RemindAt), norm(w.RemindedAt)
	w.BreakGlassAt, w.BreakGlassOfferedAt = norm(w.BreakGlassAt), norm(w.BreakGlassOfferedAt)
	w.ReviewedAt, w.ReviewRemindedAt = norm(w.ReviewedAt), norm(w.ReviewRemindedAt)
	return w
}

// waiting is a pending approval that reminds its approvers 10 minutes
// after t0 and lets its requester break glass 15 minutes after t0.
func waiting(action string) store.Approval {
	a := pending(action)
	a.RemindAt, a.BreakGlassAt = t0.Add(10*time.Minute), t0.Add(15*time.Minute)
	return a
}

// brokenGlass stores an approval whose requester broke glass at at.
func brokenGlass(t *testing.T, s store.Store, at time.Time) store.Approval {
	t.Helper()
	a := waiting("disable-user")
	a.CreatedAt, a.BreakGlassAt, a.RemindAt, a.ExpiresAt = at.Add(-20*time.Minute), at.Add(-5*time.Minute), time.Time{}, at.Add(time.Hour)
	create(t, s, a)
	got, err := s.BreakGlass(ctx, a.ID, a.RequesterID, "INC-9: nobody answered", at)
	if err != nil {
		t.Fatalf("BreakGlass: %v", err)
	}
	return got
}

func testBreakGlassRoundTrip(t *testing.T, h *harness) {
	s := h.handle(t)
	want := create(t, s, waiting("disable-user"))
	diff(t, "after create", want, get(t, s, want.ID))

	t1 := t0.Add(10*time.Minute + 123456789)
	due, err := s.RemindDue(ctx, t1)
	want.RemindedAt = norm(t1)
	if err != nil || len(due) != 1 {
		t.Fatalf("RemindDue = %v, %v; want the approval", ids(due), err)
	}
	diff(t, "RemindDue's result", want, due[0])

	t2 := t0.Add(16 * time.Minute)
	due, err = s.OfferBreakGlassDue(ctx, t2)
	want.BreakGlassOfferedAt = norm(t2)
	if err != nil || len(due) != 1 {
		t.Fatalf("OfferBreakGlassDue = %v, %v; want the approval", ids(due), err)
	}
	diff(t, "OfferBreakGlassDue's result", want, due[0])

	t3 := t0.Add(17 * time.Minute)
	got, err := s.BreakGlass(ctx, want.ID, want.RequesterID, "INC-9: nobody answered", t3)
	if err != nil {
		t.Fatalf("BreakGlass: %v", err)
	}
	want.Status, want.DecidedBy, want.DecidedAt, want.UpdatedAt = store.StatusApproved, want.RequesterID, norm(t3), norm(t3)
	want.BrokenGlass, want.BreakGlassReason = true, "INC-9: nobody answered"
	diff(t, "BreakGlass's result", want, got)

	// It runs as an approval does.
	got = claim(t, s, want.ID, "replica-a", time.Minute)
	want.Status, want.Owner, want.LeaseUntil, want.UpdatedAt = store.StatusRunning, "replica-a", got.LeaseUntil, got.UpdatedAt
	diff(t, "Claim's result", want, got)
	t4 := t3.Add(time.Second)
	if err := s.Finish(ctx, want.ID, "replica-a", store.StatusDone, "suspended 2 users", t4); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	want.Status, want.Result, want.UpdatedAt = store.StatusDone, "suspended 2 users", norm(t4)

	t5 := t3.Add(24 * time.Hour)
	due, err = s.UnreviewedDue(ctx, t5, 24*time.Hour)
	want.ReviewRemindedAt = norm(t5)
	if err != nil || len(due) != 1 {
		t.Fatalf("UnreviewedDue = %v, %v; want the approval", ids(due), err)
	}
	diff(t, "UnreviewedDue's result", want, due[0])

	t6 := t5.Add(time.Hour)
	got, err = s.Review(ctx, want.ID, "USEC", t6)
	if err != nil {
		t.Fatalf("Review: %v", err)
	}
	want.ReviewedBy, want.ReviewedAt = "USEC", norm(t6)
	diff(t, "Review's result", want, got)

	// On another handle, as a restarted process or a replica sees it.
	final := get(t, h.handle(t), want.ID)
	diff(t, "stored", want, final)
	checkUTCWaits(t, final.Waits)
	v := reflect.ValueOf(final.Waits)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Errorf("field Waits.%s never round-tripped", v.Type().Field(i).Name)
		}
	}
}

func checkUTCWaits(t *testing.T, w store.Waits) {
	t.Helper()
	for name, tm := range map[string]time.Time{"RemindAt": w.RemindAt, "RemindedAt": w.RemindedAt, "BreakGlassAt": w.BreakGlassAt,
		"BreakGlassOfferedAt": w.BreakGlassOfferedAt, "ReviewedAt": w.ReviewedAt, "ReviewRemindedAt": w.ReviewRemindedAt} {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("%s = %v, want UTC", name, tm)
		}
	}
}

func testWaitsCreateRejects(t *testing.T, h *harness) {
	s := h.handle(t)
	for name, change := range map[string]func(*store.Approval){
		"remind before created":      func(a *store.Approval) { a.RemindAt = a.CreatedAt.Add(-time.Second) },
		"remind at expiry":           func(a *store.Approval) { a.RemindAt = a.ExpiresAt },
		"break glass after expiry":   func(a *store.Approval) { a.BreakGlassAt = a.ExpiresAt.Add(time.Minute) },
		"reminded":                   func(a *store.Approval) { a.RemindedAt = a.CreatedAt },
		"offered":                    func(a *store.Approval) { a.BreakGlassOfferedAt = a.CreatedAt },
		"broken":                     func(a *store.Approval) { a.BrokenGlass = true },
		"break glass reason":         func(a *store.Approval) { a.BreakGlassReason = "why" },
		"reviewed":                   func(a *store.Approval) { a.ReviewedBy = "USEC" },
		"reviewed at":                func(a *store.Approval) { a.ReviewedAt = a.CreatedAt },
		"reminded of its review yet": func(a *store.Approval) { a.ReviewRemindedAt = a.CreatedAt },
	} {
		a := waiting("disable-user")
		change(&a)
		wantErr(t, name, s.CreateApproval(ctx, a), store.ErrInvalid)
		if _, err := s.GetApproval(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: stored anyway (%v)", name, err)
		}
	}
}

// due is RemindDue or OfferBreakGlassDue, what it marks and when it is
// due.
type due struct {
	name   string
	f      func(store.Store, time.Time) ([]store.Approval, error)
	at     func(store.Approval) time.Time // when it is due
	marked func(store.Approval) time.Time // when it was marked
}

var (
	remindDue = due{"RemindDue",
		func(s store.Store, now time.Time) ([]store.Approval, error) { return s.RemindDue(ctx, now) },
		func(a store.Approval) time.Time { return a.RemindAt },
		func(a store.Approval) time.Time { return a.RemindedAt }}
	offerDue = due{"OfferBreakGlassDue",
		func(s store.Store, now time.Time) ([]store.Approval, error) { return s.OfferBreakGlassDue(ctx, now) },
		func(a store.Approval) time.Time { return a.BreakGlassAt },
		func(a store.Approval) time.Time { return a.BreakGlassOfferedAt }}
)

func testMarkDue(t *testing.T, h *harness, d due) {
	s := h.handle(t)
	call := func(now time.Time) []store.Approval {
		t.Helper()
		got, err := d.f(s, now)
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		return got
	}
	// Oldest due first; those without the time, decided or expired ones
	// never.
	mk := func(shift time.Duration) store.Approval {
		a := waiting("disable-user")
		a.RemindAt, a.BreakGlassAt = a.RemindAt.Add(shift), a.BreakGlassAt.Add(shift)
		return create(t, s, a)
	}
	second, first, later := mk(time.Minute), mk(0), mk(20*time.Minute)
	between := mk(30 * time.Second)
	expiring := waiting("disable-user") // due at 19m, expires at 20m
	expiring.RemindAt, expiring.BreakGlassAt, expiring.ExpiresAt = t0.Add(19*time.Minute), t0.Add(19*time.Minute), t0.Add(20*time.Minute)
	create(t, s, expiring)
	none := create(t, s, pending("disable-user"))
	decided := mk(0)
	approve(t, s, decided.ID, "USEC", t0.Add(time.Minute))

	if got := call(d.at(first).Add(-time.Microsecond)); len(got) != 0 {
		t.Errorf("%s before it is due = %v", d.name, ids(got))
	}
	now := d.at(second).Add(time.Second)
	got := call(now)
	diff(t, d.name+" when due", []string{first.ID, between.ID, second.ID}, ids(got))
	for _, a := range got {
		if !d.marked(a).Equal(norm(now)) || a.Status != store.StatusPending {
			t.Errorf("%s returned %s marked %v, %s; want marked %v, pending", d.name, a.ID, d.marked(a), a.Status, norm(now))
		}
	}
	if got := call(now.Add(time.Second)); len(got) != 0 {
		t.Errorf("%s again = %v, want nothing (each is reported once)", d.name, ids(got))
	}
	// Past its expiry, a pending approval is not reminded or offered.
	diff(t, d.name+" past one's expiry", []string{later.ID}, ids(call(t0.Add(40*time.Minute))))
	for _, a := range []store.Approval{none, decided, expiring} {
		if !d.marked(get(t, s, a.ID)).IsZero() {
			t.Errorf("%s marked %s", d.name, a.ID)
		}
	}
}

func testMarkDueConcurrent(t *testing.T, h *harness, d due) {
	hs := h.handles(t, 2)
	const n = 20
	for i := range n {
		create(t, hs[i%2], waiting("disable-user"))
	}
	var mu sync.Mutex
	seen := map[string]int{}
	results := race(6, func(i int) result {
		got, err := d.f(hs[i%2], t0.Add(30*time.Minute))
		mu.Lock()
		defer mu.Unlock()
		for _, a := range got {
			seen[a.ID]++
		}
		return result{err: err}
	})
	for _, r := range results {
		if r.err != nil {
			t.Fatalf("%s: %v", d.name, r.err)
		}
	}
	if len(seen) != n {
		t.Errorf("%s returned %d distinct approvals, want %d", d.name, len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("approval %s returned %d times, want once", id, k)
		}
	}
}

func testBreakGlassRefusals(t *testing.T, h *harness) {
	s := h.handle(t)
	a := create(t, s, waiting("disable-user"))
	const why = "INC-9"

	got, err := s.BreakGlass(ctx, a.ID, a.RequesterID, why, a.BreakGlassAt.Add(-time.Microsecond))
	wantErr(t, "BreakGlass before BreakGlassAt", err, store.ErrTooEarly)
	diff(t, "too early returns the approval", a, got)
	_, err = s.BreakGlass(ctx, a.ID, "UOTHER", why, a.BreakGlassAt)
	wantErr(t, "BreakGlass by another", err, store.ErrNotRequester)
	_, err = s.BreakGlass(ctx, "NOSUCHID", a.RequesterID, why, a.BreakGlassAt)
	wantErr(t, "BreakGlass of nothing", err, store.ErrNotFound)
	_, err = s.BreakGlass(ctx, a.ID, "", why, a.BreakGlassAt)
	wantErr(t, "BreakGlass by nobody", err, store.ErrInvalid)
	diff(t, "still pending", a, get(t, s, a.ID))

	// A request its rule gave no break-glass never breaks glass.
	b := create(t, s, pending("disable-user"))
	_, err = s.BreakGlass(ctx, b.ID, b.RequesterID, why, b.ExpiresAt.Add(-time.Second))
	wantErr(t, "BreakGlass without BreakGlassAt", err, store.ErrTooEarly)

	// Decided or expired: too late.
	approve(t, s, b.ID, "USEC", t0.Add(time.Minute))
	_, err = s.BreakGlass(ctx, b.ID, b.RequesterID, why, t0.Add(time.Minute))
	wantErr(t, "BreakGlass after Approve", err, store.ErrAlreadyDecided)
	got, err = s.BreakGlass(ctx, a.ID, a.RequesterID, why, a.ExpiresAt)
	wantErr(t, "BreakGlass at ExpiresAt", err, store.ErrExpired)
	if got.Status != store.StatusExpired || got.BrokenGlass {
		t.Errorf("after a late BreakGlass: %s, broken %v; want expired, not broken", got.Status, got.BrokenGlass)
	}

	// Once broken, nothing else decides it.
	c := brokenGlass(t, s, t0.Add(30*time.Minute))
	_, err = s.Approve(ctx, c.ID, "USEC", t0.Add(31*time.Minute))
	wantErr(t, "Approve after BreakGlass", err, store.ErrAlreadyDecided)
	_, err = s.Deny(ctx, c.ID, "USEC", "no", t0.Add(31*time.Minute))
	wantErr(t, "Deny after BreakGlass", err, store.ErrAlreadyDecided)
	_, err = s.BreakGlass(ctx, c.ID, c.RequesterID, why, t0.Add(31*time.Minute))
	wantErr(t, "second BreakGlass", err, store.ErrAlreadyDecided)
	if _, err := s.ExpireDue(ctx, c.ExpiresAt.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	diff(t, "broken glass stays", c, get(t, s, c.ID))
}

func testBreakGlassConcurrent(t *testing.T, h *harness) {
	hs := h.handles(t, 2)
	for round := range 4 {
		a := create(t, hs[0], waiting("disable-user"))
		now := a.BreakGlassAt.Add(time.Minute)
		results := race(9, func(i int) result {
			s := hs[i%2]
			switch i % 3 {
			case 0:
				got, err := s.BreakGlass(ctx, a.ID, a.RequesterID, "INC", now)
				return result{a.RequesterID, got, err}
			case 1:
				who := fmt.Sprintf("USEC%d", i)
				got, err := s.Approve(ctx, a.ID, who, now)
				return result{who, got, err}
			}
			who := fmt.Sprintf("USEC%d", i)
			got, err := s.Deny(ctx, a.ID, who, "no", now)
			return result{who, got, err}
		})
		var winners []result
		for _, r := range results {
			switch {
			case r.err == nil:
				winners = append(winners, r)
			case errors.Is(r.err, store.ErrAlreadyDecided):
			default:
				t.Errorf("round %d: %s: unexpected error %v", round, r.who, r.err)
			}
		}
		if len(winners) != 1 {
			t.Fatalf("round %d: %d callers won, want exactly 1", round, len(winners))
		}
		w := winners[0]
		if w.a.BrokenGlass != (w.who == a.RequesterID) {
			t.Errorf("round %d: winner %s, BrokenGlass %v", round, w.who, w.a.BrokenGlass)
		}
		diff(t, "stored", w.a, get(t, hs[1], a.ID))
	}
}

func testReviewOnce(t *testing.T, h *harness) {
	hs := h.handles(t, 2)
	s := hs[0]
	b := brokenGlass(t, s, t0.Add(time.Hour))

	got, err := s.Review(ctx, b.ID, b.RequesterID, t0.Add(2*time.Hour))
	wantErr(t, "the requester reviewing", err, store.ErrSelfApproval)
	diff(t, "self-review returns the approval", b, got)
	a := create(t, s, pending("disable-user"))
	_, err = s.Review(ctx, a.ID, "USEC", t0.Add(2*time.Hour))
	wantErr(t, "Review of an approval that did not break glass", err, store.ErrInvalid)
	approve(t, s, a.ID, "USEC", t0.Add(time.Minute))
	_, err = s.Review(ctx, a.ID, "USEC2", t0.Add(2*time.Hour))
	wantErr(t, "Review of an approved approval", err, store.ErrInvalid)
	_, err = s.Review(ctx, "NOSUCHID", "USEC", t0.Add(2*time.Hour))
	wantErr(t, "Review of nothing", err, store.ErrNotFound)

	now := t0.Add(3 * time.Hour)
	results := race(8, func(i int) result {
		who := fmt.Sprintf("USEC%d", i)
		got, err := hs[i%2].Review(ctx, b.ID, who, now)
		return result{who, got, err}
	})
	var winners []result
	for _, r := range results {
		switch {
		case r.err == nil:
			winners = append(winners, r)
		case errors.Is(r.err, store.ErrAlreadyDecided):
		default:
			t.Errorf("%s: unexpected error %v", r.who, r.err)
		}
	}
	if len(winners) != 1 {
		t.Fatalf("%d reviews won, want exactly 1", len(winners))
	}
	want := b
	want.ReviewedBy, want.ReviewedAt = winners[0].who, norm(now)
	diff(t, "reviewed", want, get(t, hs[1], b.ID))
	for _, r := range results {
		if r.err != nil && r.a.ReviewedBy != winners[0].who {
			t.Errorf("loser %s was told ReviewedBy %q, want %s", r.who, r.a.ReviewedBy, winners[0].who)
		}
	}
}

func testUnreviewedDue(t *testing.T, h *harness) {
	s := h.handle(t)
	const day = 24 * time.Hour
	call := func(now time.Time) []string {
		t.Helper()
		got, err := s.UnreviewedDue(ctx, now, day)
		if err != nil {
			t.Fatalf("UnreviewedDue: %v", err)
		}
		return ids(got)
	}
	older := brokenGlass(t, s, t0)
	newer := brokenGlass(t, s, t0.Add(time.Hour))
	reviewed := brokenGlass(t, s, t0)
	if _, err := s.Review(ctx, reviewed.ID, "USEC", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	approved := create(t, s, pending("disable-user"))
	approve(t, s, approved.ID, "USEC", t0)

	if got := call(t0.Add(day - time.Microsecond)); len(got) != 0 {
		t.Errorf("within a day of breaking glass: %v", got)
	}
	diff(t, "a day after", []string{older.ID}, call(t0.Add(day)))
	diff(t, "a day after the newer", []string{newer.ID}, call(t0.Add(day+time.Hour)))
	if got := call(t0.Add(day + 2*time.Hour)); len(got) != 0 {
		t.Errorf("reminded again within the day: %v", got)
	}
	diff(t, "the next day", []string{older.ID, newer.ID}, call(t0.Add(2*day+time.Hour)))
	if _, err := s.UnreviewedDue(ctx, t0, 0); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("UnreviewedDue every 0: %v, want ErrInvalid", err)
	}
}

func testUnreviewedDueConcurrent(t *testing.T, h *harness) {
	hs := h.handles(t, 2)
	const n = 12
	for i := range n {
		brokenGlass(t, hs[i%2], t0.Add(time.Duration(i)*time.Minute))
	}
	var mu sync.Mutex
	seen := map[string]int{}
	results := race(6, func(i int) result {
		got, err := hs[i%2].UnreviewedDue(ctx, t0.Add(48*time.Hour), 24*time.Hour)
		mu.Lock()
		defer mu.Unlock()
		for _, a := range got {
			seen[a.ID]++
		}
		return result{err: err}
	})
	for _, r := range results {
		if r.err != nil {
			t.Fatalf("UnreviewedDue: %v", r.err)
		}
	}
	if len(seen) != n {
		t.Errorf("UnreviewedDue returned %d distinct approvals, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("approval %s returned %d times, want once", id, k)
		}
	}
}

func testListBreakGlass(t *testing.T, h *harness) {
	s := h.handle(t)
	first := brokenGlass(t, s, t0)
	second := brokenGlass(t, s, t0.Add(time.Hour))
	third := brokenGlass(t, s, t0.Add(2*time.Hour))
	approve(t, s, create(t, s, pending("disable-user")).ID, "USEC", t0.Add(30*time.Minute))
	if _, err := s.Review(ctx, second.ID, "USEC", t0.Add(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	list := func(unreviewed bool, limit int) []string {
		t.Helper()
		got, err := s.ListBreakGlass(ctx, unreviewed, limit)
		if err != nil {
			t.Fatalf("ListBreakGlass: %v", err)
		}
		return ids(got)
	}
	diff(t, "every one, newest first", []string{third.ID, second.ID, first.ID}, list(false, 0))
	diff(t, "unreviewed", []string{third.ID, first.ID}, list(true, 0))
	diff(t, "limited", []string{third.ID}, list(false, 1))
}

// Package storetest is the conformance suite every store.Store driver
// passes: the driver's test calls Run with a way to make fresh databases.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"oktabot/store"
)

// NewDB makes a fresh, empty database for one test (cleaning it up with
// t.Cleanup) and returns open, which opens a new handle on it: its own
// connection pool, as a second replica or a restarted process would have.
// open is safe to call from several goroutines at once. The suite closes
// the handles it opens.
type NewDB func(t *testing.T) (open func() (store.Store, error))

// Run runs the conformance suite, each case in parallel on its own database.
func Run(t *testing.T, newDB NewDB) {
	cases := []struct {
		name string
		f    func(*testing.T, *harness)
	}{
		{"ApprovalRoundTrip", testApprovalRoundTrip},
		{"CreateRejects", testCreateRejects},
		{"NotFound", testNotFound},
		{"ApproveOnce", testApproveOnce},
		{"DenyOnce", testDenyOnce},
		{"SelfApproval", testSelfApproval},
		{"ConcurrentDecisions", func(t *testing.T, h *harness) { testConcurrentDecisions(t, h, 1) }},
		{"ConcurrentDecisionsTwoHandles", func(t *testing.T, h *harness) { testConcurrentDecisions(t, h, 2) }},
		{"DecideAfterExpiry", testDecideAfterExpiry},
		{"ExpireDue", testExpireDue},
		{"ExpireDueConcurrentTwoHandles", testExpireDueConcurrent},
		{"ClaimOnce", testClaimOnce},
		{"ClaimConcurrentTwoHandles", testClaimConcurrent},
		{"LeaseExpiryAndRecovery", testLeaseExpiry},
		{"Recoverable", testRecoverable},
		{"FinishRejects", testFinishRejects},
		{"FirstDelivery", testFirstDelivery},
		{"FirstDeliveryConcurrentTwoHandles", testFirstDeliveryConcurrent},
		{"AuditRoundTrip", testAuditRoundTrip},
		{"AuditOrderAndFilters", testAuditFilters},
		{"AuditLimits", testAuditLimits},
		{"ExportAudit", testExportAudit},
		{"DeleteAuditBefore", testDeleteAuditBefore},
		{"TextIsSanitised", testSanitise},
		{"SurvivesRestart", testRestart},
		{"ConcurrentOpen", testConcurrentOpen},
		{"CanceledContext", testCanceledContext},
	}
	cases = append(cases, recordCases...)
	cases = append(cases, waitsCases...)
	cases = append(cases, grantCases...)
	cases = append(cases, pushCases...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.f(t, &harness{open: newDB(t)})
		})
	}
}

type harness struct {
	open func() (store.Store, error)
}

// handle opens a handle, closed (and its Close checked) at cleanup.
func (h *harness) handle(t *testing.T) store.Store {
	t.Helper()
	s, err := h.open()
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// handles opens n handles on the same database.
func (h *harness) handles(t *testing.T, n int) []store.Store {
	t.Helper()
	out := make([]store.Store, n)
	for i := range out {
		out[i] = h.handle(t)
	}
	return out
}

// t0 has nanoseconds and a zone, to check that times come back in UTC,
// truncated to the microsecond.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.FixedZone("CET", 3600))

// norm is what the store gives back for t.
func norm(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

func normApproval(a store.Approval) store.Approval {
	a.CreatedAt, a.ExpiresAt, a.DecidedAt = norm(a.CreatedAt), norm(a.ExpiresAt), norm(a.DecidedAt)
	a.LeaseUntil, a.UpdatedAt = norm(a.LeaseUntil), norm(a.UpdatedAt)
	a.Waits = normWaits(a.Waits)
	return a
}

var ctx = context.Background()

// pending is a new approval requested by UREQ, expiring an hour after t0.
func pending(action string) store.Approval {
	return store.Approval{
		ID:               store.NewID(),
		Action:           action,
		Targets:          []string{"00u1alice", "00u1bob"},
		TargetLabels:     []string{"Alice Example <alice@corp.example>", "bob@corp.example"},
		Params:           map[string]string{"deactivate": "true", "send-email": "false"},
		Reason:           "INC-1234: compromised laptop",
		RequesterID:      "UREQ",
		RequesterChannel: "CONCALL",
		ApproverRoles:    []string{"security", "it-admins"},
		ApprovalChannel:  "CAPPROVALS",
		MessageTS:        "1710404813.000100",
		CreatedAt:        t0,
		ExpiresAt:        t0.Add(time.Hour),
	}
}

func create(t *testing.T, s store.Store, a store.Approval) store.Approval {
	t.Helper()
	if err := s.CreateApproval(ctx, a); err != nil {
		t.Fatalf("CreateApproval: %v", err)
	}
	a.Status = store.StatusPending
	a.UpdatedAt = a.CreatedAt
	return normApproval(a)
}

func get(t *testing.T, s store.Store, id string) store.Approval {
	t.Helper()
	a, err := s.GetApproval(ctx, id)
	if err != nil {
		t.Fatalf("GetApproval: %v", err)
	}
	checkUTC(t, a)
	return a
}

func approve(t *testing.T, s store.Store, id, by string, now time.Time) store.Approval {
	t.Helper()
	a, err := s.Approve(ctx, id, by, now)
	if err != nil {
		t.Fatalf("Approve(%s): %v", by, err)
	}
	return a
}

// claim claims id for owner for lease and checks that the lease was timed
// by the database's clock: the test's clock, on this machine, within a
// wide margin (the database may run elsewhere).
func claim(t *testing.T, s store.Store, id, owner string, lease time.Duration) store.Approval {
	t.Helper()
	before := time.Now()
	a, err := s.Claim(ctx, id, owner, lease)
	if err != nil {
		t.Fatalf("Claim(%s): %v", owner, err)
	}
	checkLease(t, "Claim", a.LeaseUntil, before, time.Now(), lease)
	checkLease(t, "Claim's UpdatedAt", a.UpdatedAt, before, time.Now(), 0)
	return a
}

// checkLease fails unless until is about lease after a time between
// before and after, by the database's clock, allowing a minute's skew.
func checkLease(t *testing.T, what string, until, before, after time.Time, lease time.Duration) {
	t.Helper()
	const skew = time.Minute
	if until.Before(before.Add(lease-skew)) || until.After(after.Add(lease+skew)) {
		t.Errorf("%s: %v, want about %v after now (%v)", what, until, lease, before.UTC())
	}
}

// waitRecoverable polls Recoverable until id is listed in it (its lease
// lapsed by the database's clock), failing after a generous wait.
func waitRecoverable(t *testing.T, s store.Store, id string) store.Approval {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rec, err := s.Recoverable(ctx)
		if err != nil {
			t.Fatalf("Recoverable: %v", err)
		}
		for _, a := range rec {
			if a.ID == id {
				return a
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never became recoverable: %v", id, ids(rec))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkUTC fails unless every time in a is zero or in UTC (cmp compares
// times with Equal, which ignores the location).
func checkUTC(t *testing.T, a store.Approval) {
	t.Helper()
	for name, tm := range map[string]time.Time{"CreatedAt": a.CreatedAt, "ExpiresAt": a.ExpiresAt,
		"DecidedAt": a.DecidedAt, "LeaseUntil": a.LeaseUntil, "UpdatedAt": a.UpdatedAt} {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("%s = %v, want UTC", name, tm)
		}
	}
}

func diff(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: error %v, want %v", what, err, target)
	}
}

func ids(as []store.Approval) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func testApprovalRoundTrip(t *testing.T, h *harness) {
	s := h.handle(t)
	in := pending("disable-user")
	in.PublicResult = true
	want := create(t, s, in)
	diff(t, "after create", want, get(t, s, in.ID))

	if err := s.SetApprovalMessage(ctx, in.ID, "CAPPROVALS2", "1710404814.000200"); err != nil {
		t.Fatalf("SetApprovalMessage: %v", err)
	}
	want.ApprovalChannel, want.MessageTS = "CAPPROVALS2", "1710404814.000200"
	diff(t, "after SetApprovalMessage (UpdatedAt unchanged)", want, get(t, s, in.ID))

	t1 := t0.Add(10*time.Minute + 123456789)
	got := approve(t, s, in.ID, "USEC", t1)
	want.Status, want.DecidedBy, want.DecidedAt, want.UpdatedAt = store.StatusApproved, "USEC", norm(t1), norm(t1)
	diff(t, "Approve's result", want, got)
	diff(t, "after Approve", want, get(t, s, in.ID))

	got = claim(t, s, in.ID, "replica-a", 5*time.Minute)
	want.Status, want.Owner, want.LeaseUntil, want.UpdatedAt = store.StatusRunning, "replica-a", got.LeaseUntil, got.UpdatedAt
	diff(t, "Claim's result", want, got)
	diff(t, "after Claim", want, get(t, s, in.ID))

	t3 := t1.Add(3 * time.Second)
	if err := s.Finish(ctx, in.ID, "replica-a", store.StatusDone, "disabled 2 users", t3); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	want.Status, want.Result, want.UpdatedAt = store.StatusDone, "disabled 2 users", norm(t3)
	final := get(t, s, in.ID)
	diff(t, "after Finish", want, final)

	// Every field has been through the store (DenyReason in DenyOnce,
	// Waits in BreakGlassRoundTrip).
	v := reflect.ValueOf(final)
	for i := range v.NumField() {
		if name := v.Type().Field(i).Name; name != "DenyReason" && name != "Waits" && v.Field(i).IsZero() {
			t.Errorf("field %s never round-tripped", name)
		}
	}
}

func testCreateRejects(t *testing.T, h *harness) {
	s := h.handle(t)
	bad := map[string]func(*store.Approval){
		"no id":             func(a *store.Approval) { a.ID = "" },
		"no action":         func(a *store.Approval) { a.Action = "" },
		"no requester":      func(a *store.Approval) { a.RequesterID = "" },
		"not pending":       func(a *store.Approval) { a.Status = store.StatusApproved },
		"no created":        func(a *store.Approval) { a.CreatedAt = time.Time{} },
		"no expiry":         func(a *store.Approval) { a.ExpiresAt = time.Time{} },
		"expires at create": func(a *store.Approval) { a.ExpiresAt = a.CreatedAt },
		"decided":           func(a *store.Approval) { a.DecidedBy = "USEC" },
		"owned":             func(a *store.Approval) { a.Owner = "replica-a" },
		"result":            func(a *store.Approval) { a.Result = "done" },
		"fewer labels":      func(a *store.Approval) { a.TargetLabels = a.TargetLabels[:1] },
		"more labels":       func(a *store.Approval) { a.TargetLabels = append(a.TargetLabels, "carol") },
	}
	for name, mutate := range bad {
		a := pending("disable-user")
		mutate(&a)
		err := s.CreateApproval(ctx, a)
		wantErr(t, name, err, store.ErrInvalid)
		if a.ID != "" {
			_, err := s.GetApproval(ctx, a.ID)
			wantErr(t, name+": stored anyway", err, store.ErrNotFound)
		}
	}

	a := pending("disable-user")
	want := create(t, s, a)
	// Labels are optional: requests stored without them keep none.
	bare := pending("add-group")
	bare.Targets, bare.TargetLabels = []string{"On-call rota"}, nil
	diff(t, "without labels", create(t, s, bare), get(t, s, bare.ID))
	if got := get(t, s, bare.ID).TargetLabels; got != nil {
		t.Errorf("TargetLabels of a request stored without = %q, want nil", got)
	}

	dup := pending("set-password")
	dup.ID = a.ID
	wantErr(t, "duplicate id", s.CreateApproval(ctx, dup), store.ErrExists)
	diff(t, "original after duplicate", want, get(t, s, a.ID))
}

func testNotFound(t *testing.T, h *harness) {
	s := h.handle(t)
	create(t, s, pending("disable-user"))
	id := store.NewID()
	_, err := s.GetApproval(ctx, id)
	wantErr(t, "GetApproval", err, store.ErrNotFound)
	wantErr(t, "SetApprovalMessage", s.SetApprovalMessage(ctx, id, "C1", "1.2"), store.ErrNotFound)
	_, err = s.Approve(ctx, id, "USEC", t0)
	wantErr(t, "Approve", err, store.ErrNotFound)
	_, err = s.Deny(ctx, id, "USEC", "no", t0)
	wantErr(t, "Deny", err, store.ErrNotFound)
	_, err = s.Claim(ctx, id, "r", time.Minute)
	wantErr(t, "Claim", err, store.ErrNotFound)
	wantErr(t, "ExtendLease", s.ExtendLease(ctx, id, "r", time.Minute), store.ErrNotFound)
	wantErr(t, "Finish", s.Finish(ctx, id, "r", store.StatusDone, "", t0), store.ErrNotFound)
}

func testApproveOnce(t *testing.T, h *harness) {
	s := h.handle(t)
	a := create(t, s, pending("disable-user"))
	t1 := t0.Add(time.Minute)
	won := approve(t, s, a.ID, "USEC1", t1)

	got, err := s.Approve(ctx, a.ID, "USEC2", t1.Add(time.Second))
	wantErr(t, "second Approve", err, store.ErrAlreadyDecided)
	diff(t, "second Approve returns the current approval", won, got)
	got, err = s.Deny(ctx, a.ID, "USEC3", "too late", t1.Add(2*time.Second))
	wantErr(t, "Deny after Approve", err, store.ErrAlreadyDecided)
	diff(t, "Deny after Approve returns the current approval", won, got)
	diff(t, "stored", won, get(t, s, a.ID))
}

func testDenyOnce(t *testing.T, h *harness) {
	s := h.handle(t)
	a := create(t, s, pending("disable-user"))
	t1 := t0.Add(time.Minute)
	got, err := s.Deny(ctx, a.ID, "USEC1", "not during the freeze", t1)
	if err != nil {
		t.Fatalf("Deny: %v", err)
	}
	want := a
	want.Status, want.DecidedBy, want.DecidedAt, want.DenyReason, want.UpdatedAt =
		store.StatusDenied, "USEC1", norm(t1), "not during the freeze", norm(t1)
	diff(t, "Deny's result", want, got)
	diff(t, "after Deny", want, get(t, s, a.ID))

	got, err = s.Approve(ctx, a.ID, "USEC2", t1.Add(time.Second))
	wantErr(t, "Approve after Deny", err, store.ErrAlreadyDecided)
	diff(t, "Approve after Deny returns the current approval", want, got)
	_, err = s.Deny(ctx, a.ID, "USEC2", "again", t1.Add(time.Second))
	wantErr(t, "second Deny", err, store.ErrAlreadyDecided)
	_, err = s.Claim(ctx, a.ID, "r", time.Minute)
	wantErr(t, "Claim of a denied approval", err, store.ErrNotClaimable)
	diff(t, "stored", want, get(t, s, a.ID))
}

func testSelfApproval(t *testing.T, h *harness) {
	s := h.handle(t)
	a := create(t, s, pending("disable-user"))
	got, err := s.Approve(ctx, a.ID, a.RequesterID, t0.Add(time.Minute))
	wantErr(t, "requester approving", err, store.ErrSelfApproval)
	diff(t, "self-approval returns the approval", a, got)
	diff(t, "still pending", a, get(t, s, a.ID))

	// The requester may withdraw.
	got, err = s.Deny(ctx, a.ID, a.RequesterID, "withdrawn", t0.Add(2*time.Minute))
	if err != nil {
		t.Fatalf("requester denying: %v", err)
	}
	if got.Status != store.StatusDenied || got.DecidedBy != a.RequesterID {
		t.Errorf("after withdrawal: status %s by %s, want denied by %s", got.Status, got.DecidedBy, a.RequesterID)
	}
}

// result is one concurrent caller's outcome.
type result struct {
	who string
	a   store.Approval
	err error
}

// race runs f(i) for i in [0, n) in goroutines released together.
func race(n int, f func(i int) result) []result {
	out := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

func testConcurrentDecisions(t *testing.T, h *harness, nHandles int) {
	hs := h.handles(t, nHandles)
	const callers = 12
	for round := range 4 {
		a := create(t, hs[0], pending("disable-user"))
		now := t0.Add(time.Duration(round+1) * time.Minute)
		results := race(callers, func(i int) result {
			s := hs[i%len(hs)]
			who := fmt.Sprintf("USEC%d", i)
			if i%3 == 0 {
				got, err := s.Deny(ctx, a.ID, who, "no", now)
				return result{who, got, err}
			}
			got, err := s.Approve(ctx, a.ID, who, now)
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
			t.Fatalf("round %d: %d callers won, want exactly 1: %+v", round, len(winners), winners)
		}
		w := winners[0]
		if w.a.DecidedBy != w.who {
			t.Errorf("round %d: winner %s but DecidedBy %s", round, w.who, w.a.DecidedBy)
		}
		for _, r := range results {
			if r.err != nil && r.a.DecidedBy != w.who {
				t.Errorf("round %d: loser %s was told DecidedBy %q, want the winner %s", round, r.who, r.a.DecidedBy, w.who)
			}
		}
		for _, s := range hs {
			diff(t, "stored", w.a, get(t, s, a.ID))
		}
	}
}

func testDecideAfterExpiry(t *testing.T, h *harness) {
	s := h.handle(t)
	a := create(t, s, pending("disable-user"))

	// At ExpiresAt exactly, it has expired.
	got, err := s.Approve(ctx, a.ID, "USEC", a.ExpiresAt)
	wantErr(t, "Approve at ExpiresAt", err, store.ErrExpired)
	want := a
	want.Status, want.UpdatedAt = store.StatusExpired, a.ExpiresAt
	diff(t, "Approve at ExpiresAt returns the expired approval", want, got)
	diff(t, "stored", want, get(t, s, a.ID))

	// Reported once: later callers see it already decided (as expired), and
	// ExpireDue does not return it again.
	got, err = s.Approve(ctx, a.ID, "USEC2", a.ExpiresAt.Add(time.Minute))
	wantErr(t, "second Approve", err, store.ErrAlreadyDecided)
	diff(t, "second Approve", want, got)
	_, err = s.Deny(ctx, a.ID, "USEC2", "no", a.ExpiresAt.Add(time.Minute))
	wantErr(t, "Deny", err, store.ErrAlreadyDecided)
	due, err := s.ExpireDue(ctx, a.ExpiresAt.Add(time.Hour))
	if err != nil {
		t.Fatalf("ExpireDue: %v", err)
	}
	if len(due) != 0 {
		t.Errorf("ExpireDue returned %v again", ids(due))
	}

	b := create(t, s, pending("set-password"))
	_, err = s.Deny(ctx, b.ID, "USEC", "no", b.ExpiresAt.Add(time.Second))
	wantErr(t, "Deny after ExpiresAt", err, store.ErrExpired)
	if got := get(t, s, b.ID); got.Status != store.StatusExpired || got.DecidedBy != "" {
		t.Errorf("after late Deny: status %s, DecidedBy %q; want expired, undecided", got.Status, got.DecidedBy)
	}
}

func testExpireDue(t *testing.T, h *harness) {
	s := h.handle(t)
	mk := func(expiresIn time.Duration) store.Approval {
		a := pending("disable-user")
		a.ExpiresAt = t0.Add(expiresIn)
		return create(t, s, a)
	}
	late, first, second := mk(30*time.Minute), mk(10*time.Minute), mk(20*time.Minute)
	approved, denied := mk(5*time.Minute), mk(5*time.Minute)
	approve(t, s, approved.ID, "USEC", t0.Add(time.Minute))
	if _, err := s.Deny(ctx, denied.ID, "USEC", "no", t0.Add(time.Minute)); err != nil {
		t.Fatalf("Deny: %v", err)
	}
	countPending(t, s, 3)

	now := t0.Add(20 * time.Minute) // second expires exactly now
	got, err := s.ExpireDue(ctx, now)
	if err != nil {
		t.Fatalf("ExpireDue: %v", err)
	}
	var want []store.Approval
	for _, a := range []store.Approval{first, second} {
		a.Status, a.UpdatedAt = store.StatusExpired, norm(now)
		want = append(want, a)
	}
	diff(t, "ExpireDue (oldest expiry first)", want, got)
	countPending(t, s, 1)
	for _, a := range want {
		diff(t, "stored", a, get(t, s, a.ID))
	}

	got, err = s.ExpireDue(ctx, now)
	if err != nil {
		t.Fatalf("ExpireDue again: %v", err)
	}
	if len(got) != 0 {
		t.Errorf("ExpireDue again returned %v", ids(got))
	}
	got, err = s.ExpireDue(ctx, t0.Add(time.Hour))
	if err != nil {
		t.Fatalf("ExpireDue later: %v", err)
	}
	diff(t, "ExpireDue later", []string{late.ID}, ids(got))
	countPending(t, s, 0)
	for _, a := range []store.Approval{approved, denied} {
		if st := get(t, s, a.ID).Status; st == store.StatusExpired {
			t.Errorf("decided approval %s was expired", a.ID)
		}
	}
}

// countPending checks CountPending.
func countPending(t *testing.T, s store.Store, want int) {
	t.Helper()
	if n, err := s.CountPending(ctx); err != nil || n != want {
		t.Errorf("CountPending = %d, %v; want %d", n, err, want)
	}
}

func testExpireDueConcurrent(t *testing.T, h *harness) {
	hs := h.handles(t, 2)
	const n = 30
	want := map[string]bool{}
	for i := range n {
		a := pending("disable-user")
		a.ExpiresAt = t0.Add(time.Duration(i+1) * time.Second)
		create(t, hs[i%2], a)
		want[a.ID] = true
	}
	now := t0.Add(time.Hour)
	var mu sync.Mutex
	seen := map[string]int{}
	results := race(6, func(i int) result {
		got, err := hs[i%2].ExpireDue(ctx, now)
		mu.Lock()
		defer mu.Unlock()
		for _, a := range got {
			seen[a.ID]++
			if a.Status != store.StatusExpired {
				t.Errorf("ExpireDue returned %s with status %s", a.ID, a.Status)
			}
		}
		return result{err: err}
	})
	for _, r := range results {
		if r.err != nil {
			t.Fatalf("ExpireDue: %v", r.err)
		}
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("approval %s returned %d times, want once", id, seen[id])
		}
	}
	if len(seen) != n {
		t.Errorf("ExpireDue returned %d distinct approvals, want %d", len(seen), n)
	}
}

func testClaimOnce(t *testing.T, h *harness) {
	s := h.handle(t)
	a := create(t, s, pending("disable-user"))
	t1 := t0.Add(time.Minute)
	_, err := s.Claim(ctx, a.ID, "replica-a", time.Minute)
	wantErr(t, "Claim of a pending approval", err, store.ErrNotClaimable)

	approve(t, s, a.ID, "USEC", t1)
	won := claim(t, s, a.ID, "replica-a", time.Minute)
	if won.Status != store.StatusRunning || won.Owner != "replica-a" {
		t.Errorf("after Claim: status %s owner %s", won.Status, won.Owner)
	}
	got, err := s.Claim(ctx, a.ID, "replica-b", time.Hour)
	wantErr(t, "second Claim", err, store.ErrNotClaimable)
	diff(t, "second Claim returns the current approval", won, got)
	// Not even the owner claims twice while the lease holds.
	_, err = s.Claim(ctx, a.ID, "replica-a", time.Hour)
	wantErr(t, "owner's second Claim", err, store.ErrNotClaimable)
	diff(t, "stored", won, get(t, s, a.ID))
}

func testClaimConcurrent(t *testing.T, h *harness) {
	hs := h.handles(t, 2)
	for round := range 4 {
		a := create(t, hs[0], pending("disable-user"))
		now := t0.Add(time.Minute)
		approve(t, hs[1], a.ID, "USEC", now)
		results := race(10, func(i int) result {
			who := fmt.Sprintf("replica-%d", i)
			got, err := hs[i%2].Claim(ctx, a.ID, who, time.Minute)
			return result{who, got, err}
		})
		var winners []string
		for _, r := range results {
			switch {
			case r.err == nil:
				winners = append(winners, r.who)
				if r.a.Owner != r.who {
					t.Errorf("round %d: %s won but Owner is %s", round, r.who, r.a.Owner)
				}
			case errors.Is(r.err, store.ErrNotClaimable):
			default:
				t.Errorf("round %d: %s: unexpected error %v", round, r.who, r.err)
			}
		}
		if len(winners) != 1 {
			t.Fatalf("round %d: claimed by %v, want exactly one", round, winners)
		}
		if got := get(t, hs[1], a.ID); got.Owner != winners[0] {
			t.Errorf("round %d: stored owner %s, want %s", round, got.Owner, winners[0])
		}
	}
}

// Leases are timed by the database's clock alone: no replica's clock is
// asked, so replicas whose clocks disagree still agree on who holds one.
func testLeaseExpiry(t *testing.T, h *harness) {
	hs := h.handles(t, 2)
	a, b := hs[0], hs[1]
	ap := create(t, a, pending("disable-user"))
	t1 := t0.Add(time.Minute)
	approve(t, a, ap.ID, "USEC", t1)
	first := claim(t, a, ap.ID, "replica-a", time.Hour)

	rec, err := b.Recoverable(ctx)
	if err != nil {
		t.Fatalf("Recoverable: %v", err)
	}
	if len(rec) != 0 {
		t.Errorf("Recoverable during the lease: %v", ids(rec))
	}
	_, err = b.Claim(ctx, ap.ID, "replica-b", time.Minute)
	wantErr(t, "Claim during the lease", err, store.ErrNotClaimable)

	// The owner keeps it: the lease moves to a new length from now, and
	// UpdatedAt stays the claim's.
	before := time.Now()
	if err := a.ExtendLease(ctx, ap.ID, "replica-a", 200*time.Millisecond); err != nil {
		t.Fatalf("ExtendLease: %v", err)
	}
	got := get(t, b, ap.ID)
	checkLease(t, "ExtendLease", got.LeaseUntil, before, time.Now(), 200*time.Millisecond)
	if !got.UpdatedAt.Equal(first.UpdatedAt) || got.Owner != "replica-a" {
		t.Errorf("after ExtendLease: updated %v owner %s; want updated unchanged %v, replica-a", got.UpdatedAt, got.Owner, first.UpdatedAt)
	}

	// replica-a stops extending (it died, or paused); its lease runs out.
	recovered := waitRecoverable(t, b, ap.ID)
	diff(t, "Recoverable's approval", get(t, b, ap.ID), recovered)
	// A lapsed lease is not extended, even before anyone took the work
	// over: the owner must stop.
	wantErr(t, "ExtendLease of a lapsed lease", a.ExtendLease(ctx, ap.ID, "replica-a", time.Hour), store.ErrNotClaimable)

	got = claim(t, b, ap.ID, "replica-b", time.Minute)
	if got.Owner != "replica-b" || !got.UpdatedAt.After(first.UpdatedAt) {
		t.Errorf("re-claimed: owner %s updated %v (first claim %v)", got.Owner, got.UpdatedAt, first.UpdatedAt)
	}

	// replica-a comes back: it holds nothing any more.
	wantErr(t, "old owner's ExtendLease", a.ExtendLease(ctx, ap.ID, "replica-a", time.Hour), store.ErrNotClaimable)
	wantErr(t, "old owner's Finish", a.Finish(ctx, ap.ID, "replica-a", store.StatusDone, "done", t1), store.ErrNotClaimable)

	if err := b.ExtendLease(ctx, ap.ID, "replica-b", time.Hour); err != nil {
		t.Fatalf("ExtendLease: %v", err)
	}
	_, err = a.Claim(ctx, ap.ID, "replica-a", time.Minute)
	wantErr(t, "Claim within the extended lease", err, store.ErrNotClaimable)

	t4 := t1.Add(10 * time.Second)
	if err := b.Finish(ctx, ap.ID, "replica-b", store.StatusFailed, "Okta unavailable", t4); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	got = get(t, a, ap.ID)
	if got.Status != store.StatusFailed || got.Result != "Okta unavailable" || !got.UpdatedAt.Equal(norm(t4)) {
		t.Errorf("after Finish: status %s result %q updated %v", got.Status, got.Result, got.UpdatedAt)
	}
	wantErr(t, "second Finish", b.Finish(ctx, ap.ID, "replica-b", store.StatusDone, "", t4), store.ErrNotClaimable)
	wantErr(t, "ExtendLease after Finish", b.ExtendLease(ctx, ap.ID, "replica-b", time.Hour), store.ErrNotClaimable)
	_, err = a.Claim(ctx, ap.ID, "replica-a", time.Minute)
	wantErr(t, "Claim after Finish", err, store.ErrNotClaimable)
	rec, err = a.Recoverable(ctx)
	if err != nil {
		t.Fatalf("Recoverable: %v", err)
	}
	if len(rec) != 0 {
		t.Errorf("Recoverable after Finish: %v", ids(rec))
	}
}

func testRecoverable(t *testing.T, h *harness) {
	s := h.handle(t)
	mk := func(age time.Duration) store.Approval {
		a := pending("disable-user")
		a.CreatedAt = t0.Add(-age)
		return create(t, s, a)
	}
	approvedOld, approvedNew, running, runningStale := mk(3*time.Minute), mk(time.Minute), mk(2*time.Minute), mk(4*time.Minute)
	stillPending, denied, done := mk(5*time.Minute), mk(6*time.Minute), mk(7*time.Minute)
	_ = stillPending
	for _, a := range []store.Approval{approvedOld, approvedNew, running, runningStale, done} {
		approve(t, s, a.ID, "USEC", t0)
	}
	if _, err := s.Deny(ctx, denied.ID, "USEC", "no", t0); err != nil {
		t.Fatal(err)
	}
	claim(t, s, running.ID, "r1", time.Hour)
	claim(t, s, runningStale.ID, "r2", time.Millisecond)
	claim(t, s, done.ID, "r3", time.Millisecond)
	if err := s.Finish(ctx, done.ID, "r3", store.StatusDone, "ok", t0); err != nil {
		t.Fatal(err)
	}
	waitRecoverable(t, s, runningStale.ID)
	got, err := s.Recoverable(ctx)
	if err != nil {
		t.Fatalf("Recoverable: %v", err)
	}
	// Oldest first.
	diff(t, "Recoverable", []string{runningStale.ID, approvedOld.ID, approvedNew.ID}, ids(got))
}

func testFinishRejects(t *testing.T, h *harness) {
	s := h.handle(t)
	a := create(t, s, pending("disable-user"))
	approve(t, s, a.ID, "USEC", t0)
	wantErr(t, "Finish before Claim", s.Finish(ctx, a.ID, "r", store.StatusDone, "", t0), store.ErrNotClaimable)
	for _, lease := range []time.Duration{0, -time.Second, time.Nanosecond} {
		_, err := s.Claim(ctx, a.ID, "r", lease)
		wantErr(t, fmt.Sprintf("Claim with a lease of %v", lease), err, store.ErrInvalid)
	}
	_, err := s.Claim(ctx, a.ID, "", time.Minute)
	wantErr(t, "Claim without an owner", err, store.ErrInvalid)
	claim(t, s, a.ID, "r", time.Minute)
	for _, st := range []store.Status{store.StatusApproved, store.StatusPending, store.StatusRunning, store.StatusExpired, "bogus"} {
		wantErr(t, "Finish with status "+string(st), s.Finish(ctx, a.ID, "r", st, "", t0), store.ErrInvalid)
	}
	wantErr(t, "ExtendLease by nothing", s.ExtendLease(ctx, a.ID, "r", 0), store.ErrInvalid)
	wantErr(t, "ExtendLease into the past", s.ExtendLease(ctx, a.ID, "r", -time.Second), store.ErrInvalid)
	if got := get(t, s, a.ID); got.Status != store.StatusRunning {
		t.Errorf("status %s, want running", got.Status)
	}
}

func testFirstDelivery(t *testing.T, h *harness) {
	s := h.handle(t)
	const ttl = 10 * time.Minute
	first := func(key string, now time.Time) bool {
		t.Helper()
		ok, err := s.FirstDelivery(ctx, key, now, ttl)
		if err != nil {
			t.Fatalf("FirstDelivery(%s): %v", key, err)
		}
		return ok
	}
	steps := []struct {
		key  string
		at   time.Duration
		want bool
	}{
		{"env-1", 0, true},
		{"env-1", time.Second, false},
		{"env-2", time.Second, true},
		{"env-1", ttl - time.Microsecond, false},
		{"env-1", ttl, true}, // the first delivery's ttl has passed
		{"env-1", ttl + time.Second, false},
		{"env-2", ttl + time.Second, true},
		{"env-3", ttl + time.Second, true},
	}
	for _, st := range steps {
		if got := first(st.key, t0.Add(st.at)); got != st.want {
			t.Errorf("FirstDelivery(%s, t0+%v) = %v, want %v", st.key, st.at, got, st.want)
		}
	}
	_, err := s.FirstDelivery(ctx, "env-4", t0, 0)
	wantErr(t, "zero ttl", err, store.ErrInvalid)
	_, err = s.FirstDelivery(ctx, "", t0, ttl)
	wantErr(t, "empty key", err, store.ErrInvalid)
}

func testFirstDeliveryConcurrent(t *testing.T, h *harness) {
	hs := h.handles(t, 2)
	for _, key := range []string{"env-a", "env-b", "env-c"} {
		results := race(10, func(i int) result {
			ok, err := hs[i%2].FirstDelivery(ctx, key, t0.Add(time.Duration(i)*time.Millisecond), time.Minute)
			if err != nil {
				return result{err: err}
			}
			if ok {
				return result{who: "first"}
			}
			return result{}
		})
		firsts := 0
		for _, r := range results {
			if r.err != nil {
				t.Fatalf("FirstDelivery: %v", r.err)
			}
			if r.who == "first" {
				firsts++
			}
		}
		if firsts != 1 {
			t.Errorf("key %s: %d first deliveries, want 1", key, firsts)
		}
	}
}

func fullRecord() store.AuditRecord {
	return store.AuditRecord{
		At:            t0,
		Event:         "outcome",
		Actor:         "USEC",
		Channel:       "CAPPROVALS",
		Action:        "disable-user",
		Targets:       []string{"alice@corp.example", "00u1bob"},
		Params:        map[string]string{"deactivate": "true", "password": "[REDACTED]"},
		ApprovalID:    store.NewID(),
		Target:        "alice@corp.example",
		Outcome:       "ok",
		ErrorKind:     "rate limited",
		OktaRequestID: "XkZ1abc",
		Detail:        "suspended",
	}
}

func appendAudit(t *testing.T, s store.Store, r store.AuditRecord) store.AuditRecord {
	t.Helper()
	id, err := s.AppendAudit(ctx, r)
	if err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	r.ID, r.At = id, norm(r.At)
	return r
}

func list(t *testing.T, s store.Store, f store.AuditFilter) []store.AuditRecord {
	t.Helper()
	got, err := s.ListAudit(ctx, f)
	if err != nil {
		t.Fatalf("ListAudit(%+v): %v", f, err)
	}
	for _, r := range got {
		if r.At.Location() != time.UTC {
			t.Errorf("record %d At %v, want UTC", r.ID, r.At)
		}
	}
	return got
}

func testAuditRoundTrip(t *testing.T, h *harness) {
	s := h.handle(t)
	if got := list(t, s, store.AuditFilter{}); len(got) != 0 {
		t.Errorf("empty log lists %d records", len(got))
	}
	in := fullRecord()
	in.ID = 999999 // ignored
	want := appendAudit(t, s, in)
	if want.ID <= 0 {
		t.Errorf("id %d, want positive", want.ID)
	}
	diff(t, "round trip", []store.AuditRecord{want}, list(t, s, store.AuditFilter{}))
	v := reflect.ValueOf(want)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Errorf("field %s never round-tripped", v.Type().Field(i).Name)
		}
	}

	minimal := appendAudit(t, s, store.AuditRecord{At: t0.Add(time.Second), Event: "request.refused"})
	if minimal.ID <= want.ID {
		t.Errorf("ids not increasing: %d then %d", want.ID, minimal.ID)
	}
	diff(t, "minimal record", minimal, list(t, s, store.AuditFilter{Limit: 1})[0])

	_, err := s.AppendAudit(ctx, store.AuditRecord{Event: "outcome"})
	wantErr(t, "no At", err, store.ErrInvalid)
	_, err = s.AppendAudit(ctx, store.AuditRecord{At: t0})
	wantErr(t, "no Event", err, store.ErrInvalid)
}

func testAuditFilters(t *testing.T, h *harness) {
	s := h.handle(t)
	approval := store.NewID()
	rec := func(at time.Duration, actor, action string) store.AuditRecord {
		r := store.AuditRecord{At: t0.Add(at), Event: "request.allowed", Actor: actor, Action: action}
		if actor == "U3" || at == 2*time.Minute {
			r.ApprovalID = approval
		}
		return appendAudit(t, s, r)
	}
	// Appended out of time order; two share a time.
	r3 := rec(3*time.Minute, "U1", "get-user")
	r1 := rec(1*time.Minute, "U2", "disable-user")
	r4a := rec(4*time.Minute, "U3", "disable-user")
	r4b := rec(4*time.Minute, "U1", "disable-user")
	r2 := rec(2*time.Minute, "U1", "disable-user")
	r5 := rec(5*time.Minute, "U2", "get-user")

	idsOf := func(rs []store.AuditRecord) []int64 {
		out := make([]int64, len(rs))
		for i, r := range rs {
			out[i] = r.ID
		}
		return out
	}
	for _, c := range []struct {
		name string
		f    store.AuditFilter
		want []store.AuditRecord
	}{
		{"all, newest first, ties by id", store.AuditFilter{}, []store.AuditRecord{r5, r4b, r4a, r3, r2, r1}},
		{"one actor", store.AuditFilter{Actors: []string{"U1"}}, []store.AuditRecord{r4b, r3, r2}},
		{"two actors", store.AuditFilter{Actors: []string{"U2", "U3"}}, []store.AuditRecord{r5, r4a, r1}},
		{"unknown actor", store.AuditFilter{Actors: []string{"U9"}}, nil},
		{"action", store.AuditFilter{Action: "disable-user"}, []store.AuditRecord{r4b, r4a, r2, r1}},
		{"actor and action", store.AuditFilter{Actors: []string{"U1"}, Action: "disable-user"}, []store.AuditRecord{r4b, r2}},
		{"before (exclusive)", store.AuditFilter{Before: t0.Add(4 * time.Minute)}, []store.AuditRecord{r3, r2, r1}},
		{"before and action", store.AuditFilter{Before: t0.Add(4 * time.Minute), Action: "get-user"}, []store.AuditRecord{r3}},
		{"limit", store.AuditFilter{Limit: 2}, []store.AuditRecord{r5, r4b}},
		{"one record", store.AuditFilter{ID: r3.ID}, []store.AuditRecord{r3}},
		{"unknown record", store.AuditFilter{ID: r5.ID + 100}, nil},
		{"one approval request", store.AuditFilter{ApprovalID: approval}, []store.AuditRecord{r4a, r2}},
		{"approval request and actor", store.AuditFilter{ApprovalID: approval, Actors: []string{"U1"}}, []store.AuditRecord{r2}},
		{"unknown approval request", store.AuditFilter{ApprovalID: store.NewID()}, nil},
		{"everything", store.AuditFilter{Actors: []string{"U1", "U3"}, Action: "disable-user", Before: t0.Add(5 * time.Minute), Limit: 1}, []store.AuditRecord{r4b}},
	} {
		diff(t, c.name, idsOf(c.want), idsOf(list(t, s, c.f)))
	}
}

func testAuditLimits(t *testing.T, h *harness) {
	s := h.handle(t)
	n := store.MaxAuditLimit + 1
	for i := range n {
		appendAudit(t, s, store.AuditRecord{At: t0.Add(time.Duration(i) * time.Second), Event: "request.allowed"})
	}
	for _, c := range []struct{ limit, want int }{
		{0, store.DefaultAuditLimit}, {-1, store.DefaultAuditLimit}, {5, 5},
		{store.MaxAuditLimit, store.MaxAuditLimit}, {store.MaxAuditLimit + 1, store.MaxAuditLimit}, {1 << 30, store.MaxAuditLimit},
	} {
		got := list(t, s, store.AuditFilter{Limit: c.limit})
		if len(got) != c.want {
			t.Errorf("Limit %d: %d records, want %d", c.limit, len(got), c.want)
			continue
		}
		if !sort.SliceIsSorted(got, func(i, j int) bool { return got[i].At.After(got[j].At) }) {
			t.Errorf("Limit %d: not newest first", c.limit)
		}
		if !got[0].At.Equal(norm(t0.Add(time.Duration(n-1) * time.Second))) {
			t.Errorf("Limit %d: first record at %v, want the newest", c.limit, got[0].At)
		}
	}
}

func testSanitise(t *testing.T, h *harness) {
	s := h.handle(t)
	const dirty, clean = "a\x00b\xffc", "a\uFFFDb\uFFFDc"
	a := pending("disable-user")
	a.Reason, a.Targets, a.TargetLabels, a.Params = dirty, []string{dirty}, []string{dirty}, map[string]string{dirty: dirty}
	create(t, s, a)
	got := get(t, s, a.ID)
	want := []string{clean, clean, clean, clean, clean}
	var key, val string
	for k, v := range got.Params {
		key, val = k, v
	}
	diff(t, "approval text", want, []string{got.Reason, got.Targets[0], got.TargetLabels[0], key, val})

	appendAudit(t, s, store.AuditRecord{At: t0, Event: "outcome", Actor: dirty, Detail: dirty, Params: map[string]string{"k": dirty}})
	rs := list(t, s, store.AuditFilter{Actors: []string{dirty}})
	if len(rs) != 1 {
		t.Fatalf("filtering on the same dirty actor found %d records, want 1", len(rs))
	}
	diff(t, "audit text", []string{clean, clean, clean}, []string{rs[0].Actor, rs[0].Detail, rs[0].Params["k"]})
}

func testRestart(t *testing.T, h *harness) {
	s1, err := h.open()
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	a := create(t, s1, pending("disable-user"))
	rec := appendAudit(t, s1, fullRecord())
	if ok, err := s1.FirstDelivery(ctx, "env-1", t0, time.Hour); err != nil || !ok {
		t.Fatalf("FirstDelivery = %v, %v", ok, err)
	}
	if err := s1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s2 := h.handle(t) // migrations run again: a no-op
	diff(t, "approval after restart", a, get(t, s2, a.ID))
	diff(t, "audit after restart", []store.AuditRecord{rec}, list(t, s2, store.AuditFilter{}))
	if ok, err := s2.FirstDelivery(ctx, "env-1", t0.Add(time.Minute), time.Hour); err != nil || ok {
		t.Errorf("FirstDelivery after restart = %v, %v; want false", ok, err)
	}
}

func testConcurrentOpen(t *testing.T, h *harness) {
	var mu sync.Mutex
	var opened []store.Store
	results := race(4, func(int) result {
		s, err := h.open()
		if err == nil {
			mu.Lock()
			opened = append(opened, s)
			mu.Unlock()
		}
		return result{err: err}
	})
	t.Cleanup(func() {
		for _, s := range opened {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
	})
	for _, r := range results {
		if r.err != nil {
			t.Fatalf("concurrent open: %v", r.err)
		}
	}
	a := create(t, opened[0], pending("disable-user"))
	for _, s := range opened {
		diff(t, "through each handle", a, get(t, s, a.ID))
	}
}

func testCanceledContext(t *testing.T, h *harness) {
	s := h.handle(t)
	a := create(t, s, pending("disable-user"))
	c, cancel := context.WithCancel(ctx)
	cancel()
	_, err := s.GetApproval(c, a.ID)
	wantErr(t, "GetApproval", err, context.Canceled)
	_, err = s.Approve(c, a.ID, "USEC", t0)
	wantErr(t, "Approve", err, context.Canceled)
	diff(t, "untouched", a, get(t, s, a.ID))
}

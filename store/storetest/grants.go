package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"oktabot/store"
)

// grantCases are the conformance cases of time-boxed grants.
var grantCases = []struct {
	name string
	f    func(*testing.T, *harness)
}{
	{"GrantRoundTrip", testGrantRoundTrip},
	{"GrantCreateRejects", testGrantCreateRejects},
	{"GrantOneLivePerAccess", testGrantOneLive},
	{"GrantDropAndActivate", testGrantDropAndActivate},
	{"GrantExtendAndEnd", testGrantExtendAndEnd},
	{"GrantKeep", testGrantKeep},
	{"GrantLeftGivingEnds", testGrantLeftGivingEnds},
	{"GrantWarnOnce", testGrantWarnOnce},
	{"GrantRevokeOnce", testGrantRevokeOnce},
	{"GrantRevokeConcurrentTwoHandles", testGrantRevokeConcurrent},
	{"GrantRetryAndLeaseLapse", testGrantRetry},
	{"GrantListFilters", testGrantList},
}

// roleGrant is a new grant of HELP_DESK_ADMIN to 00u1alice by UREQ for
// two hours from t0.
func roleGrant() store.Grant {
	return store.Grant{
		ID:               store.NewID(),
		Action:           "assign-role",
		UserID:           "00u1alice",
		UserLabel:        "Alice Example <alice@corp.example>",
		Role:             "HELP_DESK_ADMIN",
		RequesterID:      "UREQ",
		RequesterChannel: "CONCALL",
		ApprovalID:       "APPROVALID",
		Reason:           "INC-1234",
		Duration:         2 * time.Hour,
		CreatedAt:        t0,
		EndsAt:           t0.Add(2 * time.Hour),
	}
}

func normGrant(g store.Grant) store.Grant {
	for _, p := range []*time.Time{&g.CreatedAt, &g.EndsAt, &g.WarnedAt, &g.NextAttempt, &g.OverdueAt, &g.RevokedAt, &g.LeaseUntil, &g.UpdatedAt} {
		*p = norm(*p)
	}
	return g
}

func createGrant(t *testing.T, s store.Store, g store.Grant) store.Grant {
	t.Helper()
	got, err := s.CreateGrant(ctx, g)
	if err != nil {
		t.Fatalf("CreateGrant: %v", err)
	}
	g.Status, g.UpdatedAt = store.GrantGiving, g.CreatedAt
	diff(t, "CreateGrant's grant", normGrant(g), got)
	return got
}

func activeGrant(t *testing.T, s store.Store, g store.Grant) store.Grant {
	t.Helper()
	createGrant(t, s, g)
	got, err := s.ActivateGrant(ctx, g.ID, "ra1assignment", g.CreatedAt)
	if err != nil {
		t.Fatalf("ActivateGrant: %v", err)
	}
	return got
}

func getGrant(t *testing.T, s store.Store, id string) store.Grant {
	t.Helper()
	g, err := s.GetGrant(ctx, id)
	if err != nil {
		t.Fatalf("GetGrant: %v", err)
	}
	for name, tm := range map[string]time.Time{"CreatedAt": g.CreatedAt, "EndsAt": g.EndsAt, "UpdatedAt": g.UpdatedAt, "LeaseUntil": g.LeaseUntil} {
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("%s = %v, want UTC", name, tm)
		}
	}
	return g
}

func grantIDs(gs []store.Grant) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.ID
	}
	return out
}

func testGrantRoundTrip(t *testing.T, h *harness) {
	hs := h.handles(t, 2)
	g := roleGrant()
	created := createGrant(t, hs[0], g)
	diff(t, "stored giving grant", created, getGrant(t, hs[1], g.ID))
	if created.Access() != "role:HELP_DESK_ADMIN" {
		t.Errorf("Access() = %q", created.Access())
	}
	t1 := t0.Add(time.Second)
	active, err := hs[1].ActivateGrant(ctx, g.ID, "ra1assignment", t1)
	if err != nil {
		t.Fatalf("ActivateGrant: %v", err)
	}
	want := created
	want.Status, want.AssignmentID, want.UpdatedAt = store.GrantActive, "ra1assignment", norm(t1)
	diff(t, "activated grant", want, active)
	diff(t, "stored active grant", want, getGrant(t, hs[0], g.ID))
	live, err := hs[0].LiveGrant(ctx, g.UserID, "role:HELP_DESK_ADMIN")
	if err != nil {
		t.Fatalf("LiveGrant: %v", err)
	}
	diff(t, "LiveGrant", want, live)

	group := roleGrant()
	group.Action, group.Role, group.GroupID, group.GroupName = "add-to-group", "", "00g1oncall", "On-call responders"
	created = createGrant(t, hs[0], group)
	if created.Access() != "group:00g1oncall" {
		t.Errorf("Access() = %q", created.Access())
	}
	_, err = hs[0].GetGrant(ctx, "NOSUCHGRANT")
	wantErr(t, "GetGrant of nothing", err, store.ErrNotFound)
	_, err = hs[0].LiveGrant(ctx, "00u1alice", "role:SUPER_ADMIN")
	wantErr(t, "LiveGrant of nothing", err, store.ErrNotFound)
}

func testGrantCreateRejects(t *testing.T, h *harness) {
	s := h.handle(t)
	for name, mod := range map[string]func(*store.Grant){
		"no id":          func(g *store.Grant) { g.ID = "" },
		"no user":        func(g *store.Grant) { g.UserID = "" },
		"no requester":   func(g *store.Grant) { g.RequesterID = "" },
		"role and group": func(g *store.Grant) { g.GroupID = "00g1" },
		"neither":        func(g *store.Grant) { g.Role = "" },
		"ends at start":  func(g *store.Grant) { g.EndsAt = g.CreatedAt },
		"no duration":    func(g *store.Grant) { g.Duration = 0 },
		"active":         func(g *store.Grant) { g.Status = store.GrantActive },
	} {
		g := roleGrant()
		mod(&g)
		_, err := s.CreateGrant(ctx, g)
		wantErr(t, name, err, store.ErrInvalid)
	}
	g := createGrant(t, s, roleGrant())
	other := roleGrant()
	other.ID, other.UserID = g.ID, "00u1bob"
	_, err := s.CreateGrant(ctx, other)
	wantErr(t, "CreateGrant with a taken id", err, store.ErrExists)
}

// One live grant per user and access: a second is refused with the one
// that holds it, while it lives; once revoked, a new one may be made.
func testGrantOneLive(t *testing.T, h *harness) {
	hs := h.handles(t, 2)
	first := activeGrant(t, hs[0], roleGrant())
	results := make(chan error, 10)
	for i := range 10 {
		go func() {
			g := roleGrant()
			held, err := hs[i%2].CreateGrant(ctx, g)
			if err == nil {
				err = fmt.Errorf("created %s while %s is live", g.ID, first.ID)
			} else if errors.Is(err, store.ErrGrantHeld) && held.ID != first.ID {
				err = fmt.Errorf("ErrGrantHeld names %s, want %s", held.ID, first.ID)
			} else if errors.Is(err, store.ErrGrantHeld) {
				err = nil
			}
			results <- err
		}()
	}
	for range 10 {
		if err := <-results; err != nil {
			t.Error(err)
		}
	}
	// Another user, another access: fine.
	other := roleGrant()
	other.UserID = "00u1bob"
	createGrant(t, hs[0], other)
	other = roleGrant()
	other.Role = "READ_ONLY_ADMIN"
	createGrant(t, hs[0], other)

	// Concurrent first grants of one access: exactly one is made.
	made := make(chan string, 10)
	for i := range 10 {
		go func() {
			g := roleGrant()
			g.Role = "ORG_ADMIN"
			if _, err := hs[i%2].CreateGrant(ctx, g); err == nil {
				made <- g.ID
			} else if !errors.Is(err, store.ErrGrantHeld) {
				t.Errorf("CreateGrant: %v", err)
				made <- ""
			} else {
				made <- ""
			}
		}()
	}
	n := 0
	for range 10 {
		if <-made != "" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d concurrent grants of one access were made, want 1", n)
	}

	// Revoked, the access may be granted again.
	end := t0.Add(3 * time.Hour)
	if _, err := hs[0].ClaimGrant(ctx, first.ID, "replica-a", time.Minute, end); err != nil {
		t.Fatalf("ClaimGrant: %v", err)
	}
	if _, err := hs[0].FinishGrant(ctx, first.ID, "replica-a", "removed", end); err != nil {
		t.Fatalf("FinishGrant: %v", err)
	}
	again := roleGrant()
	again.CreatedAt, again.EndsAt = end, end.Add(time.Hour)
	createGrant(t, hs[1], again)
}

func testGrantDropAndActivate(t *testing.T, h *harness) {
	s := h.handle(t)
	g := createGrant(t, s, roleGrant())
	if err := s.DropGrant(ctx, g.ID); err != nil {
		t.Fatalf("DropGrant: %v", err)
	}
	_, err := s.GetGrant(ctx, g.ID)
	wantErr(t, "GetGrant of a dropped grant", err, store.ErrNotFound)
	wantErr(t, "DropGrant again", s.DropGrant(ctx, g.ID), store.ErrNotFound)
	_, err = s.ActivateGrant(ctx, g.ID, "", t0)
	wantErr(t, "ActivateGrant of a dropped grant", err, store.ErrNotFound)

	// An active grant is neither dropped nor activated again.
	a := activeGrant(t, s, roleGrant())
	wantErr(t, "DropGrant of an active grant", s.DropGrant(ctx, a.ID), store.ErrNotClaimable)
	got, err := s.ActivateGrant(ctx, a.ID, "other", t0)
	wantErr(t, "ActivateGrant twice", err, store.ErrNotClaimable)
	diff(t, "ActivateGrant twice returns the grant", a, got)
}

func testGrantExtendAndEnd(t *testing.T, h *harness) {
	s := h.handle(t)
	giving := createGrant(t, s, roleGrant())
	_, err := s.ExtendGrant(ctx, giving.ID, t0.Add(5*time.Hour), t0)
	wantErr(t, "ExtendGrant of a giving grant", err, store.ErrNotClaimable)
	_, err = s.EndGrant(ctx, giving.ID, "UREQ", "replica-a", time.Minute, t0.Add(store.GivingLapse-time.Second))
	wantErr(t, "EndGrant of a giving grant", err, store.ErrNotClaimable)
	if _, err := s.ActivateGrant(ctx, giving.ID, "ra1", t0); err != nil {
		t.Fatal(err)
	}

	// Warned and overdue, then extended: both are cleared.
	near := t0.Add(110 * time.Minute)
	if w, err := s.WarnGrants(ctx, near, 10*time.Minute); err != nil || len(w) != 1 {
		t.Fatalf("WarnGrants: %v %v", grantIDs(w), err)
	}
	if ok, err := s.MarkOverdue(ctx, giving.ID, near); err != nil || !ok {
		t.Fatalf("MarkOverdue: %v %v", ok, err)
	}
	_, err = s.ExtendGrant(ctx, giving.ID, near, near)
	wantErr(t, "ExtendGrant to now", err, store.ErrInvalid)
	// Past its end, it is over, swept or not.
	_, err = s.ExtendGrant(ctx, giving.ID, t0.Add(5*time.Hour), t0.Add(2*time.Hour))
	wantErr(t, "ExtendGrant at its end", err, store.ErrNotClaimable)
	newEnd := t0.Add(4 * time.Hour)
	ext, err := s.ExtendGrant(ctx, giving.ID, newEnd, near)
	if err != nil {
		t.Fatalf("ExtendGrant: %v", err)
	}
	if !ext.EndsAt.Equal(norm(newEnd)) || !ext.WarnedAt.IsZero() || !ext.OverdueAt.IsZero() || ext.Status != store.GrantActive {
		t.Errorf("extended: ends %v warned %v overdue %v status %s", ext.EndsAt, ext.WarnedAt, ext.OverdueAt, ext.Status)
	}
	if due, _ := s.DueGrants(ctx, t0.Add(3*time.Hour)); len(due) != 0 {
		t.Errorf("due before the new end: %v", grantIDs(due))
	}

	// Ended early: claimed by who ends it in the same move, so that no
	// sweep takes its removal; not ended twice.
	t1 := t0.Add(time.Hour)
	before := time.Now()
	ended, err := s.EndGrant(ctx, giving.ID, "USEC", "replica-a", time.Minute, t1)
	if err != nil {
		t.Fatalf("EndGrant: %v", err)
	}
	if ended.EndedBy != "USEC" || !ended.EndsAt.Equal(norm(t1)) || ended.Status != store.GrantRevoking || ended.Owner != "replica-a" {
		t.Errorf("ended: by %q at %v, %s by %s", ended.EndedBy, ended.EndsAt, ended.Status, ended.Owner)
	}
	checkLease(t, "EndGrant", ended.LeaseUntil, before, time.Now(), time.Minute)
	if due, _ := s.DueGrants(ctx, t1.Add(time.Hour)); len(due) != 0 {
		t.Errorf("due while its ender holds it: %v", grantIDs(due))
	}
	_, err = s.ClaimGrant(ctx, giving.ID, "replica-b", time.Minute, t1)
	wantErr(t, "ClaimGrant of an ended grant", err, store.ErrNotClaimable)
	_, err = s.EndGrant(ctx, giving.ID, "UREQ", "replica-b", time.Minute, t1)
	wantErr(t, "EndGrant of a revoking grant", err, store.ErrNotClaimable)
	_, err = s.ExtendGrant(ctx, giving.ID, newEnd, t1)
	wantErr(t, "ExtendGrant of a revoking grant", err, store.ErrNotClaimable)
	if _, err := s.FinishGrant(ctx, giving.ID, "replica-a", "removed", t1); err != nil {
		t.Errorf("FinishGrant by its ender: %v", err)
	}
	_, err = s.EndGrant(ctx, "NOSUCHGRANT", "UREQ", "replica-a", time.Minute, t1)
	wantErr(t, "EndGrant of nothing", err, store.ErrNotFound)
}

// A grant still giving GivingLapse after it was stored was left by a
// replica that stopped: it may be ended early, and its giver, were it
// still alive, can no longer settle it.
func testGrantLeftGivingEnds(t *testing.T, h *harness) {
	s := h.handle(t)
	g := createGrant(t, s, roleGrant())
	at := g.UpdatedAt.Add(store.GivingLapse)
	ended, err := s.EndGrant(ctx, g.ID, "USEC", "replica-a", time.Minute, at)
	if err != nil {
		t.Fatalf("EndGrant of a grant left giving: %v", err)
	}
	if ended.Status != store.GrantRevoking || ended.EndedBy != "USEC" || ended.Owner != "replica-a" || !ended.EndsAt.Equal(norm(at)) {
		t.Errorf("ended: %+v", ended)
	}
	_, err = s.ActivateGrant(ctx, g.ID, "ra1", at)
	wantErr(t, "ActivateGrant of an ended grant", err, store.ErrNotClaimable)
	wantErr(t, "DropGrant of an ended grant", s.DropGrant(ctx, g.ID), store.ErrNotClaimable)
}

// A grant made permanent ends without any removal: never due, never
// claimed, ended or extended again, and only while active.
func testGrantKeep(t *testing.T, h *harness) {
	s := h.handle(t)
	g := createGrant(t, s, roleGrant())
	_, err := s.KeepGrant(ctx, g.ID, "USEC", t0)
	wantErr(t, "KeepGrant of a giving grant", err, store.ErrNotClaimable)
	if _, err := s.ActivateGrant(ctx, g.ID, "ra1", t0); err != nil {
		t.Fatal(err)
	}
	_, err = s.KeepGrant(ctx, g.ID, "", t0)
	wantErr(t, "KeepGrant by nobody", err, store.ErrInvalid)
	_, err = s.KeepGrant(ctx, g.ID, "USEC", g.EndsAt)
	wantErr(t, "KeepGrant at its end", err, store.ErrNotClaimable)
	t1 := t0.Add(time.Hour)
	kept, err := s.KeepGrant(ctx, g.ID, "USEC", t1)
	if err != nil {
		t.Fatalf("KeepGrant: %v", err)
	}
	if !kept.Kept() || kept.EndedBy != "USEC" || !kept.RevokedAt.Equal(norm(t1)) || kept.Status.Live() {
		t.Errorf("kept: %+v", kept)
	}
	if got := getGrant(t, s, g.ID); !got.Kept() {
		t.Errorf("stored as %s %q, want kept", got.Status, got.Result)
	}
	if due, _ := s.DueGrants(ctx, t0.Add(24*time.Hour)); len(due) != 0 {
		t.Errorf("a kept grant is due: %v", grantIDs(due))
	}
	if _, err := s.LiveGrant(ctx, g.UserID, g.Access()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LiveGrant after keeping: %v, want ErrNotFound", err)
	}
	_, err = s.ClaimGrant(ctx, g.ID, "replica-a", time.Minute, t0.Add(24*time.Hour))
	wantErr(t, "ClaimGrant of a kept grant", err, store.ErrNotClaimable)
	_, err = s.EndGrant(ctx, g.ID, "UREQ", "replica-a", time.Minute, t1)
	wantErr(t, "EndGrant of a kept grant", err, store.ErrNotClaimable)
	_, err = s.ExtendGrant(ctx, g.ID, t0.Add(5*time.Hour), t1)
	wantErr(t, "ExtendGrant of a kept grant", err, store.ErrNotClaimable)
	_, err = s.KeepGrant(ctx, g.ID, "UREQ", t1)
	wantErr(t, "KeepGrant twice", err, store.ErrNotClaimable)
	_, err = s.KeepGrant(ctx, "NOSUCHGRANT", "UREQ", t1)
	wantErr(t, "KeepGrant of nothing", err, store.ErrNotFound)
}

// Each grant is warned of once, to one of any number of callers, and only
// within the window before its end.
func testGrantWarnOnce(t *testing.T, h *harness) {
	hs := h.handles(t, 2)
	var want []string
	for i := range 6 {
		g := roleGrant()
		g.UserID = fmt.Sprintf("00u%d", i)
		g.EndsAt = t0.Add(time.Duration(i+1) * 5 * time.Minute)
		activeGrant(t, hs[0], g)
		if i < 2 {
			want = append(want, g.ID) // ending within 10 minutes of t0
		}
	}
	giving := roleGrant()
	giving.EndsAt = t0.Add(time.Minute)
	createGrant(t, hs[0], giving) // not given yet: not warned of

	got := make(chan []store.Grant, 8)
	for i := range 8 {
		go func() {
			w, err := hs[i%2].WarnGrants(ctx, t0, 10*time.Minute)
			if err != nil {
				t.Errorf("WarnGrants: %v", err)
			}
			got <- w
		}()
	}
	seen := map[string]int{}
	for range 8 {
		for _, g := range <-got {
			seen[g.ID]++
			if !g.WarnedAt.Equal(norm(t0)) {
				t.Errorf("%s: WarnedAt %v, want %v", g.ID, g.WarnedAt, norm(t0))
			}
		}
	}
	if len(seen) != len(want) {
		t.Errorf("warned of %v, want %v", seen, want)
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("%s warned of %d times, want once", id, seen[id])
		}
	}
	// An ended grant is not warned of.
	if w, _ := hs[0].WarnGrants(ctx, t0.Add(time.Hour), 10*time.Minute); len(w) != 0 {
		t.Errorf("WarnGrants after their ends: %v", grantIDs(w))
	}
}

func testGrantRevokeOnce(t *testing.T, h *harness) {
	s := h.handle(t)
	g := activeGrant(t, s, roleGrant())
	_, err := s.ClaimGrant(ctx, g.ID, "replica-a", time.Minute, t0.Add(time.Hour))
	wantErr(t, "ClaimGrant before its end", err, store.ErrNotClaimable)
	if due, _ := s.DueGrants(ctx, t0.Add(time.Hour)); len(due) != 0 {
		t.Errorf("due before its end: %v", grantIDs(due))
	}
	end := g.EndsAt
	due, err := s.DueGrants(ctx, end)
	if err != nil || len(due) != 1 {
		t.Fatalf("DueGrants at its end: %v %v", grantIDs(due), err)
	}
	diff(t, "due grant", g, due[0])
	before := time.Now()
	won, err := s.ClaimGrant(ctx, g.ID, "replica-a", time.Minute, end)
	if err != nil {
		t.Fatalf("ClaimGrant: %v", err)
	}
	checkLease(t, "ClaimGrant", won.LeaseUntil, before, time.Now(), time.Minute)
	if won.Status != store.GrantRevoking || won.Owner != "replica-a" {
		t.Errorf("claimed: %s by %s", won.Status, won.Owner)
	}
	got, err := s.ClaimGrant(ctx, g.ID, "replica-b", time.Minute, end)
	wantErr(t, "second ClaimGrant", err, store.ErrNotClaimable)
	diff(t, "second ClaimGrant returns the grant", won, got)
	if due, _ := s.DueGrants(ctx, end.Add(time.Hour)); len(due) != 0 {
		t.Errorf("due while claimed: %v", grantIDs(due))
	}
	_, err = s.FinishGrant(ctx, g.ID, "replica-b", "removed", end)
	wantErr(t, "FinishGrant by another", err, store.ErrNotClaimable)
	t1 := end.Add(time.Second)
	done, err := s.FinishGrant(ctx, g.ID, "replica-a", "removed HELP_DESK_ADMIN", t1)
	if err != nil {
		t.Fatalf("FinishGrant: %v", err)
	}
	if done.Status != store.GrantRevoked || done.Result != "removed HELP_DESK_ADMIN" || !done.RevokedAt.Equal(norm(t1)) {
		t.Errorf("finished: %s %q at %v", done.Status, done.Result, done.RevokedAt)
	}
	_, err = s.FinishGrant(ctx, g.ID, "replica-a", "again", t1)
	wantErr(t, "second FinishGrant", err, store.ErrNotClaimable)
	if ok, err := s.MarkOverdue(ctx, g.ID, t1); ok || err != nil {
		t.Errorf("MarkOverdue of a revoked grant: %v %v", ok, err)
	}
	if _, err := s.LiveGrant(ctx, g.UserID, g.Access()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LiveGrant of a revoked grant: %v", err)
	}
	// A grant left giving (its bot stopped before Okta answered) is due at
	// its end too: what Okta may have given is removed.
	left := createGrant(t, s, roleGrant())
	if _, err := s.ClaimGrant(ctx, left.ID, "replica-a", time.Minute, left.EndsAt); err != nil {
		t.Errorf("ClaimGrant of a grant left giving: %v", err)
	}
}

func testGrantRevokeConcurrent(t *testing.T, h *harness) {
	hs := h.handles(t, 2)
	for round := range 4 {
		g := roleGrant()
		g.UserID = fmt.Sprintf("00u%d", round)
		activeGrant(t, hs[0], g)
		end := g.EndsAt
		type res struct {
			who string
			err error
		}
		results := make(chan res, 10)
		for i := range 10 {
			go func() {
				who := fmt.Sprintf("replica-%d", i)
				_, err := hs[i%2].ClaimGrant(ctx, g.ID, who, time.Minute, end)
				results <- res{who, err}
			}()
		}
		var winners []string
		for range 10 {
			r := <-results
			switch {
			case r.err == nil:
				winners = append(winners, r.who)
			case !errors.Is(r.err, store.ErrNotClaimable):
				t.Errorf("round %d: %s: %v", round, r.who, r.err)
			}
		}
		if len(winners) != 1 {
			t.Fatalf("round %d: claimed by %v, want exactly one", round, winners)
		}
	}
}

// A failed removal releases the claim until its next attempt; a dead
// owner's claim lapses with its lease (by the database's clock). Marking
// it overdue happens once.
func testGrantRetry(t *testing.T, h *harness) {
	hs := h.handles(t, 2)
	a, b := hs[0], hs[1]
	g := activeGrant(t, a, roleGrant())
	end := g.EndsAt
	if _, err := a.ClaimGrant(ctx, g.ID, "replica-a", time.Hour, end); err != nil {
		t.Fatal(err)
	}
	_, err := b.RetryGrant(ctx, g.ID, "replica-b", "Okta unavailable", end.Add(time.Minute), end)
	wantErr(t, "RetryGrant by another", err, store.ErrNotClaimable)
	next := end.Add(30 * time.Second)
	r, err := a.RetryGrant(ctx, g.ID, "replica-a", "Okta did not answer in time", next, end)
	if err != nil {
		t.Fatalf("RetryGrant: %v", err)
	}
	if r.Attempts != 1 || r.LastError != "Okta did not answer in time" || !r.NextAttempt.Equal(norm(next)) || r.Status != store.GrantRevoking {
		t.Errorf("after RetryGrant: %d attempts, %q, next %v, %s", r.Attempts, r.LastError, r.NextAttempt, r.Status)
	}
	if due, _ := b.DueGrants(ctx, end.Add(10*time.Second)); len(due) != 0 {
		t.Errorf("due before its next attempt: %v", grantIDs(due))
	}
	_, err = b.ClaimGrant(ctx, g.ID, "replica-b", time.Minute, end.Add(10*time.Second))
	wantErr(t, "ClaimGrant before the next attempt", err, store.ErrNotClaimable)
	due, err := b.DueGrants(ctx, next)
	if err != nil || len(due) != 1 {
		t.Fatalf("DueGrants at the next attempt: %v %v", grantIDs(due), err)
	}
	if _, err := b.ClaimGrant(ctx, g.ID, "replica-b", 200*time.Millisecond, next); err != nil {
		t.Fatalf("ClaimGrant at the next attempt: %v", err)
	}
	// replica-b dies holding it: once its lease lapses, another claims it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := a.ClaimGrant(ctx, g.ID, "replica-a", time.Minute, next)
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrNotClaimable) || time.Now().After(deadline) {
			t.Fatalf("ClaimGrant after the lease lapsed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, err = b.FinishGrant(ctx, g.ID, "replica-b", "removed", next)
	wantErr(t, "FinishGrant by the lapsed owner", err, store.ErrNotClaimable)

	ok, err := a.MarkOverdue(ctx, g.ID, next)
	if err != nil || !ok {
		t.Fatalf("MarkOverdue: %v %v", ok, err)
	}
	if ok, err := b.MarkOverdue(ctx, g.ID, next); ok || err != nil {
		t.Errorf("second MarkOverdue: %v %v", ok, err)
	}
	if _, err := a.MarkOverdue(ctx, "NOSUCHGRANT", next); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MarkOverdue of nothing: %v", err)
	}
	if got := getGrant(t, b, g.ID); !got.OverdueAt.Equal(norm(next)) {
		t.Errorf("OverdueAt %v, want %v", got.OverdueAt, norm(next))
	}
}

func testGrantList(t *testing.T, h *harness) {
	s := h.handle(t)
	mk := func(requester, user, role string, ends time.Duration, approval string) store.Grant {
		g := roleGrant()
		g.RequesterID, g.UserID, g.Role, g.EndsAt, g.ApprovalID = requester, user, role, t0.Add(ends), approval
		return activeGrant(t, s, g)
	}
	a := mk("UREQ", "00u1", "HELP_DESK_ADMIN", 3*time.Hour, "REQUESTONE")
	b := mk("UREQ", "00u2", "HELP_DESK_ADMIN", time.Hour, "REQUESTONE")
	c := mk("UOTHER", "00u1", "READ_ONLY_ADMIN", 2*time.Hour, "")
	if _, err := s.ClaimGrant(ctx, b.ID, "r", time.Minute, b.EndsAt); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishGrant(ctx, b.ID, "r", "removed", b.EndsAt); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		f    store.GrantFilter
		want []string
	}{
		"all":            {store.GrantFilter{}, []string{b.ID, c.ID, a.ID}},
		"live":           {store.GrantFilter{Live: true}, []string{c.ID, a.ID}},
		"requester":      {store.GrantFilter{RequesterID: "UREQ"}, []string{b.ID, a.ID}},
		"live requester": {store.GrantFilter{RequesterID: "UREQ", Live: true}, []string{a.ID}},
		"user":           {store.GrantFilter{UserID: "00u1"}, []string{c.ID, a.ID}},
		"limit":          {store.GrantFilter{Limit: 1}, []string{b.ID}},
		"request":        {store.GrantFilter{ApprovalID: "REQUESTONE"}, []string{b.ID, a.ID}},
		"no request":     {store.GrantFilter{ApprovalID: "NOSUCHREQUEST"}, nil},
	} {
		got, err := s.ListGrants(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: ListGrants: %v", name, err)
		}
		diff(t, name, c.want, grantIDs(got))
	}
}

package requests

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"oktabot/actions"
	"oktabot/store"
)

// writes is a store that lists the request path's writes made through it,
// and can make the next RecordAll fail.
type writes struct {
	store.Store
	mu       sync.Mutex
	calls    []string
	failNext bool
}

func (w *writes) FirstDelivery(ctx context.Context, key string, now time.Time, ttl time.Duration) (bool, error) {
	first, err := w.Store.FirstDelivery(ctx, key, now, ttl)
	w.log(fmt.Sprintf("FirstDelivery %s: first %v", key, first))
	return first, err
}

func (w *writes) AppendAudit(ctx context.Context, r store.AuditRecord) (int64, error) {
	w.log("AppendAudit " + r.Event)
	return w.Store.AppendAudit(ctx, r)
}

func (w *writes) RecordAll(ctx context.Context, d store.Delivery, records []store.AuditRecord) (bool, []int64, error) {
	var events []string
	for _, r := range records {
		events = append(events, r.Event)
	}
	w.mu.Lock()
	fail := w.failNext
	w.failNext = false
	w.mu.Unlock()
	if fail {
		w.log(fmt.Sprintf("RecordAll %q %v: failed", d.Key, events))
		return false, nil, errors.New("disk full")
	}
	first, ids, err := w.Store.RecordAll(ctx, d, records)
	w.log(fmt.Sprintf("RecordAll %q %v: first %v", d.Key, events, first))
	return first, ids, err
}

func (w *writes) log(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, s)
}

// took returns the writes made since the last call.
func (w *writes) took() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.calls
	w.calls = nil
	return c
}

// deliveryRig is an engine on a store whose writes are listed.
func deliveryRig(t *testing.T) (*Engine, *writes) {
	r := newRig(t)
	w := &writes{Store: r.st}
	e := r.engine("a", 30*time.Second)
	e.Store = w
	return e, w
}

// envelope is the context of one delivery of envelope id.
func envelope(id string) context.Context {
	return WithDelivery(context.Background(), store.Delivery{Key: "envelope:" + id, Now: time.Now(), TTL: time.Hour}, zerolog.Nop())
}

func wantWrites(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: writes\n%q\nwant\n%q", what, got, want)
	}
}

func auditCount(t *testing.T, s store.Store, actor string) int {
	t.Helper()
	recs, err := s.ListAudit(context.Background(), store.AuditFilter{Actors: []string{actor}, Limit: store.MaxAuditLimit})
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

// Three users read: one write holds the delivery, the request and each
// outcome. The redelivered command reads again, writes nothing and shows
// nothing.
func TestACommandThatReadsIsOneWrite(t *testing.T) {
	e, w := deliveryRig(t)
	req := actions.Request{Action: actions.Default().Lookup("get-user"), Targets: []string{"alice", "bob", "carol"}}
	run := func(context.Context) Performed {
		var res actions.Result
		for _, u := range req.Targets {
			res.Outcomes = append(res.Outcomes, actions.Outcome{Target: u, Done: "found"})
		}
		return Performed{Res: res}
	}
	ctx := envelope("E1")
	if p := e.RunDirect(ctx, "U0ALICE", "C0GEN", req, run); len(p.Res.Outcomes) != 3 {
		t.Fatalf("RunDirect = %+v", p)
	}
	if !e.Proceed(ctx) {
		t.Fatal("the first delivery is not answered")
	}
	wantWrites(t, "first delivery", w.took(),
		`RecordAll "envelope:E1" [request.allowed outcome outcome outcome]: first true`)

	again := envelope("E1")
	e.RunDirect(again, "U0ALICE", "C0GEN", req, run)
	if e.Proceed(again) {
		t.Error("the redelivery is answered")
	}
	wantWrites(t, "redelivery", w.took(),
		`RecordAll "envelope:E1" [request.allowed outcome outcome outcome]: first false`)
	if n := auditCount(t, w, "U0ALICE"); n != 4 {
		t.Errorf("%d records, want 4", n)
	}
}

// A command that writes to Okta is recorded, with its delivery, before
// its first write (a crash after it cannot lose the record), and its
// outcomes follow in one batch. The redelivered command does not run.
func TestACommandThatActsIsRecordedBeforeItActs(t *testing.T) {
	e, w := deliveryRig(t)
	req := actions.Request{Action: actions.Default().Lookup("disable-user"), Targets: []string{"bob", "carol", "dave"}, Values: map[string]string{}, Reason: "INC-9"}
	runs := 0
	run := func(context.Context) Performed {
		runs++
		// Before the first Okta write: the request's record is written.
		wantWrites(t, "before acting", w.took(), `RecordAll "envelope:E2" [request.allowed]: first true`)
		recs, err := w.ListAudit(context.Background(), store.AuditFilter{Actors: []string{"U0SEC1"}})
		if err != nil || len(recs) != 1 || recs[0].Event != "request.allowed" || len(recs[0].Targets) != 3 {
			t.Errorf("records when acting: %+v, %v", recs, err)
		}
		var res actions.Result
		for _, u := range req.Targets {
			res.Outcomes = append(res.Outcomes, actions.Outcome{Target: u, Changed: true, Done: "suspended"})
		}
		return Performed{Res: res}
	}
	ctx := envelope("E2")
	e.RunDirect(ctx, "U0SEC1", "C0GEN", req, run)
	if !e.Proceed(ctx) {
		t.Fatal("the first delivery is not answered")
	}
	wantWrites(t, "outcomes", w.took(), `RecordAll "" [outcome outcome outcome]: first true`)

	again := envelope("E2")
	e.RunDirect(again, "U0SEC1", "C0GEN", req, run)
	if runs != 1 {
		t.Errorf("ran %d times, want once", runs)
	}
	if e.Proceed(again) {
		t.Error("the redelivery is answered")
	}
	wantWrites(t, "redelivery", w.took(), `RecordAll "envelope:E2" [request.allowed]: first false`)
	if n := auditCount(t, w, "U0SEC1"); n != 4 {
		t.Errorf("%d records, want 4", n)
	}
}

// Sending someone a push is acting, as writing to Okta is.
func TestActsOn(t *testing.T) {
	e, _ := deliveryRig(t)
	reg := actions.Default()
	for name, want := range map[string]bool{"get-user": false, "list-users": false, "disable-user": true, "verify-user": true} {
		if got := e.ActsOn(reg.Lookup(name)); got != want {
			t.Errorf("ActsOn(%s) = %v, want %v", name, got, want)
		}
	}
}

// A refusal's record claims its delivery; a redelivered one writes
// nothing. Work that shows something before any record claims its
// delivery alone, and its records then go without it.
func TestARefusalOrAnAnswerClaimsItsDelivery(t *testing.T) {
	e, w := deliveryRig(t)
	req := actions.Request{Action: actions.Default().Lookup("disable-user"), Targets: []string{"bob"}}
	ctx := envelope("E3")
	if rec := e.Refuse(ctx, "U0MAL", "C0GEN", req, "not allowed by the policy"); rec.ID == 0 || !e.Proceed(ctx) {
		t.Errorf("refusal %+v not recorded, or not answered", rec)
	}
	again := envelope("E3")
	if rec := e.Refuse(again, "U0MAL", "C0GEN", req, "not allowed by the policy"); rec.ID != 0 || e.Proceed(again) {
		t.Errorf("redelivered refusal %+v recorded, or answered", rec)
	}
	wantWrites(t, "refusals", w.took(),
		`RecordAll "envelope:E3" [request.refused]: first true`,
		`RecordAll "envelope:E3" [request.refused]: first false`)

	ctx = envelope("E4")
	if !e.Proceed(ctx) || !e.Proceed(ctx) {
		t.Fatal("a first delivery does not proceed")
	}
	e.Record(ctx, Transition{Event: EventAllowed, Actor: "U0SEC1", Request: &actions.Request{Action: actions.Default().Lookup("audit")}})
	again = envelope("E4")
	if e.Proceed(again) {
		t.Error("the redelivery proceeds")
	}
	if rec := e.Record(again, Transition{Event: EventAllowed, Actor: "U0SEC1", Request: &actions.Request{Action: actions.Default().Lookup("audit")}}); rec[0].ID != 0 {
		t.Errorf("the redelivery's record was written: %+v", rec)
	}
	wantWrites(t, "answer first", w.took(),
		`FirstDelivery envelope:E4: first true`,
		`RecordAll "" [request.allowed]: first true`,
		`FirstDelivery envelope:E4: first false`)
}

// When the write that claims a delivery fails, the work goes on (as when
// the store cannot tell a redelivery), and its later records are written
// without the delivery: an outcome is never dropped for want of a claim.
func TestAFailedClaimLosesNoOutcome(t *testing.T) {
	e, w := deliveryRig(t)
	w.failNext = true
	req := actions.Request{Action: actions.Default().Lookup("disable-user"), Targets: []string{"bob"}, Values: map[string]string{}}
	ran := false
	ctx := envelope("E5")
	e.RunDirect(ctx, "U0SEC1", "C0GEN", req, func(context.Context) Performed {
		ran = true
		return Performed{Res: actions.Result{Outcomes: []actions.Outcome{{Target: "bob", Changed: true}}}}
	})
	if !ran || !e.Proceed(ctx) {
		t.Errorf("ran %v, answered %v; want the work to go on", ran, e.Proceed(ctx))
	}
	wantWrites(t, "failed claim", w.took(),
		`RecordAll "envelope:E5" [request.allowed]: failed`,
		`RecordAll "" [outcome]: first true`)
}

// A command and its redelivery running at once: exactly one of them is
// recorded and answered.
func TestARedeliveryRacingItsCommand(t *testing.T) {
	e, w := deliveryRig(t)
	req := actions.Request{Action: actions.Default().Lookup("get-user"), Targets: []string{"alice"}}
	const n = 8
	answered := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := envelope("E6")
			e.RunDirect(ctx, "U0ALICE", "C0GEN", req, func(context.Context) Performed {
				return Performed{Res: actions.Result{Outcomes: []actions.Outcome{{Target: "alice", Done: "found"}}}}
			})
			answered[i] = e.Proceed(ctx)
		}()
	}
	wg.Wait()
	if k := len(slices.DeleteFunc(answered, func(a bool) bool { return !a })); k != 1 {
		t.Errorf("%d deliveries answered, want 1", k)
	}
	if k := auditCount(t, w, "U0ALICE"); k != 2 {
		t.Errorf("%d records, want 2 (one request, one outcome)", k)
	}
}

// A redelivered request for approval stores nothing and asks nobody.
func TestARedeliveredRequestForApprovalIsNotStoredTwice(t *testing.T) {
	e, w := deliveryRig(t)
	reg := actions.Default()
	p := Pending{Requester: "U0ALICE", Channel: "C0GEN",
		Request: actions.Request{Action: reg.Lookup("disable-user"), Targets: []string{"bob"}, Values: map[string]string{}, Reason: "INC-1"},
		Targets: []string{"00ubob"}, Labels: []string{"Bob <bob@corp.com>"}, Rule: e.Auth.Policy().RuleFor("disable-user")}
	if asked, _, err := e.Request(envelope("E7"), p); asked != AskedPending || err != nil {
		t.Fatalf("Request = %v, %v", asked, err)
	}
	if asked, _, err := e.Request(envelope("E7"), p); asked != AskedRedelivered || err != nil {
		t.Errorf("redelivered Request = %v, %v", asked, err)
	}
	if n, err := w.CountPending(context.Background()); n != 1 || err != nil {
		t.Errorf("%d pending approvals (%v), want 1", n, err)
	}
}

// A redelivered revoke ends nothing and writes nothing: its delivery is
// claimed before the grant is.
func TestARedeliveredRevokeEndsNothing(t *testing.T) {
	g := newGrantRig(t)
	e := g.replica("a")
	outcome(t, must(g.ask(e, "U0ALICE", "assign-role bob@corp.com --role HELP_DESK_ADMIN --for 2h")))
	gr := g.one()
	revoke := &actions.Request{Action: actions.Default().Lookup("revoke"), Targets: []string{gr.ID}}
	first := envelope("E8")
	if _, r, err := e.EndGrant(first, "U0ALICE", "D0ALICE", gr); r != EndedNow || err != nil {
		t.Fatalf("EndGrant = %v, %v", r, err)
	}
	e.Record(first, Transition{Event: EventAllowed, Actor: "U0ALICE", Channel: "D0ALICE", Request: revoke})
	again := envelope("E8")
	if _, r, err := e.EndGrant(again, "U0ALICE", "D0ALICE", gr); r != EndRedelivered || err != nil {
		t.Errorf("redelivered EndGrant = %v, %v", r, err)
	}
	if recs := g.events(EventGrantRevoked); len(recs) != 1 {
		t.Errorf("%d revocations recorded, want 1", len(recs))
	}
	if n := g.oktaOps("unassign"); n != 1 {
		t.Errorf("%d role removals, want 1", n)
	}
}

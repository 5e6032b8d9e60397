package requests

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"oktabot/actions"
	"oktabot/store"
	"oktabot/store/sqlite"
)

// notes records what the Engine told people.
type notes struct {
	mu      sync.Mutex
	changed []store.Status
	expired []string
	closed  []Closure
	ran     []Performed
	via     []any
	denied  []string
	asked   []Step
	// verified are the verifications shown, in order.
	verified []Verification
	// The waits: ids reminded, offered to break glass, broken glass,
	// reviewed, and each daily reminder's ids.
	reminded, offered, broke, reviewed []string
	unreviewed                         [][]string
}

func (n *notes) Remind(ctx context.Context, ap store.Approval) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.reminded = append(n.reminded, ap.ID)
}
func (n *notes) OfferBreakGlass(ctx context.Context, ap store.Approval) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.offered = append(n.offered, ap.ID)
}
func (n *notes) BrokeGlass(ctx context.Context, ap store.Approval) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.broke = append(n.broke, ap.ID)
}
func (n *notes) Reviewed(ctx context.Context, ap store.Approval) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.reviewed = append(n.reviewed, ap.ReviewedBy)
}
func (n *notes) Unreviewed(ctx context.Context, aps []store.Approval) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var ids []string
	for _, ap := range aps {
		ids = append(ids, ap.ID)
	}
	n.unreviewed = append(n.unreviewed, ids)
}

func (n *notes) Verified(ctx context.Context, v Verification) any {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.verified = append(n.verified, v)
	return len(n.verified)
}

func (n *notes) Changed(ctx context.Context, ap store.Approval) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.changed = append(n.changed, ap.Status)
}
func (n *notes) Expired(ctx context.Context, ap store.Approval) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.expired = append(n.expired, ap.ID)
}
func (n *notes) Closed(ctx context.Context, ap store.Approval, c Closure) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closed = append(n.closed, c)
}
func (n *notes) Ran(ctx context.Context, ap store.Approval, r Performed, via any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ran = append(n.ran, r)
	n.via = append(n.via, via)
}
func (n *notes) Denied(ctx context.Context, ap store.Approval) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.denied = append(n.denied, ap.DecidedBy)
}
func (n *notes) Ask(ctx context.Context, ap store.Approval, step Step) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.asked = append(n.asked, step)
}
func (n *notes) Show(ctx context.Context, ap store.Approval, remember func(string)) *NotShown {
	remember("1700000000.000100")
	return nil
}
func (n *notes) Result(ap store.Approval, r Performed) string {
	if r.Err != nil {
		return "failed"
	}
	return "done"
}

// runner counts runs; block, when set, holds each run until it is closed
// or the run's context ends.
type runner struct {
	runs  atomic.Int32
	block chan struct{}
	ctxs  chan context.Context
}

func (r *runner) Run(ctx context.Context, ap store.Approval, pw actions.Secret) Performed {
	r.runs.Add(1)
	if r.ctxs != nil {
		r.ctxs <- ctx
	}
	if r.block != nil {
		select {
		case <-r.block:
		case <-ctx.Done():
			return Performed{Err: ctx.Err()}
		}
	}
	return Performed{Res: actions.Result{Outcomes: []actions.Outcome{{Target: ap.Targets[0], Changed: true, Done: "suspended"}}}}
}

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type rig struct {
	t       *testing.T
	st      store.Store
	clock   *clock
	notes   *notes
	run     *runner
	az      Authorizer
	members *members
}

func newRig(t *testing.T) *rig {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "oktabot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	az, m := newAuthorizer(t)
	return &rig{t: t, st: st, clock: &clock{now: time.Now().UTC().Truncate(time.Second)}, notes: &notes{}, run: &runner{}, az: az, members: m}
}

// engine is one replica on the rig's store.
func (r *rig) engine(replica string, lease time.Duration) *Engine {
	return &Engine{Registry: actions.Default(), Auth: r.az, Store: r.st, Notify: r.notes, Runner: r.run,
		Now: r.clock.Now, Replica: replica, Lease: lease, RequestTimeout: time.Minute, Log: zerolog.Nop()}
}

// approved stores a disable-user request by alice, approved by U0SEC1.
func (r *rig) approved() store.Approval { return r.approvedBy("U0SEC1", "U0ALICE") }

// approvedBy stores a disable-user request by requester, approved by
// approver.
func (r *rig) approvedBy(approver, requester string) store.Approval {
	r.t.Helper()
	ctx := context.Background()
	now := r.clock.Now()
	ap := store.Approval{ID: store.NewID(), Action: "disable-user", Targets: []string{"00ubob"}, RequesterID: requester, RequesterChannel: "C0GEN",
		ApproverRoles: []string{"security"}, ApprovalChannel: "C0APPROVALS", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := r.st.CreateApproval(ctx, ap); err != nil {
		r.t.Fatal(err)
	}
	got, err := r.st.Approve(ctx, ap.ID, approver, now)
	if err != nil {
		r.t.Fatal(err)
	}
	return got
}

func (r *rig) records(id string) []store.AuditRecord {
	r.t.Helper()
	recs, err := r.st.ListAudit(context.Background(), store.AuditFilter{ApprovalID: id, Limit: store.MaxAuditLimit})
	if err != nil {
		r.t.Fatal(err)
	}
	return recs
}

// Twenty replicas running the same approved request at once: it runs once,
// its outcome is recorded once, and the requester is told once.
func TestApprovedWorkRunsExactlyOnce(t *testing.T) {
	r := newRig(t)
	ap := r.approved()
	var wg sync.WaitGroup
	var won atomic.Int32
	for i := range 20 {
		e := r.engine("replica-"+string(rune('a'+i)), 30*time.Second)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if e.RunApproved(context.Background(), ap, actions.Secret{}, "click") {
				won.Add(1)
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 || r.run.runs.Load() != 1 {
		t.Fatalf("%d callers won, %d runs; want 1 and 1", won.Load(), r.run.runs.Load())
	}
	if len(r.notes.ran) != 1 || r.notes.via[0] != "click" {
		t.Errorf("the requester was told %d times (via %v)", len(r.notes.ran), r.notes.via)
	}
	var outcomes int
	for _, rec := range r.records(ap.ID) {
		if rec.Event == string(EventOutcome) {
			outcomes++
			if rec.Outcome != "changed" || rec.Target != "00ubob" || rec.Params["okta_user_id"] != "" && rec.Params["okta_user_id"] != "00ubob" {
				t.Errorf("outcome record %+v", rec)
			}
		}
	}
	if outcomes != 1 {
		t.Errorf("%d outcome records, want 1", outcomes)
	}
	got, _ := r.st.GetApproval(context.Background(), ap.ID)
	if got.Status != store.StatusDone || got.Result != "done" {
		t.Errorf("stored %s %q, want done", got.Status, got.Result)
	}
}

// An approval racing the expiry sweep: exactly one of them wins, and the
// expiry, when it wins, is reported once.
func TestApprovalRacingExpiry(t *testing.T) {
	for range 10 {
		r := newRig(t)
		ctx := context.Background()
		now := r.clock.Now()
		ap := store.Approval{ID: store.NewID(), Action: "disable-user", Targets: []string{"00ubob"}, RequesterID: "U0ALICE", RequesterChannel: "C0GEN",
			ApproverRoles: []string{"security"}, ApprovalChannel: "C0APPROVALS", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
		if err := r.st.CreateApproval(ctx, ap); err != nil {
			t.Fatal(err)
		}
		r.clock.add(time.Minute)
		e := r.engine("a", 30*time.Second)
		var approveErr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); _, approveErr = r.st.Approve(ctx, ap.ID, "U0SEC1", r.clock.Now()) }()
		go func() { defer wg.Done(); e.Sweep(ctx) }()
		wg.Wait()
		expiredBySweep := len(r.notes.expired)
		switch {
		case approveErr == nil:
			t.Fatal("an approval after the expiry was accepted")
		case expiredBySweep == 1:
			// the sweep reported it; Approve saw it decided
		case expiredBySweep == 0:
			// Approve noticed the expiry (ErrExpired): its caller reports it
			e.Expire(ctx, ap)
		default:
			t.Fatalf("expiry reported %d times by the sweep", expiredBySweep)
		}
		var expiredRecs int
		for _, rec := range r.records(ap.ID) {
			if rec.Event == string(EventExpired) {
				expiredRecs++
			}
		}
		if expiredRecs != 1 || r.run.runs.Load() != 0 {
			t.Fatalf("%d expiry records and %d runs, want 1 and 0", expiredRecs, r.run.runs.Load())
		}
	}
}

// After a restart, approved work a stopped replica left behind is run by
// the next sweep once its lease lapsed; work approved longer ago than its
// rule's expire_after is closed unrun instead.
func TestRecoveryAfterRestart(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	fresh := r.approved()
	// A replica claimed it and stopped.
	if _, err := r.st.Claim(ctx, fresh.ID, "dead", 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	r.clock.add(-2 * time.Hour)
	stale := r.approved()
	r.clock.add(2 * time.Hour)

	e := r.engine("new", 30*time.Second)
	e.Sweep(ctx) // the dead replica's lease has not lapsed yet
	if r.run.runs.Load() != 0 {
		t.Fatalf("ran work another replica still holds")
	}
	if len(r.notes.closed) != 1 || r.notes.closed[0].Kind != ClosedLate || !strings.Contains(r.notes.closed[0].Why.Message, "not started within 1h") {
		t.Fatalf("stale work: closed %+v", r.notes.closed)
	}
	if got, _ := r.st.GetApproval(ctx, stale.ID); got.Status != store.StatusFailed {
		t.Errorf("stale work is %s, want failed", got.Status)
	}
	time.Sleep(300 * time.Millisecond)
	e.Sweep(ctx)
	if r.run.runs.Load() != 1 {
		t.Fatalf("%d runs after the lease lapsed, want 1", r.run.runs.Load())
	}
	e.Sweep(ctx)
	if r.run.runs.Load() != 1 {
		t.Fatalf("a finished request ran again")
	}
	if got, _ := r.st.GetApproval(ctx, fresh.ID); got.Status != store.StatusDone {
		t.Errorf("recovered work is %s, want done", got.Status)
	}
}

// Recovered work whose approver is no longer one is closed unrun, and the
// refusal recorded; so is work whose requester may no longer run it.
func TestRecoveredWorkIsCheckedAsAFreshApproval(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	byGroup := r.approvedBy("U0SEC2", "U0ALICE") // an approver through S0SECURITY
	byBob := r.approvedBy("U0SEC1", "U0BOB")     // a requester through S0ONCALL
	r.members.set("S0SECURITY")
	r.members.set("S0ONCALL")
	r.engine("new", 30*time.Second).Sweep(ctx)
	if r.run.runs.Load() != 0 {
		t.Fatalf("%d runs, want none", r.run.runs.Load())
	}
	kinds := map[ClosureKind]bool{}
	for _, c := range r.notes.closed {
		kinds[c.Kind] = true
	}
	if !kinds[ClosedApproverRefused] || !kinds[ClosedRequesterRefused] || len(r.notes.closed) != 2 {
		t.Fatalf("closed %+v", r.notes.closed)
	}
	for _, id := range []string{byGroup.ID, byBob.ID} {
		var refused, failed bool
		for _, rec := range r.records(id) {
			refused = refused || rec.Event == string(EventDecisionRefused)
			failed = failed || (rec.Event == string(EventOutcome) && rec.Outcome == "failed" && rec.ErrorKind == "forbidden")
		}
		if !refused || !failed {
			t.Errorf("%s: refusal recorded %v, closed as failed %v", id, refused, failed)
		}
	}
}

// lostLease is a store in which another replica has taken this one's
// lease over: extending it answers ErrNotClaimable, as the store does then.
type lostLease struct{ store.Store }

func (lostLease) ExtendLease(ctx context.Context, id, owner string, lease time.Duration) error {
	return store.ErrNotClaimable
}

// A replica that loses its lease while it runs stops before its next Okta
// write, and records nothing: the work is the new holder's.
func TestALostLeaseStopsTheWork(t *testing.T) {
	r := newRig(t)
	r.run.block = make(chan struct{}) // never closed: only losing the lease ends the run
	r.run.ctxs = make(chan context.Context, 1)
	ap := r.approved()
	e := r.engine("a", 300*time.Millisecond)
	e.Store = lostLease{r.st}
	done := make(chan bool)
	go func() { done <- e.RunApproved(context.Background(), ap, actions.Secret{}, nil) }()
	ctx := <-r.run.ctxs
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the work was not stopped when its lease was lost")
	}
	if !errors.Is(context.Cause(ctx), ErrLeaseLost) {
		t.Errorf("the work was stopped by %v, want ErrLeaseLost", context.Cause(ctx))
	}
	<-done
	for _, rec := range r.records(ap.ID) {
		if rec.Event == string(EventOutcome) {
			t.Errorf("a replica that lost its lease recorded %+v", rec)
		}
	}
	if len(r.notes.ran) != 0 {
		t.Errorf("the requester was told of a run that was not this replica's")
	}
	if got, _ := r.st.GetApproval(context.Background(), ap.ID); got.Status != store.StatusRunning {
		t.Errorf("the request is %s; it stays running for whoever holds its lease", got.Status)
	}
}

func TestRedactDropsEverySecret(t *testing.T) {
	p := Performed{Res: actions.Result{Outcomes: []actions.Outcome{{Target: "bob", Secret: actions.NewSecret("link"), SecretLabel: "reset link"}}}}
	red := Redact(p)
	if !red.Result().Outcomes[0].Secret.IsZero() || p.Res.Outcomes[0].Secret.IsZero() {
		t.Errorf("Redact: %+v (original %+v)", red, p)
	}
}

package requests

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/store"
)

// pending stores a disable-user request by requester through the Engine.
func (r *rig) pending(e *Engine, action, requester string) store.Approval {
	r.t.Helper()
	reg := actions.Default()
	rule := e.Auth.Policy().RuleFor(action)
	asked, ap, err := e.Request(context.Background(), Pending{Requester: requester, Channel: "C0GEN",
		Request: actions.Request{Action: reg.Lookup(action), Targets: []string{"bob"}, Values: map[string]string{}, Reason: "INC-1"},
		Targets: []string{"00ubob"}, Labels: []string{"Bob <bob@corp.com>"}, Rule: rule})
	if asked != AskedPending || err != nil {
		r.t.Fatalf("Request: %v %v", asked, err)
	}
	return ap
}

func (r *rig) events(id string) map[Event]int {
	n := map[Event]int{}
	for _, rec := range r.records(id) {
		n[Event(rec.Event)]++
	}
	return n
}

func TestARequestIsStoredRecordedAndShown(t *testing.T) {
	r := newRig(t)
	e := r.engine("a", 30*time.Second)
	ap := r.pending(e, "disable-user", "U0ALICE")
	got, err := r.st.GetApproval(context.Background(), ap.ID)
	if err != nil || got.Status != store.StatusPending || got.MessageTS != "1700000000.000100" || got.ExpiresAt.Sub(got.CreatedAt) != time.Hour {
		t.Fatalf("stored %+v, %v", got, err)
	}
	if ev := r.events(ap.ID); ev[EventRequested] != 1 {
		t.Errorf("events %v", ev)
	}
}

// notShown is a Notifier whose approvers cannot be shown a request.
type notShown struct{ *notes }

func (notShown) Verified(context.Context, Verification) any { return nil }

func (notShown) Show(ctx context.Context, ap store.Approval, remember func(string)) *NotShown {
	return &NotShown{Why: "the approval request could not be posted to C0APPROVALS", Err: errors.New("not_in_channel")}
}

// A request its approvers cannot see is withdrawn, not left waiting.
func TestARequestApproversCannotSeeIsWithdrawn(t *testing.T) {
	r := newRig(t)
	e := r.engine("a", 30*time.Second)
	e.Notify = notShown{r.notes}
	asked, ap, err := e.Request(context.Background(), Pending{Requester: "U0ALICE", Channel: "C0GEN",
		Request: actions.Request{Action: actions.Default().Lookup("disable-user"), Targets: []string{"bob"}}, Targets: []string{"00ubob"}, Rule: e.Auth.Policy().RuleFor("disable-user")})
	var ns *NotShown
	if asked != AskedNotShown || !errors.As(err, &ns) {
		t.Fatalf("Request = %v, %v", asked, err)
	}
	got, _ := r.st.GetApproval(context.Background(), ap.ID)
	if got.Status != store.StatusDenied {
		t.Errorf("a request nobody could see is %s, want denied", got.Status)
	}
	if ev := r.events(ap.ID); ev[EventRequested] != 1 || ev[EventDenied] != 1 {
		t.Errorf("events %v", ev)
	}
}

func TestDecisions(t *testing.T) {
	r := newRig(t)
	e := r.engine("a", 30*time.Second)
	ctx := context.Background()

	ap := r.pending(e, "disable-user", "U0ALICE")
	if d, _, _ := e.Approve(ctx, "U0ALICE", "C0APPROVALS", ap); d != DecisionOwnRequest {
		t.Errorf("own approval: %v", d)
	}
	if d, _, _ := e.Approve(ctx, "U0BOB", "C0APPROVALS", ap); d != DecisionNotApprover {
		t.Errorf("not an approver: %v", d)
	}
	if d, _ := e.MayDecide(ctx, "U0ALICE", "C0APPROVALS", ap); d != DecisionMade {
		t.Errorf("the requester may withdraw: %v", d)
	}
	if ev := r.events(ap.ID); ev[EventDecisionRefused] != 2 {
		t.Errorf("refusals recorded: %v", ev)
	}
	// Twenty approvers at once: one decision, one run.
	var wg sync.WaitGroup
	var mu sync.Mutex
	made := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if d, _, _ := e.Approve(ctx, "U0SEC1", "C0APPROVALS", ap); d == DecisionMade {
				mu.Lock()
				made++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if made != 1 || r.run.runs.Load() != 1 {
		t.Fatalf("%d decisions made, %d runs; want 1 and 1", made, r.run.runs.Load())
	}
	if d, got, _ := e.Deny(ctx, "U0SEC2", "C0APPROVALS", ap, "no"); d != DecisionAlreadyDecided || got.Status != store.StatusDone {
		t.Errorf("a late denial: %v %s", d, got.Status)
	}

	// A withdrawal by the requester.
	w := r.pending(e, "disable-user", "U0ALICE")
	if d, got, _ := e.Deny(ctx, "U0ALICE", "C0APPROVALS", w, "wrong person"); d != DecisionMade || got.Status != store.StatusDenied || got.DenyReason != "wrong person" {
		t.Errorf("withdrawal: %v %+v", d, got)
	}
	if len(r.notes.denied) != 1 || r.notes.denied[0] != "U0ALICE" {
		t.Errorf("denials told: %v", r.notes.denied)
	}

	// set-password waits for its requester's step after approval.
	sp := r.pending(e, "set-password", "U0SEC1")
	if d, _, _ := e.Approve(ctx, "U0SEC2", "C0APPROVALS", sp); d != DecisionMade {
		t.Fatalf("approving set-password: %v", d)
	}
	if len(r.notes.asked) != 1 || r.notes.asked[0] != PasswordStep || r.run.runs.Load() != 1 {
		t.Errorf("asked %v, runs %d: the password is asked for, nothing run", r.notes.asked, r.run.runs.Load())
	}

	// An approval after its expiry reports the expiry, once.
	late := r.pending(e, "disable-user", "U0ALICE")
	r.clock.add(2 * time.Hour)
	if d, _, _ := e.Approve(ctx, "U0SEC1", "C0APPROVALS", late); d != DecisionExpired {
		t.Errorf("a late approval: %v", d)
	}
	e.Sweep(ctx)
	if ev := r.events(late.ID); ev[EventExpired] != 1 || ev[EventApproved] != 0 {
		t.Errorf("events of the expired request: %v", ev)
	}
}

// Approving is refused while the requester may no longer run the action:
// the request stays pending.
func TestApprovingARequestWhoseRequesterLostTheRight(t *testing.T) {
	r := newRig(t)
	e := r.engine("a", 30*time.Second)
	ap := r.pending(e, "disable-user", "U0BOB") // oncall through S0ONCALL
	r.members.set("S0ONCALL")
	if d, _, _ := e.Approve(context.Background(), "U0SEC1", "C0APPROVALS", ap); d != DecisionRequesterRefused {
		t.Fatalf("Approve = %v", d)
	}
	if got, _ := r.st.GetApproval(context.Background(), ap.ID); got.Status != store.StatusPending || r.run.runs.Load() != 0 {
		t.Errorf("status %s, runs %d", got.Status, r.run.runs.Load())
	}
}

func TestRefuseAndRunDirect(t *testing.T) {
	r := newRig(t)
	e := r.engine("a", 30*time.Second)
	ctx := context.Background()
	req := actions.Request{Action: actions.Default().Lookup("disable-user"), Targets: []string{"bob", "carol"}}
	rec := e.Refuse(ctx, "U0MAL", "C0GEN", req, "not allowed by the policy")
	if rec.ID == 0 || rec.Detail != "not allowed by the policy (2 targets named, not recorded)" || len(rec.Targets) != 0 {
		t.Errorf("refusal %+v", rec)
	}
	p := e.RunDirect(ctx, "U0SEC1", "C0GEN", req, func(context.Context) Performed {
		return Performed{Res: actions.Result{Outcomes: []actions.Outcome{{Target: "bob", Changed: true}, {Target: "carol", Err: actions.Errorf(actions.KindNotFound, "no such user")}}}}
	})
	if len(p.Res.Outcomes) != 2 {
		t.Fatalf("RunDirect = %+v", p)
	}
	recs, _ := r.st.ListAudit(ctx, store.AuditFilter{Actors: []string{"U0SEC1"}, Limit: 10})
	got := map[string]int{}
	for _, rec := range recs {
		got[rec.Event+"/"+rec.Outcome]++
	}
	if got["request.allowed/"] != 1 || got["outcome/changed"] != 1 || got["outcome/failed"] != 1 {
		t.Errorf("records %v", got)
	}
}

var _ = auth.Allow

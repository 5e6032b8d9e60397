package requests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/store"
)

const testPolicy = `roles:
  oncall:
    members: [U0ALICE, S0ONCALL]
    actions: [get-user, disable-user, reset-password]
  security:
    members: [U0SEC1, S0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
    admin_targets: true
approvals:
  - actions: [disable-user, reset-password, set-password]
    approvers: [security]
    channel: C0APPROVALS
    expire_after: 1h
    require_reason: true
    remind_after: 10m
    break_glass: {after: 15m, roles: [oncall]}
`

// members is a Slack user-group directory that counts its lookups and can
// be changed or broken.
type members struct {
	mu     sync.Mutex
	groups map[string][]string
	fail   bool
	calls  int
}

func (m *members) UserGroupMembers(ctx context.Context, id string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.fail {
		return nil, errors.New("slack did not answer")
	}
	return m.groups[id], nil
}

func (m *members) set(id string, users ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.groups[id] = users
}

func newAuthorizer(t *testing.T) (*auth.Authorizer, *members) {
	t.Helper()
	reg := actions.Default()
	p, err := auth.Parse("policy.yml", []byte(testPolicy), auth.Names{Actions: reg.Names(), RoleTypes: actions.RoleTypes})
	if err != nil {
		t.Fatal(err)
	}
	m := &members{groups: map[string][]string{"S0SECURITY": {"U0SEC2"}, "S0ONCALL": {"U0BOB"}}}
	return auth.New(p, m), m
}

func TestMovesFollowTheLifecycle(t *testing.T) {
	for _, c := range []struct {
		from, to State
		ok       bool
	}{
		{Received, Refused, true},
		{Received, NeedsForm, true},
		{Received, PendingApproval, true},
		{Received, Running, true},
		{NeedsForm, Received, true},
		{PendingApproval, Approved, true},
		{PendingApproval, Denied, true},
		{PendingApproval, Expired, true},
		{Approved, Running, true},
		{Approved, Failed, true}, // closed unrun
		{Running, Done, true},
		{Running, Failed, true},
		{Running, Approved, true}, // its lease lapsed: whoever claims it next runs it
		{PendingApproval, BrokenGlass, true},
		{BrokenGlass, Running, true},
		{BrokenGlass, Verifying, true},
		{BrokenGlass, Failed, true}, // closed unrun
		{Running, BrokenGlass, true},
		{BrokenGlass, Done, false},
		{Approved, BrokenGlass, false},
		{Denied, BrokenGlass, false},
		{Expired, BrokenGlass, false},
		{PendingApproval, Running, false},
		{Received, Approved, false},
		{Denied, Approved, false},
		{Expired, Approved, false},
		{Done, Running, false},
		{Refused, Received, false},
	} {
		if got := CanMove(c.from, c.to); got != c.ok {
			t.Errorf("CanMove(%s, %s) = %v, want %v", c.from, c.to, got, c.ok)
		}
		if err := Move(c.from, c.to); (err == nil) != c.ok {
			t.Errorf("Move(%s, %s) = %v", c.from, c.to, err)
		}
	}
	for _, s := range []State{Refused, Denied, Expired, Done, Failed} {
		if !s.Final() {
			t.Errorf("%s is not final", s)
		}
	}
	for _, s := range []State{Received, NeedsForm, PendingApproval, Approved, Running, BrokenGlass} {
		if s.Final() {
			t.Errorf("%s is final", s)
		}
	}
}

// Every stored status is a state of the lifecycle, and its final statuses
// are its final states.
func TestEveryStoredStatusIsAState(t *testing.T) {
	for _, s := range []store.Status{store.StatusPending, store.StatusApproved, store.StatusRunning, store.StatusDone, store.StatusFailed, store.StatusDenied, store.StatusExpired} {
		st := StateOf(s)
		if st == Received {
			t.Errorf("status %s has no state", s)
		}
		if st.Final() != s.Final() {
			t.Errorf("status %s final=%v, state %s final=%v", s, s.Final(), st, st.Final())
		}
	}
}

func TestStateOfApproval(t *testing.T) {
	broken := store.Approval{Status: store.StatusApproved, Waits: store.Waits{BrokenGlass: true}}
	if got := StateOfApproval(broken); got != BrokenGlass {
		t.Errorf("a broken-glass request not yet running is %s, want %s", got, BrokenGlass)
	}
	for _, s := range []store.Status{store.StatusRunning, store.StatusDone, store.StatusFailed} {
		broken.Status = s
		if got, want := StateOfApproval(broken), StateOf(s); got != want {
			t.Errorf("a broken-glass request %s is %s, want %s", s, got, want)
		}
	}
	if got := StateOfApproval(store.Approval{Status: store.StatusApproved}); got != Approved {
		t.Errorf("an approved request is %s", got)
	}
}

func TestFormNeeded(t *testing.T) {
	reg := actions.Default()
	rule := &auth.ApprovalRule{Actions: []string{"*"}, Approvers: []string{"security"}, Channel: "C0APPROVALS", RequireReason: true}
	approval := auth.Decision{Verdict: auth.NeedsApproval, Rule: rule}
	allow := auth.Decision{Verdict: auth.Allow}
	for _, c := range []struct {
		text     string
		decision auth.Decision
		want     bool
	}{
		{`disable-user bob --reason "x"`, approval, false},
		{`disable-user bob`, approval, true},               // the rule wants a reason
		{`disable-user bob`, allow, false},                 // no rule, no reason needed
		{`disable-user --reason "x"`, approval, true},      // no targets
		{`set-password bob --reason "x"`, approval, false}, // the password is asked after approval
		{`set-password bob --reason "x"`, allow, true},     // the password is asked now
		{`get-user bob`, approval, true},                   // a read action's form asks for the rule's reason too
		{`get-user bob --reason "x"`, approval, false},
		{`get-user bob`, allow, false},
	} {
		p, err := reg.Parse(c.text)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormNeeded(p, c.decision); got != c.want {
			t.Errorf("FormNeeded(%q, %v) = %v, want %v", c.text, c.decision.Verdict, got, c.want)
		}
	}
}

func TestStoredParamsNeverHoldAPassword(t *testing.T) {
	a := actions.Default().Lookup("set-password")
	got := StoredParams(a, map[string]string{"password": "hunter2", "add-random-chars": "true"})
	if _, ok := got["password"]; ok || got["add-random-chars"] != "true" {
		t.Errorf("StoredParams = %v", got)
	}
	rp := RequestParams(a, map[string]string{"password": "hunter2"}, "  INC-1 ")
	if _, ok := rp["password"]; ok || rp["reason"] != "INC-1" {
		t.Errorf("RequestParams = %v", rp)
	}
}

func TestStepOf(t *testing.T) {
	reg := actions.Default()
	for _, c := range []struct {
		action string
		params map[string]string
		want   Step
	}{
		{"disable-user", nil, NoStep},
		{"set-password", nil, PasswordStep},
		{"reset-password", nil, CollectStep},
		{"reset-password", map[string]string{"send-email": "true"}, NoStep},
	} {
		if got := StepOf(reg.Lookup(c.action), c.params); got != c.want {
			t.Errorf("StepOf(%s, %v) = %v, want %v", c.action, c.params, got, c.want)
		}
	}
}

// A refused request's record keeps nothing of what was typed: not its
// targets, not its values, not its reason; only the action, why, and how
// many targets it named.
func TestARefusedRequestsRecordKeepsNothingTyped(t *testing.T) {
	a := actions.Default().Lookup("disable-user")
	req := actions.Request{Action: a, Targets: []string{"<@U0CAROL>", "S3cret-111"}, Values: map[string]string{"deactivate": "true"}, Reason: "pw S3cret-111"}
	recs := Records(Transition{Event: EventRefused, Actor: "U0MAL", Channel: "C0GEN", Request: &req, Detail: "not allowed by the policy"})
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if r.Event != "request.refused" || r.Actor != "U0MAL" || r.Action != "disable-user" || r.Detail != "not allowed by the policy (2 targets named, not recorded)" {
		t.Errorf("record = %+v", r)
	}
	if len(r.Targets) != 0 || len(r.Params) != 0 || strings.Contains(r.Detail, "S3cret") {
		t.Errorf("a refused request's record keeps what was typed: %+v", r)
	}
}

func TestApprovalRecords(t *testing.T) {
	ap := store.Approval{ID: "ABC", Action: "disable-user", Targets: []string{"00u1", "00u2"}, TargetLabels: []string{"Bob <bob@corp.com>", "Carol <carol@corp.com>"},
		Params: map[string]string{"deactivate": "true"}, Reason: "INC-9", RequesterID: "U0ALICE"}
	req := Records(Transition{Event: EventRequested, Actor: "U0ALICE", Channel: "C0GEN", Approval: &ap, Typed: []string{"bob", "carol@corp.com"}})[0]
	if req.ApprovalID != "ABC" || req.Params["targets_as_typed"] != "bob carol@corp.com" || req.Params["target_labels"] != "Bob <bob@corp.com>; Carol <carol@corp.com>" ||
		req.Params["reason"] != "INC-9" || req.Params["requester"] != "" || len(req.Targets) != 2 {
		t.Errorf("requested record = %+v", req)
	}
	appr := Records(Transition{Event: EventApproved, Actor: "U0SEC1", Channel: "C0APPROVALS", Approval: &ap, Detail: "requested by U0ALICE"})[0]
	if appr.Event != "approval.approved" || appr.Params["requester"] != "U0ALICE" || appr.Params["targets_as_typed"] != "" {
		t.Errorf("approved record = %+v", appr)
	}
}

// An outcome is one record per target, with what Okta said; a one-time
// secret is recorded as given, never written.
func TestOutcomeRecords(t *testing.T) {
	a := actions.Default().Lookup("reset-password")
	req := actions.Request{Action: a, Targets: []string{"bob", "carol", "dave"}}
	res := actions.Result{Outcomes: []actions.Outcome{
		{Target: "bob", User: &actions.User{ID: "00u1", Login: "bob@corp.com"}, Changed: true, Done: "reset link made", Secret: actions.NewSecret("https://okta/reset/SECRET"), SecretLabel: "one-time reset link"},
		{Target: "carol", Err: &actions.Error{Kind: actions.KindForbidden, Message: "Okta refused", Code: "E0000006", RequestID: "req-7"}},
		{Target: "dave", User: &actions.User{ID: "00u3", Login: "dave@corp.com"}, Done: "already suspended"},
	}}
	recs := Records(Transition{Event: EventOutcome, Actor: "U0ALICE", Channel: "C0GEN", Request: &req, Result: &Performed{Res: res}})
	if len(recs) != 3 {
		t.Fatalf("%d records, want one per target", len(recs))
	}
	if recs[0].Outcome != "changed" || recs[0].Params["okta_user_id"] != "00u1" || recs[0].Detail != "reset link made; one-time reset link given to the requester only" {
		t.Errorf("bob: %+v", recs[0])
	}
	if recs[1].Outcome != "failed" || recs[1].ErrorKind != "forbidden" || recs[1].OktaRequestID != "req-7" || recs[1].Detail != "Okta refused (Okta E0000006)" {
		t.Errorf("carol: %+v", recs[1])
	}
	if recs[2].Outcome != "unchanged" {
		t.Errorf("dave: %+v", recs[2])
	}
	for _, r := range recs {
		if strings.Contains(r.Detail, "SECRET") || strings.Contains(strings.Join(r.Targets, " "), "SECRET") {
			t.Errorf("a record holds the secret: %+v", r)
		}
	}
	whole := Records(Transition{Event: EventOutcome, Request: &req, Result: &Performed{Err: errors.New("boom: https://okta/path")}})
	if len(whole) != 1 || whole[0].Outcome != "failed" || whole[0].Detail != "internal error (see the log)" {
		t.Errorf("failed as a whole: %+v", whole)
	}
	list := Records(Transition{Event: EventOutcome, Request: &actions.Request{Action: actions.Default().Lookup("list-users")}, Result: &Performed{Res: actions.Result{Users: make([]actions.User, 3)}}})
	if len(list) != 1 || list[0].Detail != "3 users listed" {
		t.Errorf("list: %+v", list)
	}
}

// The audit trail of a request grows linearly with its targets: each
// per-target outcome record names its own target, and only the request's
// record (or the stored request) holds the list. Before, every outcome
// record repeated the whole list: 3.2 MB for 400 targets.
func TestAuditBytesPerTargetAreConstant(t *testing.T) {
	a := actions.Default().Lookup("disable-user")
	size := func(recs []store.AuditRecord) int {
		n := 0
		for _, r := range recs {
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			n += len(b)
		}
		return n
	}
	perTarget := func(n int, stored bool) float64 {
		targets := make([]string, n)
		res := actions.Result{}
		for i := range targets {
			targets[i] = fmt.Sprintf("person%04d@corp.com", i)
			res.Outcomes = append(res.Outcomes, actions.Outcome{Target: targets[i],
				User: &actions.User{ID: fmt.Sprintf("00u%017d", i), Login: targets[i]}, Changed: true, Done: "suspended"})
		}
		var request, outcome Transition
		if stored {
			ap := store.Approval{ID: "ABC", Action: a.Name, Targets: targets, RequesterID: "U0ALICE", Reason: "INC-1"}
			request = Transition{Event: EventApproved, Actor: "U0SEC", Channel: "C0APPROVALS", Approval: &ap}
			outcome = Transition{Event: EventOutcome, Actor: "U0SEC", Channel: "C0APPROVALS", Approval: &ap, Result: &Performed{Res: res}}
		} else {
			req := actions.Request{Action: a, Targets: targets, Values: map[string]string{}, Reason: "INC-1"}
			request = Transition{Event: EventAllowed, Actor: "U0ALICE", Channel: "C0GEN", Request: &req}
			outcome = Transition{Event: EventOutcome, Actor: "U0ALICE", Channel: "C0GEN", Request: &req, Result: &Performed{Res: res}}
		}
		reqRecs, outRecs := Records(request), Records(outcome)
		if len(reqRecs) != 1 || len(reqRecs[0].Targets) != n {
			t.Fatalf("%d targets: the request's record = %+v, want one with every target", n, reqRecs)
		}
		if len(outRecs) != n {
			t.Fatalf("%d targets: %d outcome records, want one per target", n, len(outRecs))
		}
		for i, r := range outRecs {
			if r.Target != targets[i] || len(r.Targets) != 0 {
				t.Fatalf("outcome record %d names target %q and carries %d targets; want its own only", i, r.Target, len(r.Targets))
			}
		}
		return float64(size(reqRecs)+size(outRecs)) / float64(n)
	}
	for _, stored := range []bool{false, true} {
		small, large := perTarget(50, stored), perTarget(400, stored)
		if large > small*1.1 {
			t.Errorf("stored %v: %.0f audit bytes per target at 400 targets, %.0f at 50; want them about equal", stored, large, small)
		}
	}
}

func TestCheckApproval(t *testing.T) {
	az, m := newAuthorizer(t)
	ap := store.Approval{ID: "X", Action: "disable-user", RequesterID: "U0ALICE", RequesterChannel: "C0GEN", ApproverRoles: []string{"security"}}
	ctx := context.Background()
	for _, c := range []struct {
		who  string
		want Check
	}{
		{"U0SEC1", Holds},            // listed
		{"U0SEC2", Holds},            // through S0SECURITY
		{"U0ALICE", ApproverRefused}, // the requester
		{"U0BOB", ApproverRefused},   // not an approver
	} {
		if got, _ := CheckApproval(ctx, az, c.who, ap); got != c.want {
			t.Errorf("CheckApproval(%s) = %v, want %v", c.who, got, c.want)
		}
	}
	// The requester may no longer run it: S0ONCALL lost bob.
	byBob := ap
	byBob.RequesterID = "U0BOB"
	m.set("S0ONCALL")
	if got, _ := CheckApproval(ctx, az, "U0SEC1", byBob); got != RequesterRefused {
		t.Errorf("requester removed: %v, want RequesterRefused", got)
	}
	if got, _ := CheckDecider(ctx, az, "U0SEC1", byBob); got != Holds {
		t.Errorf("a deny needs no allowed requester: %v", got)
	}
	// Membership is asked afresh: an approver removed a moment ago is
	// refused, cache or not.
	CheckApproval(ctx, az, "U0SEC2", ap)
	m.set("S0SECURITY")
	if got, _ := CheckApproval(ctx, az, "U0SEC2", ap); got != ApproverRefused {
		t.Errorf("removed approver: %v, want ApproverRefused", got)
	}
	m.mu.Lock()
	m.fail = true
	m.mu.Unlock()
	if got, err := CheckApproval(ctx, az, "U0SEC2", ap); got != Unchecked || err == nil {
		t.Errorf("Slack down: %v, %v, want Unchecked with the error", got, err)
	}
}

// A stored request whose rule is gone from the policy is decided by the
// approver roles recorded with it.
func TestRuleOfARuleGoneFromThePolicy(t *testing.T) {
	az, _ := newAuthorizer(t)
	ap := store.Approval{Action: "get-user", ApproverRoles: []string{"security"}, ApprovalChannel: "C0OLD"}
	r := RuleOf(az.Policy(), ap)
	if len(r.Approvers) != 1 || r.Approvers[0] != "security" || r.Channel != "C0OLD" {
		t.Errorf("RuleOf = %+v", r)
	}
	if r := RuleOf(az.Policy(), store.Approval{Action: "disable-user", ApproverRoles: []string{"gone"}}); r.Channel != "C0APPROVALS" {
		t.Errorf("the policy's rule does not win: %+v", r)
	}
}

func TestRecover(t *testing.T) {
	az, _ := newAuthorizer(t)
	p := az.Policy()
	approved := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	soon, late := approved.Add(59*time.Minute), approved.Add(61*time.Minute)
	ap := func(action string, s store.Status) store.Approval {
		return store.Approval{Action: action, Status: s, DecidedAt: approved}
	}
	reg := actions.Default()
	for _, c := range []struct {
		name string
		ap   store.Approval
		now  time.Time
		want Recovery
		why  string
	}{
		{"approved, in time", ap("disable-user", store.StatusApproved), soon, Resume, ""},
		{"interrupted, in time", ap("disable-user", store.StatusRunning), soon, Resume, ""},
		{"approved 61 minutes ago", ap("disable-user", store.StatusApproved), late, Close, "not started within 1h of its approval"},
		{"interrupted 61 minutes ago", ap("disable-user", store.StatusRunning), late, Close, "some of its targets may have been changed"},
		{"password not typed yet", ap("set-password", store.StatusApproved), soon, Wait, ""},
		{"password not typed in time", ap("set-password", store.StatusApproved), late, Close, "password was not typed in time"},
		{"password run interrupted", ap("set-password", store.StatusRunning), soon, Close, "whether Okta set the password is unknown"},
		{"links not collected yet", ap("reset-password", store.StatusApproved), soon, Wait, ""},
		{"links not collected in time", ap("reset-password", store.StatusApproved), late, Close, "not run in time"},
		{"links run interrupted", ap("reset-password", store.StatusRunning), soon, Close, "earlier links still work"},
	} {
		got, why := Recover(p, StepOf(reg.Lookup(c.ap.Action), c.ap.Params), c.ap, c.now)
		if got != c.want || !strings.Contains(why, c.why) {
			t.Errorf("%s: Recover = %v %q, want %v %q", c.name, got, why, c.want, c.why)
		}
	}
}

func TestDurationText(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Hour: "1h", 90 * time.Minute: "1h30m", 45 * time.Second: "45s", 2 * time.Minute: "2m"} {
		if got := DurationText(d); got != want {
			t.Errorf("DurationText(%v) = %q, want %q", d, got, want)
		}
	}
}

// A request made on the people of a Slack message keeps the message's
// permalink as its context, in its records and in the stored request.
func TestContextIsRecorded(t *testing.T) {
	const link = "https://acme.slack.com/archives/C1/p1700000000000100"
	a := actions.Default().Lookup("disable-user")
	req := actions.Request{Action: a, Targets: []string{"00u1"}, Values: map[string]string{}, Context: link}
	if r := Records(Transition{Event: EventAllowed, Actor: "U0ALICE", Request: &req})[0]; r.Params[ContextParam] != link {
		t.Errorf("allowed record = %+v", r)
	}
	if r := Records(Transition{Event: EventRefused, Actor: "U0ALICE", Request: &req})[0]; len(r.Params) != 0 {
		t.Errorf("refused record keeps the context: %+v", r)
	}
	ap := store.Approval{ID: "ABC", Action: "disable-user", Targets: []string{"00u1"}, Params: map[string]string{ContextParam: link}, RequesterID: "U0ALICE"}
	for _, e := range []Event{EventRequested, EventApproved} {
		if r := Records(Transition{Event: e, Approval: &ap})[0]; r.Params[ContextParam] != link {
			t.Errorf("%s record = %+v", e, r)
		}
	}
}

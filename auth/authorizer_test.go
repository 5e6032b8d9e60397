package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testPolicy = `roles:
  oncall:
    members: [U0ONCALL1, S0ONCALL]
    actions: [ping, get-user, disable-user]
  helpdesk:
    members: [S0HELPDESK]
    actions: [get-user, reset-password]
  security:
    members: [U0SEC1, S0SECURITY]
    actions: ["*"]
    admin_targets: true
    assignable_roles: ["*"]
approvals:
  - actions: [disable-user, reset-password]
    approvers: [security]
    channel: C0APPROVALS
    require_reason: true
`

// groupPolicy grants ping through one user group only, so that a decision
// makes exactly one lookup.
const groupPolicy = `roles:
  oncall:
    members: [S0ONCALL]
    actions: [ping]
`

func testGroups() map[string][]string {
	return map[string][]string{
		"S0ONCALL":   {"U0ONCALL2", "U0BOTH"},
		"S0HELPDESK": {"U0HELP", "U0BOTH"},
		"S0SECURITY": {"U0SEC2", "U0SEC3"},
	}
}

var errSlack = errors.New("slack: ratelimited")

// fakeMembers is Slack's usergroups.users.list: it counts calls per group,
// can fail a group, and can hold calls until gate is closed.
type fakeMembers struct {
	mu      sync.Mutex
	groups  map[string][]string
	fail    map[string]error
	calls   map[string]int
	gate    chan struct{} // when not nil, calls wait for it to close
	started chan string   // when not nil, gets the group of every call as it starts
	ctxErrs []error       // ctx.Err() of each call after it was let through
}

func newFakeMembers() *fakeMembers {
	return &fakeMembers{groups: testGroups(), fail: map[string]error{}, calls: map[string]int{}}
}

func (f *fakeMembers) UserGroupMembers(ctx context.Context, group string) ([]string, error) {
	f.mu.Lock()
	f.calls[group]++
	gate, started := f.gate, f.started
	f.mu.Unlock()
	if started != nil {
		started <- group
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ctxErrs = append(f.ctxErrs, ctx.Err())
	if err := f.fail[group]; err != nil {
		return nil, err
	}
	if _, ok := f.groups[group]; !ok {
		return nil, errors.New("no_such_subteam")
	}
	return append([]string(nil), f.groups[group]...), nil
}

func (f *fakeMembers) setFail(group string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.fail, group)
	} else {
		f.fail[group] = err
	}
}

func (f *fakeMembers) setGroup(group string, members ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups[group] = members
}

func (f *fakeMembers) callCount(group string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[group]
}

func (f *fakeMembers) totalCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }

func mustParse(t *testing.T, src string) *Policy {
	t.Helper()
	p, err := Parse("policy.yml", []byte(src), known)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

// receive waits for one value from ch, failing the test after a generous
// deadline (a hang, not a timing assertion).
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func TestDecide(t *testing.T) {
	p := mustParse(t, testPolicy)
	rule := p.RuleFor("disable-user")
	if rule == nil {
		t.Fatal("no rule for disable-user")
	}
	tests := []struct {
		name, caller, action string
		want                 Decision
	}{
		{"deny by default", "U0NOBODY", "ping", Decision{Verdict: Deny}},
		{"direct member", "U0ONCALL1", "ping", Decision{Verdict: Allow, Roles: []string{"oncall"}}},
		{"user group member", "U0ONCALL2", "get-user", Decision{Verdict: Allow, Roles: []string{"oncall"}}},
		{"every granting role is named", "U0BOTH", "get-user", Decision{Verdict: Allow, Roles: []string{"oncall", "helpdesk"}}},
		{"role lacks the action", "U0HELP", "ping", Decision{Verdict: Deny}},
		{"role lacks the action, wildcard elsewhere", "U0ONCALL1", "audit", Decision{Verdict: Deny}},
		{"wildcard, direct", "U0SEC1", "audit", Decision{Verdict: Allow, Roles: []string{"security"}, AdminTargets: true}},
		{"wildcard, user group", "U0SEC3", "add-group", Decision{Verdict: Allow, Roles: []string{"security"}, AdminTargets: true}},
		{"needs approval", "U0HELP", "reset-password", Decision{Verdict: NeedsApproval, Roles: []string{"helpdesk"}, Rule: rule}},
		{"approvers need approval too", "U0SEC1", "reset-password", Decision{Verdict: NeedsApproval, Roles: []string{"security"}, Rule: p.RuleFor("reset-password"), AdminTargets: true}},
		{"several roles, needs approval", "U0BOTH", "disable-user", Decision{Verdict: NeedsApproval, Roles: []string{"oncall"}, Rule: rule}},
		{"not allowed is deny, not needs approval", "U0NOBODY", "disable-user", Decision{Verdict: Deny}},
		{"unknown action, even for a wildcard", "U0SEC1", "drop-database", Decision{Verdict: Deny}},
		{"wildcard is not an action", "U0SEC1", "*", Decision{Verdict: Deny}},
		{"empty caller", "", "ping", Decision{Verdict: Deny}},
		{"a user group id is not a caller", "S0ONCALL", "ping", Decision{Verdict: Deny}},
		{"ids are exact", "u0oncall1", "ping", Decision{Verdict: Deny}},
		{"names are not ids", "alice", "ping", Decision{Verdict: Deny}},
	}
	a := New(p, newFakeMembers())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Decide(context.Background(), tt.caller, tt.action, "C0RANDOM")
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decide(%q, %q) mismatch (-want +got):\n%s", tt.caller, tt.action, diff)
			}
		})
	}
}

func TestDecideFailedLookupFailsClosedAndIsNotCached(t *testing.T) {
	p := mustParse(t, testPolicy)
	m := newFakeMembers()
	m.setFail("S0ONCALL", errSlack)
	a := New(p, m, WithClock(newClock().Now))
	ctx := context.Background()

	for i := 1; i <= 2; i++ {
		d, err := a.Decide(ctx, "U0ONCALL2", "ping", "C01")
		if d.Verdict != Deny || len(d.Roles) != 0 || d.Rule != nil {
			t.Errorf("Decide with a failing lookup = %+v, want Deny", d)
		}
		if !errors.Is(err, errSlack) || !strings.Contains(err.Error(), "S0ONCALL") {
			t.Errorf("Decide error = %v, want one wrapping %v and naming the group", err, errSlack)
		}
		if got := m.callCount("S0ONCALL"); got != i {
			t.Errorf("after %d decisions, %d lookups; a failure must not be cached", i, got)
		}
	}

	// A direct member needs no lookup, failing or not.
	if d, err := a.Decide(ctx, "U0ONCALL1", "ping", "C01"); err != nil || d.Verdict != Allow {
		t.Errorf("direct member: Decide = %+v, %v; want Allow", d, err)
	}
	if got := m.callCount("S0ONCALL"); got != 2 {
		t.Errorf("direct member caused a lookup (%d calls)", got)
	}

	// Another role granting the action is enough, and then there is no error.
	d, err := a.Decide(ctx, "U0BOTH", "get-user", "C01")
	if diff := cmp.Diff(Decision{Verdict: Allow, Roles: []string{"helpdesk"}}, d); diff != "" || err != nil {
		t.Errorf("Decide via another role: err %v, mismatch (-want +got):\n%s", err, diff)
	}

	// Once Slack answers, the answer is used and cached.
	m.setFail("S0ONCALL", nil)
	for range 2 {
		if d, err := a.Decide(ctx, "U0ONCALL2", "ping", "C01"); err != nil || d.Verdict != Allow {
			t.Errorf("after recovery: Decide = %+v, %v; want Allow", d, err)
		}
	}
	if got := m.callCount("S0ONCALL"); got != 4 {
		t.Errorf("after recovery: %d lookups in all, want 4 (3 before, 1 cached after)", got)
	}
}

func TestDecideWithoutMembers(t *testing.T) {
	a := New(mustParse(t, testPolicy), nil)
	d, err := a.Decide(context.Background(), "U0ONCALL2", "ping", "C01")
	if d.Verdict != Deny || err == nil {
		t.Errorf("group member without Members: Decide = %+v, %v; want Deny and an error", d, err)
	}
	d, err = a.Decide(context.Background(), "U0ONCALL1", "ping", "C01")
	if d.Verdict != Allow || err != nil {
		t.Errorf("direct member without Members: Decide = %+v, %v; want Allow", d, err)
	}
}

func TestGroupCacheTTL(t *testing.T) {
	p := mustParse(t, testPolicy)
	m := newFakeMembers()
	clock := newClock()
	a := New(p, m, WithClock(clock.Now)) // default TTL: 60 s
	ctx := context.Background()
	decide := func(caller string) Verdict {
		t.Helper()
		d, err := a.Decide(ctx, caller, "ping", "C01")
		if err != nil {
			t.Fatalf("Decide: %v", err)
		}
		return d.Verdict
	}

	if v := decide("U0ONCALL2"); v != Allow {
		t.Fatalf("first decision %v, want allow", v)
	}
	// U0ONCALL2 leaves the group; the cached membership is used until it expires.
	m.setGroup("S0ONCALL", "U0BOTH")
	clock.Advance(59 * time.Second)
	if v := decide("U0ONCALL2"); v != Allow {
		t.Errorf("within TTL: %v, want allow from the cache", v)
	}
	if got := m.callCount("S0ONCALL"); got != 1 {
		t.Errorf("within TTL: %d lookups, want 1", got)
	}
	clock.Advance(time.Second)
	if v := decide("U0ONCALL2"); v != Deny {
		t.Errorf("after TTL: %v, want deny from a fresh lookup", v)
	}
	if got := m.callCount("S0ONCALL"); got != 2 {
		t.Errorf("after TTL: %d lookups, want 2", got)
	}
}

func TestGroupCacheCustomTTLAndOff(t *testing.T) {
	p := mustParse(t, testPolicy)
	ctx := context.Background()

	m := newFakeMembers()
	clock := newClock()
	a := New(p, m, WithClock(clock.Now), WithTTL(5*time.Minute))
	for range 3 {
		a.Decide(ctx, "U0ONCALL2", "ping", "C01")
		clock.Advance(time.Minute)
	}
	if got := m.callCount("S0ONCALL"); got != 1 {
		t.Errorf("TTL 5m over 3m: %d lookups, want 1", got)
	}

	m = newFakeMembers()
	a = New(p, m, WithTTL(0))
	for range 3 {
		a.Decide(ctx, "U0ONCALL2", "ping", "C01")
	}
	if got := m.callCount("S0ONCALL"); got != 3 {
		t.Errorf("TTL 0: %d lookups, want 3 (no caching)", got)
	}
}

func TestConcurrentLookupsShareOneCall(t *testing.T) {
	const n = 8
	p := mustParse(t, groupPolicy)
	m := newFakeMembers()
	m.gate = make(chan struct{})
	m.started = make(chan string, n)
	release := sync.OnceFunc(func() { close(m.gate) })
	t.Cleanup(release)         // let the lookup end even when the test fails early
	a := New(p, m, WithTTL(0)) // no cache: only sharing can keep this at one call
	joined := make(chan struct{}, n)
	a.joined = func() { joined <- struct{}{} }

	type result struct {
		d   Decision
		err error
	}
	results := make(chan result, n)
	for range n {
		go func() {
			d, err := a.Decide(context.Background(), "U0ONCALL2", "ping", "C01")
			results <- result{d, err}
		}()
	}
	if g := receive(t, m.started, "the lookup to start"); g != "S0ONCALL" {
		t.Fatalf("lookup of %s, want S0ONCALL", g)
	}
	for i := range n - 1 {
		receive(t, joined, fmt.Sprintf("caller %d of %d to join the lookup", i+2, n))
	}
	release()
	for range n {
		r := receive(t, results, "a decision")
		if r.err != nil || r.d.Verdict != Allow {
			t.Errorf("Decide = %+v, %v; want Allow", r.d, r.err)
		}
	}
	if got := m.callCount("S0ONCALL"); got != 1 {
		t.Errorf("%d concurrent decisions made %d lookups, want 1", n, got)
	}
}

func TestCancelledCallerDoesNotCancelSharedLookup(t *testing.T) {
	p := mustParse(t, groupPolicy)
	m := newFakeMembers()
	m.gate = make(chan struct{})
	m.started = make(chan string, 1)
	release := sync.OnceFunc(func() { close(m.gate) })
	t.Cleanup(release)
	a := New(p, m)
	joined := make(chan struct{}, 1)
	a.joined = func() { joined <- struct{}{} }

	type result struct {
		d   Decision
		err error
	}
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan result, 1)
	go func() {
		d, err := a.Decide(ctx, "U0ONCALL2", "ping", "C01")
		first <- result{d, err}
	}()
	receive(t, m.started, "the lookup to start")
	second := make(chan result, 1)
	go func() {
		d, err := a.Decide(context.Background(), "U0ONCALL2", "ping", "C01")
		second <- result{d, err}
	}()
	receive(t, joined, "the second caller to join")

	cancel()
	r := receive(t, first, "the cancelled decision")
	if r.d.Verdict != Deny || !errors.Is(r.err, context.Canceled) {
		t.Errorf("cancelled caller: Decide = %+v, %v; want Deny and context.Canceled", r.d, r.err)
	}
	release()
	r = receive(t, second, "the second decision")
	if r.d.Verdict != Allow || r.err != nil {
		t.Errorf("second caller: Decide = %+v, %v; want Allow", r.d, r.err)
	}
	m.mu.Lock()
	ctxErrs := m.ctxErrs
	m.mu.Unlock()
	if diff := cmp.Diff([]error{nil}, ctxErrs, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
		t.Errorf("the shared lookup's context was cancelled (-want +got):\n%s", diff)
	}
	// The shared lookup's answer was cached.
	if d, _ := a.Decide(context.Background(), "U0ONCALL2", "ping", "C01"); d.Verdict != Allow || m.callCount("S0ONCALL") != 1 {
		t.Errorf("after: %+v with %d lookups, want Allow from the cache", d, m.callCount("S0ONCALL"))
	}
}

func TestDecideCancelledContext(t *testing.T) {
	m := newFakeMembers()
	a := New(mustParse(t, testPolicy), m)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d, err := a.Decide(ctx, "U0ONCALL2", "ping", "C01")
	if d.Verdict != Deny || !errors.Is(err, context.Canceled) {
		t.Errorf("Decide = %+v, %v; want Deny and context.Canceled", d, err)
	}
	if got := m.totalCalls(); got != 0 {
		t.Errorf("%d lookups with a cancelled context, want 0", got)
	}
}

func TestLookupTimeout(t *testing.T) {
	m := newFakeMembers()
	m.gate = make(chan struct{}) // never opened: the lookup ends at its deadline
	a := New(mustParse(t, testPolicy), m, WithLookupTimeout(time.Millisecond))
	d, err := a.Decide(context.Background(), "U0ONCALL2", "ping", "C01")
	if d.Verdict != Deny || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Decide = %+v, %v; want Deny and context.DeadlineExceeded", d, err)
	}
}

func TestPermitted(t *testing.T) {
	p := mustParse(t, testPolicy)
	ctx := context.Background()
	tests := []struct {
		caller string
		all    []string
		want   []string
	}{
		{"U0NOBODY", allActions, nil},
		{"", allActions, nil},
		{"U0ONCALL1", allActions, []string{"ping", "get-user", "disable-user"}},
		{"U0BOTH", allActions, []string{"ping", "get-user", "disable-user", "reset-password"}},
		{"U0SEC2", allActions, allActions},
		{"U0SEC1", []string{"audit", "bogus", "*", "ping"}, []string{"audit", "ping"}},
		{"U0HELP", []string{"reset-password", "get-user"}, []string{"reset-password", "get-user"}},
	}
	a := New(p, newFakeMembers())
	for _, tt := range tests {
		got, err := a.Permitted(ctx, tt.caller, tt.all)
		if err != nil {
			t.Errorf("Permitted(%q): %v", tt.caller, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Permitted(%q, %q) mismatch (-want +got):\n%s", tt.caller, tt.all, diff)
		}
	}
}

func TestPermittedLookups(t *testing.T) {
	p := mustParse(t, testPolicy)
	ctx := context.Background()

	// Roles that could add nothing are not looked up.
	m := newFakeMembers()
	a := New(p, m)
	if got, err := a.Permitted(ctx, "U0ONCALL1", []string{"ping"}); err != nil || !cmp.Equal(got, []string{"ping"}) {
		t.Errorf("Permitted = %q, %v; want [ping]", got, err)
	}
	if got := m.totalCalls(); got != 0 {
		t.Errorf("%d lookups, want 0", got)
	}

	// A failed lookup leaves out what it would have granted, and says so.
	m = newFakeMembers()
	m.setFail("S0HELPDESK", errSlack)
	a = New(p, m)
	got, err := a.Permitted(ctx, "U0BOTH", allActions)
	if diff := cmp.Diff([]string{"ping", "get-user", "disable-user"}, got); diff != "" {
		t.Errorf("Permitted with a failed lookup mismatch (-want +got):\n%s", diff)
	}
	if !errors.Is(err, errSlack) {
		t.Errorf("Permitted error = %v, want %v", err, errSlack)
	}
}

func TestCanApprove(t *testing.T) {
	p := mustParse(t, testPolicy)
	rule := p.RuleFor("disable-user")
	ghost := &ApprovalRule{Actions: []string{"disable-user"}, Approvers: []string{"ghost"}, Channel: "C01"}
	tests := []struct {
		name                string
		approver, requester string
		rule                *ApprovalRule
		want                bool
	}{
		{"approver role via user group", "U0SEC2", "U0ONCALL1", rule, true},
		{"approver role, direct member", "U0SEC1", "U0HELP", rule, true},
		{"another security member", "U0SEC3", "U0SEC2", rule, true},
		{"requester never approves", "U0SEC1", "U0SEC1", rule, false},
		{"requester never approves, via group", "U0SEC2", "U0SEC2", rule, false},
		{"non-approver refused", "U0ONCALL1", "U0HELP", rule, false},
		{"allowed to run is not allowed to approve", "U0BOTH", "U0HELP", rule, false},
		{"stranger refused", "U0NOBODY", "U0HELP", rule, false},
		{"no rule", "U0SEC1", "U0HELP", nil, false},
		{"empty approver", "", "U0HELP", rule, false},
		{"empty requester", "U0SEC1", "", rule, false},
		{"approver role not in the policy", "U0SEC1", "U0HELP", ghost, false},
		{"user group id is not an approver", "S0SECURITY", "U0HELP", rule, false},
	}
	a := New(p, newFakeMembers())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.CanApprove(context.Background(), tt.approver, tt.requester, tt.rule)
			if err != nil {
				t.Fatalf("CanApprove: %v", err)
			}
			if got != tt.want {
				t.Errorf("CanApprove(%q, %q) = %v, want %v", tt.approver, tt.requester, got, tt.want)
			}
		})
	}
}

func TestCanApproveFailedLookup(t *testing.T) {
	p := mustParse(t, testPolicy)
	m := newFakeMembers()
	m.setFail("S0SECURITY", errSlack)
	a := New(p, m)
	rule := p.RuleFor("disable-user")
	ok, err := a.CanApprove(context.Background(), "U0SEC2", "U0HELP", rule)
	if ok || !errors.Is(err, errSlack) {
		t.Errorf("CanApprove with a failed lookup = %v, %v; want false and %v", ok, err, errSlack)
	}
	ok, err = a.CanApprove(context.Background(), "U0SEC1", "U0HELP", rule)
	if !ok || err != nil {
		t.Errorf("CanApprove of a direct member = %v, %v; want true", ok, err)
	}
}

func TestVerdictString(t *testing.T) {
	for v, want := range map[Verdict]string{Deny: "deny", Allow: "allow", NeedsApproval: "needs-approval", Verdict(9): "Verdict(9)"} {
		if got := v.String(); got != want {
			t.Errorf("Verdict(%d).String() = %q, want %q", int(v), got, want)
		}
	}
}

func TestIDShapes(t *testing.T) {
	tests := []struct {
		id                   string
		user, group, channel bool
	}{
		{"U0123ABCD", true, false, false},
		{"W0123ABCD", true, false, false},
		{"S0123ABCD", false, true, false},
		{"C0123ABCD", false, false, true},
		{"G0123ABCD", false, false, true},
		{"D0123ABCD", false, false, false},
		{"u0123abcd", false, false, false},
		{"U0", false, false, false},
		{"U01", true, false, false},
		{"U0123-ABCD", false, false, false},
		{"<@U0123ABCD>", false, false, false},
		{"", false, false, false},
	}
	for _, tt := range tests {
		if IsUserID(tt.id) != tt.user || IsUserGroupID(tt.id) != tt.group || IsChannelID(tt.id) != tt.channel {
			t.Errorf("%q: user %v group %v channel %v; want %v %v %v", tt.id,
				IsUserID(tt.id), IsUserGroupID(tt.id), IsChannelID(tt.id), tt.user, tt.group, tt.channel)
		}
	}
}

// Under Fresh, membership is asked of Slack every time, so that someone
// removed from a user group cannot approve within the cache's minute; the
// answer refreshes the cache for everyone else.
func TestFreshSkipsTheGroupCache(t *testing.T) {
	p := mustParse(t, testPolicy)
	rule := p.RuleFor("disable-user")
	m := newFakeMembers()
	clock := newClock()
	a := New(p, m, WithClock(clock.Now)) // default TTL: 60 s
	ctx := context.Background()
	canApprove := func(ctx context.Context) bool {
		t.Helper()
		ok, err := a.CanApprove(ctx, "U0SEC2", "U0ONCALL1", rule)
		if err != nil {
			t.Fatalf("CanApprove: %v", err)
		}
		return ok
	}
	if !canApprove(ctx) {
		t.Fatal("U0SEC2 is an approver through S0SECURITY")
	}
	// U0SEC2 leaves the group a second later.
	m.setGroup("S0SECURITY", "U0SEC3")
	clock.Advance(time.Second)
	if !canApprove(ctx) {
		t.Error("a cached answer within the TTL: want the cache's (stale) approver")
	}
	if canApprove(Fresh(ctx)) {
		t.Error("Fresh: U0SEC2 may still approve after leaving the group")
	}
	if got := m.callCount("S0SECURITY"); got != 2 {
		t.Errorf("%d lookups, want 2 (the first, and the fresh one)", got)
	}
	// The fresh answer is cached for the others.
	if canApprove(ctx) {
		t.Error("after a fresh lookup, the cache still says U0SEC2 may approve")
	}
	if d, err := a.Decide(Fresh(ctx), "U0ONCALL2", "ping", "C01"); err != nil || d.Verdict != Allow {
		t.Errorf("Fresh Decide for a group member: %v, %v", d.Verdict, err)
	}
	if got := m.callCount("S0ONCALL"); got != 1 {
		t.Errorf("S0ONCALL lookups = %d, want 1", got)
	}
}

// Known says, without asking Slack, whether the policy names someone: by
// id, or through a user group whose members were last seen to include
// them (Warm looks every group up; any decision refreshes one). It decides
// nothing: only which queue a request waits in.
func TestKnownMembersWithoutAskingSlack(t *testing.T) {
	m := newFakeMembers()
	clock := newClock()
	a := New(mustParse(t, testPolicy), m, WithClock(clock.Now))
	if !a.Known("U0ONCALL1") {
		t.Error("a member listed by id is not known")
	}
	if a.Known("U0ONCALL2") || a.Known("U0HELP") {
		t.Error("a group member is known before any group was looked up")
	}
	if n := m.totalCalls(); n != 0 {
		t.Fatalf("Known asked Slack %d times", n)
	}
	if err := a.Warm(context.Background()); err != nil {
		t.Fatalf("Warm: %v", err)
	}
	for _, u := range []string{"U0ONCALL2", "U0HELP", "U0BOTH", "U0SEC2"} {
		if !a.Known(u) {
			t.Errorf("%s, in a policy user group, is not known after Warm", u)
		}
	}
	if a.Known("U0MALLORY") || a.Known("S0ONCALL") || a.Known("") {
		t.Error("someone outside the policy is known")
	}
	calls := m.totalCalls()

	// Long after the cache expired, the last membership seen still holds,
	// without a call; a refreshed group counts its new members, not its
	// old ones.
	clock.Advance(24 * time.Hour)
	if !a.Known("U0HELP") || m.totalCalls() != calls {
		t.Error("the last membership seen was forgotten, or Known asked Slack")
	}
	m.setGroup("S0HELPDESK", "U0NEWHELP")
	if err := a.Warm(context.Background()); err != nil {
		t.Fatalf("Warm: %v", err)
	}
	if !a.Known("U0NEWHELP") || a.Known("U0HELP") {
		t.Error("Known does not follow the group's members as last seen")
	}

	// A group the policy no longer names counts for nothing.
	a.SetPolicy(mustParse(t, groupPolicy))
	if a.Known("U0NEWHELP") || !a.Known("U0ONCALL2") {
		t.Error("Known follows groups the policy in force does not name")
	}
	m.setFail("S0SECURITY", errors.New("ratelimited"))
	a.SetPolicy(mustParse(t, testPolicy))
	if err := a.Warm(context.Background()); err == nil {
		t.Error("Warm hid a failed lookup")
	}
}

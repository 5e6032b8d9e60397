package requests

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/okta"
	"oktabot/okta/oktatest"
	"oktabot/store"
)

const grantPolicy = `roles:
  desk:
    members: [U0ALICE]
    actions: [assign-role, add-to-group, get-user]
    assignable_roles: [HELP_DESK_ADMIN, READ_ONLY_ADMIN]
    max_duration: 8h
  oncall:
    members: [U0BOB]
    actions: [add-to-group]
    max_duration: 4h
    require_duration: true
  security:
    members: [U0SEC1]
    actions: ["*"]
    assignable_roles: ["*"]
    admin_targets: true
`

// grantNotes records what the Engine told people of grants.
type grantNotes struct {
	mu      sync.Mutex
	ending  []string
	revoked []store.Grant
	overdue []store.Grant
}

func (n *grantNotes) GrantEnding(ctx context.Context, g store.Grant) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ending = append(n.ending, g.ID)
}
func (n *grantNotes) GrantRevoked(ctx context.Context, g store.Grant) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.revoked = append(n.revoked, g)
}
func (n *grantNotes) GrantOverdue(ctx context.Context, g store.Grant) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.overdue = append(n.overdue, g)
}

// grantRig is the Engine against the Okta fake, with a settable clock.
type grantRig struct {
	*rig
	okta  *oktatest.Server
	dir   actions.Directory
	az    *auth.Authorizer
	gn    *grantNotes
	bob   oktatest.User // an Okta user to give access to
	group oktatest.Group
}

func newGrantRig(t *testing.T) *grantRig {
	t.Helper()
	r := newRig(t)
	o := oktatest.New(t)
	svc := o.AddUser(oktatest.User{Login: "oktabot.svc@corp.com", Email: "oktabot.svc@corp.com", FirstName: "Okta", LastName: "Bot"})
	o.SetMe(svc.ID)
	o.AddUser(oktatest.User{Login: "alice@corp.com", Email: "alice@corp.com", FirstName: "Alice", LastName: "Liddell"})
	bob := o.AddUser(oktatest.User{Login: "bob@corp.com", Email: "bob@corp.com", FirstName: "Bob", LastName: "Builder"})
	g := o.AddGroup(oktatest.Group{Name: "On-call responders"})
	dir, err := okta.New(context.Background(), okta.Config{OrgURL: o.URL, Token: actions.NewSecret(o.Token), CallTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p, err := auth.Parse("policy.yml", []byte(grantPolicy), auth.Names{Actions: actions.Default().Names(), RoleTypes: actions.RoleTypes})
	if err != nil {
		t.Fatal(err)
	}
	return &grantRig{rig: r, okta: o, dir: dir, az: auth.New(p, nil), gn: &grantNotes{}, bob: bob, group: g}
}

// replica is one bot on the rig's store and Okta.
func (g *grantRig) replica(name string) *Engine {
	e := g.engine(name, 30*time.Second)
	e.Auth, e.Dir, e.GrantNotify = g.az, g.dir, g.gn
	e.People = people{"U0ALICE": "alice@corp.com", "U0BOB": "bob.slack@corp.com", "U0SEC1": "sec@corp.com"}
	e.Log = zerolog.Nop()
	return e
}

// ask runs caller's command as the Slack edge does a direct one: the
// policy, the guards (--for among them), then the action.
func (g *grantRig) ask(e *Engine, caller, text string) (Performed, error) {
	g.t.Helper()
	p, err := actions.Default().Parse(text)
	if err != nil {
		g.t.Fatalf("%s: %v", text, err)
	}
	ctx := context.Background()
	d, err := g.az.Decide(ctx, caller, p.Request.Action.Name, "C0GEN")
	if err != nil || d.Verdict == auth.Deny {
		g.t.Fatalf("%s: %v %v", text, d.Verdict, err)
	}
	env, err := e.Guard(ctx, caller, p.Request, d)
	if err != nil {
		return Performed{}, err
	}
	c := Caller{ID: caller, Channel: "C0GEN", Request: &p.Request}
	env = e.Granting(e.Verifier(env, c, p.Request.Action.Name), c, p.Request)
	return e.RunDirect(ctx, caller, "C0GEN", p.Request, func(ctx context.Context) Performed {
		return e.Perform(ctx, zerolog.Nop(), p.Request, env)
	}), nil
}

func (g *grantRig) roles(userID string) []string {
	var out []string
	for _, r := range g.okta.Roles(userID) {
		out = append(out, r.Type)
	}
	return out
}

func (g *grantRig) grants(f store.GrantFilter) []store.Grant {
	g.t.Helper()
	gs, err := g.st.ListGrants(context.Background(), f)
	if err != nil {
		g.t.Fatal(err)
	}
	return gs
}

func (g *grantRig) one() store.Grant {
	g.t.Helper()
	gs := g.grants(store.GrantFilter{})
	if len(gs) != 1 {
		g.t.Fatalf("%d grants, want 1: %+v", len(gs), gs)
	}
	return gs[0]
}

func (g *grantRig) events(ev Event) []store.AuditRecord {
	g.t.Helper()
	recs, err := g.st.ListAudit(context.Background(), store.AuditFilter{Limit: store.MaxAuditLimit})
	if err != nil {
		g.t.Fatal(err)
	}
	var out []store.AuditRecord
	for _, r := range recs {
		if r.Event == string(ev) {
			out = append(out, r)
		}
	}
	return out
}

func outcome(t *testing.T, p Performed) actions.Outcome {
	t.Helper()
	if p.Err != nil || len(p.Res.Outcomes) != 1 {
		t.Fatalf("result %+v", p)
	}
	return p.Res.Outcomes[0]
}

// A role given for 2h is removed at its end, once, however often the
// sweep runs; the requester is warned ten minutes before, once.
func TestGrantIsRevokedAtItsEnd(t *testing.T) {
	g := newGrantRig(t)
	e := g.replica("a")
	start := g.clock.Now()
	p, err := g.ask(e, "U0ALICE", `assign-role bob@corp.com --role HELP_DESK_ADMIN --for 2h --reason "INC-7"`)
	if err != nil {
		t.Fatal(err)
	}
	o := outcome(t, p)
	want := "assigned HELP_DESK_ADMIN " + actions.Until(start.Add(2*time.Hour))
	if o.Err != nil || !o.Changed || o.Done != want {
		t.Fatalf("outcome %+v, want %q", o, want)
	}
	if got := g.roles(g.bob.ID); !slices.Equal(got, []string{"HELP_DESK_ADMIN"}) {
		t.Fatalf("bob's roles %v", got)
	}
	gr := g.one()
	if gr.Status != store.GrantActive || gr.AssignmentID == "" || gr.RequesterID != "U0ALICE" || gr.Reason != "INC-7" || !gr.EndsAt.Equal(start.Add(2*time.Hour)) {
		t.Errorf("grant %+v", gr)
	}
	if recs := g.events(EventGranted); len(recs) != 1 || recs[0].Params["grant"] != gr.ID || recs[0].Target != g.bob.ID || recs[0].Params["role"] != "HELP_DESK_ADMIN" {
		t.Errorf("grant.given records %+v", recs)
	}

	g.clock.add(100 * time.Minute)
	e.SweepGrants(context.Background())
	e.SweepGrants(context.Background())
	if len(g.gn.ending) != 0 || len(g.roles(g.bob.ID)) != 1 {
		t.Fatalf("before the warning: warned %v, roles %v", g.gn.ending, g.roles(g.bob.ID))
	}
	g.clock.add(11 * time.Minute) // 9 minutes left
	e.SweepGrants(context.Background())
	e.SweepGrants(context.Background())
	if !slices.Equal(g.gn.ending, []string{gr.ID}) || len(g.gn.revoked) != 0 {
		t.Fatalf("warned %v (want once), revoked %v", g.gn.ending, g.gn.revoked)
	}
	g.clock.add(9 * time.Minute)
	e.SweepGrants(context.Background())
	e.SweepGrants(context.Background())
	if got := g.roles(g.bob.ID); len(got) != 0 {
		t.Errorf("bob's roles after the end: %v", got)
	}
	if len(g.gn.revoked) != 1 || g.gn.revoked[0].Status != store.GrantRevoked || g.gn.revoked[0].EndedBy != "" {
		t.Fatalf("revoked %+v, want once", g.gn.revoked)
	}
	recs := g.events(EventGrantRevoked)
	if len(recs) != 1 || recs[0].Outcome != "changed" || recs[0].Detail != "removed HELP_DESK_ADMIN from Bob Builder <bob@corp.com>" || recs[0].Actor != "" {
		t.Errorf("grant.revoked records %+v", recs)
	}
	if n := g.oktaOps("unassign"); n != 1 {
		t.Errorf("%d unassignments, want 1", n)
	}
}

func (g *grantRig) oktaOps(op string) int {
	n := 0
	for _, c := range g.okta.Calls() {
		if c.Method == http.MethodDelete && strings.Contains(c.Path, "/roles/") && op == "unassign" ||
			c.Method == http.MethodDelete && strings.Contains(c.Path, "/users/") && strings.Contains(c.Path, "/groups/") && op == "remove" {
			n++
		}
	}
	return n
}

// Access the user already has is never time-boxed: it is refused, unless
// it is a grant of oktabot's and --extend says to extend it.
func TestGrantRefusesExistingAccessUnlessExtending(t *testing.T) {
	g := newGrantRig(t)
	e := g.replica("a")
	dave := g.okta.AddUser(oktatest.User{Login: "dave@corp.com", FirstName: "Dave", LastName: "Admin"})
	g.okta.AddRole(dave.ID, oktatest.Role{Type: "READ_ONLY_ADMIN"})
	g.okta.AddUser(oktatest.User{Login: "sec@corp.com", Email: "sec@corp.com", FirstName: "Sec", LastName: "Urity"})
	for _, text := range []string{"assign-role dave@corp.com --role READ_ONLY_ADMIN --for 2h", "assign-role dave@corp.com --role READ_ONLY_ADMIN --for 2h --extend"} {
		// Security, who may act on Okta admins: for anyone else the admin
		// guard refuses dave first.
		o := outcome(t, must(g.ask(e, "U0SEC1", text)))
		if o.Err == nil || !strings.Contains(o.Err.Error(), "already has READ_ONLY_ADMIN, and not through a grant of oktabot's") {
			t.Errorf("%s: %+v", text, o)
		}
	}
	if gs := g.grants(store.GrantFilter{}); len(gs) != 0 {
		t.Errorf("grants %+v", gs)
	}
	// A grant of ours: refused without --extend, extended with it.
	start := g.clock.Now()
	outcome(t, must(g.ask(e, "U0ALICE", "add-to-group bob@corp.com --group \"On-call responders\" --for 1h")))
	first := g.one()
	g.clock.add(30 * time.Minute)
	o := outcome(t, must(g.ask(e, "U0ALICE", "add-to-group bob@corp.com --group \"On-call responders\" --for 2h")))
	if o.Err == nil || !strings.Contains(o.Err.Error(), "through oktabot's grant "+first.ID) || !strings.Contains(o.Err.Error(), "add --extend") {
		t.Errorf("without --extend: %+v", o)
	}
	o = outcome(t, must(g.ask(e, "U0SEC1", "add-to-group bob@corp.com --group \"On-call responders\" --for 2h --extend")))
	newEnd := start.Add(150 * time.Minute)
	if o.Err != nil || o.Changed || o.Done != "already had the group On-call responders; its grant now lasts "+actions.Until(newEnd) {
		t.Errorf("--extend: %+v", o)
	}
	if got := g.one(); got.ID != first.ID || !got.EndsAt.Equal(newEnd) {
		t.Errorf("extended grant %+v", got)
	}
	if recs := g.events(EventGrantExtended); len(recs) != 1 || recs[0].Actor != "U0SEC1" {
		t.Errorf("grant.extended records %+v", recs)
	}
	g.clock.add(time.Hour) // the first end has passed
	e.SweepGrants(context.Background())
	if n := len(g.okta.Members(g.group.ID)); n != 1 || len(g.gn.revoked) != 0 {
		t.Errorf("removed at the old end: %d members, revoked %v", n, g.gn.revoked)
	}
	g.clock.add(time.Hour)
	e.SweepGrants(context.Background())
	if n := len(g.okta.Members(g.group.ID)); n != 0 || len(g.gn.revoked) != 1 {
		t.Errorf("at the new end: %d members, revoked %v", n, g.gn.revoked)
	}
}

func must(p Performed, err error) Performed {
	if err != nil {
		panic(err)
	}
	return p
}

// Okta failing at the end: the removal is retried with backoff until it
// works, each attempt recorded; the audit channel is told once that it
// is overdue.
func TestGrantRevocationRetriesAnOktaOutage(t *testing.T) {
	g := newGrantRig(t)
	e := g.replica("a")
	outcome(t, must(g.ask(e, "U0ALICE", "assign-role bob@corp.com --role HELP_DESK_ADMIN --for 1h")))
	gr := g.one()
	g.okta.FailNext(1000, http.StatusServiceUnavailable)
	g.clock.add(time.Hour)
	e.SweepGrants(context.Background())
	got := g.one()
	if got.Status != store.GrantRevoking || got.Attempts != 1 || got.LastError == "" || !got.NextAttempt.Equal(g.clock.Now().Add(30*time.Second)) {
		t.Fatalf("after a failed removal: %+v", got)
	}
	e.SweepGrants(context.Background()) // before the next attempt: nothing
	if got := g.one(); got.Attempts != 1 {
		t.Errorf("tried again before its time: %d attempts", got.Attempts)
	}
	for _, wait := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute} {
		g.clock.add(wait)
		e.SweepGrants(context.Background())
		e.SweepGrants(context.Background())
	}
	got = g.one()
	if got.Attempts != 5 || len(g.gn.overdue) != 1 || g.gn.overdue[0].ID != gr.ID || g.gn.overdue[0].LastError == "" {
		t.Fatalf("after 7m30s: %d attempts, overdue told %d times (%+v)", got.Attempts, len(g.gn.overdue), g.gn.overdue)
	}
	if recs := g.events(EventGrantOverdue); len(recs) != 1 {
		t.Errorf("grant.overdue records %d, want 1", len(recs))
	}
	failed := g.events(EventGrantRevoked)
	if len(failed) != 5 || failed[0].Outcome != "failed" || failed[0].ErrorKind == "" {
		t.Errorf("failed attempts recorded: %+v", failed)
	}
	g.okta.FailNext(0, 0)
	g.clock.add(8 * time.Minute)
	e.SweepGrants(context.Background())
	if got := g.roles(g.bob.ID); len(got) != 0 || len(g.gn.revoked) != 1 || len(g.gn.overdue) != 1 {
		t.Errorf("after Okta came back: roles %v, revoked %d, overdue %d", got, len(g.gn.revoked), len(g.gn.overdue))
	}
}

// Replicas sweeping at once remove a grant's access once, and tell once.
func TestGrantIsRevokedOnceAcrossReplicas(t *testing.T) {
	g := newGrantRig(t)
	first := g.replica("r0")
	for i := range 5 {
		u := g.okta.AddUser(oktatest.User{Login: fmt.Sprintf("temp%d@corp.com", i), FirstName: "Temp", LastName: fmt.Sprint(i)})
		outcome(t, must(g.ask(first, "U0ALICE", "add-to-group "+u.Login+" --group \"On-call responders\" --for 1h")))
	}
	g.clock.add(time.Hour)
	var wg sync.WaitGroup
	for i := range 8 {
		e := g.replica(fmt.Sprintf("r%d", i))
		wg.Add(1)
		go func() { defer wg.Done(); e.SweepGrants(context.Background()) }()
	}
	wg.Wait()
	if n := len(g.okta.Members(g.group.ID)); n != 0 {
		t.Errorf("%d members left", n)
	}
	if len(g.gn.revoked) != 5 || len(g.events(EventGrantRevoked)) != 5 {
		t.Errorf("revoked told %d times, recorded %d; want 5 and 5", len(g.gn.revoked), len(g.events(EventGrantRevoked)))
	}
	if n := g.oktaOps("remove"); n != 5 {
		t.Errorf("%d removals sent to Okta, want 5", n)
	}
}

// The policy bounds --for: every bad duration gets its own message, and
// nothing reaches Okta.
func TestGrantDurationRefusals(t *testing.T) {
	g := newGrantRig(t)
	e := g.replica("a")
	for text, want := range map[string]string{
		"assign-role bob@corp.com --role HELP_DESK_ADMIN --for 9h":           `--for 9h is longer than the policy lets you give assign-role: at most 8h (max_duration of role "desk")`,
		"assign-role bob@corp.com --role HELP_DESK_ADMIN --for 2m":           `--for "2m" is shorter than the minimum of 5m`,
		"assign-role bob@corp.com --role HELP_DESK_ADMIN --extend":           "--extend extends a time-boxed grant: give --for too",
		"add-to-group bob@corp.com --group \"On-call responders\" --for 31d": `--for "31d" is longer than the maximum of 30d`,
	} {
		_, err := g.ask(e, "U0ALICE", text)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", text, err, want)
		}
	}
	_, err := g.ask(e, "U0BOB", "add-to-group alice@corp.com --group \"On-call responders\"")
	if err == nil || !strings.Contains(err.Error(), `the policy gives add-to-group for a time only (require_duration of role "oncall"): add --for, e.g. --for 2h, at most 4h (max_duration of role "oncall")`) {
		t.Errorf("without --for: %v", err)
	}
	_, err = g.ask(e, "U0BOB", "add-to-group alice@corp.com --group \"On-call responders\" --for 5h")
	if err == nil || !strings.Contains(err.Error(), "at most 4h") {
		t.Errorf("--for 5h: %v", err)
	}
	if calls := g.okta.Calls(); slices.ContainsFunc(calls, func(c oktatest.Call) bool { return c.Method != http.MethodGet }) {
		t.Errorf("Okta was written to: %+v", calls)
	}
	if gs := g.grants(store.GrantFilter{}); len(gs) != 0 {
		t.Errorf("grants %+v", gs)
	}
}

// End now: its requester may always end it; another person only with
// revoke in the policy. Its access is removed at once, recorded with who.
func TestEndGrant(t *testing.T) {
	g := newGrantRig(t)
	e := g.replica("a")
	outcome(t, must(g.ask(e, "U0ALICE", "assign-role bob@corp.com --role HELP_DESK_ADMIN --for 2h")))
	gr := g.one()
	ctx := context.Background()
	if _, r, err := e.EndGrant(ctx, "U0BOB", "C0GEN", gr); r != EndRefused || err != nil {
		t.Errorf("bob ends alice's grant: %v %v", r, err)
	}
	if len(g.roles(g.bob.ID)) != 1 {
		t.Fatalf("a refused end removed the role")
	}
	g.clock.add(time.Minute)
	done, r, err := e.EndGrant(ctx, "U0ALICE", "D0ALICE", gr)
	if r != EndedNow || err != nil || done.EndedBy != "U0ALICE" || done.Status != store.GrantRevoked {
		t.Fatalf("alice ends her grant: %v %v %+v", r, err, done)
	}
	if len(g.roles(g.bob.ID)) != 0 || len(g.gn.revoked) != 1 {
		t.Errorf("roles %v, revoked %d", g.roles(g.bob.ID), len(g.gn.revoked))
	}
	if recs := g.events(EventGrantRevoked); len(recs) != 1 || recs[0].Actor != "U0ALICE" || recs[0].Params["ended_by"] != "U0ALICE" {
		t.Errorf("records %+v", recs)
	}
	if _, r, _ := e.EndGrant(ctx, "U0SEC1", "C0GEN", done); r != EndNotActive {
		t.Errorf("ending it twice: %v", r)
	}
	// Security (revoke through "*") ends anyone's.
	outcome(t, must(g.ask(e, "U0ALICE", "assign-role bob@corp.com --role HELP_DESK_ADMIN --for 2h")))
	var live store.Grant
	for _, x := range g.grants(store.GrantFilter{Live: true}) {
		live = x
	}
	if _, r, _ := e.EndGrant(ctx, "U0SEC1", "C0GEN", live); r != EndedNow {
		t.Errorf("security ends alice's grant: %v", r)
	}
}

// A grant whose bot stopped between storing it and hearing Okta's answer
// is removed at its end all the same, found by its role type.
func TestGrantLeftGivingIsRevoked(t *testing.T) {
	g := newGrantRig(t)
	e := g.replica("a")
	now := g.clock.Now()
	g.okta.AddRole(g.bob.ID, oktatest.Role{Type: "HELP_DESK_ADMIN"}) // what Okta did before the bot stopped
	if _, err := g.st.CreateGrant(context.Background(), store.Grant{ID: store.NewID(), Action: "assign-role", UserID: g.bob.ID,
		UserLabel: "bob@corp.com", Role: "HELP_DESK_ADMIN", RequesterID: "U0ALICE", Duration: time.Hour, CreatedAt: now, EndsAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	g.clock.add(time.Hour)
	e.SweepGrants(context.Background())
	if got := g.roles(g.bob.ID); len(got) != 0 {
		t.Errorf("roles %v", got)
	}
	if gr := g.one(); gr.Status != store.GrantRevoked || gr.Result != "removed HELP_DESK_ADMIN from bob@corp.com" {
		t.Errorf("grant %+v", gr)
	}
}

func TestExtendRequest(t *testing.T) {
	reg := actions.Default()
	req, err := ExtendRequest(reg, store.Grant{ID: "G1", Action: "add-to-group", UserID: "00u1", GroupID: "00g1abcdefghijklmnop", Duration: 90 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if req.Action.Name != "add-to-group" || !slices.Equal(req.Targets, []string{"00u1"}) || req.Values["for"] != "1h30m" || !req.Bool("extend") ||
		req.Values["group"] != "00g1abcdefghijklmnop" || req.Reason != "extending grant G1" {
		t.Errorf("request %+v", req)
	}
	req, err = ExtendRequest(reg, store.Grant{ID: "G2", Action: "assign-role", UserID: "00u1", Role: "HELP_DESK_ADMIN", Duration: 2 * time.Hour, Reason: "INC-7"})
	if err != nil || req.Values["role"] != "HELP_DESK_ADMIN" || req.Reason != "INC-7" {
		t.Errorf("request %+v, %v", req, err)
	}
}

// End now races the sweeps of every replica: the one who ends it removes
// it, and tells once.
func TestEndGrantRacesTheSweeps(t *testing.T) {
	g := newGrantRig(t)
	e := g.replica("a")
	for round := range 5 {
		outcome(t, must(g.ask(e, "U0ALICE", "add-to-group bob@corp.com --group \"On-call responders\" --for 2h")))
		live := g.grants(store.GrantFilter{Live: true})
		if len(live) != 1 {
			t.Fatalf("round %d: %d live grants", round, len(live))
		}
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for i := range 4 {
			sweeper := g.replica(fmt.Sprintf("sweeper-%d", i))
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
						sweeper.SweepGrants(context.Background())
					}
				}
			}()
		}
		_, r, err := e.EndGrant(context.Background(), "U0ALICE", "D0ALICE", live[0])
		close(stop)
		wg.Wait()
		if r != EndedNow || err != nil {
			t.Fatalf("round %d: EndGrant = %v, %v; want it ended by its caller", round, r, err)
		}
		if len(g.gn.revoked) != round+1 {
			t.Fatalf("round %d: told %d times", round, len(g.gn.revoked))
		}
	}
}

// A grant past its end is over, whether or not a sweep has removed its
// access yet: --extend (and a request to keep it for good) in those
// seconds does not revive it, and its access is removed as at any end.
func TestGrantPastItsEndIsNotRevived(t *testing.T) {
	g := newGrantRig(t)
	e := g.replica("a")
	g.okta.AddUser(oktatest.User{Login: "sec@corp.com", Email: "sec@corp.com", FirstName: "Sec", LastName: "Urity"})
	outcome(t, must(g.ask(e, "U0ALICE", "add-to-group bob@corp.com --group \"On-call responders\" --for 1h")))
	first := g.one()
	g.clock.add(61 * time.Minute) // past its end; no sweep yet
	for _, text := range []string{
		"add-to-group bob@corp.com --group \"On-call responders\" --for 2h --extend",
		"add-to-group bob@corp.com --group \"On-call responders\"",
	} {
		o := outcome(t, must(g.ask(e, "U0SEC1", text)))
		if o.Err == nil || !strings.Contains(o.Err.Error(), "ended") {
			t.Errorf("%s: %+v, want refused: the grant has ended", text, o)
		}
		if got := g.one(); got.Status != store.GrantActive || !got.EndsAt.Equal(first.EndsAt) {
			t.Errorf("%s: grant now %s %q, ends %v; want as it was", text, got.Status, got.Result, got.EndsAt)
		}
	}
	e.SweepGrants(context.Background())
	if n := len(g.okta.Members(g.group.ID)); n != 0 || len(g.gn.revoked) != 1 {
		t.Errorf("after the sweep: %d members, revoked %v", n, g.gn.revoked)
	}
}

// A grant left giving by a bot that stopped before it saw Okta's answer
// can be ended early once no giving can still be under way
// (store.GivingLapse): its access, if Okta gave it, is removed now, not
// only at its end. Before that, End now says it is being given.
func TestGrantLeftGivingCanBeEndedEarly(t *testing.T) {
	g := newGrantRig(t)
	e := g.replica("a")
	now := g.clock.Now()
	g.okta.AddRole(g.bob.ID, oktatest.Role{Type: "HELP_DESK_ADMIN"}) // what Okta did before the bot stopped
	gr := store.Grant{ID: store.NewID(), Action: "assign-role", UserID: g.bob.ID, UserLabel: "bob@corp.com", Role: "HELP_DESK_ADMIN",
		RequesterID: "U0ALICE", Duration: 8 * time.Hour, CreatedAt: now, EndsAt: now.Add(8 * time.Hour)}
	if _, err := g.st.CreateGrant(context.Background(), gr); err != nil {
		t.Fatal(err)
	}
	g.clock.add(time.Minute)
	if _, ended, err := e.EndGrant(context.Background(), "U0ALICE", "C0GEN", g.one()); err != nil || ended != EndNotActive {
		t.Fatalf("End now of a grant being given: %v %v, want not active", ended, err)
	}
	if got := g.roles(g.bob.ID); len(got) != 1 {
		t.Fatalf("roles %v", got)
	}
	g.clock.add(store.GivingLapse)
	done, ended, err := e.EndGrant(context.Background(), "U0ALICE", "C0GEN", g.one())
	if err != nil || ended != EndedNow {
		t.Fatalf("End now of a grant left giving: %v %v, want ended now", ended, err)
	}
	if got := g.roles(g.bob.ID); len(got) != 0 {
		t.Errorf("roles after ending it: %v", got)
	}
	if done.Status != store.GrantRevoked || done.EndedBy != "U0ALICE" || done.Result != "removed HELP_DESK_ADMIN from bob@corp.com" {
		t.Errorf("grant %+v", done)
	}
}

// A redelivered refused /okta revoke is neither recorded nor answered
// again: the refusal's record claims the delivery.
func TestEndGrantRefusedOnceForARedelivery(t *testing.T) {
	g := newGrantRig(t)
	e := g.replica("a")
	outcome(t, must(g.ask(e, "U0ALICE", "assign-role bob@corp.com --role HELP_DESK_ADMIN --for 2h")))
	gr := g.one()
	var results []Ended
	for range 2 {
		ctx := WithDelivery(context.Background(), store.Delivery{Key: "envelope:revoke-1", Now: time.Now(), TTL: time.Hour}, zerolog.Nop())
		_, r, err := e.EndGrant(ctx, "U0BOB", "C0GEN", gr)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r)
	}
	if results[0] != EndRefused || results[1] != EndRedelivered {
		t.Errorf("a refused end and its redelivery: %v, want refused then redelivered", results)
	}
	if recs := g.events(EventRefused); len(recs) != 1 {
		t.Errorf("%d refusal records, want 1", len(recs))
	}
}

package requests

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/okta"
	"oktabot/okta/oktatest"
	"oktabot/store"
)

// glass is a rig whose engine runs against the Okta fake: bob may be
// suspended, root is a super admin.
type glass struct {
	*rig
	e         *Engine
	okta      *oktatest.Server
	bob, root oktatest.User
}

func newGlass(t *testing.T) *glass {
	t.Helper()
	r := newRig(t)
	o := oktatest.New(t)
	svc := o.AddUser(oktatest.User{Login: "oktabot.svc@corp.com", Email: "oktabot.svc@corp.com", FirstName: "Okta", LastName: "Bot"})
	o.SetMe(svc.ID)
	o.AddUser(oktatest.User{Login: "alice@corp.com", Email: "alice@corp.com", FirstName: "Alice", LastName: "Liddell"})
	bob := o.AddUser(oktatest.User{Login: "bob@corp.com", Email: "bob@corp.com", FirstName: "Bob", LastName: "Builder"})
	root := o.AddUser(oktatest.User{Login: "root@corp.com", Email: "root@corp.com", FirstName: "Root", LastName: "Admin"})
	o.AddRole(root.ID, oktatest.Role{Type: "SUPER_ADMIN"})
	dir, err := okta.New(context.Background(), okta.Config{OrgURL: o.URL, Token: actions.NewSecret(o.Token), CallTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	e := r.engine("a", 30*time.Second)
	e.Dir = dir
	e.People = people{"U0ALICE": "alice@corp.com", "U0SEC1": "sam@corp.com"}
	e.Runner = runAs{e}
	return &glass{rig: r, e: e, okta: o, bob: bob, root: root}
}

// request is requester's pending disable-user of target, made through the
// Engine at the clock's now.
func (g *glass) request(requester string, target oktatest.User) store.Approval {
	g.t.Helper()
	asked, ap, err := g.e.Request(context.Background(), Pending{Requester: requester, Channel: "C0GEN",
		Request: actions.Request{Action: actions.Default().Lookup("disable-user"), Targets: []string{target.Login}, Values: map[string]string{}, Reason: "INC-7"},
		Targets: []string{target.ID}, Labels: []string{target.Login}, Rule: g.e.Auth.Policy().RuleFor("disable-user")})
	if asked != AskedPending || err != nil {
		g.t.Fatalf("Request: %v %v", asked, err)
	}
	return ap
}

func (g *glass) stored(id string) store.Approval {
	g.t.Helper()
	ap, err := g.st.GetApproval(context.Background(), id)
	if err != nil {
		g.t.Fatal(err)
	}
	return ap
}

func (g *glass) eventList(id string) []string {
	recs := g.records(id)
	slices.Reverse(recs)
	var out []string
	for _, r := range recs {
		out = append(out, r.Event)
	}
	return out
}

// refusedWith checks a refusal and the words it says.
func refusedWith(t *testing.T, what string, d Decided, err error, words ...string) {
	t.Helper()
	if d != DecisionRefused || err == nil {
		t.Fatalf("%s = %v, %v; want refused", what, d, err)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: %q does not say %q", what, err, w)
		}
	}
}

// On-call's request nobody decided: the approvers are reminded once after
// remind_after, the requester is offered break glass once after its wait,
// and breaking glass runs it at once, exactly once, recorded.
func TestBreakGlassAfterTheWait(t *testing.T) {
	g := newGlass(t)
	ctx := context.Background()
	ap := g.request("U0ALICE", g.bob)
	if ap.RemindAt.Sub(ap.CreatedAt) != 10*time.Minute || ap.BreakGlassAt.Sub(ap.CreatedAt) != 15*time.Minute {
		t.Fatalf("waits %+v, want the rule's 10m and 15m", ap.Waits)
	}

	g.clock.add(9 * time.Minute)
	g.e.Sweep(ctx)
	if len(g.notes.reminded)+len(g.notes.offered) != 0 {
		t.Fatalf("reminded %v, offered %v before their time", g.notes.reminded, g.notes.offered)
	}
	g.clock.add(time.Minute)
	g.e.Sweep(ctx)
	g.e.Sweep(ctx)
	if !slices.Equal(g.notes.reminded, []string{ap.ID}) || len(g.notes.offered) != 0 {
		t.Fatalf("at 10m: reminded %v, offered %v; want reminded once", g.notes.reminded, g.notes.offered)
	}

	// Too early: refused, whatever the button says.
	d, _, err := g.e.BreakGlass(ctx, "U0ALICE", "D0ALICE", ap, "nobody answers")
	refusedWith(t, "break glass at 10m", d, err, "too early", "15m", "in 5m)")
	if got := g.stored(ap.ID); got.Status != store.StatusPending {
		t.Fatalf("a refused break glass left it %s", got.Status)
	}

	g.clock.add(5 * time.Minute)
	g.e.Sweep(ctx)
	g.e.Sweep(ctx)
	if !slices.Equal(g.notes.offered, []string{ap.ID}) || len(g.notes.reminded) != 1 {
		t.Fatalf("at 15m: reminded %v, offered %v; want offered once", g.notes.reminded, g.notes.offered)
	}
	if d, err := g.e.MayBreakGlass(ctx, "U0ALICE", "D0ALICE", ap); d != DecisionMade {
		t.Fatalf("MayBreakGlass at 15m = %v, %v", d, err)
	}
	d, broken, err := g.e.BreakGlass(ctx, "U0ALICE", "D0ALICE", ap, "  INC-7: security does not answer  ")
	if d != DecisionMade || err != nil {
		t.Fatalf("BreakGlass = %v, %v", d, err)
	}
	if !broken.BrokenGlass || broken.DecidedBy != "U0ALICE" || broken.BreakGlassReason != "INC-7: security does not answer" {
		t.Errorf("broken %+v", broken)
	}
	if u, _ := g.okta.User(g.bob.ID); u.Status != "SUSPENDED" {
		t.Errorf("bob is %s, want SUSPENDED", u.Status)
	}
	got := g.stored(ap.ID)
	if got.Status != store.StatusDone || !got.BrokenGlass || got.ReviewedBy != "" {
		t.Errorf("stored %s, broken %v, reviewed by %q; want done, broken, unreviewed", got.Status, got.BrokenGlass, got.ReviewedBy)
	}
	want := []string{"approval.requested", "approval.reminded", "approval.refused", "approval.break_glass_offered", "approval.break_glass", "outcome"}
	if ev := g.eventList(ap.ID); !slices.Equal(ev, want) {
		t.Errorf("records %q, want %q", ev, want)
	}
	if len(g.notes.broke) != 1 || len(g.notes.ran) != 1 {
		t.Errorf("told of the break glass %d times and of its result %d times, want once each", len(g.notes.broke), len(g.notes.ran))
	}

	// Once only.
	d, _, _ = g.e.BreakGlass(ctx, "U0ALICE", "D0ALICE", ap, "again")
	if d != DecisionAlreadyDecided {
		t.Errorf("a second break glass = %v", d)
	}
	if n := len(g.notes.ran); n != 1 {
		t.Errorf("ran %d times", n)
	}
}

func TestBreakGlassRefusals(t *testing.T) {
	g := newGlass(t)
	ctx := context.Background()
	before := g.okta.CallCount()

	// The security engineer is not in the break_glass roles: no offer,
	// and no break glass.
	sec := g.request("U0SEC1", g.bob)
	// An Okta admin target: not offered, and refused when used.
	admin := g.request("U0ALICE", g.root)
	g.clock.add(16 * time.Minute)
	g.e.Sweep(ctx)
	if len(g.notes.offered) != 0 {
		t.Errorf("offered %v, want neither (not in the roles; an Okta admin target)", g.notes.offered)
	}
	d, _, err := g.e.BreakGlass(ctx, "U0SEC1", "D0SEC1", sec, "why not")
	refusedWith(t, "break glass by someone outside the roles", d, err, "only members of oncall")
	d, _, err = g.e.BreakGlass(ctx, "U0ALICE", "D0ALICE", admin, "root is compromised")
	refusedWith(t, "break glass on an Okta admin", d, err, "root@corp.com holds Okta admin roles (SUPER_ADMIN)", "never applies to Okta admins")
	d, _, err = g.e.BreakGlass(ctx, "U0BOB", "D0BOB", admin, "not mine")
	refusedWith(t, "break glass by another", d, err, "only the person who asked")
	d, _, err = g.e.BreakGlass(ctx, "U0ALICE", "D0ALICE", admin, " ")
	refusedWith(t, "break glass without a reason", d, err, "say why")
	for _, ap := range []store.Approval{sec, admin} {
		if got := g.stored(ap.ID); got.Status != store.StatusPending {
			t.Errorf("%s is %s after refusals, want pending", ap.ID, got.Status)
		}
	}
	for _, c := range g.okta.Calls()[before:] {
		if c.Method != "GET" {
			t.Errorf("Okta received %s %s", c.Method, c.Path)
		}
	}

	// Once the request expired, nothing.
	g.clock.add(time.Hour)
	d, _, _ = g.e.BreakGlass(ctx, "U0ALICE", "D0ALICE", admin, "late")
	if d != DecisionExpired {
		t.Errorf("break glass after the expiry = %v", d)
	}

	// A rule without break_glass never breaks glass, even with a stored
	// time (the policy changed since).
	g.members.set("S0ONCALL", "U0BOB")
	ap := store.Approval{ID: store.NewID(), Action: "assign-role", Targets: []string{g.bob.ID}, RequesterID: "U0ALICE", RequesterChannel: "C0GEN",
		ApproverRoles: []string{"security"}, ApprovalChannel: "C0APPROVALS", CreatedAt: g.clock.Now().Add(-time.Hour), ExpiresAt: g.clock.Now().Add(time.Hour),
		Waits: store.Waits{BreakGlassAt: g.clock.Now().Add(-time.Minute)}}
	if err := g.st.CreateApproval(ctx, ap); err != nil {
		t.Fatal(err)
	}
	ap.Status = store.StatusPending
	d, _, err = g.e.BreakGlass(ctx, "U0ALICE", "D0ALICE", ap, "INC")
	refusedWith(t, "break glass on role assignment", d, err, "never applies to role assignment")
}

// An approver reviews a break-glass run once; its requester cannot; until
// then, approvers are reminded daily.
func TestBreakGlassReview(t *testing.T) {
	g := newGlass(t)
	ctx := context.Background()
	ap := g.request("U0ALICE", g.bob)
	g.clock.add(15 * time.Minute)
	if d, _, err := g.e.BreakGlass(ctx, "U0ALICE", "D0ALICE", ap, "INC-7"); d != DecisionMade {
		t.Fatalf("BreakGlass = %v, %v", d, err)
	}
	ap = g.stored(ap.ID)

	g.clock.add(ReviewEvery - time.Minute)
	g.e.Sweep(ctx)
	if len(g.notes.unreviewed) != 0 {
		t.Errorf("reminded of the review within the day: %v", g.notes.unreviewed)
	}
	g.clock.add(time.Minute)
	g.e.Sweep(ctx)
	g.e.Sweep(ctx)
	if len(g.notes.unreviewed) != 1 || !slices.Equal(g.notes.unreviewed[0], []string{ap.ID}) {
		t.Errorf("daily reminders %v, want one of %s", g.notes.unreviewed, ap.ID)
	}

	if d, _, _ := g.e.Review(ctx, "U0ALICE", "C0APPROVALS", ap); d != DecisionOwnRequest {
		t.Errorf("the requester reviewing = %v, want refused as their own", d)
	}
	if d, _, _ := g.e.Review(ctx, "U0BOB", "C0APPROVALS", ap); d != DecisionNotApprover {
		t.Errorf("on-call reviewing = %v, want not an approver", d)
	}
	d, reviewed, err := g.e.Review(ctx, "U0SEC1", "C0APPROVALS", ap)
	if d != DecisionMade || reviewed.ReviewedBy != "U0SEC1" || !reviewed.ReviewedAt.Equal(g.clock.Now()) {
		t.Fatalf("Review = %v, %+v, %v", d, reviewed.Waits, err)
	}
	if d, again, _ := g.e.Review(ctx, "U0SEC2", "C0APPROVALS", ap); d != DecisionAlreadyDecided || again.ReviewedBy != "U0SEC1" {
		t.Errorf("a second review = %v by %s", d, again.ReviewedBy)
	}
	if !slices.Equal(g.notes.reviewed, []string{"U0SEC1"}) {
		t.Errorf("told of reviews %v", g.notes.reviewed)
	}
	ev := g.eventList(ap.ID)
	if n := strings.Count(strings.Join(ev, " "), "approval.reviewed"); n != 1 || ev[len(ev)-1] != "approval.reviewed" {
		t.Errorf("records %q, want one review last", ev)
	}

	g.clock.add(2 * ReviewEvery)
	g.e.Sweep(ctx)
	if len(g.notes.unreviewed) != 1 {
		t.Errorf("reminded of a reviewed run: %v", g.notes.unreviewed)
	}
	other := g.request("U0ALICE", g.bob) // not a break glass: nothing to review
	if d, _, err := g.e.Review(ctx, "U0SEC1", "C0APPROVALS", other); d != DecisionRefused || err == nil {
		t.Errorf("review of a pending request = %v, %v", d, err)
	}
}

// Broken glass a stopped replica left unrun is recovered as breaking glass
// would be now: run while its requester may still break glass, closed
// once they may not.
func TestBrokenGlassLeftBehind(t *testing.T) {
	for _, c := range []struct {
		name     string
		leave    func(g *glass)
		status   store.Status
		closures []ClosureKind
	}{
		{"still allowed", func(*glass) {}, store.StatusDone, nil},
		{"left the break_glass roles", func(g *glass) {
			p := strings.Replace(testPolicy, "members: [U0ALICE, S0ONCALL]", "members: [S0ONCALL]", 1)
			g.setPolicy(p)
		}, store.StatusFailed, []ClosureKind{ClosedBreakGlassRefused}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newGlass(t)
			ctx := context.Background()
			ap := g.request("U0ALICE", g.bob)
			g.clock.add(15 * time.Minute)
			// Broken, as a replica that stopped before running it left it.
			if _, err := g.st.BreakGlass(ctx, ap.ID, "U0ALICE", "INC-7", g.clock.Now()); err != nil {
				t.Fatal(err)
			}
			c.leave(g)
			g.e.Sweep(ctx)
			if got := g.stored(ap.ID); got.Status != c.status {
				t.Errorf("recovered to %s, want %s", got.Status, c.status)
			}
			var kinds []ClosureKind
			for _, cl := range g.notes.closed {
				kinds = append(kinds, cl.Kind)
			}
			if !slices.Equal(kinds, c.closures) {
				t.Errorf("closures %v, want %v", kinds, c.closures)
			}
		})
	}
}

// setPolicy puts a new policy in force, as a reload does.
func (g *glass) setPolicy(src string) {
	g.t.Helper()
	p, err := auth.Parse("policy.yml", []byte(src), auth.Names{Actions: actions.Default().Names(), RoleTypes: actions.RoleTypes})
	if err != nil {
		g.t.Fatal(err)
	}
	g.az.(*auth.Authorizer).SetPolicy(p)
}

package requests

import (
	"context"
	"strings"
	"testing"
	"time"

	"oktabot/actions"
	"oktabot/okta"
	"oktabot/okta/oktatest"
	"oktabot/store"
)

// people is Slack as the lifecycle sees it: profile emails by user id;
// targets other than "<@U…>" pass through.
type people map[string]string

func (p people) Whois(ctx context.Context, user string) Target {
	if e, ok := p[user]; ok {
		return Target{Label: "<@" + user + ">", Value: e}
	}
	return Target{Label: "<@" + user + ">", Err: actions.Errorf(actions.KindNotFound, "no such Slack user")}
}

func (p people) Resolve(ctx context.Context, a *actions.Action, typed []string) Targets {
	out := make(Targets, len(typed))
	for i, t := range typed {
		out[i] = Target{Label: t, Value: t}
		if strings.HasPrefix(t, "<@") {
			out[i] = p.Whois(ctx, strings.Trim(t, "<@>"))
		}
	}
	return out
}

// An approved request runs against Okta as its requester, through the
// Engine alone: its guards (an Okta admin, the requester's own account)
// hold, its outcomes are recorded per target, and Okta receives exactly
// the writes it should.
func TestApprovedWorkAgainstTheOktaFake(t *testing.T) {
	r := newRig(t)
	o := oktatest.New(t)
	svc := o.AddUser(oktatest.User{Login: "oktabot.svc@corp.com", Email: "oktabot.svc@corp.com", FirstName: "Okta", LastName: "Bot"})
	o.SetMe(svc.ID)
	alice := o.AddUser(oktatest.User{Login: "alice@corp.com", Email: "alice@corp.com", FirstName: "Alice", LastName: "Liddell"})
	bob := o.AddUser(oktatest.User{Login: "bob@corp.com", Email: "bob@corp.com", FirstName: "Bob", LastName: "Builder"})
	root := o.AddUser(oktatest.User{Login: "root@corp.com", Email: "root@corp.com", FirstName: "Root", LastName: "Admin"})
	o.AddRole(root.ID, oktatest.Role{Type: "SUPER_ADMIN"})
	dir, err := okta.New(context.Background(), okta.Config{OrgURL: o.URL, Token: actions.NewSecret(o.Token), CallTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	e := r.engine("a", 30*time.Second)
	e.Dir = dir
	e.People = people{"U0ALICE": "alice@corp.com"}
	e.Runner = runAs{e}

	// alice (oncall: no admin_targets) asked to suspend bob, herself and root.
	ctx := context.Background()
	now := r.clock.Now()
	ap := store.Approval{ID: store.NewID(), Action: "disable-user", Targets: []string{bob.ID, alice.ID, root.ID}, RequesterID: "U0ALICE", RequesterChannel: "C0GEN",
		ApproverRoles: []string{"security"}, ApprovalChannel: "C0APPROVALS", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := r.st.CreateApproval(ctx, ap); err != nil {
		t.Fatal(err)
	}
	if d, _, err := e.Approve(ctx, "U0SEC1", "C0APPROVALS", ap); d != DecisionMade {
		t.Fatalf("Approve = %v, %v", d, err)
	}
	for id, want := range map[string]string{bob.ID: "SUSPENDED", alice.ID: "ACTIVE", root.ID: "ACTIVE"} {
		if u, _ := o.User(id); u.Status != want {
			t.Errorf("%s is %s in Okta, want %s", u.Login, u.Status, want)
		}
	}
	outcomes := map[string]string{}
	for _, rec := range r.records(ap.ID) {
		if rec.Event == string(EventOutcome) {
			outcomes[rec.Target] = rec.Outcome + " " + rec.Detail
		}
	}
	if !strings.HasPrefix(outcomes[bob.ID], "changed") || !strings.Contains(outcomes[alice.ID], "your own Okta account") || !strings.Contains(outcomes[root.ID], "holds Okta admin roles") {
		t.Errorf("outcomes %v", outcomes)
	}
	if len(r.notes.ran) != 1 {
		t.Errorf("the requester was told %d times", len(r.notes.ran))
	}
}

// runAs is the Runner the Slack edge uses, without Slack.
type runAs struct{ e *Engine }

func (r runAs) Run(ctx context.Context, ap store.Approval, pw actions.Secret) Performed {
	return r.e.RunAs(ctx, ap, pw)
}

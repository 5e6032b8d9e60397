package handlers

import (
	"strings"
	"testing"
	"time"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/requests"
	"oktabot/store"
)

// The result of an approved request names its targets by their labels;
// the audit's outcomes (the performed result itself) keep the Okta ids.
func TestLabelledKeepsTheAuditsIds(t *testing.T) {
	a := store.Approval{Targets: []string{"00u1bob", "00u1carol"}, TargetLabels: []string{"Bob Builder <bob@corp.com>", "carol.danvers@corp.com"}}
	p := performed{Res: actions.Result{Outcomes: []actions.Outcome{
		{Target: "00u1bob", Done: "suspended", Changed: true},
		{Target: "00u1carol", Err: actions.Errorf(actions.KindForbidden, "no")},
	}}}
	got := labelled(a, p)
	if got.Res.Outcomes[0].Target != "Bob Builder <bob@corp.com>" || got.Res.Outcomes[1].Target != "carol.danvers@corp.com" {
		t.Errorf("labelled outcomes = %+v", got.Res.Outcomes)
	}
	if p.Res.Outcomes[0].Target != "00u1bob" || p.Res.Outcomes[1].Target != "00u1carol" {
		t.Errorf("labelling changed the audited outcomes: %+v", p.Res.Outcomes)
	}
	a.TargetLabels = nil
	if got := labelled(a, p); got.Res.Outcomes[0].Target != "00u1bob" {
		t.Errorf("a request without labels was relabelled: %+v", got.Res.Outcomes)
	}
}

func TestUserLabel(t *testing.T) {
	for _, c := range []struct {
		u    actions.User
		want string
	}{
		{actions.User{ID: "00u1", Login: "carol.danvers@corp.com", FirstName: "Carol", LastName: "Danvers"}, "Carol Danvers <carol.danvers@corp.com>"},
		{actions.User{ID: "00u1", Login: "carol@corp.com", DisplayName: "Captain Marvel"}, "Captain Marvel <carol@corp.com>"},
		{actions.User{ID: "00u1", Login: "svc@corp.com"}, "svc@corp.com"},
		{actions.User{ID: "00u1"}, "00u1"},
	} {
		if got := requests.UserLabel(c.u); got != c.want {
			t.Errorf("requests.UserLabel(%+v) = %q, want %q", c.u, got, c.want)
		}
	}
}

func TestValidApprovalID(t *testing.T) {
	if !validApprovalID(store.NewID()) {
		t.Error("a fresh id is not valid")
	}
	for _, s := range []string{"", strings.Repeat("A", 65), `{"action":"x"}`, "ABC DEF", "ABC\n"} {
		if validApprovalID(s) {
			t.Errorf("validApprovalID(%q) = true", s)
		}
	}
}

func TestSweepInterval(t *testing.T) {
	policy := func(expire string) Authorizer {
		p, err := auth.Parse("p.yml", []byte(`roles:
  r:
    members: [U0ALICE01]
    actions: ["*"]
    assignable_roles: ["*"]
approvals:
  - actions: [disable-user]
    approvers: [r]
    channel: C0APPROVALS
    expire_after: `+expire+"\n"), auth.Names{Actions: actions.Default().Names(), RoleTypes: actions.RoleTypes})
		if err != nil {
			t.Fatal(err)
		}
		return auth.New(p, nil)
	}
	for expire, want := range map[string]time.Duration{"1h": maxSweepInterval, "1m": 6 * time.Second, "1s": minSweepInterval} {
		if got := sweepInterval(policy(expire)); got != want {
			t.Errorf("sweepInterval(expire_after %s) = %v, want %v", expire, got, want)
		}
	}
	// A reloaded policy's shorter expire_after is followed.
	az := policy("1h").(*auth.Authorizer)
	b := New(Config{Auth: az, Registry: actions.Default()})
	if got := b.sweepEvery(); got != maxSweepInterval {
		t.Fatalf("sweepEvery = %v", got)
	}
	az.SetPolicy(policy("1m").Policy())
	if got := b.sweepEvery(); got != 6*time.Second {
		t.Errorf("after a reload to expire_after 1m, sweepEvery = %v, want 6s", got)
	}
}

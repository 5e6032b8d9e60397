package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const breakGlassRoles = `roles:
  oncall: {members: [U01, S0ONCALL], actions: [disable-user, assign-role], assignable_roles: [HELP_DESK_ADMIN]}
  security: {members: [U02], actions: ["*"], assignable_roles: ["*"]}
approvals:
`

func TestParseBreakGlassAndRemindAfter(t *testing.T) {
	src := breakGlassRoles + `  - actions: [disable-user]
    approvers: [security]
    channel: C0APPROVALS
    remind_after: 10m
    break_glass: {after: 15m, roles: [oncall]}
  - actions: [assign-role, unassign-role]
    approvers: [security]
    channel: C0APPROVALS
    remind_after: 30m
`
	p, err := Parse("p.yml", []byte(src), known)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := []ApprovalRule{
		{Actions: []string{"disable-user"}, Approvers: []string{"security"}, Channel: "C0APPROVALS", ExpireAfter: DefaultExpireAfter,
			RemindAfter: 10 * time.Minute, BreakGlass: &BreakGlass{After: 15 * time.Minute, Roles: []string{"oncall"}, Line: 9}, Line: 5},
		{Actions: []string{"assign-role", "unassign-role"}, Approvers: []string{"security"}, Channel: "C0APPROVALS", ExpireAfter: DefaultExpireAfter,
			RemindAfter: 30 * time.Minute, Line: 10},
	}
	if diff := cmp.Diff(want, p.Rules()); diff != "" {
		t.Errorf("Rules() (-want +got):\n%s", diff)
	}
	if bg := p.BreakGlassFor("disable-user"); bg == nil || bg.After != 15*time.Minute {
		t.Errorf("BreakGlassFor(disable-user) = %+v", bg)
	}
	for _, a := range []string{"assign-role", "unassign-role", "get-user", "no-such-action"} {
		if bg := p.BreakGlassFor(a); bg != nil {
			t.Errorf("BreakGlassFor(%s) = %+v, want nil", a, bg)
		}
	}
	// A copy: a caller cannot change the policy.
	p.RuleFor("disable-user").BreakGlass.Roles[0] = "security"
	if diff := cmp.Diff(want, p.Rules()); diff != "" {
		t.Errorf("Rules() changed by a caller (-want +got):\n%s", diff)
	}
}

func TestParseBreakGlassErrors(t *testing.T) {
	for _, c := range []struct {
		name, rule string
		want       []string
	}{
		{"role assignment", `  - {actions: [disable-user, assign-role], approvers: [security], channel: C01, break_glass: {after: 15m, roles: [oncall]}}
`, []string{`p.yml:5: approval rule 1: break_glass never applies to role assignment (assign-role): every Okta role is an admin role; give assign-role an approval rule of its own, without break_glass`}},
		{"every action", `  - {actions: ["*"], approvers: [security], channel: C01, break_glass: {after: 15m, roles: [oncall]}}
`, []string{`p.yml:5: approval rule 1: break_glass never applies to role assignment (assign-role, unassign-role): every Okta role is an admin role; give assign-role and unassign-role an approval rule of its own, without break_glass`}},
		{"not before expiry", `  - {actions: [disable-user], approvers: [security], channel: C01, expire_after: 30m, remind_after: 30m, break_glass: {after: 2h, roles: [oncall]}}
`, []string{
			`p.yml:5: approval rule 1: remind_after 30m0s is not before the rule's expire_after (30m0s): the request would expire first`,
			`p.yml:5: approval rule 1: break_glass: after 2h0m0s is not before the rule's expire_after (30m0s): the request would expire first`,
		}},
		{"incomplete", `  - actions: [disable-user]
    approvers: [security]
    channel: C01
    break_glass: {roles: [nobody]}
`, []string{
			`p.yml:8: approval rule 1: break_glass has no after: say how long a request waits before its requester may break glass, e.g. after: 15m`,
			`p.yml:8: approval rule 1: break_glass: role "nobody" is not a role of this policy`,
		}},
		{"no roles", `  - {actions: [disable-user], approvers: [security], channel: C01, break_glass: {after: 15m}}
`, []string{`p.yml:5: approval rule 1: break_glass has no roles: list the roles whose members may break glass on their own requests`}},
		{"not a mapping", `  - {actions: [disable-user], approvers: [security], channel: C01, break_glass: 15m, remind_after: soon}
`, []string{
			`p.yml:5: approval rule 1: remind_after "soon" is not a duration such as 1h or 30m (a unit is required)`,
			`p.yml:5: approval rule 1: break_glass must be a mapping with after and roles, e.g. {after: 15m, roles: [oncall]}`,
		}},
		{"unknown key", `  - {actions: [disable-user], approvers: [security], channel: C01, break_glass: {after: 15m, roles: [oncall], for: 1h}}
`, []string{`p.yml:5: approval rule 1: break_glass: unknown key "for" (want after, roles)`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("p.yml", []byte(breakGlassRoles+c.rule), known)
			var got []string
			for _, e := range problems(t, err) {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInRoles(t *testing.T) {
	p, err := Parse("p.yml", []byte(breakGlassRoles+"  - {actions: [disable-user], approvers: [security], channel: C01}\n"), known)
	if err != nil {
		t.Fatal(err)
	}
	m := newFakeMembers()
	m.groups = map[string][]string{"S0ONCALL": {"U03"}}
	a := New(p, m)
	ctx := context.Background()
	for _, c := range []struct {
		user  string
		roles []string
		want  bool
	}{
		{"U01", []string{"oncall"}, true},
		{"U03", []string{"oncall"}, true}, // through the user group
		{"U02", []string{"oncall"}, false},
		{"U02", []string{"oncall", "security"}, true},
		{"U01", []string{"nosuchrole"}, false},
		{"", []string{"oncall"}, false},
	} {
		if got, err := a.InRoles(Fresh(ctx), c.user, c.roles); got != c.want || err != nil {
			t.Errorf("InRoles(%s, %v) = %v, %v; want %v", c.user, c.roles, got, err, c.want)
		}
	}
	// A failed lookup is a false with the error.
	m.setFail("S0ONCALL", errors.New("ratelimited"))
	a = New(p, m)
	if got, err := a.InRoles(ctx, "U03", []string{"oncall"}); got || err == nil {
		t.Errorf("InRoles with a failing lookup = %v, %v; want false and an error", got, err)
	}
}

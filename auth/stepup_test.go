package auth

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStepUpAndPeople(t *testing.T) {
	src := `roles:
  security: {members: [U0SAM, U0SUE], actions: ["*"], assignable_roles: ["*"]}
approvals:
  - actions: [disable-user]
    approvers: [security]
    channel: C0APPROVALS
    step_up: push
  - actions: [reset-password]
    approvers: [security]
    channel: C0APPROVALS
people:
  U0SAM: samuel.admin@corp.com
  W0SUE: sue@corp.com
`
	p, err := Parse("p.yml", []byte(src), known)
	if err != nil {
		t.Fatal(err)
	}
	if !p.RuleFor("disable-user").NeedsStepUp() || p.RuleFor("reset-password").NeedsStepUp() || p.RuleFor("get-user").NeedsStepUp() {
		t.Errorf("step_up: disable-user %+v, reset-password %+v", p.RuleFor("disable-user"), p.RuleFor("reset-password"))
	}
	if l, ok := p.OktaLogin("U0SAM"); !ok || l != "samuel.admin@corp.com" {
		t.Errorf("OktaLogin(U0SAM) = %q, %v", l, ok)
	}
	if _, ok := p.OktaLogin("U0NOBODY"); ok {
		t.Errorf("a user the map does not name has a login")
	}
	if diff := cmp.Diff([]string{"U0SAM: samuel.admin@corp.com", "W0SUE: sue@corp.com"}, p.People()); diff != "" {
		t.Errorf("People (-want +got):\n%s", diff)
	}
}

func TestStepUpAndPeopleErrors(t *testing.T) {
	const roles = "roles:\n  security: {members: [U0SAM], actions: [\"*\"], assignable_roles: [\"*\"]}\n"
	for _, tt := range []struct {
		name, src string
		want      []string
	}{
		{"step_up", "approvals:\n  - actions: [disable-user]\n    approvers: [security]\n    channel: C0APPROVALS\n    step_up: sms\n",
			[]string{`p.yml:7: approval rule 1: step_up "sms" is not known; the one step-up is "push" (the clicker approves an Okta Verify push with number matching)`}},
		{"people not a map", "people: [U0SAM]\n", []string{`p.yml:3: people must be a mapping of Slack user id (U…/W…) to Okta login`}},
		{"people key", "people:\n  sam: sam@corp.com\n", []string{`p.yml:4: people: "sam" is not a Slack user id (U…/W…); the map is Slack user id: Okta login`}},
		{"people login", "people:\n  U0SAM: \"sam and sue\"\n", []string{`p.yml:4: people: U0SAM: "sam and sue" is not an Okta login; give the login exactly (alice@corp.com)`}},
		{"one login, two people", "people:\n  U0SAM: sam@corp.com\n  U0SUE: SAM@corp.com\n", []string{`p.yml:5: people: U0SUE: Okta login "SAM@corp.com" is already U0SAM's (line 4); one Okta account is one person`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("p.yml", []byte(roles+tt.src), known)
			var got []string
			for _, e := range problems(t, err) {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const verifyRoles = "roles:\n  helpdesk: {members: [U01], actions: [reset-password, reset-factors, unlock-user]}\n"

func TestVerifyFor(t *testing.T) {
	src := verifyRoles + `verify:
  - actions: [reset-password, unlock-user]
    method: push
  - actions: [reset-factors]
    timeout: 90s
    fallback: approval
`
	p, err := Parse("p.yml", []byte(src), known)
	if err != nil {
		t.Fatal(err)
	}
	got := p.VerifyFor("reset-password")
	if got == nil || got.Method != VerifyPush || got.Timeout != DefaultVerifyTimeout || got.Fallback != "" || got.Line != 4 {
		t.Errorf("VerifyFor(reset-password) = %+v, want push, %v, no fallback, line 4", got, DefaultVerifyTimeout)
	}
	rf := p.VerifyFor("reset-factors")
	if rf == nil || rf.Timeout != 90*time.Second || !rf.FallsBackToApproval("reset-factors") {
		t.Errorf("VerifyFor(reset-factors) = %+v, want 90s with fallback approval", rf)
	}
	if p.VerifyFor("get-user") != nil || p.VerifyFor("nonsense") != nil {
		t.Errorf("an action in no verify rule is covered")
	}
	got.Actions[0] = "changed"
	if p.VerifyFor("reset-password") == nil || p.VerifyRules()[0].Actions[0] != "reset-password" {
		t.Errorf("VerifyFor returned the policy's own rule, not a copy")
	}
}

func TestVerifyErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"not a list", "verify: {actions: [reset-password]}\n", []string{`policy.yml:3: verify must be a list of rules, each with actions and method`}},
		{"unknown action", "verify:\n  - actions: [reset-pasword]\n", []string{`policy.yml:4: verify rule 1: unknown action "reset-pasword" (did you mean "reset-password"?)`}},
		{"no actions", "verify:\n  - method: push\n", []string{`policy.yml:4: verify rule 1 has no actions`}},
		{"wildcard", "verify:\n  - actions: [\"*\"]\n", []string{`policy.yml:4: verify rule 1: "*" is not allowed here; list the actions whose targets must prove who they are`}},
		{"method", "verify:\n  - actions: [reset-password]\n    method: sms\n", []string{`policy.yml:5: verify rule 1: method "sms" is not known; the one method is "push" (an Okta Verify push with number matching)`}},
		{"timeout without unit", "verify:\n  - actions: [reset-password]\n    timeout: 120\n", []string{`policy.yml:5: verify rule 1: timeout "120" is not a duration such as 2m or 90s (a unit is required)`}},
		{"timeout too long", "verify:\n  - actions: [reset-password]\n    timeout: 10m\n", []string{`policy.yml:5: verify rule 1: timeout "10m" is longer than 5m0s, after which Okta expires a push`}},
		{"fallback", "verify:\n  - actions: [reset-factors]\n    fallback: skip\n", []string{`policy.yml:5: verify rule 1: fallback "skip" is not known; the one fallback is "approval"`}},
		{"fallback for another action", "verify:\n  - actions: [reset-factors, reset-password]\n    fallback: approval\n", []string{`policy.yml:5: verify rule 1: fallback: approval is for reset-factors only (its targets have usually lost their device), and this rule also lists "reset-password"; give reset-factors a rule of its own`}},
		{"twice", "verify:\n  - actions: [reset-password]\n  - actions: [unlock-user, reset-password]\n", []string{`policy.yml:5: verify rule 2: action "reset-password" is already in verify rule 1 (line 4); an action may be in one verify rule only`}},
		{"unknown key", "verify:\n  - actions: [reset-password]\n    approvers: [helpdesk]\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("policy.yml", []byte(verifyRoles+tt.src), known)
			if err == nil {
				t.Fatalf("Parse succeeded, want %q", tt.want)
			}
			if tt.want == nil {
				if !strings.Contains(err.Error(), "approvers") {
					t.Errorf("err = %v, want it to name the unknown key", err)
				}
				return
			}
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

// A fallback with no approval rule to go through is valid, but cannot
// work: `policy check` warns of it.
func TestFallbackWithoutApprovalRuleWarns(t *testing.T) {
	src := verifyRoles + `verify:
  - actions: [reset-factors]
    fallback: approval
`
	p, err := Parse("p.yml", []byte(src), known)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"p.yml:4: fallback: approval cannot work: no approval rule covers reset-factors, so its targets without a usable Okta Verify push factor (or with --device-lost) are refused; add reset-factors to an approval rule"}
	if diff := cmp.Diff(want, p.Warnings()); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	p, err = Parse("p.yml", []byte(src+"approvals:\n  - actions: [reset-factors]\n    approvers: [helpdesk]\n    channel: C0APPROVALS\n"), known)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range p.Warnings() {
		if strings.Contains(w, "fallback") {
			t.Errorf("warned with an approval rule for reset-factors: %s", w)
		}
	}
}

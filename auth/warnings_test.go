package auth

import (
	"strings"
	"testing"
)

func TestWarningsNameARuleNobodyCanApprove(t *testing.T) {
	known := []string{"ping", "get-user", "disable-user", "reset-password"}
	for _, c := range []struct {
		name, policy string
		want         []string // substrings of the one warning; nil: no warning
	}{
		{"sole approver requests too", `roles:
  security:
    members: [U0SEC]
    actions: ["*"]
approvals:
  - actions: [disable-user, reset-password]
    approvers: [security]
    channel: C0APPROVALS
`, []string{"policy.yml:6:", "U0SEC's requests for disable-user, reset-password can never be approved", "add another approver"}},
		{"sole approver through another role", `roles:
  oncall:
    members: [U0SEC, U0ALICE]
    actions: [disable-user]
  security:
    members: [U0SEC]
    actions: [get-user]
approvals:
  - actions: ["*"]
    approvers: [security]
    channel: C0APPROVALS
`, []string{"policy.yml:9:", "U0SEC's requests for disable-user, get-user can"}},
		{"two approvers", `roles:
  security:
    members: [U0SEC, U0SEC2]
    actions: ["*"]
approvals:
  - actions: [disable-user]
    approvers: [security]
    channel: C0APPROVALS
`, nil},
		{"approvers by user group", `roles:
  security:
    members: [U0SEC, S0SECURITY]
    actions: ["*"]
approvals:
  - actions: [disable-user]
    approvers: [security]
    channel: C0APPROVALS
`, nil},
		{"sole approver does not request", `roles:
  oncall:
    members: [U0ALICE, U0BOB]
    actions: [disable-user]
  security:
    members: [U0SEC]
    actions: [get-user]
approvals:
  - actions: [disable-user]
    approvers: [security]
    channel: C0APPROVALS
`, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse("policy.yml", []byte(c.policy), Names{Actions: known})
			if err != nil {
				t.Fatal(err)
			}
			got := p.Warnings()
			if c.want == nil {
				if len(got) != 0 {
					t.Errorf("warnings %q, want none", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("warnings %q, want one", got)
			}
			for _, w := range c.want {
				if !strings.Contains(got[0], w) {
					t.Errorf("warning %q lacks %q", got[0], w)
				}
			}
		})
	}
}

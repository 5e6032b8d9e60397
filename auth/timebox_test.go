package auth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const timeboxPolicy = `roles:
  oncall:
    members: [U0ONCALL]
    actions: [add-to-group, get-user]
    max_duration: 4h
    require_duration: true
  desk:
    members: [U0DESK, U0BOTH]
    actions: [assign-role, add-to-group]
    assignable_roles: [HELP_DESK_ADMIN]
    max_duration: 8h
  lead:
    members: [U0LEAD, U0BOTH]
    actions: [add-to-group]
  security:
    members: [U0SEC]
    actions: ["*"]
    assignable_roles: ["*"]
    admin_targets: true
approvals:
  - actions: [assign-role]
    approvers: [security]
    channel: C0APPROVALS
    max_duration: 2h
    require_duration: true
  - actions: [get-user]
    approvers: [security]
    channel: C0APPROVALS
`

func TestDecideTimebox(t *testing.T) {
	a := New(mustParse(t, timeboxPolicy), nil)
	tests := []struct {
		caller, action string
		want           Timebox
	}{
		// One role: its own bounds.
		{"U0ONCALL", "add-to-group", Timebox{Max: 4 * time.Hour, MaxFrom: `role "oncall"`, Required: true, RequiredBy: `role "oncall"`}},
		{"U0DESK", "add-to-group", Timebox{Max: 8 * time.Hour, MaxFrom: `role "desk"`}},
		// Several roles: the most generous; a role without max_duration
		// has no bound of its own.
		{"U0BOTH", "add-to-group", Timebox{Max: MaxGrantDuration}},
		{"U0LEAD", "add-to-group", Timebox{Max: MaxGrantDuration}},
		// The approval rule bounds everyone, and may require a duration.
		{"U0DESK", "assign-role", Timebox{Max: 2 * time.Hour, MaxFrom: "the approval rule on line 21", Required: true, RequiredBy: "the approval rule on line 21"}},
		{"U0SEC", "assign-role", Timebox{Max: 2 * time.Hour, MaxFrom: "the approval rule on line 21", Required: true, RequiredBy: "the approval rule on line 21"}},
		// Not a time-boxed action, or not allowed: nothing.
		{"U0ONCALL", "get-user", Timebox{}},
		{"U0NOBODY", "add-to-group", Timebox{}},
	}
	for _, tt := range tests {
		d, err := a.Decide(context.Background(), tt.caller, tt.action, "C01")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, d.Timebox); diff != "" {
			t.Errorf("%s %s: Timebox (-want +got):\n%s", tt.caller, tt.action, diff)
		}
	}
}

// grants and revoke never wait for approval: "*" does not cover them, and
// a rule may not name them.
func TestGrantsAndRevokeNeverWaitForApproval(t *testing.T) {
	a := New(mustParse(t, timeboxPolicy), nil)
	for _, action := range []string{"grants", "revoke"} {
		d, err := a.Decide(context.Background(), "U0SEC", action, "C01")
		if err != nil || d.Verdict != Allow || d.Rule != nil {
			t.Errorf("Decide(%s) = %v %+v, want Allow without a rule", action, err, d)
		}
	}
	p := mustParse(t, "roles:\n  r: {members: [U01], actions: [\"*\"], assignable_roles: [\"*\"]}\napprovals:\n  - {actions: [\"*\"], approvers: [r], channel: C01}\n")
	for action, want := range map[string]bool{"ping": true, "grants": false, "revoke": false} {
		if got := p.RuleFor(action) != nil; got != want {
			t.Errorf(`"*" covers %s: %v, want %v`, action, got, want)
		}
	}
}

func TestTimeboxErrors(t *testing.T) {
	roles := "roles:\n  r: {members: [U01], actions: [assign-role, add-to-group, get-user, grants, revoke], assignable_roles: [HELP_DESK_ADMIN]}\n"
	tests := []struct {
		name, src string
		want      []string
	}{
		{"role max not a duration", "roles:\n  r: {members: [U01], actions: [add-to-group], max_duration: 4}\n",
			[]string{`policy.yml:2: role "r": max_duration must be a duration such as 4h or 7d, not "4"`}},
		{"role max without unit", "roles:\n  r: {members: [U01], actions: [add-to-group], max_duration: \"4\"}\n",
			[]string{`policy.yml:2: role "r": max_duration "4" is not a duration such as 30m, 2h or 7d (a unit is required)`}},
		{"role max too short", "roles:\n  r: {members: [U01], actions: [add-to-group], max_duration: 1m}\n",
			[]string{`policy.yml:2: role "r": max_duration "1m" is shorter than the minimum of 5m`}},
		{"role max too long", "roles:\n  r: {members: [U01], actions: [add-to-group], max_duration: 31d}\n",
			[]string{`policy.yml:2: role "r": max_duration "31d" is longer than the maximum of 30d`}},
		{"role require not a bool", "roles:\n  r: {members: [U01], actions: [add-to-group], require_duration: yes please}\n",
			[]string{`policy.yml:2: role "r": require_duration must be true or false`}},
		{"role without a time-boxed action", "roles:\n  r:\n    members: [U01]\n    actions: [get-user]\n    max_duration: 1h\n    require_duration: true\n",
			[]string{
				`policy.yml:5: role "r": max_duration applies only to assign-role and add-to-group (--for), which it does not cover`,
				`policy.yml:6: role "r": require_duration applies only to assign-role and add-to-group (--for), which it does not cover`,
			}},
		{"rule without a time-boxed action", roles + "approvals:\n  - actions: [get-user]\n    approvers: [r]\n    channel: C01\n    max_duration: 2h\n",
			[]string{`policy.yml:7: approval rule 1: max_duration applies only to assign-role and add-to-group (--for), which it does not cover`}},
		{"rule max too long", roles + "approvals:\n  - actions: [add-to-group]\n    approvers: [r]\n    channel: C01\n    max_duration: 1000h\n",
			[]string{`policy.yml:7: approval rule 1: max_duration "1000h" is longer than the maximum of 30d`}},
		{"rule names revoke", roles + "approvals:\n  - actions: [revoke, grants, get-user]\n    approvers: [r]\n    channel: C01\n",
			[]string{
				`policy.yml:4: approval rule 1: revoke never waits for approval (it only lists, or only takes away, access oktabot gave); leave it out of approval rules`,
				`policy.yml:4: approval rule 1: grants never waits for approval (it only lists, or only takes away, access oktabot gave); leave it out of approval rules`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("policy.yml", []byte(tt.src), known)
			if err == nil {
				t.Fatalf("Parse succeeded, want %q", tt.want)
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
	// Valid: "*" covers the time-boxed actions.
	if _, err := Parse("policy.yml", []byte(timeboxPolicy), known); err != nil {
		t.Errorf("Parse: %v", err)
	}
}

func TestParseGrantDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"5m": 5 * time.Minute, "2h": 2 * time.Hour, "1h30m": 90 * time.Minute, "7d": 7 * 24 * time.Hour, " 30d ": 30 * 24 * time.Hour} {
		if got, err := ParseGrantDuration(in); err != nil || got != want {
			t.Errorf("ParseGrantDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, msg := range map[string]string{"2": "a unit is required", "4m": "shorter than the minimum of 5m", "31d": "longer than the maximum of 30d", "xd": "not a duration", "4d4h": "not a duration", "-1h": "shorter", "": "not a duration"} {
		if _, err := ParseGrantDuration(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseGrantDuration(%q) = %v, want an error saying %q", in, err, msg)
		}
	}
	for d, want := range map[time.Duration]string{2 * time.Hour: "2h", 90 * time.Minute: "1h30m", 45 * time.Minute: "45m", 48 * time.Hour: "2d", 25 * time.Hour: "25h"} {
		if got := DurationText(d); got != want {
			t.Errorf("DurationText(%v) = %q, want %q", d, got, want)
		}
	}
}

package auth

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// allActions is the registry's action list, as the bot passes it.
var allActions = strings.Fields("ping get-user list-users list-user-groups get-group add-group list-roles assign-role unassign-role list-providers enable-user disable-user reset-password set-password unlock-user list-factors clear-sessions expire-password add-to-group remove-from-group reset-factors verify-user user-activity contain audit grants revoke")

// roleTypes are the Okta role types assign-role takes (actions.RoleTypes).
var roleTypes = strings.Fields("ACCESS_CERTIFICATIONS_ADMIN ACCESS_REQUESTS_ADMIN API_ACCESS_MANAGEMENT_ADMIN APP_ADMIN GROUP_MEMBERSHIP_ADMIN HELP_DESK_ADMIN ORG_ADMIN READ_ONLY_ADMIN REPORT_ADMIN SUPER_ADMIN USER_ADMIN WORKFLOWS_ADMIN")

// known is what the bot lets a policy refer to.
var known = Names{Actions: allActions, RoleTypes: roleTypes}

// problems returns the policy errors joined in err, failing the test when
// err holds anything else.
func problems(t *testing.T, err error) []*Error {
	t.Helper()
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else if err != nil {
		errs = []error{err}
	}
	var out []*Error
	for _, e := range errs {
		var pe *Error
		if !errors.As(e, &pe) {
			t.Fatalf("error %q (%T) is not a *auth.Error", e, e)
		}
		out = append(out, pe)
	}
	return out
}

func TestParseExample(t *testing.T) {
	p, err := Load(filepath.Join("..", "policy.example.yml"), known)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := p.Roles(), []string{"oncall", "helpdesk", "security"}; !cmp.Equal(got, want) {
		t.Errorf("Roles() = %q, want %q", got, want)
	}
	disableRule := ApprovalRule{
		Actions:       []string{"disable-user"},
		Approvers:     []string{"security"},
		Channel:       "C0APPROVALS",
		ExpireAfter:   time.Hour,
		RequireReason: true,
		RemindAfter:   10 * time.Minute,
		BreakGlass:    &BreakGlass{After: 15 * time.Minute, Roles: []string{"oncall"}, Line: exampleLine(t, "    break_glass:")},
		Line:          exampleLine(t, "  - actions: [disable-user]"),
	}
	wantRule := ApprovalRule{
		Actions:         []string{"set-password", "assign-role", "unassign-role"},
		Approvers:       []string{"security"},
		Channel:         "C0APPROVALS",
		ExpireAfter:     time.Hour,
		RequireReason:   true,
		RemindAfter:     10 * time.Minute,
		MaxDuration:     8 * time.Hour,
		RequireDuration: true,
		Line:            exampleLine(t, "  - actions: [set-password, assign-role"),
	}
	if diff := cmp.Diff([]ApprovalRule{disableRule, wantRule}, p.Rules()); diff != "" {
		t.Errorf("Rules() mismatch (-want +got):\n%s", diff)
	}
	if got := p.AuditChannel(); got != "C0AUDIT" {
		t.Errorf("AuditChannel() = %q, want C0AUDIT", got)
	}
	if !p.byName["security"].adminTargets || p.byName["helpdesk"].adminTargets || p.byName["oncall"].adminTargets {
		t.Errorf("admin_targets: only security may act on Okta admins")
	}
	if got := p.byName["security"].assignable; !got.All || !got.Allows("SUPER_ADMIN") || !got.Allows("ORG_ADMIN") {
		t.Errorf("security's assignable_roles = %+v, want every role type", got)
	}
	if got, want := p.File(), filepath.Join("..", "policy.example.yml"); got != want {
		t.Errorf("File() = %q, want %q", got, want)
	}
	if diff := cmp.Diff(&wantRule, p.RuleFor("set-password")); diff != "" {
		t.Errorf("RuleFor(set-password) mismatch (-want +got):\n%s", diff)
	}
	if r := p.RuleFor("get-user"); r != nil {
		t.Errorf("RuleFor(get-user) = %+v, want nil", r)
	}
	oncall := p.byName["oncall"]
	if !oncall.users["U0123ONCALL"] || !cmp.Equal(oncall.groups, []string{"S0456ONCALLGROUP"}) {
		t.Errorf("oncall members: users %v groups %v", oncall.users, oncall.groups)
	}
}

// The example must name only actions the registry has: parsing it with a
// list lacking one of them fails.
func TestParseExampleNeedsKnownActions(t *testing.T) {
	_, err := Load(filepath.Join("..", "policy.example.yml"), Names{Actions: allActions[1:], RoleTypes: roleTypes}) // no "ping"
	ps := problems(t, err)
	line := exampleLine(t, "    actions: [ping")
	if len(ps) != 1 || ps[0].Line != line || !strings.Contains(ps[0].Problem, `unknown action "ping"`) {
		t.Fatalf("err = %v, want one unknown action \"ping\" on line %d", err, line)
	}
}

// exampleLine is the number of the first line of policy.example.yml that
// starts with prefix.
func exampleLine(t *testing.T, prefix string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "policy.example.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, prefix) {
			return i + 1
		}
	}
	t.Fatalf("policy.example.yml has no line starting %q", prefix)
	return 0
}

func TestParseValid(t *testing.T) {
	src := `# comment
roles:
  ops:
    members:
      - U01
      - W02ABC
      - S03GROUP
    actions: [get-user, "*"]
    assignable_roles: [HELP_DESK_ADMIN, USER_ADMIN]
  'read.only_1':
    members: [U04]
    actions: [ping]
    admin_targets: false
approvals:
  - actions: [disable-user]
    approvers: [ops, read.only_1]
    channel: G0PRIVATE
  - actions: [set-password]
    approvers: [ops]
    channel: C0APPROVALS
    expire_after: 168h
    require_reason: false
audit: {}
`
	p, err := Parse("p.yml", []byte(src), known)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := []ApprovalRule{
		{Actions: []string{"disable-user"}, Approvers: []string{"ops", "read.only_1"}, Channel: "G0PRIVATE", ExpireAfter: DefaultExpireAfter, Line: 15},
		{Actions: []string{"set-password"}, Approvers: []string{"ops"}, Channel: "C0APPROVALS", ExpireAfter: 7 * 24 * time.Hour, Line: 18},
	}
	if diff := cmp.Diff(want, p.Rules()); diff != "" {
		t.Errorf("Rules() mismatch (-want +got):\n%s", diff)
	}
	if got := p.AuditChannel(); got != "" {
		t.Errorf("AuditChannel() = %q, want empty", got)
	}
	ops := p.byName["ops"]
	if diff := cmp.Diff(map[string]bool{"U01": true, "W02ABC": true}, ops.users); diff != "" {
		t.Errorf("ops users (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"S03GROUP"}, ops.groups); diff != "" {
		t.Errorf("ops groups (-want +got):\n%s", diff)
	}
	if ops.adminTargets || p.byName["read.only_1"].adminTargets {
		t.Error("admin_targets is on without being set to true")
	}

	// Accessors hand out copies.
	p.Rules()[0].Actions[0] = "ping"
	p.RuleFor("disable-user").Approvers[0] = "x"
	if diff := cmp.Diff(want, p.Rules()); diff != "" {
		t.Errorf("Rules() changed by a caller (-want +got):\n%s", diff)
	}
}

func TestRuleForWildcard(t *testing.T) {
	src := `roles:
  a: {members: [U01], actions: ["*"], assignable_roles: ["*"]}
approvals:
  - {actions: ["*"], approvers: [a], channel: C01}
`
	p, err := Parse("p.yml", []byte(src), known)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	for _, a := range allActions {
		if NeverApproved(a) {
			if r := p.RuleFor(a); r != nil {
				t.Errorf("RuleFor(%q) = %+v, want nil: it never waits for approval", a, r)
			}
			continue
		}
		if r := p.RuleFor(a); r == nil || r.Line != 4 {
			t.Errorf("RuleFor(%q) = %+v, want the rule on line 4", a, r)
		}
	}
	if r := p.RuleFor("no-such-action"); r != nil {
		t.Errorf("RuleFor(no-such-action) = %+v, want nil", r)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // every error, in order
	}{
		{
			name: "unknown action",
			src: `roles:
  oncall:
    members: [U0123ONCALL]
    actions:
      - ping
      - get-user
      - disbale-user
`,
			want: []string{`policy.yml:7: role "oncall": unknown action "disbale-user" (did you mean "disable-user"?)`},
		},
		{
			name: "unknown action without a near name",
			src:  "roles:\n  oncall:\n    members: [U01]\n    actions: [delete-everything]\n",
			want: []string{`policy.yml:4: role "oncall": unknown action "delete-everything"`},
		},
		{
			name: "action names are case sensitive",
			src:  "roles:\n  oncall:\n    members: [U01]\n    actions: [Ping]\n",
			want: []string{`policy.yml:4: role "oncall": unknown action "Ping" (did you mean "ping"?)`},
		},
		{
			name: "member by name",
			src:  "roles:\n  oncall:\n    members:\n      - U01\n      - alice\n    actions: [ping]\n",
			want: []string{`policy.yml:5: role "oncall": member "alice" is not a Slack user id (U…/W…) or user group id (S…)`},
		},
		{
			name: "members that are not ids",
			src:  "roles:\n  oncall:\n    members: [\"@alice\", alice@corp.com, u0123abc, C0CHANNEL, U, U0123456789012345678901234567890123]\n    actions: [ping]\n",
			want: []string{
				`policy.yml:3: role "oncall": member "@alice" is not a Slack user id (U…/W…) or user group id (S…)`,
				`policy.yml:3: role "oncall": member "alice@corp.com" is not a Slack user id (U…/W…) or user group id (S…)`,
				`policy.yml:3: role "oncall": member "u0123abc" is not a Slack user id (U…/W…) or user group id (S…)`,
				`policy.yml:3: role "oncall": member "C0CHANNEL" is not a Slack user id (U…/W…) or user group id (S…)`,
				`policy.yml:3: role "oncall": member "U" is not a Slack user id (U…/W…) or user group id (S…)`,
				`policy.yml:3: role "oncall": member "U0123456789012345678901234567890123" is not a Slack user id (U…/W…) or user group id (S…)`,
			},
		},
		{
			name: "member that is a number",
			src:  "roles:\n  oncall:\n    members:\n      - 12345 # not an id\n    actions: [ping]\n",
			want: []string{`policy.yml:4: role "oncall": members: "12345" is not a string`},
		},
		{
			name: "duplicate member",
			src:  "roles:\n  oncall:\n    members:\n      - U01\n      - U01\n    actions: [ping]\n",
			want: []string{`policy.yml:5: role "oncall": members: "U01" is listed twice (first on line 4)`},
		},
		{
			name: "no members",
			src:  "roles:\n  oncall:\n    actions: [ping]\n",
			want: []string{`policy.yml:2: role "oncall" has no members: list Slack user ids (U…/W…) or user group ids (S…)`},
		},
		{
			name: "empty members and actions",
			src:  "roles:\n  oncall:\n    members: []\n    actions:\n",
			want: []string{
				`policy.yml:2: role "oncall" has no members: list Slack user ids (U…/W…) or user group ids (S…)`,
				`policy.yml:2: role "oncall" has no actions: list action names or "*"`,
			},
		},
		{
			name: "role without body",
			src:  "roles:\n  a: {members: [U01], actions: [ping]}\n  oncall:\n",
			want: []string{
				`policy.yml:3: role "oncall" has no members: list Slack user ids (U…/W…) or user group ids (S…)`,
				`policy.yml:3: role "oncall" has no actions: list action names or "*"`,
			},
		},
		{
			name: "members not a list",
			src:  "roles:\n  oncall:\n    members: U01\n    actions: [ping]\n",
			want: []string{`policy.yml:3: role "oncall": members must be a list, e.g. [a, b]`},
		},
		{
			name: "role not a mapping",
			src:  "roles:\n  oncall: [U01]\n",
			want: []string{`policy.yml:2: role "oncall" must be a mapping with members and actions`},
		},
		{
			name: "unknown role key",
			src:  "roles:\n  oncall:\n    members: [U01]\n    actions: [ping]\n    channels: [C01]\n",
			want: []string{`policy.yml:5: role "oncall": unknown key "channels" (want members, actions, admin_targets, assignable_roles, max_duration, require_duration)`},
		},
		{
			name: "duplicate role key",
			src:  "roles:\n  oncall:\n    members: [U01]\n    actions: [ping]\n    members: [U02]\n",
			want: []string{`policy.yml:5: role "oncall": duplicate key "members" (first on line 3)`},
		},
		{
			name: "duplicate role",
			src:  "roles:\n  oncall:\n    members: [U01]\n    actions: [ping]\n  oncall:\n    members: [U02]\n    actions: [\"*\"]\n",
			want: []string{`policy.yml:5: roles: duplicate key "oncall" (first on line 2)`},
		},
		{
			name: "bad role names",
			src:  "roles:\n  on call:\n    members: [U01]\n    actions: [ping]\n  \"1st\":\n    members: [U01]\n    actions: [ping]\n  " + strings.Repeat("r", 65) + ":\n    members: [U01]\n    actions: [ping]\n",
			want: []string{
				`policy.yml:2: role name "on call" is not valid: use letters, digits, '-', '_' and '.', starting with a letter, at most 64 characters`,
				`policy.yml:5: role name "1st" is not valid: use letters, digits, '-', '_' and '.', starting with a letter, at most 64 characters`,
				`policy.yml:8: role name "` + strings.Repeat("r", 65) + `" is not valid: use letters, digits, '-', '_' and '.', starting with a letter, at most 64 characters`,
			},
		},
		{
			name: "role key that is not a string",
			src:  "roles:\n  a: {members: [U01], actions: [ping]}\n  42:\n    members: [U01]\n    actions: [ping]\n",
			want: []string{`policy.yml:3: roles: key "42" is not a string`},
		},
		{
			name: "no roles key",
			src:  "\n\naudit:\n  channel: C01\n",
			want: []string{`policy.yml:3: no roles: the policy needs at least one role (deny by default)`},
		},
		{
			name: "empty roles",
			src:  "audit: {channel: C01}\nroles: {}\n",
			want: []string{`policy.yml:2: no roles: the policy needs at least one role (deny by default)`},
		},
		{
			name: "roles is a list",
			src:  "roles:\n  - oncall\n",
			want: []string{`policy.yml:1: roles must be a mapping of role name to members and actions`},
		},
		{
			name: "empty file",
			src:  "# nothing here\n",
			want: []string{`policy.yml:1: the policy is empty; it needs at least roles`},
		},
		{
			name: "top level is a list",
			src:  "- roles\n",
			want: []string{`policy.yml:1: the policy must be a mapping with roles, approvals, verify, people and audit`},
		},
		{
			name: "unknown top-level key",
			src:  "roles:\n  a: {members: [U01], actions: [ping]}\nrole:\n  b: {}\n",
			want: []string{`policy.yml:3: the policy: unknown key "role" (want roles, approvals, verify, people, audit)`},
		},
		{
			name: "duplicate top-level key",
			src:  "roles:\n  a: {members: [U01], actions: [ping]}\nroles:\n  b: {members: [U01], actions: [\"*\"], assignable_roles: [\"*\"]}\n",
			want: []string{`policy.yml:3: the policy: duplicate key "roles" (first on line 1)`},
		},
		{
			name: "two documents",
			src:  "roles:\n  a: {members: [U01], actions: [ping]}\n---\nroles:\n  b: {members: [U01], actions: [\"*\"], assignable_roles: [\"*\"]}\n",
			want: []string{`policy.yml:4: only one YAML document is allowed in the policy`},
		},
		{
			name: "anchors and aliases",
			src:  "roles:\n  a:\n    members: &m [U01]\n    actions: [ping]\n  b:\n    members: *m\n    actions: [ping]\n",
			want: []string{
				`policy.yml:3: role "a": members: anchors and aliases are not supported in the policy`,
				`policy.yml:6: role "b": members: anchors and aliases are not supported in the policy`,
			},
		},
		{
			name: "merge key",
			src:  "roles:\n  a:\n    <<: {members: [U01]}\n    actions: [ping]\n",
			want: []string{
				`policy.yml:2: role "a" has no members: list Slack user ids (U…/W…) or user group ids (S…)`,
				`policy.yml:3: role "a": merge keys (<<) are not supported in the policy`,
			},
		},
		{
			name: "tag",
			src:  "roles:\n  a:\n    members: [U01]\n    actions: [ping]\napprovals:\n  - actions: [ping]\n    approvers: [a]\n    channel: C01\n    expire_after: !!str 1h\n",
			want: []string{`policy.yml:9: approval rule 1: expire_after: YAML tags are not supported in the policy`},
		},
		{
			name: "approval rule with unknown approver role",
			src: `roles:
  oncall:
    members: [U01]
    actions: [ping, disable-user]
approvals:
  - actions: [disable-user]
    approvers: [oncall, secuirty]
    channel: C0APPROVALS
`,
			want: []string{`policy.yml:7: approval rule 1: approver "secuirty" is not a role of this policy`},
		},
		{
			name: "approval rule with unknown action",
			src: `roles:
  oncall: {members: [U01], actions: ["*"], assignable_roles: ["*"]}
approvals:
  - channel: C0APPROVALS
    approvers: [oncall]
    actions:
      - disable-user
      - unasign-role
`,
			want: []string{`policy.yml:8: approval rule 1: unknown action "unasign-role" (did you mean "unassign-role"?)`},
		},
		{
			name: "approval rule missing everything",
			src:  "roles:\n  oncall: {members: [U01], actions: [\"*\"], assignable_roles: [\"*\"]}\napprovals:\n  - expire_after: 2h\n",
			want: []string{
				`policy.yml:4: approval rule 1 has no actions`,
				`policy.yml:4: approval rule 1 has no approvers: list the roles whose members may approve`,
				`policy.yml:4: approval rule 1 has no channel: give the Slack channel id (C…/G…) where requests are posted`,
			},
		},
		{
			name: "approval rule is not a mapping",
			src:  "roles:\n  oncall: {members: [U01], actions: [\"*\"], assignable_roles: [\"*\"]}\napprovals:\n  - disable-user\n",
			want: []string{`policy.yml:4: approval rule 1 must be a mapping with actions, approvers and channel`},
		},
		{
			name: "approvals is a mapping",
			src:  "roles:\n  oncall: {members: [U01], actions: [\"*\"], assignable_roles: [\"*\"]}\napprovals:\n  actions: [disable-user]\n",
			want: []string{`policy.yml:3: approvals must be a list of rules, each with actions, approvers and channel`},
		},
		{
			name: "approval channel by name",
			src:  "roles:\n  oncall: {members: [U01], actions: [\"*\"], assignable_roles: [\"*\"]}\napprovals:\n  - actions: [disable-user]\n    approvers: [oncall]\n    channel: \"#approvals\"\n",
			want: []string{`policy.yml:6: approval rule 1: channel "#approvals" is not a Slack channel id (C…/G…); use the channel's id, not its name`},
		},
		{
			name: "approval channel not a string",
			src:  "roles:\n  oncall: {members: [U01], actions: [\"*\"], assignable_roles: [\"*\"]}\napprovals:\n  - actions: [disable-user]\n    approvers: [oncall]\n    channel: [C01]\n",
			want: []string{`policy.yml:6: approval rule 1: channel must be a string`},
		},
		{
			name: "unknown approval key",
			src:  "roles:\n  oncall: {members: [U01], actions: [\"*\"], assignable_roles: [\"*\"]}\napprovals:\n  - actions: [disable-user]\n    approvers: [oncall]\n    channel: C01\n    expires: 1h\n",
			want: []string{`policy.yml:7: approval rule 1: unknown key "expires" (want actions, approvers, channel, expire_after, require_reason, remind_after, break_glass, step_up, max_duration, require_duration)`},
		},
		{
			name: "expire_after problems",
			src: `roles:
  oncall: {members: [U01], actions: ["*"], assignable_roles: ["*"]}
approvals:
  - {actions: [ping], approvers: [oncall], channel: C01, expire_after: 60}
  - {actions: [get-user], approvers: [oncall], channel: C01, expire_after: soon}
  - {actions: [list-users], approvers: [oncall], channel: C01, expire_after: 0s}
  - {actions: [get-group], approvers: [oncall], channel: C01, expire_after: -1h}
  - {actions: [add-group], approvers: [oncall], channel: C01, expire_after: 169h}
  - actions: [list-roles]
    approvers: [oncall]
    channel: C01
    expire_after:
  - {actions: [list-providers], approvers: [oncall], channel: C01, expire_after: [1h]}
`,
			want: []string{
				`policy.yml:4: approval rule 1: expire_after "60" is not a duration such as 1h or 30m (a unit is required)`,
				`policy.yml:5: approval rule 2: expire_after "soon" is not a duration such as 1h or 30m (a unit is required)`,
				`policy.yml:6: approval rule 3: expire_after "0s" must be positive`,
				`policy.yml:7: approval rule 4: expire_after "-1h" must be positive`,
				`policy.yml:8: approval rule 5: expire_after "169h" is longer than the maximum of 7 days (168h)`,
				`policy.yml:12: approval rule 6: expire_after is empty; give a duration such as 1h or 30m, or leave it out for 1h0m0s`,
				`policy.yml:13: approval rule 7: expire_after must be a duration such as 1h or 30m, not a list`,
			},
		},
		{
			name: "require_reason not a bool",
			src:  "roles:\n  oncall: {members: [U01], actions: [\"*\"], assignable_roles: [\"*\"]}\napprovals:\n  - actions: [disable-user]\n    approvers: [oncall]\n    channel: C01\n    require_reason: yes\n",
			want: []string{`policy.yml:7: approval rule 1: require_reason must be true or false`},
		},
		{
			name: "admin_targets not a boolean",
			src:  "roles:\n  oncall:\n    members: [U01]\n    actions: [ping]\n    admin_targets: yes please\n",
			want: []string{`policy.yml:5: role "oncall": admin_targets must be true or false`},
		},
		{
			name: "action in two approval rules",
			src: `roles:
  oncall: {members: [U01], actions: ["*"], assignable_roles: ["*"]}
approvals:
  - actions: [disable-user, set-password]
    approvers: [oncall]
    channel: C01
  - actions: [assign-role, disable-user]
    approvers: [oncall]
    channel: C02
`,
			want: []string{`policy.yml:7: approval rule 2: action "disable-user" is already in approval rule 1 (line 4); an action may be in one approval rule only`},
		},
		{
			name: "wildcard rule after another rule",
			src:  "roles:\n  oncall: {members: [U01], actions: [\"*\"], assignable_roles: [\"*\"]}\napprovals:\n  - {actions: [ping], approvers: [oncall], channel: C01}\n  - {actions: [\"*\"], approvers: [oncall], channel: C01}\n",
			want: []string{`policy.yml:5: approval rule 2: "*" overlaps approval rule 1 (line 4); an action may be in one approval rule only`},
		},
		{
			name: "rule after a wildcard rule",
			src:  "roles:\n  oncall: {members: [U01], actions: [\"*\"], assignable_roles: [\"*\"]}\napprovals:\n  - {actions: [\"*\"], approvers: [oncall], channel: C01}\n  - {actions: [ping], approvers: [oncall], channel: C01}\n",
			want: []string{`policy.yml:5: approval rule 2: action "ping" is already in approval rule 1 (line 4); an action may be in one approval rule only`},
		},
		{
			name: "duplicate action in one rule",
			src:  "roles:\n  oncall: {members: [U01], actions: [\"*\"], assignable_roles: [\"*\"]}\napprovals:\n  - actions: [ping,\n      ping]\n    approvers: [oncall]\n    channel: C01\n",
			want: []string{`policy.yml:5: approval rule 1: actions: "ping" is listed twice (first on line 4)`},
		},
		{
			name: "audit channel by name",
			src:  "roles:\n  oncall: {members: [U01], actions: [\"*\"], assignable_roles: [\"*\"]}\naudit:\n  channel: audit-log\n",
			want: []string{`policy.yml:4: audit: channel "audit-log" is not a Slack channel id (C…/G…); use the channel's id, not its name`},
		},
		{
			name: "audit unknown key",
			src:  "roles:\n  oncall: {members: [U01], actions: [\"*\"], assignable_roles: [\"*\"]}\naudit:\n  channel: C01\n  level: all\n",
			want: []string{`policy.yml:5: audit: unknown key "level" (want channel)`},
		},
		{
			name: "audit not a mapping",
			src:  "roles:\n  oncall: {members: [U01], actions: [\"*\"], assignable_roles: [\"*\"]}\naudit: C0AUDIT\n",
			want: []string{`policy.yml:3: audit must be a mapping with channel`},
		},
		{
			name: "errors come sorted by line",
			src:  "approvals:\n  - {actions: [ping], approvers: [nobody], channel: C01}\nroles:\n  oncall: {members: [bob], actions: [\"*\"], assignable_roles: [\"*\"]}\n",
			want: []string{
				`policy.yml:2: approval rule 1: approver "nobody" is not a role of this policy`,
				`policy.yml:4: role "oncall": member "bob" is not a Slack user id (U…/W…) or user group id (S…)`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("policy.yml", []byte(tt.src), known)
			if err == nil {
				t.Fatalf("Parse succeeded, want errors:\n%s", strings.Join(tt.want, "\n"))
			}
			if p != nil {
				t.Errorf("Parse returned a policy with an error")
			}
			var got []string
			for _, e := range problems(t, err) {
				got = append(got, e.Error())
				if e.File != "policy.yml" || e.Line < 1 || e.Problem == "" {
					t.Errorf("error %+v lacks file, line or problem", e)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors mismatch (-want +got):\n%s", diff)
			}
			if err.Error() != strings.Join(tt.want, "\n") {
				t.Errorf("err.Error() = %q, want one line per problem", err.Error())
			}
		})
	}
}

func TestParseSyntaxErrors(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		line     int
		contains string
	}{
		{"unclosed flow list", "roles:\n  oncall:\n    members: [U01]\n    actions: [ping\n  x: 1\n", 5, "invalid YAML: "},
		{"bad indentation", "roles:\n  x:\n    members: [U01]\n      actions: [ping]\n", 4, "invalid YAML: "},
		{"unquoted wildcard in flow list", "roles:\n  oncall:\n    members: [U01]\n    actions: [*]\n", 4, `write the wildcard in quotes: ["*"]`},
		{"unquoted wildcard in block list", "roles:\n  oncall:\n    members: [U01]\n    actions:\n      - ping\n      - *\n", 6, `write the wildcard in quotes: ["*"]`},
		{"unterminated quote", "roles:\n  oncall:\n    members: ['U01]\n", 3, "invalid YAML: "},
		{"tab indentation", "roles:\n\toncall: {}\n", 2, "invalid YAML: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("policy.yml", []byte(tt.src), known)
			ps := problems(t, err)
			if len(ps) != 1 {
				t.Fatalf("err = %v, want one error", err)
			}
			msg := ps[0].Error()
			if ps[0].Line != tt.line || !strings.HasPrefix(msg, "policy.yml:") || !strings.Contains(msg, tt.contains) || strings.Contains(msg, "\n") {
				t.Errorf("err = %q, want one line at policy.yml:%d containing %q", msg, tt.line, tt.contains)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.yml")
	if err := os.WriteFile(path, []byte("roles:\n  a:\n    members: [U01]\n    actions: [nope]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, known)
	if want := path + `:4: role "a": unknown action "nope"`; err == nil || err.Error() != want {
		t.Errorf("Load(bad) = %v, want %s", err, want)
	}

	_, err = Load(filepath.Join(dir, "missing.yml"), known)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.yml") {
		t.Errorf("Load(missing) = %v, want a not-exist error naming the file", err)
	}
}

// FuzzParse checks that Parse never panics and that every error it returns
// is one "policy.yml:line: problem" per line. Run longer with
// go test -fuzz=FuzzParse ./auth.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("..", "policy.example.yml")); err == nil {
		f.Add(data)
	}
	f.Add([]byte("roles:\n  a: {members: [U01, S02], actions: [\"*\"], assignable_roles: [\"*\"]}\napprovals:\n  - {actions: [ping], approvers: [a], channel: C01, expire_after: 2h}\n"))
	f.Add([]byte("roles:\n  a:\n    members: &m [U01]\n    <<: *m\n"))
	f.Add([]byte("- [*]\n---\n? x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("policy.yml", data, known)
		if (p == nil) == (err == nil) {
			t.Fatalf("Parse = %v, %v; want exactly one of a policy and an error", p, err)
		}
		if err == nil {
			if len(p.Roles()) == 0 {
				t.Fatalf("a valid policy without roles")
			}
			return
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !strings.HasPrefix(line, "policy.yml:") {
				t.Fatalf("error line %q does not name the file", line)
			}
		}
		for _, e := range problems(t, err) {
			if e.Line < 1 {
				t.Fatalf("error %q has no line", e)
			}
		}
	})
}

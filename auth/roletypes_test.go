package auth

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAssignableRolesErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "assign-role without assignable_roles",
			src:  "roles:\n  desk:\n    members: [U01]\n    actions: [get-user, assign-role]\n",
			want: []string{`policy.yml:2: role "desk" grants assign-role but has no assignable_roles: list the Okta role types its members may assign, e.g. [HELP_DESK_ADMIN], or ["*"] (SUPER_ADMIN and ORG_ADMIN also need admin_targets: true)`},
		},
		{
			name: "unassign-role without assignable_roles",
			src:  "roles:\n  desk:\n    members: [U01]\n    actions: [unassign-role]\n",
			want: []string{`policy.yml:2: role "desk" grants unassign-role but has no assignable_roles: list the Okta role types its members may assign, e.g. [HELP_DESK_ADMIN], or ["*"] (SUPER_ADMIN and ORG_ADMIN also need admin_targets: true)`},
		},
		{
			name: "wildcard actions without assignable_roles",
			src:  "roles:\n  sec:\n    members: [U01]\n    actions: [\"*\"]\n    admin_targets: true\n",
			want: []string{`policy.yml:2: role "sec" grants assign-role and unassign-role (through "*") but has no assignable_roles: list the Okta role types its members may assign, e.g. [HELP_DESK_ADMIN], or ["*"] (SUPER_ADMIN and ORG_ADMIN also need admin_targets: true)`},
		},
		{
			name: "assignable_roles on a role that changes no roles",
			src:  "roles:\n  desk:\n    members: [U01]\n    actions: [list-roles]\n    assignable_roles: [HELP_DESK_ADMIN]\n",
			want: []string{`policy.yml:5: role "desk": assignable_roles applies only to assign-role and unassign-role, which the role does not grant`},
		},
		{
			name: "unknown role type, a typo",
			src:  "roles:\n  desk:\n    members: [U01]\n    actions: [assign-role]\n    assignable_roles: [HELP_DESK_ADMN]\n",
			want: []string{`policy.yml:5: role "desk": assignable_roles: unknown Okta role type "HELP_DESK_ADMN" (did you mean "HELP_DESK_ADMIN"?)`},
		},
		{
			name: "unknown role type, lower case",
			src:  "roles:\n  desk:\n    members: [U01]\n    actions: [assign-role]\n    assignable_roles:\n      - user-admin\n",
			want: []string{`policy.yml:6: role "desk": assignable_roles: unknown Okta role type "user-admin" (did you mean "USER_ADMIN"?)`},
		},
		{
			name: "unknown role type, nothing near",
			src:  "roles:\n  desk:\n    members: [U01]\n    actions: [assign-role]\n    assignable_roles: [GOD]\n",
			want: []string{`policy.yml:5: role "desk": assignable_roles: unknown Okta role type "GOD" (want one of ` + strings.Join(roleTypes, ", ") + `, or "*")`},
		},
		{
			name: "a role type assign-role cannot take",
			src:  "roles:\n  desk:\n    members: [U01]\n    actions: [assign-role]\n    assignable_roles: [MOBILE_ADMIN]\n",
			want: []string{`policy.yml:5: role "desk": assignable_roles: unknown Okta role type "MOBILE_ADMIN" (want one of ` + strings.Join(roleTypes, ", ") + `, or "*")`},
		},
		{
			name: "super admin without admin_targets",
			src:  "roles:\n  desk:\n    members: [U01]\n    actions: [assign-role]\n    assignable_roles: [HELP_DESK_ADMIN, SUPER_ADMIN, ORG_ADMIN]\n",
			want: []string{
				`policy.yml:5: role "desk": assignable_roles lists SUPER_ADMIN, which holds the whole Okta org: the role also needs admin_targets: true`,
				`policy.yml:5: role "desk": assignable_roles lists ORG_ADMIN, which holds the whole Okta org: the role also needs admin_targets: true`,
			},
		},
		{
			name: "super admin with admin_targets false",
			src:  "roles:\n  desk:\n    members: [U01]\n    actions: [assign-role]\n    admin_targets: false\n    assignable_roles:\n      - SUPER_ADMIN\n",
			want: []string{`policy.yml:7: role "desk": assignable_roles lists SUPER_ADMIN, which holds the whole Okta org: the role also needs admin_targets: true`},
		},
		{
			name: "empty",
			src:  "roles:\n  desk:\n    members: [U01]\n    actions: [assign-role]\n    assignable_roles: []\n",
			want: []string{`policy.yml:5: role "desk": assignable_roles is empty: list the Okta role types members may assign and unassign, or "*"`},
		},
		{
			name: "null",
			src:  "roles:\n  desk:\n    members: [U01]\n    actions: [assign-role]\n    assignable_roles:\n",
			want: []string{`policy.yml:5: role "desk": assignable_roles is empty: list the Okta role types members may assign and unassign, or "*"`},
		},
		{
			name: "not a list",
			src:  "roles:\n  desk:\n    members: [U01]\n    actions: [assign-role]\n    assignable_roles: HELP_DESK_ADMIN\n",
			want: []string{`policy.yml:5: role "desk": assignable_roles must be a list, e.g. [a, b]`},
		},
		{
			name: "wildcard and types",
			src:  "roles:\n  desk:\n    members: [U01]\n    actions: [assign-role]\n    assignable_roles: [\"*\", USER_ADMIN]\n",
			want: []string{`policy.yml:5: role "desk": assignable_roles: "*" already covers every role type; list role types or "*", not both`},
		},
		{
			name: "listed twice",
			src:  "roles:\n  desk:\n    members: [U01]\n    actions: [assign-role]\n    assignable_roles: [USER_ADMIN, USER_ADMIN]\n",
			want: []string{`policy.yml:5: role "desk": assignable_roles: "USER_ADMIN" is listed twice (first on line 5)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("policy.yml", []byte(tt.src), known)
			var got []string
			for _, e := range problems(t, err) {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

const rolesPolicy = `roles:
  desk:
    members: [U0DESK, U0BOTH]
    actions: [get-user, assign-role, unassign-role]
    assignable_roles: [HELP_DESK_ADMIN, READ_ONLY_ADMIN]
  lead:
    members: [U0LEAD, U0BOTH]
    actions: [assign-role]
    assignable_roles: ["*"]
  sec:
    members: [U0SEC]
    actions: ["*"]
    admin_targets: true
    assignable_roles: "*"
  root:
    members: [U0ROOT]
    actions: [assign-role]
    admin_targets: true
    assignable_roles: [SUPER_ADMIN]
`

func TestDecideRoleTypes(t *testing.T) {
	a := New(mustParse(t, rolesPolicy), nil)
	every := strings.Fields("ACCESS_CERTIFICATIONS_ADMIN APP_ADMIN HELP_DESK_ADMIN READ_ONLY_ADMIN USER_ADMIN CUSTOM MOBILE_ADMIN")
	tests := []struct {
		caller, action string
		allowed        []string // of every + SUPER_ADMIN, ORG_ADMIN
		says           string
	}{
		{"U0DESK", "assign-role", []string{"HELP_DESK_ADMIN", "READ_ONLY_ADMIN"}, "HELP_DESK_ADMIN, READ_ONLY_ADMIN"},
		{"U0DESK", "unassign-role", []string{"HELP_DESK_ADMIN", "READ_ONLY_ADMIN"}, "HELP_DESK_ADMIN, READ_ONLY_ADMIN"},
		{"U0LEAD", "assign-role", every, "every role type except SUPER_ADMIN and ORG_ADMIN"},
		// Only the roles that grant the action count: lead does not grant
		// unassign-role.
		{"U0BOTH", "unassign-role", []string{"HELP_DESK_ADMIN", "READ_ONLY_ADMIN"}, "HELP_DESK_ADMIN, READ_ONLY_ADMIN"},
		{"U0BOTH", "assign-role", every, "every role type except SUPER_ADMIN and ORG_ADMIN"},
		{"U0SEC", "assign-role", append([]string{"SUPER_ADMIN", "ORG_ADMIN"}, every...), "every role type"},
		{"U0ROOT", "assign-role", []string{"SUPER_ADMIN"}, "SUPER_ADMIN"},
		{"U0DESK", "get-user", nil, "none"},
		{"U0NOBODY", "assign-role", nil, "none"},
	}
	for _, tt := range tests {
		d, err := a.Decide(context.Background(), tt.caller, tt.action, "C01")
		if err != nil {
			t.Fatalf("Decide(%s, %s): %v", tt.caller, tt.action, err)
		}
		var allowed []string
		for _, typ := range append(append([]string{}, every...), "SUPER_ADMIN", "ORG_ADMIN") {
			if d.RoleTypes.Allows(typ) {
				allowed = append(allowed, typ)
			}
		}
		if !cmp.Equal(allowed, filterOrder(tt.allowed, every)) {
			t.Errorf("%s %s: allows %q, want %q", tt.caller, tt.action, allowed, filterOrder(tt.allowed, every))
		}
		if got := d.RoleTypes.String(); got != tt.says {
			t.Errorf("%s %s: RoleTypes = %q, want %q", tt.caller, tt.action, got, tt.says)
		}
	}
	// Case does not matter; "*" and "" are not role types.
	d, _ := a.Decide(context.Background(), "U0DESK", "assign-role", "C01")
	if !d.RoleTypes.Allows("help_desk_admin") || d.RoleTypes.Allows("*") || d.RoleTypes.Allows("") {
		t.Errorf("Allows is wrong about case, * or empty: %+v", d.RoleTypes)
	}
}

// filterOrder puts want in the order the test checks role types in.
func filterOrder(want, every []string) []string {
	var out []string
	for _, typ := range append(append([]string{}, every...), "SUPER_ADMIN", "ORG_ADMIN") {
		for _, w := range want {
			if w == typ {
				out = append(out, typ)
			}
		}
	}
	return out
}

package auth

import (
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"oktabot/internal/suggest"
)

// The actions that change a user's Okta admin roles. Every Okta role is an
// admin role, so a policy role that grants one of them says which role
// types (assignable_roles).
const (
	AssignRole   = "assign-role"
	UnassignRole = "unassign-role"
)

// PrivilegedRoleTypes hold the whole Okta org. A policy role lets its
// members assign or unassign them only with admin_targets: true, whether it
// lists them or says "*".
var PrivilegedRoleTypes = []string{"SUPER_ADMIN", "ORG_ADMIN"}

func privileged(t string) bool { return slices.Contains(PrivilegedRoleTypes, t) }

// RoleTypes is which Okta role types a caller may assign and unassign. The
// zero value allows none.
type RoleTypes struct {
	// All: every role type except PrivilegedRoleTypes.
	All bool
	// Types are the role types allowed besides, in upper case and sorted.
	Types []string
}

// Allows reports whether t (any case) may be assigned or unassigned.
func (r RoleTypes) Allows(t string) bool {
	t = strings.ToUpper(strings.TrimSpace(t))
	if t == "" || t == Wildcard {
		return false
	}
	return slices.Contains(r.Types, t) || (r.All && !privileged(t))
}

// IsZero reports whether r allows nothing.
func (r RoleTypes) IsZero() bool { return !r.All && len(r.Types) == 0 }

// String says what r allows, for people: "HELP_DESK_ADMIN, USER_ADMIN",
// "every role type except SUPER_ADMIN and ORG_ADMIN", "every role type",
// or "none".
func (r RoleTypes) String() string {
	switch {
	case r.IsZero():
		return "none"
	case !r.All:
		return strings.Join(r.Types, ", ")
	}
	var missing []string
	for _, p := range PrivilegedRoleTypes {
		if !slices.Contains(r.Types, p) {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return "every role type"
	}
	return "every role type except " + strings.Join(missing, " and ")
}

// with returns r allowing what o allows too.
func (r RoleTypes) with(o RoleTypes) RoleTypes {
	out := RoleTypes{All: r.All || o.All, Types: slices.Clone(r.Types)}
	for _, t := range o.Types {
		if !slices.Contains(out.Types, t) {
			out.Types = append(out.Types, t)
		}
	}
	slices.Sort(out.Types)
	return out
}

// changesRoles reports whether action is one that assignable_roles governs.
func changesRoles(action string) bool { return action == AssignRole || action == UnassignRole }

// assignableRoles checks a role's assignable_roles (e, nil when absent)
// against what the role grants and Okta's role types, and records it.
func (c *checker) assignableRoles(r *role, line int, what string, e *entry) {
	var grants []string
	for _, a := range []string{AssignRole, UnassignRole} {
		if c.known[a] && r.allows(a) {
			grants = append(grants, a)
		}
	}
	if e == nil {
		if len(grants) > 0 {
			via := ""
			if !r.actions[grants[0]] {
				via = ` (through "*")`
			}
			c.errorf(line, `%s grants %s%s but has no assignable_roles: list the Okta role types its members may assign, e.g. [HELP_DESK_ADMIN], or ["*"] (SUPER_ADMIN and ORG_ADMIN also need admin_targets: true)`,
				what, strings.Join(grants, " and "), via)
		}
		return
	}
	what += ": assignable_roles"
	if len(grants) == 0 {
		c.errorf(e.line, "%s applies only to %s and %s, which the role does not grant", what, AssignRole, UnassignRole)
		return
	}
	var items []item
	if s, ok := e.value.(*ast.StringNode); ok && s.Value == Wildcard {
		items = []item{{value: Wildcard, line: e.line}}
	} else {
		var bad bool
		if items, bad = c.list(e.value, what, e.line); bad {
			return
		}
	}
	if len(items) == 0 {
		c.errorf(e.line, `%s is empty: list the Okta role types members may assign and unassign, or "*"`, what)
		return
	}
	var rt RoleTypes
	for _, it := range items {
		switch {
		case it.value == Wildcard:
			if len(items) > 1 {
				c.errorf(it.line, `%s: "*" already covers every role type; list role types or "*", not both`, what)
				continue
			}
			rt.All = true
			if r.adminTargets {
				rt.Types = append(rt.Types, PrivilegedRoleTypes...)
			}
		case slices.Contains(c.roleTypes, it.value):
			if privileged(it.value) && !r.adminTargets {
				c.errorf(it.line, "%s lists %s, which holds the whole Okta org: the role also needs admin_targets: true", what, it.value)
				continue
			}
			rt.Types = append(rt.Types, it.value)
		default:
			msg := fmt.Sprintf("%s: unknown Okta role type %q", what, it.value)
			if s := closestRoleType(it.value, c.roleTypes); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += fmt.Sprintf(" (want one of %s, or \"*\")", strings.Join(c.roleTypes, ", "))
			}
			c.errorf(it.line, "%s", msg)
		}
	}
	r.assignable = RoleTypes{}.with(rt)
}

// closestRoleType suggests a role type for a typo, whatever its case and
// whether it uses '-' or ' ' for '_'.
func closestRoleType(s string, known []string) string {
	norm := strings.ToUpper(strings.NewReplacer("-", "_", " ", "_").Replace(strings.TrimSpace(s)))
	if slices.Contains(known, norm) {
		return norm
	}
	return suggest.Closest(norm, known)
}

package main

// The admin check reads a target's roles only when a write to them follows,
// and unassign-role reads them once.

import (
	"testing"

	"oktabot/okta/oktatest"
)

const adminReadsPolicy = `roles:
  deskops:
    members: [U0ALICE01]
    actions: [disable-user, unassign-role]
    assignable_roles: [HELP_DESK_ADMIN]
`

func TestAdminRolesAreReadOnlyBeforeAWrite(t *testing.T) {
	h := newHarness(t).setPolicy(adminReadsPolicy).start()
	gone := h.okta.AddUser(oktatest.User{Login: "gone@corp.com", Status: "SUSPENDED"})
	plain := h.okta.AddUser(oktatest.User{Login: "plain@corp.com"})
	desk := h.okta.AddUser(oktatest.User{Login: "desk@corp.com"})
	h.okta.AddRole(desk.ID, oktatest.Role{Type: "HELP_DESK_ADMIN"})
	roleReads := func(since int, userID string) int {
		n := 0
		for _, c := range h.callsSince(since) {
			if c.Operation == "listAssignedRolesForPrincipal" || (c.Method == "GET" && c.Path == "/api/v1/users/"+userID+"/roles") {
				n++
			}
		}
		return n
	}

	// Already as wanted: no write, so no admin check.
	n := h.okta.CallCount()
	mustContain(t, h.reply(uAlice, "disable-user gone@corp.com"), "already suspended")
	if r := roleReads(n, gone.ID); r != 0 {
		t.Errorf("%d reads of the roles of a user already suspended, want 0", r)
	}
	// A write follows: the check runs first.
	n = h.okta.CallCount()
	mustContain(t, h.reply(uAlice, "disable-user plain@corp.com"), "suspended")
	if r := roleReads(n, plain.ID); r != 1 {
		t.Errorf("%d reads of the roles before a suspend, want 1", r)
	}

	// unassign-role reads the roles once, for itself and the check.
	n = h.okta.CallCount()
	mustContain(t, h.reply(uAlice, "unassign-role plain@corp.com --role HELP_DESK_ADMIN"), "did not have HELP_DESK_ADMIN")
	if r := roleReads(n, plain.ID); r != 1 {
		t.Errorf("%d reads of the roles for an unassign with nothing to remove, want 1", r)
	}
	n = h.okta.CallCount()
	mustContain(t, h.reply(uAlice, "unassign-role desk@corp.com --role HELP_DESK_ADMIN"), "desk@corp.com holds Okta admin roles (HELP_DESK_ADMIN)")
	if r := roleReads(n, desk.ID); r != 1 {
		t.Errorf("%d reads of the roles for a refused unassign, want 1", r)
	}
	if roles := h.okta.Roles(desk.ID); len(roles) != 1 {
		t.Errorf("the admin has %d roles after a refused unassign, want 1", len(roles))
	}
}

package main

// Okta admins are protected: a writing action refuses a target who holds an
// Okta admin role unless the caller's policy role says admin_targets.

import (
	"strings"
	"testing"
	"time"

	"oktabot/okta/oktatest"
)

const adminsPolicy = `roles:
  helpdesk:
    members: [U0ALICE01]
    actions: [get-user, reset-password, disable-user, list-roles]
  security:
    members: [U0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
    admin_targets: true
`

func TestOktaAdminsAreProtected(t *testing.T) {
	h := newHarness(t).setPolicy(adminsPolicy).start()
	root := h.okta.AddUser(oktatest.User{Login: "root@corp.com", Email: "root@corp.com", FirstName: "Root", LastName: "Admin"})
	h.okta.AddRole(root.ID, oktatest.Role{Type: "SUPER_ADMIN"})

	// The helpdesk may not reset an admin's password; the others in the
	// same request still run.
	n := h.okta.CallCount()
	got := h.reply(uAlice, "reset-password root@corp.com carol.danvers@corp.com")
	mustContain(t, got, "root@corp.com holds Okta admin roles (SUPER_ADMIN)", "admin_targets", "one-time reset link")
	for _, c := range h.callsSince(n) {
		if strings.HasSuffix(c.Path, "/lifecycle/reset_password") && strings.Contains(c.Path, root.ID) {
			t.Errorf("Okta was asked to reset the admin's password: %s", c.Path)
		}
	}
	if strings.Count(got, "reset_password/") != 1 {
		t.Errorf("want exactly one reset link (carol's):\n%s", got)
	}
	h.assertNoSecretsLeaked()

	mustContain(t, h.reply(uAlice, "disable-user root"), "holds Okta admin roles")
	if u, _ := h.okta.User(root.ID); u.Status != "ACTIVE" {
		t.Errorf("the admin is %s after a refused disable", u.Status)
	}
	// Reading is not protected.
	mustContain(t, h.reply(uAlice, "get-user root"), "Root Admin")
	mustContain(t, h.reply(uAlice, "list-roles root"), "SUPER_ADMIN")

	// A role with admin_targets may act on admins.
	mustContain(t, h.reply(uSecurity, "disable-user root"), "suspended")
	if u, _ := h.okta.User(root.ID); u.Status != "SUSPENDED" {
		t.Errorf("security could not suspend the admin: %s", u.Status)
	}
}

// A request that waits for approval is refused at request time when it
// names an admin its requester may not act on: nobody is asked.
func TestApprovalRequestOnAnAdminIsRefusedBeforeAnyoneIsAsked(t *testing.T) {
	a := newApprovals(t, "1h")
	root := a.okta.AddUser(oktatest.User{Login: "root@corp.com", Email: "root@corp.com", FirstName: "Root", LastName: "Admin"})
	a.okta.AddRole(root.ID, oktatest.Role{Type: "ORG_ADMIN"})
	a.start("bot")

	i := a.slack.SlashCommand(uDesk, chGen, "/okta", `reset-password root@corp.com --reason "ticket 14"`)
	replies, err := i.WaitReplies(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, replies[0].AllText(), "Nothing was sent for approval", "root@corp.com holds Okta admin roles (ORG_ADMIN)")
	if n := len(a.approvalMessages()); n != 0 {
		t.Errorf("%d approval messages posted", n)
	}
	if n := a.oktaOps("resetPassword"); n != 0 {
		t.Errorf("Okta reset %d times", n)
	}
}

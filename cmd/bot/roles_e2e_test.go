package main

// Every Okta role is an admin role: a policy role changes only the role
// types its assignable_roles lists (SUPER_ADMIN and ORG_ADMIN only with
// admin_targets), and nobody changes their own Okta account through the
// bot, directly, through an approval or from a form.

import (
	"strings"
	"testing"
	"time"

	"oktabot/okta/oktatest"
	"oktabot/slackfake"
)

const (
	uNoMail = "U0NOMAIL1" // in the policy, but Slack shows no email for them
	uLee    = "U0LEE0001" // may act on Okta admins, but assign only two role types
)

const rolesPolicy = `roles:
  helpdesk:
    members: [U0ALICE01, U0NOMAIL1]
    actions: [get-user, list-roles, assign-role, unassign-role, enable-user, disable-user, reset-password]
    assignable_roles: [HELP_DESK_ADMIN, READ_ONLY_ADMIN]
  lead:
    members: [U0BOB0001]
    actions: [assign-role, unassign-role]
    assignable_roles: ["*"]
  admins:
    members: [U0LEE0001]
    actions: [list-roles, assign-role, unassign-role]
    admin_targets: true
    assignable_roles: [HELP_DESK_ADMIN, APP_ADMIN]
  security:
    members: [U0SECURITY]
    actions: ["*"]
    admin_targets: true
    assignable_roles: ["*"]
`

func newRolesHarness(t *testing.T, policy string) *harness {
	t.Helper()
	h := newHarness(t).setPolicy(policy)
	h.slack.AddUser(slackfake.User{ID: uNoMail, Name: "nomail", RealName: "No Mail"})
	h.slack.AddUser(slackfake.User{ID: uLee, Name: "lee", RealName: "Lee Admin", Email: "lee@corp.com"})
	h.slack.AddChannel(chGen, "general", uAlice, uBob, uMallory, uSecurity, uNoMail, uLee)
	for _, u := range []oktatest.User{
		{Login: "sam@corp.com", Email: "sam@corp.com", FirstName: "Sam", LastName: "Security"},
		{Login: "lee@corp.com", Email: "lee@corp.com", FirstName: "Lee", LastName: "Admin"},
		{Login: "dana@corp.com", Email: "dana@corp.com", FirstName: "Dana", LastName: "Example"},
	} {
		h.okta.AddUser(u)
	}
	return h.start()
}

// roleWrites are the role assignments and removals Okta received since
// call n.
func (h *harness) roleWrites(n int) []string {
	var out []string
	for _, c := range h.callsSince(n) {
		if c.Operation == "assignRoleToUser" || c.Operation == "unassignRoleFromUser" || (strings.Contains(c.Path, "/roles") && c.Method != "GET") {
			out = append(out, c.Method+" "+c.Path)
		}
	}
	return out
}

func TestHelpdeskCannotMakeAnyoneSuperAdmin(t *testing.T) {
	h := newRolesHarness(t, rolesPolicy)
	alice, _ := h.okta.User("alice@corp.com")
	carol, _ := h.okta.User("carol.danvers@corp.com")

	// Not themselves, not anyone else: SUPER_ADMIN is not theirs to give.
	for _, cmd := range []string{
		"assign-role alice@corp.com --role SUPER_ADMIN",
		"assign-role carol.danvers@corp.com --role SUPER_ADMIN",
		"assign-role <@U0CAROL01|carol> --role super_admin",
		"assign-role carol.danvers@corp.com --role HELP_DESK_ADMIN,ORG_ADMIN",
	} {
		n := h.okta.CallCount()
		got := h.reply(uAlice, cmd)
		mustContain(t, got, "do not let you assign", "you may assign and remove HELP_DESK_ADMIN, READ_ONLY_ADMIN", "admin_targets: true", "Nothing was sent to Okta")
		if w := h.roleWrites(n); len(w) > 0 {
			t.Errorf("%s: Okta was asked to change roles: %q", cmd, w)
		}
	}
	// A type outside the list is refused just the same.
	n := h.okta.CallCount()
	mustContain(t, h.reply(uAlice, "assign-role carol.danvers@corp.com --role USER_ADMIN"), "do not let you assign USER_ADMIN", "HELP_DESK_ADMIN, READ_ONLY_ADMIN")
	if w := h.roleWrites(n); len(w) > 0 {
		t.Errorf("Okta was asked to change roles: %q", w)
	}
	for _, id := range []string{alice.ID, carol.ID} {
		if rs := h.okta.Roles(id); len(rs) != 0 {
			t.Errorf("%s has roles %+v", id, rs)
		}
	}
	// "*" without admin_targets: everything but SUPER_ADMIN and ORG_ADMIN.
	mustContain(t, h.reply(uBob, "assign-role carol.danvers@corp.com --role ORG_ADMIN"), "do not let you assign ORG_ADMIN", "every role type except SUPER_ADMIN and ORG_ADMIN")
	mustContain(t, h.reply(uBob, "assign-role dana@corp.com --role APP_ADMIN"), "assigned APP_ADMIN")

	// What is listed works, on others.
	mustContain(t, h.reply(uAlice, "assign-role carol.danvers@corp.com --role HELP_DESK_ADMIN"), "assigned HELP_DESK_ADMIN")

	// Removing is governed by the same list, by type and by assignment id.
	h.okta.AddRole(carol.ID, oktatest.Role{Type: "USER_ADMIN"})
	mustContain(t, h.reply(uAlice, "unassign-role carol.danvers@corp.com --role USER_ADMIN"), "do not let you remove USER_ADMIN")
	var userAdmin string
	for _, r := range h.okta.Roles(carol.ID) {
		if r.Type == "USER_ADMIN" {
			userAdmin = r.ID
		}
	}
	mustContain(t, h.reply(uLee, "unassign-role carol.danvers@corp.com --is-id --role "+userAdmin), "do not let you remove USER_ADMIN", "APP_ADMIN, HELP_DESK_ADMIN")
	if rs := h.okta.Roles(carol.ID); len(rs) != 2 {
		t.Errorf("carol's roles after refused removals: %+v", rs)
	}
	mustContain(t, h.reply(uLee, "unassign-role carol.danvers@corp.com --role HELP_DESK_ADMIN"), "removed HELP_DESK_ADMIN")

	// With "*" and admin_targets, SUPER_ADMIN too.
	mustContain(t, h.reply(uSecurity, "assign-role carol.danvers@corp.com --role SUPER_ADMIN"), "assigned SUPER_ADMIN")

	// The form offers only what alice may assign (Slack accepts no other
	// value from it), and what it offers works.
	views := len(h.slack.Views())
	if _, err := h.slack.SlashCommand(uAlice, chGen, "/okta", "assign-role").WaitAck(time.Second); err != nil {
		t.Fatal(err)
	}
	form := string(h.openedView(uAlice, "okta_action", views).Blocks)
	if strings.Contains(form, `"value":"SUPER_ADMIN"`) || !strings.Contains(form, `"value":"HELP_DESK_ADMIN"`) {
		t.Errorf("alice's assign-role form: %s", form)
	}
	bob, _ := h.okta.User("bob@corp.com")
	got := h.pickForm(uAlice, "assign-role", map[string]map[string]any{
		"targets": {"targets": []string{bob.ID}}, "p_role": {"p_role": []string{"HELP_DESK_ADMIN"}}})
	mustContain(t, got, "assigned HELP_DESK_ADMIN")

	// Every refusal is logged and audited.
	if n := strings.Count(h.stdout.String(), `"reason":"a role type outside the caller's assignable_roles"`); n < 7 {
		t.Errorf("%d refusals logged, want 7", n)
	}
}

func TestNobodyChangesTheirOwnOktaAccount(t *testing.T) {
	h := newRolesHarness(t, rolesPolicy)
	alice, _ := h.okta.User("alice@corp.com")
	carol, _ := h.okta.User("carol.danvers@corp.com")
	sam, _ := h.okta.User("sam@corp.com")
	const own = "is your own Okta account"

	// However they name themselves.
	for _, cmd := range []string{
		"assign-role alice --role HELP_DESK_ADMIN",
		"assign-role <@U0ALICE01|alice> --role READ_ONLY_ADMIN",
		"assign-role " + alice.ID + " --role HELP_DESK_ADMIN",
		"disable-user alice@corp.com",
		"enable-user alice",
	} {
		mustContain(t, h.reply(uAlice, cmd), "alice@corp.com", own)
	}
	if rs := h.okta.Roles(alice.ID); len(rs) != 0 {
		t.Errorf("alice gave herself roles: %+v", rs)
	}
	if u, _ := h.okta.User(alice.ID); u.Status != "ACTIVE" {
		t.Errorf("alice is %s", u.Status)
	}
	// The others of a request still run.
	got := h.reply(uAlice, "reset-password alice carol.danvers@corp.com")
	mustContain(t, got, own, "one-time reset link")
	if strings.Count(got, "reset_password/") != 1 {
		t.Errorf("want exactly one reset link (carol's):\n%s", got)
	}
	if u, _ := h.okta.User(alice.ID); u.Status != "ACTIVE" {
		t.Errorf("alice reset her own password: %s", u.Status)
	}
	if u, _ := h.okta.User(carol.ID); u.Status != "RECOVERY" {
		t.Errorf("carol is %s, want RECOVERY", u.Status)
	}

	// Not even with "*" and admin_targets.
	mustContain(t, h.reply(uSecurity, "disable-user sam"), own)
	mustContain(t, h.reply(uSecurity, "assign-role sam@corp.com --role SUPER_ADMIN"), own)
	if u, _ := h.okta.User(sam.ID); u.Status != "ACTIVE" || len(h.okta.Roles(sam.ID)) != 0 {
		t.Errorf("sam changed his own account: %s, roles %+v", u.Status, h.okta.Roles(sam.ID))
	}
	// From the form too.
	mustContain(t, h.pickForm(uSecurity, "disable-user", map[string]map[string]any{"targets": {"targets": []string{sam.ID}}}), own)
}

// When the caller's own Okta account cannot be told, their role changes
// are refused; other writes still run, never on a user with their email.
func TestRoleChangesNeedTheCallersOktaAccount(t *testing.T) {
	h := newRolesHarness(t, rolesPolicy)
	carol, _ := h.okta.User("carol.danvers@corp.com")

	// Slack shows no email for one; the other's email is no Okta user's.
	h.slack.AddUser(slackfake.User{ID: uAlice, Name: "alice", RealName: "Alice Liddell", Email: "alice.liddell@corp.example"})
	for _, who := range []string{uAlice, uNoMail} {
		n := h.okta.CallCount()
		mustContain(t, h.reply(who, "assign-role carol.danvers@corp.com --role HELP_DESK_ADMIN"), "could not tell which Okta account is yours", "Nothing was sent to Okta")
		mustContain(t, h.reply(who, "unassign-role carol.danvers@corp.com --role HELP_DESK_ADMIN"), "could not tell which Okta account is yours")
		if w := h.roleWrites(n); len(w) > 0 {
			t.Errorf("%s: Okta was asked to change roles: %q", who, w)
		}
	}
	if rs := h.okta.Roles(carol.ID); len(rs) != 0 {
		t.Errorf("carol has roles %+v", rs)
	}
	// Other writes run.
	mustContain(t, h.reply(uNoMail, "disable-user carol.danvers@corp.com"), "suspended")
	// A user whose login or email is the caller's Slack email is theirs,
	// found or not.
	h.okta.AddUser(oktatest.User{Login: "alice.again@corp.com", Email: "alice.liddell@corp.example", FirstName: "Alice", LastName: "Again"})
	h.okta.AddUser(oktatest.User{Login: "alice.twice@corp.com", Email: "alice.liddell@corp.example", FirstName: "Alice", LastName: "Twice"})
	mustContain(t, h.reply(uAlice, "disable-user alice.twice@corp.com"), "is your own Okta account")
	mustContain(t, h.reply(uAlice, "assign-role alice.again@corp.com --role HELP_DESK_ADMIN"), "could not tell which Okta account is yours")

	// When Slack does not answer, nothing runs: the profile may have an
	// email.
	h.slack.InjectError("users.info", "internal_error")
	mustContain(t, h.reply(uNoMail, "disable-user dana@corp.com"), "could not check which Okta account is yours", "nothing was done")
	if u, _ := h.okta.User("dana@corp.com"); u.Status != "ACTIVE" {
		t.Errorf("dana is %s", u.Status)
	}
}

// Through an approval: a request on one's own account is refused before
// anyone is asked, and the rule is checked again when the approved request
// runs.
func TestSelfChangeThroughApproval(t *testing.T) {
	a := newApprovals(t, "1h")
	a.setPolicy(`roles:
  helpdesk:
    members: [U0HELPDSK]
    actions: [get-user, disable-user, assign-role]
    assignable_roles: [HELP_DESK_ADMIN]
  security:
    members: [U0SECURE1, S0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
approvals:
  - actions: [disable-user, assign-role]
    approvers: [security]
    channel: C0APPROVALS
`)
	a.okta.AddUser(oktatest.User{Login: "hal@corp.com", Email: "hal@corp.com", FirstName: "Hal", LastName: "Desk"})
	a.start("bot")

	for _, cmd := range []string{"disable-user hal", "assign-role hal@corp.com --role HELP_DESK_ADMIN", "assign-role dave --role SUPER_ADMIN"} {
		i := a.slack.SlashCommand(uDesk, chGen, "/okta", cmd)
		replies, err := i.WaitReplies(1, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		got := replies[0].AllText()
		if !strings.Contains(got, "is your own Okta account") && !strings.Contains(got, "do not let you assign SUPER_ADMIN") {
			t.Errorf("%s: reply %q, want a refusal", cmd, got)
		}
	}
	if n := len(a.approvalMessages()); n != 0 {
		t.Errorf("%d approval messages posted for refused requests", n)
	}

	// Requested for dave; before approval, Hal's Slack profile names
	// dave's address (the account is now his own): the run refuses it.
	_, msg := a.request(uDesk, "disable-user dave")
	a.slack.AddUser(slackfake.User{ID: uDesk, Name: "desk", RealName: "Hal Desk", Email: "dave@corp.com"})
	a.click(uSec1, msg, "Approve")
	a.waitUpdate(msg, "your own Okta account")
	if s := a.userStatus("dave@corp.com"); s != "ACTIVE" {
		t.Errorf("dave is %s after an approved request on the requester's own account", s)
	}
	if n := a.oktaOps("suspendUser"); n != 0 {
		t.Errorf("Okta suspended %d users", n)
	}

	// A role change whose requester's account cannot be told when it runs
	// is refused then.
	a.slack.AddUser(slackfake.User{ID: uDesk, Name: "desk", RealName: "Hal Desk", Email: "hal@corp.com"})
	_, msg = a.request(uDesk, "assign-role erin --role HELP_DESK_ADMIN")
	a.slack.AddUser(slackfake.User{ID: uDesk, Name: "desk", RealName: "Hal Desk"})
	a.click(uSec1, msg, "Approve")
	a.waitUpdate(msg, "could not tell which Okta account is yours")
	erin, _ := a.okta.User("erin@corp.com")
	if rs := a.okta.Roles(erin.ID); len(rs) != 0 {
		t.Errorf("erin has roles %+v", rs)
	}
}

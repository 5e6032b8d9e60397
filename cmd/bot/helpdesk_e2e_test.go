package main

// The helpdesk's and incident responders' account actions end to end:
// unlock, factors, sessions, password expiry, group access, activity and
// containment, through the real bot against the fakes.

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"oktabot/okta/oktatest"
)

// helpdeskPolicy: alice (alice@corp.com in Okta, a help desk admin there)
// is the helpdesk, without admin_targets; security may do everything.
const helpdeskPolicy = `roles:
  helpdesk:
    members: [U0ALICE01]
    actions: [get-user, unlock-user, list-factors, clear-sessions, expire-password, add-to-group, remove-from-group, reset-factors, user-activity, contain]
  security:
    members: [U0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
    admin_targets: true
`

// desk is a running bot under helpdeskPolicy with the world seeded and an
// Okta super admin, root.
type desk struct {
	*harness
	w    world
	root oktatest.User
}

func newDesk(t *testing.T) *desk {
	t.Helper()
	h := newHarness(t).setPolicy(helpdeskPolicy).start()
	d := &desk{harness: h, w: h.seedWorld()}
	d.root = h.okta.AddUser(oktatest.User{Login: "root@corp.com", Email: "root@corp.com", FirstName: "Root", LastName: "Admin"})
	h.okta.AddRole(d.root.ID, oktatest.Role{Type: "SUPER_ADMIN"})
	return d
}

// opsSince counts the Okta calls of one operation after the first n.
func (h *harness) opsSince(n int, op string) int {
	c := 0
	for _, call := range h.callsSince(n) {
		if call.Operation == op {
			c++
		}
	}
	return c
}

func (h *harness) status(id string) string {
	u, _ := h.okta.User(id)
	return u.Status
}

// throttled makes Okta answer 429 to everything for longer than the bot
// retries, and returns what the caller is told.
func (h *harness) throttled(user, text string) string {
	h.t.Helper()
	h.okta.Throttle(1000)
	defer h.okta.Throttle(0)
	i := h.slack.SlashCommand(user, chGen, "/okta", text)
	msgs, err := i.WaitReplies(1, 60*time.Second)
	if err != nil {
		h.t.Fatalf("/okta %s: %v", text, err)
	}
	return msgs[0].AllText()
}

func TestUnlockUser(t *testing.T) {
	d := newDesk(t)
	desk := func(text string) string { t.Helper(); return d.reply(uAlice, text) }

	// Happy path: a locked-out user and one whose sign-ins from unknown
	// devices are blocked are both unlocked; a ghost is an answer beside them.
	blocked := d.okta.AddUser(oktatest.User{Login: "dev.blocked@corp.com", FirstName: "Dev", LastName: "Blocked", UnknownDevicesBlocked: true})
	carolLocked := d.w.carol
	d.okta.LockOut(carolLocked.ID)
	got := desk("unlock-user locked.out carol.danvers dev.blocked ghost")
	mustContain(t, got, "unlock-user", "Lock Ed", "Carol Danvers", "unlocked", "Dev Blocked", "unknown devices", "ghost")
	for _, id := range []string{d.w.locked.ID, carolLocked.ID, blocked.ID} {
		if s := d.status(id); s != "ACTIVE" {
			t.Errorf("%s is %s after unlock", id, s)
		}
	}

	// Wrong state: an active user with nothing to unlock is an answer, not
	// a change; a suspended one is pointed at enable-user without a call.
	n := d.okta.CallCount()
	mustContain(t, desk("unlock-user carol.danvers"), "not locked out")
	mustContain(t, desk("unlock-user bob"), "SUSPENDED", "enable-user")
	if c := d.opsSince(n, "unlockUser"); c != 1 {
		t.Errorf("Okta was asked to unlock %d times, want once (carol's)", c)
	}

	// Okta admins are protected; nobody unlocks themselves.
	d.okta.LockOut(d.root.ID)
	mustContain(t, desk("unlock-user root"), "holds Okta admin roles (SUPER_ADMIN)")
	if s := d.status(d.root.ID); s != "LOCKED_OUT" {
		t.Errorf("the admin was unlocked by the helpdesk: %s", s)
	}
	mustContain(t, desk("unlock-user alice"), "your own Okta account")
	mustContain(t, d.reply(uSecurity, "unlock-user root"), "unlocked")

	// Not in the policy: refused, Okta sees nothing.
	n = d.okta.CallCount()
	mustContain(t, d.reply(uMallory, "unlock-user carol.danvers"), "not allowed")
	if d.okta.CallCount() != n {
		t.Error("Okta was called for a caller outside the policy")
	}

	// Rate limited: said so.
	d.okta.LockOut(carolLocked.ID)
	mustContain(t, d.throttled(uAlice, "unlock-user carol.danvers"), "rate limit")
}

func TestListFactors(t *testing.T) {
	d := newDesk(t)
	seen := time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC)
	d.okta.AddFactor(d.w.carol.ID, oktatest.Factor{FactorType: "push", Provider: "OKTA", DeviceName: "Carol's Pixel", Platform: "ANDROID", LastVerified: seen})
	d.okta.AddFactor(d.w.carol.ID, oktatest.Factor{FactorType: "sms", Provider: "OKTA", PhoneNumber: "+1 415 555 0142"})
	d.okta.AddFactor(d.w.carol.ID, oktatest.Factor{FactorType: "email", Provider: "OKTA", Email: "carol.danvers@corp.com"})
	totp := d.okta.AddFactor(d.w.carol.ID, oktatest.Factor{FactorType: "token:software:totp", Provider: "GOOGLE"})
	d.okta.AddFactor(d.w.carol.ID, oktatest.Factor{FactorType: "webauthn", Provider: "FIDO", AuthenticatorName: "YubiKey 5"})

	got := d.reply(uAlice, "list-factors carol.danvers bob ghost")
	mustContain(t, got, "Carol Danvers", "5 factors", "Okta Verify", "Carol's Pixel", "ANDROID", "2026-11-30",
		"SMS", "0142", "Email", "Google Authenticator", "YubiKey 5", totp.ID,
		"Bob Builder", "0 factors", "ghost")
	// Never a secret: no full phone number, no full address, no passcode.
	if strings.Contains(got, "555 0142") || strings.Contains(got, "4155550142") || strings.Contains(got, "carol.danvers@corp.com\n") {
		t.Errorf("an unmasked phone number or address was shown:\n%s", got)
	}
	if code, ok := d.okta.PassCode(d.w.carol.ID, totp.ID); ok && strings.Contains(got, code) {
		t.Errorf("a passcode was shown:\n%s", got)
	}
	// Reading is not guarded: the helpdesk lists an admin's factors and its own.
	mustContain(t, d.reply(uAlice, "list-factors root alice"), "Root Admin", "Alice Liddell")
	mustContain(t, d.throttled(uAlice, "list-factors carol.danvers"), "rate limit")
}

func TestClearSessions(t *testing.T) {
	d := newDesk(t)
	d.okta.AddOAuthClient(oktatest.OAuthClient{ID: "0oaslackapp", Name: "Slack"})
	seed := func(id string) {
		d.okta.AddSession(id)
		d.okta.AddSession(id)
		d.okta.AddUserToken(id, "0oaslackapp", "openid")
		d.okta.RememberDevice(id, "Laptop")
	}
	carol, bob := d.w.carol.ID, d.w.bob.ID
	seed(carol)
	seed(bob)

	// By default: every session, every token, every remembered device.
	got := d.reply(uAlice, "clear-sessions carol.danvers ghost")
	mustContain(t, got, "Carol Danvers", "sessions ended", "OAuth tokens revoked", "remembered devices forgotten", "ghost")
	if len(d.okta.Sessions(carol)) != 0 || len(d.okta.UserTokens(carol)) != 0 || len(d.okta.RememberedDevices(carol)) != 0 {
		t.Errorf("carol keeps sessions %v, tokens %v, devices %v", d.okta.Sessions(carol), d.okta.UserTokens(carol), d.okta.RememberedDevices(carol))
	}
	// --keep-tokens and --keep-devices keep what they say.
	mustContain(t, d.reply(uAlice, "clear-sessions bob --keep-tokens --keep-devices"), "sessions ended", "OAuth tokens kept", "remembered devices kept")
	if len(d.okta.Sessions(bob)) != 0 || len(d.okta.UserTokens(bob)) != 1 || len(d.okta.RememberedDevices(bob)) != 1 {
		t.Errorf("bob has sessions %v, tokens %v, devices %v", d.okta.Sessions(bob), d.okta.UserTokens(bob), d.okta.RememberedDevices(bob))
	}

	// Okta admins are protected; nobody clears their own sessions.
	seed(d.root.ID)
	mustContain(t, d.reply(uAlice, "clear-sessions root"), "holds Okta admin roles (SUPER_ADMIN)")
	if len(d.okta.Sessions(d.root.ID)) != 2 {
		t.Error("the helpdesk ended an admin's sessions")
	}
	mustContain(t, d.reply(uAlice, "clear-sessions alice"), "your own Okta account")
	mustContain(t, d.reply(uSecurity, "clear-sessions root"), "sessions ended")
	mustContain(t, d.throttled(uAlice, "clear-sessions carol.danvers"), "rate limit")
}

// tempPasswordRE finds a temporary password in a reply: the code after
// its label.
var tempPasswordRE = regexp.MustCompile("temporary password: `([^`]+)`")

func TestExpirePassword(t *testing.T) {
	d := newDesk(t)
	carol := d.w.carol.ID
	dave := d.okta.AddUser(oktatest.User{Login: "dave@corp.com", Email: "dave@corp.com", FirstName: "Dave", LastName: "Example"})

	// Plain: the user picks a new password at their next sign-in.
	got := d.reply(uAlice, "expire-password carol.danvers ghost")
	mustContain(t, got, "Carol Danvers", "password expired", "ghost")
	if s := d.status(carol); s != "PASSWORD_EXPIRED" {
		t.Errorf("carol is %s", s)
	}
	// Wrong state: already expired is an answer; suspended is refused
	// without a call.
	n := d.okta.CallCount()
	mustContain(t, d.reply(uAlice, "expire-password carol.danvers"), "already expired")
	mustContain(t, d.reply(uAlice, "expire-password bob"), "SUSPENDED")
	if c := d.opsSince(n, "expirePassword") + d.opsSince(n, "expirePasswordWithTempPassword"); c != 0 {
		t.Errorf("Okta was asked to expire %d times", c)
	}

	// --temp-password, asked in public: the channel learns that it was
	// done; the temporary password comes to the caller alone.
	i := d.slack.SlashCommand(uAlice, chGen, "/okta", "expire-password dave --temp-password --public")
	msgs, err := i.WaitReplies(2, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var public, private string
	for _, m := range msgs {
		if m.Ephemeral() {
			private += m.AllText()
		} else {
			public += m.AllText()
		}
	}
	mustContain(t, public, "Dave Example", "password expired", "sent to you privately")
	m := tempPasswordRE.FindStringSubmatch(private)
	if m == nil {
		t.Fatalf("the caller got no temporary password:\n%s", private)
	}
	temp := m[1]
	if !d.okta.PasswordIs(dave.ID, temp) {
		t.Errorf("%q is not dave's password in Okta", temp)
	}
	if strings.Contains(public, temp) {
		t.Error("the temporary password was posted in the channel")
	}
	d.stop()
	var files []byte
	db := d.env["OKTABOT_DATABASE_URL"]
	for _, f := range []string{db, db + "-wal", db + "-shm"} {
		b, _ := os.ReadFile(f)
		files = append(files, b...)
	}
	if strings.Contains(d.stdout.String(), temp) || strings.Contains(string(files), temp) {
		t.Error("the temporary password reached the logs or the database")
	}
}

func TestExpirePasswordGuards(t *testing.T) {
	d := newDesk(t)
	mustContain(t, d.reply(uAlice, "expire-password root --temp-password"), "holds Okta admin roles (SUPER_ADMIN)")
	mustContain(t, d.reply(uAlice, "expire-password alice"), "your own Okta account")
	if d.status(d.root.ID) != "ACTIVE" || d.status(d.w.alice.ID) != "ACTIVE" {
		t.Error("a guarded password was expired")
	}
	mustContain(t, d.reply(uSecurity, "expire-password root"), "password expired")
	mustContain(t, d.throttled(uAlice, "expire-password carol.danvers"), "rate limit")
}

func TestAddToGroupAndRemoveFromGroup(t *testing.T) {
	d := newDesk(t)
	desk := func(text string) string { t.Helper(); return d.reply(uAlice, text) }
	carol, bob := d.w.carol.ID, d.w.bob.ID
	inGroup := func(userID, groupID string) bool {
		for _, m := range d.okta.Members(groupID) {
			if m.ID == userID {
				return true
			}
		}
		return false
	}

	// By name and by id; already a member is an answer.
	got := desk(`add-to-group carol.danvers bob ghost --group "On-call"`)
	mustContain(t, got, "Carol Danvers", "added to On-call", "Bob Builder", "ghost")
	if !inGroup(carol, d.w.oncall.ID) || !inGroup(bob, d.w.oncall.ID) {
		t.Error("Okta's group lacks carol or bob")
	}
	mustContain(t, desk("add-to-group carol.danvers --group "+d.w.oncall.ID), "already in On-call")
	mustContain(t, desk(`remove-from-group carol.danvers --group On-call`), "removed from On-call")
	mustContain(t, desk(`remove-from-group carol.danvers --group On-call`), "was not in On-call")
	if inGroup(carol, d.w.oncall.ID) {
		t.Error("carol is still in the group")
	}

	// Not found, not an Okta group, no --group.
	mustContain(t, desk(`add-to-group carol.danvers --group "No such group"`), "no Okta group is named")
	n := d.okta.CallCount()
	mustContain(t, desk(`add-to-group carol.danvers --group Everyone`), "BUILT_IN", "only Okta groups")
	if c := d.opsSince(n, "assignUserToGroup"); c != 0 {
		t.Error("Okta was asked to add to a built-in group")
	}
	// Without --group, the form asks for it.
	cmd := d.slack.SlashCommand(uAlice, chGen, "/okta", "add-to-group carol.danvers")
	if _, err := cmd.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	form := d.openedView(uAlice, "okta_action", 0)
	sub, err := d.slack.SubmitView(uAlice, form, map[string]map[string]any{"p_group": {"p_group": "On-call"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	msgs, err := cmd.WaitReplies(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, msgs[0].AllText(), "added to On-call")

	// A group that grants admin roles: only for roles with admin_targets.
	admins := d.okta.AddGroup(oktatest.Group{Name: "Help desk admins"})
	d.okta.AddGroupRole(admins.ID, oktatest.Role{Type: "USER_ADMIN"})
	n = d.okta.CallCount()
	mustContain(t, desk(`add-to-group carol.danvers --group "Help desk admins"`), "grants Okta admin roles (USER_ADMIN)", "admin_targets")
	mustContain(t, desk(`remove-from-group carol.danvers --group "Help desk admins"`), "grants Okta admin roles (USER_ADMIN)")
	if c := d.opsSince(n, "assignUserToGroup") + d.opsSince(n, "unassignUserFromGroup"); c != 0 {
		t.Error("the helpdesk changed an admin group")
	}
	mustContain(t, d.reply(uSecurity, `add-to-group carol.danvers --group "Help desk admins"`), "added to Help desk admins")

	// Admin targets and one's own account.
	mustContain(t, desk(`add-to-group root --group On-call`), "holds Okta admin roles (SUPER_ADMIN)")
	mustContain(t, desk(`add-to-group alice --group On-call`), "your own Okta account")
	if inGroup(d.root.ID, d.w.oncall.ID) {
		t.Error("the helpdesk added an admin to a group")
	}
	mustContain(t, d.throttled(uAlice, `add-to-group bob --group On-call`), "rate limit")
}

func TestResetFactors(t *testing.T) {
	d := newDesk(t)
	desk := func(text string) string { t.Helper(); return d.reply(uAlice, text) }
	carol, bob := d.w.carol.ID, d.w.bob.ID
	d.okta.AddFactor(carol, oktatest.Factor{FactorType: "push", Provider: "OKTA", DeviceName: "Carol's Pixel"})
	d.okta.AddFactor(carol, oktatest.Factor{FactorType: "sms", Provider: "OKTA", PhoneNumber: "+1 415 555 0142"})
	totp := d.okta.AddFactor(carol, oktatest.Factor{FactorType: "token:software:totp", Provider: "GOOGLE"})
	d.okta.AddFactor(bob, oktatest.Factor{FactorType: "sms", Provider: "OKTA", PhoneNumber: "+1 415 555 0199"})
	d.okta.AddFactor(bob, oktatest.Factor{FactorType: "email", Provider: "OKTA", Email: "bob@corp.com"})
	types := func(id string) (out []string) {
		for _, f := range d.okta.Factors(id) {
			out = append(out, f.FactorType)
		}
		return out
	}

	// Named factors, by type and by id; one she does not have is said.
	got := desk("reset-factors carol.danvers --factor sms," + totp.ID + ",webauthn")
	mustContain(t, got, "Carol Danvers", "removed SMS, Google Authenticator", "did not have webauthn")
	if ts := types(carol); len(ts) != 1 || ts[0] != "push" {
		t.Errorf("carol's factors after removing two: %v", ts)
	}
	// All of them, for every user named.
	got = desk("reset-factors carol.danvers bob ghost")
	mustContain(t, got, "reset every factor (Okta Verify push)", "reset every factor (SMS, Email)", "ghost")
	if len(types(carol)) != 0 || len(types(bob)) != 0 {
		t.Errorf("factors left: carol %v, bob %v", types(carol), types(bob))
	}
	// Wrong state: nothing enrolled is an answer; a deactivated user is refused.
	n := d.okta.CallCount()
	mustContain(t, desk("reset-factors carol.danvers"), "no factors enrolled")
	mustContain(t, desk("reset-factors leaver"), "DEPROVISIONED")
	if c := d.opsSince(n, "resetFactors") + d.opsSince(n, "unenrollFactor"); c != 0 {
		t.Errorf("%d factor resets with nothing to reset", c)
	}

	// Admins and one's own account.
	d.okta.AddFactor(d.root.ID, oktatest.Factor{FactorType: "sms", Provider: "OKTA", PhoneNumber: "+1 415 555 0100"})
	mustContain(t, desk("reset-factors root"), "holds Okta admin roles (SUPER_ADMIN)")
	mustContain(t, desk("reset-factors alice"), "your own Okta account")
	if len(types(d.root.ID)) != 1 {
		t.Error("the helpdesk reset an admin's factors")
	}
	mustContain(t, d.reply(uSecurity, "reset-factors root"), "reset every factor")
	d.okta.AddFactor(carol, oktatest.Factor{FactorType: "sms", Provider: "OKTA", PhoneNumber: "+1 415 555 0142"})
	mustContain(t, d.throttled(uAlice, "reset-factors carol.danvers"), "rate limit")
}

func TestUserActivity(t *testing.T) {
	d := newDesk(t)
	desk := func(text string) string { t.Helper(); return d.reply(uAlice, text) }
	carol, bob := d.w.carol.ID, d.w.bob.ID
	now := time.Now()
	d.okta.AddLogEvent(oktatest.LogEvent{EventType: "user.session.start", DisplayMessage: "User login to Okta", ActorID: carol, TargetIDs: []string{carol},
		Published: now.Add(-2 * time.Hour), ClientIP: "203.0.113.7", City: "Lisbon", Country: "Portugal", UserAgent: "Mozilla/5.0 (Macintosh)"})
	d.okta.AddLogEvent(oktatest.LogEvent{EventType: "user.authentication.auth_via_mfa", DisplayMessage: "Authentication of user via MFA", ActorID: carol,
		Published: now.Add(-5 * time.Hour), Outcome: "FAILURE", Reason: "INVALID_CREDENTIALS", ClientIP: "198.51.100.9", City: "Ashburn", Country: "United States"})
	d.okta.AddLogEvent(oktatest.LogEvent{EventType: "user.account.update_password", DisplayMessage: "Update password", ActorID: carol, Published: now.Add(-72 * time.Hour)})
	d.okta.AddLogEvent(oktatest.LogEvent{EventType: "user.session.start", DisplayMessage: "Bob logs in", ActorID: bob, Published: now.Add(-time.Hour)})

	// The last 24 hours by default: carol's two, not bob's, not older.
	got := desk("user-activity carol.danvers")
	mustContain(t, got, "Carol Danvers", "2 events", "user.session.start", "User login to Okta", "203.0.113.7", "Lisbon, Portugal",
		"Mozilla/5.0", "user.authentication.auth_via_mfa", "FAILURE", "INVALID_CREDENTIALS", "last 24h")
	for _, not := range []string{"Bob logs in", "Update password"} {
		if strings.Contains(got, not) {
			t.Errorf("%q is shown:\n%s", not, got)
		}
	}
	mustContain(t, desk("user-activity carol.danvers --since 7d"), "3 events", "Update password", "last 7d")
	got = desk("user-activity carol.danvers --since 7d --type user.session.start")
	mustContain(t, got, "1 event", "User login to Okta")
	mustContain(t, desk("user-activity carol.danvers --since 7d --limit 1"), "1 event", "User login to Okta")

	// Bad input, not found, one user only.
	mustContain(t, desk("user-activity carol.danvers --since 91d"), "90d")
	mustContain(t, desk("user-activity carol.danvers --since yesterday"), "--since")
	mustContain(t, desk("user-activity ghost"), "ghost")
	mustContain(t, desk("user-activity carol.danvers bob"), "one user")

	// More than a message shows comes whole as CSV.
	for i := range 130 {
		d.okta.AddLogEvent(oktatest.LogEvent{EventType: "user.session.start", DisplayMessage: "Login", ActorID: bob, Published: now.Add(-time.Duration(i+1) * time.Minute)})
	}
	files := len(d.slack.Files())
	mustContain(t, desk("user-activity bob --limit 200"), "131 events", "Showing 100 of 131")
	fs := d.slack.Files()
	if len(fs) != files+1 || strings.Count(string(fs[len(fs)-1].Content), "user.session.start") != 131 {
		t.Errorf("no CSV with every event: %d files", len(fs)-files)
	}

	// Reading is not guarded: an admin's activity, one's own.
	mustContain(t, desk("user-activity root"), "Root Admin", "0 events")
	mustContain(t, desk("user-activity alice"), "Alice Liddell")
	mustContain(t, d.throttled(uAlice, "user-activity carol.danvers"), "rate limit")
}

// stepsOf are the Okta writes made to one user, in order, by operation.
func (h *harness) stepsOf(n int, userID string) []string {
	var out []string
	for _, c := range h.callsSince(n) {
		if c.Method != "GET" && strings.Contains(c.Path, "/users/"+userID+"/") {
			out = append(out, c.Operation)
		}
	}
	return out
}

func TestContain(t *testing.T) {
	d := newDesk(t)
	carol := d.w.carol.ID
	d.okta.AddSession(carol)
	d.okta.AddOAuthClient(oktatest.OAuthClient{ID: "0oaslackapp", Name: "Slack"})
	d.okta.AddUserToken(carol, "0oaslackapp", "openid")

	n := d.okta.CallCount()
	got := d.reply(uAlice, "contain carol.danvers bob locked.out ghost")
	// Carol: every step, in order; what Okta does not allow is said.
	mustContain(t, got, "Carol Danvers", "suspended", "sessions ended", "OAuth tokens revoked", "password not expired")
	if s := d.status(carol); s != "SUSPENDED" {
		t.Errorf("carol is %s", s)
	}
	if len(d.okta.Sessions(carol)) != 0 || len(d.okta.UserTokens(carol)) != 0 {
		t.Error("carol keeps sessions or tokens")
	}
	if steps := d.stepsOf(n, carol); strings.Join(steps, ",") != "suspendUser,revokeUserSessions" {
		t.Errorf("carol's steps = %v", steps)
	}
	// Bob was suspended already: the later steps still run.
	mustContain(t, got, "already suspended")
	if steps := d.stepsOf(n, d.w.bob.ID); strings.Join(steps, ",") != "revokeUserSessions" {
		t.Errorf("bob's steps = %v", steps)
	}
	// A locked-out user cannot be suspended (Okta suspends active users
	// only): the later steps do not run, and the answer says what was not
	// done. Okta is not asked what it would refuse.
	mustContain(t, got, "suspend failed", "not done: clear sessions")
	if steps := d.stepsOf(n, d.w.locked.ID); len(steps) != 0 {
		t.Errorf("the locked-out user's steps = %v", steps)
	}
	mustContain(t, got, "ghost")

	// --keep-tokens keeps them.
	dave := d.okta.AddUser(oktatest.User{Login: "dave@corp.com", Email: "dave@corp.com", FirstName: "Dave", LastName: "Example"})
	d.okta.AddUserToken(dave.ID, "0oaslackapp", "openid")
	mustContain(t, d.reply(uAlice, "contain dave --keep-tokens"), "OAuth tokens kept")
	if len(d.okta.UserTokens(dave.ID)) != 1 {
		t.Error("--keep-tokens revoked dave's token")
	}

	// Admins and one's own account; security may contain an admin.
	n = d.okta.CallCount()
	mustContain(t, d.reply(uAlice, "contain root"), "holds Okta admin roles (SUPER_ADMIN)")
	mustContain(t, d.reply(uAlice, "contain alice"), "your own Okta account")
	if steps := append(d.stepsOf(n, d.root.ID), d.stepsOf(n, d.w.alice.ID)...); len(steps) != 0 {
		t.Errorf("guarded users got %v", steps)
	}
	mustContain(t, d.reply(uSecurity, "contain root"), "suspended", "sessions ended")
	erin := d.okta.AddUser(oktatest.User{Login: "erin@corp.com", FirstName: "Erin", LastName: "Example"})
	_ = erin
	mustContain(t, d.throttled(uAlice, "contain erin"), "rate limit")
}

// contain on 50 users: each user's steps in order, a failed step stops
// that user's later steps, the others go on, and the answer says per user
// what was done.
func TestContainFiftyUsers(t *testing.T) {
	d := newDesk(t)
	var targets []string
	var ids []string
	for i := range 50 {
		status := "ACTIVE"
		if i%10 == 3 {
			status = "LOCKED_OUT"
		}
		u := d.okta.AddUser(oktatest.User{Login: fmt.Sprintf("user%02d@corp.com", i), FirstName: "User", LastName: fmt.Sprintf("%02d", i), Status: status})
		targets = append(targets, u.Login)
		ids = append(ids, u.ID)
	}
	n := d.okta.CallCount()
	i := d.slack.SlashCommand(uAlice, chGen, "/okta", "contain "+strings.Join(targets, " "))
	msgs, err := i.WaitReplies(1, 60*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	got := msgs[0].AllText()
	mustContain(t, got, "45 done", "5 failed")
	for k, id := range ids {
		steps := strings.Join(d.stepsOf(n, id), ",")
		want := "suspendUser,revokeUserSessions"
		if k%10 == 3 {
			want = ""
		}
		if steps != want {
			t.Errorf("%s: steps %s, want %s", targets[k], steps, want)
		}
		if !strings.Contains(got, targets[k]) {
			t.Errorf("the answer does not name %s", targets[k])
		}
	}
}

func TestGetUserShowsLockOutFactorsAndLastLogin(t *testing.T) {
	d := newDesk(t)
	d.okta.AddFactor(d.w.carol.ID, oktatest.Factor{FactorType: "push", Provider: "OKTA", DeviceName: "Carol's Pixel"})
	d.okta.AddFactor(d.w.carol.ID, oktatest.Factor{FactorType: "sms", Provider: "OKTA", PhoneNumber: "+1 415 555 0142"})
	d.okta.LockOut(d.w.carol.ID)
	got := d.reply(uAlice, "get-user carol.danvers alice")
	mustContain(t, got, "Carol Danvers", "locked out", "unlock-user", "MFA factors", "Okta Verify push, SMS", "none enrolled", "Last login", "2022-07-13")
	if strings.Contains(got, "0142") {
		t.Error("get-user shows a factor's phone number")
	}
}

// The new actions wait for approval like the old: nothing reaches Okta
// before, the approved request runs as its requester.
func TestAccountActionsWaitForApproval(t *testing.T) {
	a := newApprovals(t, "1h")
	a.setPolicy(`roles:
  helpdesk:
    members: [U0HELPDSK]
    actions: [get-user, unlock-user, reset-factors, contain, expire-password, add-to-group]
  security:
    members: [U0SECURE1, S0SECURITY]
    actions: ["*"]
    admin_targets: true
    assignable_roles: ["*"]
approvals:
  - actions: [reset-factors, contain, expire-password, add-to-group]
    approvers: [security]
    channel: C0APPROVALS
    expire_after: 1h
    require_reason: true
`)
	a.start("bot")
	carol, _ := a.okta.User("carol.danvers@corp.com")
	dave, _ := a.okta.User("dave@corp.com")
	a.okta.AddFactor(dave.ID, oktatest.Factor{FactorType: "sms", Provider: "OKTA", PhoneNumber: "+1 415 555 0101"})

	n := a.okta.CallCount()
	_, msg := a.request(uDesk, `contain carol.danvers --reason "INC-7"`)
	_, msg2 := a.request(uDesk, `reset-factors dave --reason "lost phone, ticket 88"`)
	if w := oktaWrites(a.callsSince(n)); len(w) != 0 {
		t.Fatalf("Okta was written to before approval: %+v", w)
	}
	mustContain(t, a.now(msg).AllText(), "contain", "carol.danvers", "INC-7")

	a.click(uSec1, msg, "Approve")
	a.waitUpdate(msg, "and run")
	a.told(uDesk, "suspended")
	if s := a.userStatus("carol.danvers@corp.com"); s != "SUSPENDED" {
		t.Errorf("carol is %s after an approved contain", s)
	}
	a.click(uSec1, msg2, "Approve")
	a.waitUpdate(msg2, "and run")
	if fs := a.okta.Factors(dave.ID); len(fs) != 0 {
		t.Errorf("dave keeps factors %v", fs)
	}
	_ = carol

	// A temporary password from an approved request goes to its requester
	// alone, when they ask for it.
	_, msg3 := a.request(uDesk, `expire-password erin --temp-password --reason "ticket 91"`)
	a.click(uSec1, msg3, "Approve")
	run := a.runNow(uDesk)
	replies, err := run.WaitReplies(1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m := tempPasswordRE.FindStringSubmatch(replies[0].AllText())
	if m == nil || !replies[0].Ephemeral() {
		t.Fatalf("the requester got no private temporary password: %+v", replies[0])
	}
	a.secrets = append(a.secrets, m[1])
	erin, _ := a.okta.User("erin@corp.com")
	if !a.okta.PasswordIs(erin.ID, m[1]) {
		t.Error("the temporary password is not erin's")
	}
	for _, p := range a.posts(chApprovals) {
		if strings.Contains(p.AllText(), m[1]) {
			t.Error("the temporary password was posted for the approvers")
		}
	}

	// Unlock needs no approval here.
	a.okta.LockOut(dave.ID)
	i := a.slack.SlashCommand(uDesk, chGen, "/okta", "unlock-user dave")
	rs, err := i.WaitReplies(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, rs[0].AllText(), "unlocked")
}

// A request to change an admin group's members, by someone who may not
// act on admins, is refused before anyone is asked to approve it.
func TestAdminGroupRequestIsRefusedBeforeApproval(t *testing.T) {
	a := newApprovals(t, "1h")
	a.setPolicy(`roles:
  helpdesk:
    members: [U0HELPDSK]
    actions: [add-to-group]
  security:
    members: [U0SECURE1]
    actions: ["*"]
    admin_targets: true
    assignable_roles: ["*"]
approvals:
  - actions: [add-to-group]
    approvers: [security]
    channel: C0APPROVALS
`)
	admins := a.okta.AddGroup(oktatest.Group{Name: "Org admins"})
	a.okta.AddGroupRole(admins.ID, oktatest.Role{Type: "ORG_ADMIN"})
	a.start("bot")
	i := a.slack.SlashCommand(uDesk, chGen, "/okta", `add-to-group carol.danvers --group "Org admins"`)
	replies, err := i.WaitReplies(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, replies[0].AllText(), "grants Okta admin roles (ORG_ADMIN)")
	if n := len(a.approvalMessages()); n != 0 {
		t.Errorf("%d approval messages posted", n)
	}
	if n := a.oktaOps("assignUserToGroup"); n != 0 {
		t.Errorf("Okta was asked %d times", n)
	}
}

package main

// Every action end to end: typed as a slash command and, for actions with
// inputs, submitted from its form; what the caller sees, and what Okta
// received.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"oktabot/okta/oktatest"
)

// openPolicy lets the security role run everything with no approvals, so
// that these tests exercise the actions themselves (approvals have their
// own tests).
const openPolicy = `roles:
  oncall:
    members: [U0ALICE01, S0ONCALL01]
    actions: [ping, get-user, list-users]
  security:
    members: [U0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
    admin_targets: true
`

func (h *harness) setPolicy(text string) *harness {
	h.t.Helper()
	p := filepath.Join(h.t.TempDir(), "policy.yml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		h.t.Fatal(err)
	}
	h.env["OKTABOT_POLICY_FILE"] = p
	return h
}

// world seeds the Okta fake with groups, roles and identity providers
// beside newHarness's users, and adds people in every lifecycle state.
type world struct {
	alice, bob, carol, staged, gone, locked oktatest.User
	oncall, everyone                        oktatest.Group
}

func (h *harness) seedWorld() world {
	o := h.okta
	var w world
	w.alice, _ = o.User("alice@corp.com")
	w.bob, _ = o.User("bob@corp.com")
	w.carol, _ = o.User("carol.danvers@corp.com")
	w.staged = o.AddUser(oktatest.User{Login: "new.hire@corp.com", FirstName: "New", LastName: "Hire", Status: "STAGED"})
	w.gone = o.AddUser(oktatest.User{Login: "leaver@corp.com", FirstName: "Lee", LastName: "Ver", Status: "DEPROVISIONED"})
	w.locked = o.AddUser(oktatest.User{Login: "locked.out@corp.com", FirstName: "Lock", LastName: "Ed", Status: "LOCKED_OUT"})
	w.everyone = o.AddGroup(oktatest.Group{Name: "Everyone", Type: "BUILT_IN", Description: "All users"})
	w.oncall = o.AddGroup(oktatest.Group{Name: "On-call", Description: "Who is on call"})
	o.AddGroupMember(w.everyone.ID, w.alice.ID)
	o.AddGroupMember(w.oncall.ID, w.alice.ID)
	o.AddRole(w.alice.ID, oktatest.Role{Type: "HELP_DESK_ADMIN"})
	o.AddIdentityProvider(oktatest.IdentityProvider{Name: "Corporate SAML", Type: "SAML2"})
	o.AddIdentityProvider(oktatest.IdentityProvider{Name: "Google Workspace", Type: "GOOGLE"})
	return w
}

// callsSince are Okta's calls after the first n.
func (h *harness) callsSince(n int) []oktatest.Call {
	return h.okta.Calls()[n:]
}

func TestEveryActionFromASlashCommand(t *testing.T) {
	h := newHarness(t).setPolicy(openPolicy).start()
	w := h.seedWorld()
	sec := func(text string) string { t.Helper(); return h.reply(uSecurity, text) }

	t.Run("list-users", func(t *testing.T) {
		mustContain(t, sec(`list-users --filter 'status eq "SUSPENDED"'`), "Bob Builder", "1 user")
		mustContain(t, sec(`list-users --query car`), "Carol Danvers")
		got := sec(`list-users --search 'status eq "ACTIVE"' --limit 2`)
		mustContain(t, got, "2 users")
		mustContain(t, sec(`list-users --filter 'status eq'`), "E0000031")
	})
	t.Run("ambiguous short login", func(t *testing.T) {
		h.okta.AddUser(oktatest.User{Login: "sam@corp.com", FirstName: "Sam", LastName: "One"})
		h.okta.AddUser(oktatest.User{Login: "sam@subsidiary.com", FirstName: "Sam", LastName: "Two"})
		got := sec("get-user sam alice")
		mustContain(t, got, "`sam`", "sam@corp.com", "sam@subsidiary.com", "Alice Liddell")
	})
	t.Run("list-user-groups", func(t *testing.T) {
		got := sec("list-user-groups alice ghost")
		mustContain(t, got, "Alice Liddell", "On-call", "Everyone", "2 groups", "ghost")
	})
	t.Run("get-group", func(t *testing.T) {
		mustContain(t, sec(`get-group "On-call"`), "On-call", "Who is on call", w.oncall.ID)
		mustContain(t, sec("get-group "+w.everyone.ID+" --is-id"), "Everyone", "All users")
		mustContain(t, sec(`get-group "No such group"`), "no Okta group is named")
	})
	t.Run("add-group", func(t *testing.T) {
		before := len(h.okta.Groups())
		mustContain(t, sec(`add-group "Incident commanders" --description "Who runs incidents"`), "created", "Incident commanders")
		if len(h.okta.Groups()) != before+1 {
			t.Error("Okta has no new group")
		}
		mustContain(t, sec(`add-group "Incident commanders"`), "already exists")
		if len(h.okta.Groups()) != before+1 {
			t.Error("a duplicate group was created")
		}
	})
	t.Run("list-roles", func(t *testing.T) {
		mustContain(t, sec("list-roles alice bob"), "HELP_DESK_ADMIN", "Bob Builder", "0 admin roles")
	})
	t.Run("assign-role and unassign-role", func(t *testing.T) {
		mustContain(t, sec("assign-role alice bob ghost --role USER_ADMIN,HELP_DESK_ADMIN"),
			"assigned USER_ADMIN; already had HELP_DESK_ADMIN", "assigned USER_ADMIN, HELP_DESK_ADMIN", "ghost")
		if rs := h.okta.Roles(w.bob.ID); len(rs) != 2 {
			t.Errorf("bob's roles in Okta = %+v", rs)
		}
		mustContain(t, sec("assign-role alice --role MOBILE_ADMIN"), "not a valid --role")
		mustContain(t, sec("unassign-role bob --role USER_ADMIN,SUPER_ADMIN"), "removed USER_ADMIN; did not have SUPER_ADMIN")
		id := h.okta.Roles(w.bob.ID)[0].ID
		mustContain(t, sec("unassign-role bob --role "+id+" --is-id"), "removed HELP_DESK_ADMIN")
		if rs := h.okta.Roles(w.bob.ID); len(rs) != 0 {
			t.Errorf("bob still has roles %+v", rs)
		}
	})
	t.Run("list-providers", func(t *testing.T) {
		got := sec("list-providers")
		mustContain(t, got, "Corporate SAML", "Google Workspace", "2 identity providers")
		got = sec("list-providers --type SAML2")
		mustContain(t, got, "Corporate SAML")
		if strings.Contains(got, "Google Workspace") {
			t.Error("--type SAML2 listed a Google provider")
		}
	})
	t.Run("disable-user and enable-user", func(t *testing.T) {
		mustContain(t, sec("disable-user alice ghost bob"), "suspended", "already suspended", "ghost")
		if u, _ := h.okta.User(w.alice.ID); u.Status != "SUSPENDED" {
			t.Errorf("alice is %s in Okta", u.Status)
		}
		mustContain(t, sec("enable-user alice locked.out@corp.com"), "unsuspended", "unlocked")
		for _, id := range []string{w.alice.ID, w.locked.ID} {
			if u, _ := h.okta.User(id); u.Status != "ACTIVE" {
				t.Errorf("%s is %s in Okta", u.Login, u.Status)
			}
		}
		mustContain(t, sec("disable-user carol.danvers --deactivate"), "deactivated")
		if u, _ := h.okta.User(w.carol.ID); u.Status != "DEPROVISIONED" {
			t.Errorf("carol is %s in Okta", u.Status)
		}
		n := h.okta.CallCount()
		mustContain(t, sec("enable-user new.hire@corp.com --activate --send-email"), "activated", "emailed")
		assertSendEmail(t, h.callsSince(n), "/lifecycle/activate", "true")
		n = h.okta.CallCount()
		got := sec("enable-user leaver@corp.com --activate")
		mustContain(t, got, "activated", "one-time activation link")
		assertSendEmail(t, h.callsSince(n), "/lifecycle/activate", "false")
		n = h.okta.CallCount()
		mustContain(t, sec("disable-user leaver@corp.com --deactivate --send-email"), "deactivated")
		assertSendEmail(t, h.callsSince(n), "/lifecycle/deactivate", "true")
	})
	t.Run("reset-password", func(t *testing.T) {
		n := h.okta.CallCount()
		got := sec("reset-password locked.out@corp.com")
		mustContain(t, got, "one-time reset link", "http")
		assertSendEmail(t, h.callsSince(n), "/lifecycle/reset_password", "false")
		n = h.okta.CallCount()
		got = sec("reset-password alice --send-email")
		mustContain(t, got, "emailed the reset link")
		if strings.Contains(got, "reset link:") {
			t.Error("a link was shown although Okta emailed it")
		}
		assertSendEmail(t, h.callsSince(n), "/lifecycle/reset_password", "true")
	})
}

// assertSendEmail checks that the lifecycle call reached Okta with the
// sendEmail the caller asked for: the seed's original ignored the flag.
func assertSendEmail(t *testing.T, calls []oktatest.Call, suffix, want string) {
	t.Helper()
	for _, c := range calls {
		if strings.HasSuffix(c.Path, suffix) {
			if got := c.Query.Get("sendEmail"); got != want {
				t.Errorf("%s %s sendEmail=%q, want %q", c.Method, c.Path, got, want)
			}
			return
		}
	}
	t.Errorf("no call to …%s among %d calls", suffix, len(calls))
}

// submitForm opens an action's form with the command text, fills it in and
// submits it, and returns the caller's reply.
func (h *harness) submitForm(user, text string, values map[string]map[string]any) string {
	h.t.Helper()
	views := len(h.slack.Views())
	cmd := h.slack.SlashCommand(user, chGen, "/okta", text)
	if _, err := cmd.WaitAck(time.Second); err != nil {
		h.t.Fatal(err)
	}
	form := h.openedView(user, "okta_action", views)
	sub, err := h.slack.SubmitView(user, form, values)
	if err != nil {
		h.t.Fatalf("submitting %q: %v", text, err)
	}
	ack, err := sub.WaitAck(time.Second)
	if err != nil {
		h.t.Fatal(err)
	}
	if strings.Contains(string(ack.Payload), `"errors"`) {
		h.t.Fatalf("form %q refused: %s", text, ack.Payload)
	}
	msgs, err := cmd.WaitReplies(1, 3*time.Second)
	if err != nil {
		h.t.Fatalf("form %q: %v\nlogs:\n%s", text, err, h.stdout)
	}
	last := msgs[len(msgs)-1]
	if !last.Ephemeral() {
		h.t.Errorf("form %q: reply is not ephemeral", text)
	}
	return last.AllText()
}

// pickForm opens an action's form through the picker (as `/okta` alone
// does), submits values, and returns the reply.
func (h *harness) pickForm(user, action string, values map[string]map[string]any) string {
	h.t.Helper()
	views := len(h.slack.Views())
	cmd := h.slack.SlashCommand(user, chGen, "/okta", "")
	cmd.WaitAck(time.Second)
	picker := h.openedView(user, "okta_pick", views)
	sub, err := h.slack.SubmitView(user, picker, map[string]map[string]any{"pick": {"pick": action}})
	if err != nil {
		h.t.Fatal(err)
	}
	sub.WaitAck(time.Second)
	form, _ := h.slack.CurrentView(picker.ID)
	run, err := h.slack.SubmitView(user, form, values)
	if err != nil {
		h.t.Fatalf("%s form: %v", action, err)
	}
	ack, _ := run.WaitAck(time.Second)
	if strings.Contains(string(ack.Payload), `"errors"`) {
		h.t.Fatalf("%s form refused: %s", action, ack.Payload)
	}
	msgs, err := cmd.WaitReplies(1, 3*time.Second)
	if err != nil {
		h.t.Fatalf("%s form: %v\nlogs:\n%s", action, err, h.stdout)
	}
	return msgs[len(msgs)-1].AllText()
}

func TestEveryActionWithInputsFromItsForm(t *testing.T) {
	h := newHarness(t).setPolicy(openPolicy).start()
	w := h.seedWorld()
	// The caller's own Okta account: role changes need to know it.
	h.okta.AddUser(oktatest.User{Login: "sam@corp.com", Email: "sam@corp.com", FirstName: "Sam", LastName: "Security"})
	users := func(ids ...string) map[string]any { return map[string]any{"targets": ids} }
	t.Run("get-user", func(t *testing.T) {
		mustContain(t, h.pickForm(uSecurity, "get-user", map[string]map[string]any{"targets": users(w.alice.ID, w.bob.ID)}), "Alice Liddell", "Bob Builder")
	})
	t.Run("list-users", func(t *testing.T) {
		got := h.pickForm(uSecurity, "list-users", map[string]map[string]any{
			"p_filter": {"p_filter": `status eq "SUSPENDED"`}, "p_limit": {"p_limit": "5"}})
		mustContain(t, got, "Bob Builder", "1 user")
	})
	t.Run("list-user-groups", func(t *testing.T) {
		mustContain(t, h.pickForm(uSecurity, "list-user-groups", map[string]map[string]any{"targets": users(w.alice.ID)}), "On-call")
	})
	t.Run("get-group", func(t *testing.T) {
		mustContain(t, h.pickForm(uSecurity, "get-group", map[string]map[string]any{"targets": {"targets": []string{w.oncall.ID}}}), "Who is on call")
	})
	t.Run("add-group", func(t *testing.T) {
		mustContain(t, h.pickForm(uSecurity, "add-group", map[string]map[string]any{
			"targets": {"targets": "Form-made group"}, "p_description": {"p_description": "made in a modal"}}), "created")
	})
	t.Run("list-roles", func(t *testing.T) {
		mustContain(t, h.pickForm(uSecurity, "list-roles", map[string]map[string]any{"targets": users(w.alice.ID)}), "HELP_DESK_ADMIN")
	})
	t.Run("assign-role", func(t *testing.T) {
		mustContain(t, h.pickForm(uSecurity, "assign-role", map[string]map[string]any{
			"targets": users(w.carol.ID), "p_role": {"p_role": []string{"REPORT_ADMIN"}}}), "assigned REPORT_ADMIN")
	})
	t.Run("unassign-role", func(t *testing.T) {
		mustContain(t, h.pickForm(uSecurity, "unassign-role", map[string]map[string]any{
			"targets": users(w.carol.ID), "p_role": {"p_role": "REPORT_ADMIN"}}), "removed REPORT_ADMIN")
	})
	t.Run("list-providers", func(t *testing.T) {
		mustContain(t, h.pickForm(uSecurity, "list-providers", map[string]map[string]any{"p_type": {"p_type": "GOOGLE"}}), "Google Workspace")
	})
	t.Run("disable-user", func(t *testing.T) {
		mustContain(t, h.pickForm(uSecurity, "disable-user", map[string]map[string]any{
			"targets": users(w.carol.ID), "p_deactivate": {"p_deactivate": []string{"true"}}}), "deactivated")
	})
	t.Run("enable-user", func(t *testing.T) {
		mustContain(t, h.pickForm(uSecurity, "enable-user", map[string]map[string]any{
			"targets": users(w.staged.ID), "p_activate": {"p_activate": []string{"true"}}}), "activated", "one-time activation link")
	})
	t.Run("reset-password", func(t *testing.T) {
		mustContain(t, h.pickForm(uSecurity, "reset-password", map[string]map[string]any{
			"targets": users(w.alice.ID), "p_send-email": {"p_send-email": []string{"true"}}}), "emailed")
	})
	t.Run("set-password", func(t *testing.T) {
		got := h.submitForm(uSecurity, "set-password bob@corp.com", map[string]map[string]any{"p_password": {"p_password": "Correct-Horse-9"}})
		mustContain(t, got, "password set")
		if !h.okta.PasswordIs(w.bob.ID, "Correct-Horse-9") {
			t.Error("Okta does not have bob's new password")
		}
		if u, _ := h.okta.User(w.bob.ID); u.FirstName != "Bob" || u.Email != "bob@corp.com" {
			t.Errorf("setting the password changed the profile: %+v", u)
		}
	})
	t.Run("set-password policy error shows Okta's causes", func(t *testing.T) {
		got := h.submitForm(uSecurity, "set-password bob@corp.com", map[string]map[string]any{"p_password": {"p_password": "short"}})
		mustContain(t, got, "E0000001", "Password requirements were not met")
		if strings.Contains(got, "short") && strings.Contains(got, `"short"`) {
			t.Errorf("the rejected password is echoed: %s", got)
		}
	})
}

// The group-name injection reaches Okta as one quoted literal, and a
// caller's own --search expression reaches it whole.
func TestExpressionsReachOktaIntact(t *testing.T) {
	h := newHarness(t).setPolicy(openPolicy).start()
	h.seedWorld()
	const evil = `x" or type eq "OKTA_GROUP`
	n := h.okta.CallCount()
	got := h.reply(uSecurity, `get-group 'x" or type eq "OKTA_GROUP'`)
	mustContain(t, got, "no Okta group is named")
	var searched bool
	for _, c := range h.callsSince(n) {
		s := c.Query.Get("search")
		if c.Path != "/api/v1/groups" || s == "" {
			continue
		}
		searched = true
		e, err := oktatest.ParseExpression(s)
		if err != nil {
			t.Fatalf("Okta got a malformed search %q: %v", s, err)
		}
		cmp, ok := e.(*oktatest.Compare)
		if !ok || cmp.Attr != "profile.name" || cmp.Op != "eq" || cmp.Value != evil {
			t.Errorf("Okta got search %q = %s; want one profile.name eq literal holding the whole name", s, e)
		}
	}
	if !searched {
		t.Fatal("no group search reached Okta")
	}

	const own = `profile.lastName eq "Liddell" or (status eq "SUSPENDED" and profile.firstName sw "B")`
	n = h.okta.CallCount()
	got = h.reply(uSecurity, `list-users --search '`+own+`'`)
	mustContain(t, got, "Alice Liddell", "Bob Builder")
	calls := h.callsSince(n)
	if len(calls) == 0 || calls[0].Query.Get("search") != own {
		t.Errorf("Okta got search %q, want the caller's expression whole: %q", calls[0].Query.Get("search"), own)
	}
}

// Every secret-bearing action's secret is found in exactly one place: the
// ephemeral message to the caller.
func TestSecretsReachOnlyTheCaller(t *testing.T) {
	h := newHarness(t).setPolicy(openPolicy).start()
	w := h.seedWorld()
	secretRE := regexp.MustCompile("`(https?://[^`]+|[^`]*Base-Passw0rd[^`]*)`")
	var secrets []string
	collect := func(reply string) {
		t.Helper()
		for _, m := range secretRE.FindAllStringSubmatch(reply, -1) {
			secrets = append(secrets, m[1])
		}
	}
	dave := h.okta.AddUser(oktatest.User{Login: "dave@corp.com", FirstName: "Dave", LastName: "Null"})
	msgs := h.command(uSecurity, "reset-password alice dave --public", 2)
	if msgs[0].Ephemeral() || !msgs[1].Ephemeral() {
		t.Errorf("--public: want the result in the channel, then the links to the caller alone")
	}
	mustContain(t, msgs[0].AllText(), "sent to you privately")
	collect(msgs[1].AllText())
	_ = dave
	collect(h.reply(uSecurity, "enable-user new.hire@corp.com --activate"))
	collect(h.submitForm(uSecurity, "set-password carol.danvers --add-random-chars", map[string]map[string]any{"p_password": {"p_password": "Base-Passw0rd"}}))
	if len(secrets) != 4 {
		t.Fatalf("found %d secrets in the replies, want 4 (2 reset links, 1 activation link, 1 password): %q", len(secrets), secrets)
	}
	c, _ := h.okta.User(w.carol.ID)
	if !h.okta.PasswordIs(c.ID, secrets[3]) {
		t.Error("the password shown to the caller is not the one Okta has")
	}
	h.stop()
	for _, s := range secrets {
		var places []string
		for _, m := range h.slack.Messages() {
			if strings.Contains(m.Text, s) || strings.Contains(string(m.Blocks), s) {
				places = append(places, m.Via+" to "+m.User+" in "+m.Channel+" ("+m.ResponseType+")")
				if !m.Ephemeral() {
					t.Errorf("secret %q is in a public message", s)
				}
			}
		}
		if len(places) != 1 {
			t.Errorf("secret %q is in %d messages, want exactly 1: %v", s, len(places), places)
		}
		for where, text := range map[string]string{"stdout": h.stdout.String(), "stderr": h.stderr.String()} {
			if strings.Contains(text, s) {
				t.Errorf("secret %q is in %s", s, where)
			}
		}
		for _, c := range h.slack.Calls() {
			for k, v := range c.Params {
				if strings.Contains(v, s) && c.Method != "response_url" {
					t.Errorf("secret %q went to Slack in %s %s", s, c.Method, k)
				}
			}
		}
		for _, f := range h.slack.Files() {
			if strings.Contains(string(f.Content), s) {
				t.Errorf("secret %q is in file %s", s, f.Name)
			}
		}
		if db, err := os.ReadFile(h.env["OKTABOT_DATABASE_URL"]); err == nil && strings.Contains(string(db), s) {
			t.Errorf("secret %q is in the database", s)
		}
	}
	if strings.Contains(h.stdout.String(), "Base-Passw0rd") {
		t.Error("the typed password is in the logs")
	}
}

// A list too long for one message says so and arrives whole as a CSV file
// in the caller's direct messages. The listing is written page by page
// (Okta's pages of 200) to a temporary file, uploaded from it and removed;
// the audit counts every user listed.
func TestLongListComesAsCSV(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	h := newHarness(t).setPolicy(openPolicy).start()
	for i := range 600 {
		h.okta.AddUser(oktatest.User{Login: fmt.Sprintf("bulk%03d@corp.com", i), FirstName: "Bulk", LastName: "User"})
	}
	before := h.okta.CallCount()
	got := h.reply(uSecurity, "list-users --limit 1000")
	mustContain(t, got, "604 users", "Showing", "of 604", "sent to you in a direct message")
	if pages := h.opsSince(before, "listUsers"); pages != 4 {
		t.Errorf("%d pages read, want 4 (200, 200, 200 and 4)", pages)
	}
	files := h.slack.Files()
	if len(files) != 1 || !strings.HasPrefix(files[0].Channel, "D") || !files[0].Completed {
		t.Fatalf("files = %+v", files)
	}
	rows := strings.Split(strings.TrimSuffix(string(files[0].Content), "\n"), "\n")
	ids := map[string]bool{}
	for _, r := range rows[1:] {
		ids[strings.Split(r, ",")[0]] = true
	}
	if len(rows) != 605 || len(ids) != 604 || !strings.HasPrefix(rows[0], "id,status,login") {
		t.Errorf("CSV has %d lines and %d distinct ids, want a header and 604 users", len(rows), len(ids))
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "oktabot-*.csv")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	if !strings.Contains(h.stdout.String(), "604 users listed") {
		t.Error("the audit does not count the 604 users listed")
	}

	// With --public the list and its file go to the channel.
	msgs := h.command(uSecurity, "list-users --limit 1000 --public", 1)
	if msgs[0].Ephemeral() {
		t.Error("--public list is ephemeral")
	}
	mustContain(t, msgs[0].AllText(), "Showing", "sent in this channel")
	files = h.slack.Files()
	if len(files) != 2 || files[1].Channel != chGen || !files[1].Completed {
		t.Fatalf("files = %+v", files)
	}
}

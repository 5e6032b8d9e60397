package blocks

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"oktabot/actions"
)

func TestRenderLists(t *testing.T) {
	a, reg := alice(), actions.Default()
	bob := actions.User{ID: "00u2bbbbbbbbbbbbbbb2", Status: actions.StatusSuspended, Login: "bob@corp.com", FirstName: "Bob", LastName: "Builder"}
	r, _, _ := UserList(actions.Result{Users: []actions.User{a, bob}, Query: `--filter "status eq \"ACTIVE\""`})
	golden(t, "list-users", r)
	r, _, _ = UserList(actions.Result{Users: []actions.User{}})
	golden(t, "list-users-empty", r)

	r, _, _ = Providers(actions.Result{Providers: []actions.IdentityProvider{
		{ID: "0oa1", Name: "Corporate SAML", Type: "SAML2", Status: "ACTIVE"},
		{ID: "0oa2", Name: "Google", Type: "GOOGLE", Status: "INACTIVE"},
	}})
	golden(t, "list-providers", r)

	r, _, _ = Nested(reg.Lookup("list-user-groups"), []actions.Outcome{
		{Target: "alice", User: &a, Groups: []actions.Group{{ID: "00g1", Name: "Everyone", Type: "BUILT_IN"}, {ID: "00g2", Name: "On-call", Type: "OKTA_GROUP", Description: "Who is on call"}}},
		{Target: "bob", User: &bob, Groups: []actions.Group{}},
		{Target: "ghost", Err: actions.Errorf(actions.KindNotFound, `no Okta user matches "ghost"`)},
	})
	golden(t, "list-user-groups", r)

	r, _, _ = Nested(reg.Lookup("list-roles"), []actions.Outcome{
		{Target: "alice", User: &a, Roles: []actions.Role{{ID: "ra1", Type: "USER_ADMIN", Label: "User Administrator", AssignmentType: "USER", Status: "ACTIVE"}, {ID: "irb2", Type: "READ_ONLY_ADMIN", Label: "Read-only Administrator", AssignmentType: "GROUP"}}},
	})
	golden(t, "list-roles", r)

	golden(t, "get-group", Groups(reg.Lookup("get-group"), []actions.Outcome{
		{Target: "On-call", Group: &actions.Group{ID: "00g2", Name: "On-call", Type: "OKTA_GROUP", Description: "Who is on call", Created: t0}},
		{Target: "Nope", Err: actions.Errorf(actions.KindNotFound, `no Okta group is named "Nope"`)},
	}))
}

func TestRenderOutcomesAndSecrets(t *testing.T) {
	a := alice()
	bob := actions.User{ID: "00u2", Status: actions.StatusSuspended, Login: "bob@corp.com", FirstName: "Bob"}
	outs := []actions.Outcome{
		{Target: "alice", User: &a, Done: "password reset started", Changed: true, Secret: actions.NewSecret("https://acme.okta.com/reset/SECRET-TOKEN"), SecretLabel: "one-time reset link"},
		{Target: "bob", User: &bob, Done: "already suspended"},
		{Target: "ghost", Err: actions.Errorf(actions.KindNotFound, `no Okta user matches "ghost"`)},
		{Target: "carol", User: &a, Done: "assigned USER_ADMIN", Err: &actions.Error{Kind: actions.KindForbidden, Message: "Okta refused", Code: "E0000006"}},
	}
	reg := actions.Default()
	private, _, _ := Outcomes(reg.Lookup("reset-password"), outs, true)
	golden(t, "outcomes-private", private)
	public, _, _ := Outcomes(reg.Lookup("reset-password"), outs, false)
	golden(t, "outcomes-public", public)
	pub, _ := json.Marshal(public.Blocks)
	if strings.Contains(string(pub), "SECRET-TOKEN") || strings.Contains(public.Text, "SECRET-TOKEN") {
		t.Error("a secret is in the public rendering")
	}
	priv, _ := json.Marshal(private.Blocks)
	if !strings.Contains(string(priv), "SECRET-TOKEN") {
		t.Error("the caller's private rendering lacks their reset link")
	}
	if strings.Contains(private.Text, "SECRET-TOKEN") {
		t.Error("the notification text carries a secret")
	}
}

// 500 reset links (the most one request may name) all reach the caller,
// in as many messages as it takes, each within Slack's limits.
func TestEverySecretFitsInOneMessage(t *testing.T) {
	var outs []actions.Outcome
	for i := range actions.MaxTargets {
		u := actions.User{ID: fmt.Sprintf("00u%017d", i), Login: fmt.Sprintf("user%03d@corp.com", i), FirstName: "Some", LastName: "Person"}
		outs = append(outs, actions.Outcome{Target: u.Login, User: &u, Done: "password reset started", Changed: true,
			Secret: actions.NewSecret(fmt.Sprintf("https://acme.okta.com/signin/reset-password/%040d", i)), SecretLabel: "one-time reset link"})
	}
	r, shown, total := Outcomes(actions.Default().Lookup("reset-password"), outs, true)
	if shown != total || total != actions.MaxTargets {
		t.Fatalf("shown %d of %d: secrets beyond the message would be lost", shown, total)
	}
	var all strings.Builder
	for _, m := range append([]Reply{r}, r.More...) {
		if len(m.Blocks) > MaxMessageBlocks {
			t.Errorf("%d blocks", len(m.Blocks))
		}
		b, _ := json.Marshal(m.Blocks)
		all.Write(b)
	}
	for i := range actions.MaxTargets {
		if !strings.Contains(all.String(), fmt.Sprintf("reset-password/%040d", i)) {
			t.Fatalf("reset link %d is in no message", i)
		}
	}
	if len(r.More) != actions.MaxTargets/maxPageLines-1 {
		t.Errorf("%d continuation messages, want %d", len(r.More), actions.MaxTargets/maxPageLines-1)
	}
}

func TestLongListsSayShowingNofM(t *testing.T) {
	var users []actions.User
	for i := range 2000 {
		users = append(users, actions.User{ID: fmt.Sprintf("00u%d", i), Login: fmt.Sprintf("user%d@corp.com", i), Status: "ACTIVE", FirstName: "A", LastName: "B"})
	}
	r, shown, total := UserList(actions.Result{Users: users})
	if total != 2000 || shown >= total || shown == 0 {
		t.Fatalf("shown %d of %d", shown, total)
	}
	if len(r.Blocks) > MaxMessageBlocks {
		t.Errorf("%d blocks", len(r.Blocks))
	}
	b, _ := json.Marshal(r.Blocks)
	if !strings.Contains(string(b), fmt.Sprintf("Showing %d of 2000", shown)) {
		t.Error("no 'Showing N of M'")
	}
}

// A listing whose result holds only its first page says how many there
// were in all, and shows the first of them.
func TestStreamedListingSaysItsTotal(t *testing.T) {
	var page []actions.User
	for i := range 200 {
		page = append(page, actions.User{ID: fmt.Sprintf("00u%d", i), Login: fmt.Sprintf("user%d@corp.com", i), Status: "ACTIVE"})
	}
	r, shown, total := UserList(actions.Result{Users: page, UsersListed: 10000})
	b, _ := json.Marshal(r.Blocks)
	if total != 10000 || shown == 0 || shown > 100 || !strings.Contains(string(b), fmt.Sprintf("Showing %d of 10000.", shown)) ||
		!strings.Contains(string(b), "*10000 users*") {
		t.Errorf("shown %d of %d:\n%s", shown, total, b)
	}
}

// Written page by page, a listing's CSV is exactly what ResultCSV makes of
// it whole.
func TestUsersCSVPageByPage(t *testing.T) {
	var users []actions.User
	for i := range 5 {
		users = append(users, actions.User{ID: fmt.Sprintf("00u%d", i), Login: fmt.Sprintf("u%d@corp.com", i), FirstName: "=cmd|' /C calc'!A0", Created: t0})
	}
	var buf strings.Builder
	w := NewUsersCSV(&buf)
	for _, page := range [][]actions.User{users[:2], users[2:4], users[4:]} {
		if err := w.Write(page); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := string(ResultCSV(actions.Default().Lookup("list-users"), actions.Result{Users: users})); buf.String() != want {
		t.Errorf("page by page:\n%s\nwhole:\n%s", buf.String(), want)
	}
}

func TestResultCSV(t *testing.T) {
	u := actions.User{ID: "00u1", Login: "alice@corp.com", FirstName: "=HYPERLINK(\"http://evil\")", Status: "ACTIVE", Created: t0}
	got := string(ResultCSV(actions.Default().Lookup("list-users"), actions.Result{Users: []actions.User{u}}))
	want := "id,status,login,email,first_name,last_name,created,activated,last_login,password_changed,status_changed\n" +
		"00u1,ACTIVE,alice@corp.com,,\"'=HYPERLINK(\"\"http://evil\"\")\",,2022-07-11T06:07:55Z,,,,\n"
	if got != want {
		t.Errorf("csv =\n%s\nwant\n%s", got, want)
	}
	outs := []actions.Outcome{{Target: "alice", User: &u, Done: "password reset started", Changed: true, Secret: actions.NewSecret("https://acme.okta.com/reset/SECRET-TOKEN")}}
	if c := string(ResultCSV(actions.Default().Lookup("reset-password"), actions.Result{Outcomes: outs})); strings.Contains(c, "SECRET-TOKEN") || !strings.Contains(c, "password reset started") {
		t.Errorf("outcome csv = %s", c)
	}
}

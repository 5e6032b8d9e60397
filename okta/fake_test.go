package okta

// Tests against the Okta fake (okta/oktatest), through the real SDK over
// HTTP.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"oktabot/actions"
	"oktabot/okta/oktatest"
)

func fakeClient(t testing.TB, srv *oktatest.Server, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{OrgURL: srv.URL, Token: actions.NewSecret(srv.Token), CallTimeout: 10 * time.Second}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// listAll is ListUsers, all pages at once.
func listAll(ctx context.Context, c *Client, q actions.UserQuery) ([]actions.User, error) {
	var out []actions.User
	err := c.ListUsers(ctx, q, func(page []actions.User) error {
		out = append(out, page...)
		return nil
	})
	return out, err
}

func kindOf(t *testing.T, err error) (actions.Kind, *actions.Error) {
	t.Helper()
	e, ok := err.(*actions.Error)
	if !ok {
		t.Fatalf("err = %v (%T), want *actions.Error", err, err)
	}
	return e.Kind, e
}

func wantKind(t *testing.T, err error, k actions.Kind, code string) *actions.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v %s", k, code)
	}
	got, e := kindOf(t, err)
	if got != k || e.Code != code {
		t.Fatalf("err = %v: kind %v code %q, want %v %q", err, got, e.Code, k, code)
	}
	return e
}

func TestFakeUsers(t *testing.T) {
	srv := oktatest.New(t)
	alice := srv.AddUser(oktatest.User{Login: "alice@corp.com", Email: "alice@corp.com", FirstName: "Alice", LastName: "Liddell", DisplayName: "Alice L."})
	srv.AddUser(oktatest.User{Login: "bob@corp.com", Email: "bob@corp.com", FirstName: "Bob", LastName: "Builder"})
	srv.SetMe(alice.ID)
	c := fakeClient(t, srv)
	ctx := context.Background()

	who, err := c.Whoami(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if who.App != nil {
		t.Errorf("Whoami with an API token names a service app: %+v", who.App)
	}
	me := who.User
	want := actions.User{ID: alice.ID, Status: "ACTIVE", Login: "alice@corp.com", Email: "alice@corp.com",
		FirstName: "Alice", LastName: "Liddell", DisplayName: "Alice L."}
	ignoreTimes := cmp.Transformer("times", func(u actions.User) actions.User {
		u.Created, u.Activated, u.StatusChanged, u.LastLogin, u.LastUpdated, u.PasswordChanged = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
		return u
	})
	if diff := cmp.Diff(want, me, ignoreTimes); diff != "" {
		t.Errorf("Whoami (-want +got):\n%s", diff)
	}
	if me.Created.IsZero() || me.Created.Sub(alice.Created).Abs() >= time.Millisecond {
		t.Errorf("Created = %v, want %v", me.Created, alice.Created)
	}

	for _, ref := range []string{alice.ID, "alice@corp.com", "alice", "ALICE@corp.com"} {
		u, err := c.FindUser(ctx, ref)
		if err != nil || u.ID != alice.ID {
			t.Errorf("FindUser(%q) = %s, %v; want alice", ref, u.ID, err)
		}
	}
	_, err = c.FindUser(ctx, "nobody")
	if e := wantKind(t, err, actions.KindNotFound, codeNotFound); e.Message != `no Okta user "nobody"` || e.RequestID == "" {
		t.Errorf("message %q, request id %q", e.Message, e.RequestID)
	}

	got, err := c.SearchUsers(ctx, "bui", 10)
	if err != nil || len(got) != 1 || got[0].Login != "bob@corp.com" {
		t.Errorf("SearchUsers(bui) = %v, %v; want bob", got, err)
	}
	got, err = c.SearchUsers(ctx, "", 10)
	if err != nil || len(got) != 2 {
		t.Errorf("SearchUsers('') = %d users, %v; want 2", len(got), err)
	}

	got, err = listAll(ctx, c, actions.UserQuery{Filter: `profile.login eq "bob@corp.com"`})
	if err != nil || len(got) != 1 || got[0].FirstName != "Bob" {
		t.Errorf("ListUsers(filter) = %v, %v", got, err)
	}
	got, err = listAll(ctx, c, actions.UserQuery{Query: "Ali"})
	if err != nil || len(got) != 1 || got[0].ID != alice.ID {
		t.Errorf("ListUsers(q) = %v, %v", got, err)
	}
	_, err = listAll(ctx, c, actions.UserQuery{Search: `profile.login zz "x"`})
	wantKind(t, err, actions.KindInvalid, codeBadSearch)
	_, err = listAll(ctx, c, actions.UserQuery{Search: `status eq "ACTIVE"`, Filter: `status eq "ACTIVE"`})
	wantKind(t, err, actions.KindInvalid, codeSearchAndFilter)
}

func TestFakeShortLogins(t *testing.T) {
	srv := oktatest.New(t)
	srv.AddUser(oktatest.User{Login: "dana@corp.com", Email: "dana@corp.com"})
	srv.AddUser(oktatest.User{Login: "sam@corp.com", Email: "sam@corp.com"})
	srv.AddUser(oktatest.User{Login: "sam@contractors.com", Email: "sam@contractors.com"})
	eve := srv.AddUser(oktatest.User{Login: "eve.login@corp.com", Email: "eve@mail.example"})
	c := fakeClient(t, srv)
	ctx := context.Background()

	if u, err := c.FindUser(ctx, "dana"); err != nil || u.Login != "dana@corp.com" {
		t.Errorf("FindUser(dana) = %q, %v", u.Login, err)
	}
	_, err := c.FindUser(ctx, "sam")
	e := wantKind(t, err, actions.KindAmbiguous, "")
	if !strings.Contains(e.Message, "sam@corp.com") || !strings.Contains(e.Message, "sam@contractors.com") {
		t.Errorf("ambiguity message %q does not name the candidates", e.Message)
	}
	_, err = c.FindUser(ctx, "zed")
	wantKind(t, err, actions.KindNotFound, codeNotFound)
	if u, err := c.FindUser(ctx, "eve@mail.example"); err != nil || u.ID != eve.ID {
		t.Errorf("FindUser(email) = %q, %v", u.ID, err)
	}
	_, err = c.FindUser(ctx, "nobody@mail.example")
	wantKind(t, err, actions.KindNotFound, codeNotFound)
}

// A value typed by a person reaches Okta as one JSON string literal.
func TestFakeExpressionInjection(t *testing.T) {
	srv := oktatest.New(t)
	srv.AddUser(oktatest.User{Login: "alice@corp.com", Email: "alice@corp.com"})
	c := fakeClient(t, srv)
	evil := `x" or status eq "ACTIVE`
	_, err := c.FindUser(context.Background(), evil)
	wantKind(t, err, actions.KindNotFound, codeNotFound)
	_, err = c.FindUser(context.Background(), evil+"@corp.com")
	wantKind(t, err, actions.KindNotFound, codeNotFound)
	if gs, err := c.FindGroupsByName(context.Background(), evil); err != nil || len(gs) != 0 {
		t.Errorf("FindGroupsByName = %v, %v", gs, err)
	}
	var got []oktatest.Compare
	for _, call := range srv.Calls() {
		if s := call.Query.Get("search"); s != "" {
			expr, err := oktatest.ParseExpression(s)
			if err != nil {
				t.Errorf("search %q does not parse: %v", s, err)
				continue
			}
			c, ok := expr.(*oktatest.Compare)
			if !ok {
				t.Errorf("search %q parsed as %s, want a single comparison", s, expr)
				continue
			}
			got = append(got, *c)
		}
	}
	want := []oktatest.Compare{
		{Attr: "profile.login", Op: "sw", Value: evil + "@"},
		{Attr: "profile.email", Op: "eq", Value: evil + "@corp.com"},
		{Attr: "profile.name", Op: "eq", Value: evil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("searches (-want +got):\n%s", diff)
	}
}

func TestFakeAwkwardReferences(t *testing.T) {
	srv := oktatest.New(t)
	logins := []string{"a/b@corp.com", "h#sh@corp.com", "q?x=1@corp.com", "sp ace@corp.com", "pc%41t@corp.com", "plus+tag@corp.com"}
	for _, l := range logins {
		srv.AddUser(oktatest.User{Login: l, Email: "x@corp.com"})
	}
	c := fakeClient(t, srv)
	for _, l := range logins {
		if _, err := c.FindUser(context.Background(), l); err != nil {
			t.Errorf("FindUser(%q): %v", l, err)
		}
		if err := c.SuspendUser(context.Background(), l); err != nil {
			t.Errorf("SuspendUser(%q): %v", l, err)
		}
		if u, _ := srv.User(l); u.Status != actions.StatusSuspended {
			t.Errorf("%q is %s after suspend", l, u.Status)
		}
	}
	var got []string
	for _, call := range srv.Calls() {
		got = append(got, call.Path)
	}
	var want []string
	for _, l := range logins {
		want = append(want, "/api/v1/users/"+url.PathEscape(l), "/api/v1/users/"+url.PathEscape(l)+"/lifecycle/suspend")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
}

func TestFakeLifecycle(t *testing.T) {
	srv := oktatest.New(t)
	ctx := context.Background()
	alice := srv.AddUser(oktatest.User{Login: "alice@corp.com", Email: "alice@corp.com", FirstName: "Alice", LastName: "Liddell"})
	staged := srv.AddUser(oktatest.User{Login: "new@corp.com", Email: "new@corp.com", Status: actions.StatusStaged})
	locked := srv.AddUser(oktatest.User{Login: "locked@corp.com", Email: "locked@corp.com", Status: actions.StatusLockedOut})
	c := fakeClient(t, srv)

	status := func(ref string) string {
		t.Helper()
		u, err := c.FindUser(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		return u.Status
	}

	// Cache off: a read after a write sees the write.
	if s := status(alice.ID); s != actions.StatusActive {
		t.Fatalf("status %s", s)
	}
	if err := c.SuspendUser(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	if s := status(alice.ID); s != actions.StatusSuspended {
		t.Errorf("after suspend FindUser says %s", s)
	}
	wantKind(t, c.SuspendUser(ctx, alice.ID), actions.KindInvalid, codeValidation)
	if err := c.UnsuspendUser(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	if s := status(alice.ID); s != actions.StatusActive {
		t.Errorf("after unsuspend: %s", s)
	}
	wantKind(t, c.UnsuspendUser(ctx, alice.ID), actions.KindInvalid, codeValidation)

	if err := c.UnlockUser(ctx, locked.ID); err != nil {
		t.Fatal(err)
	}
	if s := status(locked.ID); s != actions.StatusActive {
		t.Errorf("after unlock: %s", s)
	}

	act, err := c.ActivateUser(ctx, staged.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if act.URL.IsZero() || act.Token.IsZero() {
		t.Errorf("activation without email gave no link/token")
	}
	_, err = c.ActivateUser(ctx, staged.ID, false)
	wantKind(t, err, actions.KindForbidden, codeAlreadyActive)

	if err := c.DeactivateUser(ctx, alice.ID, false); err != nil {
		t.Fatal(err)
	}
	if s := status(alice.ID); s != actions.StatusDeprovisioned {
		t.Errorf("after deactivate: %s", s)
	}
	act, err = c.ActivateUser(ctx, alice.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if !act.URL.IsZero() || !act.Token.IsZero() {
		t.Errorf("activation with email returned a link")
	}

	reset, err := c.ResetPassword(ctx, alice.ID, false)
	if err != nil || reset.IsZero() {
		t.Errorf("ResetPassword(no email) = zero=%v, %v", reset.IsZero(), err)
	}
	reset, err = c.ResetPassword(ctx, locked.ID, true)
	if err != nil || !reset.IsZero() {
		t.Errorf("ResetPassword(email) = zero=%v, %v; want no URL", reset.IsZero(), err)
	}

	_, err = c.ReactivateUser(ctx, alice.ID, false)
	if err != nil {
		// Reactivate is only for PROVISIONED users; alice is in RECOVERY
		// or ACTIVE here, so Okta refuses: check it maps to a kind.
		if k, _ := kindOf(t, err); k == actions.KindInternal {
			t.Errorf("ReactivateUser: %v", err)
		}
	}

	for _, call := range srv.Calls() {
		switch call.Operation {
		case "activateUser", "deactivateUser", "reactivateUser", "resetPassword":
			if !call.Query.Has("sendEmail") {
				t.Errorf("%s %s without sendEmail", call.Method, call.Path)
			}
		}
	}
}

func TestFakeSetPasswordIsAPartialUpdate(t *testing.T) {
	srv := oktatest.New(t)
	alice := srv.AddUser(oktatest.User{Login: "alice@corp.com", Email: "alice@corp.com", FirstName: "Alice", LastName: "Liddell",
		DisplayName: "Alice L.", Profile: map[string]any{"department": "Wonderland"}})
	var logs bytes.Buffer
	c := fakeClient(t, srv, func(cfg *Config) { cfg.Logger = zerolog.New(&logs).Level(zerolog.DebugLevel) })
	const pw = "Tr1cky-but-Valid-pass"
	if err := c.SetPassword(context.Background(), alice.ID, actions.NewSecret(pw)); err != nil {
		t.Fatal(err)
	}
	if !srv.PasswordIs(alice.ID, pw) {
		t.Error("the password was not set")
	}
	after, _ := srv.User(alice.ID)
	if after.FirstName != "Alice" || after.LastName != "Liddell" || after.DisplayName != "Alice L." ||
		after.Email != "alice@corp.com" || after.Profile["department"] != "Wonderland" {
		t.Errorf("profile changed by set-password: %+v", after)
	}
	calls := srv.Calls()
	if len(calls) != 1 || calls[0].Method != "POST" || calls[0].Path != "/api/v1/users/"+alice.ID {
		t.Fatalf("calls %+v, want one POST /api/v1/users/{id}", calls)
	}
	if bytes.Contains(calls[0].Body, []byte("profile")) {
		t.Errorf("partial update carries a profile: %s", calls[0].Body)
	}

	// A policy failure is invalid input, and says nothing of the password.
	const weak = "abc"
	err := c.SetPassword(context.Background(), alice.ID, actions.NewSecret(weak))
	e := wantKind(t, err, actions.KindInvalid, codeValidation)
	if len(e.Causes) == 0 {
		t.Error("no causes from the policy failure")
	}
	if s := fmt.Sprintf("%v %+v", err, e); strings.Contains(s, weak+`"`) || strings.Contains(s, pw) {
		t.Errorf("error mentions the password: %s", s)
	}
	if strings.Contains(logs.String(), pw) {
		t.Errorf("log mentions the password:\n%s", logs.String())
	}
}

func TestFakeGroupsRolesAndProviders(t *testing.T) {
	srv := oktatest.New(t)
	ctx := context.Background()
	alice := srv.AddUser(oktatest.User{Login: "alice@corp.com", Email: "alice@corp.com"})
	eng := srv.AddGroup(oktatest.Group{Name: "Engineering", Description: "Builders"})
	srv.AddGroup(oktatest.Group{Name: "Engineering Managers"})
	srv.AddGroup(oktatest.Group{Name: "Sales"})
	srv.AddGroupMember(eng.ID, alice.ID)
	existing := srv.AddRole(alice.ID, oktatest.Role{Type: "READ_ONLY_ADMIN"})
	srv.AddIdentityProvider(oktatest.IdentityProvider{Name: "Corp SAML", Type: "SAML2"})
	srv.AddIdentityProvider(oktatest.IdentityProvider{Name: "Google", Type: "GOOGLE"})
	c := fakeClient(t, srv)

	gs, err := c.ListUserGroups(ctx, "alice@corp.com")
	if err != nil || len(gs) != 1 || gs[0].ID != eng.ID || gs[0].Name != "Engineering" || gs[0].Description != "Builders" {
		t.Errorf("ListUserGroups = %+v, %v", gs, err)
	}
	_, err = c.ListUserGroups(ctx, "ghost@corp.com")
	wantKind(t, err, actions.KindNotFound, codeNotFound)

	g, err := c.GetGroup(ctx, eng.ID)
	if err != nil || g.Name != "Engineering" || g.Type == "" || g.Created.IsZero() {
		t.Errorf("GetGroup = %+v, %v", g, err)
	}
	_, err = c.GetGroup(ctx, "00gmissing")
	if e := wantKind(t, err, actions.KindNotFound, codeNotFound); e.Message != `no Okta group "00gmissing"` {
		t.Errorf("message %q", e.Message)
	}

	gs, err = c.FindGroupsByName(ctx, "Engineering")
	if err != nil || len(gs) != 1 || gs[0].ID != eng.ID {
		t.Errorf("FindGroupsByName = %+v, %v", gs, err)
	}
	gs, err = c.SearchGroups(ctx, "Eng", 10)
	if err != nil || len(gs) != 2 {
		t.Errorf("SearchGroups = %+v, %v; want the two Engineering groups", gs, err)
	}
	created, err := c.CreateGroup(ctx, "On-call rota", "Pager people")
	if err != nil || created.ID == "" || created.Name != "On-call rota" || created.Description != "Pager people" {
		t.Fatalf("CreateGroup = %+v, %v", created, err)
	}
	if gs, err := c.FindGroupsByName(ctx, "On-call rota"); err != nil || len(gs) != 1 {
		t.Errorf("created group not found by name: %v, %v", gs, err)
	}
	_, err = c.CreateGroup(ctx, "", "x")
	wantKind(t, err, actions.KindInvalid, "")

	roles, err := c.ListRoles(ctx, alice.ID)
	if err != nil || len(roles) != 1 || roles[0].ID != existing.ID || roles[0].Type != "READ_ONLY_ADMIN" {
		t.Errorf("ListRoles = %+v, %v", roles, err)
	}
	r, err := c.AssignRole(ctx, alice.ID, "USER_ADMIN")
	if err != nil || r.Type != "USER_ADMIN" || r.ID == "" {
		t.Fatalf("AssignRole = %+v, %v", r, err)
	}
	_, err = c.AssignRole(ctx, alice.ID, "USER_ADMIN")
	wantKind(t, err, actions.KindConflict, codeAlreadyAssigned)
	before := srv.CallCount()
	_, err = c.AssignRole(ctx, alice.ID, "MOBILE_ADMIN") // listed by Okta, not assignable
	wantKind(t, err, actions.KindInvalid, "")
	if srv.CallCount() != before {
		t.Error("an unassignable role type was sent to Okta")
	}
	if err := c.UnassignRole(ctx, alice.ID, existing.ID); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, r := range srv.Roles(alice.ID) {
		types = append(types, r.Type)
	}
	if diff := cmp.Diff([]string{"USER_ADMIN"}, types); diff != "" {
		t.Errorf("roles after assign/unassign (-want +got):\n%s", diff)
	}
	err = c.UnassignRole(ctx, alice.ID, existing.ID)
	wantKind(t, err, actions.KindNotFound, codeNotFound)

	idps, err := c.ListIdentityProviders(ctx, actions.IdentityProviderQuery{Type: "SAML2"})
	if err != nil || len(idps) != 1 || idps[0].Name != "Corp SAML" || idps[0].Status == "" {
		t.Errorf("ListIdentityProviders(SAML2) = %+v, %v", idps, err)
	}
	_, err = c.ListIdentityProviders(ctx, actions.IdentityProviderQuery{Type: "CARRIER_PIGEON"})
	wantKind(t, err, actions.KindInvalid, "")
	idps, err = c.ListIdentityProviders(ctx, actions.IdentityProviderQuery{Query: "Goo"})
	if err != nil || len(idps) != 1 || idps[0].Type != "GOOGLE" {
		t.Errorf("ListIdentityProviders(q) = %+v, %v", idps, err)
	}
}

func TestFakePaging(t *testing.T) {
	srv := oktatest.New(t)
	for i := range 450 {
		srv.AddUser(oktatest.User{Login: fmt.Sprintf("user%03d@corp.com", i), Email: fmt.Sprintf("user%03d@corp.com", i)})
	}
	c := fakeClient(t, srv)
	for _, tc := range []struct{ limit, wantUsers, wantCalls int }{
		{0, 200, 1}, {450, 450, 3}, {1000, 450, 3}, {250, 250, 2}, {7, 7, 1},
	} {
		before := srv.CallCount()
		users, err := listAll(context.Background(), c, actions.UserQuery{Limit: tc.limit})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, u := range users {
			seen[u.ID] = true
		}
		if len(users) != tc.wantUsers || len(seen) != tc.wantUsers || srv.CallCount()-before != tc.wantCalls {
			t.Errorf("limit %d: %d users (%d distinct) in %d calls; want %d in %d",
				tc.limit, len(users), len(seen), srv.CallCount()-before, tc.wantUsers, tc.wantCalls)
		}
	}
}

// ListUsers hands over each page as it comes, the last cut to the limit,
// and stops at the first error its caller returns, reading no more pages.
func TestListUsersPageByPage(t *testing.T) {
	srv := oktatest.New(t)
	for i := range 450 {
		srv.AddUser(oktatest.User{Login: fmt.Sprintf("user%03d@corp.com", i), Email: fmt.Sprintf("user%03d@corp.com", i)})
	}
	c := fakeClient(t, srv)
	var sizes []int
	err := c.ListUsers(context.Background(), actions.UserQuery{Limit: 430}, func(page []actions.User) error {
		sizes = append(sizes, len(page))
		return nil
	})
	if err != nil || fmt.Sprint(sizes) != "[200 200 30]" {
		t.Errorf("pages %v, %v; want [200 200 30]", sizes, err)
	}
	stop := errors.New("enough")
	before := srv.CallCount()
	pages := 0
	err = c.ListUsers(context.Background(), actions.UserQuery{Limit: 1000}, func([]actions.User) error {
		pages++
		return stop
	})
	if err != stop || pages != 1 || srv.CallCount()-before != 1 {
		t.Errorf("stopped listing: %v after %d pages and %d calls; want the caller's error after 1 and 1", err, pages, srv.CallCount()-before)
	}
}

func TestFakeErrorsAndFaults(t *testing.T) {
	srv := oktatest.New(t)
	alice := srv.AddUser(oktatest.User{Login: "alice@corp.com", Email: "alice@corp.com"})
	c := fakeClient(t, srv)
	ctx := context.Background()

	bad, err := New(ctx, Config{OrgURL: srv.URL, Token: actions.NewSecret("not-the-token")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Whoami(ctx)
	if e := wantKind(t, err, actions.KindForbidden, codeInvalidToken); !strings.Contains(e.Message, "token") {
		t.Errorf("message %q does not mention the token", e.Message)
	}

	srv.FailNext(1, 503)
	_, err = c.FindUser(ctx, alice.ID)
	if k, _ := kindOf(t, err); k != actions.KindUnavailable {
		t.Errorf("503: %v, want unavailable", err)
	}

	// 429s are waited out and retried without the caller noticing.
	srv.Throttle(2)
	if u, err := c.FindUser(ctx, alice.ID); err != nil || u.ID != alice.ID {
		t.Errorf("after throttling: %v", err)
	}
	var statuses []int
	for _, call := range srv.Calls()[len(srv.Calls())-3:] {
		statuses = append(statuses, call.Status)
	}
	if diff := cmp.Diff([]int{429, 429, 200}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}

	// Per-call deadline.
	srv.SetLatency(5 * time.Second)
	slow := fakeClient(t, srv, func(cfg *Config) { cfg.CallTimeout = 100 * time.Millisecond })
	_, err = slow.Whoami(ctx)
	if k, _ := kindOf(t, err); k != actions.KindUnavailable {
		t.Errorf("slow call: %v, want unavailable", err)
	}
	srv.SetLatency(0)
}

func TestFakeRateLimitAndConcurrency(t *testing.T) {
	srv := oktatest.New(t)
	users := seedUsers(srv, 60)
	srv.SetLatency(20 * time.Millisecond)
	c := fakeClient(t, srv)

	for _, err := range suspendAll(c, users) {
		t.Errorf("SuspendUser: %v", err)
	}
	if m := srv.MaxConcurrent(); m > DefaultMaxInFlight || m < 2 {
		t.Errorf("peak concurrency %d, want 2..%d", m, DefaultMaxInFlight)
	}

}

// A tight limit, on a clock shared by the fake and the limiter (waits move
// it): every call still succeeds; 429s stay inside the client.
func TestFakeTightRateLimit(t *testing.T) {
	clk := newFakeClock()
	srv := oktatest.New(t, oktatest.WithClock(clk.Now), oktatest.WithRateLimit(8, time.Second))
	users := seedUsers(srv, 30)
	c := fakeClient(t, srv, func(cfg *Config) {
		cfg.Now = clk.Now
		cfg.CallTimeout = time.Minute
	})
	c.lim.sleep = clk.Sleep
	c.lim.jitter = func() time.Duration { return 0 }

	for _, err := range suspendAll(c, users) {
		t.Errorf("SuspendUser under a tight rate limit: %v", err)
	}
	throttled := 0
	for _, call := range srv.Calls() {
		if call.Status == 429 {
			throttled++
		}
	}
	if len(clk.Sleeps()) == 0 {
		t.Error("never waited for a reset")
	}
	// The first call learns the bucket; later ones wait for resets rather
	// than run into Okta's limit.
	if throttled != 0 {
		t.Errorf("%d of %d calls answered 429", throttled, srv.CallCount())
	}

	// Sequential calls once the bucket is known: the limiter waits for the
	// reset instead of running into 429s.
	before := srv.CallCount()
	for _, u := range users[:20] {
		if err := c.UnsuspendUser(context.Background(), u.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, call := range srv.Calls()[before:] {
		if call.Status != 200 {
			t.Errorf("%s %s answered %d", call.Method, call.Path, call.Status)
		}
	}
}

// BenchmarkFind200At100ms looks up 200 users at once against an org that
// answers in 100 ms; 429s seen by Okta are reported per op (callers never
// see them).
func BenchmarkFind200At100ms(b *testing.B) {
	srv := oktatest.New(b, oktatest.WithLatency(100*time.Millisecond))
	var ids []string
	for i := range 200 {
		ids = append(ids, srv.AddUser(oktatest.User{Login: fmt.Sprintf("b%03d@corp.com", i), Email: fmt.Sprintf("b%03d@corp.com", i)}).ID)
	}
	c := fakeClient(b, srv)
	for b.Loop() {
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := c.FindUser(context.Background(), id); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	throttled := 0
	for _, call := range srv.Calls() {
		if call.Status == 429 {
			throttled++
		}
	}
	b.ReportMetric(float64(throttled)/float64(b.N), "429s/op")
}

// seedUsers adds n active users u00@corp.com, u01@corp.com, ….
func seedUsers(srv *oktatest.Server, n int) []oktatest.User {
	var users []oktatest.User
	for i := range n {
		users = append(users, srv.AddUser(oktatest.User{Login: fmt.Sprintf("u%02d@corp.com", i), Email: fmt.Sprintf("u%02d@corp.com", i)}))
	}
	return users
}

// suspendAll suspends every user at once and returns the failures.
func suspendAll(c *Client, users []oktatest.User) []error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.SuspendUser(context.Background(), u.ID); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errs
}

// Okta answers GET /users/me with the API token's own user. A person typing
// "me" must never reach the bot's admin account: it is only a short login.
func TestMeIsNeverTheBotsOwnAccount(t *testing.T) {
	srv := oktatest.New(t)
	admin := srv.AddUser(oktatest.User{Login: "svc-okta@corp.com", Email: "svc-okta@corp.com"})
	srv.SetMe(admin.ID)
	c := fakeClient(t, srv)
	ctx := context.Background()

	for _, ref := range []string{"me", "ME", "Me"} {
		_, err := c.FindUser(ctx, ref)
		wantKind(t, err, actions.KindNotFound, "")
	}
	for name, err := range map[string]error{
		"SuspendUser":    c.SuspendUser(ctx, "me"),
		"DeactivateUser": c.DeactivateUser(ctx, "me", false),
		"SetPassword":    c.SetPassword(ctx, "me", actions.NewSecret("Secret-123456")),
	} {
		if !actions.IsKind(err, actions.KindInvalid) {
			t.Errorf("%s(me) = %v, want KindInvalid", name, err)
		}
	}
	if _, err := c.ResetPassword(ctx, "me", false); !actions.IsKind(err, actions.KindInvalid) {
		t.Errorf("ResetPassword(me) = %v, want KindInvalid", err)
	}
	if _, err := c.ListRoles(ctx, "me"); !actions.IsKind(err, actions.KindInvalid) {
		t.Errorf("ListRoles(me) = %v, want KindInvalid", err)
	}
	for _, call := range srv.Calls() {
		if strings.HasPrefix(call.Path, "/api/v1/users/me") {
			t.Errorf("Okta was asked %s %s", call.Method, call.Path)
		}
	}

	// A user whose login is me@… is found by that short login.
	me := srv.AddUser(oktatest.User{Login: "me@corp.com", Email: "me@corp.com"})
	if u, err := c.FindUser(ctx, "me"); err != nil || u.ID != me.ID {
		t.Errorf("FindUser(me) with me@corp.com = %q, %v; want %s", u.ID, err, me.ID)
	}
	if u, _ := srv.User(admin.ID); u.Status != actions.StatusActive {
		t.Errorf("the bot's own account is %s", u.Status)
	}
}

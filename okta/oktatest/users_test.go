package oktatest

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

func status(t *testing.T, s *Server, ref string) string {
	t.Helper()
	u, ok := s.User(ref)
	if !ok {
		t.Fatalf("no user %q", ref)
	}
	return u.Status
}

func TestLifecycle(t *testing.T) {
	type step struct {
		op       string // suspend, unsuspend, activate, deactivate, ...
		query    string
		want     int    // HTTP status
		wantCode string // errorCode, for errors
		after    string // the user's status afterwards
	}
	tests := []struct {
		name  string
		seed  User
		steps []step
	}{
		{"activate staged with password", User{Status: "STAGED", Password: "Start-1234"}, []step{
			{"activate", "", 200, "", "ACTIVE"},
			{"activate", "", 403, "E0000016", "ACTIVE"},
		}},
		{"activate staged without password", User{Status: "STAGED"}, []step{
			{"activate", "?sendEmail=false", 200, "", "PROVISIONED"},
			{"reactivate", "?sendEmail=false", 200, "", "PROVISIONED"},
			{"activate", "", 403, "E0000016", "PROVISIONED"},
		}},
		{"suspend and unsuspend", User{}, []step{
			{"unsuspend", "", 400, "E0000001", "ACTIVE"},
			{"suspend", "", 200, "", "SUSPENDED"},
			{"suspend", "", 400, "E0000001", "SUSPENDED"},
			{"unsuspend", "", 200, "", "ACTIVE"},
		}},
		{"deactivate and reactivate", User{Password: "Start-1234"}, []step{
			{"deactivate", "", 200, "", "DEPROVISIONED"},
			{"deactivate", "?sendEmail=true", 404, "E0000007", "DEPROVISIONED"},
			{"suspend", "", 400, "E0000001", "DEPROVISIONED"},
			{"reset_password", "?sendEmail=true", 403, "E0000038", "DEPROVISIONED"},
			{"activate", "?sendEmail=false", 200, "", "ACTIVE"},
		}},
		{"suspended can be deactivated", User{Status: "SUSPENDED"}, []step{
			{"deactivate", "", 200, "", "DEPROVISIONED"},
		}},
		{"unlock", User{Status: "LOCKED_OUT"}, []step{
			{"unlock", "", 200, "", "ACTIVE"},
			{"unlock", "", 403, "E0000032", "ACTIVE"}, // nothing to unlock
			{"suspend", "", 200, "", "SUSPENDED"},
			{"unlock", "", 403, "E0000032", "SUSPENDED"},
		}},
		{"reset and expire password", User{Password: "Start-1234"}, []step{
			{"expire_password", "", 200, "", "PASSWORD_EXPIRED"},
			{"reset_password", "?sendEmail=false", 200, "", "RECOVERY"},
			{"reactivate", "", 200, "", "RECOVERY"},
			{"expire_password", "", 403, "E0000038", "RECOVERY"},
			{"reset_factors", "", 200, "", "RECOVERY"},
		}},
		{"reactivate only provisioned or recovery", User{}, []step{
			{"reactivate", "", 403, "E0000038", "ACTIVE"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(t)
			tt.seed.Login = "pat@corp.com"
			u := s.AddUser(tt.seed)
			for _, st := range tt.steps {
				r := do(t, s, "POST", "/api/v1/users/"+u.ID+"/lifecycle/"+st.op+st.query, "")
				if r.status != st.want {
					t.Fatalf("%s%s: status %d %s, want %d", st.op, st.query, r.status, r.body, st.want)
				}
				if st.wantCode != "" {
					if code := r.errorCode(t); code != st.wantCode {
						t.Errorf("%s: errorCode %s, want %s", st.op, code, st.wantCode)
					}
				}
				if got := status(t, s, u.ID); got != st.after {
					t.Errorf("after %s%s: status %s, want %s", st.op, st.query, got, st.after)
				}
			}
		})
	}
}

func TestActivationAndResetAnswers(t *testing.T) {
	s := New(t)
	a := s.AddUser(User{Login: "a@corp.com", Status: "STAGED"})
	b := s.AddUser(User{Login: "b@corp.com", Status: "STAGED"})
	ctx, c := sdk(t, s)

	// sendEmail defaults to true for activate: Okta mails the link, {}.
	tok, _, err := c.User.ActivateUser(ctx, a.ID, nil)
	if err != nil || tok.ActivationToken != "" || tok.ActivationUrl != "" {
		t.Errorf("ActivateUser(send) = %+v, %v; want an empty answer", tok, err)
	}
	if calls := s.Calls(); calls[len(calls)-1].Query.Has("sendEmail") {
		t.Errorf("the SDK sent sendEmail without being asked to")
	}
	tok, _, err = c.User.ActivateUser(ctx, b.ID, query.NewQueryParams(query.WithSendEmail(false)))
	if err != nil || tok.ActivationToken == "" || !strings.HasPrefix(tok.ActivationUrl, s.URL+"/tokens/") {
		t.Errorf("ActivateUser(no send) = %+v, %v", tok, err)
	}
	tok2, _, err := c.User.ReactivateUser(ctx, b.ID, query.NewQueryParams(query.WithSendEmail(false)))
	if err != nil || tok2.ActivationToken == "" || tok2.ActivationToken == tok.ActivationToken {
		t.Errorf("ReactivateUser = %+v, %v; want a fresh one-time token", tok2, err)
	}

	rp, _, err := c.User.ResetPassword(ctx, a.ID, query.NewQueryParams(query.WithSendEmail(true)))
	if err != nil || rp.ResetPasswordUrl != "" {
		t.Errorf("ResetPassword(send) = %+v, %v", rp, err)
	}
	s.AddUser(User{Login: "c@corp.com"})
	c2, _ := s.User("c@corp.com")
	rp, _, err = c.User.ResetPassword(ctx, c2.ID, query.NewQueryParams(query.WithSendEmail(false)))
	if err != nil || !strings.HasPrefix(rp.ResetPasswordUrl, s.URL+"/reset_password/") {
		t.Errorf("ResetPassword(no send) = %+v, %v", rp, err)
	}
	if st := status(t, s, c2.ID); st != "RECOVERY" {
		t.Errorf("after reset_password: %s, want RECOVERY", st)
	}

	// The deactivate default is sendEmail=false; the SDK sends nothing.
	if _, err := c.User.DeactivateUser(ctx, a.ID, nil); err != nil {
		t.Errorf("DeactivateUser: %v", err)
	}
	_, _, err = c.User.ActivateUser(ctx, c2.ID, nil)
	wantCode(t, err, "E0000016")
}

func TestUserLookup(t *testing.T) {
	s, v := newCollecting(t)
	alice := s.AddUser(User{Login: "alice@corp.com"})
	s.AddUser(User{Login: "sam@corp.com"})
	sam2 := s.AddUser(User{Login: "sam@other.com"})
	slash := s.AddUser(User{Login: "a/b#c?d e@corp.com", Email: "odd@corp.com"})
	admin := s.AddUser(User{Login: "admin@corp.com"})
	s.SetMe(admin.ID)
	ctx, c := sdk(t, s)

	tests := []struct {
		ref    string // as the client sends it in the path
		wantID string // "" for 404
	}{
		{alice.ID, alice.ID},
		{"alice@corp.com", alice.ID},
		{"ALICE@corp.com", alice.ID},
		{"alice", alice.ID},
		{"sam", ""}, // ambiguous short login
		{"sam@other.com", sam2.ID},
		{"me", admin.ID},
		{url.PathEscape("a/b#c?d e@corp.com"), slash.ID},
		{url.PathEscape("a/b#c?d e"), slash.ID},
		{"nobody", ""},
	}
	for _, tt := range tests {
		r := do(t, s, "GET", "/api/v1/users/"+tt.ref, "")
		if tt.wantID == "" {
			if r.status != 404 || r.errorCode(t) != "E0000007" {
				t.Errorf("GET %s: %d %s, want 404 E0000007", tt.ref, r.status, r.body)
			}
			continue
		}
		var got struct{ ID string }
		r.decode(t, &got)
		if r.status != 200 || got.ID != tt.wantID {
			t.Errorf("GET %s: %d id %q, want %s", tt.ref, r.status, got.ID, tt.wantID)
		}
	}
	r := do(t, s, "GET", "/api/v1/users/nobody", "")
	var e errorBody
	r.decode(t, &e)
	if e.ErrorSummary != "Not found: Resource not found: nobody (User)" || e.ErrorLink != "E0000007" || e.ErrorID == "" || e.ErrorCauses == nil {
		t.Errorf("404 body = %+v", e)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("404 Content-Type = %q", ct)
	}

	// The SDK does not escape: "a b#c" reaches the server as "a b" (the
	// fragment is lost), so the bot must escape ids itself.
	_, _, err := c.User.GetUser(ctx, "a/b#c?d e@corp.com")
	wantCode(t, err, "E0000007")
	calls := s.Calls()
	if p := calls[len(calls)-1].Path; p != "/api/v1/users/a/b" {
		t.Errorf("unescaped id arrived as %q", p)
	}
	if got := v.get(); len(got) != 1 || got[0].Path != "/api/v1/users/a/b" {
		t.Errorf("violations = %v, want one for the unescaped path", got)
	}
	u, _, err := c.User.GetUser(ctx, url.PathEscape("a/b#c?d e@corp.com"))
	if err != nil || u.Id != slash.ID {
		t.Errorf("escaped GetUser = %v, %v", u, err)
	}
	calls = s.Calls()
	if p := calls[len(calls)-1].Path; p != "/api/v1/users/a%2Fb%23c%3Fd%20e@corp.com" {
		t.Errorf("recorded path %q, want the escaped path as sent", p)
	}
}

func TestUserLookupUnescapedSlashIsAViolation(t *testing.T) {
	s, v := newCollecting(t)
	s.AddUser(User{Login: "a/b@corp.com"})
	r := do(t, s, "GET", "/api/v1/users/a/b@corp.com", "")
	if r.status != 404 {
		t.Errorf("status %d, want 404", r.status)
	}
	if got := v.get(); len(got) != 1 || got[0].Operation != "" {
		t.Errorf("violations = %v, want one for the unmatched path", got)
	}
}

func TestMeDefaults(t *testing.T) {
	s := New(t)
	r := do(t, s, "GET", "/api/v1/users/me", "")
	var got struct {
		ID      string
		Profile struct{ Login string }
	}
	r.decode(t, &got)
	if r.status != 200 || got.Profile.Login != "api.admin@example.com" || !strings.HasPrefix(got.ID, "00u") || len(got.ID) != 20 {
		t.Errorf("GET me on an empty org: %d %+v", r.status, got)
	}

	s2 := New(t)
	first := s2.AddUser(User{Login: "first@corp.com"})
	s2.AddUser(User{Login: "second@corp.com"})
	r = do(t, s2, "GET", "/api/v1/users/me", "")
	r.decode(t, &got)
	if got.ID != first.ID {
		t.Errorf("me = %s, want the first user %s", got.ID, first.ID)
	}
}

func TestSetPassword(t *testing.T) {
	s := New(t)
	u := s.AddUser(User{Login: "jane.doe@corp.com", FirstName: "Jane", LastName: "Doe", Profile: map[string]any{"title": "SRE"}})
	ctx, c := sdk(t, s)
	set := func(pw string, qp *query.Params) error {
		_, _, err := c.User.PartialUpdateUser(ctx, u.ID, okta.User{Credentials: &okta.UserCredentials{
			Password: &okta.PasswordCredential{Value: pw}}}, qp)
		return err
	}
	for _, bad := range []string{
		"Short1A",                 // too short
		"alllowercase1",           // no upper case
		"ALLUPPERCASE1",           // no lower case
		"NoDigitsHere",            // no digit
		"Jane.Doe-Secret1",        // contains "jane" from the login
		"Corp2024Password",        // contains "corp" from the login
		strings.Repeat("Ab1", 25), // 75 characters
	} {
		err := set(bad, nil)
		e := oktaErr(t, err)
		if e.ErrorCode != "E0000001" || e.ErrorSummary != "Api validation failed: password" ||
			len(e.ErrorCauses) != 1 || !strings.Contains(e.ErrorCauses[0]["errorSummary"].(string), "Password requirements were not met") {
			t.Errorf("password %q: %+v", bad, e)
		}
	}
	// Okta ignores parts of the login shorter than 4 characters ("doe")
	// and common top-level domains ("com").
	for _, good := range []string{"Doe-Secret-2024", "Welcome.Com-2024"} {
		if err := set(good, nil); err != nil {
			t.Errorf("password %q refused: %v", good, err)
		}
	}
	if err := set("Tr0ub4dor-Horse", nil); err != nil {
		t.Fatalf("good password: %v", err)
	}
	if !s.PasswordIs(u.ID, "Tr0ub4dor-Horse") || s.PasswordIs(u.ID, "Tr0ub4dor-horse") {
		t.Errorf("PasswordIs disagrees with what was set")
	}
	after, _ := s.User(u.ID)
	if after.PasswordChanged.IsZero() || after.Profile["title"] != "SRE" || after.FirstName != "Jane" {
		t.Errorf("after a password change: %+v (profile must be untouched)", after)
	}
	// strict=true checks the password history.
	err := set("Tr0ub4dor-Horse", query.NewQueryParams(query.WithStrict(true)))
	wantCode(t, err, "E0000001")
	if err := set("Tr0ub4dor-Horse", nil); err != nil {
		t.Errorf("without strict, reuse is allowed: %v", err)
	}

	// Nothing recorded holds the password.
	for _, call := range s.Calls() {
		if bytes.Contains(call.Body, []byte("Tr0ub4dor")) || bytes.Contains(call.Body, []byte("Short1A")) {
			t.Errorf("call %s %s recorded a password: %s", call.Method, call.Path, call.Body)
		}
	}
	if last := s.Calls()[len(s.Calls())-1]; !bytes.Contains(last.Body, []byte(`"[REDACTED]"`)) {
		t.Errorf("recorded body %s, want the value redacted", last.Body)
	}

	// An admin-set password ends a RECOVERY.
	do(t, s, "POST", "/api/v1/users/"+u.ID+"/lifecycle/reset_password?sendEmail=false", "")
	if err := set("An0ther-Secret", nil); err != nil {
		t.Fatal(err)
	}
	if st := status(t, s, u.ID); st != "ACTIVE" {
		t.Errorf("after setting a password in RECOVERY: %s, want ACTIVE", st)
	}
}

func TestPartialUpdateAndReplace(t *testing.T) {
	s := New(t)
	u := s.AddUser(User{Login: "kim@corp.com", FirstName: "Kim", LastName: "Lee", Profile: map[string]any{"division": "Ops", "title": "Eng"}})
	s.AddUser(User{Login: "taken@corp.com"})

	r := do(t, s, "POST", "/api/v1/users/kim", `{"profile":{"title":"Lead","division":null}}`)
	if r.status != 200 {
		t.Fatalf("partial update: %d %s", r.status, r.body)
	}
	got, _ := s.User(u.ID)
	if diff := cmp.Diff(map[string]any{"title": "Lead"}, got.Profile); diff != "" || got.FirstName != "Kim" {
		t.Errorf("partial update merged wrongly (-want +got):\n%s", diff)
	}

	r = do(t, s, "POST", "/api/v1/users/"+u.ID, `{"profile":{"login":"TAKEN@corp.com"}}`)
	if r.status != 400 || r.errorCode(t) != "E0000001" {
		t.Errorf("login clash: %d %s", r.status, r.body)
	}

	// PUT replaces the whole profile: what is not sent is wiped.
	r = do(t, s, "PUT", "/api/v1/users/"+u.ID, `{"profile":{"login":"kim@corp.com","email":"kim@corp.com","firstName":"Kim","lastName":"Lee"}}`)
	if r.status != 200 {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	got, _ = s.User(u.ID)
	if got.Profile != nil {
		t.Errorf("after PUT the profile still has %v", got.Profile)
	}
	r = do(t, s, "PUT", "/api/v1/users/"+u.ID, `{"credentials":{"password":{"value":"Val1d-Passw0rd"}}}`)
	if r.status != 400 || r.errorCode(t) != "E0000001" {
		t.Errorf("PUT without a profile: %d %s", r.status, r.body)
	}
	if s.PasswordIs(u.ID, "Val1d-Passw0rd") {
		t.Errorf("a rejected PUT set the password")
	}

	do(t, s, "POST", "/api/v1/users/"+u.ID+"/lifecycle/deactivate", "")
	for _, m := range []string{"POST", "PUT"} {
		r = do(t, s, m, "/api/v1/users/"+u.ID, `{"profile":{"login":"kim@corp.com","email":"kim@corp.com","firstName":"K","lastName":"L"}}`)
		if r.status != 403 || r.errorCode(t) != "E0000038" {
			t.Errorf("%s on a DEPROVISIONED user: %d %s", m, r.status, r.body)
		}
	}
}

func TestListUsers(t *testing.T) {
	s := New(t)
	ann := s.AddUser(User{Login: "ann@corp.com", FirstName: "Ann", LastName: "Smith", Profile: map[string]any{"department": "Engineering"}})
	andy := s.AddUser(User{Login: "andy@corp.com", FirstName: "Andy", LastName: "Jones", Status: "SUSPENDED"})
	gone := s.AddUser(User{Login: "anders@corp.com", FirstName: "Anders", LastName: "Gone", Status: "DEPROVISIONED"})
	bo := s.AddUser(User{Login: "bo@corp.com", FirstName: "Bo", LastName: "Anderson", Profile: map[string]any{"department": "engineering"}})
	quoted := s.AddUser(User{Login: `x" or status eq "ACTIVE@corp.com`, Email: "quoted@corp.com", FirstName: "Q"})

	ids := func(path string) []string {
		t.Helper()
		r := do(t, s, "GET", path, "")
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.status, r.body)
		}
		var us []struct{ ID string }
		r.decode(t, &us)
		out := []string{}
		for _, u := range us {
			out = append(out, u.ID)
		}
		return out
	}
	q := url.QueryEscape
	tests := []struct {
		name string
		path string
		want []string
	}{
		{"all but deprovisioned", "/api/v1/users", []string{ann.ID, andy.ID, bo.ID, quoted.ID}},
		{"q prefix on names and email", "/api/v1/users?q=an", []string{ann.ID, andy.ID, bo.ID}},
		{"q is case-insensitive", "/api/v1/users?q=ANN", []string{ann.ID}},
		{"q with limit", "/api/v1/users?q=an&limit=1", []string{ann.ID}},
		{"filter status", "/api/v1/users?filter=" + q(`status eq "DEPROVISIONED"`), []string{gone.ID}},
		{"filter is case-sensitive", "/api/v1/users?filter=" + q(`profile.firstName eq "ann"`), []string{}},
		{"filter or", "/api/v1/users?filter=" + q(`profile.login eq "ann@corp.com" or id eq "`+bo.ID+`"`), []string{ann.ID, bo.ID}},
		{"filter lastUpdated", "/api/v1/users?filter=" + q(`lastUpdated gt "2000-01-01T00:00:00.000Z"`), []string{ann.ID, andy.ID, gone.ID, bo.ID, quoted.ID}},
		{"search sw", "/api/v1/users?search=" + q(`profile.firstName sw "an"`), []string{ann.ID, andy.ID, gone.ID}},
		{"search is case-insensitive", "/api/v1/users?search=" + q(`profile.department eq "ENGINEERING"`), []string{ann.ID, bo.ID}},
		{"search co", "/api/v1/users?search=" + q(`profile.lastName co "son"`), []string{bo.ID}},
		{"search and/or/parentheses", "/api/v1/users?search=" + q(`(status eq "ACTIVE" or status eq "SUSPENDED") and profile.firstName sw "an"`), []string{ann.ID, andy.ID}},
		{"search operators are case-insensitive", "/api/v1/users?search=" + q(`status EQ "suspended"`), []string{andy.ID}},
		{"search pr", "/api/v1/users?search=" + q(`profile.department pr`), []string{ann.ID, bo.ID}},
		{"search lt/gt on status", "/api/v1/users?search=" + q(`status lt "ACTIVE" or status gt "ACTIVE"`), []string{andy.ID, gone.ID}},
		{"an injection attempt is one literal", "/api/v1/users?search=" + q(`profile.login eq "x\" or status eq \"ACTIVE@corp.com"`), []string{quoted.ID}},
		{"the unescaped injection matches more", "/api/v1/users?search=" + q(`profile.login eq "x" or status eq "ACTIVE"`), []string{ann.ID, bo.ID, quoted.ID}},
		{"sortBy", "/api/v1/users?search=" + q(`status pr`) + "&sortBy=profile.firstName&sortOrder=desc", []string{quoted.ID, bo.ID, ann.ID, andy.ID, gone.ID}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, ids(tt.path)); diff != "" {
			t.Errorf("%s: %s (-want +got):\n%s", tt.name, tt.path, diff)
		}
	}

	// The raw expression is recorded, and parses as the client meant.
	for _, call := range s.Calls() {
		if !strings.Contains(call.Query.Get("search"), `x\"`) {
			continue
		}
		e, err := ParseExpression(call.Query.Get("search"))
		if err != nil {
			t.Fatal(err)
		}
		want := &Compare{Attr: "profile.login", Op: "eq", Value: `x" or status eq "ACTIVE@corp.com`}
		if diff := cmp.Diff(Expr(want), e); diff != "" {
			t.Errorf("recorded search (-want +got):\n%s", diff)
		}
	}

	errs := []struct {
		path, code string
	}{
		{"/api/v1/users?search=" + q(`status eq "ACTIVE"`) + "&filter=" + q(`status eq "ACTIVE"`), "E0000033"},
		{"/api/v1/users?search=" + q(`status eq ACTIVE`), "E0000031"},
		{"/api/v1/users?search=" + q(`status eq "ACTIVE`), "E0000031"},
		{"/api/v1/users?search=" + q(`(status eq "ACTIVE"`), "E0000031"},
		{"/api/v1/users?search=" + q(`status ne "ACTIVE"`), "E0000031"},
		{"/api/v1/users?search=" + q(`profile.title co "x"`), "E0000031"},
		{"/api/v1/users?search=" + q(`status eq "A" and`), "E0000031"},
		{"/api/v1/users?filter=" + q(`profile.department eq "x"`), "E0000031"},
		{"/api/v1/users?filter=" + q(`status sw "A"`), "E0000031"},
		{"/api/v1/users?filter=" + q(`lastUpdated gt "yesterday"`), "E0000031"},
		{"/api/v1/users?after=garbage", "E0000029"},
		{"/api/v1/users?limit=0", "E0000001"},
	}
	for _, tt := range errs {
		r := do(t, s, "GET", tt.path, "")
		if r.status != 400 || r.errorCode(t) != tt.code {
			t.Errorf("GET %s: %d %s, want 400 %s", tt.path, r.status, r.body, tt.code)
		}
	}
}

func TestListUsersPaging(t *testing.T) {
	s := New(t)
	var want []string
	for i := range 7 {
		u := s.AddUser(User{Login: "user" + string(rune('a'+i)) + "@corp.com"})
		want = append(want, u.ID)
	}
	ctx, c := sdk(t, s)

	users, resp, err := c.User.ListUsers(ctx, query.NewQueryParams(query.WithLimit(3)))
	if err != nil {
		t.Fatal(err)
	}
	if links := resp.Header.Values("Link"); len(links) != 2 ||
		!strings.HasSuffix(links[0], `rel="self"`) || !strings.HasSuffix(links[1], `rel="next"`) ||
		!strings.HasPrefix(links[1], "<"+s.URL+"/api/v1/users?") {
		t.Errorf("Link headers = %q, want self and next on separate lines", links)
	}
	var got []string
	for _, u := range users {
		got = append(got, u.Id)
	}
	seen := map[string]bool{}
	for pages := 1; resp.HasNextPage(); pages++ {
		if pages > 10 {
			t.Fatalf("paging does not end")
		}
		if seen[resp.NextPage] {
			t.Fatalf("next link repeats: %s", resp.NextPage)
		}
		seen[resp.NextPage] = true
		var more []*okta.User
		if resp, err = resp.Next(ctx, &more); err != nil {
			t.Fatal(err)
		}
		for _, u := range more {
			got = append(got, u.Id)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged users (-want +got):\n%s", diff)
	}
	if n := s.CallCount(); n != 3 {
		t.Errorf("%d calls, want 3 pages", n)
	}
	// The last page has only the self link.
	if links := resp.Header.Values("Link"); len(links) != 1 {
		t.Errorf("last page Link = %q", links)
	}

	// A cursor from another collection is refused.
	r := do(t, s, "GET", "/api/v1/users?limit=3", "")
	next := r.header.Values("Link")[1]
	cursor := next[strings.Index(next, "after=")+6 : strings.Index(next, ">")]
	if r := do(t, s, "GET", "/api/v1/groups?after="+cursor, ""); r.status != 400 || r.errorCode(t) != "E0000029" {
		t.Errorf("users cursor on groups: %d %s", r.status, r.body)
	}
	if r := do(t, s, "GET", "/api/v1/users?limit=3&after="+cursor, ""); r.status != 200 {
		t.Errorf("users cursor: %d %s", r.status, r.body)
	}

	// limit is capped at 200, the default.
	for i := range 205 {
		s.AddUser(User{Login: "bulk" + strconv.Itoa(i) + "@corp.com"})
	}
	for _, path := range []string{"/api/v1/users", "/api/v1/users?limit=500"} {
		r := do(t, s, "GET", path, "")
		var us []any
		r.decode(t, &us)
		if len(us) != 200 || len(r.header.Values("Link")) != 2 {
			t.Errorf("GET %s: %d users, links %q", path, len(us), r.header.Values("Link"))
		}
	}
	r = do(t, s, "GET", "/api/v1/users?q=bulk", "")
	var us []any
	r.decode(t, &us)
	if len(us) != 10 || len(r.header.Values("Link")) != 1 {
		t.Errorf("q: %d users (want the default 10), links %q (want no next)", len(us), r.header.Values("Link"))
	}
}

func TestUnauthorized(t *testing.T) {
	s := New(t)
	for _, token := range []string{"", "wrong"} {
		r := doToken(t, s, "GET", "/api/v1/users/me", "", token)
		if r.status != http.StatusUnauthorized || r.errorCode(t) != "E0000011" {
			t.Errorf("token %q: %d %s", token, r.status, r.body)
		}
		if r.header.Get("X-Okta-Request-Id") == "" || r.header.Get("X-Rate-Limit-Limit") == "" {
			t.Errorf("401 lacks Okta headers: %v", r.header)
		}
	}
}

// Okta leaves a common top-level domain out of "no parts of your
// username", but not the rest of the domain.
func TestSetPasswordIgnoresCommonTopLevelDomains(t *testing.T) {
	s := New(t)
	u := s.AddUser(User{Login: "max.power@acme.info", FirstName: "Max", LastName: "Power"})
	ctx, c := sdk(t, s)
	set := func(pw string) error {
		_, _, err := c.User.PartialUpdateUser(ctx, u.ID, okta.User{Credentials: &okta.UserCredentials{
			Password: &okta.PasswordCredential{Value: pw}}}, nil)
		return err
	}
	if err := set("Info-Max-2024x"); err != nil {
		t.Errorf("a password with the TLD and a short part refused: %v", err)
	}
	for _, bad := range []string{"Power-2024-xY", "Acme-2024-xY"} {
		if err := set(bad); err == nil {
			t.Errorf("password %q with a part of the login accepted", bad)
		}
	}
}

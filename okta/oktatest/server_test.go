package oktatest

import (
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// Every okta.Client starts a go-cache janitor for its token cache that
	// stops only when the client is garbage collected.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/patrickmn/go-cache.(*janitor).Run"))
}

func TestDefaultViolationHandlerFailsTheTest(t *testing.T) {
	ft := &fakeTB{TB: t}
	s := New(ft)
	u := s.AddUser(User{Login: "v@corp.com"})
	r := do(t, s, "POST", "/api/v1/users/"+u.ID+"/lifecycle/reset_password", "")
	if r.status != 400 {
		t.Errorf("status %d", r.status)
	}
	if len(ft.errors) != 1 {
		t.Errorf("reported %d errors, want 1", len(ft.errors))
	}
}

func TestCallsAreRecorded(t *testing.T) {
	at := time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC)
	s := New(t, WithClock(func() time.Time { return at }), WithToken("tok-123"))
	if s.Token != "tok-123" || strings.HasSuffix(s.URL, "/") {
		t.Errorf("Token %q URL %q", s.Token, s.URL)
	}
	u := s.AddUser(User{Login: "rec@corp.com"})
	do(t, s, "GET", "/api/v1/users?search="+url.QueryEscape(`profile.login eq "rec@corp.com"`)+"&limit=5", "")
	do(t, s, "POST", "/api/v1/users/rec%40corp.com", `{"profile":{"title":"x"}}`)
	do(t, s, "GET", "/api/v1/users/nobody", "")
	calls := s.WaitCalls(3, 10*time.Second)
	for i := range calls {
		if calls[i].RequestID == "" || calls[i].Duration <= 0 {
			t.Errorf("call %d: request id %q, duration %v", i, calls[i].RequestID, calls[i].Duration)
		}
		calls[i].RequestID, calls[i].Duration = "", 0
	}
	want := []Call{
		{Method: "GET", Path: "/api/v1/users", Operation: "listUsers",
			Query: url.Values{"search": {`profile.login eq "rec@corp.com"`}, "limit": {"5"}}, Status: 200, At: at},
		{Method: "POST", Path: "/api/v1/users/rec%40corp.com", Operation: "updateUser",
			Query: url.Values{}, Body: []byte(`{"profile":{"title":"x"}}`), Status: 200, At: at},
		{Method: "GET", Path: "/api/v1/users/nobody", Operation: "getUser",
			Query: url.Values{}, Status: 404, ErrorCode: "E0000007", At: at},
	}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if s.CallCount() != 3 {
		t.Errorf("CallCount = %d", s.CallCount())
	}
	got, _ := s.User(u.ID)
	if got.Profile["title"] != "x" || !got.LastUpdated.Equal(at) {
		t.Errorf("user after update = %+v", got)
	}
}

func TestSeeding(t *testing.T) {
	s := New(t)
	u := s.AddUser(User{Login: "seed@corp.com", FirstName: "See", Password: "Seed-Pass1", Status: "STAGED"})
	if !strings.HasPrefix(u.ID, "00u") || len(u.ID) != 20 || u.Email != "seed@corp.com" || u.Password != "" ||
		u.Created.IsZero() || !u.Activated.IsZero() || u.PasswordChanged.IsZero() {
		t.Errorf("AddUser = %+v", u)
	}
	if !s.PasswordIs("seed@corp.com", "Seed-Pass1") || s.PasswordIs(u.ID, "wrong") {
		t.Errorf("PasswordIs disagrees with the seed")
	}
	g := s.AddGroup(Group{Name: "G"})
	if !strings.HasPrefix(g.ID, "00g") || len(g.ID) != 20 || g.Type != "OKTA_GROUP" {
		t.Errorf("AddGroup = %+v", g)
	}
	r := s.AddRole(u.ID, Role{Type: "SUPER_ADMIN"})
	if !strings.HasPrefix(r.ID, "ra1") || r.Label == "" || r.Status != "ACTIVE" || r.AssignmentType != "USER" {
		t.Errorf("AddRole = %+v", r)
	}
	p := s.AddIdentityProvider(IdentityProvider{Name: "P"})
	if !strings.HasPrefix(p.ID, "0oa") || len(p.ID) != 20 || p.Type != "SAML2" || p.Status != "ACTIVE" {
		t.Errorf("AddIdentityProvider = %+v", p)
	}
	if got := s.Users(); len(got) != 1 || got[0].ID != u.ID {
		t.Errorf("Users = %v", got)
	}
	if got := s.IdentityProviders(); len(got) != 1 {
		t.Errorf("IdentityProviders = %v", got)
	}

	// Same seed, same ids.
	s2 := New(t)
	if u2 := s2.AddUser(User{Login: "other@corp.com"}); u2.ID != u.ID {
		t.Errorf("ids differ between servers with the default seed: %s %s", u.ID, u2.ID)
	}
	s3 := New(t, WithSeed(42))
	if u3 := s3.AddUser(User{Login: "other@corp.com"}); u3.ID == u.ID {
		t.Errorf("WithSeed did not change the ids")
	}
}

// TestSeedingMistakesFailTheTest checks that a seed the spec would reject
// stops the test at once instead of failing later in a response.
func TestSeedingMistakesFailTheTest(t *testing.T) {
	ft := &fakeTB{TB: t}
	s := New(ft)
	s.AddUser(User{Login: "dup@corp.com"})
	for name, f := range map[string]func(){
		"no login":        func() { s.AddUser(User{}) },
		"bad email":       func() { s.AddUser(User{Login: "x", Email: "nope"}) },
		"duplicate login": func() { s.AddUser(User{Login: "DUP@corp.com"}) },
		"bad status":      func() { s.AddUser(User{Login: "y@corp.com", Status: "ASLEEP"}) },
		"bad role":        func() { s.AddRole("00unknown", Role{Type: "USER_ADMIN"}) },
		"bad idp type":    func() { s.AddIdentityProvider(IdentityProvider{Name: "x", Type: "MYSPACE"}) },
		"bad group type":  func() { s.AddGroup(Group{Name: "x", Type: "SECRET"}) },
		"bad member":      func() { s.AddGroupMember("00gnope", "00unope") },
		"bad factor":      func() { s.AddFactor("00unope", Factor{FactorType: "sms"}) },
	} {
		before := len(ft.fatal)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
		wg.Wait()
		if len(ft.fatal) != before+1 {
			t.Errorf("%s: did not fail the test", name)
		}
	}
	if got := s.Users(); len(got) != 1 {
		t.Errorf("failed seeds were stored: %v", got)
	}
}

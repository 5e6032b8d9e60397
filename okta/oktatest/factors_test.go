package oktatest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type verifyAnswer struct {
	FactorResult string `json:"factorResult"`
	ExpiresAt    string `json:"expiresAt"`
	Embedded     struct {
		Challenge struct {
			CorrectAnswer int `json:"correctAnswer"`
		} `json:"challenge"`
	} `json:"_embedded"`
	Links struct {
		Poll struct {
			Href string `json:"href"`
		} `json:"poll"`
	} `json:"_links"`
}

// startPush sends a number-matching push to the user's factor and returns
// Okta's answer and the poll path.
func startPush(t *testing.T, s *Server, userID, factorID string) (verifyAnswer, string) {
	t.Helper()
	r := do(t, s, "POST", "/api/v1/users/"+userID+"/factors/"+factorID+"/verify", `{"useNumberMatchingChallenge":true}`)
	if r.status != http.StatusCreated {
		t.Fatalf("verify: %d %s", r.status, r.body)
	}
	var v verifyAnswer
	r.decode(t, &v)
	return v, strings.TrimPrefix(v.Links.Poll.Href, s.URL)
}

func poll(t *testing.T, s *Server, path string) verifyAnswer {
	t.Helper()
	r := do(t, s, "GET", path, "")
	if r.status != http.StatusOK {
		t.Fatalf("poll: %d %s", r.status, r.body)
	}
	var v verifyAnswer
	r.decode(t, &v)
	return v
}

func TestPushWithNumberMatching(t *testing.T) {
	clk := &testClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := New(t, WithClock(clk.now))
	u := s.AddUser(User{Login: "pat@corp.com"})
	f := s.AddFactor(u.ID, Factor{FactorType: "push", DeviceName: "Pat's Pixel", Platform: "ANDROID"})

	for _, tt := range []struct {
		answer PushAnswer
		want   string
	}{
		{PushApprove, "SUCCESS"},
		{PushReject, "REJECTED"},
		{PushWrongNumber, "REJECTED"},
	} {
		v, path := startPush(t, s, u.ID, f.ID)
		if v.FactorResult != "WAITING" || v.Embedded.Challenge.CorrectAnswer == 0 || path == "" {
			t.Fatalf("verify = %+v", v)
		}
		tx, ok := s.WaitPush(u.ID, time.Second)
		if !ok || tx.CorrectAnswer != v.Embedded.Challenge.CorrectAnswer || len(tx.Choices) != 3 {
			t.Fatalf("WaitPush = %+v, %v", tx, ok)
		}
		if !strings.HasSuffix(path, "/transactions/"+tx.ID) {
			t.Errorf("poll link %q does not name transaction %q", path, tx.ID)
		}
		if p := poll(t, s, path); p.FactorResult != "WAITING" || p.Embedded.Challenge.CorrectAnswer != tx.CorrectAnswer {
			t.Errorf("poll while waiting = %+v", p)
		}
		s.AnswerPush(tx.ID, tt.answer)
		if p := poll(t, s, path); p.FactorResult != tt.want || p.Embedded.Challenge.CorrectAnswer != 0 {
			t.Errorf("%v: poll = %+v, want %s without the number", tt.answer, p, tt.want)
		}
	}
	if got := s.Factors(u.ID)[0].LastVerified; !got.Equal(clk.now()) {
		t.Errorf("LastVerified = %v", got)
	}
	var reasons []string
	for _, e := range s.LogEvents() {
		if e.EventType == "user.mfa.okta_verify.deny_push" {
			reasons = append(reasons, e.Outcome+" "+e.Reason)
		}
	}
	if diff := cmp.Diff([]string{"FAILURE User rejected Okta push verify", "FAILURE INVALID_ANSWER"}, reasons); diff != "" {
		t.Errorf("deny events (-want +got):\n%s", diff)
	}

	// Never answered: TIMEOUT once the lifetime is over.
	_, path := startPush(t, s, u.ID, f.ID)
	clk.add(299 * time.Second)
	if p := poll(t, s, path); p.FactorResult != "WAITING" {
		t.Errorf("after 299 s: %s", p.FactorResult)
	}
	clk.add(time.Second)
	if p := poll(t, s, path); p.FactorResult != "TIMEOUT" {
		t.Errorf("after 300 s: %s", p.FactorResult)
	}

	// A shorter lifetime, and a standing answer that comes after it.
	s.SetPushLifetime(time.Minute)
	s.AnswerPushes(u.ID, PushApprove, 2*time.Minute)
	_, path = startPush(t, s, u.ID, f.ID)
	clk.add(3 * time.Minute)
	if p := poll(t, s, path); p.FactorResult != "TIMEOUT" {
		t.Errorf("answer after the lifetime: %s", p.FactorResult)
	}
	// A standing answer within it.
	s.AnswerPushes(u.ID, PushReject, 10*time.Second)
	_, path = startPush(t, s, u.ID, f.ID)
	clk.add(9 * time.Second)
	if p := poll(t, s, path); p.FactorResult != "WAITING" {
		t.Errorf("before the answer: %s", p.FactorResult)
	}
	clk.add(time.Second)
	if p := poll(t, s, path); p.FactorResult != "REJECTED" {
		t.Errorf("after the answer: %s", p.FactorResult)
	}
	// ExpirePush.
	s.AnswerPushes(u.ID, PushIgnore, 0)
	startPush(t, s, u.ID, f.ID)
	tx, _ := s.WaitPush(u.ID, time.Second)
	s.ExpirePush(tx.ID)
	if txs := s.PushTransactions(u.ID); txs[len(txs)-1].Result != "TIMEOUT" {
		t.Errorf("ExpirePush: %+v", txs[len(txs)-1])
	}
}

func TestPushRules(t *testing.T) {
	s := New(t)
	u := s.AddUser(User{Login: "pat@corp.com"})
	other := s.AddUser(User{Login: "sam@corp.com"})
	push := s.AddFactor(u.ID, Factor{FactorType: "push"})
	otherPush := s.AddFactor(other.ID, Factor{FactorType: "push"})
	pending := s.AddFactor(u.ID, Factor{FactorType: "push", Status: "PENDING_ACTIVATION"})

	// A standard push (no body) has no number.
	r := do(t, s, "POST", "/api/v1/users/"+u.ID+"/factors/"+push.ID+"/verify", "")
	var v verifyAnswer
	r.decode(t, &v)
	if r.status != http.StatusCreated || v.FactorResult != "WAITING" || v.Embedded.Challenge.CorrectAnswer != 0 {
		t.Errorf("standard push: %d %s", r.status, r.body)
	}
	tx, _ := s.WaitPush(u.ID, time.Second)
	// Polling through another user's factor, or another factor, is 404.
	for _, p := range []string{
		"/api/v1/users/" + other.ID + "/factors/" + otherPush.ID + "/transactions/" + tx.ID,
		"/api/v1/users/" + u.ID + "/factors/" + pending.ID + "/transactions/" + tx.ID,
		"/api/v1/users/" + u.ID + "/factors/" + otherPush.ID + "/transactions/" + tx.ID,
	} {
		if r := do(t, s, "GET", p, ""); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d", p, r.status)
		}
	}
	// A factor that is not ACTIVE does not verify.
	if r := do(t, s, "POST", "/api/v1/users/"+u.ID+"/factors/"+pending.ID+"/verify", `{}`); r.status != http.StatusBadRequest {
		t.Errorf("pending factor: %d", r.status)
	}
	// A suspended user cannot be verified.
	do(t, s, "POST", "/api/v1/users/"+u.ID+"/lifecycle/suspend", "")
	if r := do(t, s, "POST", "/api/v1/users/"+u.ID+"/factors/"+push.ID+"/verify", `{}`); r.status != http.StatusForbidden || r.errorCode(t) != "E0000038" {
		t.Errorf("suspended user: %d %s", r.status, r.body)
	}
	// The number and the transaction id are in no recorded call's body.
	for _, c := range s.Calls() {
		if strings.Contains(string(c.Body), tx.ID) {
			t.Errorf("call %s %s records the transaction", c.Method, c.Path)
		}
	}
}

func TestPushNeedsAUserAgent(t *testing.T) {
	s := New(t)
	u := s.AddUser(User{Login: "pat@corp.com"})
	push := s.AddFactor(u.ID, Factor{FactorType: "push"})
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/users/"+u.ID+"/factors/"+push.ID+"/verify", nil)
	req.Header.Set("Authorization", "SSWS "+s.Token)
	req.Header.Set("User-Agent", "")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("push without User-Agent: %d", resp.StatusCode)
	}
}

func TestPassCodeFactors(t *testing.T) {
	s := New(t)
	u := s.AddUser(User{Login: "pat@corp.com"})
	sms := s.AddFactor(u.ID, Factor{FactorType: "sms"})
	path := "/api/v1/users/" + u.ID + "/factors/" + sms.ID + "/verify"
	if r := do(t, s, "POST", path, ""); r.status != http.StatusOK || !strings.Contains(string(r.body), "CHALLENGE") {
		t.Errorf("challenge: %d %s", r.status, r.body)
	}
	code, _ := s.PassCode(u.ID, sms.ID)
	if r := do(t, s, "POST", path, `{"passCode":"000000x"}`); r.status != http.StatusForbidden || r.errorCode(t) != "E0000068" {
		t.Errorf("wrong code: %d %s", r.status, r.body)
	}
	if r := do(t, s, "POST", path, `{"passCode":"`+code+`"}`); r.status != http.StatusOK || !strings.Contains(string(r.body), "SUCCESS") {
		t.Errorf("right code: %d %s", r.status, r.body)
	}
	if r := do(t, s, "POST", path, `{"passCode":"`+code+`"}`); r.status != http.StatusForbidden {
		t.Errorf("code used twice: %d", r.status)
	}
}

func TestUnenrollFactor(t *testing.T) {
	s := New(t)
	u := s.AddUser(User{Login: "pat@corp.com"})
	push := s.AddFactor(u.ID, Factor{FactorType: "push"})
	s.AddFactor(u.ID, Factor{FactorType: "token:software:totp"}) // Okta Verify's code
	google := s.AddFactor(u.ID, Factor{FactorType: "token:software:totp", Provider: "GOOGLE"})
	sms := s.AddFactor(u.ID, Factor{FactorType: "sms"})

	r := do(t, s, "GET", "/api/v1/users/"+u.ID+"/factors/"+push.ID, "")
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"name":"iPhone"`) {
		t.Errorf("get push factor: %d %s", r.status, r.body)
	}
	if r := do(t, s, "DELETE", "/api/v1/users/"+u.ID+"/factors/"+push.ID, ""); r.status != http.StatusNoContent {
		t.Fatalf("unenroll push: %d %s", r.status, r.body)
	}
	var left []string
	for _, f := range s.Factors(u.ID) {
		left = append(left, f.ID)
	}
	if diff := cmp.Diff([]string{google.ID, sms.ID}, left); diff != "" {
		t.Errorf("factors left after unenrolling Okta Verify push (-want +got):\n%s", diff)
	}
	if r := do(t, s, "DELETE", "/api/v1/users/"+u.ID+"/factors/"+push.ID, ""); r.status != http.StatusNotFound {
		t.Errorf("unenroll twice: %d", r.status)
	}
	do(t, s, "POST", "/api/v1/users/"+u.ID+"/lifecycle/deactivate", "")
	if r := do(t, s, "DELETE", "/api/v1/users/"+u.ID+"/factors/"+sms.ID, ""); r.status != http.StatusForbidden {
		t.Errorf("unenroll from a deactivated user: %d", r.status)
	}
}

func TestClearSessionsGrantsAndClients(t *testing.T) {
	s := New(t)
	u := s.AddUser(User{Login: "pat@corp.com"})
	s.AddOAuthClient(OAuthClient{ID: "0oaportal", Name: "Portal", URI: "https://portal.example.com"})
	s.AddOAuthClient(OAuthClient{ID: "0oawiki", Name: "Wiki"})
	s.AddOAuthClient(OAuthClient{ID: "0oaunused", Name: "Unused"})
	s.AddSession(u.ID)
	s.AddSession(u.ID)
	s.RememberDevice(u.ID, "Pat's laptop")
	s.AddUserToken(u.ID, "0oawiki", "openid")
	for _, scope := range []string{"openid", "profile", "email"} {
		s.AddGrant(u.ID, Grant{ClientID: "0oaportal", ScopeID: scope})
	}
	base := "/api/v1/users/" + u.ID

	var clients []struct {
		ID   string `json:"client_id"`
		Name string `json:"client_name"`
	}
	do(t, s, "GET", base+"/clients", "").decode(t, &clients)
	if len(clients) != 2 || clients[0].Name != "Portal" || clients[1].Name != "Wiki" {
		t.Errorf("clients: %+v", clients)
	}
	r := do(t, s, "GET", base+"/grants?limit=2&expand=scope", "")
	var page []map[string]any
	r.decode(t, &page)
	if len(page) != 2 || !strings.Contains(strings.Join(r.header.Values("Link"), " "), `rel="next"`) {
		t.Errorf("grants page: %d, links %v", len(page), r.header.Values("Link"))
	}
	r = do(t, s, "GET", base+"/grants?scopeId=email", "")
	r.decode(t, &page)
	if len(page) != 1 {
		t.Errorf("grants of scope email: %d", len(page))
	}

	// Defaults: sessions end and devices are forgotten; tokens stay.
	if r := do(t, s, "DELETE", base+"/sessions", ""); r.status != http.StatusNoContent {
		t.Fatalf("clear sessions: %d", r.status)
	}
	if len(s.Sessions(u.ID)) != 0 || len(s.RememberedDevices(u.ID)) != 0 || len(s.UserTokens(u.ID)) != 1 {
		t.Errorf("after clear: %d sessions, %d devices, %d tokens", len(s.Sessions(u.ID)), len(s.RememberedDevices(u.ID)), len(s.UserTokens(u.ID)))
	}
	s.RememberDevice(u.ID, "Pat's laptop")
	do(t, s, "DELETE", base+"/sessions?oauthTokens=true&forgetDevices=false", "")
	if len(s.RememberedDevices(u.ID)) != 1 || len(s.UserTokens(u.ID)) != 0 {
		t.Errorf("oauthTokens=true&forgetDevices=false: %d devices, %d tokens", len(s.RememberedDevices(u.ID)), len(s.UserTokens(u.ID)))
	}

	if r := do(t, s, "DELETE", base+"/grants", ""); r.status != http.StatusNoContent {
		t.Fatalf("revoke grants: %d", r.status)
	}
	do(t, s, "GET", base+"/grants", "").decode(t, &page)
	if len(page) != 0 {
		t.Errorf("grants after revoke: %d", len(page))
	}
	for _, g := range s.Grants(u.ID) {
		if g.Status != "REVOKED" {
			t.Errorf("grant %s is %s", g.ID, g.Status)
		}
	}
	if r := do(t, s, "DELETE", "/api/v1/users/pat@corp.com/sessions", ""); r.status != http.StatusNotFound {
		t.Errorf("sessions by login (the endpoint takes ids): %d", r.status)
	}
}

func TestUnlockAndTempPassword(t *testing.T) {
	s := New(t)
	locked := s.AddUser(User{Login: "lou@corp.com", Password: "Start-1234"})
	blocked := s.AddUser(User{Login: "bo@corp.com"})
	staged := s.AddUser(User{Login: "sy@corp.com", Status: "STAGED"})
	s.LockOut(locked.ID)
	s.BlockUnknownDevices(blocked.ID)

	for _, id := range []string{locked.ID, blocked.ID} {
		if r := do(t, s, "POST", "/api/v1/users/"+id+"/lifecycle/unlock", ""); r.status != http.StatusOK {
			t.Errorf("unlock %s: %d %s", id, r.status, r.body)
		}
		if u, _ := s.User(id); u.Status != "ACTIVE" || u.UnknownDevicesBlocked {
			t.Errorf("after unlock: %+v", u)
		}
	}
	// Nothing to unlock: a STAGED user, an ACTIVE one that is not blocked
	// (the two just unlocked).
	for _, id := range []string{staged.ID, locked.ID} {
		if r := do(t, s, "POST", "/api/v1/users/"+id+"/lifecycle/unlock", ""); r.status != http.StatusForbidden || r.errorCode(t) != "E0000032" {
			t.Errorf("unlock %s: %d %s", id, r.status, r.body)
		}
	}

	s.AddSession(locked.ID)
	r := do(t, s, "POST", "/api/v1/users/"+locked.ID+"/lifecycle/expire_password_with_temp_password?revokeSessions=true", "")
	var temp struct {
		TempPassword string `json:"tempPassword"`
	}
	r.decode(t, &temp)
	if r.status != http.StatusOK || temp.TempPassword == "" || !s.PasswordIs(locked.ID, temp.TempPassword) {
		t.Errorf("temp password: %d", r.status)
	}
	if u, _ := s.User(locked.ID); u.Status != "PASSWORD_EXPIRED" || len(s.Sessions(locked.ID)) != 0 {
		t.Errorf("after expire with temp password: %s, %d sessions", u.Status, len(s.Sessions(locked.ID)))
	}
	for _, c := range s.Calls() {
		if strings.Contains(string(c.Body), temp.TempPassword) {
			t.Errorf("a recorded call holds the temporary password")
		}
	}
	if r := do(t, s, "POST", "/api/v1/users/"+staged.ID+"/lifecycle/expire_password_with_temp_password", ""); r.status != http.StatusForbidden || r.errorCode(t) != "E0000038" {
		t.Errorf("STAGED: %d %s", r.status, r.body)
	}
}

func TestGroupRoles(t *testing.T) {
	s := New(t)
	u := s.AddUser(User{Login: "pat@corp.com"})
	g := s.AddGroup(Group{Name: "Helpdesk"})
	s.AddGroupMember(g.ID, u.ID)
	r := do(t, s, "POST", "/api/v1/groups/"+g.ID+"/roles", `{"type":"HELP_DESK_ADMIN"}`)
	if r.status != http.StatusOK {
		t.Fatalf("assign: %d %s", r.status, r.body)
	}
	if r := do(t, s, "POST", "/api/v1/groups/"+g.ID+"/roles", `{"type":"HELP_DESK_ADMIN"}`); r.status != http.StatusConflict || r.errorCode(t) != "E0000090" {
		t.Errorf("again: %d %s", r.status, r.body)
	}
	var roles []struct {
		ID, Type, AssignmentType string
	}
	do(t, s, "GET", "/api/v1/users/"+u.ID+"/roles", "").decode(t, &roles)
	if len(roles) != 1 || roles[0].Type != "HELP_DESK_ADMIN" || roles[0].AssignmentType != "GROUP" {
		t.Errorf("member's roles: %+v", roles)
	}
	// Removed through the group, not the member.
	if r := do(t, s, "DELETE", "/api/v1/users/"+u.ID+"/roles/"+roles[0].ID, ""); r.status != http.StatusNotFound {
		t.Errorf("unassign a group role from the member: %d", r.status)
	}
	if r := do(t, s, "DELETE", "/api/v1/groups/"+g.ID+"/roles/"+roles[0].ID, ""); r.status != http.StatusNoContent {
		t.Errorf("unassign from the group: %d", r.status)
	}
	if len(s.GroupRoles(g.ID)) != 0 {
		t.Errorf("group roles left: %v", s.GroupRoles(g.ID))
	}
}

func TestSeededLogEvents(t *testing.T) {
	clk := &testClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := New(t, WithClock(clk.now))
	u := s.AddUser(User{Login: "pat@corp.com"})
	do(t, s, "POST", "/api/v1/users/"+u.ID+"/lifecycle/suspend", "")
	s.AddLogEvent(LogEvent{EventType: "user.session.start", ActorID: u.ID, Outcome: "FAILURE", Reason: "INVALID_CREDENTIALS",
		ClientIP: "203.0.113.9", City: "Lisbon", Country: "Portugal", Published: clk.now().Add(-time.Hour)})
	var evs []struct {
		EventType string
		Outcome   struct{ Result, Reason string }
		Client    struct {
			IPAddress           string
			GeographicalContext struct{ City string }
		}
	}
	do(t, s, "GET", "/api/v1/logs?filter="+strings.ReplaceAll(`outcome.result eq "FAILURE" or eventType eq "user.lifecycle.suspend"`, " ", "%20"), "").decode(t, &evs)
	if len(evs) != 2 || evs[0].EventType != "user.session.start" || evs[0].Client.IPAddress != "203.0.113.9" ||
		evs[0].Client.GeographicalContext.City != "Lisbon" || evs[0].Outcome.Reason != "INVALID_CREDENTIALS" {
		t.Errorf("events (oldest first): %+v", evs)
	}
}

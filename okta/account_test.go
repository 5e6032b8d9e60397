package okta

// The account calls (factors, pushes, password expiry, sessions, grants,
// group roles, System Log) against the Okta fake.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"oktabot/actions"
	"oktabot/okta/oktatest"
)

func TestFactors(t *testing.T) {
	srv := oktatest.New(t)
	u := srv.AddUser(oktatest.User{Login: "pat@corp.com"})
	push := srv.AddFactor(u.ID, oktatest.Factor{FactorType: "push", DeviceName: "Pat's Pixel", Platform: "ANDROID"})
	sms := srv.AddFactor(u.ID, oktatest.Factor{FactorType: "sms", PhoneNumber: "+1 415-555-0142"})
	srv.AddFactor(u.ID, oktatest.Factor{FactorType: "email"})
	srv.AddFactor(u.ID, oktatest.Factor{FactorType: "webauthn", AuthenticatorName: "YubiKey 5"})
	google := srv.AddFactor(u.ID, oktatest.Factor{FactorType: "token:software:totp", Provider: "GOOGLE"})
	c := fakeClient(t, srv)
	ctx := context.Background()

	fs, err := c.ListFactors(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%s %s %s %q", f.Type, f.Provider, f.Status, f.Device))
	}
	want := []string{
		`push OKTA ACTIVE "Pat's Pixel"`,
		`sms OKTA ACTIVE "•••0142"`,
		`email OKTA ACTIVE "p•••@corp.com"`,
		`webauthn OKTA ACTIVE "YubiKey 5"`,
		`token:software:totp GOOGLE ACTIVE ""`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("factors (-want +got):\n%s", diff)
	}
	if !fs[0].IsOktaVerifyPush() || fs[1].IsOktaVerifyPush() || fs[0].Created.IsZero() {
		t.Errorf("push factor: %+v", fs[0])
	}

	f, err := c.GetFactor(ctx, u.ID, sms.ID)
	if err != nil || f.ID != sms.ID {
		t.Errorf("GetFactor = %+v, %v", f, err)
	}
	_, err = c.GetFactor(ctx, u.ID, "nope")
	if e := wantKind(t, err, actions.KindNotFound, "E0000007"); !strings.Contains(e.Message, `factor "nope" of user`) {
		t.Errorf("message %q", e.Message)
	}
	_, err = c.ListFactors(ctx, "me")
	wantKind(t, err, actions.KindInvalid, "")

	if err := c.DeleteFactor(ctx, u.ID, google.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteFactor(ctx, u.ID, push.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Factors(u.ID)); n != 3 {
		t.Errorf("%d factors left, want 3", n)
	}
	if err := c.ResetFactors(ctx, "pat@corp.com"); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Factors(u.ID)); n != 0 {
		t.Errorf("%d factors after reset", n)
	}
	// Escaped: an id with a slash stays one path segment.
	_, err = c.GetFactor(ctx, u.ID, "a/b")
	wantKind(t, err, actions.KindNotFound, "E0000007")
}

// pollUntilDone polls the push until it has its answer.
func pollUntilDone(t *testing.T, c *Client, ch actions.PushChallenge) actions.PushResult {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		r, err := c.PushResult(context.Background(), ch)
		if err != nil {
			t.Fatalf("PushResult: %v", err)
		}
		if r.Done() {
			return r
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the push was not answered")
	return ""
}

func TestPushVerification(t *testing.T) {
	srv := oktatest.New(t)
	u := srv.AddUser(oktatest.User{Login: "pat@corp.com"})
	push := srv.AddFactor(u.ID, oktatest.Factor{FactorType: "push"})
	var logs strings.Builder
	var mu sync.Mutex
	c := fakeClient(t, srv, func(cfg *Config) {
		cfg.Logger = zerolog.New(zerolog.SyncWriter(&lockedWriter{mu: &mu, w: &logs})).Level(zerolog.DebugLevel)
	})
	ctx := context.Background()

	for _, tt := range []struct {
		answer oktatest.PushAnswer
		want   actions.PushResult
	}{
		{oktatest.PushApprove, actions.PushApproved},
		{oktatest.PushReject, actions.PushRejected},
		{oktatest.PushWrongNumber, actions.PushRejected},
	} {
		ch, err := c.SendPush(ctx, u.ID, push.ID)
		if err != nil {
			t.Fatal(err)
		}
		tx, ok := srv.WaitPush(u.ID, 10*time.Second)
		if !ok {
			t.Fatal("no push reached the device")
		}
		if ch.Number.Reveal() != fmt.Sprint(tx.CorrectAnswer) || ch.Transaction.Reveal() != tx.ID || ch.ExpiresAt.IsZero() {
			t.Fatalf("challenge: number %s, transaction %s; the device has %d, %s", ch.Number.Reveal(), ch.Transaction.Reveal(), tx.CorrectAnswer, tx.ID)
		}
		if r, err := c.PushResult(ctx, ch); err != nil || r != actions.PushWaiting {
			t.Errorf("before an answer: %v, %v", r, err)
		}
		srv.AnswerPush(tx.ID, tt.answer)
		if r := pollUntilDone(t, c, ch); r != tt.want {
			t.Errorf("%v: %s, want %s", tt.answer, r, tt.want)
		}
		// The secrets print as placeholders.
		if s := fmt.Sprintf("%v %+v", ch, ch); strings.Contains(s, tx.ID) || strings.Contains(s, fmt.Sprint(" ", tx.CorrectAnswer, " ")) {
			t.Errorf("a challenge prints its secrets: %s", s)
		}
	}

	srv.SetPushLifetime(50 * time.Millisecond)
	ch, err := c.SendPush(ctx, u.ID, push.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r := pollUntilDone(t, c, ch); r != actions.PushTimedOut {
		t.Errorf("never answered: %s", r)
	}
	for _, tx := range srv.PushTransactions(u.ID) {
		mu.Lock()
		if strings.Contains(logs.String(), tx.ID) {
			t.Errorf("the log holds a transaction id")
		}
		mu.Unlock()
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestPushRefusesOtherFactors(t *testing.T) {
	srv := oktatest.New(t)
	u := srv.AddUser(oktatest.User{Login: "pat@corp.com"})
	sms := srv.AddFactor(u.ID, oktatest.Factor{FactorType: "sms"})
	pending := srv.AddFactor(u.ID, oktatest.Factor{FactorType: "push", Status: "PENDING_ACTIVATION"})
	c := fakeClient(t, srv)
	for _, id := range []string{sms.ID, pending.ID} {
		_, err := c.SendPush(context.Background(), u.ID, id)
		wantKind(t, err, actions.KindInvalid, "")
	}
	for _, call := range srv.Calls() {
		if call.Operation == "verifyFactor" {
			t.Errorf("a factor that is not an active push was verified: %s", call.Path)
		}
	}
	// A push to a suspended user: Okta refuses.
	push := srv.AddFactor(u.ID, oktatest.Factor{FactorType: "push"})
	if err := c.SuspendUser(context.Background(), u.ID); err != nil {
		t.Fatal(err)
	}
	_, err := c.SendPush(context.Background(), u.ID, push.ID)
	wantKind(t, err, actions.KindForbidden, "E0000038")
	// An unknown transaction.
	_, err = c.PushResult(context.Background(), actions.PushChallenge{UserID: u.ID, FactorID: push.ID, Transaction: actions.NewSecret("v2mst.nope")})
	e := wantKind(t, err, actions.KindNotFound, "E0000007")
	if strings.Contains(e.Error(), "v2mst.nope") {
		t.Errorf("the error names the transaction: %v", e)
	}
}

func TestExpirePasswords(t *testing.T) {
	srv := oktatest.New(t)
	a := srv.AddUser(oktatest.User{Login: "ann@corp.com", Password: "Start-1234"})
	b := srv.AddUser(oktatest.User{Login: "ben@corp.com", Password: "Start-1234"})
	staged := srv.AddUser(oktatest.User{Login: "sy@corp.com", Status: "STAGED"})
	srv.AddSession(b.ID)
	c := fakeClient(t, srv)
	ctx := context.Background()
	if err := c.ExpirePassword(ctx, "ann"); err != nil {
		t.Fatal(err)
	}
	if got, _ := srv.User(a.ID); got.Status != "PASSWORD_EXPIRED" {
		t.Errorf("ann is %s", got.Status)
	}
	temp, err := c.ExpirePasswordWithTemp(ctx, b.ID, true)
	if err != nil || temp.IsZero() || !srv.PasswordIs(b.ID, temp.Reveal()) {
		t.Fatalf("ExpirePasswordWithTemp = %v, %v", temp, err)
	}
	if fmt.Sprint(temp) != actions.Redacted || len(srv.Sessions(b.ID)) != 0 {
		t.Errorf("temp prints %v; %d sessions left", temp, len(srv.Sessions(b.ID)))
	}
	_, err = c.ExpirePasswordWithTemp(ctx, staged.ID, false)
	wantKind(t, err, actions.KindForbidden, "E0000038")
	wantKind(t, c.ExpirePassword(ctx, "nobody@corp.com"), actions.KindNotFound, "E0000007")
}

func TestUnlock(t *testing.T) {
	srv := oktatest.New(t)
	locked := srv.AddUser(oktatest.User{Login: "lou@corp.com"})
	blocked := srv.AddUser(oktatest.User{Login: "bo@corp.com"})
	suspended := srv.AddUser(oktatest.User{Login: "sue@corp.com", Status: "SUSPENDED"})
	srv.LockOut(locked.ID)
	srv.BlockUnknownDevices(blocked.ID)
	c := fakeClient(t, srv)
	for _, id := range []string{locked.ID, blocked.ID} {
		if err := c.UnlockUser(context.Background(), id); err != nil {
			t.Errorf("unlock: %v", err)
		}
		if got, _ := srv.User(id); got.Status != "ACTIVE" || got.UnknownDevicesBlocked {
			t.Errorf("after unlock: %+v", got)
		}
	}
	wantKind(t, c.UnlockUser(context.Background(), suspended.ID), actions.KindForbidden, "E0000032")
}

func TestSessionsGrantsClients(t *testing.T) {
	srv := oktatest.New(t)
	u := srv.AddUser(oktatest.User{Login: "pat@corp.com"})
	srv.AddOAuthClient(oktatest.OAuthClient{ID: "0oaportal", Name: "Portal", URI: "https://portal.example.com"})
	srv.AddOAuthClient(oktatest.OAuthClient{ID: "0oawiki", Name: "Wiki"})
	for i := range 250 { // more than one page
		srv.AddGrant(u.ID, oktatest.Grant{ClientID: "0oaportal", ScopeID: fmt.Sprintf("scope.%d", i)})
	}
	srv.AddUserToken(u.ID, "0oawiki", "openid")
	srv.AddSession(u.ID)
	srv.RememberDevice(u.ID, "laptop")
	c := fakeClient(t, srv)
	ctx := context.Background()

	gs, err := c.ListGrants(ctx, u.ID)
	if err != nil || len(gs) != 250 || gs[0].Client != "Portal" || gs[0].Scope != "scope.0" || gs[0].Status != "ACTIVE" {
		t.Fatalf("ListGrants = %d, %v (%+v)", len(gs), err, gs[:min(1, len(gs))])
	}
	cs, err := c.ListClients(ctx, u.ID)
	if diff := cmp.Diff([]actions.OAuthClient{{ID: "0oaportal", Name: "Portal", URI: "https://portal.example.com"}, {ID: "0oawiki", Name: "Wiki"}}, cs); err != nil || diff != "" {
		t.Errorf("ListClients: %v (-want +got):\n%s", err, diff)
	}

	if err := c.ClearSessions(ctx, u.ID, actions.ClearSessions{}); err != nil {
		t.Fatal(err)
	}
	if len(srv.Sessions(u.ID)) != 0 || len(srv.RememberedDevices(u.ID)) != 1 || len(srv.UserTokens(u.ID)) != 1 {
		t.Errorf("keep tokens and devices: %d sessions, %d devices, %d tokens", len(srv.Sessions(u.ID)), len(srv.RememberedDevices(u.ID)), len(srv.UserTokens(u.ID)))
	}
	if err := c.ClearSessions(ctx, u.ID, actions.ClearSessions{OAuthTokens: true, ForgetDevices: true}); err != nil {
		t.Fatal(err)
	}
	if len(srv.RememberedDevices(u.ID)) != 0 || len(srv.UserTokens(u.ID)) != 0 {
		t.Errorf("everything: %d devices, %d tokens", len(srv.RememberedDevices(u.ID)), len(srv.UserTokens(u.ID)))
	}
	calls := srv.Calls()
	var queries []string
	for _, call := range calls {
		if call.Operation == "revokeUserSessions" {
			queries = append(queries, call.Query.Encode())
		}
	}
	if diff := cmp.Diff([]string{"forgetDevices=false&oauthTokens=false", "forgetDevices=true&oauthTokens=true"}, queries); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}

	if err := c.RevokeGrants(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if gs, err := c.ListGrants(ctx, u.ID); err != nil || len(gs) != 0 {
		t.Errorf("after revoke: %d, %v", len(gs), err)
	}
	wantKind(t, c.ClearSessions(ctx, "00unope", actions.ClearSessions{}), actions.KindNotFound, "E0000007")
}

func TestGroupMembershipAndRoles(t *testing.T) {
	srv := oktatest.New(t)
	u := srv.AddUser(oktatest.User{Login: "pat@corp.com"})
	g := srv.AddGroup(oktatest.Group{Name: "Helpdesk"})
	app := srv.AddGroup(oktatest.Group{Name: "AD users", Type: "APP_GROUP"})
	srv.AddGroupRole(g.ID, oktatest.Role{Type: "HELP_DESK_ADMIN"})
	c := fakeClient(t, srv)
	ctx := context.Background()

	if err := c.AddGroupMember(ctx, g.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.AddGroupMember(ctx, g.ID, u.ID); err != nil {
		t.Errorf("already a member: %v", err)
	}
	roles, err := c.ListRoles(ctx, u.ID)
	if err != nil || len(roles) != 1 || roles[0].AssignmentType != "GROUP" {
		t.Errorf("a member's roles: %+v, %v", roles, err)
	}
	grs, err := c.ListGroupRoles(ctx, g.ID)
	if err != nil || len(grs) != 1 || grs[0].Type != "HELP_DESK_ADMIN" {
		t.Errorf("ListGroupRoles = %+v, %v", grs, err)
	}
	if err := c.RemoveGroupMember(ctx, g.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if len(srv.Members(g.ID)) != 0 {
		t.Errorf("still a member")
	}
	wantKind(t, c.AddGroupMember(ctx, app.ID, u.ID), actions.KindForbidden, "E0000006")
	wantKind(t, c.AddGroupMember(ctx, "00gnope", u.ID), actions.KindNotFound, "E0000007")

	r, err := c.AssignGroupRole(ctx, app.ID, "READ_ONLY_ADMIN")
	if err != nil || r.AssignmentType != "GROUP" {
		t.Fatalf("AssignGroupRole = %+v, %v", r, err)
	}
	_, err = c.AssignGroupRole(ctx, app.ID, "READ_ONLY_ADMIN")
	wantKind(t, err, actions.KindConflict, "E0000090")
	if got, err := c.GetGroupRole(ctx, app.ID, r.ID); err != nil || got.ID != r.ID {
		t.Errorf("GetGroupRole = %+v, %v", got, err)
	}
	if err := c.UnassignGroupRole(ctx, app.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, c.UnassignGroupRole(ctx, app.ID, r.ID), actions.KindNotFound, "E0000007")
}

func TestUserLogEvents(t *testing.T) {
	srv := oktatest.New(t)
	admin := srv.AddUser(oktatest.User{Login: "admin@corp.com"})
	u := srv.AddUser(oktatest.User{Login: "pat@corp.com"})
	other := srv.AddUser(oktatest.User{Login: "sam@corp.com"})
	srv.SetMe(admin.ID)
	now := time.Now()
	srv.AddLogEvent(oktatest.LogEvent{EventType: "user.session.start", ActorID: u.ID, Outcome: "FAILURE",
		Reason: "INVALID_CREDENTIALS", ClientIP: "203.0.113.9", City: "Lisbon", Country: "Portugal",
		UserAgent: "curl/8", Published: now.Add(-2 * time.Hour)})
	srv.AddLogEvent(oktatest.LogEvent{EventType: "user.session.start", ActorID: other.ID, Published: now.Add(-time.Hour)})
	srv.AddLogEvent(oktatest.LogEvent{EventType: "user.session.start", ActorID: u.ID, Published: now.Add(-48 * time.Hour)})
	c := fakeClient(t, srv)
	ctx := context.Background()
	if err := c.SuspendUser(ctx, u.ID); err != nil { // admin acts, pat is the target
		t.Fatal(err)
	}

	evs, err := c.ListLogEvents(ctx, actions.LogQuery{UserID: u.ID, Since: now.Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.Type+" "+e.Outcome)
	}
	if diff := cmp.Diff([]string{"user.lifecycle.suspend SUCCESS", "user.session.start FAILURE"}, got); diff != "" {
		t.Fatalf("events, newest first (-want +got):\n%s", diff)
	}
	e := evs[1]
	if e.ClientIP != "203.0.113.9" || e.City != "Lisbon" || e.Country != "Portugal" || e.UserAgent != "curl/8" ||
		e.Reason != "INVALID_CREDENTIALS" || e.Actor.Login != "pat@corp.com" {
		t.Errorf("event: %+v", e)
	}

	evs, err = c.ListLogEvents(ctx, actions.LogQuery{UserID: u.ID, Since: now.Add(-72 * time.Hour), Type: "user.session.start", Limit: 1})
	if err != nil || len(evs) != 1 || !evs[0].Published.After(now.Add(-3*time.Hour)) {
		t.Errorf("by type, limit 1: %+v, %v", evs, err)
	}
	// What a caller types cannot change the filter.
	evs, err = c.ListLogEvents(ctx, actions.LogQuery{UserID: u.ID, Since: now.Add(-72 * time.Hour), Type: `x" or eventType sw "user`})
	if err != nil || len(evs) != 0 {
		t.Errorf("injected type: %d events, %v", len(evs), err)
	}
	_, err = c.ListLogEvents(ctx, actions.LogQuery{UserID: u.ID})
	wantKind(t, err, actions.KindInvalid, "")

	// Paging: more events than a page.
	for range 1100 {
		srv.AddLogEvent(oktatest.LogEvent{EventType: "user.authentication.sso", ActorID: u.ID, Published: now.Add(-time.Minute)})
	}
	evs, err = c.ListLogEvents(ctx, actions.LogQuery{UserID: u.ID, Since: now.Add(-24 * time.Hour), Limit: 1050})
	if err != nil || len(evs) != 1050 {
		t.Errorf("1050 of many: %d, %v", len(evs), err)
	}
	if v := srv.Violations(); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}

}

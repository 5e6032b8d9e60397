package oktatest

import (
	"context"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

// seed adds a small org: two active users, a staged one, a group, an IdP.
func seed(t *testing.T, s *Server) (alice, bob, carol User, eng Group) {
	t.Helper()
	alice = s.AddUser(User{Login: "alice@corp.com", FirstName: "Alice", LastName: "Archer", Password: "Start-1234"})
	bob = s.AddUser(User{Login: "bob@corp.com", FirstName: "Bob", LastName: "Baker"})
	carol = s.AddUser(User{Login: "carol@corp.com", FirstName: "Carol", LastName: "Cole", Status: "STAGED"})
	eng = s.AddGroup(Group{Name: "Engineering", Description: "Builders"})
	s.AddGroupMember(eng.ID, alice.ID)
	s.AddIdentityProvider(IdentityProvider{Name: "Corp SAML", Type: "SAML2"})
	return alice, bob, carol, eng
}

// TestEveryOperationThroughTheSDK drives each operation of the spec with
// the SDK the bot uses; any request or response that violates the spec
// fails the test through t.Errorf.
func TestEveryOperationThroughTheSDK(t *testing.T) {
	s := New(t)
	alice, bob, carol, eng := seed(t, s)
	s.AddFactor(alice.ID, Factor{FactorType: "push"})
	ctx, c := sdk(t, s)

	if _, _, err := c.OrgSetting.GetOrgSettings(ctx); err != nil {
		t.Errorf("GetOrgSettings: %v", err)
	}
	me, _, err := c.User.GetUser(ctx, "me")
	if err != nil || me.Id != alice.ID {
		t.Errorf("GetUser(me) = %v, %v; want alice", me, err)
	}
	if u, _, err := c.User.GetUser(ctx, "bob"); err != nil || u.Id != bob.ID {
		t.Errorf("GetUser(bob) = %v, %v", u, err)
	}
	users, _, err := c.User.ListUsers(ctx, query.NewQueryParams(query.WithSearch(`profile.login sw "a"`)))
	if err != nil || len(users) != 1 {
		t.Errorf("ListUsers(search) = %d users, %v", len(users), err)
	}
	if _, _, err := c.User.ListUserGroups(ctx, alice.ID); err != nil {
		t.Errorf("ListUserGroups: %v", err)
	}
	pw := okta.User{Credentials: &okta.UserCredentials{Password: &okta.PasswordCredential{Value: "Corr3ct-Horse"}}}
	if _, _, err := c.User.PartialUpdateUser(ctx, bob.ID, pw, nil); err != nil {
		t.Errorf("PartialUpdateUser: %v", err)
	}
	if !s.PasswordIs(bob.ID, "Corr3ct-Horse") {
		t.Errorf("bob's password was not set")
	}
	full := okta.User{Profile: &okta.UserProfile{"login": "bob@corp.com", "email": "bob@corp.com", "firstName": "Bob", "lastName": "Baker"}}
	if _, _, err := c.User.UpdateUser(ctx, bob.ID, full, nil); err != nil {
		t.Errorf("UpdateUser (PUT): %v", err)
	}
	tok, _, err := c.User.ActivateUser(ctx, carol.ID, query.NewQueryParams(query.WithSendEmail(false)))
	if err != nil || tok.ActivationToken == "" || tok.ActivationUrl == "" {
		t.Errorf("ActivateUser = %+v, %v", tok, err)
	}
	if _, _, err := c.User.ReactivateUser(ctx, carol.ID, query.NewQueryParams(query.WithSendEmail(false))); err != nil {
		t.Errorf("ReactivateUser: %v", err)
	}
	if _, err := c.User.SuspendUser(ctx, bob.ID); err != nil {
		t.Errorf("SuspendUser: %v", err)
	}
	if _, err := c.User.UnsuspendUser(ctx, bob.ID); err != nil {
		t.Errorf("UnsuspendUser: %v", err)
	}
	if _, _, err := c.User.ExpirePassword(ctx, bob.ID); err != nil {
		t.Errorf("ExpirePassword: %v", err)
	}
	rp, _, err := c.User.ResetPassword(ctx, bob.ID, query.NewQueryParams(query.WithSendEmail(false)))
	if err != nil || rp.ResetPasswordUrl == "" {
		t.Errorf("ResetPassword = %+v, %v", rp, err)
	}
	push := s.AddFactor(bob.ID, Factor{FactorType: "push"})
	sms := s.AddFactor(bob.ID, Factor{FactorType: "sms"})
	if _, _, err := c.UserFactor.GetFactor(ctx, bob.ID, push.ID, okta.NewPushUserFactor()); err != nil {
		t.Errorf("GetFactor: %v", err)
	}
	s.AnswerPushes(bob.ID, PushApprove, 0)
	vr, _, err := c.UserFactor.VerifyFactor(ctx, bob.ID, push.ID, okta.VerifyFactorRequest{}, nil, nil)
	if err != nil || vr.FactorResult != "WAITING" {
		t.Fatalf("VerifyFactor(push) = %+v, %v", vr, err)
	}
	txs := s.PushTransactions(bob.ID)
	if len(txs) != 1 {
		t.Fatalf("push transactions: %+v", txs)
	}
	st, _, err := c.UserFactor.GetFactorTransactionStatus(ctx, bob.ID, push.ID, txs[0].ID)
	if err != nil || st.FactorResult != "SUCCESS" {
		t.Errorf("GetFactorTransactionStatus = %+v, %v", st, err)
	}
	if _, err := c.UserFactor.DeleteFactor(ctx, bob.ID, sms.ID); err != nil {
		t.Errorf("DeleteFactor: %v", err)
	}
	s.AddOAuthClient(OAuthClient{ID: "0oaportal", Name: "Portal"})
	s.AddGrant(bob.ID, Grant{ClientID: "0oaportal", ScopeID: "okta.users.read.self"})
	if gs, _, err := c.User.ListUserGrants(ctx, bob.ID, nil); err != nil || len(gs) != 1 {
		t.Errorf("ListUserGrants = %d, %v", len(gs), err)
	}
	if cs, _, err := c.User.ListUserClients(ctx, bob.ID); err != nil || len(cs) != 1 {
		t.Errorf("ListUserClients = %d, %v", len(cs), err)
	}
	if _, err := c.User.RevokeUserGrants(ctx, bob.ID); err != nil {
		t.Errorf("RevokeUserGrants: %v", err)
	}
	dave := s.AddUser(User{Login: "dave@corp.com", Password: "Start-5678"})
	rq := c.CloneRequestExecutor()
	req, err := rq.WithAccept("application/json").WithContentType("application/json").
		NewRequest("POST", "/api/v1/users/"+dave.ID+"/lifecycle/expire_password_with_temp_password", nil)
	if err != nil {
		t.Fatal(err)
	}
	var temp okta.TempPassword
	if _, err := rq.Do(ctx, req, &temp); err != nil || temp.TempPassword == "" || !s.PasswordIs(dave.ID, temp.TempPassword) {
		t.Errorf("expire_password_with_temp_password: %v (password set: %v)", err, s.PasswordIs(dave.ID, temp.TempPassword))
	}
	grole, _, err := c.Group.AssignRoleToGroup(ctx, eng.ID, okta.AssignRoleRequest{Type: "HELP_DESK_ADMIN"}, nil)
	if err != nil || grole.Type != "HELP_DESK_ADMIN" || grole.AssignmentType != "GROUP" {
		t.Fatalf("AssignRoleToGroup = %+v, %v", grole, err)
	}
	if _, _, err := c.Group.GetRole(ctx, eng.ID, grole.Id); err != nil {
		t.Errorf("GetRole (group): %v", err)
	}
	if rs, _, err := c.Group.ListGroupAssignedRoles(ctx, eng.ID, nil); err != nil || len(rs) != 1 {
		t.Errorf("ListGroupAssignedRoles = %d, %v", len(rs), err)
	}
	if _, err := c.Group.RemoveRoleFromGroup(ctx, eng.ID, grole.Id); err != nil {
		t.Errorf("RemoveRoleFromGroup: %v", err)
	}
	if _, err := c.User.ResetFactors(ctx, alice.ID); err != nil {
		t.Errorf("ResetFactors: %v", err)
	}
	if _, _, err := c.UserFactor.ListFactors(ctx, alice.ID); err != nil {
		t.Errorf("ListFactors: %v", err)
	}
	if _, err := c.User.ClearUserSessions(ctx, alice.ID, nil); err != nil {
		t.Errorf("ClearUserSessions: %v", err)
	}
	role, _, err := c.User.AssignRoleToUser(ctx, bob.ID, okta.AssignRoleRequest{Type: "USER_ADMIN"}, nil)
	if err != nil || role.Type != "USER_ADMIN" || role.Id == "" {
		t.Fatalf("AssignRoleToUser = %+v, %v", role, err)
	}
	if _, _, err := c.User.GetUserRole(ctx, bob.ID, role.Id); err != nil {
		t.Errorf("GetUserRole: %v", err)
	}
	if roles, _, err := c.User.ListAssignedRolesForUser(ctx, bob.ID, nil); err != nil || len(roles) != 1 {
		t.Errorf("ListAssignedRolesForUser = %d, %v", len(roles), err)
	}
	if _, err := c.User.RemoveRoleFromUser(ctx, bob.ID, role.Id); err != nil {
		t.Errorf("RemoveRoleFromUser: %v", err)
	}
	if _, _, err := c.Group.ListGroups(ctx, query.NewQueryParams(query.WithQ("Eng"))); err != nil {
		t.Errorf("ListGroups: %v", err)
	}
	g, _, err := c.Group.CreateGroup(ctx, okta.Group{Profile: &okta.GroupProfile{Name: "On-call", Description: "Pager"}})
	if err != nil || g.Type != "OKTA_GROUP" {
		t.Fatalf("CreateGroup = %+v, %v", g, err)
	}
	if _, _, err := c.Group.GetGroup(ctx, eng.ID); err != nil {
		t.Errorf("GetGroup: %v", err)
	}
	if _, err := c.Group.AddUserToGroup(ctx, g.Id, bob.ID); err != nil {
		t.Errorf("AddUserToGroup: %v", err)
	}
	if members, _, err := c.Group.ListGroupUsers(ctx, g.Id, nil); err != nil || len(members) != 1 {
		t.Errorf("ListGroupUsers = %d, %v", len(members), err)
	}
	if _, err := c.Group.RemoveUserFromGroup(ctx, g.Id, bob.ID); err != nil {
		t.Errorf("RemoveUserFromGroup: %v", err)
	}
	if _, _, err := c.IdentityProvider.ListIdentityProviders(ctx, query.NewQueryParams(query.WithType("SAML2"))); err != nil {
		t.Errorf("ListIdentityProviders: %v", err)
	}
	s.LockOut(alice.ID)
	if _, err := c.User.UnlockUser(ctx, alice.ID); err != nil {
		t.Errorf("UnlockUser: %v", err)
	}
	if _, err := c.User.DeactivateUser(ctx, bob.ID, nil); err != nil {
		t.Errorf("DeactivateUser: %v", err)
	}
	events, _, err := c.LogEvent.GetLogs(ctx, query.NewQueryParams(query.WithFilter(`eventType eq "user.lifecycle.suspend"`)))
	if err != nil || len(events) != 1 {
		t.Errorf("GetLogs = %d events, %v", len(events), err)
	}

	seen := map[string]bool{}
	for _, call := range s.Calls() {
		seen[call.Operation] = true
	}
	for op := range handlers {
		if !seen[op] {
			t.Errorf("operation %s was not exercised", op)
		}
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}
}

// BenchmarkGetUser measures a validated round trip through the SDK.
func BenchmarkGetUser(b *testing.B) {
	s := New(b)
	// Okta's default limit for GET /users/{id} is 2000 a minute; lift it.
	s.RateLimit(1<<30, time.Minute)
	u := s.AddUser(User{Login: "bench@corp.com"})
	ctx, c, err := okta.NewClient(context.Background(), okta.WithOrgUrl(s.URL), okta.WithToken(s.Token),
		okta.WithTestingDisableHttpsCheck(true), okta.WithCache(false))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := c.User.GetUser(ctx, u.ID); err != nil {
			b.Fatal(err)
		}
	}
}

package oktatest

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

func TestRoles(t *testing.T) {
	s := New(t)
	u := s.AddUser(User{Login: "ron@corp.com"})
	ctx, c := sdk(t, s)

	role, resp, err := c.User.AssignRoleToUser(ctx, u.ID, okta.AssignRoleRequest{Type: "HELP_DESK_ADMIN"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 201 || !strings.HasPrefix(role.Id, "ra1") || len(role.Id) != 20 ||
		role.Label != "Help Desk administrator" || role.Status != "ACTIVE" || role.AssignmentType != "USER" ||
		role.Created == nil || role.LastUpdated == nil {
		t.Errorf("assigned role = %d %+v", resp.StatusCode, role)
	}
	_, _, err = c.User.AssignRoleToUser(ctx, u.ID, okta.AssignRoleRequest{Type: "HELP_DESK_ADMIN"}, nil)
	wantCode(t, err, "E0000090")
	if e := oktaErr(t, err); e.ErrorSummary == "" {
		t.Errorf("409 without a summary")
	}

	iam, _, err := c.User.AssignRoleToUser(ctx, u.ID, okta.AssignRoleRequest{Type: "WORKFLOWS_ADMIN"}, nil)
	if err != nil || !strings.HasPrefix(iam.Id, "irb") {
		t.Errorf("IAM-based role = %+v, %v; want an irb… binding id", iam, err)
	}
	r := do(t, s, "POST", "/api/v1/users/"+u.ID+"/roles", `{"type":"CUSTOM","role":"cr0abc","resource-set":"iamxyz"}`)
	var custom struct {
		ID, Type, Role string
		ResourceSet    string `json:"resource-set"`
	}
	r.decode(t, &custom)
	if r.status != 201 || custom.Role != "cr0abc" || custom.ResourceSet != "iamxyz" {
		t.Errorf("custom role: %d %s", r.status, r.body)
	}

	// Role endpoints take ids only: a login is a 404.
	_, _, err = c.User.ListAssignedRolesForUser(ctx, "ron@corp.com", nil)
	wantCode(t, err, "E0000007")
	_, _, err = c.User.AssignRoleToUser(ctx, "ron", okta.AssignRoleRequest{Type: "USER_ADMIN"}, nil)
	wantCode(t, err, "E0000007")

	roles, _, err := c.User.ListAssignedRolesForUser(ctx, u.ID, nil)
	if err != nil || len(roles) != 3 {
		t.Fatalf("ListAssignedRolesForUser = %d, %v", len(roles), err)
	}
	if resp, err := c.User.RemoveRoleFromUser(ctx, u.ID, role.Id); err != nil || resp.StatusCode != 204 {
		t.Errorf("RemoveRoleFromUser = %v", err)
	}
	_, err = c.User.RemoveRoleFromUser(ctx, u.ID, role.Id)
	wantCode(t, err, "E0000007")
	var types []string
	for _, r := range s.Roles(u.ID) {
		types = append(types, r.Type)
	}
	if diff := cmp.Diff([]string{"WORKFLOWS_ADMIN", "CUSTOM"}, types); diff != "" {
		t.Errorf("roles left (-want +got):\n%s", diff)
	}
}

func TestGroups(t *testing.T) {
	s := New(t)
	eng := s.AddGroup(Group{Name: "Engineering", Description: "Builders"})
	ops := s.AddGroup(Group{Name: "Eng Ops"})
	app := s.AddGroup(Group{Name: "AD Admins", Type: "APP_GROUP"})
	every := s.AddGroup(Group{Name: "Everyone", Type: "BUILT_IN"})
	u := s.AddUser(User{Login: "gus@corp.com"})
	ctx, c := sdk(t, s)

	names := func(qp *query.Params) []string {
		t.Helper()
		gs, _, err := c.Group.ListGroups(ctx, qp)
		if err != nil {
			t.Fatalf("ListGroups: %v", err)
		}
		out := []string{}
		for _, g := range gs {
			out = append(out, g.Profile.Name)
		}
		return out
	}
	tests := []struct {
		qp   *query.Params
		want []string
	}{
		{query.NewQueryParams(), []string{"Engineering", "Eng Ops", "AD Admins", "Everyone"}},
		{query.NewQueryParams(query.WithQ("eng")), []string{"Engineering", "Eng Ops"}},
		{query.NewQueryParams(query.WithQ("Ops")), []string{}},
		{query.NewQueryParams(query.WithSearch(`profile.name eq "engineering"`)), []string{"Engineering"}},
		{query.NewQueryParams(query.WithSearch(`profile.name co "ops"`)), []string{"Eng Ops"}},
		{query.NewQueryParams(query.WithSearch(`type eq "APP_GROUP" or type eq "BUILT_IN"`)), []string{"AD Admins", "Everyone"}},
		{query.NewQueryParams(query.WithFilter(`type eq "OKTA_GROUP"`)), []string{"Engineering", "Eng Ops"}},
		{query.NewQueryParams(query.WithFilter(`id eq "` + ops.ID + `"`)), []string{"Eng Ops"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, names(tt.qp)); diff != "" {
			t.Errorf("ListGroups(%s) (-want +got):\n%s", tt.qp, diff)
		}
	}
	for _, bad := range []string{"?filter=" + url.QueryEscape(`profile.name eq "x"`), "?search=" + url.QueryEscape(`profile.name eq`)} {
		if r := do(t, s, "GET", "/api/v1/groups"+bad, ""); r.status != 400 || r.errorCode(t) != "E0000031" {
			t.Errorf("GET groups%s: %d %s", bad, r.status, r.body)
		}
	}

	// Paging through search results.
	gs, resp, err := c.Group.ListGroups(ctx, query.NewQueryParams(query.WithSearch(`profile.name sw "e"`), query.WithLimit(1)))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{gs[0].Profile.Name}
	for i := 0; resp.HasNextPage(); i++ {
		if i > 5 {
			t.Fatal("paging does not end")
		}
		var more []*okta.Group
		if resp, err = resp.Next(ctx, &more); err != nil {
			t.Fatal(err)
		}
		for _, g := range more {
			got = append(got, g.Profile.Name)
		}
	}
	if diff := cmp.Diff([]string{"Engineering", "Eng Ops", "Everyone"}, got); diff != "" {
		t.Errorf("paged search (-want +got):\n%s", diff)
	}

	// Create, duplicates, empty names.
	g, _, err := c.Group.CreateGroup(ctx, okta.Group{Profile: &okta.GroupProfile{Name: "Pager"}})
	if err != nil || !strings.HasPrefix(g.Id, "00g") || len(g.Id) != 20 || g.Type != "OKTA_GROUP" || g.ObjectClass[0] != "okta:user_group" {
		t.Errorf("CreateGroup = %+v, %v", g, err)
	}
	_, _, err = c.Group.CreateGroup(ctx, okta.Group{Profile: &okta.GroupProfile{Name: "pager"}})
	wantCode(t, err, "E0000001")
	if e := oktaErr(t, err); len(e.ErrorCauses) != 1 || !strings.Contains(e.ErrorCauses[0]["errorSummary"].(string), "already exists") {
		t.Errorf("duplicate name: %+v", e)
	}
	_, _, err = c.Group.CreateGroup(ctx, okta.Group{Profile: &okta.GroupProfile{Name: ""}})
	wantCode(t, err, "E0000001")

	// Get, membership.
	if _, _, err := c.Group.GetGroup(ctx, "00gnothere"); err == nil {
		t.Errorf("GetGroup of a missing id succeeded")
	} else if e := oktaErr(t, err); e.ErrorSummary != "Not found: Resource not found: 00gnothere (UserGroup)" {
		t.Errorf("GetGroup 404: %q", e.ErrorSummary)
	}
	if _, err := c.Group.AddUserToGroup(ctx, eng.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Group.AddUserToGroup(ctx, eng.ID, u.ID); err != nil {
		t.Errorf("adding a member twice: %v", err)
	}
	_, err = c.Group.AddUserToGroup(ctx, eng.ID, "gus@corp.com")
	wantCode(t, err, "E0000007")
	_, err = c.Group.AddUserToGroup(ctx, app.ID, u.ID)
	wantCode(t, err, "E0000006")
	ug, _, err := c.User.ListUserGroups(ctx, "gus")
	if err != nil || len(ug) != 1 || ug[0].Id != eng.ID {
		t.Errorf("ListUserGroups = %v, %v", ug, err)
	}
	if m := s.Members(eng.ID); len(m) != 1 || m[0].ID != u.ID {
		t.Errorf("Members = %v", m)
	}
	r := do(t, s, "GET", "/api/v1/groups?expand=stats&q=Engineering", "")
	var withStats []struct {
		Embedded struct{ Stats struct{ UsersCount int } } `json:"_embedded"`
	}
	r.decode(t, &withStats)
	if len(withStats) != 1 || withStats[0].Embedded.Stats.UsersCount != 1 {
		t.Errorf("expand=stats: %s", r.body)
	}
	if _, err := c.Group.RemoveUserFromGroup(ctx, eng.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if m := s.Members(eng.ID); len(m) != 0 {
		t.Errorf("after removal: %v", m)
	}
	_ = every
}

func TestGroupUsersPaging(t *testing.T) {
	s := New(t)
	g := s.AddGroup(Group{Name: "Big"})
	var want []string
	for i := range 5 {
		u := s.AddUser(User{Login: "m" + string(rune('a'+i)) + "@corp.com"})
		s.AddGroupMember(g.ID, u.ID)
		want = append(want, u.ID)
	}
	ctx, c := sdk(t, s)
	users, resp, err := c.Group.ListGroupUsers(ctx, g.ID, query.NewQueryParams(query.WithLimit(2)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		for _, u := range users {
			got = append(got, u.Id)
		}
		if !resp.HasNextPage() {
			break
		}
		users = nil
		if resp, err = resp.Next(ctx, &users); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
}

func TestIdentityProviders(t *testing.T) {
	s := New(t)
	var all []string
	for i := range 25 {
		p := s.AddIdentityProvider(IdentityProvider{Name: "Partner " + string(rune('A'+i)), Type: "SAML2"})
		all = append(all, p.ID)
	}
	google := s.AddIdentityProvider(IdentityProvider{Name: "Google Workspace", Type: "GOOGLE"})
	all = append(all, google.ID)
	ctx, c := sdk(t, s)

	ps, resp, err := c.IdentityProvider.ListIdentityProviders(ctx, nil)
	if err != nil || len(ps) != 20 || !resp.HasNextPage() {
		t.Fatalf("default page: %d, next %v, %v", len(ps), resp.HasNextPage(), err)
	}
	var rest []*okta.IdentityProvider
	if resp, err = resp.Next(ctx, &rest); err != nil || len(rest) != 6 || resp.HasNextPage() {
		t.Errorf("second page: %d, %v", len(rest), err)
	}
	var got []string
	for _, p := range append(ps, rest...) {
		got = append(got, p.Id)
	}
	if diff := cmp.Diff(all, got); diff != "" {
		t.Errorf("all IdPs (-want +got):\n%s", diff)
	}
	ps, _, err = c.IdentityProvider.ListIdentityProviders(ctx, query.NewQueryParams(query.WithQ("WORKSPACE")))
	if err != nil || len(ps) != 1 || ps[0].Id != google.ID || ps[0].Protocol == nil || ps[0].Protocol.Type != "OIDC" {
		t.Errorf("q=WORKSPACE: %v, %v", ps, err)
	}
	ps, _, err = c.IdentityProvider.ListIdentityProviders(ctx, query.NewQueryParams(query.WithType("GOOGLE"), query.WithLimit(200)))
	if err != nil || len(ps) != 1 {
		t.Errorf("type=GOOGLE: %d, %v", len(ps), err)
	}
	ps, _, err = c.IdentityProvider.ListIdentityProviders(ctx, query.NewQueryParams(query.WithType("OIDC")))
	if err != nil || len(ps) != 0 {
		t.Errorf("type=OIDC: %d, %v", len(ps), err)
	}
}

func TestFactorsAndLogs(t *testing.T) {
	s := New(t)
	u := s.AddUser(User{Login: "fay@corp.com"})
	s.AddFactor(u.ID, Factor{FactorType: "token:software:totp", Provider: "GOOGLE"})
	s.AddFactor(u.ID, Factor{FactorType: "sms"})
	ctx, c := sdk(t, s)
	fs, _, err := c.UserFactor.ListFactors(ctx, u.ID)
	if err != nil || len(fs) != 2 {
		t.Fatalf("ListFactors = %d, %v", len(fs), err)
	}
	if _, err := c.User.ResetFactors(ctx, "fay"); err != nil {
		t.Fatal(err)
	}
	if fs := s.Factors(u.ID); len(fs) != 0 {
		t.Errorf("factors after reset: %v", fs)
	}
	do(t, s, "POST", "/api/v1/users/"+u.ID+"/lifecycle/suspend", "")
	do(t, s, "POST", "/api/v1/users/"+u.ID+"/lifecycle/unsuspend", "")

	types := func(qp *query.Params) []string {
		t.Helper()
		evs, _, err := c.LogEvent.GetLogs(ctx, qp)
		if err != nil {
			t.Fatalf("GetLogs: %v", err)
		}
		out := []string{}
		for _, e := range evs {
			out = append(out, e.EventType)
		}
		return out
	}
	all := []string{"user.mfa.factor.reset_all", "user.lifecycle.suspend", "user.lifecycle.unsuspend"}
	if diff := cmp.Diff(all, types(nil)); diff != "" {
		t.Errorf("logs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"user.lifecycle.unsuspend", "user.lifecycle.suspend"},
		types(query.NewQueryParams(query.WithFilter(`eventType sw "user.lifecycle" and target.id eq "`+u.ID+`"`), query.WithSortOrder("DESCENDING")))); diff != "" {
		t.Errorf("filtered logs (-want +got):\n%s", diff)
	}
	if got := types(query.NewQueryParams(query.WithSince("2100-01-01T00:00:00Z"))); len(got) != 0 {
		t.Errorf("logs since 2100: %v", got)
	}
	evs, resp, err := c.LogEvent.GetLogs(ctx, query.NewQueryParams(query.WithLimit(2)))
	if err != nil || len(evs) != 2 || !resp.HasNextPage() {
		t.Errorf("logs page: %d, %v", len(evs), err)
	}
}

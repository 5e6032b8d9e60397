package oktatest

import (
	"encoding/json"
	"strings"
	"time"
)

// User is a user of the fake org, as a test seeds it and reads it back.
type User struct {
	ID, Status, Login, Email, FirstName, LastName, DisplayName string

	// Transition is transitioningToStatus, read back only (see
	// SetTransitionTime).
	Transition string
	// UnknownDevicesBlocked: an ACTIVE user's sign-ins from unknown
	// devices are blocked (BlockUnknownDevices) until an unlock.
	UnknownDevicesBlocked bool

	Created, Activated, StatusChanged, LastLogin, LastUpdated, PasswordChanged time.Time

	// Password is for seeding only: AddUser stores a hash of it and never
	// returns it. Check a password with Server.PasswordIs.
	Password string
	// Profile holds further profile attributes (department, title, custom
	// ones) to seed; read back it holds every attribute except login,
	// email, firstName, lastName and displayName.
	Profile map[string]any
}

// Group is a group of the fake org.
type Group struct {
	ID, Name, Description, Type string
	Created, LastUpdated        time.Time
	LastMembershipUpdated       time.Time
}

// Role is an admin role assignment of a user; ID is the assignment id.
type Role struct {
	ID, Type, Label, Status, AssignmentType string
	Created, LastUpdated                    time.Time
}

// IdentityProvider is an IdP of the fake org.
type IdentityProvider struct {
	ID, Name, Type, Status string
	Created, LastUpdated   time.Time
}

// Internal state. All of it is guarded by Server.mu.

type user struct {
	seq             int64
	id              string
	status          string
	transitioning   string    // transitioningToStatus
	transitionDone  time.Time // when the transition ends
	profile         map[string]any
	typeID          string
	created         time.Time
	activated       time.Time
	statusChanged   time.Time
	lastLogin       time.Time
	lastUpdated     time.Time
	passwordChanged time.Time
	password        *secretHash   // nil: no password
	history         []*secretHash // previous passwords, newest first
	recoveryQ       string
	recoveryA       *secretHash
	groups          map[string]bool
	// unknownDevicesBlocked: see User.UnknownDevicesBlocked.
	unknownDevicesBlocked bool
}

func (u *user) login() string { s, _ := u.profile["login"].(string); return s }
func (u *user) email() string { s, _ := u.profile["email"].(string); return s }
func (u *user) str(k string) string {
	s, _ := u.profile[k].(string)
	return s
}

type group struct {
	seq                   int64
	id                    string
	typ                   string
	profile               map[string]any
	created               time.Time
	lastUpdated           time.Time
	lastMembershipUpdated time.Time
	members               []member
}

type member struct {
	seq    int64
	userID string
}

func (g *group) name() string { s, _ := g.profile["name"].(string); return s }
func (g *group) description() string {
	s, _ := g.profile["description"].(string)
	return s
}

type role struct {
	seq            int64
	id             string
	typ            string
	label          string
	status         string
	assignmentType string
	roleID         string // custom and IAM-based roles
	resourceSet    string
	created        time.Time
	lastUpdated    time.Time
}

type idp struct {
	seq         int64
	id          string
	name        string
	typ         string
	status      string
	created     time.Time
	lastUpdated time.Time
}

// roleLabels are Okta's labels for the standard and IAM-based role types.
var roleLabels = map[string]string{
	"ACCESS_CERTIFICATIONS_ADMIN": "Access Certifications administrator",
	"ACCESS_REQUESTS_ADMIN":       "Access Requests administrator",
	"API_ACCESS_MANAGEMENT_ADMIN": "API Access Management administrator",
	"APP_ADMIN":                   "Application administrator",
	"CUSTOM":                      "Custom role",
	"GROUP_MEMBERSHIP_ADMIN":      "Group Membership administrator",
	"HELP_DESK_ADMIN":             "Help Desk administrator",
	"MOBILE_ADMIN":                "Mobile administrator",
	"ORG_ADMIN":                   "Organization administrator",
	"READ_ONLY_ADMIN":             "Read only administrator",
	"REPORT_ADMIN":                "Report administrator",
	"SUPER_ADMIN":                 "Super Organization administrator",
	"USER_ADMIN":                  "Group administrator",
	"WORKFLOWS_ADMIN":             "Workflows administrator",
}

// iamRoles are answered with Okta's custom-role (binding) shape: id irb…,
// role and resource-set.
var iamRoles = map[string]string{
	"ACCESS_CERTIFICATIONS_ADMIN": "ACCESS_CERTIFICATIONS_IAM_POLICY",
	"ACCESS_REQUESTS_ADMIN":       "ACCESS_REQUESTS_IAM_POLICY",
	"WORKFLOWS_ADMIN":             "WORKFLOWS_IAM_POLICY",
}

var userStatuses = map[string]bool{
	"ACTIVE": true, "DEPROVISIONED": true, "LOCKED_OUT": true, "PASSWORD_EXPIRED": true,
	"PROVISIONED": true, "RECOVERY": true, "STAGED": true, "SUSPENDED": true,
}

// AddUser seeds a user. Empty ID, Status (ACTIVE), Email (the login) and
// times (now; Activated unless STAGED; PasswordChanged only with a
// Password) are filled in. The profile is checked against the spec's
// UserProfile, so the email (the login, by default) must look like an
// email address. A mistake fails the test at once (t.Fatalf). It returns
// what is stored.
func (s *Server) AddUser(u User) User {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.Login == "" {
		s.t.Fatalf("oktatest: AddUser: a user needs a Login")
	}
	if s.findByLogin(u.Login) != nil {
		s.t.Fatalf("oktatest: AddUser: login %q already exists", u.Login)
	}
	if u.ID != "" && s.userByID[u.ID] != nil {
		s.t.Fatalf("oktatest: AddUser: id %q already exists", u.ID)
	}
	if u.Status == "" {
		u.Status = "ACTIVE"
	}
	if !userStatuses[u.Status] {
		s.t.Fatalf("oktatest: AddUser: status %q is not an Okta user status", u.Status)
	}
	if u.Email == "" {
		u.Email = u.Login
	}
	now := s.now()
	if u.ID == "" {
		u.ID = s.newID("00u")
	}
	if u.Created.IsZero() {
		u.Created = now
	}
	if u.LastUpdated.IsZero() {
		u.LastUpdated = u.Created
	}
	if u.StatusChanged.IsZero() && u.Status != "STAGED" {
		u.StatusChanged = u.Created
	}
	if u.Activated.IsZero() && u.Status != "STAGED" {
		u.Activated = u.Created
	}
	if u.Password != "" && u.PasswordChanged.IsZero() {
		u.PasswordChanged = u.Created
	}
	profile := map[string]any{}
	for k, v := range u.Profile {
		profile[k] = v
	}
	profile["login"] = u.Login
	profile["email"] = u.Email
	setOrDelete(profile, "firstName", u.FirstName)
	setOrDelete(profile, "lastName", u.LastName)
	setOrDelete(profile, "displayName", u.DisplayName)
	if err := s.checkSchema("UserProfile", profile); err != nil {
		s.t.Fatalf("oktatest: AddUser %q: the profile violates the spec: %v", u.Login, err)
	}
	in := &user{
		seq:                   s.nextSeq(),
		id:                    u.ID,
		status:                u.Status,
		profile:               profile,
		typeID:                "oty" + u.ID[3:],
		created:               u.Created,
		activated:             u.Activated,
		statusChanged:         u.StatusChanged,
		lastLogin:             u.LastLogin,
		lastUpdated:           u.LastUpdated,
		passwordChanged:       u.PasswordChanged,
		groups:                map[string]bool{},
		unknownDevicesBlocked: u.UnknownDevicesBlocked && u.Status == "ACTIVE",
	}
	if u.Password != "" {
		in.password = newSecretHash(u.Password)
	}
	s.users = append(s.users, in)
	s.userByID[in.id] = in
	s.seededLocked(in, nil)
	return in.public()
}

func setOrDelete(m map[string]any, k, v string) {
	if v == "" {
		delete(m, k)
		return
	}
	m[k] = v
}

// SetMe makes the API token belong to the user (GET /users/me). By default
// it is the first user added, or a built-in "api.admin@example.com" user
// created when /users/me is asked for and the org has no users.
func (s *Server) SetMe(userID string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.userByID[userID] == nil {
		s.t.Fatalf("oktatest: SetMe: no user %q", userID)
	}
	s.meID = userID
}

// me returns the token's user.
func (s *Server) me() *user {
	if u := s.userByID[s.meID]; u != nil {
		return u
	}
	if len(s.users) > 0 {
		return s.users[0]
	}
	now := s.now()
	u := &user{
		seq: s.nextSeq(), id: s.newID("00u"), status: "ACTIVE",
		profile: map[string]any{"login": "api.admin@example.com", "email": "api.admin@example.com",
			"firstName": "API", "lastName": "Admin"},
		created: now, activated: now, statusChanged: now, lastUpdated: now,
		groups: map[string]bool{},
	}
	u.typeID = "oty" + u.id[3:]
	s.users = append(s.users, u)
	s.userByID[u.id] = u
	s.meID = u.id
	return u
}

// User returns a user's current state, by id, login or unambiguous short
// login.
func (s *Server) User(ref string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(s.now())
	u := s.resolveUser(ref, false)
	if u == nil {
		return User{}, false
	}
	return u.public(), true
}

// Users returns every user, in creation order.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleLocked(s.now())
	out := make([]User, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, u.public())
	}
	return out
}

// PasswordIs reports whether the user (id or login) has this password.
func (s *Server) PasswordIs(userID, password string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.resolveUser(userID, false)
	return u != nil && u.password != nil && u.password.matches(password)
}

// resolveUser finds a user the way GET /api/v1/users/{id} does: "me" (when
// allowed), an id, a login (case-insensitive), or a short login (the part
// of a login before "@") that matches exactly one user.
func (s *Server) resolveUser(ref string, allowMe bool) *user {
	if allowMe && ref == "me" {
		return s.me()
	}
	if u := s.userByID[ref]; u != nil {
		return u
	}
	if u := s.findByLogin(ref); u != nil {
		return u
	}
	if strings.Contains(ref, "@") {
		return nil
	}
	var found *user
	for _, u := range s.users {
		local, _, ok := strings.Cut(u.login(), "@")
		if ok && strings.EqualFold(local, ref) {
			if found != nil {
				return nil // ambiguous
			}
			found = u
		}
	}
	return found
}

// groupByName finds a group by name, case-insensitively, of any type.
func (s *Server) groupByName(name string) *group {
	for _, g := range s.groups {
		if strings.EqualFold(g.name(), name) {
			return g
		}
	}
	return nil
}

func (s *Server) findByLogin(login string) *user {
	for _, u := range s.users {
		if strings.EqualFold(u.login(), login) {
			return u
		}
	}
	return nil
}

func (u *user) public() User {
	p := User{
		ID: u.id, Status: u.status, Transition: u.transitioning, Login: u.login(), Email: u.email(),
		UnknownDevicesBlocked: u.unknownDevicesBlocked,
		FirstName:             u.str("firstName"), LastName: u.str("lastName"), DisplayName: u.str("displayName"),
		Created: u.created, Activated: u.activated, StatusChanged: u.statusChanged,
		LastLogin: u.lastLogin, LastUpdated: u.lastUpdated, PasswordChanged: u.passwordChanged,
	}
	for k, v := range u.profile {
		switch k {
		case "login", "email", "firstName", "lastName", "displayName":
			continue
		}
		if p.Profile == nil {
			p.Profile = map[string]any{}
		}
		p.Profile[k] = v
	}
	return p
}

// AddGroup seeds a group. Empty ID, Type (OKTA_GROUP) and times are filled
// in; Name is required.
func (s *Server) AddGroup(g Group) Group {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if g.Name == "" {
		s.t.Fatalf("oktatest: AddGroup: a group needs a Name")
	}
	if g.ID != "" && s.groupByID[g.ID] != nil {
		s.t.Fatalf("oktatest: AddGroup: id %q already exists", g.ID)
	}
	if s.groupByName(g.Name) != nil {
		s.t.Fatalf("oktatest: AddGroup: a group named %q already exists (Okta's group names are unique across all group types)", g.Name)
	}
	if g.Type == "" {
		g.Type = "OKTA_GROUP"
	}
	switch g.Type {
	case "OKTA_GROUP", "APP_GROUP", "BUILT_IN":
	default:
		s.t.Fatalf("oktatest: AddGroup: type %q is not an Okta group type", g.Type)
	}
	now := s.now()
	if g.ID == "" {
		g.ID = s.newID("00g")
	}
	if g.Created.IsZero() {
		g.Created = now
	}
	if g.LastUpdated.IsZero() {
		g.LastUpdated = g.Created
	}
	if g.LastMembershipUpdated.IsZero() {
		g.LastMembershipUpdated = g.Created
	}
	in := &group{
		seq: s.nextSeq(), id: g.ID, typ: g.Type,
		profile: map[string]any{"name": g.Name},
		created: g.Created, lastUpdated: g.LastUpdated, lastMembershipUpdated: g.LastMembershipUpdated,
	}
	if g.Description != "" {
		in.profile["description"] = g.Description
	}
	s.groups = append(s.groups, in)
	s.groupByID[in.id] = in
	s.seededLocked(nil, in)
	return in.public()
}

// AddGroupMember makes the user a member of the group (both by id).
func (s *Server) AddGroupMember(groupID, userID string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	g, u := s.groupByID[groupID], s.userByID[userID]
	if g == nil || u == nil {
		s.t.Fatalf("oktatest: AddGroupMember(%q, %q): no such group or user", groupID, userID)
	}
	s.addMember(g, u, s.now())
}

func (s *Server) addMember(g *group, u *user, now time.Time) {
	if u.groups[g.id] {
		return
	}
	u.groups[g.id] = true
	g.members = append(g.members, member{seq: s.nextSeq(), userID: u.id})
	g.lastMembershipUpdated = now
}

func (s *Server) removeMember(g *group, u *user, now time.Time) {
	if !u.groups[g.id] {
		return
	}
	delete(u.groups, g.id)
	for i, m := range g.members {
		if m.userID == u.id {
			g.members = append(g.members[:i:i], g.members[i+1:]...)
			break
		}
	}
	g.lastMembershipUpdated = now
}

// Groups returns every group, in creation order.
func (s *Server) Groups() []Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Group, 0, len(s.groups))
	for _, g := range s.groups {
		out = append(out, g.public())
	}
	return out
}

// Members returns the members of a group, in the order they were added.
func (s *Server) Members(groupID string) []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groupByID[groupID]
	if g == nil {
		return nil
	}
	out := make([]User, 0, len(g.members))
	for _, m := range g.members {
		out = append(out, s.userByID[m.userID].public())
	}
	return out
}

func (g *group) public() Group {
	return Group{
		ID: g.id, Name: g.name(), Description: g.description(), Type: g.typ,
		Created: g.created, LastUpdated: g.lastUpdated, LastMembershipUpdated: g.lastMembershipUpdated,
	}
}

// AddRole assigns an admin role to a user (by id). Empty ID (ra1… or, for
// IAM-based roles, irb…), Label, Status (ACTIVE), AssignmentType (USER) and
// times are filled in. MOBILE_ADMIN may be seeded: real Okta lists it,
// although it cannot be assigned through the API.
func (s *Server) AddRole(userID string, r Role) Role {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userByID[userID]
	if u == nil {
		s.t.Fatalf("oktatest: AddRole: no user %q", userID)
	}
	if _, ok := roleLabels[r.Type]; !ok || r.Type == "CUSTOM" {
		s.t.Fatalf("oktatest: AddRole: %q is not a standard Okta role type", r.Type)
	}
	for _, have := range s.roles[userID] {
		if have.typ == r.Type {
			s.t.Fatalf("oktatest: AddRole: user %q already has %s", userID, r.Type)
		}
	}
	in := s.newRole(r.Type, s.now())
	if r.ID != "" {
		in.id = r.ID
	}
	if r.Label != "" {
		in.label = r.Label
	}
	if r.Status != "" {
		in.status = r.Status
	}
	if r.AssignmentType != "" {
		in.assignmentType = r.AssignmentType
	}
	if !r.Created.IsZero() {
		in.created = r.Created
	}
	if !r.LastUpdated.IsZero() {
		in.lastUpdated = r.LastUpdated
	}
	s.roles[userID] = append(s.roles[userID], in)
	return in.public()
}

func (s *Server) newRole(typ string, now time.Time) *role {
	r := &role{
		seq: s.nextSeq(), typ: typ, label: roleLabels[typ], status: "ACTIVE",
		assignmentType: "USER", created: now, lastUpdated: now,
	}
	if rs, ok := iamRoles[typ]; ok {
		r.id = s.newID("irb")
		r.roleID, r.resourceSet = typ, rs
	} else {
		r.id = s.newID("ra1")
	}
	return r
}

// Roles returns the user's role assignments (user by id).
func (s *Server) Roles(userID string) []Role {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Role{}
	for _, r := range s.roles[userID] {
		out = append(out, r.public())
	}
	return out
}

func (r *role) public() Role {
	return Role{ID: r.id, Type: r.typ, Label: r.label, Status: r.status, AssignmentType: r.assignmentType,
		Created: r.created, LastUpdated: r.lastUpdated}
}

// AddIdentityProvider seeds an IdP. Empty ID, Type (SAML2), Status
// (ACTIVE) and times are filled in; Name is required.
func (s *Server) AddIdentityProvider(p IdentityProvider) IdentityProvider {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.Name == "" {
		s.t.Fatalf("oktatest: AddIdentityProvider: an IdP needs a Name")
	}
	if p.Type == "" {
		p.Type = "SAML2"
	}
	if err := s.checkSchema("IdentityProviderType", p.Type); err != nil {
		s.t.Fatalf("oktatest: AddIdentityProvider: %v", err)
	}
	if p.Status == "" {
		p.Status = "ACTIVE"
	}
	now := s.now()
	if p.ID == "" {
		p.ID = s.newID("0oa")
	}
	if p.Created.IsZero() {
		p.Created = now
	}
	if p.LastUpdated.IsZero() {
		p.LastUpdated = p.Created
	}
	in := &idp{seq: s.nextSeq(), id: p.ID, name: p.Name, typ: p.Type, status: p.Status,
		created: p.Created, lastUpdated: p.LastUpdated}
	if err := s.checkSchema("IdentityProvider", in.json()); err != nil {
		s.t.Fatalf("oktatest: AddIdentityProvider %q: %v", p.Name, err)
	}
	s.idps = append(s.idps, in)
	return in.public()
}

// IdentityProviders returns every IdP, in creation order.
func (s *Server) IdentityProviders() []IdentityProvider {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]IdentityProvider, 0, len(s.idps))
	for _, p := range s.idps {
		out = append(out, p.public())
	}
	return out
}

func (p *idp) public() IdentityProvider {
	return IdentityProvider{ID: p.id, Name: p.name, Type: p.typ, Status: p.status,
		Created: p.created, LastUpdated: p.lastUpdated}
}

// checkSchema validates a value against a component schema of the spec.
func (s *Server) checkSchema(name string, v any) error {
	ref := s.spec.doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return nil
	}
	// Round-trip through JSON so the value has JSON's types.
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var jv any
	if err := json.Unmarshal(b, &jv); err != nil {
		return err
	}
	return ref.Value.VisitJSON(jv, schemaOptions()...)
}

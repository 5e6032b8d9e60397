package oktatest

import (
	"net/http"
	"time"
)

// Sessions, tokens, consent grants and lock-outs of a user.
//
//	DELETE /users/{userId}/sessions  every Okta session of the user ends;
//	                                 oauthTokens=true (default false) also
//	                                 revokes the OAuth/OIDC access and refresh
//	                                 tokens issued to the user;
//	                                 forgetDevices (default true) forgets the
//	                                 user's remembered devices and factors.
//	                                 204 even when there was nothing to end.
//	GET    /users/{userId}/grants    the user's ACTIVE consent grants: scopeId
//	                                 filter, expand=scope, limit 1..200
//	                                 (default 20) and after paging
//	DELETE /users/{userId}/grants    revokes every grant (and the tokens
//	                                 issued under them)
//	GET    /users/{userId}/clients   the OAuth clients holding a grant or a
//	                                 token for the user
//
// A test seeds sessions (AddSession), remembered devices (RememberDevice),
// OAuth clients (AddOAuthClient), tokens (AddUserToken) and grants
// (AddGrant), locks a user out (LockOut) or blocks their sign-ins from
// unknown devices (BlockUnknownDevices), and reads them back.

// OAuthClient is an OAuth 2.0 client app (an OIDC app) of the org.
type OAuthClient struct {
	ID, Name, URI, LogoURI string
}

// Session is a user's Okta session.
type Session struct {
	ID        string
	Created   time.Time
	ClientIP  string
	UserAgent string
}

// UserToken is an OAuth access or refresh token issued to a user for a
// client.
type UserToken struct {
	ID, ClientID string
	Scopes       []string
	Created      time.Time
}

// Grant is a user's consent grant of a scope to a client.
type Grant struct {
	ID, ClientID, ScopeID string
	Issuer                string // default the org URL
	Source                string // END_USER (default) or ADMIN
	Status                string // ACTIVE, REVOKED (read back)
	Created, LastUpdated  time.Time
}

type session struct {
	Session
	seq int64
}

type userToken struct {
	UserToken
	seq int64
}

type grant struct {
	Grant
	seq int64
}

// AddOAuthClient registers an OAuth client app (ID and Name required).
func (s *Server) AddOAuthClient(c OAuthClient) OAuthClient {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" || c.Name == "" {
		s.t.Fatalf("oktatest: AddOAuthClient: a client needs an ID and a Name")
	}
	if s.oauthClient(c.ID) != nil {
		s.t.Fatalf("oktatest: AddOAuthClient: client %q already exists", c.ID)
	}
	cc := c
	s.oauthClients = append(s.oauthClients, &cc)
	return cc
}

func (s *Server) oauthClient(id string) *OAuthClient {
	for _, c := range s.oauthClients {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func (s *Server) mustUser(fn, userID string) *user {
	s.t.Helper()
	u := s.userByID[userID]
	if u == nil {
		s.t.Fatalf("oktatest: %s: no user %q", fn, userID)
	}
	return u
}

// AddSession starts an Okta session for a user (by id).
func (s *Server) AddSession(userID string) Session {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustUser("AddSession", userID)
	in := &session{seq: s.nextSeq(), Session: Session{ID: "102" + randomToken(22), Created: s.now(),
		ClientIP: "127.0.0.1", UserAgent: "Mozilla/5.0"}}
	s.sessions[userID] = append(s.sessions[userID], in)
	return in.Session
}

// Sessions returns the user's open sessions.
func (s *Server) Sessions(userID string) []Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Session{}
	for _, x := range s.sessions[userID] {
		out = append(out, x.Session)
	}
	return out
}

// RememberDevice makes Okta remember a device (and the factors verified on
// it) for the user.
func (s *Server) RememberDevice(userID, device string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustUser("RememberDevice", userID)
	s.devices[userID] = append(s.devices[userID], device)
}

// RememberedDevices returns the devices Okta remembers for the user.
func (s *Server) RememberedDevices(userID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.devices[userID]...)
}

// AddUserToken issues an OAuth token to the user for a registered client.
func (s *Server) AddUserToken(userID, clientID string, scopes ...string) UserToken {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustUser("AddUserToken", userID)
	if s.oauthClient(clientID) == nil {
		s.t.Fatalf("oktatest: AddUserToken: no OAuth client %q (AddOAuthClient)", clientID)
	}
	in := &userToken{seq: s.nextSeq(), UserToken: UserToken{ID: s.newID("oar"), ClientID: clientID,
		Scopes: append([]string(nil), scopes...), Created: s.now()}}
	s.userTokens[userID] = append(s.userTokens[userID], in)
	return in.UserToken
}

// UserTokens returns the user's unrevoked tokens.
func (s *Server) UserTokens(userID string) []UserToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []UserToken{}
	for _, t := range s.userTokens[userID] {
		out = append(out, t.UserToken)
	}
	return out
}

// AddGrant records a consent grant of the user to a registered client.
// ClientID and ScopeID are required.
func (s *Server) AddGrant(userID string, g Grant) Grant {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustUser("AddGrant", userID)
	if g.ScopeID == "" || s.oauthClient(g.ClientID) == nil {
		s.t.Fatalf("oktatest: AddGrant: a grant needs a ScopeID and a registered ClientID (AddOAuthClient)")
	}
	now := s.now()
	if g.ID == "" {
		g.ID = s.newID("oag")
	}
	if g.Issuer == "" {
		g.Issuer = s.URL
	}
	if g.Source == "" {
		g.Source = "END_USER"
	}
	if err := s.checkSchema("OAuth2ScopeConsentGrantSource", g.Source); err != nil {
		s.t.Fatalf("oktatest: AddGrant: %v", err)
	}
	g.Status = "ACTIVE"
	if g.Created.IsZero() {
		g.Created = now
	}
	if g.LastUpdated.IsZero() {
		g.LastUpdated = g.Created
	}
	in := &grant{seq: s.nextSeq(), Grant: g}
	s.grants[userID] = append(s.grants[userID], in)
	return in.Grant
}

// Grants returns the user's grants, revoked ones included.
func (s *Server) Grants(userID string) []Grant {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Grant{}
	for _, g := range s.grants[userID] {
		out = append(out, g.Grant)
	}
	return out
}

// LockOut locks an ACTIVE user out, as too many failed sign-ins do
// (status LOCKED_OUT), and logs it.
func (s *Server) LockOut(userID string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.mustUser("LockOut", userID)
	if u.status != "ACTIVE" {
		s.t.Fatalf("oktatest: LockOut: user %q is %s; only ACTIVE users are locked out", userID, u.status)
	}
	now := s.now()
	u.status, u.statusChanged, u.lastUpdated = "LOCKED_OUT", now, now
	s.appendEvent(&logEvent{published: now, eventType: "user.account.lock",
		displayMessage: "Max sign in attempts exceeded", actor: userEntity(u), targets: []logEntity{userEntity(u)}})
}

// BlockUnknownDevices blocks an ACTIVE user's sign-ins from unknown
// devices (Okta's behaviour detection), which unlock lifts while the user
// stays ACTIVE.
func (s *Server) BlockUnknownDevices(userID string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.mustUser("BlockUnknownDevices", userID)
	if u.status != "ACTIVE" {
		s.t.Fatalf("oktatest: BlockUnknownDevices: user %q is %s, not ACTIVE", userID, u.status)
	}
	u.unknownDevicesBlocked = true
}

func revokeUserSessions(s *Server, c *reqCtx) *response {
	u, aerr := s.userByPathUserID(c)
	if aerr != nil {
		return errResp(aerr)
	}
	delete(s.sessions, u.id)
	if boolParam(c, "oauthTokens", false) {
		delete(s.userTokens, u.id)
	}
	if boolParam(c, "forgetDevices", true) {
		delete(s.devices, u.id)
	}
	s.logEvent(c, "user.session.clear", "Clear user session", userEntity(u))
	return emptyResp(http.StatusNoContent)
}

func (s *Server) grantJSON(userID string, g *grant, expandScope bool) map[string]any {
	base := s.URL + "/api/v1/users/" + userID + "/grants/" + g.ID
	out := map[string]any{
		"id":          g.ID,
		"status":      g.Status,
		"created":     oktaTime(g.Created),
		"lastUpdated": oktaTime(g.LastUpdated),
		"issuer":      g.Issuer,
		"clientId":    g.ClientID,
		"userId":      userID,
		"scopeId":     g.ScopeID,
		"source":      g.Source,
		"createdBy":   map[string]any{"id": userID, "type": "User"},
		"_links": map[string]any{
			"self":   map[string]any{"href": base, "hints": map[string]any{"allow": []string{"GET", "DELETE"}}},
			"client": map[string]any{"href": s.URL + "/oauth2/v1/clients/" + g.ClientID, "title": s.oauthClient(g.ClientID).Name},
			"user":   map[string]any{"href": s.URL + "/api/v1/users/" + userID},
			"scope":  map[string]any{"href": s.URL + "/api/v1/authorizationServers/default/scopes/" + g.ScopeID, "title": g.ScopeID},
		},
	}
	if expandScope {
		out["_embedded"] = map[string]any{"scope": map[string]any{"id": g.ScopeID}}
	}
	return out
}

func listUserGrants(s *Server, c *reqCtx) *response {
	u, aerr := s.userByPathUserID(c)
	if aerr != nil {
		return errResp(aerr)
	}
	limit, aerr := limitParam(c, 20, 200)
	if aerr != nil {
		return errResp(aerr)
	}
	scopeID := c.query.Get("scopeId")
	var gs []*grant
	for _, g := range s.grants[u.id] {
		if g.Status == "ACTIVE" && (scopeID == "" || g.ScopeID == scopeID) {
			gs = append(gs, g)
		}
	}
	page, next, aerr := paginate(gs, func(g *grant) int64 { return g.seq }, false, "grants", c.query.Get("after"), limit)
	if aerr != nil {
		return errResp(aerr)
	}
	out := []any{}
	for _, g := range page {
		out = append(out, s.grantJSON(u.id, g, c.query.Get("expand") == "scope"))
	}
	r := jsonResp(http.StatusOK, out)
	s.addLinks(r, c, next)
	return r
}

func revokeUserGrants(s *Server, c *reqCtx) *response {
	u, aerr := s.userByPathUserID(c)
	if aerr != nil {
		return errResp(aerr)
	}
	revoked := map[string]bool{}
	for _, g := range s.grants[u.id] {
		if g.Status == "ACTIVE" {
			g.Status, g.LastUpdated = "REVOKED", c.now
			revoked[g.ClientID] = true
		}
	}
	kept := s.userTokens[u.id][:0:0]
	for _, t := range s.userTokens[u.id] {
		if !revoked[t.ClientID] {
			kept = append(kept, t)
		}
	}
	s.userTokens[u.id] = kept
	s.logEvent(c, "user.authentication.consent.revoke", "Revoke all consent grants of user", userEntity(u))
	return emptyResp(http.StatusNoContent)
}

func listUserClients(s *Server, c *reqCtx) *response {
	u, aerr := s.userByPathUserID(c)
	if aerr != nil {
		return errResp(aerr)
	}
	holds := map[string]bool{}
	for _, g := range s.grants[u.id] {
		if g.Status == "ACTIVE" {
			holds[g.ClientID] = true
		}
	}
	for _, t := range s.userTokens[u.id] {
		holds[t.ClientID] = true
	}
	out := []any{}
	for _, cl := range s.oauthClients {
		if !holds[cl.ID] {
			continue
		}
		base := s.URL + "/api/v1/users/" + u.id + "/clients/" + cl.ID
		o := map[string]any{
			"client_id":   cl.ID,
			"client_name": cl.Name,
			"_links": map[string]any{
				"self":   map[string]any{"href": s.URL + "/oauth2/v1/clients/" + cl.ID},
				"grants": map[string]any{"href": base + "/grants"},
				"tokens": map[string]any{"href": base + "/tokens"},
			},
		}
		if cl.URI != "" {
			o["client_uri"] = cl.URI
		}
		if cl.LogoURI != "" {
			o["logo_uri"] = cl.LogoURI
		}
		out = append(out, o)
	}
	return jsonResp(http.StatusOK, out)
}

package oktatest

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// OAuth 2.0 for the management API, as Okta's org authorization server
// does it for a service app (client credentials with a private key JWT):
//
//	POST /oauth2/v1/token
//	  grant_type=client_credentials
//	  scope=okta.users.read okta.users.manage
//	  client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
//	  client_assertion=<RS256 JWT: iss = sub = client id, aud = {org}/oauth2/v1/token, exp>
//	→ 200 {"token_type":"Bearer","expires_in":3600,"access_token":"…","scope":"…"}
//
// and then "Authorization: Bearer <access_token>" on API calls, each of
// which needs one of the OAuth scopes its operation lists in the spec's
// security section (a .manage scope also grants the matching .read).
//
// The token endpoint is not part of the management spec, so its requests
// are not validated against it; the parameters are read from the form body
// or, as okta-sdk-golang v2 sends them, from the query string.

const (
	tokenPath           = "/oauth2/v1/token"
	tokenOperation      = "token"
	assertionType       = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	accessTokenLifetime = time.Hour
	// maxAssertionLifetime is how far in the future an assertion's exp may
	// be (Okta: at most one hour), plus a minute for clock skew.
	maxAssertionLifetime = time.Hour + time.Minute
	// insufficientScope is what Okta says when a token lacks the scope an
	// operation needs (in WWW-Authenticate).
	insufficientScope = "The access token provided does not contain the required scopes."
)

// ServiceApp is an OAuth 2.0 service app of the org (an API services
// integration) that authenticates with a private key JWT.
type ServiceApp struct {
	// ClientID is the app's client id (0oa…); the assertion's iss and sub.
	ClientID string
	// PublicKey verifies the app's RS256 client assertions.
	PublicKey *rsa.PublicKey
	// KeyID, when set, is the registered key's kid: an assertion that names
	// a kid must name this one (an assertion without a kid is verified with
	// the key).
	KeyID string
	// Scopes are the Okta API scopes granted to the app (its "Okta API
	// Scopes" tab); a token request may ask for any subset of them.
	Scopes []string
}

// IssuedToken is an access token the token endpoint handed out.
type IssuedToken struct {
	ClientID string
	Scopes   []string
	Token    string
	Expires  time.Time
}

type accessToken struct {
	IssuedToken
	revoked bool
}

// AddServiceApp registers a service app whose client assertions the token
// endpoint accepts, granting it scopes. Registering a client id again
// replaces the app.
func (s *Server) AddServiceApp(app ServiceApp) {
	s.t.Helper()
	if app.ClientID == "" || app.PublicKey == nil {
		s.t.Fatalf("oktatest: AddServiceApp: a service app needs a ClientID and a PublicKey")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	app.Scopes = slices.Clone(app.Scopes)
	s.apps[app.ClientID] = &app
}

// IssuedTokens returns the access tokens issued so far, oldest first.
func (s *Server) IssuedTokens() []IssuedToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []IssuedToken
	for _, t := range s.tokens {
		it := t.IssuedToken
		it.Scopes = slices.Clone(it.Scopes)
		out = append(out, it)
	}
	return out
}

// RevokeTokens invalidates every access token issued so far: API calls
// that carry one are answered 401, as Okta does for a revoked or expired
// token.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.revoked = true
	}
}

// principal is who an API request is authorised as.
type principal struct {
	clientID string          // the service app; empty for the SSWS token
	scopes   map[string]bool // the access token's scopes
}

// authenticate checks a request's Authorization header: the SSWS token, or
// a Bearer access token the token endpoint issued and that is still valid.
// Call with s.mu held.
func (s *Server) authenticate(r *http.Request, now time.Time) (*principal, *response) {
	a := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(a, "SSWS "); ok && tok == s.Token {
		return &principal{}, nil
	}
	tok, ok := strings.CutPrefix(a, "Bearer ")
	if !ok {
		return nil, errResp(&apiError{status: http.StatusUnauthorized, code: "E0000011", summary: "Invalid token provided"})
	}
	i := slices.IndexFunc(s.tokens, func(t *accessToken) bool { return t.Token == tok })
	desc := ""
	switch {
	case i < 0 || s.tokens[i].revoked:
		desc = "The access token is invalid."
	case !now.Before(s.tokens[i].Expires):
		desc = "The token has expired."
	default:
		t := s.tokens[i]
		p := &principal{clientID: t.ClientID, scopes: map[string]bool{}}
		for _, sc := range t.Scopes {
			p.scopes[sc] = true
		}
		return p, nil
	}
	resp := errResp(&apiError{status: http.StatusUnauthorized, code: "E0000011", summary: "Invalid token provided"})
	resp.header.Set("WWW-Authenticate", s.bearerChallenge(map[string]string{
		"error": "invalid_token", "error_description": desc,
	}))
	return nil, resp
}

// bearerChallenge is Okta's WWW-Authenticate value for a Bearer failure:
// Bearer authorization_uri="…", realm="…", then the given attributes in
// Okta's order.
func (s *Server) bearerChallenge(attrs map[string]string) string {
	parts := []string{
		fmt.Sprintf(`authorization_uri=%q`, s.URL+"/oauth2/v1/authorize"),
		fmt.Sprintf(`realm=%q`, s.URL),
	}
	for _, k := range []string{"scope", "error", "error_description", "resource"} {
		if v, ok := attrs[k]; ok {
			parts = append(parts, fmt.Sprintf(`%s=%q`, k, v))
		}
	}
	return "Bearer " + strings.Join(parts, ", ")
}

// requiredScopes are the OAuth scopes the spec lists for an operation; any
// one of them is enough.
func requiredScopes(op *openapi3.Operation) []string {
	if op == nil || op.Security == nil {
		return nil
	}
	var out []string
	for _, req := range *op.Security {
		out = append(out, req["oauth2"]...)
	}
	return out
}

// mayCall reports whether p may call an operation that needs one of
// required: the SSWS token may call anything; a .manage scope includes the
// matching .read (Okta: "/api/v1/groups requires the okta.groups.read or
// okta.groups.manage scope").
func (p *principal) mayCall(required []string) bool {
	if p.clientID == "" || len(required) == 0 {
		return true
	}
	for _, sc := range required {
		if p.scopes[sc] {
			return true
		}
		if base, ok := strings.CutSuffix(sc, ".read"); ok && p.scopes[base+".manage"] {
			return true
		}
	}
	return false
}

// errInsufficientScope is Okta's answer to a token without the scope an
// operation needs: 403 with the reason in WWW-Authenticate (what the SDK
// reads) and E0000006 in the body.
func (s *Server) errInsufficientScope(required []string, path string) *response {
	resp := errResp(&apiError{status: http.StatusForbidden, code: "E0000006",
		summary: "You do not have permission to perform the requested action"})
	resp.header.Set("WWW-Authenticate", s.bearerChallenge(map[string]string{
		"scope":             strings.Join(required, " "),
		"error":             "insufficient_scope",
		"error_description": insufficientScope,
		"resource":          path,
	}))
	return resp
}

// oauthError is an OAuth 2.0 error answer of the token endpoint.
type oauthError struct {
	status      int
	code        string // invalid_request, invalid_client, invalid_scope, ...
	description string
}

func (e *oauthError) response() *response {
	r := jsonResp(e.status, map[string]string{"error": e.code, "error_description": e.description})
	r.errorCode = e.code
	if e.status == http.StatusUnauthorized {
		r.header.Set("WWW-Authenticate", `Bearer error="`+e.code+`"`)
	}
	return r
}

func invalidClient(format string, args ...any) *oauthError {
	return &oauthError{status: http.StatusUnauthorized, code: "invalid_client", description: fmt.Sprintf(format, args...)}
}

func invalidRequest(format string, args ...any) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_request", description: fmt.Sprintf(format, args...)}
}

// tokenParams reads the token request's parameters: the query string, then
// the form body (which wins).
func tokenParams(r *http.Request, body []byte) (url.Values, *oauthError) {
	params := r.URL.Query()
	if len(bytes.TrimSpace(body)) == 0 {
		return params, nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return nil, invalidRequest("The token request body must be application/x-www-form-urlencoded.")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, invalidRequest("The token request body is not a valid form.")
	}
	for k, v := range form {
		params[k] = v
	}
	return params, nil
}

// issueToken answers POST /oauth2/v1/token. Call with s.mu held.
func (s *Server) issueToken(r *http.Request, body []byte, now time.Time) *response {
	params, oe := tokenParams(r, body)
	if oe != nil {
		return oe.response()
	}
	switch gt := params.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		return invalidRequest("The token request must specify a 'grant_type'.").response()
	default:
		return (&oauthError{status: http.StatusBadRequest, code: "unsupported_grant_type",
			description: "The authorization grant type is not supported by the authorization server: " + gt}).response()
	}
	if params.Get("client_assertion_type") != assertionType || params.Get("client_assertion") == "" {
		return invalidClient("Client authentication failed. Either the client or the client credentials are invalid.").response()
	}
	app, oe := s.verifyAssertion(params.Get("client_assertion"), now)
	if oe != nil {
		return oe.response()
	}
	if id := params.Get("client_id"); id != "" && id != app.ClientID {
		return invalidClient("The client_id does not match the client_assertion's issuer.").response()
	}

	var scopes, notGranted []string
	for _, sc := range strings.Fields(params.Get("scope")) {
		if slices.Contains(scopes, sc) {
			continue
		}
		scopes = append(scopes, sc)
		if !slices.Contains(app.Scopes, sc) {
			notGranted = append(notGranted, sc)
		}
	}
	switch {
	case len(scopes) == 0:
		return (&oauthError{status: http.StatusBadRequest, code: "invalid_scope",
			description: "The authorization server resource does not have any configured default scopes, 'scope' must be provided."}).response()
	case len(notGranted) > 0:
		return (&oauthError{status: http.StatusBadRequest, code: "invalid_scope",
			description: "The following scopes were requested, but not granted to the client: " + strings.Join(notGranted, ", ") + "."}).response()
	}

	t := &accessToken{IssuedToken: IssuedToken{
		ClientID: app.ClientID,
		Scopes:   scopes,
		Token:    randomToken(64),
		Expires:  now.Add(accessTokenLifetime),
	}}
	s.tokens = append(s.tokens, t)
	resp := jsonResp(http.StatusOK, map[string]any{
		"token_type":   "Bearer",
		"expires_in":   int(accessTokenLifetime / time.Second),
		"access_token": t.Token,
		"scope":        strings.Join(scopes, " "),
	})
	resp.header.Set("Cache-Control", "no-cache, no-store")
	resp.header.Set("Pragma", "no-cache")
	return resp
}

// verifyAssertion checks a client assertion: a compact RS256 JWT from a
// registered service app, signed with its key, with iss = sub = the client
// id, aud = the token endpoint, an exp in the future but at most an hour
// away, and a jti (when present) not seen before.
func (s *Server) verifyAssertion(jwt string, now time.Time) (*ServiceApp, *oauthError) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, invalidClient("The client_assertion is not a valid JWT.")
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	var claims struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Aud json.RawMessage `json:"aud"`
		Exp *json.Number    `json:"exp"`
		Jti string          `json:"jti"`
	}
	if decodeSegment(parts[0], &header) != nil || decodeSegment(parts[1], &claims) != nil {
		return nil, invalidClient("The client_assertion is not a valid JWT.")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, invalidClient("The client_assertion is not a valid JWT.")
	}
	app := s.apps[claims.Iss]
	switch {
	case claims.Iss == "" || app == nil:
		return nil, invalidClient("Invalid value for 'client_id' parameter.")
	case claims.Sub != claims.Iss:
		return nil, invalidClient("The client_assertion token's 'sub' must be the client_id.")
	case header.Alg != "RS256":
		return nil, invalidClient("The client_assertion token has an unsupported signing algorithm (the fake verifies RS256).")
	case header.Kid != "" && app.KeyID != "" && header.Kid != app.KeyID:
		return nil, invalidClient("The client_assertion token's kid does not match a key of the client.")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(app.PublicKey, crypto.SHA256, digest[:], sig) != nil {
		return nil, invalidClient("The client_assertion signature is invalid.")
	}
	if !audienceIs(claims.Aud, s.URL+tokenPath) {
		return nil, invalidClient("The audience claim for client_assertion must be the endpoint invoked for the request.")
	}
	if claims.Exp == nil {
		return nil, invalidClient("The client_assertion token must have an 'exp' claim.")
	}
	expF, err := claims.Exp.Float64()
	if err != nil {
		return nil, invalidClient("The client_assertion token's 'exp' claim is not a number.")
	}
	exp := time.Unix(int64(expF), 0)
	switch {
	case !now.Before(exp):
		return nil, invalidClient("The client_assertion token is expired.")
	case exp.Sub(now) > maxAssertionLifetime:
		return nil, invalidClient("The client_assertion token has an expiration too far into the future.")
	}
	if claims.Jti != "" {
		key := app.ClientID + "\x00" + claims.Jti
		if s.usedJTIs[key] {
			return nil, invalidClient("The client_assertion token has already been used.")
		}
		s.usedJTIs[key] = true
	}
	return app, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// audienceIs reports whether a JWT's aud (a string or an array of them)
// names want.
func audienceIs(raw json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == want
	}
	var many []string
	return json.Unmarshal(raw, &many) == nil && slices.Contains(many, want)
}

// redactTokenRequest hides the client assertion (a credential for as long
// as it is valid) in a recorded token request.
func redactTokenRequest(q url.Values, body []byte) (url.Values, []byte) {
	for _, k := range []string{"client_assertion", "client_secret"} {
		if q.Has(k) {
			q.Set(k, "[REDACTED]")
		}
	}
	if len(body) == 0 {
		return q, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return q, []byte("[REDACTED]")
	}
	for _, k := range []string{"client_assertion", "client_secret"} {
		if form.Has(k) {
			form.Set(k, "[REDACTED]")
		}
	}
	return q, []byte(form.Encode())
}

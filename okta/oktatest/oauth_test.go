package oktatest

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/okta/okta-sdk-golang/v2/okta"
)

const testClientID = "0oatestserviceapp01"

var (
	keysOnce sync.Once
	keyA     *rsa.PrivateKey // registered
	keyB     *rsa.PrivateKey // someone else's
)

// testKeys generates two RSA keys once per test binary.
func testKeys(t *testing.T) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if keyA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if keyB, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return keyA, keyB
}

// assertion signs a client assertion with key; claims and header entries
// given override the valid defaults (nil deletes one).
func assertion(t *testing.T, s *Server, key *rsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	h := map[string]any{"alg": "RS256"}
	c := map[string]any{
		"iss": testClientID, "sub": testClientID, "aud": s.URL + "/oauth2/v1/token",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
	}
	for src, dst := range map[*map[string]any]map[string]any{&header: h, &claims: c} {
		for k, v := range *src {
			if v == nil {
				delete(dst, k)
			} else {
				dst[k] = v
			}
		}
	}
	seg := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := seg(h) + "." + seg(c)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// tokenRequest posts params to the token endpoint, in the query string as
// the SDK does, or as a form body.
func tokenRequest(t *testing.T, s *Server, params url.Values, asForm bool) wireResponse {
	t.Helper()
	target, body := s.URL+"/oauth2/v1/token?"+params.Encode(), ""
	if asForm {
		target, body = s.URL+"/oauth2/v1/token", params.Encode()
	}
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return wireResponse{status: resp.StatusCode, header: resp.Header, body: b}
}

func tokenParamsFor(jwt, scope string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {scope},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {jwt},
	}
}

// bearer sends an API request with an access token.
func bearer(t *testing.T, s *Server, method, path, token string) wireResponse {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return wireResponse{status: resp.StatusCode, header: resp.Header, body: b}
}

func newOAuthServer(t *testing.T, opts ...Option) (*Server, *rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	a, b := testKeys(t)
	s := New(t, opts...)
	s.AddServiceApp(ServiceApp{ClientID: testClientID, PublicKey: &a.PublicKey, KeyID: "kid-a",
		Scopes: []string{"okta.users.read", "okta.groups.manage"}})
	return s, a, b
}

func TestTokenEndpointIssuesTokens(t *testing.T) {
	s, key, _ := newOAuthServer(t)
	alice := s.AddUser(User{Login: "alice@corp.com"})

	for _, asForm := range []bool{false, true} {
		r := tokenRequest(t, s, tokenParamsFor(assertion(t, s, key, nil, nil), "okta.users.read okta.groups.manage"), asForm)
		if r.status != 200 || r.header.Get("Cache-Control") == "" {
			t.Fatalf("form %v: status %d %s", asForm, r.status, r.body)
		}
		var got map[string]any
		r.decode(t, &got)
		tok, _ := got["access_token"].(string)
		if tok == "" || got["token_type"] != "Bearer" || got["expires_in"] != 3600.0 || got["scope"] != "okta.users.read okta.groups.manage" {
			t.Errorf("form %v: token response %v", asForm, got)
		}
	}
	issued := s.IssuedTokens()
	if len(issued) != 2 || issued[0].ClientID != testClientID || issued[0].Token == issued[1].Token {
		t.Fatalf("issued %+v", issued)
	}

	tok := issued[0].Token
	if r := bearer(t, s, "GET", "/api/v1/users/"+alice.ID, tok); r.status != 200 {
		t.Errorf("GET user with okta.users.read: %d %s", r.status, r.body)
	}
	// okta.groups.manage includes okta.groups.read.
	if r := bearer(t, s, "GET", "/api/v1/groups", tok); r.status != 200 {
		t.Errorf("list groups with okta.groups.manage: %d %s", r.status, r.body)
	}
	// okta.users.read does not include okta.users.manage.
	r := bearer(t, s, "POST", "/api/v1/users/"+alice.ID+"/lifecycle/suspend", tok)
	if r.status != 403 || r.errorCode(t) != "E0000006" {
		t.Errorf("suspend with okta.users.read: %d %s", r.status, r.body)
	}
	wantChallenge := `Bearer authorization_uri="` + s.URL + `/oauth2/v1/authorize", realm="` + s.URL +
		`", scope="okta.users.manage", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="/api/v1/users/` + alice.ID + `/lifecycle/suspend"`
	if got := r.header.Get("WWW-Authenticate"); got != wantChallenge {
		t.Errorf("WWW-Authenticate\n got %s\nwant %s", got, wantChallenge)
	}
	if u, _ := s.User(alice.ID); u.Status != "ACTIVE" {
		t.Errorf("alice is %s after a refused suspend", u.Status)
	}
	// A service app has no user: "me" is not found.
	if r := bearer(t, s, "GET", "/api/v1/users/me", tok); r.status != 404 {
		t.Errorf("GET /users/me with a service app token: %d", r.status)
	}

	calls := s.Calls()
	first := calls[0]
	if first.Operation != "token" || first.Query.Get("client_assertion") != "[REDACTED]" || first.Client != "" {
		t.Errorf("token call recorded as %+v", first)
	}
	if second := calls[1]; strings.Contains(string(second.Body), "eyJ") || !strings.Contains(string(second.Body), "REDACTED") {
		t.Errorf("form token call body recorded as %q", second.Body)
	}
	if c := calls[2]; c.Operation != "getUser" || c.Client != testClientID {
		t.Errorf("API call recorded as %+v", c)
	}

	// Revoked tokens are refused with 401 and a Bearer challenge.
	s.RevokeTokens()
	r = bearer(t, s, "GET", "/api/v1/users/"+alice.ID, tok)
	if r.status != 401 || r.errorCode(t) != "E0000011" || !strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("revoked token: %d %v %s", r.status, r.header, r.body)
	}
	// The SSWS token still works alongside.
	if r := do(t, s, "GET", "/api/v1/users/"+alice.ID, ""); r.status != 200 {
		t.Errorf("SSWS after OAuth: %d", r.status)
	}
}

func TestTokenEndpointRefusals(t *testing.T) {
	s, key, other := newOAuthServer(t)
	now := time.Now()
	tests := []struct {
		name           string
		params         url.Values
		status         int
		code, contains string
	}{
		{"someone else's key", tokenParamsFor(assertion(t, s, other, nil, nil), "okta.users.read"), 401, "invalid_client", "signature"},
		{"unknown client", tokenParamsFor(assertion(t, s, key, nil, map[string]any{"iss": "0oanobody", "sub": "0oanobody"}), "okta.users.read"), 401, "invalid_client", "client_id"},
		{"sub is not iss", tokenParamsFor(assertion(t, s, key, nil, map[string]any{"sub": "someone"}), "okta.users.read"), 401, "invalid_client", "sub"},
		{"wrong audience", tokenParamsFor(assertion(t, s, key, nil, map[string]any{"aud": "https://elsewhere/oauth2/v1/token"}), "okta.users.read"), 401, "invalid_client", "audience"},
		{"audience list", tokenParamsFor(assertion(t, s, key, nil, map[string]any{"aud": []string{"x", s.URL + "/oauth2/v1/token"}}), "okta.users.read"), 200, "", ""},
		{"expired", tokenParamsFor(assertion(t, s, key, nil, map[string]any{"exp": now.Add(-time.Minute).Unix()}), "okta.users.read"), 401, "invalid_client", "expired"},
		{"no exp", tokenParamsFor(assertion(t, s, key, nil, map[string]any{"exp": nil}), "okta.users.read"), 401, "invalid_client", "exp"},
		{"exp too far", tokenParamsFor(assertion(t, s, key, nil, map[string]any{"exp": now.Add(3 * time.Hour).Unix()}), "okta.users.read"), 401, "invalid_client", "too far"},
		{"other kid", tokenParamsFor(assertion(t, s, key, map[string]any{"kid": "kid-b"}, nil), "okta.users.read"), 401, "invalid_client", "kid"},
		{"its kid", tokenParamsFor(assertion(t, s, key, map[string]any{"kid": "kid-a"}, nil), "okta.users.read"), 200, "", ""},
		{"HS256", tokenParamsFor(assertion(t, s, key, map[string]any{"alg": "HS256"}, nil), "okta.users.read"), 401, "invalid_client", "algorithm"},
		{"not a JWT", tokenParamsFor("abc.def", "okta.users.read"), 401, "invalid_client", "JWT"},
		{"scope not granted", tokenParamsFor(assertion(t, s, key, nil, nil), "okta.users.read okta.users.manage"), 400, "invalid_scope", "okta.users.manage"},
		{"no scope", tokenParamsFor(assertion(t, s, key, nil, nil), ""), 400, "invalid_scope", "scope"},
		{"password grant", func() url.Values {
			p := tokenParamsFor(assertion(t, s, key, nil, nil), "okta.users.read")
			p.Set("grant_type", "password")
			return p
		}(), 400, "unsupported_grant_type", "password"},
		{"no assertion type", func() url.Values {
			p := tokenParamsFor(assertion(t, s, key, nil, nil), "okta.users.read")
			p.Del("client_assertion_type")
			return p
		}(), 401, "invalid_client", "Client authentication failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tokenRequest(t, s, tt.params, false)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status == 200 {
				return
			}
			var e struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			r.decode(t, &e)
			if e.Error != tt.code || !strings.Contains(e.Description, tt.contains) {
				t.Errorf("error %q %q, want %s mentioning %q", e.Error, e.Description, tt.code, tt.contains)
			}
		})
	}

	// A jti is good once.
	jwt := assertion(t, s, key, nil, map[string]any{"jti": "once"})
	if r := tokenRequest(t, s, tokenParamsFor(jwt, "okta.users.read"), true); r.status != 200 {
		t.Fatalf("first use: %d %s", r.status, r.body)
	}
	if r := tokenRequest(t, s, tokenParamsFor(jwt, "okta.users.read"), true); r.status != 401 {
		t.Errorf("replayed assertion: %d %s", r.status, r.body)
	}
	if got := len(s.IssuedTokens()); got != 3 {
		t.Errorf("%d tokens issued, want 3 (two accepted cases and the first jti)", got)
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}
}

func TestTokenEndpointOnlyTakesPOST(t *testing.T) {
	s, v := newCollecting(t)
	r := do(t, s, "GET", "/oauth2/v1/token", "")
	if r.status != 405 || len(v.get()) != 1 {
		t.Errorf("GET /oauth2/v1/token: %d, violations %v", r.status, v.get())
	}
}

// The SDK's own PrivateKey mode against the fake: one token for many
// calls, Bearer on each, scopes honoured.
func TestPrivateKeyModeThroughTheSDK(t *testing.T) {
	s, key, _ := newOAuthServer(t)
	alice := s.AddUser(User{Login: "alice@corp.com"})
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	ctx, c, err := okta.NewClient(context.Background(),
		okta.WithOrgUrl(s.URL),
		okta.WithAuthorizationMode("PrivateKey"),
		okta.WithClientId(testClientID),
		okta.WithScopes([]string{"okta.users.read"}),
		okta.WithPrivateKey(pemKey),
		okta.WithPrivateKeyId("kid-a"),
		okta.WithTestingDisableHttpsCheck(true),
		okta.WithCache(false),
		okta.WithRateLimitMaxRetries(0),
		okta.WithRequestTimeout(10),
	)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if u, _, err := c.User.GetUser(ctx, alice.ID); err != nil || u.Id != alice.ID {
			t.Fatalf("GetUser = %v, %v", u, err)
		}
	}
	_, err = c.User.SuspendUser(ctx, alice.ID)
	if e := oktaErr(t, err); !strings.Contains(e.ErrorSummary, "required scopes") {
		t.Errorf("suspend without okta.users.manage: %+v", e)
	}
	var ops []string
	for _, call := range s.Calls() {
		ops = append(ops, call.Operation+" "+call.Client)
	}
	want := []string{"token ", "getUser " + testClientID, "getUser " + testClientID, "getUser " + testClientID, "suspendUser "}
	if diff := cmp.Diff(want, ops); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

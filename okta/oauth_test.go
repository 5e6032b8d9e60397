package okta

// The OAuth 2.0 service-app login (private key JWT) against the Okta fake
// and on the wire.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"oktabot/actions"
	"oktabot/okta/oktatest"
)

const appID = "0oabotserviceapp0001"

var (
	rsaOnce          sync.Once
	appKey, strayKey *rsa.PrivateKey
)

// testRSAKeys generates two 2048-bit keys once per test binary: the app's
// and one Okta does not know.
func testRSAKeys(t testing.TB) (app, stray *rsa.PrivateKey) {
	t.Helper()
	rsaOnce.Do(func() {
		var err error
		if appKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if strayKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return appKey, strayKey
}

func pkcs1PEM(key *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
}

func pkcs8PEM(t testing.TB, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// keyBody is a run of the key's base64 that must never appear in output.
func keyBody(pemText string) string {
	lines := strings.Split(strings.TrimSpace(pemText), "\n")
	return lines[len(lines)/2]
}

// oauthServer is the fake with the bot's service app registered.
func oauthServer(t *testing.T, scopes ...string) (*oktatest.Server, *rsa.PrivateKey) {
	t.Helper()
	key, _ := testRSAKeys(t)
	srv := oktatest.New(t)
	srv.AddServiceApp(oktatest.ServiceApp{ClientID: appID, PublicKey: &key.PublicKey, KeyID: "kid-1", Scopes: scopes})
	return srv, key
}

func oauthClient(t *testing.T, srv *oktatest.Server, key *rsa.PrivateKey, scopes []string, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{OrgURL: srv.URL, CallTimeout: 10 * time.Second, OAuth: &OAuth{
		ClientID: appID, Scopes: scopes, PrivateKey: actions.NewSecret(pkcs8PEM(t, key)), KeyID: "kid-1",
	}}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func tokenCalls(srv *oktatest.Server) int {
	n := 0
	for _, c := range srv.Calls() {
		if c.Path == "/oauth2/v1/token" {
			n++
		}
	}
	return n
}

func TestOAuthLoginAgainstTheFake(t *testing.T) {
	srv, key := oauthServer(t, "okta.users.read", "okta.users.manage", "okta.groups.read")
	alice := srv.AddUser(oktatest.User{Login: "alice@corp.com", Email: "alice@corp.com", FirstName: "Alice"})
	var logs bytes.Buffer
	c := oauthClient(t, srv, key, []string{"okta.users.read", "okta.users.manage"}, func(cfg *Config) {
		cfg.Logger = zerolog.New(&logs).Level(zerolog.DebugLevel)
	})
	ctx := context.Background()

	who, err := c.Whoami(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := &actions.ServiceApp{ClientID: appID, Scopes: []string{"okta.users.read", "okta.users.manage"},
		OrgNote: "not readable without the okta.orgs.read scope"}
	if diff := cmp.Diff(want, who.App); diff != "" || who.User.ID != "" {
		t.Errorf("Whoami (-want +got):\n%s\nuser %+v", diff, who.User)
	}
	for _, ref := range []string{alice.ID, "alice@corp.com", "alice"} {
		if u, err := c.FindUser(ctx, ref); err != nil || u.ID != alice.ID {
			t.Errorf("FindUser(%q) = %v, %v", ref, u, err)
		}
	}
	if err := c.SuspendUser(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	if u, _ := srv.User(alice.ID); u.Status != "SUSPENDED" {
		t.Errorf("alice is %s", u.Status)
	}

	// One token for everything, and every API call made with it.
	calls := srv.Calls()
	if calls[0].Path != "/oauth2/v1/token" || calls[0].Status != 200 || tokenCalls(srv) != 1 {
		t.Errorf("token requests: first call %s %d, %d in all; want one, first", calls[0].Path, calls[0].Status, tokenCalls(srv))
	}
	for _, call := range calls[1:] {
		if call.Client != appID && call.Operation != "getOrgSettings" {
			t.Errorf("%s %s was not made with the app's token (client %q)", call.Method, call.Path, call.Client)
		}
	}

	// No secret in the log or in an error: not the key, not the client
	// assertion (a JWT: it starts eyJ), not the access token.
	issued := srv.IssuedTokens()
	if len(issued) != 1 {
		t.Fatalf("%d tokens issued", len(issued))
	}
	out := logs.String()
	if !strings.Contains(out, `"path":"/oauth2/v1/token"`) || !strings.Contains(out, "okta access token obtained") {
		t.Errorf("debug log lacks the token call:\n%s", out)
	}
	for _, s := range []string{keyBody(pkcs8PEM(t, key)), "eyJ", "client_assertion", issued[0].Token} {
		if strings.Contains(out, s) {
			t.Errorf("debug log contains %q:\n%s", s, out)
		}
	}
}

func TestOAuthWhoamiNamesTheOrg(t *testing.T) {
	srv, key := oauthServer(t, "okta.users.read", "okta.orgs.read")
	c := oauthClient(t, srv, key, []string{"okta.orgs.read", "okta.users.read"})
	who, err := c.Whoami(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := &actions.ServiceApp{ClientID: appID, Scopes: []string{"okta.orgs.read", "okta.users.read"}, Org: "oktatest"}
	if diff := cmp.Diff(want, who.App); diff != "" {
		t.Errorf("Whoami (-want +got):\n%s", diff)
	}
}

func TestOAuthRefusalsAreExplained(t *testing.T) {
	key, stray := testRSAKeys(t)
	tests := []struct {
		name     string
		granted  []string
		scopes   []string
		key      *rsa.PrivateKey
		clientID string
		run      func(*Client, oktatest.User) error
		code     string
		mentions []string
	}{
		{
			name: "missing scope", granted: []string{"okta.users.read"}, scopes: []string{"okta.users.read"},
			run:  func(c *Client, u oktatest.User) error { return c.SuspendUser(context.Background(), u.ID) },
			code: codeInsufficientScope, mentions: []string{"okta.users.manage", "OKTA_CLIENT_SCOPES", "Okta user"},
		},
		{
			name: "scope not granted", granted: []string{"okta.users.read"}, scopes: []string{"okta.users.read", "okta.roles.manage"},
			run:  func(c *Client, u oktatest.User) error { _, err := c.FindUser(context.Background(), u.ID); return err },
			code: codeInvalidScope, mentions: []string{"okta.roles.manage", "OKTA_CLIENT_SCOPES"},
		},
		{
			name: "someone else's key", granted: []string{"okta.users.read"}, scopes: []string{"okta.users.read"}, key: stray,
			run:  func(c *Client, u oktatest.User) error { _, err := c.Whoami(context.Background()); return err },
			code: codeInvalidClient, mentions: []string{"signature", "OKTA_CLIENT_PRIVATEKEY", "OKTA_CLIENT_CLIENTID"},
		},
		{
			name: "unknown client", granted: []string{"okta.users.read"}, scopes: []string{"okta.users.read"}, clientID: "0oanosuchapp",
			run: func(c *Client, u oktatest.User) error {
				_, err := listAll(context.Background(), c, actions.UserQuery{})
				return err
			},
			code: codeInvalidClient, mentions: []string{"OKTA_CLIENT_CLIENTID"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := oktatest.New(t)
			srv.AddServiceApp(oktatest.ServiceApp{ClientID: appID, PublicKey: &key.PublicKey, Scopes: tt.granted})
			u := srv.AddUser(oktatest.User{Login: "alice@corp.com"})
			k := key
			if tt.key != nil {
				k = tt.key
			}
			c := oauthClient(t, srv, k, tt.scopes, func(cfg *Config) {
				cfg.OAuth.KeyID = ""
				if tt.clientID != "" {
					cfg.OAuth.ClientID = tt.clientID
				}
			})
			err := tt.run(c, u)
			e := wantKind(t, err, actions.KindForbidden, tt.code)
			for _, m := range tt.mentions {
				if !strings.Contains(e.Message, m) {
					t.Errorf("message %q does not mention %q", e.Message, m)
				}
			}
			if e.RequestID == "" {
				t.Errorf("no request id in %+v", e)
			}
			text := fmt.Sprintf("%v %+v %#v", err, err, err)
			for _, s := range []string{keyBody(pkcs8PEM(t, k)), "eyJ"} {
				if strings.Contains(text, s) {
					t.Errorf("error text contains %q: %s", s, text)
				}
			}
			if got, _ := srv.User(u.ID); got.Status != "ACTIVE" {
				t.Errorf("the user was changed to %s", got.Status)
			}
		})
	}
}

func TestOAuthRevokedTokenAndOutage(t *testing.T) {
	srv, key := oauthServer(t, "okta.users.read")
	u := srv.AddUser(oktatest.User{Login: "alice@corp.com"})

	srv.FailNext(1, http.StatusServiceUnavailable) // the token request
	c := oauthClient(t, srv, key, []string{"okta.users.read"})
	_, err := c.FindUser(context.Background(), u.ID)
	if e := wantKind(t, err, actions.KindUnavailable, "E0000009"); !strings.Contains(e.Message, "token endpoint") {
		t.Errorf("message %q", e.Message)
	}
	if _, err := c.FindUser(context.Background(), u.ID); err != nil {
		t.Fatalf("after the outage: %v", err)
	}

	srv.RevokeTokens()
	_, err = c.FindUser(context.Background(), u.ID)
	if e := wantKind(t, err, actions.KindForbidden, codeInvalidAccessTok); !strings.Contains(e.Message, "access token") {
		t.Errorf("message %q", e.Message)
	}
}

// The SDK sends the token request without a context; it gets CallTimeout.
func TestOAuthTokenRequestHasADeadline(t *testing.T) {
	srv, key := oauthServer(t, "okta.users.read")
	u := srv.AddUser(oktatest.User{Login: "alice@corp.com"})
	rec := &deadlineRecorder{next: http.DefaultTransport}
	const timeout = 3 * time.Second
	c := oauthClient(t, srv, key, []string{"okta.users.read"}, func(cfg *Config) {
		cfg.HTTPClient = &http.Client{Transport: rec}
		cfg.CallTimeout = timeout
	})
	start := time.Now()
	if _, err := c.FindUser(context.Background(), u.ID); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.got) != 2 {
		t.Fatalf("%d requests, want the token request and the call", len(rec.got))
	}
	for i, dl := range rec.got {
		if dl.IsZero() || dl.After(time.Now().Add(timeout)) || dl.Before(start) {
			t.Errorf("request %d: deadline %v, want within CallTimeout", i, dl)
		}
	}
}

// Requests that find the SDK's token cache empty at the same time share
// one token request.
func TestTokenRequestsInFlightAreShared(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	sent := 0
	next := rtFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		sent++
		mu.Unlock()
		<-release
		h := http.Header{"Content-Type": {"application/json"}, "X-Okta-Request-Id": {"rid-tok"}}
		return &http.Response{StatusCode: 200, Header: h, Request: r,
			Body: io.NopCloser(strings.NewReader(`{"token_type":"Bearer","expires_in":3600,"access_token":"AT-SECRET","scope":"okta.users.read"}`))}, nil
	})
	tt := &tokenTransport{next: next, timeout: 10 * time.Second}
	const n = 5
	type answer struct {
		status int
		body   string
		err    error
	}
	answers := make(chan answer, n)
	for range n {
		go func() {
			req, _ := http.NewRequest(http.MethodPost, "https://acme.okta.com/oauth2/v1/token?grant_type=client_credentials", nil)
			resp, err := tt.RoundTrip(req)
			if err != nil {
				answers <- answer{err: err}
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answers <- answer{status: resp.StatusCode, body: string(b)}
		}()
	}
	waitFor(t, func() bool {
		tt.mu.Lock()
		defer tt.mu.Unlock()
		return tt.flight != nil && tt.flight.joined == n-1
	})
	close(release)
	for range n {
		a := <-answers
		if a.err != nil || a.status != 200 || !strings.Contains(a.body, "AT-SECRET") {
			t.Errorf("answer %+v", a)
		}
	}
	if sent != 1 {
		t.Errorf("%d token requests sent, want 1", sent)
	}
	if diff := cmp.Diff([]string{"okta.users.read"}, tt.grantedScopes()); diff != "" {
		t.Errorf("granted (-want +got):\n%s", diff)
	}

	// Other requests pass through untouched.
	req, _ := http.NewRequest(http.MethodGet, "https://acme.okta.com/api/v1/users/me", nil)
	if _, err := tt.RoundTrip(req); err != nil || sent != 2 {
		t.Errorf("API request: %v, %d sent", err, sent)
	}
}

func TestTokenEndpointErrorsOnTheWire(t *testing.T) {
	key, _ := testRSAKeys(t)
	for _, tc := range []struct {
		status int
		body   string
		kind   actions.Kind
		code   string
	}{
		{401, `{"error":"invalid_client","error_description":"The client_assertion signature is invalid."}`, actions.KindForbidden, codeInvalidClient},
		{400, `{"error":"invalid_scope","error_description":"nope"}`, actions.KindForbidden, codeInvalidScope},
		{400, `{"error":"unauthorized_client","error_description":"The client is not authorized to use the provided grant type."}`, actions.KindForbidden, "unauthorized_client"},
		{400, `{"error":"invalid_dpop_proof","error_description":"The DPoP proof JWT header is missing."}`, actions.KindForbidden, "invalid_dpop_proof"},
		{401, `<html>proxy says no</html>`, actions.KindForbidden, ""},
		{502, `<html>bad gateway</html>`, actions.KindUnavailable, ""},
	} {
		w := newWire(t, func(rw http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/oauth2/v1/token" {
				rw.Header().Set("X-Okta-Request-Id", "rid-tok")
				rw.WriteHeader(tc.status)
				io.WriteString(rw, tc.body)
				return
			}
			t.Errorf("API call %s despite the failed login", r.URL.Path)
		})
		c, err := New(context.Background(), Config{OrgURL: w.srv.URL, OAuth: &OAuth{
			ClientID: appID, Scopes: []string{"okta.users.read"}, PrivateKey: actions.NewSecret(pkcs1PEM(key)),
		}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.FindUser(context.Background(), "00u1")
		if e := wantKind(t, err, tc.kind, tc.code); e.RequestID != "rid-tok" {
			t.Errorf("%d %s: request id %q", tc.status, tc.body, e.RequestID)
		}
		if strings.Contains(fmt.Sprintf("%v", err), "client_assertion=") {
			t.Errorf("the error names the token URL with its query: %v", err)
		}
	}
}

func TestWithoutQuery(t *testing.T) {
	inner := errors.New("connection refused")
	ue := &url.Error{Op: "Post", URL: "https://acme.okta.com/oauth2/v1/token?client_assertion=eyJhbGciOi.x.y&scope=a", Err: inner}
	for _, err := range []error{ue, fmt.Errorf("wrapped: %w", ue)} {
		got := withoutQuery(err)
		if strings.Contains(got.Error(), "eyJ") || !strings.Contains(got.Error(), "/oauth2/v1/token") || !errors.Is(got, inner) {
			t.Errorf("withoutQuery(%v) = %v", err, got)
		}
	}
	plain := errors.New("x")
	if withoutQuery(plain) != plain {
		t.Error("an error without a URL changed")
	}
}

func TestParsePrivateKey(t *testing.T) {
	key, _ := testRSAKeys(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cert := "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUJ0==\n-----END CERTIFICATE-----\n"
	good := map[string]string{
		"PKCS#1":                   pkcs1PEM(key),
		"PKCS#8":                   pkcs8PEM(t, key),
		"literal \\n":              strings.ReplaceAll(pkcs8PEM(t, key), "\n", `\n`),
		"CRLF":                     strings.ReplaceAll(pkcs1PEM(key), "\n", "\r\n"),
		"a certificate before it":  cert + pkcs8PEM(t, key),
		"surrounded by whitespace": "\n  " + pkcs1PEM(key) + "\n\n",
	}
	for name, in := range good {
		got, err := ParsePrivateKey(in)
		if err != nil || !got.Equal(key) {
			t.Errorf("%s: %v", name, err)
		}
	}
	encrypted := "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"
	bad := []struct{ name, in, want string }{
		{"empty", "", "not a PEM private key"},
		{"a path-like value", "/run/secrets/okta.pem", "not a PEM private key"},
		{"a certificate only", cert, "found CERTIFICATE"},
		{"a public key", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2}})), "found PUBLIC KEY"},
		{"ECDSA", pkcs8PEM(t, ec), "ECDSA key, not RSA"},
		{"1024 bits", pkcs1PEM(small), "1024 bits"},
		{"PKCS#8 labelled PKCS#1", strings.ReplaceAll(pkcs8PEM(t, key), "PRIVATE KEY", "RSA PRIVATE KEY"), "does not parse"},
		{"encrypted PKCS#1", encrypted, "encrypted"},
		{"encrypted PKCS#8", string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}})), "encrypted"},
	}
	for _, tc := range bad {
		_, err := ParsePrivateKey(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to say %q", tc.name, err, tc.want)
			continue
		}
		if body := keyBody(tc.in + "\n"); len(body) > 8 && strings.Contains(err.Error(), body) {
			t.Errorf("%s: the error echoes the key: %v", tc.name, err)
		}
	}
}

func TestNewChecksOAuthConfig(t *testing.T) {
	key, _ := testRSAKeys(t)
	pemKey := pkcs8PEM(t, key)
	ok := func() *OAuth {
		return &OAuth{ClientID: appID, Scopes: []string{"okta.users.read"}, PrivateKey: actions.NewSecret(pemKey)}
	}
	if _, err := New(context.Background(), Config{OrgURL: "https://acme.okta.com", OAuth: ok()}); err != nil {
		t.Fatalf("valid OAuth config: %v", err)
	}
	for name, tc := range map[string]struct {
		cfg  Config
		want string
	}{
		"token and OAuth":  {Config{Token: actions.NewSecret("t"), OAuth: ok()}, "not both"},
		"no client id":     {Config{OAuth: func() *OAuth { o := ok(); o.ClientID = ""; return o }()}, "client id"},
		"no scopes":        {Config{OAuth: func() *OAuth { o := ok(); o.Scopes = nil; return o }()}, "scope"},
		"scope with space": {Config{OAuth: func() *OAuth { o := ok(); o.Scopes = []string{"a b"}; return o }()}, "scope"},
		"no key":           {Config{OAuth: func() *OAuth { o := ok(); o.PrivateKey = actions.Secret{}; return o }()}, "private key"},
		"bad kid":          {Config{OAuth: func() *OAuth { o := ok(); o.KeyID = "k 1"; return o }()}, "key id"},
		"bad key": {Config{OAuth: func() *OAuth {
			o := ok()
			o.PrivateKey = actions.NewSecret(strings.ReplaceAll(pemKey, "PRIVATE KEY", "RSA PRIVATE KEY"))
			return o
		}()}, "private key"},
	} {
		tc.cfg.OrgURL = "https://acme.okta.com"
		_, err := New(context.Background(), tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), keyBody(pemKey)) {
			t.Errorf("%s: the error echoes the key", name)
		}
	}
}

// In PrivateKey mode too, the SDK's OKTA_* variables are ignored.
func TestSDKEnvironmentDoesNotOverrideOAuth(t *testing.T) {
	t.Setenv("OKTA_CLIENT_AUTHORIZATIONMODE", "SSWS")
	t.Setenv("OKTA_CLIENT_TOKEN", "env-token")
	t.Setenv("OKTA_CLIENT_CLIENTID", "0oaevil")
	t.Setenv("OKTA_CLIENT_SCOPES", "okta.apps.manage")
	t.Setenv("OKTA_CLIENT_PRIVATEKEY", "/no/such/key.pem")
	t.Setenv("OKTA_CLIENT_PRIVATEKEYID", "evil-kid")
	srv, key := oauthServer(t, "okta.users.read")
	u := srv.AddUser(oktatest.User{Login: "alice@corp.com"})
	c := oauthClient(t, srv, key, []string{"okta.users.read"})
	if _, err := c.FindUser(context.Background(), u.ID); err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls()
	if got := calls[0].Query.Get("scope"); got != "okta.users.read" {
		t.Errorf("scope asked for = %q", got)
	}
	if calls[len(calls)-1].Client != appID {
		t.Errorf("the call was not made as the configured app: %+v", calls[len(calls)-1])
	}
}

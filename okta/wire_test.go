package okta

// Wire-level tests against small httptest servers, for what the Okta fake
// does not (or should not) do: hostile paging, dropped connections, odd
// statuses, the SDK's environment configuration.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"oktabot/actions"
)

const testToken = "test-token-0123456789"

type wireCall struct {
	Method string
	Path   string // escaped
	Query  url.Values
	Body   string
	Auth   string
}

type wire struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls []wireCall
}

func (w *wire) Calls() []wireCall {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]wireCall(nil), w.calls...)
}

// newWire serves h, recording every request.
func newWire(t *testing.T, h http.HandlerFunc) *wire {
	t.Helper()
	w := &wire{}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		w.calls = append(w.calls, wireCall{r.Method, r.URL.EscapedPath(), r.URL.Query(), string(b), r.Header.Get("Authorization")})
		w.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		h(rw, r)
	}))
	t.Cleanup(w.srv.Close)
	return w
}

func wireClient(t *testing.T, w *wire, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{OrgURL: w.srv.URL, Token: actions.NewSecret(testToken), CallTimeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.Header().Set("X-Okta-Request-Id", "rid-"+strconv.Itoa(status))
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(v)
}

func oktaErr(code, summary string, causes ...string) map[string]any {
	cs := []map[string]string{}
	for _, c := range causes {
		cs = append(cs, map[string]string{"errorSummary": c})
	}
	return map[string]any{"errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": "oae1", "errorCauses": cs}
}

func userJSON(id, login string) map[string]any {
	return map[string]any{"id": id, "status": "ACTIVE", "created": "2024-01-02T03:04:05.000Z",
		"profile": map[string]any{"login": login, "email": login, "firstName": "F", "lastName": "L"}}
}

func TestNewChecksConfig(t *testing.T) {
	for _, u := range []string{"https://acme.okta.com", "https://acme.okta.com/", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:2"} {
		if _, err := New(context.Background(), Config{OrgURL: u, Token: actions.NewSecret("t")}); err != nil {
			t.Errorf("New(%q): %v", u, err)
		}
	}
	for _, u := range []string{"", "acme.okta.com", "http://acme.okta.com", "http://10.0.0.1", "ftp://acme.okta.com",
		"https://acme.okta.com/api", "https://u:p@acme.okta.com", "https://acme.okta.com?x=1", "https://acme-admin.okta.com"} {
		if _, err := New(context.Background(), Config{OrgURL: u, Token: actions.NewSecret("t")}); err == nil {
			t.Errorf("New(%q) accepted it", u)
		}
	}
	_, err := New(context.Background(), Config{OrgURL: "https://acme.okta.com"})
	if err == nil {
		t.Error("New without a token succeeded")
	}
	_, err = New(context.Background(), Config{OrgURL: "http://acme.okta.com", Token: actions.NewSecret("secret-token-x")})
	if err == nil || strings.Contains(err.Error(), "secret-token-x") {
		t.Errorf("err = %v; want a refusal without the token", err)
	}
}

// The SDK reads OKTA_* variables; our explicit options must win, and its
// cache must stay off whatever they say.
func TestSDKEnvironmentDoesNotOverrideConfig(t *testing.T) {
	t.Setenv("OKTA_CLIENT_ORGURL", "https://evil.example.com")
	t.Setenv("OKTA_CLIENT_TOKEN", "env-token")
	t.Setenv("OKTA_CLIENT_AUTHORIZATIONMODE", "Bearer")
	t.Setenv("OKTA_CLIENT_CACHE_ENABLED", "true")
	t.Setenv("OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES", "5")
	t.Setenv("OKTA_CLIENT_REQUEST_TIMEOUT", "1")
	w := newWire(t, func(rw http.ResponseWriter, r *http.Request) { writeJSON(rw, 200, userJSON("00u1", "bob@corp.com")) })
	c := wireClient(t, w, nil)
	for range 2 {
		if _, err := c.FindUser(context.Background(), "00u1"); err != nil {
			t.Fatal(err)
		}
	}
	calls := w.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d calls reached the server, want 2 (cache off)", len(calls))
	}
	if calls[0].Auth != "SSWS "+testToken {
		t.Errorf("Authorization = %q, want the configured SSWS token", calls[0].Auth)
	}
}

func TestPathEscapingOnTheWire(t *testing.T) {
	w := newWire(t, func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			writeJSON(rw, 200, userJSON("00u1", "x"))
			return
		}
		writeJSON(rw, 200, map[string]any{})
	})
	c := wireClient(t, w, nil)
	refs := []string{"a/b", "a#b", "a?b=c", "a b", "50%", "%2F", "ü@corp.com", "a+b;c"}
	for _, ref := range refs {
		if _, err := c.FindUser(context.Background(), ref); err != nil {
			t.Fatalf("FindUser(%q): %v", ref, err)
		}
		if err := c.SuspendUser(context.Background(), ref); err != nil {
			t.Fatalf("SuspendUser(%q): %v", ref, err)
		}
	}
	var got []string
	for _, call := range w.Calls() {
		got = append(got, call.Path)
	}
	var want []string
	for _, ref := range refs {
		e := url.PathEscape(ref)
		want = append(want, "/api/v1/users/"+e, "/api/v1/users/"+e+"/lifecycle/suspend")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", ".", ".."} {
		if _, err := c.FindUser(context.Background(), bad); !actions.IsKind(err, actions.KindInvalid) {
			t.Errorf("FindUser(%q) = %v, want invalid", bad, err)
		}
	}
}

func TestPagingFollowsLinksAndStopsOnRepeat(t *testing.T) {
	for _, tc := range []struct {
		name      string
		links     func(base, after string) []string
		limit     int
		wantCalls int
		wantUsers int
	}{
		{"follows next", func(base, after string) []string {
			n, _ := strconv.Atoi(after)
			return []string{
				fmt.Sprintf(`<%s/api/v1/users?limit=2>; rel="self"`, base),
				fmt.Sprintf(`<%s/api/v1/users?after=%d&limit=2>; rel="next"`, base, n+1),
			}
		}, 5, 3, 5},
		{"repeated cursor", func(base, after string) []string {
			return []string{fmt.Sprintf(`<%s/api/v1/users?after=same&limit=2>; rel="next"`, base)}
		}, 50, 2, 4},
		{"self and next on one line", func(base, after string) []string {
			return []string{fmt.Sprintf(`<%s/api/v1/users?limit=2>; rel="self", <%s/api/v1/users?after=x&limit=2>; rel="next"`, base, base)}
		}, 50, 1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w *wire
			w = newWire(t, func(rw http.ResponseWriter, r *http.Request) {
				for _, l := range tc.links(w.srv.URL, r.URL.Query().Get("after")) {
					rw.Header().Add("Link", l)
				}
				a := r.URL.Query().Get("after")
				writeJSON(rw, 200, []any{userJSON("00u"+a+"a", a+"a@x"), userJSON("00u"+a+"b", a+"b@x")})
			})
			c := wireClient(t, w, nil)
			users, err := listAll(context.Background(), c, actions.UserQuery{Filter: `status eq "ACTIVE"`, Limit: tc.limit})
			if err != nil {
				t.Fatal(err)
			}
			calls := w.Calls()
			if len(calls) != tc.wantCalls || len(users) != tc.wantUsers {
				t.Errorf("%d calls, %d users; want %d, %d", len(calls), len(users), tc.wantCalls, tc.wantUsers)
			}
			for _, call := range calls {
				if call.Query.Get("filter") != `status eq "ACTIVE"` {
					t.Errorf("page query %v lost the filter", call.Query)
				}
			}
		})
	}
}

func TestErrorKinds(t *testing.T) {
	type reply struct {
		status int
		body   any
		ctype  string
	}
	for _, tc := range []struct {
		name      string
		reply     reply
		call      func(*Client) error
		kind      actions.Kind
		code      string
		causes    []string
		msgHas    string
		wantReqID bool
		wantCalls int
	}{
		{"not found", reply{404, oktaErr(codeNotFound, "Not found: Resource not found: bob (User)"), ""},
			func(c *Client) error { return c.SuspendUser(context.Background(), "bob") },
			actions.KindNotFound, codeNotFound, nil, `no Okta user "bob"`, true, 1},
		{"validation", reply{400, oktaErr(codeValidation, "Api validation failed: password", "password: Password requirements were not met."), ""},
			func(c *Client) error {
				return c.SetPassword(context.Background(), "00u1", actions.NewSecret("hunter2"))
			},
			actions.KindInvalid, codeValidation, []string{"password: Password requirements were not met."}, `Okta user "00u1"`, true, 1},
		{"bad search", reply{400, oktaErr(codeBadSearch, "Invalid search criteria."), ""},
			func(c *Client) error {
				_, err := listAll(context.Background(), c, actions.UserQuery{Search: `profile.login ew "x"`})
				return err
			},
			actions.KindInvalid, codeBadSearch, nil, "Invalid search criteria.", true, 1},
		{"search and filter", reply{400, oktaErr(codeSearchAndFilter, "Search and filter are not allowed together."), ""},
			func(c *Client) error {
				_, err := listAll(context.Background(), c, actions.UserQuery{Search: "a", Filter: "b"})
				return err
			},
			actions.KindInvalid, codeSearchAndFilter, nil, "", true, 1},
		{"bad paging", reply{400, oktaErr(codeBadPaging, "Invalid paging request."), ""},
			func(c *Client) error {
				_, err := c.ListIdentityProviders(context.Background(), actions.IdentityProviderQuery{})
				return err
			},
			actions.KindInvalid, codeBadPaging, nil, "identity providers", true, 1},
		{"no permission", reply{403, oktaErr(codeForbidden, "You do not have permission to perform the requested action"), ""},
			func(c *Client) error { _, err := c.AssignRole(context.Background(), "00u1", "SUPER_ADMIN"); return err },
			actions.KindForbidden, codeForbidden, nil, `Okta user "00u1"`, true, 1},
		{"bad token", reply{401, oktaErr(codeInvalidToken, "Invalid token provided"), ""},
			func(c *Client) error { _, err := c.Whoami(context.Background()); return err },
			actions.KindForbidden, codeInvalidToken, nil, "API token", true, 1},
		{"already active", reply{403, oktaErr(codeAlreadyActive, "Activation failed because the user is already active"), ""},
			func(c *Client) error { _, err := c.ActivateUser(context.Background(), "00u1", false); return err },
			actions.KindForbidden, codeAlreadyActive, nil, "already active", true, 1},
		{"deprovisioned", reply{403, oktaErr(codeDeprovisioned, "Cannot update this user because they are still being activated."), ""},
			func(c *Client) error { return c.UnlockUser(context.Background(), "00u1") },
			actions.KindForbidden, codeDeprovisioned, nil, "", true, 1},
		{"not allowed", reply{403, oktaErr(codeBadLifecycle, "You do not have permission to access the feature you are requesting"), ""},
			func(c *Client) error { return c.UnsuspendUser(context.Background(), "00u1") },
			actions.KindForbidden, codeBadLifecycle, nil, "", true, 1},
		{"already assigned", reply{409, oktaErr(codeAlreadyAssigned, "The role specified is already assigned to the user."), ""},
			func(c *Client) error { _, err := c.AssignRole(context.Background(), "00u1", "USER_ADMIN"); return err },
			actions.KindConflict, codeAlreadyAssigned, nil, "already assigned", true, 1},
		{"rate limited in body", reply{400, oktaErr(codeRateLimit, "API call exceeded rate limit due to too many requests."), ""},
			func(c *Client) error { _, err := c.GetGroup(context.Background(), "00g1"); return err },
			actions.KindRateLimited, codeRateLimit, nil, `Okta group "00g1"`, true, 1},
		{"internal", reply{500, oktaErr(codeInternal, "Internal Server Error"), ""},
			func(c *Client) error { return c.DeactivateUser(context.Background(), "00u1", false) },
			actions.KindUnavailable, codeInternal, nil, "HTTP 500", true, 1},
		{"gateway html", reply{502, "<html>bad gateway</html>", "text/html"},
			func(c *Client) error { _, err := c.ListRoles(context.Background(), "00u1"); return err },
			actions.KindUnavailable, "", nil, "HTTP 502", true, 1},
		{"unknown code", reply{400, oktaErr("E0000999", "Something new"), ""},
			func(c *Client) error { _, err := c.SearchGroups(context.Background(), "eng", 5); return err },
			actions.KindInternal, "E0000999", nil, "Something new", true, 1},
		{"success that is not JSON", reply{200, "<html>login</html>", "text/html"},
			func(c *Client) error { _, err := c.GetGroup(context.Background(), "00g1"); return err },
			actions.KindInternal, "", nil, `Okta group "00g1"`, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, func(rw http.ResponseWriter, r *http.Request) {
				if tc.reply.ctype != "" {
					rw.Header().Set("Content-Type", tc.reply.ctype)
					rw.Header().Set("X-Okta-Request-Id", "rid-x")
					rw.WriteHeader(tc.reply.status)
					io.WriteString(rw, tc.reply.body.(string))
					return
				}
				writeJSON(rw, tc.reply.status, tc.reply.body)
			})
			err := tc.call(wireClient(t, w, nil))
			var e *actions.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *actions.Error", err, err)
			}
			if e.Kind != tc.kind || e.Code != tc.code {
				t.Errorf("kind %v code %q, want %v %q (%v)", e.Kind, e.Code, tc.kind, tc.code, err)
			}
			if diff := cmp.Diff(tc.causes, e.Causes); diff != "" {
				t.Errorf("causes (-want +got):\n%s", diff)
			}
			if !strings.Contains(e.Message, tc.msgHas) {
				t.Errorf("message %q does not contain %q", e.Message, tc.msgHas)
			}
			if tc.wantReqID && e.RequestID == "" {
				t.Error("no request id")
			}
			if n := len(w.Calls()); n != tc.wantCalls {
				t.Errorf("%d calls, want %d", n, tc.wantCalls)
			}
		})
	}
}

func TestTransportFailuresAreUnavailable(t *testing.T) {
	t.Run("connection dropped", func(t *testing.T) {
		w := newWire(t, func(rw http.ResponseWriter, r *http.Request) {
			conn, _, err := rw.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		})
		// POST: Go's transport does not retry it, so the SDK's own EOF
		// retry (which ignores its retry limit) would replay it in a loop.
		err := wireClient(t, w, nil).SuspendUser(context.Background(), "00u1")
		if !actions.IsKind(err, actions.KindUnavailable) {
			t.Errorf("err = %v, want unavailable", err)
		}
		if n := len(w.Calls()); n != 1 {
			t.Errorf("%d calls, want 1: a dropped POST must not be replayed", n)
		}
	})
	t.Run("nobody listening", func(t *testing.T) {
		w := newWire(t, func(http.ResponseWriter, *http.Request) {})
		c := wireClient(t, w, nil)
		w.srv.Close()
		if _, err := c.Whoami(context.Background()); !actions.IsKind(err, actions.KindUnavailable) {
			t.Errorf("err = %v, want unavailable", err)
		}
	})
	t.Run("redirect not followed", func(t *testing.T) {
		w := newWire(t, func(rw http.ResponseWriter, r *http.Request) {
			http.Redirect(rw, r, "https://elsewhere.example/api/v1/users/me", http.StatusFound)
		})
		_, err := wireClient(t, w, nil).Whoami(context.Background())
		if !actions.IsKind(err, actions.KindInternal) || len(w.Calls()) != 1 {
			t.Errorf("err = %v after %d calls; want internal after 1", err, len(w.Calls()))
		}
	})
	t.Run("call timeout", func(t *testing.T) {
		w := newWire(t, func(rw http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		c := wireClient(t, w, func(cfg *Config) { cfg.CallTimeout = 50 * time.Millisecond })
		_, err := c.Whoami(context.Background())
		if !actions.IsKind(err, actions.KindUnavailable) {
			t.Errorf("err = %v, want unavailable", err)
		}
	})
}

// deadlineRecorder records whether each request carried a deadline.
type deadlineRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	got  []time.Time // zero: no deadline
}

func (d *deadlineRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	dl, _ := r.Context().Deadline()
	d.mu.Lock()
	d.got = append(d.got, dl)
	d.mu.Unlock()
	return d.next.RoundTrip(r)
}

func TestEveryCallHasADeadline(t *testing.T) {
	w := newWire(t, func(rw http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/users"):
			if r.URL.Query().Get("after") == "" {
				rw.Header().Add("Link", fmt.Sprintf(`<http://%s/api/v1/users?after=p2>; rel="next"`, r.Host))
			}
			writeJSON(rw, 200, []any{userJSON("00u1", "a@x")})
		case r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/users/"):
			writeJSON(rw, 200, userJSON("00u1", "a@x"))
		default:
			writeJSON(rw, 200, map[string]any{})
		}
	})
	rec := &deadlineRecorder{next: http.DefaultTransport}
	const timeout = 3 * time.Second
	c := wireClient(t, w, func(cfg *Config) {
		cfg.HTTPClient = &http.Client{Transport: rec}
		cfg.CallTimeout = timeout
	})
	start := time.Now()
	if _, err := c.Whoami(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := listAll(context.Background(), c, actions.UserQuery{}); err != nil {
		t.Fatal(err)
	}
	if err := c.SuspendUser(context.Background(), "00u1"); err != nil {
		t.Fatal(err)
	}
	sooner, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := c.UnlockUser(sooner, "00u1"); err != nil {
		t.Fatal(err)
	}
	want, _ := sooner.Deadline()

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.got) != 5 {
		t.Fatalf("%d requests, want 5", len(rec.got))
	}
	for i, dl := range rec.got {
		if dl.IsZero() || dl.After(time.Now().Add(timeout)) || dl.Before(start) {
			t.Errorf("request %d: deadline %v, want within CallTimeout", i, dl)
		}
	}
	if !rec.got[4].Equal(want) {
		t.Errorf("deadline %v, want the caller's sooner %v", rec.got[4], want)
	}
}

func TestRateLimitedCallIsRetriedThroughTheSDK(t *testing.T) {
	var mu sync.Mutex
	n := 0
	w := newWire(t, func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		now := time.Now()
		rw.Header().Set("X-Rate-Limit-Limit", "600")
		rw.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(now.Unix(), 10))
		if first {
			rw.Header().Set("X-Rate-Limit-Remaining", "0")
			writeJSON(rw, 429, oktaErr(codeRateLimit, "API call exceeded rate limit due to too many requests."))
			return
		}
		rw.Header().Set("X-Rate-Limit-Remaining", "599")
		writeJSON(rw, 200, userJSON("00u1", "bob@corp.com"))
	})
	u, err := wireClient(t, w, nil).FindUser(context.Background(), "bob@corp.com")
	if err != nil || u.ID != "00u1" {
		t.Fatalf("FindUser = %+v, %v; want the user after a transparent retry", u, err)
	}
	if len(w.Calls()) != 2 {
		t.Errorf("%d calls, want 2", len(w.Calls()))
	}
}

func TestRateLimitBeyondDeadline(t *testing.T) {
	w := newWire(t, func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("X-Rate-Limit-Limit", "600")
		rw.Header().Set("X-Rate-Limit-Remaining", "0")
		rw.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
		writeJSON(rw, 429, oktaErr(codeRateLimit, "API call exceeded rate limit due to too many requests."))
	})
	err := wireClient(t, w, nil).SuspendUser(context.Background(), "bob")
	var e *actions.Error
	if !errors.As(err, &e) || e.Kind != actions.KindRateLimited || e.RequestID != "rid-429" {
		t.Errorf("err = %#v, want rate limited with the 429's request id", err)
	}
}

func TestWireDetails(t *testing.T) {
	w := newWire(t, func(rw http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/users":
			writeJSON(rw, 200, []any{})
		case r.Method == http.MethodGet:
			writeJSON(rw, 404, oktaErr(codeNotFound, "Not found"))
		default:
			writeJSON(rw, 200, map[string]any{})
		}
	})
	c := wireClient(t, w, nil)
	ctx := context.Background()
	_, _ = c.ActivateUser(ctx, "u1", true)
	_, _ = c.ActivateUser(ctx, "u1", false)
	_, _ = c.ReactivateUser(ctx, "u1", false)
	_ = c.DeactivateUser(ctx, "u1", false)
	_ = c.DeactivateUser(ctx, "u1", true)
	_, _ = c.ResetPassword(ctx, "u1", false)
	_, _ = c.ResetPassword(ctx, "u1", true)
	_ = c.SetPassword(ctx, "u1", actions.NewSecret(`pa"ss`))
	_, _ = c.FindUser(ctx, `x" or status eq "ACTIVE`)
	_, _ = c.FindUser(ctx, `a"b@c.com`)
	_, _ = c.SearchUsers(ctx, `o"b`, 5)

	type line struct{ Method, Path, Query, Body string }
	var got []line
	for _, call := range w.Calls() {
		got = append(got, line{call.Method, call.Path, call.Query.Encode(), call.Body})
	}
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	want := []line{
		{"POST", "/api/v1/users/u1/lifecycle/activate", "sendEmail=true", ""},
		{"POST", "/api/v1/users/u1/lifecycle/activate", "sendEmail=false", ""},
		{"POST", "/api/v1/users/u1/lifecycle/reactivate", "sendEmail=false", ""},
		{"POST", "/api/v1/users/u1/lifecycle/deactivate", "sendEmail=false", ""},
		{"POST", "/api/v1/users/u1/lifecycle/deactivate", "sendEmail=true", ""},
		{"POST", "/api/v1/users/u1/lifecycle/reset_password", "sendEmail=false", ""},
		{"POST", "/api/v1/users/u1/lifecycle/reset_password", "sendEmail=true", ""},
		{"POST", "/api/v1/users/u1", "", `{"credentials":{"password":{"value":"pa\"ss"}}}` + "\n"},
		{"GET", "/api/v1/users/x%22%20or%20status%20eq%20%22ACTIVE", "", ""},
		{"GET", "/api/v1/users", q("limit", "6", "search", `profile.login sw "x\" or status eq \"ACTIVE@"`), ""},
		{"GET", "/api/v1/users/a%22b@c.com", "", ""},
		{"GET", "/api/v1/users", q("limit", "6", "search", `profile.email eq "a\"b@c.com"`), ""},
		{"GET", "/api/v1/users", q("limit", "5", "search", `profile.login sw "o\"b" or profile.email sw "o\"b" or profile.firstName sw "o\"b" or profile.lastName sw "o\"b"`), ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestSecretsStayOutOfLogsAndErrors(t *testing.T) {
	const (
		password  = "Correct-Horse-Battery-9"
		resetURL  = "https://acme.okta.com/reset/RESET-SECRET-TOKEN"
		actURL    = "https://acme.okta.com/welcome/ACTIVATION-SECRET"
		actToken  = "ACTIVATION-TOKEN-SECRET"
		apiSecret = "API-TOKEN-SECRET-42"
	)
	w := newWire(t, func(rw http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/reset_password"):
			writeJSON(rw, 200, map[string]any{"resetPasswordUrl": resetURL})
		case strings.HasSuffix(r.URL.Path, "/activate"):
			writeJSON(rw, 200, map[string]any{"activationUrl": actURL, "activationToken": actToken})
		default: // set password: a policy failure
			writeJSON(rw, 400, oktaErr(codeValidation, "Api validation failed: password",
				"password: Password requirements were not met. Password requirements: at least 8 characters."))
		}
	})
	var logs bytes.Buffer
	c := wireClient(t, w, func(cfg *Config) {
		cfg.Token = actions.NewSecret(apiSecret)
		cfg.Logger = zerolog.New(&logs).Level(zerolog.DebugLevel)
	})
	ctx := context.Background()
	reset, err := c.ResetPassword(ctx, "00u1", false)
	if err != nil || reset.Reveal() != resetURL {
		t.Fatalf("ResetPassword = %q, %v", reset.Reveal(), err)
	}
	act, err := c.ActivateUser(ctx, "00u1", false)
	if err != nil || act.URL.Reveal() != actURL || act.Token.Reveal() != actToken {
		t.Fatalf("ActivateUser = %q %q, %v", act.URL.Reveal(), act.Token.Reveal(), err)
	}
	err = c.SetPassword(ctx, "00u1", actions.NewSecret(password))
	if !actions.IsKind(err, actions.KindInvalid) {
		t.Fatalf("SetPassword: %v, want invalid", err)
	}
	errText := fmt.Sprintf("%v %+v %#v", err, err, err)
	for _, s := range []string{password, apiSecret} {
		if strings.Contains(errText, s) {
			t.Errorf("error text contains the secret %q: %s", s, errText)
		}
	}
	out := logs.String()
	if !strings.Contains(out, `"path":"/api/v1/users/{id}/lifecycle/*"`) || !strings.Contains(out, `"request_id":"rid-200"`) {
		t.Errorf("debug log lacks path template or request id:\n%s", out)
	}
	for _, s := range []string{password, resetURL, "RESET-SECRET", actURL, actToken, apiSecret, "00u1"} {
		if strings.Contains(out, s) {
			t.Errorf("debug log contains %q:\n%s", s, out)
		}
	}
}

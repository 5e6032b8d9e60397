package oktatest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"
)

// sdk returns a real SDK client for the fake, as the bot builds it (cache
// off). Retries on 429 are off unless the test asks for them, so no test
// waits on the SDK's backoff.
func sdk(t *testing.T, s *Server, extra ...okta.ConfigSetter) (context.Context, *okta.Client) {
	t.Helper()
	opts := []okta.ConfigSetter{
		okta.WithOrgUrl(s.URL),
		okta.WithToken(s.Token),
		okta.WithTestingDisableHttpsCheck(true),
		okta.WithCache(false),
		okta.WithRateLimitMaxRetries(0),
		okta.WithRequestTimeout(10),
	}
	ctx, c, err := okta.NewClient(context.Background(), append(opts, extra...)...)
	if err != nil {
		t.Fatalf("okta.NewClient: %v", err)
	}
	return ctx, c
}

// violations collects spec violations instead of failing the test, for
// tests that provoke them.
type violations struct {
	mu   sync.Mutex
	list []Violation
}

func (v *violations) add(x Violation) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.list = append(v.list, x)
}

func (v *violations) get() []Violation {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]Violation(nil), v.list...)
}

func newCollecting(t *testing.T, opts ...Option) (*Server, *violations) {
	v := &violations{}
	return New(t, append([]Option{WithViolationHandler(v.add)}, opts...)...), v
}

// wireResponse is a raw answer, for wire-level checks.
type wireResponse struct {
	status int
	header http.Header
	body   []byte
}

func (w wireResponse) errorCode(t *testing.T) string {
	t.Helper()
	var e struct {
		ErrorCode string `json:"errorCode"`
	}
	if err := json.Unmarshal(w.body, &e); err != nil {
		t.Fatalf("error body %q: %v", w.body, err)
	}
	return e.ErrorCode
}

func (w wireResponse) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(w.body, v); err != nil {
		t.Fatalf("body %q: %v", w.body, err)
	}
}

// do sends a raw request with the server's token; path is appended to the
// org URL as is (already escaped).
func do(t *testing.T, s *Server, method, path, body string) wireResponse {
	t.Helper()
	return doToken(t, s, method, path, body, s.Token)
}

func doToken(t *testing.T, s *Server, method, path, body, token string) wireResponse {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "SSWS "+token)
	}
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := s.Client().Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return wireResponse{status: resp.StatusCode, header: resp.Header, body: b}
}

// oktaErr returns the *okta.Error in err, failing the test if there is none.
func oktaErr(t *testing.T, err error) *okta.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want an Okta error")
	}
	e, ok := err.(*okta.Error)
	if !ok {
		t.Fatalf("error %T %v is not an *okta.Error", err, err)
	}
	return e
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if e := oktaErr(t, err); e.ErrorCode != code {
		t.Errorf("errorCode = %q (%s), want %s", e.ErrorCode, e.ErrorSummary, code)
	}
}

package oktatest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Server is a fake Okta org. Create it with New; it is closed when the test
// ends. All methods are safe for concurrent use.
type Server struct {
	// URL is the org URL (the SDK's OrgUrl), without a trailing slash.
	URL string
	// Token is the valid API token (sent as "Authorization: SSWS <token>").
	// Service apps (AddServiceApp) get Bearer access tokens from
	// POST /oauth2/v1/token instead.
	Token string

	t           reporter
	spec        *apiSpec
	clock       func() time.Time
	onViolation func(Violation)
	ts          *httptest.Server
	done        chan struct{} // closed when the server shuts down

	mu sync.Mutex
	// directory state
	seq       int64
	ids       *mrand.Rand
	users     []*user
	userByID  map[string]*user
	groups    []*group
	groupByID map[string]*group
	roles     map[string][]*role // by user id
	idps      []*idp
	factors   map[string][]*factor // by user id
	pushes    []*pushTx
	// autoAnswers are AnswerPushes' standing answers, by user id.
	autoAnswers  map[string]autoAnswer
	pushLifetime time.Duration
	// sessions.go: by user id
	sessions     map[string][]*session
	devices      map[string][]string // remembered devices
	userTokens   map[string][]*userToken
	grants       map[string][]*grant
	oauthClients []*OAuthClient
	// group role assignments, by group id
	groupRoles map[string][]*role
	events     []*logEvent
	meID       string
	orgID      string
	created    time.Time

	// OAuth 2.0 (oauth.go)
	apps     map[string]*ServiceApp // by client id
	tokens   []*accessToken
	usedJTIs map[string]bool

	// consistency (consistency.go)
	searchLag      time.Duration
	searchSnaps    []searchSnap
	transitionTime time.Duration

	// faults
	latency    time.Duration
	failNext   int
	failStatus int
	throttle   int
	rlLimit    int           // 0: Okta's per-bucket defaults
	rlWindow   time.Duration // with rlLimit
	buckets    map[string]*bucket
	// concurrency is the org's concurrent-request limit; lastConcurrent
	// is when a request over it was last written to the System Log.
	concurrency    int
	lastConcurrent time.Time
	// holding: requests wait once received until released (HoldCalls).
	holding bool
	held    []*heldCall

	// recording
	calls       []Call
	changed     chan struct{} // closed and replaced when calls or in-flight counts change
	violations  []Violation
	inFlight    int
	maxInFlight int
}

// Option configures New.
type Option func(*config)

type config struct {
	token       string
	latency     time.Duration
	clock       func() time.Time
	onViolation func(Violation)
	rlLimit     int
	rlWindow    time.Duration
	concurrency int
	seed        uint64
}

// WithToken sets the valid API token (default: a random one).
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithLatency makes every request wait d before it is handled; the wait
// ends early when the request's context is cancelled.
func WithLatency(d time.Duration) Option { return func(c *config) { c.latency = d } }

// WithClock sets the clock used for timestamps, the Date header, Call.At
// and rate-limit windows (default time.Now). It is called from the server's
// goroutines, so it must be safe for concurrent use.
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithViolationHandler replaces the default reaction to a spec violation
// (t.Errorf) — for tests that provoke violations on purpose. Violations are
// recorded either way (see Violations).
func WithViolationHandler(f func(Violation)) Option { return func(c *config) { c.onViolation = f } }

// WithRateLimit is RateLimit as an option.
func WithRateLimit(limit int, window time.Duration) Option {
	return func(c *config) { c.rlLimit, c.rlWindow = limit, window }
}

// WithConcurrencyLimit is SetConcurrencyLimit as an option.
func WithConcurrencyLimit(n int) Option { return func(c *config) { c.concurrency = n } }

// WithSeed seeds the generator of object ids (default a fixed seed, so a
// test creates the same ids on every run; secrets such as activation
// tokens are always random).
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// Violation is a request or response that does not satisfy the spec.
type Violation struct {
	Method    string
	Path      string // escaped path as received
	Operation string // the spec's operationId, empty when no operation matched
	// Response is true when the fake's own response was invalid (a bug in
	// the fake), false when the client's request was.
	Response bool
	Err      string
}

func (v Violation) String() string {
	what := "request violates"
	if v.Response {
		what = "response (a bug in oktatest) violates"
	}
	op := v.Operation
	if op == "" {
		op = "no operation"
	}
	return fmt.Sprintf("oktatest: %s %s (%s): %s the Okta spec: %s", v.Method, v.Path, op, what, v.Err)
}

// Call is one request the fake received.
type Call struct {
	Method string
	// Path is the escaped path exactly as received (e.g. /api/v1/users/a%2Fb).
	Path string
	// Query is the decoded query; the raw filter/search expressions are in
	// Query.Get("filter") / Query.Get("search") (see ParseExpression).
	Query url.Values
	// Body is the request body, with password values and recovery answers
	// replaced by "[REDACTED]".
	Body []byte
	// Operation is the spec's operationId (e.g. "suspendUser"), "token"
	// for POST /oauth2/v1/token (whose recorded client_assertion is
	// redacted), empty if the path matched none.
	Operation string
	// Client is the OAuth client id whose access token authorised the call;
	// empty for the SSWS token, token requests and refused calls.
	Client string
	// Status is the HTTP status answered; 0 when the client went away
	// before the answer (e.g. it cancelled during injected latency).
	Status int
	// ErrorCode is Okta's errorCode when the answer was an error.
	ErrorCode string
	RequestID string
	At        time.Time     // by the server's clock, when the request arrived
	Duration  time.Duration // wall time spent, latency included
}

// New starts a fake Okta org for the test; it is closed by t.Cleanup.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := newServer(t, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	return s
}

func newServer(t reporter, opts []Option) (*Server, error) {
	spec, err := loadSpec()
	if err != nil {
		return nil, err
	}
	cfg := config{clock: time.Now, seed: 0x6f6b7461}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.rlLimit > 0 && cfg.rlWindow <= 0 {
		cfg.rlWindow = time.Minute
	}
	if cfg.token == "" {
		cfg.token = "00" + randomToken(20)
	}
	s := &Server{
		Token:       cfg.token,
		t:           t,
		spec:        spec,
		clock:       cfg.clock,
		onViolation: cfg.onViolation,
		done:        make(chan struct{}),
		ids:         mrand.New(mrand.NewPCG(cfg.seed, cfg.seed^0x9e3779b97f4a7c15)),
		userByID:    map[string]*user{},
		groupByID:   map[string]*group{},
		roles:       map[string][]*role{},
		factors:     map[string][]*factor{},
		autoAnswers: map[string]autoAnswer{},
		sessions:    map[string][]*session{},
		devices:     map[string][]string{},
		userTokens:  map[string][]*userToken{},
		grants:      map[string][]*grant{},
		groupRoles:  map[string][]*role{},
		apps:        map[string]*ServiceApp{},
		usedJTIs:    map[string]bool{},
		latency:     cfg.latency,
		rlLimit:     cfg.rlLimit,
		rlWindow:    cfg.rlWindow,
		buckets:     map[string]*bucket{},
		concurrency: concurrencyLimit(cfg.concurrency),
		changed:     make(chan struct{}),
	}
	s.orgID = s.newID("00o")
	s.created = s.now()
	if s.onViolation == nil {
		s.onViolation = func(v Violation) { t.Errorf("%s", v) }
	}
	s.ts = httptest.NewServer(s)
	s.URL = s.ts.URL
	return s, nil
}

func (s *Server) close() {
	close(s.done)
	s.ts.Close()
}

// ServeHTTP serves the fake API; New wires it to an httptest.Server.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	concurrent := !s.enter()
	if !concurrent {
		defer s.leave()
	}

	body, _ := io.ReadAll(r.Body)
	path := escapedPath(r)
	call := Call{
		Method:    r.Method,
		Path:      path,
		Query:     r.URL.Query(),
		Body:      redactBody(body),
		RequestID: randomToken(26),
		At:        s.now(),
	}
	var m *routeMatch
	var routeErr error
	if path == tokenPath {
		call.Operation = tokenOperation
		call.Query, call.Body = redactTokenRequest(call.Query, call.Body)
	} else if m, routeErr = s.spec.match(r.Method, path); m != nil {
		call.Operation = m.operationID
	}
	// A request over the concurrency limit is refused at once; the
	// others take their time (latency, or a test holding them).
	if !concurrent && !s.wait(r.Context(), &call) {
		call.Duration = time.Since(start)
		s.record(call)
		return
	}
	resp := s.handle(r, path, body, m, routeErr, concurrent, &call)

	h := w.Header()
	for k, vs := range resp.header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)

	call.Status = resp.status
	call.ErrorCode = resp.errorCode
	call.Duration = time.Since(start)
	s.record(call)
}

// handle decides the answer to one request, validating both; it never
// writes to the wire.
func (s *Server) handle(r *http.Request, path string, body []byte, m *routeMatch, routeErr error, concurrent bool, call *Call) *response {
	ctx := r.Context()
	// Validate the request whatever the answer will be, so a violation
	// is reported even when a fault is injected.
	var vin *openapi3filter.RequestValidationInput
	var verr error
	switch {
	case path == tokenPath:
		// Not in the management spec; see oauth.go.
		if r.Method != http.MethodPost {
			verr = errMethodNotAllowed
		}
	case routeErr != nil:
		verr = routeErr
	default:
		vin, verr = validateRequest(ctx, m, r, body)
	}
	if verr != nil {
		s.violate(Violation{Method: r.Method, Path: path, Operation: call.Operation, Err: verr.Error()})
	}

	resp := s.answer(r, path, body, m, routeErr, verr, concurrent, call)

	if vin != nil {
		if err := validateResponse(ctx, vin, resp.status, resp.header, resp.body); err != nil {
			s.violate(Violation{Method: r.Method, Path: path, Operation: call.Operation, Response: true, Err: err.Error()})
		}
	}
	return resp
}

// answer is the stateful part of handling: rate limits, faults and the
// operation itself, under s.mu. It sets call.Client. A request over the
// org's concurrency limit (concurrent) is refused before anything else,
// and counts against no per-minute bucket.
func (s *Server) answer(r *http.Request, path string, body []byte, m *routeMatch, routeErr, verr error, concurrent bool, call *Call) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.settleLocked(now)
	template := ""
	isToken := path == tokenPath
	switch {
	case m != nil:
		template = m.template
	case isToken:
		template = tokenPath
	}
	if concurrent {
		return s.refuseConcurrentLocked(call, now)
	}
	rl := s.consume(r.Method, template, now)

	var who *principal
	var authErr *response
	if !isToken {
		who, authErr = s.authenticate(r, now)
	}
	var op *openapi3.Operation
	if m != nil {
		op = m.route.Operation
	}

	var resp *response
	switch {
	case authErr != nil:
		resp = authErr
	case s.failNext > 0:
		s.failNext--
		if s.failStatus == http.StatusTooManyRequests {
			resp = errResp(errRateLimited())
			rl.remaining, rl.reset = 0, now.Unix()
		} else {
			resp = errResp(&apiError{status: s.failStatus, code: "E0000009", summary: "Internal Server Error"})
		}
	case s.throttle > 0:
		s.throttle--
		resp = errResp(errRateLimited())
		rl.remaining, rl.reset = 0, now.Unix()
	case rl.exceeded:
		resp = errResp(errRateLimited())
	case isToken && verr != nil:
		resp = errResp(&apiError{status: http.StatusMethodNotAllowed, code: "E0000022",
			summary: "The endpoint does not support the provided HTTP method"})
	case isToken:
		resp = s.issueToken(r, body, now)
	case routeErr == errNoRoute:
		resp = errResp(&apiError{status: http.StatusNotFound, code: "E0000007",
			summary: "Not found: Resource not found: " + path + " (Resource)"})
	case routeErr != nil:
		resp = errResp(&apiError{status: http.StatusMethodNotAllowed, code: "E0000022",
			summary: "The endpoint does not support the provided HTTP method"})
	case !who.mayCall(requiredScopes(op)):
		resp = s.errInsufficientScope(requiredScopes(op), path)
	case verr != nil:
		resp = errResp(specViolationError(verr))
	default:
		call.Client = who.clientID
		h := handlers[m.operationID]
		if h == nil {
			resp = errResp(&apiError{status: http.StatusNotImplemented, code: "E0000009",
				summary: "Internal Server Error: oktatest does not implement " + m.operationID})
			break
		}
		c := &reqCtx{r: r, path: path, body: body, params: m.params, query: r.URL.Query(), now: now, client: who.clientID}
		resp = h(s, c)
		if s.searchLag > 0 && r.Method != http.MethodGet {
			s.snapshotLocked(now) // search sees this write lag from now
		}
	}

	h := resp.header
	h.Set("X-Okta-Request-Id", call.RequestID)
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(rl.limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(rl.remaining))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(rl.reset, 10))
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	if resp.errorCode != "" || (len(resp.body) > 0 && h.Get("Content-Type") == "") {
		h.Set("Content-Type", "application/json")
	}
	return resp
}

// violate records a violation and reports it; the handler runs without
// s.mu held, so it may call the Server.
func (s *Server) violate(v Violation) {
	s.mu.Lock()
	s.violations = append(s.violations, v)
	s.mu.Unlock()
	s.onViolation(v)
}

func (s *Server) now() time.Time { return s.clock() }

// sleep waits d, or until ctx is done or the server closes; it reports
// whether the whole wait elapsed.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// enter counts a request in flight, unless as many as the org's
// concurrency limit already are: then it reports false and counts
// nothing (the request is refused at once).
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inFlight >= s.concurrency {
		return false
	}
	s.inFlight++
	if s.inFlight > s.maxInFlight {
		s.maxInFlight = s.inFlight
	}
	s.notifyLocked()
	return true
}

func (s *Server) leave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight--
	s.notifyLocked()
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	s.notifyLocked()
}

// notifyLocked wakes everyone waiting for a change. Call with s.mu held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitUntil waits until cond (called with s.mu held) holds, or timeout; it
// reports whether cond held.
func (s *Server) waitUntil(cond func() bool, timeout time.Duration) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ok := cond()
		changed := s.changed
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return false
		}
	}
}

// escapedPath is the path exactly as the client sent it.
func escapedPath(r *http.Request) string {
	if r.RequestURI != "" && strings.HasPrefix(r.RequestURI, "/") {
		p, _, _ := strings.Cut(r.RequestURI, "?")
		return p
	}
	return r.URL.EscapedPath()
}

func cloneWithBody(ctx context.Context, r *http.Request, body []byte) *http.Request {
	c := r.Clone(ctx)
	c.Body = io.NopCloser(bytes.NewReader(body))
	c.ContentLength = int64(len(body))
	c.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return c
}

// redactBody hides password values and recovery answers in a recorded
// request body, so that nothing a test prints holds a password.
func redactBody(body []byte) []byte {
	if len(body) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return append([]byte(nil), body...)
	}
	changed := false
	if m, ok := v.(map[string]any); ok {
		if cred, ok := m["credentials"].(map[string]any); ok {
			if pw, ok := cred["password"].(map[string]any); ok {
				if _, ok := pw["value"]; ok {
					pw["value"] = "[REDACTED]"
					changed = true
				}
			}
			if rq, ok := cred["recovery_question"].(map[string]any); ok {
				if _, ok := rq["answer"]; ok {
					rq["answer"] = "[REDACTED]"
					changed = true
				}
			}
		}
	}
	if !changed {
		return append([]byte(nil), body...)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return []byte(`"[REDACTED]"`)
	}
	return out
}

// randomToken returns n random URL-safe characters (crypto/rand: these are
// one-time secrets and request ids, not object ids).
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

const idAlphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// newID returns an Okta-looking 20-character id with the given prefix
// (00u users, 00g groups, 0oa IdPs, ra1/irb role assignments). Call with
// s.mu held or before the server is shared.
func (s *Server) newID(prefix string) string {
	for {
		b := []byte(prefix)
		for len(b) < 20 {
			b = append(b, idAlphabet[s.ids.IntN(len(idAlphabet))])
		}
		id := string(b)
		if s.userByID[id] == nil && s.groupByID[id] == nil && !s.idTaken(id) {
			return id
		}
	}
}

func (s *Server) idTaken(id string) bool {
	for _, rs := range s.roles {
		for _, r := range rs {
			if r.id == id {
				return true
			}
		}
	}
	for _, rs := range s.groupRoles {
		for _, r := range rs {
			if r.id == id {
				return true
			}
		}
	}
	for _, p := range s.idps {
		if p.id == id {
			return true
		}
	}
	for _, fs := range s.factors {
		for _, f := range fs {
			if f.ID == id {
				return true
			}
		}
	}
	return false
}

func (s *Server) nextSeq() int64 {
	s.seq++
	return s.seq
}

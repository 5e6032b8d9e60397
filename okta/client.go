// Package okta is the bot's Okta client: it implements actions.Directory
// over okta-sdk-golang/v2 and is the only package that imports the SDK.
//
// What it adds to the SDK:
//   - the SDK's cache is off (it serves stale reads after writes);
//   - ids and logins are path-escaped (the SDK formats them into paths raw);
//   - every call has a deadline (Config.CallTimeout unless ctx's is sooner);
//   - Okta's error codes become actions.Error kinds, in one function;
//   - rate limits are handled by our own RoundTripper (the SDK's 429
//     retries are off: when they run out it returns an error without the
//     response);
//   - list calls follow Link paging and stop if a cursor repeats;
//   - values put into Okta expressions are JSON string literals;
//   - secrets (token, private key, client assertion, access token,
//     passwords, reset and activation links) never reach a log line or an
//     error.
//
// It logs in with an SSWS API token (Config.Token) or as an OAuth 2.0
// service app with a private key JWT (Config.OAuth; see OAuth and
// tokenTransport).
//
// SDK configuration: okta.NewClient always reads ~/.okta/okta.yaml, an
// .okta.yaml next to the SDK's own source, and OKTA_* environment
// variables (OKTA_CLIENT_ORGURL, OKTA_CLIENT_TOKEN, OKTA_CLIENT_CACHE_*,
// OKTA_CLIENT_RATE_LIMIT_*, OKTA_CLIENT_REQUEST_TIMEOUT,
// OKTA_CLIENT_AUTHORIZATIONMODE, OKTA_TESTING_DISABLE_HTTPS_CHECK, ...)
// before applying options; that cannot be switched off. Options win over
// both, so New sets every setting the SDK consults in SSWS mode
// explicitly, in PrivateKey mode too (client id, scopes and a signer
// built here: the SDK never parses OKTA_CLIENT_PRIVATEKEY, which it would
// otherwise also try as a file path); what the files or environment hold
// is then ignored (proxy settings there are never used by the SDK; the
// HTTP client is ours). One side effect remains: a malformed OKTA_*
// variable makes the SDK print "error parsing" to stdout, so cmd/bot
// refuses to start with one.
package okta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	sdk "github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/rs/zerolog"

	"oktabot/actions"
	"oktabot/metrics"
)

// DefaultCallTimeout bounds one Okta call when the caller's context has no
// sooner deadline.
const DefaultCallTimeout = 10 * time.Second

// Config configures a Client.
type Config struct {
	// OrgURL is the org's base URL, e.g. https://acme.okta.com. http:// is
	// accepted only for loopback hosts (tests, local fakes).
	OrgURL string
	// Token is the SSWS API token. Exactly one of Token and OAuth is set.
	Token actions.Secret
	// OAuth, when set, logs in as an OAuth 2.0 service app instead.
	OAuth *OAuth
	// HTTPClient is used for all calls; nil gives a default with dial,
	// TLS and header timeouts. Its Transport is wrapped, not modified.
	HTTPClient *http.Client
	// CallTimeout bounds each Okta call (each page of a listing) unless the
	// context's deadline is sooner; 0 means DefaultCallTimeout.
	CallTimeout time.Duration
	// MaxInFlight caps concurrent requests to Okta (OKTA_CONCURRENCY); 0
	// means DefaultMaxInFlight. Calls beyond it wait their turn, fairly
	// between the people they are made for (actions.OnBehalfOf).
	MaxInFlight int
	// Logger gets one debug line per HTTP attempt (method, path template,
	// status, duration, Okta request id), rate-limit waits and, in OAuth
	// mode, the scopes of each access token obtained.
	Logger zerolog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Metrics counts every HTTP attempt (by method and path template, never
	// an id, login or query) and keeps the rate-limit headers; nil counts
	// nothing.
	Metrics *metrics.Metrics
}

// Client implements actions.Directory over the Okta SDK. It is safe for
// concurrent use.
type Client struct {
	sdk     *sdk.Client
	timeout time.Duration
	lim     *limiter
	oauth   *oauthLogin // nil with an API token
}

// oauthLogin is what Whoami tells of an OAuth login.
type oauthLogin struct {
	clientID string
	scopes   []string // asked for
	tokens   *tokenTransport
}

var _ actions.Directory = (*Client)(nil)

// New checks cfg and returns a Client. It makes no network call.
func New(ctx context.Context, cfg Config) (*Client, error) {
	orgURL, loopbackHTTP, err := checkOrgURL(cfg.OrgURL)
	if err != nil {
		return nil, err
	}
	var auth []sdk.ConfigSetter
	switch {
	case cfg.OAuth != nil && !cfg.Token.IsZero():
		return nil, errors.New("okta: give an API token or OAuth settings, not both")
	case cfg.OAuth != nil:
		key, err := cfg.OAuth.check()
		if err != nil {
			return nil, err
		}
		signer, err := newSigner(key, cfg.OAuth.KeyID)
		if err != nil {
			return nil, fmt.Errorf("okta: the OAuth private key: %w", err)
		}
		auth = []sdk.ConfigSetter{
			sdk.WithAuthorizationMode("PrivateKey"),
			sdk.WithClientId(cfg.OAuth.ClientID),
			sdk.WithScopes(slices.Clone(cfg.OAuth.Scopes)),
			sdk.WithPrivateKeySigner(signer),
			sdk.WithPrivateKeyId(cfg.OAuth.KeyID),
			sdk.WithToken(""),
		}
	case cfg.Token.IsZero():
		return nil, errors.New("okta: an API token or OAuth settings are required")
	case strings.ContainsAny(cfg.Token.Reveal(), "\r\n"):
		return nil, errors.New("okta: the API token contains a line break")
	default:
		auth = []sdk.ConfigSetter{
			sdk.WithToken(cfg.Token.Reveal()),
			sdk.WithAuthorizationMode("SSWS"),
		}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	timeout := cfg.CallTimeout
	if timeout <= 0 {
		timeout = DefaultCallTimeout
	}

	maxInFlight := cfg.MaxInFlight
	if maxInFlight <= 0 {
		maxInFlight = DefaultMaxInFlight
	}
	base := cfg.HTTPClient
	if base == nil {
		base = defaultHTTPClient(timeout, maxInFlight)
	}
	lim := newLimiter(base.Transport, now, maxInFlight, cfg.Logger)
	lim.metrics = cfg.Metrics
	cfg.Metrics.OktaLoad(lim.gate.load)
	tokens := &tokenTransport{next: lim, timeout: timeout, log: cfg.Logger}
	hc := &http.Client{
		Transport:     tokens,
		Jar:           base.Jar,
		Timeout:       base.Timeout,
		CheckRedirect: base.CheckRedirect,
	}

	_, c, err := sdk.NewClient(ctx, append([]sdk.ConfigSetter{
		sdk.WithOrgUrl(orgURL),
		sdk.WithCache(false),
		sdk.WithHttpClientPtr(hc),
		sdk.WithTestingDisableHttpsCheck(loopbackHTTP),
		sdk.WithRequestTimeout(0),      // our contexts carry the deadlines
		sdk.WithRateLimitMaxRetries(0), // our limiter retries 429s
		sdk.WithRateLimitMaxBackOff(0),
		sdk.WithUserAgentExtra("oktabot"),
	}, auth...)...)
	if err != nil {
		// The SDK's validation messages name the URL, never the token.
		return nil, fmt.Errorf("okta: %w", err)
	}
	client := &Client{sdk: c, timeout: timeout, lim: lim}
	if cfg.OAuth != nil {
		client.oauth = &oauthLogin{clientID: cfg.OAuth.ClientID, scopes: slices.Clone(cfg.OAuth.Scopes), tokens: tokens}
	}
	return client, nil
}

// Concurrency is how many calls the client has at Okta at once
// (Config.MaxInFlight): a request works on as many of its targets at once
// (actions.Concurrent).
func (c *Client) Concurrency() int { return c.lim.gate.max }

var _ actions.Concurrent = (*Client)(nil)

// checkOrgURL accepts https://host[:port] and http:// on a loopback host,
// with no path, query, fragment or credentials; it returns the URL without
// a trailing slash.
func checkOrgURL(raw string) (string, bool, error) {
	u, err := url.Parse(strings.TrimSuffix(raw, "/"))
	if err != nil || raw == "" {
		return "", false, fmt.Errorf("okta: org URL %q is not a URL", raw)
	}
	if u.Host == "" || u.Opaque != "" || u.User != nil || (u.Path != "" && u.Path != "/") ||
		u.RawQuery != "" || u.Fragment != "" {
		return "", false, fmt.Errorf("okta: org URL %q must be just scheme and host, like https://acme.okta.com", raw)
	}
	switch u.Scheme {
	case "https":
		return u.Scheme + "://" + u.Host, false, nil
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", false, fmt.Errorf("okta: org URL %q: http:// is allowed only for loopback hosts", raw)
		}
		return u.Scheme + "://" + u.Host, true, nil
	}
	return "", false, fmt.Errorf("okta: org URL %q must use https", raw)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func defaultHTTPClient(callTimeout time.Duration, maxInFlight int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			// As many connections kept open as calls may be in flight:
			// each new one is a TLS handshake.
			MaxIdleConns:          max(100, maxInFlight),
			MaxIdleConnsPerHost:   maxInFlight,
			ExpectContinueTimeout: time.Second,
		},
		// A backstop only: every request's context has a deadline, and
		// rate-limit waits happen inside the transport.
		Timeout: callTimeout + time.Minute,
	}
}

// call gives one Okta call its deadline.
func (c *Client) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}

// esc escapes a reference for a path segment. The SDK formats ids into
// paths with %v; url.PathEscape makes /, #, ?, space and % arrive as one
// segment. Go's URL parser keeps the escaped form (RawPath), so nothing is
// escaped twice.
func esc(ref string) string { return url.PathEscape(ref) }

// checkRef refuses references that would change the path's meaning even
// escaped: "" (GET /users/ lists users), "." and "..", and, for a user,
// "me" (Okta's alias for the user the API token belongs to: the bot's own
// admin account).
func checkRef(ref string, w what) error {
	switch {
	case ref == "":
		return actions.Errorf(actions.KindInvalid, "an empty Okta %s reference", w.noun)
	case ref == "." || ref == "..":
		return actions.Errorf(actions.KindInvalid, "%q is not a valid Okta %s reference", ref, w.noun)
	case w.noun == "user" && strings.EqualFold(ref, "me"):
		return actions.Errorf(actions.KindInvalid, "%q is not accepted as an Okta user reference: Okta reads it as the bot's own account", ref)
	}
	return nil
}

// literal quotes s as a JSON string literal for an Okta filter or search
// expression, so `x" or status eq "ACTIVE` stays one value.
func literal(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // cannot fail for a string
	return strings.TrimSuffix(b.String(), "\n")
}

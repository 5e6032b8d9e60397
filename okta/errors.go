package okta

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	sdk "github.com/okta/okta-sdk-golang/v2/okta"

	"oktabot/actions"
)

// Okta error codes the bot branches on (Okta's errorCode; only the code is
// meant for flow control, never the summary text).
const (
	codeValidation      = "E0000001" // Api validation failed
	codeBadRequest      = "E0000003" // the request body was not well-formed
	codeForbidden       = "E0000006" // you do not have permission
	codeNotFound        = "E0000007" // resource not found
	codeInternal        = "E0000009" // internal server error
	codeInvalidToken    = "E0000011" // invalid token provided
	codeBadLifecycle    = "E0000015" // feature not enabled / not allowed
	codeAlreadyActive   = "E0000016" // activation failed: user is already active
	codeBadPaging       = "E0000029" // invalid paging request
	codeBadSearch       = "E0000031" // invalid search criteria
	codeUnlockRefused   = "E0000032" // unlock is not allowed for this user
	codeSearchAndFilter = "E0000033" // search and filter together
	codeDeprovisioned   = "E0000038" // operation not allowed in the user's status
	codeRateLimit       = "E0000047" // API call exceeded rate limit
	codeAlreadyAssigned = "E0000090" // duplicate role assignment

	// OAuth errors (RFC 6749 and 6750), from the token endpoint or from a
	// Bearer challenge in WWW-Authenticate.
	codeInvalidClient     = "invalid_client"     // the service app or its key was refused
	codeInvalidScope      = "invalid_scope"      // a scope asked for is not granted to the app
	codeInsufficientScope = "insufficient_scope" // the access token lacks the operation's scope
	codeInvalidAccessTok  = "invalid_token"      // the access token expired or was revoked
)

// errConnClosed replaces io.EOF from the transport. The SDK retries any
// error that is io.EOF without counting the attempt, so with its retries
// set to zero an EOF would be retried in a tight loop until the deadline
// (and a POST could be replayed); this error stops that.
var errConnClosed = errors.New("Okta closed the connection before answering")

// errEmptyBody is a success without the object it should carry.
var errEmptyBody = errors.New("Okta answered without a body")

// rateLimitError is what the transport returns when Okta kept answering 429
// (or a bucket stayed exhausted) and waiting longer would pass the call's
// deadline.
type rateLimitError struct {
	RequestID string
	Reset     time.Time // when Okta said the bucket refills; zero if unknown
	Err       error     // the context error when waiting was cut short
}

func (e *rateLimitError) Error() string {
	s := "Okta rate limit exceeded"
	if !e.Reset.IsZero() {
		s += "; resets at " + e.Reset.UTC().Format(time.RFC3339)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *rateLimitError) Unwrap() error { return e.Err }

// statusError is a response the bot does not expect from Okta's API at all
// (1xx, 3xx); the transport turns it into an error so the SDK cannot take it
// for success.
type statusError struct {
	Status    int
	RequestID string
}

func (e *statusError) Error() string {
	return "unexpected HTTP status " + strconv.Itoa(e.Status) + " from Okta"
}

// what names the object an Okta call is about, for user-facing messages:
// `Okta user "bob"`, `Okta group "00g1"`, `Okta users`.
type what struct {
	noun string // "user", "group", "role assignment", "identity providers", ...
	ref  string // the reference as the caller typed it; empty for listings
	of   *what  // the owner: the user of a role assignment
}

func (w what) String() string {
	s := "Okta " + w.noun
	if w.ref != "" {
		s = fmt.Sprintf("%s %q", s, w.ref)
	}
	if w.of != nil {
		s += fmt.Sprintf(" of %s %q", w.of.noun, w.of.ref)
	}
	return s
}

func user(ref string) what  { return what{noun: "user", ref: ref} }
func group(ref string) what { return what{noun: "group", ref: ref} }

// mapError turns anything an SDK call returned into an *actions.Error. It
// is the one place that knows Okta's error codes. resp may be nil. The
// message never includes request bodies; Okta's errorSummary is included
// because Okta does not echo secrets in it (a password-policy failure says
// "Api validation failed: password" and lists the policy's rules).
func mapError(err error, resp *sdk.Response, w what) error {
	if err == nil {
		return nil
	}
	var ae *actions.Error
	if errors.As(err, &ae) {
		return err
	}
	var left *actions.LeftError
	if errors.As(err, &left) {
		// An optional call left unmade: no request id to give.
		return &actions.Error{Kind: actions.KindUnavailable, Err: left,
			Message: fmt.Sprintf("%s was left unread: %s", w, left.Why)}
	}
	e := &actions.Error{Kind: actions.KindInternal, Err: withoutQuery(err)}
	var hresp *http.Response
	if resp != nil {
		hresp = resp.Response
	}
	if hresp != nil {
		e.RequestID = hresp.Header.Get("X-Okta-Request-Id")
	}

	var rl *rateLimitError
	var se *statusError
	var te *tokenError
	var oe *sdk.Error
	switch {
	case errors.As(err, &te):
		return mapTokenError(e, te, w)
	case errors.As(err, &rl):
		e.Kind = actions.KindRateLimited
		e.Code = codeRateLimit
		if e.RequestID == "" {
			e.RequestID = rl.RequestID
		}
		e.Message = fmt.Sprintf("Okta's rate limit was reached while working on %s and did not reset in time; try again in a minute", w)
		return e
	case errors.As(err, &se):
		e.RequestID = se.RequestID
		e.Message = fmt.Sprintf("Okta answered %s with unexpected HTTP status %d; check OKTA_CLIENT_ORGURL", w, se.Status)
		return e
	case errors.As(err, &oe):
		return mapOktaError(e, oe, hresp, w)
	case errors.Is(err, context.DeadlineExceeded):
		e.Kind = actions.KindUnavailable
		e.Message = fmt.Sprintf("Okta did not answer in time for %s; try again shortly", w)
		return e
	case errors.Is(err, context.Canceled):
		e.Kind = actions.KindUnavailable
		e.Message = fmt.Sprintf("the request for %s was cancelled", w)
		return e
	case errors.Is(err, errConnClosed):
		e.Kind = actions.KindUnavailable
		e.Message = fmt.Sprintf("Okta closed the connection while working on %s", w)
		return e
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) {
		e.Kind = actions.KindUnavailable
		e.Message = fmt.Sprintf("could not reach Okta for %s", w)
		return e
	}
	e.Message = fmt.Sprintf("unexpected error from Okta for %s", w)
	return e
}

// mapTokenError explains why the bot could not log in as its OAuth
// service app.
func mapTokenError(e *actions.Error, te *tokenError, w what) error {
	e.RequestID, e.Code = te.RequestID, te.Code
	why := te.Code
	if te.Description != "" {
		why += ": " + te.Description
	}
	why = strings.TrimPrefix(why, ": ")
	if why == "" {
		why = fmt.Sprintf("HTTP %d", te.Status)
	}
	switch {
	case te.Status == http.StatusTooManyRequests:
		e.Kind = actions.KindRateLimited
		e.Message = fmt.Sprintf("Okta's rate limit for access tokens was reached while working on %s; try again in a minute", w)
	case te.Status >= 500:
		e.Kind = actions.KindUnavailable
		e.Message = fmt.Sprintf("Okta is unavailable (HTTP %d at its token endpoint): the bot could not log in for %s", te.Status, w)
	case te.Code == codeInvalidScope:
		e.Kind = actions.KindForbidden
		e.Message = fmt.Sprintf("Okta refused the OAuth scopes the bot asks for (%s); grant them to the bot's service app in Okta (Okta API Scopes) or remove them from OKTA_CLIENT_SCOPES", why)
	case te.Code == "invalid_dpop_proof" || te.Code == "use_dpop_nonce":
		e.Kind = actions.KindForbidden
		e.Message = fmt.Sprintf("Okta wants DPoP proofs from the bot's OAuth service app (%s), which the bot cannot send; turn off \"Require Demonstrating Proof of Possession\" for the app in Okta", why)
	case te.Code == codeInvalidClient || te.Status == http.StatusUnauthorized:
		e.Kind = actions.KindForbidden
		e.Message = fmt.Sprintf("Okta refused the bot's OAuth service app login (%s); check OKTA_CLIENT_CLIENTID, that the app is active and that its public key matches OKTA_CLIENT_PRIVATEKEY (and OKTA_CLIENT_PRIVATEKEYID)", why)
	default:
		e.Kind = actions.KindForbidden
		e.Message = fmt.Sprintf("Okta refused the bot's OAuth service app login (HTTP %d, %s)", te.Status, why)
	}
	return e
}

// withoutQuery drops the query string from the URL that a transport
// error (*url.Error) names, for the error kept for logs: the token
// request carries the client assertion, a credential, in its query.
func withoutQuery(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u := ue.URL
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if u == ue.URL {
		return err
	}
	// Anything that wrapped the *url.Error is dropped with it; the cause
	// stays.
	return &url.Error{Op: ue.Op, URL: u, Err: ue.Err}
}

func mapOktaError(e *actions.Error, oe *sdk.Error, hresp *http.Response, w what) error {
	status := 0
	if hresp != nil {
		status = hresp.StatusCode
		// A Bearer challenge: the SDK read its error_description and
		// dropped the body.
		switch ch := bearerChallenge(hresp.Header); ch["error"] {
		case codeInsufficientScope:
			e.Kind, e.Code = actions.KindForbidden, codeInsufficientScope
			if sc := ch["scope"]; sc != "" {
				e.Message = fmt.Sprintf("the bot's Okta service app lacks the OAuth scope %s needed for %s; grant it to the app in Okta (Okta API Scopes) and add it to OKTA_CLIENT_SCOPES", sc, w)
			} else {
				e.Message = fmt.Sprintf("the bot's Okta service app lacks an OAuth scope needed for %s", w)
			}
			return e
		case codeInvalidAccessTok:
			e.Kind, e.Code = actions.KindForbidden, codeInvalidAccessTok
			e.Message = "Okta rejected the bot's OAuth access token"
			if d := ch["error_description"]; d != "" {
				e.Message += " (" + d + ")"
			}
			e.Message += "; the bot gets a new one when it expires (within the hour) or when it restarts"
			return e
		}
	}
	e.Code = oe.ErrorCode
	summary := strings.TrimSpace(oe.ErrorSummary)
	if oe.ErrorCode == "" && oe.ErrorDescription != "" {
		summary = oe.ErrorDescription // OAuth-style errors
	}
	for _, c := range oe.ErrorCauses {
		if s, ok := c["errorSummary"].(string); ok && s != "" {
			e.Causes = append(e.Causes, s)
		}
	}
	// The SDK appends ", x-okta-request-id=…" to 500 summaries; the id is
	// kept in RequestID instead.
	if i := strings.Index(summary, ", x-okta-request-id="); i >= 0 {
		summary = summary[:i]
	}
	withSummary := func(s string) string {
		if summary == "" {
			return s
		}
		return s + ": " + summary
	}

	switch oe.ErrorCode {
	case codeNotFound:
		e.Kind = actions.KindNotFound
	case codeValidation, codeBadSearch, codeSearchAndFilter, codeBadPaging, codeBadRequest:
		e.Kind = actions.KindInvalid
	case codeInvalidToken:
		e.Kind = actions.KindForbidden
		e.Message = "Okta rejected the bot's API token (invalid, expired or revoked); an Okta admin must issue a new one"
		return e
	case codeForbidden, codeAlreadyActive, codeDeprovisioned, codeBadLifecycle, codeUnlockRefused:
		e.Kind = actions.KindForbidden
	case codeAlreadyAssigned:
		e.Kind = actions.KindConflict
	case codeRateLimit:
		e.Kind = actions.KindRateLimited
	case codeInternal:
		e.Kind = actions.KindUnavailable
	case "":
		// No code (a proxy's HTML page, an empty body): go by status.
		switch {
		case status == http.StatusNotFound:
			e.Kind = actions.KindNotFound
		case status == http.StatusBadRequest:
			e.Kind = actions.KindInvalid
		case status == http.StatusUnauthorized:
			e.Kind = actions.KindForbidden
			e.Message = "Okta rejected the bot's credentials (HTTP 401)"
			return e
		case status == http.StatusForbidden:
			e.Kind = actions.KindForbidden
		case status == http.StatusConflict:
			e.Kind = actions.KindConflict
		case status == http.StatusTooManyRequests:
			e.Kind = actions.KindRateLimited
		case status >= 500:
			e.Kind = actions.KindUnavailable
		}
	default:
		if status >= 500 {
			e.Kind = actions.KindUnavailable
		}
	}

	switch e.Kind {
	case actions.KindNotFound:
		e.Message = "no " + w.String()
	case actions.KindInvalid:
		e.Message = withSummary(fmt.Sprintf("Okta rejected the request for %s", w))
	case actions.KindForbidden:
		e.Message = withSummary(fmt.Sprintf("Okta refused the request for %s", w))
	case actions.KindConflict:
		e.Message = withSummary(fmt.Sprintf("Okta reports a conflict for %s", w))
	case actions.KindRateLimited:
		e.Message = fmt.Sprintf("Okta's rate limit was reached while working on %s; try again in a minute", w)
	case actions.KindUnavailable:
		if status != 0 {
			e.Message = fmt.Sprintf("Okta is unavailable (HTTP %d) for %s", status, w)
		} else {
			e.Message = fmt.Sprintf("Okta is unavailable for %s", w)
		}
	default:
		e.Message = withSummary(fmt.Sprintf("unexpected error from Okta for %s", w))
	}
	return e
}

package oktatest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// reqCtx is one request as a handler sees it. Handlers run with s.mu held.
type reqCtx struct {
	r      *http.Request
	path   string // escaped, as received
	body   []byte
	params map[string]string // unescaped path parameters
	query  url.Values
	now    time.Time
	client string // the OAuth service app calling; empty for the SSWS token
}

// handler answers one operation of the spec.
type handler func(s *Server, c *reqCtx) *response

// response is an answer before it is validated and written.
type response struct {
	status    int
	header    http.Header
	body      []byte
	errorCode string
}

func jsonResp(status int, v any) *response {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the fake's own values are marshalled; this is a bug.
		panic(fmt.Sprintf("oktatest: marshalling a response: %v", err))
	}
	r := &response{status: status, header: http.Header{}, body: b}
	r.header.Set("Content-Type", "application/json")
	return r
}

// emptyResp is a bodiless answer (Okta's lifecycle operations answer 200
// with no body; deletions 204).
func emptyResp(status int) *response {
	return &response{status: status, header: http.Header{}}
}

// apiError is an Okta error answer.
type apiError struct {
	status  int
	code    string
	summary string
	causes  []string
}

// okta's error body.
type errorBody struct {
	ErrorCode    string       `json:"errorCode"`
	ErrorSummary string       `json:"errorSummary"`
	ErrorLink    string       `json:"errorLink"`
	ErrorID      string       `json:"errorId"`
	ErrorCauses  []errorCause `json:"errorCauses"`
}

type errorCause struct {
	ErrorSummary string `json:"errorSummary"`
}

func errResp(e *apiError) *response {
	causes := []errorCause{}
	for _, c := range e.causes {
		causes = append(causes, errorCause{ErrorSummary: c})
	}
	r := jsonResp(e.status, errorBody{
		ErrorCode:    e.code,
		ErrorSummary: e.summary,
		ErrorLink:    e.code,
		ErrorID:      "oae" + randomToken(22),
		ErrorCauses:  causes,
	})
	r.errorCode = e.code
	return r
}

// errNotFound is Okta's 404 E0000007, e.g. "Not found: Resource not found:
// bob (User)".
func errNotFound(ref, kind string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "E0000007",
		summary: fmt.Sprintf("Not found: Resource not found: %s (%s)", ref, kind)}
}

// errValidation is Okta's 400 E0000001 "Api validation failed: <field>".
func errValidation(field string, causes ...string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "E0000001",
		summary: "Api validation failed: " + field, causes: causes}
}

func errRateLimited() *apiError {
	return &apiError{status: http.StatusTooManyRequests, code: "E0000047",
		summary: "API call exceeded rate limit due to too many requests."}
}

func errInvalidSearch(detail string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "E0000031",
		summary: "Invalid search criteria.", causes: []string{detail}}
}

func errBadPaging() *apiError {
	return &apiError{status: http.StatusBadRequest, code: "E0000029", summary: "Invalid paging request."}
}

// errStatus is Okta's 403 E0000038 for an operation the user's status
// does not allow (e.g. updating a DEPROVISIONED user).
func errStatus() *apiError {
	return &apiError{status: http.StatusForbidden, code: "E0000038",
		summary: "This operation is not allowed in the user's current status."}
}

// specViolationError turns a kin-openapi request error into Okta's
// 400 E0000001, naming the offending parameter or body field.
func specViolationError(err error) *apiError {
	field := "request"
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		switch {
		case re.Parameter != nil:
			field = re.Parameter.Name
		default:
			var se *openapi3.SchemaError
			switch {
			case errors.As(re.Err, &se) && len(se.JSONPointer()) > 0:
				field = strings.Join(se.JSONPointer(), ".")
			case se != nil && se.Schema != nil && se.Schema.Discriminator != nil:
				field = se.Schema.Discriminator.PropertyName
			case re.RequestBody != nil:
				field = "body"
			}
		}
	}
	return errValidation(field, field+": "+err.Error())
}

// oktaTime is Okta's timestamp format.
func oktaTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// nullTime is a timestamp or JSON null for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return oktaTime(t)
}

func href(u string) map[string]any { return map[string]any{"href": u} }

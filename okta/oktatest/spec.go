package oktatest

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// specYAML is Okta's management API subset this project uses, a copy of
// ../shared/okta/management-api-subset.yaml kept in the repository so that
// a clean clone can validate against it.
//
//go:embed spec/management-api-subset.yaml
var specYAML []byte

// apiSpec is the loaded specification and a path-only router over it.
type apiSpec struct {
	doc    *openapi3.T
	routes []*specRoute
}

// specRoute is one path template of the spec, split into segments.
type specRoute struct {
	template string
	segments []string // "{name}" for parameters
	literals int      // number of literal segments, for precedence
	item     *openapi3.PathItem
}

// routeMatch is a request resolved to an operation of the spec.
type routeMatch struct {
	route       *routers.Route
	template    string
	operationID string
	params      map[string]string // path parameters, unescaped
}

var (
	specOnce   sync.Once
	specLoaded *apiSpec
	specErr    error
)

// loadSpec loads the embedded spec once per process. doc.Validate is
// skipped on purpose: Okta's spec does not pass it, and kin-openapi
// validates requests and responses without it.
func loadSpec() (*apiSpec, error) {
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(specYAML)
		if err != nil {
			specErr = fmt.Errorf("oktatest: loading the Okta spec: %w", err)
			return
		}
		patchSpec(doc)
		s := &apiSpec{doc: doc}
		for tmpl, item := range doc.Paths.Map() {
			r := &specRoute{template: tmpl, segments: strings.Split(strings.TrimPrefix(tmpl, "/"), "/"), item: item}
			for _, seg := range r.segments {
				if !isParamSegment(seg) {
					r.literals++
				}
			}
			s.routes = append(s.routes, r)
		}
		// Most literal segments first, so a literal beats a parameter.
		sort.Slice(s.routes, func(i, j int) bool {
			if s.routes[i].literals != s.routes[j].literals {
				return s.routes[i].literals > s.routes[j].literals
			}
			return s.routes[i].template < s.routes[j].template
		})
		specLoaded = s
	})
	return specLoaded, specErr
}

// patchSpec corrects the one place where the spec and real Okta disagree in
// a way the fake must model: real Okta lists MOBILE_ADMIN role assignments
// (the list response's discriminator even maps it), but the RoleType enum
// that StandardRole.type refers to lacks it. RoleType is used by responses
// only; assigning MOBILE_ADMIN stays invalid, because the assign request has
// its own enum.
func patchSpec(doc *openapi3.T) {
	if ref, ok := doc.Components.Schemas["RoleType"]; ok && ref.Value != nil {
		ref.Value.Enum = append(ref.Value.Enum, "MOBILE_ADMIN")
	}
}

func isParamSegment(s string) bool {
	return strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}")
}

var (
	errNoRoute          = errors.New("no operation of the spec matches this path")
	errMethodNotAllowed = errors.New("the spec has no such method for this path")
)

// match resolves a request by its escaped path, the way a server that
// routes on the raw path does: the path is split on "/" before any
// segment is unescaped, so an id holding an escaped "/" stays one segment.
func (s *apiSpec) match(method, escapedPath string) (*routeMatch, error) {
	segs := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	var pathFound bool
	for _, r := range s.routes {
		if len(r.segments) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, seg := range r.segments {
			if isParamSegment(seg) {
				v, err := url.PathUnescape(segs[i])
				if err != nil || v == "" {
					ok = false
					break
				}
				params[seg[1:len(seg)-1]] = v
				continue
			}
			if seg != segs[i] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		pathFound = true
		op := r.item.GetOperation(method)
		if op == nil {
			continue
		}
		return &routeMatch{
			route: &routers.Route{
				Spec:      s.doc,
				Path:      r.template,
				PathItem:  r.item,
				Method:    method,
				Operation: op,
			},
			template:    r.template,
			operationID: op.OperationID,
			params:      params,
		}, nil
	}
	if pathFound {
		return nil, errMethodNotAllowed
	}
	return nil, errNoRoute
}

// validationOptions: the fake checks the SSWS token itself, so the
// security requirements are satisfied by a no-op; defaults are not
// written into the request, so handlers see exactly what the client sent.
func validationOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
		SkipSettingDefaults:     true,
		SchemaValidationOptions: schemaOptions(),
	}
}

// schemaOptions keep errors short (no schema dumps: they become
// errorCauses and test failures) and check the email format, which
// kin-openapi leaves unchecked by default.
func schemaOptions() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{
		openapi3.DisableSchemaErrorDetails(),
		openapi3.WithStringFormatValidator("email", openapi3.NewCallbackValidator(validEmail)),
	}
}

func validEmail(v string) error {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" {
		return fmt.Errorf("%q is not an email address", v)
	}
	return nil
}

// validateRequest checks r (whose body has already been read into body)
// against the matched operation.
func validateRequest(ctx context.Context, m *routeMatch, r *http.Request, body []byte) (*openapi3filter.RequestValidationInput, error) {
	in := &openapi3filter.RequestValidationInput{
		Request:    cloneWithBody(ctx, r, body),
		PathParams: m.params,
		Route:      m.route,
		Options:    validationOptions(),
	}
	return in, openapi3filter.ValidateRequest(ctx, in)
}

// validateResponse checks a response the fake is about to send.
func validateResponse(ctx context.Context, in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) error {
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Options:                validationOptions(),
	}
	out.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(ctx, out)
}

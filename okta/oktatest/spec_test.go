package oktatest

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/go-cmp/cmp"
	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

func TestEverySpecOperationHasAHandler(t *testing.T) {
	spec, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	var inSpec []string
	for _, item := range spec.doc.Paths.Map() {
		for _, op := range item.Operations() {
			inSpec = append(inSpec, op.OperationID)
		}
	}
	var handled []string
	for op := range handlers {
		handled = append(handled, op)
	}
	sort.Strings(inSpec)
	sort.Strings(handled)
	if diff := cmp.Diff(inSpec, handled); diff != "" {
		t.Errorf("spec operations (-) vs handlers (+):\n%s", diff)
	}
	if len(inSpec) != 41 {
		t.Errorf("the spec has %d operations, the brief says 41", len(inSpec))
	}
}

func TestRouterMatchesEscapedPaths(t *testing.T) {
	spec, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path string
		wantOp       string
		wantParams   map[string]string
		wantErr      error
	}{
		{"GET", "/api/v1/users/00u1", "getUser", map[string]string{"id": "00u1"}, nil},
		{"GET", "/api/v1/users/a%2Fb", "getUser", map[string]string{"id": "a/b"}, nil},
		{"GET", "/api/v1/users/a%2Fb/groups", "listUserGroups", map[string]string{"id": "a/b"}, nil},
		{"GET", "/api/v1/users/a%20b%23c%3Fd", "getUser", map[string]string{"id": "a b#c?d"}, nil},
		{"POST", "/api/v1/users/x/lifecycle/suspend", "suspendUser", map[string]string{"id": "x"}, nil},
		{"DELETE", "/api/v1/users/u/roles/r", "unassignRoleFromUser", map[string]string{"userId": "u", "roleAssignmentId": "r"}, nil},
		{"PUT", "/api/v1/groups/g/users/u", "assignUserToGroup", map[string]string{"groupId": "g", "userId": "u"}, nil},
		{"GET", "/api/v1/users/a/b", "", nil, errNoRoute}, // an unescaped slash is two segments
		{"GET", "/api/v1/nothing", "", nil, errNoRoute},
		{"DELETE", "/api/v1/users/x", "", nil, errMethodNotAllowed},
		{"GET", "/api/v1/users/", "", nil, errNoRoute},
	}
	for _, tt := range tests {
		m, err := spec.match(tt.method, tt.path)
		if err != tt.wantErr {
			t.Errorf("%s %s: error %v, want %v", tt.method, tt.path, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if m.operationID != tt.wantOp || !cmp.Equal(m.params, tt.wantParams) {
			t.Errorf("%s %s = %s %v, want %s %v", tt.method, tt.path, m.operationID, m.params, tt.wantOp, tt.wantParams)
		}
	}
}

// TestRequestViolations checks that requests outside the spec are caught,
// reported, and answered like Okta's 400 E0000001.
func TestRequestViolations(t *testing.T) {
	s, v := newCollecting(t)
	alice := s.AddUser(User{Login: "alice@corp.com"})
	ctx, c := sdk(t, s)

	_, _, err := c.User.AssignRoleToUser(ctx, alice.ID, okta.AssignRoleRequest{Type: "MOBILE_ADMIN"}, nil)
	wantCode(t, err, "E0000001")
	if e := oktaErr(t, err); e.ErrorSummary != "Api validation failed: type" || len(e.ErrorCauses) != 1 {
		t.Errorf("MOBILE_ADMIN: summary %q, causes %v", e.ErrorSummary, e.ErrorCauses)
	}
	_, _, err = c.User.ResetPassword(ctx, alice.ID, nil) // sendEmail is required
	wantCode(t, err, "E0000001")
	_, _, err = c.IdentityProvider.ListIdentityProviders(ctx, query.NewQueryParams(query.WithLimit(500)))
	wantCode(t, err, "E0000001")
	_, _, err = c.IdentityProvider.ListIdentityProviders(ctx, query.NewQueryParams(query.WithType("MYSPACE")))
	wantCode(t, err, "E0000001")
	r := do(t, s, "POST", "/api/v1/users/"+alice.ID+"/lifecycle/activate?sendEmail=maybe", "")
	if r.status != http.StatusBadRequest || r.errorCode(t) != "E0000001" {
		t.Errorf("activate?sendEmail=maybe: %d %s", r.status, r.body)
	}
	r = do(t, s, "POST", "/api/v1/users/"+alice.ID, "") // body required
	if r.status != http.StatusBadRequest {
		t.Errorf("update without body: %d %s", r.status, r.body)
	}
	r = do(t, s, "GET", "/api/v1/apps", "")
	if r.status != http.StatusNotFound || r.errorCode(t) != "E0000007" {
		t.Errorf("GET /api/v1/apps: %d %s", r.status, r.body)
	}
	r = do(t, s, "DELETE", "/api/v1/users/"+alice.ID, "")
	if r.status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE user: %d %s", r.status, r.body)
	}

	got := v.get()
	if len(got) != 8 {
		t.Fatalf("got %d violations, want 8: %v", len(got), got)
	}
	for _, x := range got {
		if x.Response {
			t.Errorf("response violation: %v", x)
		}
	}
	if x := got[0]; x.Operation != "assignRoleToUser" || !strings.Contains(x.Err, `discriminator property "type"`) {
		t.Errorf("first violation = %+v, want the MOBILE_ADMIN assignment", x)
	}
	if x := got[1]; !strings.Contains(x.Err, "sendEmail") {
		t.Errorf("second violation = %+v, want the missing sendEmail", x)
	}
	if len(s.Violations()) != len(got) {
		t.Errorf("Violations() has %d, the handler saw %d", len(s.Violations()), len(got))
	}
	// The default handler fails the test; calls record the answers.
	calls := s.Calls()
	if calls[0].Status != 400 || calls[0].ErrorCode != "E0000001" || calls[0].Operation != "assignRoleToUser" {
		t.Errorf("first call = %+v", calls[0])
	}
	if roles := s.Roles(alice.ID); len(roles) != 0 {
		t.Errorf("a rejected assignment was stored: %v", roles)
	}
}

// TestResponsesAreValidated checks the response half of the validator with
// a response the fake would never send.
func TestResponsesAreValidated(t *testing.T) {
	spec, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	m, err := spec.match("GET", "/api/v1/users/00u1")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://fake/api/v1/users/00u1", nil)
	in, err := validateRequest(context.Background(), m, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if err := validateResponse(context.Background(), in, 200, h, []byte(`{"id":"00u1","status":"HAPPY"}`)); err == nil {
		t.Errorf("a user with status HAPPY passed validation")
	}
	if err := validateResponse(context.Background(), in, 200, h, []byte(`{"id":"00u1","status":"ACTIVE"}`)); err != nil {
		t.Errorf("a valid user failed validation: %v", err)
	}
	var re *openapi3filter.ResponseError
	err = validateResponse(context.Background(), in, 200, h, []byte(`{"profile":{"email":"x"}}`))
	if err == nil {
		t.Errorf("an email of one character passed validation")
	} else if _, ok := err.(*openapi3filter.ResponseError); !ok {
		t.Errorf("error %T, want %T", err, re)
	}
}

func TestMobileAdminListsButCannotBeAssigned(t *testing.T) {
	s := New(t)
	u := s.AddUser(User{Login: "mo@corp.com"})
	s.AddRole(u.ID, Role{Type: "MOBILE_ADMIN"})
	ctx, c := sdk(t, s)
	roles, _, err := c.User.ListAssignedRolesForUser(ctx, u.ID, nil)
	if err != nil || len(roles) != 1 || roles[0].Type != "MOBILE_ADMIN" {
		t.Errorf("ListAssignedRolesForUser = %v, %v", roles, err)
	}
}

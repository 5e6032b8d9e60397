package oktatest

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// Roles. The role endpoints take a user id only: a login in the path is a
// 404, as with Okta.

func listAssignedRolesForUser(s *Server, c *reqCtx) *response {
	u, aerr := s.userByPathUserID(c)
	if aerr != nil {
		return errResp(aerr)
	}
	out := []any{}
	for _, r := range s.roles[u.id] {
		out = append(out, s.roleJSON(u.id, r))
	}
	// Okta lists the roles the user holds through groups too, with
	// assignmentType GROUP and the group as assignee.
	for _, g := range s.groups {
		if !u.groups[g.id] {
			continue
		}
		for _, r := range s.groupRoles[g.id] {
			out = append(out, s.assignmentJSON(s.groupURL(g), r))
		}
	}
	return jsonResp(http.StatusOK, out)
}

func assignRoleToUser(s *Server, c *reqCtx) *response {
	u, aerr := s.userByPathUserID(c)
	if aerr != nil {
		return errResp(aerr)
	}
	r, aerr := s.roleToAssign(c, s.roles[u.id])
	if aerr != nil {
		return errResp(aerr)
	}
	s.roles[u.id] = append(s.roles[u.id], r)
	s.logEvent(c, "user.account.privilege.grant", "Grant user privilege", userEntity(u))
	return jsonResp(http.StatusCreated, s.roleJSON(u.id, r))
}

// roleToAssign is the role assignment a request body asks for, to a user
// or a group that holds held: a known type (the spec's enum has already
// refused others; this is a safety net), never one held already (a custom
// role: the same role on the same resource set), as Okta answers.
func (s *Server) roleToAssign(c *reqCtx, held []*role) (*role, *apiError) {
	body, aerr := decodeBody(c)
	if aerr != nil {
		return nil, aerr
	}
	typ, _ := body["type"].(string)
	if _, ok := roleLabels[typ]; !ok || typ == "MOBILE_ADMIN" {
		return nil, errValidation("type", "type: unknown role type "+typ)
	}
	roleID, _ := body["role"].(string)
	resourceSet, _ := body["resource-set"].(string)
	for _, have := range held {
		if have.typ == typ && (typ != "CUSTOM" || (have.roleID == roleID && have.resourceSet == resourceSet)) {
			return nil, &apiError{status: http.StatusConflict, code: "E0000090", summary: "Duplicate role assignment exception."}
		}
	}
	r := s.newRole(typ, c.now)
	if typ == "CUSTOM" {
		r.id = s.newID("irb")
		r.roleID, r.resourceSet = roleID, resourceSet
		r.label = "Custom role " + roleID
	}
	return r, nil
}

func (s *Server) roleByPath(c *reqCtx) (*user, int, *apiError) {
	u, aerr := s.userByPathUserID(c)
	if aerr != nil {
		return nil, 0, aerr
	}
	id := c.params["roleAssignmentId"]
	for i, r := range s.roles[u.id] {
		if r.id == id {
			return u, i, nil
		}
	}
	return nil, 0, errNotFound(id, "Role")
}

func getUserAssignedRole(s *Server, c *reqCtx) *response {
	u, i, aerr := s.roleByPath(c)
	if aerr != nil {
		return errResp(aerr)
	}
	return jsonResp(http.StatusOK, s.roleJSON(u.id, s.roles[u.id][i]))
}

func unassignRoleFromUser(s *Server, c *reqCtx) *response {
	u, i, aerr := s.roleByPath(c)
	if aerr != nil {
		return errResp(aerr)
	}
	rs := s.roles[u.id]
	s.roles[u.id] = append(rs[:i:i], rs[i+1:]...)
	s.logEvent(c, "user.account.privilege.revoke", "Revoke user privilege", userEntity(u))
	return emptyResp(http.StatusNoContent)
}

// Groups.

// Search (GET /groups?search=): id, type, the timestamps and any profile
// attribute; co only on profile.name and profile.description;
// case-insensitive values.
var groupSearchRules = exprRules{
	fold: true,
	attr: func(a string) (attrKind, bool) {
		switch a {
		case "created", "lastUpdated", "lastMembershipUpdated":
			return kindTime, true
		case "id", "type", "source.id":
			return kindString, true
		}
		if k, ok := strings.CutPrefix(a, "profile."); ok && k != "" {
			return kindAny, true
		}
		return 0, false
	},
	op: func(a, op string) bool {
		switch op {
		case "eq", "sw", "pr", "gt", "ge", "lt", "le":
			return true
		case "co":
			return a == "profile.name" || a == "profile.description"
		}
		return false
	},
}

// Filter (GET /groups?filter=): id, type, lastUpdated and
// lastMembershipUpdated; eq, and ordering operators on the timestamps;
// case-sensitive values.
var groupFilterRules = exprRules{
	attr: func(a string) (attrKind, bool) {
		switch a {
		case "lastUpdated", "lastMembershipUpdated":
			return kindTime, true
		case "id", "type":
			return kindString, true
		}
		return 0, false
	},
	op: func(a, op string) bool {
		if a == "lastUpdated" || a == "lastMembershipUpdated" {
			return op == "eq" || op == "gt" || op == "ge" || op == "lt" || op == "le"
		}
		return op == "eq"
	},
}

func (g *group) attr(a string) []any {
	switch a {
	case "id":
		return []any{g.id}
	case "type":
		return []any{g.typ}
	case "created":
		return timeVal(g.created)
	case "lastUpdated":
		return timeVal(g.lastUpdated)
	case "lastMembershipUpdated":
		return timeVal(g.lastMembershipUpdated)
	}
	if k, ok := strings.CutPrefix(a, "profile."); ok {
		return jsonValues(g.profile[k])
	}
	return nil
}

// listGroups: q is a name prefix (case-insensitive), not pageable, 300
// results by default; search and filter are pageable.
func listGroups(s *Server, c *reqCtx) *response {
	search, filter, q := c.query.Get("search"), c.query.Get("filter"), c.query.Get("q")
	if search != "" && (filter != "" || q != "") {
		return errResp(errSearchAndFilter())
	}
	stats := strings.Contains(c.query.Get("expand"), "stats")
	render := func(gs []*group) []any {
		out := make([]any, 0, len(gs))
		for _, g := range gs {
			out = append(out, s.groupJSON(g, stats))
		}
		return out
	}
	if q != "" {
		limit, aerr := limitParam(c, 300, 10000)
		if aerr != nil {
			return errResp(aerr)
		}
		lq := strings.ToLower(q)
		var out []*group
		for _, g := range s.groups {
			if len(out) < limit && strings.HasPrefix(strings.ToLower(g.name()), lq) {
				out = append(out, g)
			}
		}
		r := jsonResp(http.StatusOK, render(out))
		s.addLinks(r, c, "")
		return r
	}
	limit, aerr := limitParam(c, 10000, 10000)
	if aerr != nil {
		return errResp(aerr)
	}
	var (
		rules exprRules
		e     Expr
	)
	switch {
	case search != "":
		rules = groupSearchRules
		e, aerr = parseExpr(search, rules)
	case filter != "":
		rules = groupFilterRules
		e, aerr = parseExpr(filter, rules)
	}
	if aerr != nil {
		return errResp(aerr)
	}
	all := s.groups
	if search != "" {
		_, all = s.searchView(c.now) // eventually consistent
	}
	var matched []*group
	for _, g := range all {
		if e == nil || rules.eval(e, g.attr) {
			matched = append(matched, g)
		}
	}
	sorted := false
	if sortBy := c.query.Get("sortBy"); search != "" && sortBy != "" {
		if _, ok := groupSearchRules.attr(sortBy); !ok {
			return errResp(errInvalidSearch("unsupported sortBy attribute " + sortBy))
		}
		desc := strings.EqualFold(c.query.Get("sortOrder"), "desc")
		key := func(g *group) string {
			vs := g.attr(sortBy)
			if len(vs) == 0 {
				return ""
			}
			switch v := vs[0].(type) {
			case time.Time:
				return oktaTime(v)
			case string:
				return strings.ToLower(v)
			}
			return ""
		}
		sort.SliceStable(matched, func(i, j int) bool {
			ki, kj := key(matched[i]), key(matched[j])
			if ki == kj {
				return matched[i].id < matched[j].id
			}
			return (ki < kj) != desc
		})
		sorted = true
	}
	page, next, aerr := paginate(matched, func(g *group) int64 { return g.seq }, sorted, "groups", c.query.Get("after"), limit)
	if aerr != nil {
		return errResp(aerr)
	}
	r := jsonResp(http.StatusOK, render(page))
	s.addLinks(r, c, next)
	return r
}

// addGroup creates an OKTA_GROUP. Okta's group names are unique across all
// group types (OKTA_GROUP, APP_GROUP, BUILT_IN): a duplicate is 400
// E0000001 "Api validation failed: name" with the cause "name: An object
// with this field already exists in the current organization" (names
// compared case-insensitively here).
func addGroup(s *Server, c *reqCtx) *response {
	body, aerr := decodeBody(c)
	if aerr != nil {
		return errResp(aerr)
	}
	sent, _ := body["profile"].(map[string]any)
	name, _ := sent["name"].(string)
	if strings.TrimSpace(name) == "" {
		return errResp(errValidation("name", "name: The field cannot be left blank"))
	}
	if s.groupByName(name) != nil {
		return errResp(errValidation("name", "name: An object with this field already exists in the current organization"))
	}
	profile := map[string]any{}
	for k, v := range sent {
		if v != nil {
			profile[k] = v
		}
	}
	g := &group{
		seq: s.nextSeq(), id: s.newID("00g"), typ: "OKTA_GROUP", profile: profile,
		created: c.now, lastUpdated: c.now, lastMembershipUpdated: c.now,
	}
	s.groups = append(s.groups, g)
	s.groupByID[g.id] = g
	s.logEvent(c, "group.lifecycle.create", "Create okta user group", groupEntity(g))
	return jsonResp(http.StatusOK, s.groupJSON(g, false))
}

func getGroup(s *Server, c *reqCtx) *response {
	g, aerr := s.groupByPathID(c)
	if aerr != nil {
		return errResp(aerr)
	}
	return jsonResp(http.StatusOK, s.groupJSON(g, false))
}

func listGroupUsers(s *Server, c *reqCtx) *response {
	g, aerr := s.groupByPathID(c)
	if aerr != nil {
		return errResp(aerr)
	}
	limit, aerr := limitParam(c, 1000, 10000)
	if aerr != nil {
		return errResp(aerr)
	}
	page, next, aerr := paginate(g.members, func(m member) int64 { return m.seq }, false, "members:"+g.id, c.query.Get("after"), limit)
	if aerr != nil {
		return errResp(aerr)
	}
	us := make([]*user, 0, len(page))
	for _, m := range page {
		us = append(us, s.userByID[m.userID])
	}
	r := jsonResp(http.StatusOK, s.usersJSON(us))
	s.addLinks(r, c, next)
	return r
}

// membership resolves a group and a user for the membership endpoints.
// Only OKTA_GROUP memberships can be changed; for other groups the fake
// answers 403 E0000006 (Okta's exact answer is unconfirmed).
func (s *Server) membership(c *reqCtx) (*group, *user, *apiError) {
	g, aerr := s.groupByPathID(c)
	if aerr != nil {
		return nil, nil, aerr
	}
	u, aerr := s.userByPathUserID(c)
	if aerr != nil {
		return nil, nil, aerr
	}
	if g.typ != "OKTA_GROUP" {
		return nil, nil, &apiError{status: http.StatusForbidden, code: "E0000006",
			summary: "You do not have permission to perform the requested action"}
	}
	return g, u, nil
}

func assignUserToGroup(s *Server, c *reqCtx) *response {
	g, u, aerr := s.membership(c)
	if aerr != nil {
		return errResp(aerr)
	}
	if !u.groups[g.id] {
		s.addMember(g, u, c.now)
		s.logEvent(c, "group.user_membership.add", "Add user to group membership", userEntity(u), groupEntity(g))
	}
	return emptyResp(http.StatusNoContent)
}

func unassignUserFromGroup(s *Server, c *reqCtx) *response {
	g, u, aerr := s.membership(c)
	if aerr != nil {
		return errResp(aerr)
	}
	if u.groups[g.id] {
		s.removeMember(g, u, c.now)
		s.logEvent(c, "group.user_membership.remove", "Remove user from group membership", userEntity(u), groupEntity(g))
	}
	return emptyResp(http.StatusNoContent)
}

// Identity providers: q is a case-insensitive substring of the name, type
// an exact IdP type; limit 1..200 (default 20) and after page.
func listIdentityProviders(s *Server, c *reqCtx) *response {
	limit, aerr := limitParam(c, 20, 200)
	if aerr != nil {
		return errResp(aerr)
	}
	q, typ := strings.ToLower(c.query.Get("q")), c.query.Get("type")
	var matched []*idp
	for _, p := range s.idps {
		if q != "" && !strings.Contains(strings.ToLower(p.name), q) {
			continue
		}
		if typ != "" && p.typ != typ {
			continue
		}
		matched = append(matched, p)
	}
	page, next, aerr := paginate(matched, func(p *idp) int64 { return p.seq }, false, "idps", c.query.Get("after"), limit)
	if aerr != nil {
		return errResp(aerr)
	}
	out := make([]any, 0, len(page))
	for _, p := range page {
		out = append(out, p.json())
	}
	r := jsonResp(http.StatusOK, out)
	s.addLinks(r, c, next)
	return r
}

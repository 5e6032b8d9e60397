package oktatest

import (
	"net/http"
)

// Admin roles assigned to groups: every member holds them. Okta lists them
// among a member's roles (GET /users/{id}/roles) with assignmentType GROUP;
// they are removed through the group, not the user.
//
//	GET    /groups/{groupId}/roles                     200 the group's assignments
//	POST   /groups/{groupId}/roles                     200 the new assignment;
//	                                                   409 E0000090 when the group has it
//	GET    /groups/{groupId}/roles/{roleAssignmentId}  200, or 404
//	DELETE /groups/{groupId}/roles/{roleAssignmentId}  204, or 404

// AddGroupRole assigns an admin role to a group (by id); like AddRole.
func (s *Server) AddGroupRole(groupID string, r Role) Role {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groupByID[groupID] == nil {
		s.t.Fatalf("oktatest: AddGroupRole: no group %q", groupID)
	}
	if _, ok := roleLabels[r.Type]; !ok || r.Type == "CUSTOM" {
		s.t.Fatalf("oktatest: AddGroupRole: %q is not a standard Okta role type", r.Type)
	}
	for _, have := range s.groupRoles[groupID] {
		if have.typ == r.Type {
			s.t.Fatalf("oktatest: AddGroupRole: group %q already has %s", groupID, r.Type)
		}
	}
	in := s.newRole(r.Type, s.now())
	in.assignmentType = "GROUP"
	if r.ID != "" {
		in.id = r.ID
	}
	s.groupRoles[groupID] = append(s.groupRoles[groupID], in)
	return in.public()
}

// GroupRoles returns the group's role assignments (group by id).
func (s *Server) GroupRoles(groupID string) []Role {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Role{}
	for _, r := range s.groupRoles[groupID] {
		out = append(out, r.public())
	}
	return out
}

func (s *Server) groupURL(g *group) string { return s.URL + "/api/v1/groups/" + g.id }

func listGroupAssignedRoles(s *Server, c *reqCtx) *response {
	g, aerr := s.groupByPathID(c)
	if aerr != nil {
		return errResp(aerr)
	}
	out := []any{}
	for _, r := range s.groupRoles[g.id] {
		out = append(out, s.assignmentJSON(s.groupURL(g), r))
	}
	return jsonResp(http.StatusOK, out)
}

func assignRoleToGroup(s *Server, c *reqCtx) *response {
	g, aerr := s.groupByPathID(c)
	if aerr != nil {
		return errResp(aerr)
	}
	r, aerr := s.roleToAssign(c, s.groupRoles[g.id])
	if aerr != nil {
		return errResp(aerr)
	}
	r.assignmentType = "GROUP"
	s.groupRoles[g.id] = append(s.groupRoles[g.id], r)
	s.logEvent(c, "group.privilege.grant", "Grant group privilege", groupEntity(g))
	return jsonResp(http.StatusOK, s.assignmentJSON(s.groupURL(g), r))
}

func (s *Server) groupRoleByPath(c *reqCtx) (*group, int, *apiError) {
	g, aerr := s.groupByPathID(c)
	if aerr != nil {
		return nil, 0, aerr
	}
	id := c.params["roleAssignmentId"]
	for i, r := range s.groupRoles[g.id] {
		if r.id == id {
			return g, i, nil
		}
	}
	return nil, 0, errNotFound(id, "Role")
}

func getGroupAssignedRole(s *Server, c *reqCtx) *response {
	g, i, aerr := s.groupRoleByPath(c)
	if aerr != nil {
		return errResp(aerr)
	}
	return jsonResp(http.StatusOK, s.assignmentJSON(s.groupURL(g), s.groupRoles[g.id][i]))
}

func unassignRoleFromGroup(s *Server, c *reqCtx) *response {
	g, i, aerr := s.groupRoleByPath(c)
	if aerr != nil {
		return errResp(aerr)
	}
	rs := s.groupRoles[g.id]
	s.groupRoles[g.id] = append(rs[:i:i], rs[i+1:]...)
	s.logEvent(c, "group.privilege.revoke", "Revoke group privilege", groupEntity(g))
	return emptyResp(http.StatusNoContent)
}

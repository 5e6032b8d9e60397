package oktatest

// JSON shapes of the fake's objects, as Okta answers them.

// userJSON renders a user. full adds the lifecycle links Okta includes for
// a single user; collections carry only the self link.
func (s *Server) userJSON(u *user, full bool) map[string]any {
	profile := map[string]any{"firstName": nil, "lastName": nil}
	for k, v := range u.profile {
		profile[k] = v
	}
	creds := map[string]any{"provider": map[string]any{"type": "OKTA", "name": "OKTA"}}
	if u.password != nil {
		creds["password"] = map[string]any{}
	}
	if u.recoveryQ != "" {
		creds["recovery_question"] = map[string]any{"question": u.recoveryQ}
	}
	self := s.URL + "/api/v1/users/" + u.id
	links := map[string]any{"self": href(self)}
	if full {
		lc := self + "/lifecycle/"
		add := func(name, op string) { links[name] = map[string]any{"href": lc + op, "method": "POST"} }
		switch u.status {
		case "STAGED":
			add("activate", "activate")
		case "PROVISIONED":
			add("reactivate", "reactivate")
		case "ACTIVE":
			add("suspend", "suspend")
			add("resetPassword", "reset_password")
			add("expirePassword", "expire_password")
		case "SUSPENDED":
			add("unsuspend", "unsuspend")
		case "LOCKED_OUT":
			add("unlock", "unlock")
			add("resetPassword", "reset_password")
		case "PASSWORD_EXPIRED", "RECOVERY":
			add("resetPassword", "reset_password")
		case "DEPROVISIONED":
			add("activate", "activate")
		}
		if u.status != "DEPROVISIONED" {
			add("deactivate", "deactivate")
		}
		links["schema"] = href(s.URL + "/api/v1/meta/schemas/user/osc" + u.typeID[3:])
		links["type"] = href(s.URL + "/api/v1/meta/types/user/" + u.typeID)
	}
	out := map[string]any{
		"id":              u.id,
		"status":          u.status,
		"created":         oktaTime(u.created),
		"activated":       nullTime(u.activated),
		"statusChanged":   nullTime(u.statusChanged),
		"lastLogin":       nullTime(u.lastLogin),
		"lastUpdated":     oktaTime(u.lastUpdated),
		"passwordChanged": nullTime(u.passwordChanged),
		"type":            map[string]any{"id": u.typeID},
		"profile":         profile,
		"credentials":     creds,
		"_links":          links,
	}
	if u.transitioning != "" {
		out["transitioningToStatus"] = u.transitioning
	}
	return out
}

func (s *Server) usersJSON(us []*user) []map[string]any {
	out := make([]map[string]any, 0, len(us))
	for _, u := range us {
		out = append(out, s.userJSON(u, false))
	}
	return out
}

func (s *Server) groupJSON(g *group, stats bool) map[string]any {
	self := s.URL + "/api/v1/groups/" + g.id
	objectClass := "okta:user_group"
	if g.typ == "APP_GROUP" {
		objectClass = "okta:windows_security_principal"
	}
	profile := map[string]any{}
	for k, v := range g.profile {
		profile[k] = v
	}
	out := map[string]any{
		"id":                    g.id,
		"created":               oktaTime(g.created),
		"lastUpdated":           oktaTime(g.lastUpdated),
		"lastMembershipUpdated": oktaTime(g.lastMembershipUpdated),
		"objectClass":           []string{objectClass},
		"type":                  g.typ,
		"profile":               profile,
		"_links": map[string]any{
			"logo": []any{
				map[string]any{"name": "medium", "href": s.URL + "/img/logos/groups/okta-medium.png", "type": "image/png"},
				map[string]any{"name": "large", "href": s.URL + "/img/logos/groups/okta-large.png", "type": "image/png"},
			},
			"users": href(self + "/users"),
			"apps":  href(self + "/apps"),
		},
	}
	if stats {
		out["_embedded"] = map[string]any{"stats": map[string]any{
			"usersCount": len(g.members), "appsCount": 0, "groupPushMappingsCount": 0, "hasAdminPrivlege": false,
		}}
	}
	return out
}

func (s *Server) roleJSON(userID string, r *role) map[string]any {
	return s.assignmentJSON(s.URL+"/api/v1/users/"+userID, r)
}

// assignmentJSON renders a role assignment to an assignee (a user's or a
// group's URL).
func (s *Server) assignmentJSON(assigneeURL string, r *role) map[string]any {
	assignee := href(assigneeURL)
	out := map[string]any{
		"id":             r.id,
		"label":          r.label,
		"type":           r.typ,
		"status":         r.status,
		"created":        oktaTime(r.created),
		"lastUpdated":    oktaTime(r.lastUpdated),
		"assignmentType": r.assignmentType,
	}
	links := map[string]any{"assignee": assignee}
	if r.roleID != "" {
		out["role"] = r.roleID
		out["resource-set"] = r.resourceSet
		iam := s.URL + "/api/v1/iam/"
		links["resource-set"] = href(iam + "resource-sets/" + r.resourceSet)
		links["role"] = href(iam + "roles/" + r.roleID)
		links["permissions"] = href(iam + "roles/" + r.roleID + "/permissions")
		links["member"] = href(iam + "resource-sets/" + r.resourceSet + "/bindings/" + r.roleID + "/members/" + r.id)
	}
	out["_links"] = links
	return out
}

// idpProtocol is the protocol type an IdP of a given type speaks.
func idpProtocol(typ string) string {
	switch typ {
	case "SAML2":
		return "SAML2"
	case "X509":
		return "MTLS"
	case "IDV_CLEAR", "IDV_INCODE", "IDV_PERSONA", "IDV_STANDARD":
		return "ID_PROOFING"
	case "FACEBOOK", "GITHUB", "GITLAB", "LINKEDIN", "DISCORD", "SPOTIFY", "XERO", "SALESFORCE":
		return "OAUTH2"
	}
	return "OIDC"
}

func (p *idp) json() map[string]any {
	return map[string]any{
		"id":          p.id,
		"name":        p.name,
		"type":        p.typ,
		"status":      p.status,
		"issuerMode":  "ORG_URL",
		"created":     oktaTime(p.created),
		"lastUpdated": oktaTime(p.lastUpdated),
		"protocol":    map[string]any{"type": idpProtocol(p.typ)},
	}
}

func (s *Server) orgJSON() map[string]any {
	return map[string]any{
		"id":                    s.orgID,
		"companyName":           "oktatest",
		"subdomain":             "oktatest",
		"website":               "https://example.com",
		"status":                "ACTIVE",
		"country":               "United States",
		"endUserSupportHelpURL": s.URL + "/help",
		"created":               oktaTime(s.created),
		"lastUpdated":           oktaTime(s.created),
		"_links": map[string]any{
			"preferences":       href(s.URL + "/api/v1/org/preferences"),
			"uploadLogo":        map[string]any{"href": s.URL + "/api/v1/org/logo", "hints": map[string]any{"allow": []string{"POST"}}},
			"oktaCommunication": href(s.URL + "/api/v1/org/privacy/oktaCommunication"),
			"oktaSupport":       href(s.URL + "/api/v1/org/privacy/oktaSupport"),
			"contacts":          href(s.URL + "/api/v1/org/contacts"),
		},
	}
}

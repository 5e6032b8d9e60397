package oktatest

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// Filter (GET /users?filter=): a few properties, eq only (plus ordering
// operators on lastUpdated), case-sensitive values.
var userFilterRules = exprRules{
	attr: func(a string) (attrKind, bool) {
		switch a {
		case "lastUpdated":
			return kindTime, true
		case "status", "id", "profile.login", "profile.email", "profile.firstName", "profile.lastName":
			return kindString, true
		}
		return 0, false
	},
	op: func(a, op string) bool {
		if a == "lastUpdated" {
			return op == "eq" || op == "gt" || op == "ge" || op == "lt" || op == "le"
		}
		return op == "eq"
	},
}

// Search (GET /users?search=): any profile attribute and the top-level
// properties; eq sw co pr and ordering operators (no ne); co only on the
// four name attributes; case-insensitive values.
var userSearchRules = exprRules{
	fold: true,
	attr: func(a string) (attrKind, bool) {
		switch a {
		case "created", "activated", "statusChanged", "lastUpdated", "lastLogin", "passwordChanged":
			return kindTime, true
		case "id", "status", "type.id":
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
			switch a {
			case "profile.firstName", "profile.lastName", "profile.email", "profile.login":
				return true
			}
		}
		return false
	},
}

func timeVal(t time.Time) []any {
	if t.IsZero() {
		return nil
	}
	return []any{t}
}

func (u *user) attr(a string) []any {
	switch a {
	case "id":
		return []any{u.id}
	case "status":
		return []any{u.status}
	case "type.id":
		return []any{u.typeID}
	case "created":
		return timeVal(u.created)
	case "activated":
		return timeVal(u.activated)
	case "statusChanged":
		return timeVal(u.statusChanged)
	case "lastUpdated":
		return timeVal(u.lastUpdated)
	case "lastLogin":
		return timeVal(u.lastLogin)
	case "passwordChanged":
		return timeVal(u.passwordChanged)
	}
	if k, ok := strings.CutPrefix(a, "profile."); ok {
		return jsonValues(u.profile[k])
	}
	return nil
}

// parseExpr parses and checks a filter or search parameter; a bad one is
// Okta's 400 E0000031.
func parseExpr(src string, rules exprRules) (Expr, *apiError) {
	e, err := ParseExpression(src)
	if err == nil {
		err = rules.check(e)
	}
	if err != nil {
		return nil, errInvalidSearch(err.Error())
	}
	return e, nil
}

func errSearchAndFilter() *apiError {
	return &apiError{status: http.StatusBadRequest, code: "E0000033",
		summary: "Bad request. Can't specify a search query and filter in the same request."}
}

func listUsers(s *Server, c *reqCtx) *response {
	search, filter, q := c.query.Get("search"), c.query.Get("filter"), c.query.Get("q")
	if search != "" && (filter != "" || q != "") {
		return errResp(errSearchAndFilter())
	}

	// q: a people picker. startsWith on first name, last name and email;
	// no DEPROVISIONED users; default limit 10; never paged.
	if q != "" {
		limit, aerr := limitParam(c, 10, 200)
		if aerr != nil {
			return errResp(aerr)
		}
		var fe Expr
		if filter != "" {
			if fe, aerr = parseExpr(filter, userFilterRules); aerr != nil {
				return errResp(aerr)
			}
		}
		lq := strings.ToLower(q)
		var out []*user
		for _, u := range s.users {
			if len(out) == limit {
				break
			}
			if u.status == "DEPROVISIONED" || (fe != nil && !userFilterRules.eval(fe, u.attr)) {
				continue
			}
			for _, k := range []string{"firstName", "lastName", "email"} {
				if strings.HasPrefix(strings.ToLower(u.str(k)), lq) {
					out = append(out, u)
					break
				}
			}
		}
		r := jsonResp(http.StatusOK, s.usersJSON(out))
		s.addLinks(r, c, "")
		return r
	}

	limit, aerr := limitParam(c, 200, 200)
	if aerr != nil {
		return errResp(aerr)
	}
	var (
		rules exprRules
		src   string
	)
	switch {
	case search != "":
		rules, src = userSearchRules, search
	case filter != "":
		rules, src = userFilterRules, filter
	}
	var e Expr
	if src != "" {
		if e, aerr = parseExpr(src, rules); aerr != nil {
			return errResp(aerr)
		}
	}
	all := s.users
	if search != "" {
		all, _ = s.searchView(c.now) // eventually consistent
	}
	var matched []*user
	for _, u := range all {
		if e == nil && u.status == "DEPROVISIONED" {
			continue // the plain listing omits them; filter and search do not
		}
		if e != nil && !rules.eval(e, u.attr) {
			continue
		}
		matched = append(matched, u)
	}
	sorted := false
	if sortBy := c.query.Get("sortBy"); search != "" && sortBy != "" {
		if _, ok := userSearchRules.attr(sortBy); !ok {
			return errResp(errInvalidSearch("unsupported sortBy attribute " + sortBy))
		}
		sortUsers(matched, sortBy, strings.EqualFold(c.query.Get("sortOrder"), "desc"))
		sorted = true
	}
	page, next, aerr := paginate(matched, func(u *user) int64 { return u.seq }, sorted, "users", c.query.Get("after"), limit)
	if aerr != nil {
		return errResp(aerr)
	}
	r := jsonResp(http.StatusOK, s.usersJSON(page))
	s.addLinks(r, c, next)
	return r
}

func sortUsers(us []*user, attr string, desc bool) {
	key := func(u *user) string {
		vs := u.attr(attr)
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
	sort.SliceStable(us, func(i, j int) bool {
		ki, kj := key(us[i]), key(us[j])
		if ki == kj {
			return us[i].id < us[j].id
		}
		if desc {
			return ki > kj
		}
		return ki < kj
	})
}

func getUser(s *Server, c *reqCtx) *response {
	u, aerr := s.userByPathID(c)
	if aerr != nil {
		return errResp(aerr)
	}
	return jsonResp(http.StatusOK, s.userJSON(u, true))
}

func listUserGroups(s *Server, c *reqCtx) *response {
	u, aerr := s.userByPathID(c)
	if aerr != nil {
		return errResp(aerr)
	}
	out := []any{}
	for _, g := range s.groups {
		if u.groups[g.id] {
			out = append(out, s.groupJSON(g, false))
		}
	}
	return jsonResp(http.StatusOK, out)
}

// updateUser is POST /users/{id}: a partial update. Profile attributes sent
// are merged (null removes one); credentials.password.value sets the
// password under the default policy; recovery_question sets it.
func updateUser(s *Server, c *reqCtx) *response {
	return s.writeUser(c, false)
}

// replaceUser is PUT /users/{id}: the profile sent replaces the whole
// profile — attributes not sent are gone, as with real Okta. The bot must
// never use it to set a password.
func replaceUser(s *Server, c *reqCtx) *response {
	return s.writeUser(c, true)
}

var requiredProfile = []string{"login", "email", "firstName", "lastName"}

func (s *Server) writeUser(c *reqCtx, replace bool) *response {
	u, aerr := s.changingUser(c)
	if aerr != nil {
		return errResp(aerr)
	}
	if u.status == "DEPROVISIONED" {
		return errResp(errStatus())
	}
	body, aerr := decodeBody(c)
	if aerr != nil {
		return errResp(aerr)
	}

	// Work out the new profile without touching the user, so that a
	// rejected request changes nothing.
	profile := map[string]any{}
	sent, _ := body["profile"].(map[string]any)
	if replace {
		for k, v := range sent {
			if v != nil {
				profile[k] = v
			}
		}
		var causes []string
		first := ""
		for _, k := range requiredProfile {
			if v, _ := profile[k].(string); v == "" {
				causes = append(causes, k+": The field cannot be left blank")
				if first == "" {
					first = k
				}
			}
		}
		if causes != nil {
			return errResp(errValidation(first, causes...))
		}
	} else {
		for k, v := range u.profile {
			profile[k] = v
		}
		for k, v := range sent {
			if v == nil {
				delete(profile, k)
				continue
			}
			profile[k] = v
		}
		for _, k := range []string{"login", "email"} {
			if v, _ := profile[k].(string); v == "" {
				return errResp(errValidation(k, k+": The field cannot be left blank"))
			}
		}
	}
	login, _ := profile["login"].(string)
	if other := s.findByLogin(login); other != nil && other != u {
		return errResp(errValidation("login", "login: An object with this field already exists in the current organization"))
	}

	creds, _ := body["credentials"].(map[string]any)
	var newPassword *string
	if pw, ok := creds["password"].(map[string]any); ok {
		if _, ok := pw["hash"]; ok {
			return errResp(errValidation("password", "password: oktatest does not support hashed passwords"))
		}
		if _, ok := pw["hook"]; ok {
			return errResp(errValidation("password", "password: oktatest does not support password hooks"))
		}
		if v, ok := pw["value"].(string); ok {
			if causes := checkPassword(v, login); causes != nil {
				return errResp(errValidation("password", causes...))
			}
			if boolParam(c, "strict", false) && u.reusesPassword(v) {
				return errResp(errValidation("password", "password: Password has been used too recently"))
			}
			newPassword = &v
		}
	}
	var question, answer string
	if rq, ok := creds["recovery_question"].(map[string]any); ok {
		question, _ = rq["question"].(string)
		answer, _ = rq["answer"].(string)
		if question == "" || answer == "" {
			return errResp(errValidation("recovery_question", "recovery_question: The question and the answer are required"))
		}
	}

	// Apply.
	profileChanged := replace || len(sent) > 0
	u.profile = profile
	if newPassword != nil {
		u.setPassword(*newPassword)
		u.passwordChanged = c.now
		if u.status == "PASSWORD_EXPIRED" || u.status == "RECOVERY" {
			u.status = "ACTIVE"
			u.statusChanged = c.now
		}
		s.logEvent(c, "user.account.update_password", "Update password for user", userEntity(u))
	}
	if question != "" {
		u.recoveryQ = question
		u.recoveryA = newSecretHash(answer)
	}
	if profileChanged {
		s.logEvent(c, "user.account.update_profile", "Update user profile for Okta", userEntity(u))
	}
	u.lastUpdated = c.now
	return jsonResp(http.StatusOK, s.userJSON(u, true))
}

package oktatest

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// handlers answers every operation of the spec, by operationId. A test
// checks that the two sets agree.
var handlers = map[string]handler{
	"getOrgSettings": getOrgSettings,

	"listUsers":      listUsers,
	"getUser":        getUser,
	"updateUser":     updateUser,
	"replaceUser":    replaceUser,
	"listUserGroups": listUserGroups,

	"activateUser":   activateUser,
	"reactivateUser": reactivateUser,
	"deactivateUser": deactivateUser,
	"suspendUser":    suspendUser,
	"unsuspendUser":  unsuspendUser,
	"unlockUser":     unlockUser,
	"resetPassword":  resetPassword,
	"expirePassword": expirePassword,
	"resetFactors":   resetFactors,

	"listAssignedRolesForUser": listAssignedRolesForUser,
	"assignRoleToUser":         assignRoleToUser,
	"getUserAssignedRole":      getUserAssignedRole,
	"unassignRoleFromUser":     unassignRoleFromUser,

	"listGroups":            listGroups,
	"addGroup":              addGroup,
	"getGroup":              getGroup,
	"listGroupUsers":        listGroupUsers,
	"assignUserToGroup":     assignUserToGroup,
	"unassignUserFromGroup": unassignUserFromGroup,

	"listGroupAssignedRoles": listGroupAssignedRoles,
	"assignRoleToGroup":      assignRoleToGroup,
	"getGroupAssignedRole":   getGroupAssignedRole,
	"unassignRoleFromGroup":  unassignRoleFromGroup,

	"listIdentityProviders": listIdentityProviders,
	"listLogEvents":         listLogEvents,

	"revokeUserSessions": revokeUserSessions,
	"listUserGrants":     listUserGrants,
	"revokeUserGrants":   revokeUserGrants,
	"listUserClients":    listUserClients,

	"listFactors":                    listFactors,
	"getFactor":                      getFactor,
	"unenrollFactor":                 unenrollFactor,
	"verifyFactor":                   verifyFactor,
	"getFactorTransactionStatus":     getFactorTransactionStatus,
	"expirePasswordWithTempPassword": expirePasswordWithTempPassword,
}

// Parameter helpers. The spec validation has already checked types, so
// parse errors cannot happen here; they fall back to the default.

func boolParam(c *reqCtx, name string, def bool) bool {
	v := c.query.Get(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def
	}
	return b
}

// limitParam reads limit: def when absent, capped at max (Okta silently
// caps), and 400 E0000001 when below 1.
func limitParam(c *reqCtx, def, max int) (int, *apiError) {
	v := c.query.Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, errValidation("limit", "limit: must be a positive number")
	}
	return min(n, max), nil
}

func decodeBody(c *reqCtx) (map[string]any, *apiError) {
	var m map[string]any
	if err := json.Unmarshal(c.body, &m); err != nil || m == nil {
		return nil, errValidation("body", "body: the request body is not a JSON object")
	}
	return m, nil
}

// userByPathID resolves the {id} of /users/{id}...: id, login, short
// login or "me", like Okta. A service app's token has no user, so "me" is
// not found for it (what Okta answers there is not confirmed).
func (s *Server) userByPathID(c *reqCtx) (*user, *apiError) {
	ref := c.params["id"]
	if ref == "me" && c.client != "" {
		return nil, errNotFound(ref, "User")
	}
	u := s.resolveUser(ref, true)
	if u == nil {
		return nil, errNotFound(ref, "User")
	}
	return u, nil
}

// userByPathUserID resolves the {userId} of the role, session, factor and
// group-membership endpoints, which take a user id only.
func (s *Server) userByPathUserID(c *reqCtx) (*user, *apiError) {
	ref := c.params["userId"]
	u := s.userByID[ref]
	if u == nil {
		return nil, errNotFound(ref, "User")
	}
	return u, nil
}

func (s *Server) groupByPathID(c *reqCtx) (*group, *apiError) {
	ref := c.params["groupId"]
	g := s.groupByID[ref]
	if g == nil {
		return nil, errNotFound(ref, "UserGroup")
	}
	return g, nil
}

func getOrgSettings(s *Server, c *reqCtx) *response {
	return jsonResp(http.StatusOK, s.orgJSON())
}

// System Log.

type logEvent struct {
	seq            int64
	uuid           string
	published      time.Time
	eventType      string
	displayMessage string
	actor          logEntity
	targets        []logEntity
	outcome        string // SUCCESS (default), FAILURE, DENY, ...
	reason         string
	clientIP       string // default 127.0.0.1
	userAgent      string
	city, country  string
}

type logEntity struct {
	id, typ, alternateID, displayName string
}

func (e logEntity) json() map[string]any {
	return map[string]any{"id": e.id, "type": e.typ, "alternateId": e.alternateID, "displayName": e.displayName}
}

func userEntity(u *user) logEntity {
	name := strings.TrimSpace(u.str("firstName") + " " + u.str("lastName"))
	if name == "" {
		name = u.login()
	}
	return logEntity{id: u.id, typ: "User", alternateID: u.login(), displayName: name}
}

func groupEntity(g *group) logEntity {
	return logEntity{id: g.id, typ: "UserGroup", alternateID: "unknown", displayName: g.name()}
}

// actor is who the System Log says acted: the token's user, without
// creating the built-in admin as a side effect.
func (s *Server) actor() logEntity {
	if u := s.userByID[s.meID]; u != nil {
		return userEntity(u)
	}
	if len(s.users) > 0 {
		return userEntity(s.users[0])
	}
	return logEntity{id: "00u000000000000000api", typ: "User", alternateID: "api.admin@example.com", displayName: "API Admin"}
}

// logEvent appends a System Log event for a change made through the API.
func (s *Server) logEvent(c *reqCtx, eventType, message string, targets ...logEntity) {
	s.appendEvent(&logEvent{
		published: c.now, eventType: eventType, displayMessage: message,
		actor: s.actor(), targets: targets, userAgent: c.r.UserAgent(),
	})
}

// appendEvent adds an event to the System Log, filling in its sequence,
// uuid and defaults. Call with s.mu held.
func (s *Server) appendEvent(e *logEvent) {
	e.seq = s.nextSeq()
	if e.uuid == "" {
		e.uuid = randomToken(8) + "-" + randomToken(4) + "-" + randomToken(12)
	}
	if e.outcome == "" {
		e.outcome = "SUCCESS"
	}
	if e.clientIP == "" {
		e.clientIP = "127.0.0.1"
	}
	s.events = append(s.events, e)
}

func (e *logEvent) json() map[string]any {
	targets := make([]any, 0, len(e.targets))
	for _, t := range e.targets {
		targets = append(targets, t.json())
	}
	outcome := map[string]any{"result": e.outcome}
	if e.reason != "" {
		outcome["reason"] = e.reason
	}
	client := map[string]any{
		"userAgent": map[string]any{"rawUserAgent": e.userAgent, "os": "Unknown", "browser": "UNKNOWN"},
		"ipAddress": e.clientIP,
	}
	if e.city != "" || e.country != "" {
		client["geographicalContext"] = map[string]any{"city": e.city, "country": e.country}
	}
	return map[string]any{
		"uuid":           e.uuid,
		"published":      oktaTime(e.published),
		"eventType":      e.eventType,
		"displayMessage": e.displayMessage,
		"severity":       "INFO",
		"version":        "0",
		"actor":          e.actor.json(),
		"target":         targets,
		"outcome":        outcome,
		"client":         client,
	}
}

var logFilterRules = exprRules{
	attr: func(a string) (attrKind, bool) {
		switch a {
		case "published":
			return kindTime, true
		case "uuid", "eventType", "displayMessage", "severity", "outcome.result",
			"actor.id", "actor.type", "actor.alternateId", "actor.displayName",
			"target.id", "target.type", "target.alternateId", "target.displayName",
			"client.ipAddress":
			return kindString, true
		}
		return 0, false
	},
	op: func(a, op string) bool { return op != "ne" && op != "ew" },
}

func (e *logEvent) attr(a string) []any {
	switch a {
	case "published":
		return []any{e.published}
	case "uuid":
		return []any{e.uuid}
	case "eventType":
		return []any{e.eventType}
	case "displayMessage":
		return []any{e.displayMessage}
	case "severity":
		return []any{"INFO"}
	case "outcome.result":
		return []any{e.outcome}
	case "client.ipAddress":
		return []any{e.clientIP}
	}
	ents := []logEntity{e.actor}
	field, isTarget := strings.CutPrefix(a, "target.")
	if isTarget {
		ents = e.targets
	} else {
		field = strings.TrimPrefix(a, "actor.")
	}
	var out []any
	for _, t := range ents {
		switch field {
		case "id":
			out = append(out, t.id)
		case "type":
			out = append(out, t.typ)
		case "alternateId":
			out = append(out, t.alternateID)
		case "displayName":
			out = append(out, t.displayName)
		}
	}
	return out
}

func listLogEvents(s *Server, c *reqCtx) *response {
	until := c.now
	if v := c.query.Get("until"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return errResp(errValidation("until", "until: not an ISO 8601 timestamp"))
		}
		until = t
	}
	since := until.Add(-7 * 24 * time.Hour)
	if v := c.query.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return errResp(errValidation("since", "since: not an ISO 8601 timestamp"))
		}
		since = t
	}
	limit := 100
	if v := c.query.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1000 {
			return errResp(errValidation("limit", "limit: must be between 0 and 1000"))
		}
		limit = n
	}
	var filter Expr
	if v := c.query.Get("filter"); v != "" {
		e, err := ParseExpression(v)
		if err == nil {
			err = logFilterRules.check(e)
		}
		if err != nil {
			return errResp(errInvalidSearch(err.Error()))
		}
		filter = e
	}
	keywords := strings.Fields(strings.ToLower(c.query.Get("q")))
	var events []*logEvent
	for _, e := range s.events {
		if e.published.Before(since) || !e.published.Before(until.Add(time.Millisecond)) {
			continue
		}
		if filter != nil && !logFilterRules.eval(filter, e.attr) {
			continue
		}
		if !matchesKeywords(e, keywords) {
			continue
		}
		events = append(events, e)
	}
	// By publication time (a test may seed past events after newer ones),
	// then in the order logged; paged by offset.
	sort.SliceStable(events, func(i, j int) bool { return events[i].published.Before(events[j].published) })
	if c.query.Get("sortOrder") == "DESCENDING" {
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
		}
	}
	page, next, aerr := paginate(events, func(e *logEvent) int64 { return e.seq }, true, "logs", c.query.Get("after"), max(limit, 1))
	if aerr != nil {
		return errResp(aerr)
	}
	if limit == 0 {
		page, next = nil, ""
	}
	out := make([]any, 0, len(page))
	for _, e := range page {
		out = append(out, e.json())
	}
	r := jsonResp(http.StatusOK, out)
	s.addLinks(r, c, next)
	return r
}

func matchesKeywords(e *logEvent, keywords []string) bool {
	if len(keywords) == 0 {
		return true
	}
	hay := strings.ToLower(e.eventType + " " + e.displayMessage + " " + e.actor.alternateID + " " + e.actor.displayName)
	for _, t := range e.targets {
		hay += " " + strings.ToLower(t.id+" "+t.alternateID+" "+t.displayName)
	}
	for _, k := range keywords {
		if !strings.Contains(hay, k) {
			return false
		}
	}
	return true
}

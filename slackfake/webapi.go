package slackfake

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// params are a Web API request's arguments. Form values are kept as they
// are; JSON body fields are kept as strings when they are strings and as
// their JSON text otherwise.
type params map[string]string

// raw returns an argument that holds JSON (blocks, view, files): a
// JSON-encoded string in a form, or an object/array/string in a JSON body.
func (p params) raw(k string) (json.RawMessage, bool) {
	v, ok := p[k]
	if !ok || v == "" {
		return nil, false
	}
	return json.RawMessage(v), true
}

type apiRequest struct {
	params params
	token  string // from Authorization: Bearer, else the form's token
	isJSON bool
}

// apiErr is a Web API error answer.
type apiErr struct {
	code   string
	extra  map[string]any
	status int
}

func errResp(code string) *apiErr { return &apiErr{code: code} }

func invalidBlocks(errs []string) *apiErr {
	return &apiErr{code: "invalid_blocks", extra: map[string]any{
		"errors":            errs,
		"response_metadata": map[string]any{"messages": errorMessages(errs)},
	}}
}

func invalidArguments(errs []string) *apiErr {
	return &apiErr{code: "invalid_arguments", extra: map[string]any{
		"response_metadata": map[string]any{"messages": errorMessages(errs)},
	}}
}

func errorMessages(errs []string) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = "[ERROR] " + e
	}
	return out
}

func parseAPIRequest(r *http.Request) (apiRequest, *apiErr) {
	req := apiRequest{params: params{}}
	if h := r.Header.Get("Authorization"); h != "" {
		if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
			req.token = strings.TrimSpace(tok)
		}
	}
	for k, v := range r.URL.Query() {
		// Slack no longer takes tokens in the query string (new apps since
		// 2021); the token must be in the header or the form body.
		if len(v) > 0 && k != "token" {
			req.params[k] = v[0]
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return req, errResp("request_timeout")
	}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ctype == "application/json":
		req.isJSON = true
		if len(bytes.TrimSpace(body)) == 0 {
			break
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return req, errResp("invalid_json")
		}
		for k, v := range obj {
			var s string
			if json.Unmarshal(v, &s) == nil {
				req.params[k] = s
			} else if !isJSONNull(v) {
				req.params[k] = string(v)
			}
		}
	case ctype == "application/x-www-form-urlencoded" || (ctype == "" && len(body) > 0):
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return req, errResp("invalid_form_data")
		}
		for k, v := range vals {
			if len(v) > 0 {
				req.params[k] = v[0]
			}
		}
	case ctype == "multipart/form-data":
		// Not used by the methods faked here.
	case len(body) > 0:
		return req, errResp("invalid_post_type")
	}
	if req.token == "" && !req.isJSON {
		// Slack accepts the token as a form parameter; a JSON body must use
		// the Authorization header.
		req.token = req.params["token"]
	}
	delete(req.params, "token")
	return req, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Web API methods and the token they take.
var appTokenMethods = map[string]bool{"apps.connections.open": true}

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	req, perr := parseAPIRequest(r)

	s.mu.Lock()
	s.inFlight[method]++
	s.maxFlight[method] = max(s.maxFlight[method], s.inFlight[method])
	delay := s.latency[method]
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight[method]--
		s.mu.Unlock()
	}()
	if delay > 0 {
		time.Sleep(delay)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	call := APICall{Method: method, Params: map[string]string(req.params), At: s.now()}
	answer := func(status int, body map[string]any) {
		if ok, _ := body["ok"].(bool); !ok {
			call.Error, _ = body["error"].(string)
		}
		s.calls = append(s.calls, call)
		s.broadcastLocked()
		writeJSON(w, status, body)
	}
	fail := func(e *apiErr) {
		body := map[string]any{"ok": false, "error": e.code}
		for k, v := range e.extra {
			body[k] = v
		}
		status := e.status
		if status == 0 {
			status = http.StatusOK
		}
		if e.code == "ratelimited" {
			w.Header().Set("Retry-After", "1")
			status = http.StatusTooManyRequests
		}
		answer(status, body)
	}
	if perr != nil {
		fail(perr)
		return
	}
	if e := s.checkTokenLocked(method, req.token); e != nil {
		fail(e)
		return
	}
	if inj := s.inject[method]; len(inj) > 0 {
		s.inject[method] = inj[1:]
		fail(errResp(inj[0].code))
		return
	}
	if e := s.checkScopeLocked(method, req.params); e != nil {
		fail(e)
		return
	}
	var (
		body map[string]any
		e    *apiErr
	)
	p := req.params
	switch method {
	case "apps.connections.open":
		body = s.openConnectionLocked()
	case "auth.test":
		body = map[string]any{
			"ok": true, "url": "https://" + s.cfg.teamDomain + ".slack.com/", "team": "Fake Team",
			"user": "oktabot", "team_id": s.cfg.teamID, "user_id": s.cfg.botUserID,
			"bot_id": s.cfg.botID, "is_enterprise_install": false,
		}
	case "chat.postMessage":
		body, e = s.chatPostMessageLocked(p)
	case "chat.postEphemeral":
		body, e = s.chatPostEphemeralLocked(p)
	case "chat.update":
		body, e = s.chatUpdateLocked(p)
	case "views.open":
		body, e = s.viewsOpenLocked(p, false)
	case "views.push":
		body, e = s.viewsOpenLocked(p, true)
	case "views.publish":
		body, e = s.viewsPublishLocked(p)
	case "views.update":
		body, e = s.viewsUpdateLocked(p)
	case "users.info":
		body, e = s.usersInfoLocked(p)
	case "usergroups.users.list":
		body, e = s.usergroupsUsersListLocked(p)
	case "conversations.open":
		body, e = s.conversationsOpenLocked(p)
	case "conversations.info":
		body, e = s.conversationsInfoLocked(p)
	case "chat.getPermalink":
		body, e = s.chatGetPermalinkLocked(p)
	case "conversations.history":
		body, e = s.conversationsHistoryLocked(p)
	case "conversations.replies":
		body, e = s.conversationsRepliesLocked(p)
	case "conversations.members":
		body, e = s.conversationsMembersLocked(p)
	case "files.getUploadURLExternal":
		body, e = s.filesGetUploadURLLocked(p)
	case "files.completeUploadExternal":
		body, e = s.filesCompleteUploadLocked(p)
	default:
		s.violationLocked("the bot called %s, which slackfake does not implement", method)
		e = &apiErr{code: "unknown_method", extra: map[string]any{"req_method": method}}
	}
	if e != nil {
		if e.code == "invalid_blocks" || e.code == "invalid_arguments" || e.code == "view_too_large" {
			s.violationLocked("%s: %s %v", method, e.code, e.extra)
		}
		fail(e)
		return
	}
	answer(http.StatusOK, body)
}

func (s *Server) checkTokenLocked(method, token string) *apiErr {
	switch {
	case token == "":
		return errResp("not_authed")
	case token == s.appToken:
		if !appTokenMethods[method] {
			return errResp("not_allowed_token_type")
		}
	case token == s.botToken:
		if appTokenMethods[method] {
			return errResp("not_allowed_token_type")
		}
	default:
		return errResp("invalid_auth")
	}
	return nil
}

// resolveChannelLocked finds the conversation a call names: a known
// channel, the app's DM ("D…" named after a known user) or a user id (the
// app's DM with them). A conversation the app is not part of (a DM between
// people, a private channel it is not in) does not exist for it:
// channel_not_found, as Slack answers.
func (s *Server) resolveChannelLocked(id string) (*channel, *apiErr) {
	if id == "" {
		return nil, errResp("channel_not_found")
	}
	if ch, ok := s.channels[id]; ok {
		if !s.visibleLocked(ch) {
			return nil, errResp("channel_not_found")
		}
		return ch, nil
	}
	switch id[0] {
	case 'D':
		if u := "U" + id[1:]; s.userExistsLocked(u) {
			return s.dmLocked(id, u), nil
		}
		if u := "W" + id[1:]; s.userExistsLocked(u) {
			return s.dmLocked(id, u), nil
		}
	case 'U', 'W':
		if s.userExistsLocked(id) {
			return s.dmLocked(appDMID(id), id), nil
		}
	}
	return nil, errResp("channel_not_found")
}

func (s *Server) userExistsLocked(id string) bool {
	_, ok := s.users[id]
	return ok && id != s.cfg.botUserID
}

// visibleLocked reports whether the app can see a conversation at all.
func (s *Server) visibleLocked(ch *channel) bool {
	switch ch.kind {
	case kindPeopleDM:
		return false
	case kindPrivate:
		return ch.botMember
	}
	return true
}

// conversationsInfoLocked answers conversations.info as Slack does for a
// bot token: a conversation the app cannot see (a private channel it is
// not in, a direct message between people, an unknown id) is
// channel_not_found; a public channel is shown whether or not the bot is a
// member, with is_member saying which.
func (s *Server) conversationsInfoLocked(p params) (map[string]any, *apiErr) {
	ch, e := s.resolveChannelLocked(p["channel"])
	if e != nil {
		return nil, e
	}
	c := map[string]any{
		"id": ch.id, "created": 1700000000, "is_archived": ch.archived, "is_general": false,
		"is_org_shared": false, "is_shared": false, "is_ext_shared": false, "is_mpim": false,
	}
	switch ch.kind {
	case kindAppDM:
		c["is_im"], c["user"], c["is_user_deleted"] = true, ch.dmUser, false
		c["is_open"] = true
	default:
		private := ch.kind == kindPrivate
		c["name"], c["name_normalized"] = ch.name, ch.name
		c["is_channel"], c["is_group"], c["is_im"], c["is_private"] = true, false, false, private
		c["is_member"] = ch.botMember
		c["creator"] = "U0CREATOR"
		c["topic"] = map[string]any{"value": "", "creator": "", "last_set": 0}
		c["purpose"] = map[string]any{"value": "", "creator": "", "last_set": 0}
		if strings.HasPrefix(ch.id, "G") { // a private channel from before 2021
			c["is_channel"], c["is_group"] = false, true
		}
	}
	return map[string]any{"ok": true, "channel": c}, nil
}

// conversationsOpenLocked opens (or finds) the app's DM with one user, as
// conversations.open with users=U… does; multi-person DMs are not faked.
func (s *Server) conversationsOpenLocked(p params) (map[string]any, *apiErr) {
	if id := p["channel"]; id != "" {
		ch, e := s.resolveChannelLocked(id)
		if e != nil {
			return nil, e
		}
		return map[string]any{"ok": true, "channel": map[string]any{"id": ch.id}}, nil
	}
	users := strings.Split(p["users"], ",")
	if p["users"] == "" {
		return nil, errResp("users_list_not_supplied")
	}
	if len(users) > 1 {
		s.violationLocked("conversations.open with several users (%s): multi-person DMs are not faked", p["users"])
		return nil, errResp("not_enough_users")
	}
	u := strings.TrimSpace(users[0])
	if !s.userExistsLocked(u) {
		return nil, errResp("user_not_found")
	}
	ch := s.dmLocked(appDMID(u), u)
	return map[string]any{"ok": true, "no_op": false, "already_open": false, "channel": map[string]any{"id": ch.id}}, nil
}

func (s *Server) dmLocked(id, user string) *channel {
	ch, ok := s.channels[id]
	if !ok {
		ch = &channel{id: id, name: "directmessage", kind: kindAppDM, members: map[string]bool{}, botMember: true}
		s.channels[id] = ch
	}
	if user != "" && ch.dmUser == "" {
		ch.dmUser = user
		ch.members[user] = true
	}
	return ch
}

// messageContent validates text and blocks of a chat.* call.
func (s *Server) messageContentLocked(p params, requireContent bool) (text string, blocks any, hasBlocks bool, warning string, e *apiErr) {
	text = p["text"]
	if raw, ok := p.raw("blocks"); ok {
		v, err := decodeJSON(raw)
		if err != nil {
			return "", nil, false, "", invalidBlocks([]string{"invalid JSON [json-pointer:/blocks]"})
		}
		if v != nil {
			var val validator
			val.blocks("/blocks", v, surfaceMessage)
			if len(val.errs) > 0 {
				return "", nil, false, "", invalidBlocks(val.errs)
			}
			// blocks=[] is no blocks (chat.update: it clears them).
			if arr, _ := v.([]any); len(arr) > 0 {
				blocks, hasBlocks = v, true
			}
		}
	}
	_, hasAttachments := p.raw("attachments")
	if requireContent && text == "" && !hasBlocks && !hasAttachments {
		return "", nil, false, "", errResp("no_text")
	}
	text, truncated := truncateText(text)
	if truncated {
		warning = "message_truncated"
	}
	return text, blocks, hasBlocks, warning, nil
}

func (s *Server) botMessageObject(p *posted) map[string]any {
	m := map[string]any{
		"type": "message", "user": s.cfg.botUserID, "bot_id": s.cfg.botID, "app_id": s.cfg.appID,
		"team": s.cfg.teamID, "text": p.text, "ts": p.ts,
		"bot_profile": map[string]any{"id": s.cfg.botID, "app_id": s.cfg.appID, "name": "oktabot", "team_id": s.cfg.teamID, "deleted": false},
	}
	if p.author != s.cfg.botUserID {
		m["user"] = p.author
		delete(m, "bot_id")
		delete(m, "app_id")
		delete(m, "bot_profile")
	}
	if p.threadTS != "" {
		m["thread_ts"] = p.threadTS
	}
	if p.blocks != nil {
		m["blocks"] = p.blocks
	}
	if p.attachments != nil {
		m["attachments"] = p.attachments
	}
	if p.botID != "" {
		m["bot_id"], m["subtype"] = p.botID, "bot_message"
	}
	return m
}

func withWarning(body map[string]any, warning string) map[string]any {
	if warning != "" {
		body["warning"] = warning
		body["response_metadata"] = map[string]any{"warnings": []string{warning}}
	}
	return body
}

func (s *Server) chatPostMessageLocked(p params) (map[string]any, *apiErr) {
	ch, e := s.resolveChannelLocked(p["channel"])
	if e != nil {
		return nil, e
	}
	if ch.archived {
		return nil, errResp("is_archived")
	}
	if !ch.botMember {
		return nil, errResp("not_in_channel")
	}
	text, blocks, hasBlocks, warning, e := s.messageContentLocked(p, true)
	if e != nil {
		return nil, e
	}
	if e := s.postLimitLocked(ch); e != nil {
		return nil, e
	}
	post := &posted{channel: ch.id, ts: s.nextTSLocked(), at: s.now(), threadTS: p["thread_ts"], author: s.cfg.botUserID, text: text}
	if hasBlocks {
		post.blocks = s.fillIDsLocked(blocks)
	}
	s.posts[ch.id+"/"+post.ts] = post
	s.recordMessageLocked(Message{Via: "chat.postMessage", Channel: ch.id, TS: post.ts, ThreadTS: post.threadTS, Text: text, Blocks: post.blocks, At: s.now()})
	return withWarning(map[string]any{"ok": true, "channel": ch.id, "ts": post.ts, "message": s.botMessageObject(post)}, warning), nil
}

func (s *Server) chatPostEphemeralLocked(p params) (map[string]any, *apiErr) {
	ch, e := s.resolveChannelLocked(p["channel"])
	if e != nil {
		return nil, e
	}
	user := p["user"]
	if user == "" {
		return nil, errResp("user_not_found")
	}
	if _, ok := s.users[user]; !ok {
		return nil, errResp("user_not_found")
	}
	if ch.archived {
		return nil, errResp("is_archived")
	}
	if !ch.botMember {
		return nil, errResp("not_in_channel")
	}
	if ch.kind == kindAppDM {
		if ch.dmUser != "" && ch.dmUser != user {
			return nil, errResp("user_not_in_channel")
		}
	} else if !ch.members[user] {
		return nil, errResp("user_not_in_channel")
	}
	text, blocks, hasBlocks, warning, e := s.messageContentLocked(p, true)
	if e != nil {
		return nil, e
	}
	post := &posted{channel: ch.id, ts: s.nextTSLocked(), at: s.now(), threadTS: p["thread_ts"], author: s.cfg.botUserID, text: text, ephemeralTo: user}
	if hasBlocks {
		post.blocks = s.fillIDsLocked(blocks)
	}
	s.posts[ch.id+"/"+post.ts] = post
	s.recordMessageLocked(Message{Via: "chat.postEphemeral", Channel: ch.id, User: user, TS: post.ts, ThreadTS: post.threadTS, ResponseType: "ephemeral", Text: text, Blocks: post.blocks, At: s.now()})
	return withWarning(map[string]any{"ok": true, "message_ts": post.ts}, warning), nil
}

func (s *Server) chatUpdateLocked(p params) (map[string]any, *apiErr) {
	ch, e := s.resolveChannelLocked(p["channel"])
	if e != nil {
		return nil, e
	}
	post, ok := s.posts[ch.id+"/"+p["ts"]]
	if !ok || post.deleted || post.ephemeralTo != "" {
		return nil, errResp("message_not_found")
	}
	if post.author != s.cfg.botUserID {
		return nil, errResp("cant_update_message")
	}
	text, blocks, hasBlocks, warning, e := s.messageContentLocked(p, false)
	if e != nil {
		return nil, e
	}
	_, blocksGiven := p["blocks"]
	if text == "" && !hasBlocks && (blocksGiven || post.blocks == nil) {
		if _, att := p.raw("attachments"); !att {
			return nil, errResp("no_text")
		}
	}
	if _, given := p["text"]; given || text != "" {
		post.text = text
	}
	if hasBlocks {
		post.blocks = s.fillIDsLocked(blocks)
	} else if blocksGiven {
		post.blocks = nil // blocks=[] (or null) clears them
	}
	post.at = s.now()
	s.recordMessageLocked(Message{Via: "chat.update", Channel: ch.id, TS: post.ts, ThreadTS: post.threadTS, Text: post.text, Blocks: post.blocks, At: s.now()})
	return withWarning(map[string]any{"ok": true, "channel": ch.id, "ts": post.ts, "text": post.text, "message": s.botMessageObject(post)}, warning), nil
}

func (s *Server) usersInfoLocked(p params) (map[string]any, *apiErr) {
	u, ok := s.users[p["user"]]
	if !ok {
		return nil, errResp("user_not_found")
	}
	team := u.TeamID
	if team == "" {
		team = s.cfg.teamID
	}
	profile := map[string]any{
		"real_name": u.RealName, "real_name_normalized": u.RealName,
		"display_name": u.DisplayName, "display_name_normalized": u.DisplayName,
		"team": team,
	}
	if u.Email != "" && s.grantedLocked("users:read.email") {
		profile["email"] = u.Email
	}
	user := map[string]any{
		"id": u.ID, "team_id": team, "name": u.Name, "deleted": u.Deleted,
		"real_name": u.RealName, "is_bot": u.IsBot, "is_app_user": false,
		"tz": "Europe/London", "tz_label": "Greenwich Mean Time", "tz_offset": 0,
		"profile": profile,
	}
	if u.IsStranger {
		user["is_stranger"] = true
	}
	if p["include_locale"] == "true" {
		user["locale"] = "en-US"
	}
	return map[string]any{"ok": true, "user": user}, nil
}

func (s *Server) usergroupsUsersListLocked(p params) (map[string]any, *apiErr) {
	members, ok := s.groups[p["usergroup"]]
	if !ok {
		return nil, errResp("no_such_subteam")
	}
	users := append([]string{}, members...)
	return map[string]any{"ok": true, "users": users}, nil
}

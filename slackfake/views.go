package slackfake

import (
	"encoding/json"
	"fmt"
	"time"
)

const (
	triggerLifetime = 3 * time.Second
	maxViewStack    = 3
	maxViewBytes    = 250 * 1024
)

// View is one state of a modal.
type View struct {
	ID, Hash, CallbackID, PrivateMetadata, Title string
	Blocks                                       json.RawMessage
	User                                         string // whose modal it is
	Submit, Close, ExternalID                    string
	NotifyOnClose, ClearOnClose                  bool
	RootViewID, PreviousViewID                   string
	Via                                          string // "views.open", "views.update", "views.push", "response_action:update", "response_action:push"
	At                                           time.Time
}

type trigger struct {
	id     string
	user   string
	issued time.Time
	used   bool
}

type viewState struct {
	id, hash, user         string
	rootID, previousID     string
	obj                    map[string]any // the view as Slack stores it (ids filled in)
	blocks                 json.RawMessage
	closed                 bool
	at                     time.Time
	teamID, appID, botID   string
	callbackID, privateMD  string
	title, submit, closeTx string
}

func textOf(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["text"].(string)
	return s
}

func (vs *viewState) snapshot(via string) View {
	b, _ := vs.obj["notify_on_close"].(bool)
	c, _ := vs.obj["clear_on_close"].(bool)
	ext, _ := vs.obj["external_id"].(string)
	return View{
		ID: vs.id, Hash: vs.hash, CallbackID: vs.callbackID, PrivateMetadata: vs.privateMD,
		Title: vs.title, Blocks: vs.blocks, User: vs.user, Submit: vs.submit, Close: vs.closeTx,
		ExternalID: ext, NotifyOnClose: b, ClearOnClose: c, RootViewID: vs.rootID,
		PreviousViewID: vs.previousID, Via: via, At: vs.at,
	}
}

// payloadObject is the view as interaction payloads and API answers carry
// it, with state.values.
func (vs *viewState) payloadObject(values map[string]any) map[string]any {
	if values == nil {
		values = map[string]any{}
	}
	obj := map[string]any{
		"id": vs.id, "team_id": vs.teamID, "type": "modal", "blocks": vs.blocks,
		"private_metadata": vs.privateMD, "callback_id": vs.callbackID,
		"state": map[string]any{"values": values}, "hash": vs.hash,
		"title": vs.obj["title"], "clear_on_close": vs.obj["clear_on_close"] == true,
		"notify_on_close": vs.obj["notify_on_close"] == true,
		"root_view_id":    vs.rootID, "app_id": vs.appID, "external_id": stringOr(vs.obj["external_id"]),
		"app_installed_team_id": vs.teamID, "bot_id": vs.botID,
	}
	if vs.previousID != "" {
		obj["previous_view_id"] = vs.previousID
	} else {
		obj["previous_view_id"] = nil
	}
	if v, ok := vs.obj["submit"]; ok {
		obj["submit"] = v
	}
	if v, ok := vs.obj["close"]; ok {
		obj["close"] = v
	}
	return obj
}

func stringOr(v any) string {
	s, _ := v.(string)
	return s
}

// issueTriggerLocked makes a trigger_id for an interaction by user.
func (s *Server) issueTriggerLocked(user string) string {
	s.seq++
	id := fmt.Sprintf("%d.%d.%016x", s.now().Unix(), s.seq, uint64(s.seq)*0x9e3779b97f4a7c15)
	s.triggers[id] = &trigger{id: id, user: user, issued: s.now()}
	return id
}

// checkViewLocked validates a view argument; it returns the decoded view.
func (s *Server) checkViewLocked(raw json.RawMessage, ptr string) (map[string]any, *apiErr) {
	if len(raw) > maxViewBytes {
		return nil, errResp("view_too_large")
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, invalidArguments([]string{"invalid JSON [json-pointer:" + ptr + "]"})
	}
	var val validator
	val.view(ptr, v)
	if len(val.errs) > 0 {
		return nil, invalidArguments(val.errs)
	}
	return v.(map[string]any), nil
}

func (s *Server) useTriggerLocked(id string) (*trigger, *apiErr) {
	t, ok := s.triggers[id]
	switch {
	case !ok:
		return nil, errResp("invalid_trigger_id")
	case t.used:
		return nil, errResp("exchanged_trigger_id")
	case s.now().Sub(t.issued) > triggerLifetime:
		return nil, errResp("expired_trigger_id")
	}
	t.used = true
	return t, nil
}

// newViewLocked stores a new view for user.
func (s *Server) newViewLocked(obj map[string]any, user, rootID, previousID string) *viewState {
	vs := &viewState{id: s.nextIDLocked("V"), user: user, teamID: s.cfg.teamID, appID: s.cfg.appID, botID: s.cfg.botID}
	if rootID == "" {
		rootID = vs.id
	}
	vs.rootID, vs.previousID = rootID, previousID
	s.setViewContentLocked(vs, obj)
	s.views[vs.id] = vs
	return vs
}

func (s *Server) setViewContentLocked(vs *viewState, obj map[string]any) {
	vs.obj = obj
	vs.blocks = s.fillIDsLocked(obj["blocks"])
	vs.hash = fmt.Sprintf("%d.%08x", s.now().Unix(), uint32(s.seq+1)*2654435761)
	s.seq++
	vs.at = s.now()
	vs.callbackID = stringOr(obj["callback_id"])
	vs.privateMD = stringOr(obj["private_metadata"])
	vs.title = textOf(obj["title"])
	vs.submit = textOf(obj["submit"])
	vs.closeTx = textOf(obj["close"])
}

func (s *Server) logViewLocked(vs *viewState, via string) {
	s.viewLog = append(s.viewLog, vs.snapshot(via))
	s.broadcastLocked()
}

func (s *Server) viewsOpenLocked(p params, push bool) (map[string]any, *apiErr) {
	raw, ok := p.raw("view")
	if !ok {
		return nil, invalidArguments([]string{"missing required field: view"})
	}
	tid := p["trigger_id"]
	if tid == "" {
		tid = p["interactivity_pointer"]
	}
	// Slack checks the view before spending the trigger.
	obj, e := s.checkViewLocked(raw, "/view")
	if e != nil {
		return nil, e
	}
	t, e := s.useTriggerLocked(tid)
	if e != nil {
		return nil, e
	}
	var vs *viewState
	if push {
		stack := s.stacks[t.user]
		if len(stack) == 0 {
			return nil, invalidArguments([]string{"no modal is open for this user to push onto [json-pointer:/trigger_id]"})
		}
		if len(stack) >= maxViewStack {
			return nil, errResp("push_limit_reached")
		}
		top := s.views[stack[len(stack)-1]]
		vs = s.newViewLocked(obj, t.user, top.rootID, top.id)
		s.stacks[t.user] = append(stack, vs.id)
		s.logViewLocked(vs, "views.push")
	} else {
		for _, id := range s.stacks[t.user] {
			s.views[id].closed = true
		}
		vs = s.newViewLocked(obj, t.user, "", "")
		s.stacks[t.user] = []string{vs.id}
		s.logViewLocked(vs, "views.open")
	}
	return map[string]any{"ok": true, "view": vs.payloadObject(nil)}, nil
}

// viewsPublishLocked sets a user's Home tab (views.publish).
func (s *Server) viewsPublishLocked(p params) (map[string]any, *apiErr) {
	user := p["user_id"]
	if _, ok := s.users[user]; !ok || user == "" {
		return nil, errResp("user_not_found")
	}
	raw, ok := p.raw("view")
	if !ok {
		return nil, invalidArguments([]string{"missing required field: view"})
	}
	if len(raw) > maxViewBytes {
		return nil, errResp("view_too_large")
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, invalidArguments([]string{"invalid JSON [json-pointer:/view]"})
	}
	var val validator
	val.homeView("/view", v)
	if len(val.errs) > 0 {
		return nil, invalidArguments(val.errs)
	}
	obj := v.(map[string]any)
	vs, ok := s.views[s.homes[user]]
	if ok {
		if h := p["hash"]; h != "" && h != vs.hash {
			return nil, errResp("hash_conflict")
		}
		s.setViewContentLocked(vs, obj)
	} else {
		vs = s.newViewLocked(obj, user, "", "")
		s.homes[user] = vs.id
	}
	s.logViewLocked(vs, "views.publish")
	out := vs.payloadObject(nil)
	out["type"] = "home"
	return map[string]any{"ok": true, "view": out}, nil
}

// Home is a user's Home tab as the bot last published it.
func (s *Server) Home(user string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	vs, ok := s.views[s.homes[user]]
	if !ok {
		return View{}, false
	}
	return vs.snapshot("views.publish"), true
}

func (s *Server) viewsUpdateLocked(p params) (map[string]any, *apiErr) {
	raw, ok := p.raw("view")
	if !ok {
		return nil, invalidArguments([]string{"missing required field: view"})
	}
	var vs *viewState
	if id := p["view_id"]; id != "" {
		vs = s.views[id]
	} else if ext := p["external_id"]; ext != "" {
		for _, v := range s.views {
			if stringOr(v.obj["external_id"]) == ext && !v.closed {
				vs = v
			}
		}
	} else {
		return nil, invalidArguments([]string{"must provide view_id or external_id"})
	}
	if vs == nil || vs.closed {
		return nil, errResp("not_found")
	}
	if h := p["hash"]; h != "" && h != vs.hash {
		return nil, errResp("hash_conflict")
	}
	obj, e := s.checkViewLocked(raw, "/view")
	if e != nil {
		return nil, e
	}
	s.setViewContentLocked(vs, obj)
	s.logViewLocked(vs, "views.update")
	return map[string]any{"ok": true, "view": vs.payloadObject(nil)}, nil
}

// closeTopViewLocked closes the submitted view when the ack carries no
// response_action.
func (s *Server) closeTopViewLocked(user, viewID string) {
	stack := s.stacks[user]
	for k, id := range stack {
		if id == viewID {
			for _, later := range stack[k:] {
				s.views[later].closed = true
			}
			s.stacks[user] = stack[:k]
			s.broadcastLocked()
			return
		}
	}
}

func (s *Server) clearViewsLocked(user string) {
	for _, id := range s.stacks[user] {
		s.views[id].closed = true
	}
	delete(s.stacks, user)
	s.broadcastLocked()
}

// ackViewSubmissionLocked applies a view_submission ack payload.
func (s *Server) ackViewSubmissionLocked(i *Interaction, m map[string]any) {
	vs := s.views[i.viewID]
	action, _ := m["response_action"].(string)
	switch action {
	case "":
		if len(m) == 0 {
			s.closeTopViewLocked(i.User, i.viewID)
			return
		}
		s.violationLocked("view_submission ack for envelope %q has a payload without response_action: %v", i.EnvelopeID, m)
	case "errors":
		errs, ok := m["errors"].(map[string]any)
		if !ok || len(errs) == 0 {
			s.violationLocked("view_submission ack for envelope %q: response_action errors needs a non-empty errors object", i.EnvelopeID)
			return
		}
		inputs := inputBlockIDs(vs)
		for _, k := range sortedKeys(errs) {
			if !inputs[k] {
				s.violationLocked("view_submission ack for envelope %q: errors key %q is not the block_id of an input block in view %s (Slack shows a generic error instead)", i.EnvelopeID, k, i.viewID)
			}
			if msg, _ := errs[k].(string); msg == "" {
				s.violationLocked("view_submission ack for envelope %q: error for %q is not a non-empty string", i.EnvelopeID, k)
			}
		}
	case "update", "push":
		var val validator
		val.view("/view", m["view"])
		if raw, _ := json.Marshal(m["view"]); len(raw) > maxViewBytes {
			val.errs = append(val.errs, "view_too_large [json-pointer:/view]")
		}
		if len(val.errs) > 0 {
			s.violationLocked("view_submission ack for envelope %q: response_action %s with an invalid view: %v", i.EnvelopeID, action, val.errs)
			return
		}
		obj := m["view"].(map[string]any)
		if action == "update" {
			if vs == nil || vs.closed {
				s.violationLocked("view_submission ack for envelope %q: response_action update for a closed view", i.EnvelopeID)
				return
			}
			s.setViewContentLocked(vs, obj)
			s.logViewLocked(vs, "response_action:update")
			return
		}
		stack := s.stacks[i.User]
		if len(stack) >= maxViewStack {
			s.violationLocked("view_submission ack for envelope %q: response_action push beyond the stack of %d views (push_limit_reached)", i.EnvelopeID, maxViewStack)
			return
		}
		root, prev := "", ""
		if vs != nil {
			root, prev = vs.rootID, vs.id
		}
		nv := s.newViewLocked(obj, i.User, root, prev)
		s.stacks[i.User] = append(stack, nv.id)
		s.logViewLocked(nv, "response_action:push")
	case "clear":
		s.clearViewsLocked(i.User)
	default:
		s.violationLocked("view_submission ack for envelope %q: unknown response_action %q", i.EnvelopeID, action)
	}
}

func inputBlockIDs(vs *viewState) map[string]bool {
	out := map[string]bool{}
	if vs == nil {
		return out
	}
	blocks, _ := decodeJSON(vs.blocks)
	arr, _ := blocks.([]any)
	for _, b := range arr {
		m, _ := b.(map[string]any)
		if m["type"] == "input" {
			if id, ok := m["block_id"].(string); ok {
				out[id] = true
			}
		}
	}
	return out
}

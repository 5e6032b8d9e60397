package slackfake

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Interaction is one envelope sent to the bot: what a user did (or an
// event). Its exported fields are set before the envelope is sent.
type Interaction struct {
	EnvelopeID  string
	Type        string // "slash_commands", "block_actions", "view_submission", "block_suggestion", "view_closed", "events_api"
	TriggerID   string // "" when the interaction has none
	ResponseURL string // "" when the interaction has none
	User        string
	Channel     string
	Payload     json.RawMessage // the envelope's payload as sent
	// RetryAttempt is the envelope's retry_attempt (events_api redeliveries).
	RetryAttempt int
	// Conn is the connection the envelope went out on.
	Conn int

	s              *Server
	acceptsPayload bool
	viewID         string
	replies        *replyLog
	// guarded by s.mu
	sentAt     time.Time
	deliverErr error
	ack        *Ack
}

// WaitAck waits for the bot's ack of this envelope.
func (i *Interaction) WaitAck(timeout time.Duration) (Ack, error) {
	var (
		ack Ack
		err error
	)
	werr := i.s.waitFor(timeout, func() bool {
		if i.ack != nil {
			ack = *i.ack
			return true
		}
		if i.deliverErr != nil {
			err = i.deliverErr
			return true
		}
		return false
	})
	if werr != nil {
		return Ack{}, fmt.Errorf("slackfake: no ack for %s envelope %s after %v", i.Type, i.EnvelopeID, timeout)
	}
	return ack, err
}

// WaitReplies waits until at least n messages reached the user through this
// interaction (response_url replies, and a slash command ack's message) and
// returns all of them so far.
func (i *Interaction) WaitReplies(n int, timeout time.Duration) ([]Message, error) {
	if i.replies == nil {
		return nil, fmt.Errorf("slackfake: %s interactions have no response_url", i.Type)
	}
	var out []Message
	err := i.s.waitFor(timeout, func() bool {
		out = slices.Clone(i.replies.msgs)
		return len(out) >= n
	})
	if err != nil {
		return out, fmt.Errorf("slackfake: %d replies to %s envelope %s after %v, want %d", len(out), i.Type, i.EnvelopeID, timeout, n)
	}
	return out, nil
}

// Replies are the messages that reached the user through this interaction
// so far.
func (i *Interaction) Replies() []Message {
	if i.replies == nil {
		return nil
	}
	i.s.mu.Lock()
	defer i.s.mu.Unlock()
	return slices.Clone(i.replies.msgs)
}

func (s *Server) newEnvelopeIDLocked() string {
	s.seq++
	n := uint64(s.seq)
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(n*2654435761), n&0xffff, n&0xfff, (n>>12)&0xfff, n*0x9e3779b97f4a7c15&0xffffffffffff)
}

func (s *Server) userObjLocked(id string) map[string]any {
	u := s.users[id]
	name := u.Name
	if name == "" {
		name = strings.ToLower(id)
	}
	return map[string]any{"id": id, "username": name, "name": name, "team_id": s.cfg.teamID}
}

func (s *Server) teamObj() map[string]any {
	return map[string]any{"id": s.cfg.teamID, "domain": s.cfg.teamDomain}
}

func (i *Interaction) envelope() map[string]any {
	env := map[string]any{
		"envelope_id":              i.EnvelopeID,
		"type":                     i.Type,
		"payload":                  i.Payload,
		"accepts_response_payload": i.acceptsPayload,
	}
	if i.Type == "events_api" {
		env["retry_attempt"] = i.RetryAttempt
		env["retry_reason"] = ""
		if i.RetryAttempt > 0 {
			env["retry_reason"] = "timeout"
		}
	}
	if i.Type != "slash_commands" && i.Type != "events_api" {
		env["type"] = "interactive"
	}
	return env
}

func (s *Server) send(i *Interaction, payload map[string]any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	i.Payload = b
	return s.deliver(i, i.envelope())
}

// SlashCommand is user typing command (e.g. "/okta") with text in a
// channel. The bot gets text as Slack sends it with should_escape on
// (escapeCommandText): write a mention picked from autocomplete as Slack
// does, <@U…|name>; everything else as typed. It returns once the envelope
// is sent; a failure to send is reported with t.Errorf and by WaitAck.
func (s *Server) SlashCommand(user, channelID, command, text string) *Interaction {
	s.t.Helper()
	s.mu.Lock()
	if _, ok := s.users[user]; !ok {
		s.t.Errorf("slackfake: SlashCommand by unknown user %q (AddUser first)", user)
	}
	if !strings.HasPrefix(command, "/") {
		s.t.Errorf("slackfake: SlashCommand %q does not start with '/'", command)
	}
	ch, ok := s.channels[channelID]
	switch {
	case ok:
	case channelID == appDMID(user):
		ch = s.dmLocked(channelID, user)
	case strings.HasPrefix(channelID, "D"):
		s.t.Errorf("slackfake: SlashCommand by %s in %q, which is neither their DM with the app (AppDM) nor a DM added with AddDM", user, channelID)
		ch = &channel{id: channelID, name: "directmessage", kind: kindPeopleDM, members: map[string]bool{user: true}}
	default:
		s.t.Errorf("slackfake: SlashCommand in unknown channel %q (AddChannel first)", channelID)
		ch = &channel{id: channelID, name: strings.ToLower(channelID), members: map[string]bool{user: true}}
	}
	switch {
	case ch.kind == kindAppDM && ch.dmUser != "" && ch.dmUser != user:
		s.t.Errorf("slackfake: SlashCommand by %s in %s, the app's DM with %s", user, channelID, ch.dmUser)
	case ch.kind != kindAppDM && !ch.members[user]:
		s.t.Errorf("slackfake: SlashCommand by %s in %s, which they are not a member of (list them in AddChannel or AddDM)", user, channelID)
	}
	i := &Interaction{s: s, EnvelopeID: s.newEnvelopeIDLocked(), Type: "slash_commands", User: user, Channel: channelID, acceptsPayload: true, replies: &replyLog{}}
	i.TriggerID = s.issueTriggerLocked(user)
	i.ResponseURL = s.issueResponseURLLocked(user, channelID, nil, true, i.replies)
	name := s.userObjLocked(user)["name"]
	payload := map[string]any{
		"token": s.verToken, "team_id": s.cfg.teamID, "team_domain": s.cfg.teamDomain,
		"channel_id": channelID, "channel_name": ch.name, "user_id": user, "user_name": name,
		"command": command, "text": escapeCommandText(text), "api_app_id": s.cfg.appID, "is_enterprise_install": false,
		"response_url": i.ResponseURL, "trigger_id": i.TriggerID,
	}
	s.mu.Unlock()
	if err := s.send(i, payload); err != nil {
		s.t.Errorf("%v", err)
	}
	return i
}

// ClickButton is user clicking the button labelled buttonText in msg (as
// the message is now, after any updates). It builds a block_actions payload
// as Slack does: container, channel, message (not for ephemeral messages),
// state, response_url, trigger_id and actions.
func (s *Server) ClickButton(user string, msg Message, buttonText string) (*Interaction, error) {
	s.mu.Lock()
	p, ok := s.posts[msg.Channel+"/"+msg.TS]
	if !ok || p.deleted {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackfake: message %s/%s does not exist (any more)", msg.Channel, msg.TS)
	}
	if p.ephemeralTo != "" && p.ephemeralTo != user {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackfake: user %s cannot see the ephemeral message %s/%s (shown to %s)", user, msg.Channel, msg.TS, p.ephemeralTo)
	}
	btn, err := pickButton(p.blocks, buttonText)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	state, err := stateValues(p.blocks, nil)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	i := &Interaction{s: s, EnvelopeID: s.newEnvelopeIDLocked(), Type: "block_actions", User: user, Channel: p.channel, acceptsPayload: s.cfg.acceptsBlockResp, replies: &replyLog{}}
	i.TriggerID = s.issueTriggerLocked(user)
	i.ResponseURL = s.issueResponseURLLocked(user, p.channel, p, false, i.replies)
	container := map[string]any{"type": "message", "message_ts": p.ts, "channel_id": p.channel, "is_ephemeral": p.ephemeralTo != ""}
	if p.threadTS != "" {
		container["thread_ts"] = p.threadTS
	}
	name := p.channel
	if ch, ok := s.channels[p.channel]; ok {
		name = ch.name
	}
	payload := map[string]any{
		"type": "block_actions", "user": s.userObjLocked(user), "api_app_id": s.cfg.appID, "token": s.verToken,
		"container": container, "trigger_id": i.TriggerID, "team": s.teamObj(), "enterprise": nil,
		"is_enterprise_install": false, "channel": map[string]any{"id": p.channel, "name": name},
		"state": map[string]any{"values": state}, "response_url": i.ResponseURL,
		"actions": []any{s.buttonActionLocked(btn)},
	}
	if p.ephemeralTo == "" {
		payload["message"] = s.botMessageObject(p)
	}
	s.mu.Unlock()
	return i, s.send(i, payload)
}

func pickButton(blocks json.RawMessage, text string) (buttonRef, error) {
	var found []buttonRef
	var labels []string
	for _, b := range findButtons(blocks) {
		labels = append(labels, b.text)
		if b.text == text {
			found = append(found, b)
		}
	}
	switch len(found) {
	case 0:
		return buttonRef{}, fmt.Errorf("slackfake: no button %q (buttons: %q)", text, labels)
	case 1:
		return found[0], nil
	}
	return buttonRef{}, fmt.Errorf("slackfake: %d buttons labelled %q", len(found), text)
}

func (s *Server) buttonActionLocked(b buttonRef) map[string]any {
	a := map[string]any{
		"action_id": b.element["action_id"], "block_id": b.blockID, "type": "button",
		"text": b.element["text"], "action_ts": s.nextTSLocked(),
	}
	if v, ok := b.element["value"]; ok {
		a["value"] = v
	}
	if v, ok := b.element["style"]; ok {
		a["style"] = v
	}
	return a
}

// openViewLocked finds the view a user acts on: it must be theirs, open and
// on top of their modal stack.
func (s *Server) openViewLocked(user string, view View) (*viewState, error) {
	vs, ok := s.views[view.ID]
	switch {
	case !ok:
		return nil, fmt.Errorf("slackfake: no view %q", view.ID)
	case vs.closed:
		return nil, fmt.Errorf("slackfake: view %s is closed", view.ID)
	case vs.user != user:
		return nil, fmt.Errorf("slackfake: view %s is shown to %s, not %s", view.ID, vs.user, user)
	}
	stack := s.stacks[user]
	if len(stack) == 0 || stack[len(stack)-1] != vs.id {
		return nil, fmt.Errorf("slackfake: view %s is not the top of %s's modal stack", view.ID, user)
	}
	return vs, nil
}

// ClickViewButton is user clicking a button in an open modal.
func (s *Server) ClickViewButton(user string, view View, buttonText string) (*Interaction, error) {
	s.mu.Lock()
	vs, err := s.openViewLocked(user, view)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	btn, err := pickButton(vs.blocks, buttonText)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	state, err := stateValues(vs.blocks, nil)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	i := &Interaction{s: s, EnvelopeID: s.newEnvelopeIDLocked(), Type: "block_actions", User: user, acceptsPayload: s.cfg.acceptsBlockResp, viewID: vs.id}
	i.TriggerID = s.issueTriggerLocked(user)
	payload := map[string]any{
		"type": "block_actions", "user": s.userObjLocked(user), "api_app_id": s.cfg.appID, "token": s.verToken,
		"container": map[string]any{"type": "view", "view_id": vs.id}, "trigger_id": i.TriggerID,
		"team": s.teamObj(), "enterprise": nil, "is_enterprise_install": false,
		"view": vs.payloadObject(state), "actions": []any{s.buttonActionLocked(btn)},
	}
	s.mu.Unlock()
	return i, s.send(i, payload)
}

// SubmitView is user filling in and submitting an open modal. values maps
// block_id → action_id → what the user entered: a string (text input value,
// the value of the option to select, a user/conversation id, a date), a
// []string (multi-selects and checkboxes, by option value), or a map used as
// the whole state entry. Elements not given keep their initial values. Like
// Slack's client, it refuses to submit a view whose required inputs are
// empty or whose text is outside min_length/max_length. An unknown block_id
// is looked up by action_id.
func (s *Server) SubmitView(user string, view View, values map[string]map[string]any) (*Interaction, error) {
	s.mu.Lock()
	vs, err := s.openViewLocked(user, view)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if vs.submit == "" {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackfake: view %s has no submit button", vs.id)
	}
	state, err := stateValues(vs.blocks, values)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	i := &Interaction{s: s, EnvelopeID: s.newEnvelopeIDLocked(), Type: "view_submission", User: user, acceptsPayload: true, viewID: vs.id}
	i.TriggerID = s.issueTriggerLocked(user)
	payload := map[string]any{
		"type": "view_submission", "team": s.teamObj(), "user": s.userObjLocked(user),
		"api_app_id": s.cfg.appID, "token": s.verToken, "trigger_id": i.TriggerID,
		"view": vs.payloadObject(state), "response_urls": []any{},
		"is_enterprise_install": false, "enterprise": nil,
	}
	s.mu.Unlock()
	return i, s.send(i, payload)
}

// Suggest is user typing typed into the external select with actionID in an
// open modal: a block_suggestion. Like Slack's client it sends nothing until
// min_query_length (default 3) characters are typed.
func (s *Server) Suggest(user string, view View, actionID, typed string) (*Interaction, error) {
	s.mu.Lock()
	vs, err := s.openViewLocked(user, view)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	var blockID string
	var el map[string]any
	for _, f := range statefulElements(vs.blocks) {
		if f.actionID == actionID {
			blockID, el = f.blockID, f.element
		}
	}
	if el == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackfake: no element with action_id %q in view %s", actionID, vs.id)
	}
	if t := el["type"]; t != "external_select" && t != "multi_external_select" {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackfake: element %q is a %v, not an external select", actionID, t)
	}
	minLen := int64(3)
	if n, ok := el["min_query_length"].(json.Number); ok {
		minLen, _ = n.Int64()
	}
	if int64(nchars(typed)) < minLen {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackfake: %q is shorter than min_query_length %d; Slack sends no block_suggestion", typed, minLen)
	}
	state, _ := stateValues(vs.blocks, nil)
	i := &Interaction{s: s, EnvelopeID: s.newEnvelopeIDLocked(), Type: "block_suggestion", User: user, acceptsPayload: true, viewID: vs.id}
	payload := map[string]any{
		"type": "block_suggestion", "user": s.userObjLocked(user),
		"container":  map[string]any{"type": "view", "view_id": vs.id},
		"api_app_id": s.cfg.appID, "token": s.verToken, "action_id": actionID, "block_id": blockID,
		"value": typed, "team": s.teamObj(), "view": vs.payloadObject(state),
		"enterprise": nil, "is_enterprise_install": false,
	}
	s.mu.Unlock()
	return i, s.send(i, payload)
}

// CloseView is user closing (Cancel / ×) the modal on top of their stack.
// With clear_on_close the whole stack closes. When the view asked for
// notify_on_close, a view_closed envelope is sent and returned; otherwise
// the Interaction is nil.
func (s *Server) CloseView(user string, view View) (*Interaction, error) {
	s.mu.Lock()
	vs, err := s.openViewLocked(user, view)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	cleared := vs.obj["clear_on_close"] == true
	if cleared {
		s.clearViewsLocked(user)
	} else {
		s.closeTopViewLocked(user, vs.id)
	}
	if vs.obj["notify_on_close"] != true {
		s.mu.Unlock()
		return nil, nil
	}
	i := &Interaction{s: s, EnvelopeID: s.newEnvelopeIDLocked(), Type: "view_closed", User: user, viewID: vs.id}
	payload := map[string]any{
		"type": "view_closed", "team": s.teamObj(), "user": s.userObjLocked(user),
		"view": vs.payloadObject(nil), "api_app_id": s.cfg.appID, "token": s.verToken,
		"is_cleared": cleared, "enterprise": nil, "is_enterprise_install": false,
	}
	s.mu.Unlock()
	return i, s.send(i, payload)
}

// SendEvent sends an Events API event (the inner "event" object, e.g.
// {"type":"app_mention",…}) wrapped in an event_callback.
func (s *Server) SendEvent(event any) (*Interaction, error) {
	inner, err := json.Marshal(event)
	if err != nil {
		return nil, err
	}
	var fields struct {
		User    string `json:"user"`
		Channel string `json:"channel"`
	}
	_ = json.Unmarshal(inner, &fields)
	s.mu.Lock()
	i := &Interaction{s: s, EnvelopeID: s.newEnvelopeIDLocked(), Type: "events_api", User: fields.User, Channel: fields.Channel}
	payload := map[string]any{
		"token": s.verToken, "team_id": s.cfg.teamID, "api_app_id": s.cfg.appID,
		"event": json.RawMessage(inner), "type": "event_callback",
		"event_id": s.nextIDLocked("Ev"), "event_time": s.now().Unix(),
		"authorizations": []any{map[string]any{
			"enterprise_id": nil, "team_id": s.cfg.teamID, "user_id": s.cfg.botUserID,
			"is_bot": true, "is_enterprise_install": false,
		}},
		"is_ext_shared_channel": false, "event_context": "4-" + s.nextIDLocked("ctx"),
	}
	s.mu.Unlock()
	return i, s.send(i, payload)
}

// Redeliver sends the same envelope again (same envelope_id and payload,
// so the same trigger_id and response_url); events_api envelopes get the
// next retry_attempt and retry_reason "timeout". Acks are matched to
// deliveries in order.
func (s *Server) Redeliver(i *Interaction) *Interaction {
	s.t.Helper()
	r := &Interaction{
		s: s, EnvelopeID: i.EnvelopeID, Type: i.Type, TriggerID: i.TriggerID, ResponseURL: i.ResponseURL,
		User: i.User, Channel: i.Channel, Payload: i.Payload, acceptsPayload: i.acceptsPayload,
		viewID: i.viewID, replies: i.replies,
	}
	if i.Type == "events_api" {
		r.RetryAttempt = i.RetryAttempt + 1
	}
	if err := s.deliver(r, r.envelope()); err != nil {
		s.t.Errorf("%v", err)
	}
	return r
}

type stateful struct {
	blockID, actionID string
	element           map[string]any
	input             bool // in an input block
	optional          bool
}

// statefulElements lists the elements that have state, in order.
func statefulElements(raw json.RawMessage) []stateful {
	var out []stateful
	for _, b := range decodeBlocks(raw) {
		bid := stringOr(b["block_id"])
		add := func(e any, input, optional bool) {
			em, ok := e.(map[string]any)
			if !ok {
				return
			}
			switch em["type"] {
			case "button", "overflow", "image", "workflow_button", nil:
				return
			}
			out = append(out, stateful{blockID: bid, actionID: stringOr(em["action_id"]), element: em, input: input, optional: optional})
		}
		switch b["type"] {
		case "input":
			add(b["element"], true, b["optional"] == true)
		case "actions":
			els, _ := b["elements"].([]any)
			for _, e := range els {
				add(e, false, true)
			}
		case "section":
			add(b["accessory"], false, true)
		}
	}
	return out
}

// stateValues builds state.values (block_id → action_id → state) for
// blocks, applying the user's input.
func stateValues(raw json.RawMessage, input map[string]map[string]any) (map[string]any, error) {
	elems := statefulElements(raw)
	// Resolve input keys to elements.
	given := map[int]any{}
	for _, bid := range sortedKeys(input) {
		for _, aid := range sortedKeys(input[bid]) {
			idx := -1
			for k, e := range elems {
				if e.blockID == bid && e.actionID == aid {
					idx = k
				}
			}
			if idx < 0 {
				var matches []int
				for k, e := range elems {
					if e.actionID == aid {
						matches = append(matches, k)
					}
				}
				if len(matches) != 1 {
					return nil, fmt.Errorf("slackfake: no element %s/%s in the view (%d elements have action_id %q)", bid, aid, len(matches), aid)
				}
				idx = matches[0]
			}
			given[idx] = input[bid][aid]
		}
	}
	values := map[string]any{}
	for k, e := range elems {
		in, has := given[k]
		st, err := elementState(e.element, in, has)
		if err != nil {
			return nil, fmt.Errorf("slackfake: %s/%s: %w", e.blockID, e.actionID, err)
		}
		if e.input && !e.optional && stateEmpty(st) {
			return nil, fmt.Errorf("slackfake: %s/%s is required; Slack will not submit the view without it", e.blockID, e.actionID)
		}
		if values[e.blockID] == nil {
			values[e.blockID] = map[string]any{}
		}
		values[e.blockID].(map[string]any)[e.actionID] = st
	}
	return values, nil
}

func stateEmpty(st map[string]any) bool {
	for k, v := range st {
		if k == "type" {
			continue
		}
		switch x := v.(type) {
		case nil:
		case string:
			if x != "" {
				return false
			}
		case []any:
			if len(x) > 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func allOptions(el map[string]any) []map[string]any {
	var out []map[string]any
	opts, _ := el["options"].([]any)
	groups, _ := el["option_groups"].([]any)
	for _, g := range groups {
		gm, _ := g.(map[string]any)
		more, _ := gm["options"].([]any)
		opts = append(opts, more...)
	}
	for _, o := range opts {
		if om, ok := o.(map[string]any); ok {
			out = append(out, om)
		}
	}
	return out
}

func pickOption(el map[string]any, in any) (any, error) {
	switch x := in.(type) {
	case map[string]any:
		return x, nil
	case string:
		t := stringOr(el["type"])
		if strings.Contains(t, "external_select") {
			return map[string]any{"text": map[string]any{"type": "plain_text", "text": x, "emoji": true}, "value": x}, nil
		}
		for _, o := range allOptions(el) {
			if o["value"] == x {
				return o, nil
			}
		}
		return nil, fmt.Errorf("no option with value %q", x)
	}
	return nil, fmt.Errorf("want an option value (string), got %T", in)
}

func pickOptions(el map[string]any, in any) ([]any, error) {
	var list []any
	switch x := in.(type) {
	case []string:
		for _, v := range x {
			list = append(list, v)
		}
	case []any:
		list = x
	default:
		return nil, fmt.Errorf("want a list of option values, got %T", in)
	}
	out := []any{}
	for _, v := range list {
		o, err := pickOption(el, v)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

func stringList(in any) ([]any, error) {
	switch x := in.(type) {
	case []string:
		out := []any{}
		for _, v := range x {
			out = append(out, v)
		}
		return out, nil
	case []any:
		return x, nil
	}
	return nil, fmt.Errorf("want a list of ids, got %T", in)
}

// elementState is one element's state entry, as Slack puts it in
// state.values.
func elementState(el map[string]any, in any, given bool) (map[string]any, error) {
	typ := stringOr(el["type"])
	st := map[string]any{"type": typ}
	if m, ok := in.(map[string]any); ok && given {
		for k, v := range m {
			st[k] = v
		}
		return st, nil
	}
	str := func() (any, error) {
		if !given {
			return nil, nil
		}
		s, ok := in.(string)
		if !ok {
			return nil, fmt.Errorf("want a string, got %T", in)
		}
		if s == "" {
			return nil, nil
		}
		return s, nil
	}
	single := func(key, initial string) error {
		st[key] = nil
		if v, ok := el[initial]; ok {
			st[key] = v
		}
		if given {
			v, err := str()
			if err != nil {
				return err
			}
			st[key] = v
		}
		return nil
	}
	multi := func(key, initial string) error {
		st[key] = []any{}
		if v, ok := el[initial].([]any); ok {
			st[key] = v
		}
		if given {
			l, err := stringList(in)
			if err != nil {
				return err
			}
			st[key] = l
		}
		return nil
	}
	var err error
	switch typ {
	case "plain_text_input", "email_text_input", "url_text_input", "number_input":
		st["value"] = nil
		if iv := stringOr(el["initial_value"]); iv != "" {
			st["value"] = iv
		}
		if given {
			v, e := str()
			if e != nil {
				return nil, e
			}
			st["value"] = v
			if s, ok := v.(string); ok && typ == "plain_text_input" {
				n := int64(nchars(s))
				if minL, ok := el["min_length"].(json.Number); ok {
					if m, _ := minL.Int64(); n < m {
						return nil, fmt.Errorf("%q is shorter than min_length %d", s, m)
					}
				}
				if maxL, ok := el["max_length"].(json.Number); ok {
					if m, _ := maxL.Int64(); n > m {
						return nil, fmt.Errorf("text of %d characters is longer than max_length %d", n, m)
					}
				}
			}
		}
	case "static_select", "external_select", "radio_buttons":
		st["selected_option"] = nil
		if v, ok := el["initial_option"]; ok {
			st["selected_option"] = v
		}
		if given && in != nil && in != "" {
			st["selected_option"], err = pickOption(el, in)
		} else if given {
			st["selected_option"] = nil
		}
	case "multi_static_select", "multi_external_select", "checkboxes":
		st["selected_options"] = []any{}
		if v, ok := el["initial_options"].([]any); ok {
			st["selected_options"] = v
		}
		if given {
			var opts []any
			opts, err = pickOptions(el, in)
			st["selected_options"] = opts
			if n, ok := el["max_selected_items"].(json.Number); ok && err == nil {
				if m, _ := n.Int64(); int64(len(opts)) > m {
					err = fmt.Errorf("%d options selected, max_selected_items is %d", len(opts), m)
				}
			}
		}
	case "users_select":
		err = single("selected_user", "initial_user")
	case "multi_users_select":
		err = multi("selected_users", "initial_users")
	case "conversations_select":
		err = single("selected_conversation", "initial_conversation")
	case "multi_conversations_select":
		err = multi("selected_conversations", "initial_conversations")
	case "channels_select":
		err = single("selected_channel", "initial_channel")
	case "multi_channels_select":
		err = multi("selected_channels", "initial_channels")
	case "datepicker":
		err = single("selected_date", "initial_date")
		if d, ok := st["selected_date"].(string); ok && err == nil && !dateRE.MatchString(d) {
			err = fmt.Errorf("date %q is not YYYY-MM-DD", d)
		}
	case "timepicker":
		err = single("selected_time", "initial_time")
	default:
		if given {
			return nil, fmt.Errorf("cannot fill in a %s element; pass the whole state entry as a map", typ)
		}
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

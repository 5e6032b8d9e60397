package slackfake

// Messages as people and other apps post them (text, blocks, attachments),
// message shortcuts on them, their permalinks, and reading them back with
// conversations.history and conversations.replies under Slack's rules for
// a bot token: the bot reads only conversations it is a member of.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Post is a message someone other than the bot posts.
type Post struct {
	Text string
	// Blocks and Attachments are the message's JSON arrays, as SIEM and
	// paging tools post them.
	Blocks, Attachments json.RawMessage
	// ThreadTS makes it a reply in that thread.
	ThreadTS string
	// BotID marks it as another app's bot message (subtype bot_message).
	BotID string
}

// PostAs posts m as user (a person, or another app's bot user) in a
// channel. It is not part of Messages.
func (s *Server) PostAs(user, channelID string, m Post) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &posted{channel: channelID, ts: s.nextTSLocked(), threadTS: m.ThreadTS, author: user, text: m.Text,
		blocks: m.Blocks, attachments: m.Attachments, botID: m.BotID, at: s.now()}
	s.posts[channelID+"/"+p.ts] = p
	return p.message(s.cfg.botUserID)
}

// MessageShortcut is user choosing the app's message shortcut callbackID
// on msg, as Slack sends it: a message_action payload with the message
// (text, blocks, attachments), its channel, a trigger_id and a
// response_url. Slack offers it on any message the user can see, whether
// or not the app is in the conversation.
func (s *Server) MessageShortcut(user string, msg Message, callbackID string) (*Interaction, error) {
	s.mu.Lock()
	p, ok := s.posts[msg.Channel+"/"+msg.TS]
	if !ok || p.deleted || p.ephemeralTo != "" {
		s.mu.Unlock()
		return nil, fmt.Errorf("slackfake: no message %s/%s to run a shortcut on", msg.Channel, msg.TS)
	}
	name := "directmessage"
	if ch, ok := s.channels[p.channel]; ok {
		name = ch.name
		if ch.kind != kindAppDM && !ch.members[user] && ch.kind != kindPublic {
			s.mu.Unlock()
			return nil, fmt.Errorf("slackfake: %s cannot see %s", user, p.channel)
		}
	}
	i := &Interaction{s: s, EnvelopeID: s.newEnvelopeIDLocked(), Type: "message_action", User: user, Channel: p.channel, replies: &replyLog{}}
	i.TriggerID = s.issueTriggerLocked(user)
	i.ResponseURL = s.issueResponseURLLocked(user, p.channel, nil, false, i.replies)
	payload := map[string]any{
		"type": "message_action", "callback_id": callbackID, "trigger_id": i.TriggerID, "response_url": i.ResponseURL,
		"token": s.verToken, "api_app_id": s.cfg.appID, "team": s.teamObj(), "user": s.userObjLocked(user),
		"channel": map[string]any{"id": p.channel, "name": name}, "is_enterprise_install": false, "enterprise": nil,
		"message_ts": p.ts, "action_ts": s.nextTSLocked(), "message": s.botMessageObject(p),
	}
	s.mu.Unlock()
	return i, s.send(i, payload)
}

// readableLocked is the conversation a bot token may read messages of:
// one it can see at all (resolveChannelLocked) and is a member of; a
// public channel it is not in answers not_in_channel.
func (s *Server) readableLocked(id string) (*channel, *apiErr) {
	ch, e := s.resolveChannelLocked(id)
	if e != nil {
		return nil, e
	}
	if ch.kind != kindAppDM && !ch.botMember {
		return nil, errResp("not_in_channel")
	}
	return ch, nil
}

// chatGetPermalinkLocked answers chat.getPermalink: any message of a
// conversation the app can see.
func (s *Server) chatGetPermalinkLocked(p params) (map[string]any, *apiErr) {
	ch, e := s.resolveChannelLocked(p["channel"])
	if e != nil {
		return nil, e
	}
	m, ok := s.posts[ch.id+"/"+p["message_ts"]]
	if !ok || m.deleted || m.ephemeralTo != "" {
		return nil, errResp("message_not_found")
	}
	link := fmt.Sprintf("https://%s.slack.com/archives/%s/p%s", s.cfg.teamDomain, ch.id, strings.ReplaceAll(m.ts, ".", ""))
	if m.threadTS != "" && m.threadTS != m.ts {
		link += "?thread_ts=" + m.threadTS + "&cid=" + ch.id
	}
	return map[string]any{"ok": true, "channel": ch.id, "permalink": link}, nil
}

// window is a history call's bounds: latest and oldest, exclusive unless
// inclusive, and how many (limit, default 100, at most 999).
type window struct {
	latest, oldest string
	inclusive      bool
	limit          int
}

func readWindow(p params) (window, *apiErr) {
	w := window{latest: p["latest"], oldest: p["oldest"], inclusive: p["inclusive"] == "true" || p["inclusive"] == "1", limit: 100}
	if v := p["limit"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return w, errResp("invalid_limit")
		}
		if n > 0 {
			w.limit = min(n, 999)
		}
	}
	return w, nil
}

func (w window) holds(ts string) bool {
	if w.latest != "" {
		if c := compareTS(ts, w.latest); c > 0 || (c == 0 && !w.inclusive) {
			return false
		}
	}
	if w.oldest != "" && w.oldest != "0" {
		if c := compareTS(ts, w.oldest); c < 0 || (c == 0 && !w.inclusive) {
			return false
		}
	}
	return true
}

// conversationsHistoryLocked answers conversations.history: the
// channel's messages (not thread replies), newest first, within the window.
func (s *Server) conversationsHistoryLocked(p params) (map[string]any, *apiErr) {
	ch, e := s.readableLocked(p["channel"])
	if e != nil {
		return nil, e
	}
	w, e := readWindow(p)
	if e != nil {
		return nil, e
	}
	var found []*posted
	for _, m := range s.posts {
		if m.channel == ch.id && !m.deleted && m.ephemeralTo == "" && (m.threadTS == "" || m.threadTS == m.ts) && w.holds(m.ts) {
			found = append(found, m)
		}
	}
	slices.SortFunc(found, func(a, b *posted) int { return compareTS(b.ts, a.ts) })
	msgs, more := s.pageLocked(found, w.limit)
	return map[string]any{"ok": true, "messages": msgs, "has_more": more, "pin_count": 0}, nil
}

// conversationsRepliesLocked answers conversations.replies: the thread of
// ts (its parent, or any message in it), parent first, within the window.
func (s *Server) conversationsRepliesLocked(p params) (map[string]any, *apiErr) {
	ch, e := s.readableLocked(p["channel"])
	if e != nil {
		return nil, e
	}
	w, e := readWindow(p)
	if e != nil {
		return nil, e
	}
	m, ok := s.posts[ch.id+"/"+p["ts"]]
	if !ok || m.deleted || m.ephemeralTo != "" {
		return nil, errResp("thread_not_found")
	}
	parent := m.ts
	if m.threadTS != "" {
		parent = m.threadTS
	}
	var found []*posted
	for _, r := range s.posts {
		if r.channel == ch.id && !r.deleted && r.ephemeralTo == "" && (r.ts == parent || r.threadTS == parent) && w.holds(r.ts) {
			found = append(found, r)
		}
	}
	slices.SortFunc(found, func(a, b *posted) int { return compareTS(a.ts, b.ts) })
	msgs, more := s.pageLocked(found, w.limit)
	return map[string]any{"ok": true, "messages": msgs, "has_more": more}, nil
}

// pageLocked is the first limit of found as Slack's message objects, and
// whether there are more.
func (s *Server) pageLocked(found []*posted, limit int) (msgs []any, more bool) {
	more = len(found) > limit
	if more {
		found = found[:limit]
	}
	msgs = []any{}
	for _, m := range found {
		msgs = append(msgs, s.botMessageObject(m))
	}
	return msgs, more
}

// conversationsMembersLocked answers conversations.members for a
// conversation the app can see.
func (s *Server) conversationsMembersLocked(p params) (map[string]any, *apiErr) {
	ch, e := s.resolveChannelLocked(p["channel"])
	if e != nil {
		return nil, e
	}
	members := sortedKeys(ch.members)
	if ch.kind == kindAppDM {
		members = []string{ch.dmUser, s.cfg.botUserID}
	} else if ch.botMember && !slices.Contains(members, s.cfg.botUserID) {
		members = append(members, s.cfg.botUserID)
	}
	return map[string]any{"ok": true, "members": members, "response_metadata": map[string]any{"next_cursor": ""}}, nil
}

// Permalink is a message's link, as chat.getPermalink gives it.
func (s *Server) Permalink(channelID, ts string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	body, e := s.chatGetPermalinkLocked(params{"channel": channelID, "message_ts": ts})
	if e != nil {
		return "", fmt.Errorf("slackfake: %s", e.code)
	}
	return body["permalink"].(string), nil
}

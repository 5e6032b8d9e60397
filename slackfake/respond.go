package slackfake

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

const (
	responseURLUses     = 5
	responseURLLifetime = 30 * time.Minute
)

// replyLog collects what reached a user through one interaction: its
// response_url replies and, for slash commands, the ack payload's message.
type replyLog struct {
	msgs []Message
}

type responseURL struct {
	id      string
	issued  time.Time
	uses    int
	user    string
	channel string
	// source is the message the interaction came from (block_actions); nil
	// for slash commands.
	source  *posted
	replies *replyLog
	slash   bool
}

func (s *Server) issueResponseURLLocked(user, channel string, source *posted, slash bool, log *replyLog) string {
	id := s.nextIDLocked("R")
	s.respURLs[id] = &responseURL{id: id, issued: s.now(), user: user, channel: channel, source: source, replies: log, slash: slash}
	return s.srv.URL + "/response/" + s.cfg.teamID + "/" + id
}

func (s *Server) handleResponseURL(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/response/"), "/")
	id := parts[len(parts)-1]
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))

	s.mu.Lock()
	defer s.mu.Unlock()
	call := APICall{Method: "response_url", Params: map[string]string{"url": r.URL.Path, "body": string(body)}, At: s.now()}
	answer := func(status int, code string) {
		call.Error = code
		s.calls = append(s.calls, call)
		s.broadcastLocked()
		if code == "" {
			writeJSON(w, status, map[string]any{"ok": true})
			return
		}
		writeJSON(w, status, map[string]any{"ok": false, "error": code})
	}
	ru, ok := s.respURLs[id]
	if !ok || r.Method != http.MethodPost {
		answer(http.StatusNotFound, "invalid_url")
		return
	}
	if inj := s.inject["response_url"]; len(inj) > 0 {
		s.inject["response_url"] = inj[1:]
		answer(http.StatusOK, inj[0].code)
		return
	}
	// Slack's error codes for an expired or used-up response_url are
	// unconfirmed; these are this fake's choice.
	if s.now().Sub(ru.issued) > responseURLLifetime {
		answer(http.StatusOK, "expired_url")
		return
	}
	if ru.uses >= responseURLUses {
		answer(http.StatusOK, "used_url")
		return
	}
	ru.uses++

	obj, err := decodeJSON(body)
	m, isObj := obj.(map[string]any)
	if err != nil || !isObj {
		answer(http.StatusOK, "invalid_payload")
		return
	}
	replace, _ := m["replace_original"].(bool)
	del, _ := m["delete_original"].(bool)
	if ru.slash && (replace || del) {
		s.violationLocked("response_url of a slash command used with replace_original/delete_original, which Slack ignores for slash commands: %.200s", body)
	}
	if del && ru.source != nil {
		if ru.source.deleted {
			answer(http.StatusOK, "message_not_found")
			return
		}
		ru.source.deleted = true
		msg := Message{Via: "response_url", Channel: ru.source.channel, TS: ru.source.ts, DeleteOriginal: true, At: s.now()}
		if ru.source.ephemeralTo != "" {
			msg.User, msg.ResponseType = ru.source.ephemeralTo, "ephemeral"
		}
		s.recordMessageLocked(msg)
		ru.replies.msgs = append(ru.replies.msgs, msg)
		answer(http.StatusOK, "")
		return
	}
	if del {
		answer(http.StatusOK, "")
		return
	}

	text, _ := m["text"].(string)
	blocks, hasBlocks := m["blocks"]
	if blocks == nil {
		hasBlocks = false // slack-go sends "blocks":null
	}
	_, hasAttachments := m["attachments"].([]any)
	if text == "" && !hasBlocks && !hasAttachments {
		answer(http.StatusOK, "no_text")
		return
	}
	if hasBlocks {
		var v validator
		v.blocks("/blocks", blocks, surfaceMessage)
		if len(v.errs) > 0 {
			s.violationLocked("response_url: invalid_blocks %v", v.errs)
			call.Params["errors"] = strings.Join(v.errs, "; ")
			answer(http.StatusOK, "invalid_blocks")
			return
		}
	}
	text, _ = truncateText(text)
	var raw json.RawMessage
	if hasBlocks {
		raw = s.fillIDsLocked(blocks)
	}
	threadTS, _ := m["thread_ts"].(string)

	if replace && ru.source != nil {
		src := ru.source
		if src.deleted {
			answer(http.StatusOK, "message_not_found")
			return
		}
		src.text, src.blocks, src.at = text, raw, s.now()
		msg := Message{Via: "response_url", Channel: src.channel, TS: src.ts, ThreadTS: src.threadTS, Text: text, Blocks: raw, ReplaceOriginal: true, At: s.now(), ResponseType: "in_channel"}
		if src.ephemeralTo != "" {
			msg.User, msg.ResponseType = src.ephemeralTo, "ephemeral"
		}
		s.recordMessageLocked(msg)
		ru.replies.msgs = append(ru.replies.msgs, msg)
		answer(http.StatusOK, "")
		return
	}

	rt, _ := m["response_type"].(string)
	if rt == "" {
		rt = "ephemeral"
	}
	if rt != "ephemeral" && rt != "in_channel" {
		answer(http.StatusOK, "invalid_response_type")
		return
	}
	p := &posted{channel: ru.channel, ts: s.nextTSLocked(), at: s.now(), threadTS: threadTS, author: s.cfg.botUserID, text: text, blocks: raw}
	if rt == "ephemeral" {
		p.ephemeralTo = ru.user
	}
	s.posts[p.channel+"/"+p.ts] = p
	msg := Message{Via: "response_url", Channel: ru.channel, TS: p.ts, ThreadTS: threadTS, ResponseType: rt, Text: text, Blocks: raw, ReplaceOriginal: replace, At: s.now()}
	if rt == "ephemeral" {
		msg.User = ru.user
	}
	s.recordMessageLocked(msg)
	ru.replies.msgs = append(ru.replies.msgs, msg)
	answer(http.StatusOK, "")
}

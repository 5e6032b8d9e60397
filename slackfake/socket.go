package slackfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// maxAckFrame is the size at and above which Slack drops a Socket Mode
// response (slack-go's measurement, socketmode maxResponseSize).
const maxAckFrame = 20 * 1024

type wsConn struct {
	id   int
	c    *websocket.Conn
	wmu  sync.Mutex // serialises data-frame writes
	done chan struct{}
	once sync.Once

	// guarded by s.mu
	ready       bool
	draining    bool
	pingSeq     int
	outstanding []sentPing // pings not yet answered, oldest first
}

type sentPing struct {
	payload string
	at      time.Time
}

func (c *wsConn) shutdown() {
	c.once.Do(func() {
		close(c.done)
		_ = c.c.Close()
	})
}

func (c *wsConn) writeJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.c.WriteMessage(websocket.TextMessage, b)
}

func (s *Server) debugInfo(connID int) map[string]any {
	return map[string]any{
		"host":                        fmt.Sprintf("applink-fake-%d", connID),
		"build_number":                1,
		"approximate_connection_time": 18060,
	}
}

// openConnection answers apps.connections.open: a one-time ws:// URL.
func (s *Server) openConnectionLocked() map[string]any {
	ticket := s.nextIDLocked("ticket")
	s.tickets[ticket] = false
	u := "ws://" + s.srv.Listener.Addr().String() + "/link/?" + url.Values{
		"ticket": {ticket},
		"app_id": {s.cfg.appID},
	}.Encode()
	return map[string]any{"ok": true, "url": u}
}

func (s *Server) handleLink(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return
	}
	used, known := s.tickets[ticket]
	switch {
	case !known:
		s.violationLocked("websocket dial with unknown ticket %q (ask apps.connections.open for a URL each time)", ticket)
	case used:
		s.violationLocked("websocket dial reused ticket %q (apps.connections.open URLs are one-time)", ticket)
	}
	if !known || used {
		s.mu.Unlock()
		http.Error(w, "invalid ticket", http.StatusUnauthorized)
		return
	}
	s.tickets[ticket] = true
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	c, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	c.SetReadLimit(1 << 20)

	s.mu.Lock()
	s.connSeq++
	conn := &wsConn{id: s.connSeq, c: c, done: make(chan struct{})}
	if s.closed {
		s.mu.Unlock()
		conn.shutdown()
		return
	}
	live := 0
	for _, o := range s.conns {
		if !o.draining {
			live++
		}
	}
	if live >= s.cfg.maxConnections {
		s.mu.Unlock()
		_ = conn.writeJSON(map[string]any{"type": "disconnect", "reason": "too_many_websockets", "debug_info": s.debugInfo(conn.id)})
		_ = c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "too_many_websockets"), time.Now().Add(time.Second))
		conn.shutdown()
		return
	}
	s.conns = append(s.conns, conn)
	s.mu.Unlock()

	c.SetPongHandler(func(data string) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		idx := -1
		for k, p := range conn.outstanding {
			if p.payload == data {
				idx = k
				break
			}
		}
		if idx < 0 {
			s.violationLocked("pong on connection %d carried %q, which matches no ping sent (a pong must echo the ping's payload)", conn.id, data)
			return nil
		}
		conn.outstanding = conn.outstanding[idx+1:]
		s.pongs++
		s.broadcastLocked()
		return nil
	})

	// The connection counts as live once its hello is on the wire; holding
	// the write lock while marking it ready keeps envelopes behind the hello.
	hello, _ := json.Marshal(map[string]any{
		"type":            "hello",
		"num_connections": live + 1,
		"debug_info":      s.debugInfo(conn.id),
		"connection_info": map[string]any{"app_id": s.cfg.appID},
	})
	conn.wmu.Lock()
	s.mu.Lock()
	conn.ready = true
	s.wg.Add(2)
	s.broadcastLocked()
	s.mu.Unlock()
	_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	err = c.WriteMessage(websocket.TextMessage, hello)
	conn.wmu.Unlock()
	if err != nil {
		conn.shutdown()
	}
	go s.readLoop(conn)
	go s.pingLoop(conn)
}

func (s *Server) dropConn(conn *wsConn) {
	conn.shutdown()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, o := range s.conns {
		if o == conn {
			s.conns = append(s.conns[:i], s.conns[i+1:]...)
			break
		}
	}
	s.broadcastLocked()
}

func (s *Server) readLoop(conn *wsConn) {
	defer s.wg.Done()
	defer s.dropConn(conn)
	for {
		mt, data, err := conn.c.ReadMessage()
		if err != nil {
			return
		}
		if mt != websocket.TextMessage {
			s.mu.Lock()
			s.violationLocked("binary frame on connection %d (Socket Mode speaks JSON text frames)", conn.id)
			s.mu.Unlock()
			continue
		}
		s.handleAck(conn, data)
	}
}

func (s *Server) pingLoop(conn *wsConn) {
	defer s.wg.Done()
	if s.cfg.pingInterval <= 0 {
		<-conn.done
		return
	}
	tick := time.NewTicker(s.cfg.pingInterval)
	defer tick.Stop()
	for {
		select {
		case <-conn.done:
			return
		case now := <-tick.C:
			s.mu.Lock()
			if s.cfg.pongTimeout > 0 && len(conn.outstanding) > 0 && now.Sub(conn.outstanding[0].at) > s.cfg.pongTimeout {
				s.mu.Unlock()
				s.dropConn(conn)
				return
			}
			conn.pingSeq++
			payload := fmt.Sprintf("Ping from applink-fake-%d #%d", conn.id, conn.pingSeq)
			conn.outstanding = append(conn.outstanding, sentPing{payload: payload, at: now})
			s.mu.Unlock()
			if err := conn.c.WriteControl(websocket.PingMessage, []byte(payload), time.Now().Add(5*time.Second)); err != nil {
				s.dropConn(conn)
				return
			}
		}
	}
}

// Connections is the number of live websocket connections that can receive
// envelopes (connections told to go away with Disconnect are not counted).
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.liveLocked()
}

func (s *Server) liveLocked() int {
	n := 0
	for _, c := range s.conns {
		if c.ready && !c.draining {
			n++
		}
	}
	return n
}

// WaitConnections waits until at least n connections are live.
func (s *Server) WaitConnections(n int, timeout time.Duration) error {
	if err := s.waitFor(timeout, func() bool { return s.liveLocked() >= n }); err != nil {
		return fmt.Errorf("slackfake: %d live connections after %v, want %d", s.Connections(), timeout, n)
	}
	return nil
}

// WaitPongs waits until the bot has answered at least n pings in all.
func (s *Server) WaitPongs(n int, timeout time.Duration) error {
	if err := s.waitFor(timeout, func() bool { return s.pongs >= n }); err != nil {
		return fmt.Errorf("slackfake: %d pongs after %v, want %d", s.Pongs(), timeout, n)
	}
	return nil
}

// Disconnect sends a disconnect frame with reason ("warning",
// "refresh_requested", "link_disabled", "too_many_websockets") to every live
// connection. Except for "warning", the connections get no more envelopes
// and are closed after a short grace period if the client does not close
// them first.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	var conns []*wsConn
	for _, c := range s.conns {
		if c.ready && !c.draining {
			conns = append(conns, c)
			if reason != "warning" {
				c.draining = true
			}
		}
	}
	closing := s.closed
	if !closing && reason != "warning" {
		s.wg.Add(len(conns))
	}
	s.broadcastLocked()
	s.mu.Unlock()
	if closing {
		return
	}
	for _, c := range conns {
		_ = c.writeJSON(map[string]any{"type": "disconnect", "reason": reason, "debug_info": s.debugInfo(c.id)})
		if reason == "warning" {
			continue
		}
		go func(c *wsConn) {
			defer s.wg.Done()
			t := time.NewTimer(s.cfg.disconnectGrace)
			defer t.Stop()
			select {
			case <-c.done:
			case <-t.C:
				s.dropConn(c)
			}
		}(c)
	}
}

// KillConnections closes every connection's TCP socket without a close
// frame, as a network failure would.
func (s *Server) KillConnections() {
	s.mu.Lock()
	conns := append([]*wsConn(nil), s.conns...)
	s.mu.Unlock()
	for _, c := range conns {
		s.dropConn(c)
	}
}

// deliver sends an envelope to exactly one live connection (round-robin),
// waiting up to the delivery timeout for one.
func (s *Server) deliver(i *Interaction, env map[string]any) error {
	b, err := json.Marshal(env)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(s.cfg.deliveryTimeout)
	for {
		s.mu.Lock()
		var live []*wsConn
		for _, c := range s.conns {
			if c.ready && !c.draining {
				live = append(live, c)
			}
		}
		if len(live) == 0 {
			ch, closed := s.changed, s.closed
			s.mu.Unlock()
			left := time.Until(deadline)
			if closed || left <= 0 {
				err := fmt.Errorf("slackfake: no live Socket Mode connection to deliver envelope %s (%s) on", i.EnvelopeID, i.Type)
				s.mu.Lock()
				i.deliverErr = err
				s.broadcastLocked()
				s.mu.Unlock()
				return err
			}
			t := time.NewTimer(left)
			select {
			case <-ch:
			case <-t.C:
			}
			t.Stop()
			continue
		}
		conn := live[s.rr%len(live)]
		s.rr++
		s.pending[i.EnvelopeID] = appendOnce(s.pending[i.EnvelopeID], i)
		i.sentAt = time.Now()
		i.Conn = conn.id
		s.mu.Unlock()

		conn.wmu.Lock()
		_ = conn.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		err := conn.c.WriteMessage(websocket.TextMessage, b)
		conn.wmu.Unlock()
		if err != nil {
			s.dropConn(conn)
			continue
		}
		return nil
	}
}

func appendOnce(list []*Interaction, i *Interaction) []*Interaction {
	for _, o := range list {
		if o == i {
			return list
		}
	}
	return append(list, i)
}

// handleAck processes a text frame from the bot: an ack.
func (s *Server) handleAck(conn *wsConn, data []byte) {
	received := time.Now()
	var a struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	err := json.Unmarshal(data, &a)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(data) >= maxAckFrame {
		s.violationLocked("ack frame for envelope %q is %d bytes; Slack drops Socket Mode responses of %d bytes or more", a.EnvelopeID, len(data), maxAckFrame)
		return
	}
	if err != nil {
		s.violationLocked("frame on connection %d is not a JSON ack: %v: %.200s", conn.id, err, data)
		return
	}
	if a.EnvelopeID == "" {
		s.violationLocked("frame on connection %d has no envelope_id: %.200s", conn.id, data)
		return
	}
	deliveries, known := s.pending[a.EnvelopeID]
	if !known {
		s.violationLocked("ack for unknown envelope %q", a.EnvelopeID)
		return
	}
	var i *Interaction
	for _, d := range deliveries {
		if d.ack == nil && !d.sentAt.IsZero() {
			i = d
			break
		}
	}
	if i == nil {
		s.violationLocked("duplicate ack for envelope %q", a.EnvelopeID)
		return
	}
	payload := a.Payload
	if isJSONNull(payload) {
		payload = nil
	}
	ack := Ack{EnvelopeID: a.EnvelopeID, Payload: payload, After: received.Sub(i.sentAt), Conn: conn.id}
	i.ack = &ack
	s.acks = append(s.acks, ack)
	if s.cfg.ackDeadline > 0 && ack.After > s.cfg.ackDeadline {
		s.violationLocked("ack for envelope %q (%s) came after %v; Slack's deadline is %v", a.EnvelopeID, i.Type, ack.After, s.cfg.ackDeadline)
	}
	s.processAckPayloadLocked(i, payload)
	s.broadcastLocked()
}

func isJSONNull(b json.RawMessage) bool {
	if len(b) == 0 {
		return true
	}
	var v any
	return json.Unmarshal(b, &v) == nil && v == nil
}

// processAckPayloadLocked applies an ack payload the way Slack would.
func (s *Server) processAckPayloadLocked(i *Interaction, payload json.RawMessage) {
	if payload == nil {
		if i.Type == "view_submission" {
			s.closeTopViewLocked(i.User, i.viewID)
		}
		return
	}
	if !i.acceptsPayload {
		s.violationLocked("ack for %s envelope %q carries a payload, but the envelope has accepts_response_payload false: %.200s", i.Type, i.EnvelopeID, payload)
		return
	}
	obj, err := decodeJSON(payload)
	m, isObj := obj.(map[string]any)
	if err != nil || !isObj {
		s.violationLocked("ack payload for envelope %q is not a JSON object: %.200s", i.EnvelopeID, payload)
		return
	}
	switch i.Type {
	case "slash_commands":
		s.ackMessageLocked(i, m)
	case "view_submission":
		s.ackViewSubmissionLocked(i, m)
	case "block_suggestion":
		var v validator
		v.optionsResponse(m)
		if len(v.errs) > 0 {
			s.violationLocked("block_suggestion ack for envelope %q: invalid options: %v", i.EnvelopeID, v.errs)
		}
	}
}

// ackMessageLocked shows a slash command ack payload to the user, like a
// response_url reply.
func (s *Server) ackMessageLocked(i *Interaction, m map[string]any) {
	text, _ := m["text"].(string)
	blocks, hasBlocks := m["blocks"]
	if blocks == nil {
		hasBlocks = false
	}
	if text == "" && !hasBlocks {
		return // a plain ack with e.g. only response_type: nothing shown
	}
	var v validator
	if hasBlocks {
		v.blocks("/blocks", blocks, surfaceMessage)
	}
	if len(v.errs) > 0 {
		s.violationLocked("slash command ack payload for envelope %q: invalid_blocks: %v", i.EnvelopeID, v.errs)
		return
	}
	rt, _ := m["response_type"].(string)
	if rt == "" {
		rt = "ephemeral"
	}
	if rt != "ephemeral" && rt != "in_channel" {
		s.violationLocked("slash command ack payload for envelope %q: unknown response_type %q", i.EnvelopeID, rt)
		return
	}
	text, _ = truncateText(text)
	var raw json.RawMessage
	if hasBlocks {
		raw = s.fillIDsLocked(blocks)
	}
	p := &posted{channel: i.Channel, ts: s.nextTSLocked(), at: s.now(), author: s.cfg.botUserID, text: text, blocks: raw}
	if rt == "ephemeral" {
		p.ephemeralTo = i.User
	}
	s.posts[p.channel+"/"+p.ts] = p
	msg := Message{Via: "ack", Channel: i.Channel, TS: p.ts, ResponseType: rt, Text: text, Blocks: raw, At: s.now()}
	if rt == "ephemeral" {
		msg.User = i.User
	}
	s.recordMessageLocked(msg)
	if i.replies != nil {
		i.replies.msgs = append(i.replies.msgs, msg)
	}
}

func (s *Server) recordMessageLocked(m Message) {
	s.messages = append(s.messages, m)
	s.broadcastLocked()
}

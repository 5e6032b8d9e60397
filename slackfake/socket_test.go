package slackfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func TestSlackGoConnectsGetsHelloAndAcksSlashCommand(t *testing.T) {
	s := newFake(t)
	b := startBot(t, s)

	hello := b.next(t, socketmode.EventTypeHello)
	if hello.Request.NumConnections != 1 || hello.Request.ConnectionInfo.AppID != s.AppID() || hello.Request.DebugInfo.Host == "" {
		t.Errorf("hello = %+v", hello.Request)
	}
	if err := s.WaitConnections(1, wait); err != nil {
		t.Fatal(err)
	}

	i := s.SlashCommand("U1ALICE", "C1OPS", "/okta", "get-user alice")
	e := b.next(t, socketmode.EventTypeSlashCommand)
	cmd, ok := e.Data.(slack.SlashCommand)
	if !ok {
		t.Fatalf("data %T", e.Data)
	}
	want := slack.SlashCommand{
		Token: "fakeverificationtoken", TeamID: s.TeamID(), TeamDomain: "fake", ChannelID: "C1OPS", ChannelName: "ops",
		UserID: "U1ALICE", UserName: "alice", Command: "/okta", Text: "get-user alice", APIAppID: s.AppID(),
		ResponseURL: i.ResponseURL, TriggerID: i.TriggerID,
	}
	if diff := cmp.Diff(want, cmd); diff != "" {
		t.Errorf("slash command (-want +got):\n%s", diff)
	}
	if !e.Request.AcceptsResponsePayload || e.Request.EnvelopeID != i.EnvelopeID {
		t.Errorf("envelope %+v", e.Request)
	}

	if err := b.sm.Ack(*e.Request, map[string]any{"text": "Looking up alice…"}); err != nil {
		t.Fatal(err)
	}
	ack, err := i.WaitAck(wait)
	if err != nil {
		t.Fatal(err)
	}
	if ack.EnvelopeID != i.EnvelopeID || !strings.Contains(string(ack.Payload), "Looking up") {
		t.Errorf("ack %+v", ack)
	}
	replies, err := i.WaitReplies(1, wait)
	if err != nil {
		t.Fatal(err)
	}
	if r := replies[0]; r.Via != "ack" || !r.Ephemeral() || r.User != "U1ALICE" || r.Channel != "C1OPS" || r.Text != "Looking up alice…" {
		t.Errorf("reply %+v", r)
	}
	if got := s.Messages(); len(got) != 1 || got[0].Via != "ack" {
		t.Errorf("messages %+v", got)
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("violations %v", v)
	}
}

func TestPingsAreSentAndSlackGoAnswersThem(t *testing.T) {
	s := newFake(t, WithPingInterval(20*time.Millisecond))
	startBot(t, s)
	if err := s.WaitPongs(5, wait); err != nil {
		t.Fatal(err)
	}
	// Still the first connection: the pings kept it alive.
	if n := s.CallCount("apps.connections.open"); n != 1 {
		t.Errorf("apps.connections.open called %d times", n)
	}
}

func TestWithoutPingsSlackGoTimesOutAndReconnects(t *testing.T) {
	// Proves the pings matter: slack-go drops a connection that is not
	// pinged within its interval.
	s := newFake(t, WithPingInterval(-1))
	startBot(t, s, socketmode.OptionPingInterval(100*time.Millisecond))
	err := s.waitFor(wait, func() bool {
		n := 0
		for _, c := range s.calls {
			if c.Method == "apps.connections.open" {
				n++
			}
		}
		return n >= 3
	})
	if err != nil {
		t.Fatalf("slack-go did not reconnect: %d opens", s.CallCount("apps.connections.open"))
	}
	if s.Pongs() != 0 {
		t.Errorf("pongs without pings: %d", s.Pongs())
	}
}

func TestDisconnectRefreshRequestedMakesSlackGoReconnect(t *testing.T) {
	s := newFake(t)
	b := startBot(t, s)
	b.next(t, socketmode.EventTypeHello)
	if err := s.WaitConnections(1, wait); err != nil {
		t.Fatal(err)
	}
	s.Disconnect("refresh_requested")
	b.next(t, socketmode.EventTypeHello) // the new connection's hello
	if err := s.WaitConnections(1, wait); err != nil {
		t.Fatal(err)
	}
	if n := s.CallCount("apps.connections.open"); n != 2 {
		t.Errorf("apps.connections.open called %d times, want 2", n)
	}
	// Envelopes flow on the new connection.
	ev, err := s.SendEvent(map[string]any{"type": "app_mention", "user": "U1ALICE", "text": "<@U0FAKEBOT> hi", "channel": "C1OPS", "ts": "1.000001", "event_ts": "1.000001"})
	if err != nil {
		t.Fatal(err)
	}
	e := b.next(t, socketmode.EventTypeEventsAPI)
	if err := b.sm.Ack(*e.Request); err != nil {
		t.Fatal(err)
	}
	if _, err := ev.WaitAck(wait); err != nil {
		t.Fatal(err)
	}
}

func TestDisconnectWarningKeepsConnection(t *testing.T) {
	s := newFake(t)
	r := dialRaw(t, s)
	r.read(t) // hello
	s.Disconnect("warning")
	f := r.read(t)
	if f["type"] != "disconnect" || f["reason"] != "warning" {
		t.Fatalf("frame %v", f)
	}
	if s.Connections() != 1 {
		t.Errorf("connections %d after warning", s.Connections())
	}
	for _, reason := range []string{"link_disabled"} {
		s.Disconnect(reason)
		if f := r.read(t); f["reason"] != reason {
			t.Errorf("frame %v", f)
		}
		if s.Connections() != 0 {
			t.Errorf("connections %d after %s", s.Connections(), reason)
		}
	}
}

func TestRawProtocolHelloEnvelopesSpreadAcksOnAnyConnection(t *testing.T) {
	s := newFake(t)
	var conns []*rawConn
	for k := 1; k <= 3; k++ {
		r := dialRaw(t, s)
		hello := r.read(t)
		info, _ := hello["connection_info"].(map[string]any)
		if hello["type"] != "hello" || hello["num_connections"] != float64(k) || info["app_id"] != s.AppID() {
			t.Fatalf("hello %v", hello)
		}
		conns = append(conns, r)
	}
	if err := s.WaitConnections(3, wait); err != nil {
		t.Fatal(err)
	}
	byConn := map[int][]string{}
	var sent []*Interaction
	for k := 0; k < 6; k++ {
		i, err := s.SendEvent(map[string]any{"type": "app_mention", "user": "U1ALICE", "text": fmt.Sprint(k), "channel": "C1OPS", "ts": "1.1", "event_ts": "1.1"})
		if err != nil {
			t.Fatal(err)
		}
		byConn[i.Conn] = append(byConn[i.Conn], i.EnvelopeID)
		sent = append(sent, i)
	}
	// Each connection receives exactly its envelopes, in order; a sentinel
	// round shows nothing else was queued before it.
	sentinels := map[int]string{}
	for k := 0; k < 3; k++ {
		i, err := s.SendEvent(map[string]any{"type": "app_mention", "user": "U1ALICE", "text": "sentinel", "channel": "C1OPS", "ts": "1.1", "event_ts": "1.1"})
		if err != nil {
			t.Fatal(err)
		}
		sentinels[i.Conn] = i.EnvelopeID
	}
	if len(byConn) != 3 || len(sentinels) != 3 {
		t.Fatalf("envelopes not spread: %v %v", byConn, sentinels)
	}
	for k, r := range conns {
		id := k + 1 // connection ids start at 1
		var got []string
		for range len(byConn[id]) + 1 {
			f := r.read(t)
			if f["type"] != "events_api" || f["accepts_response_payload"] != false || f["retry_attempt"] != float64(0) {
				t.Errorf("envelope %v", f)
			}
			got = append(got, f["envelope_id"].(string))
		}
		want := append(append([]string{}, byConn[id]...), sentinels[id])
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("connection %d envelopes (-want +got):\n%s", id, diff)
		}
	}
	// Ack every envelope on the "wrong" connection: accepted.
	for k, i := range sent {
		conns[(k+1)%3].send(t, map[string]any{"envelope_id": i.EnvelopeID})
	}
	for _, i := range sent {
		if _, err := i.WaitAck(wait); err != nil {
			t.Error(err)
		}
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("violations %v", v)
	}
}

func TestAckProblemsAreViolations(t *testing.T) {
	s := newFake(t, WithoutViolationCheck())
	r := dialRaw(t, s)
	r.read(t)
	if err := s.WaitConnections(1, wait); err != nil {
		t.Fatal(err)
	}
	big := s.SlashCommand("U1ALICE", "C1OPS", "/okta", "big")
	dup := s.SlashCommand("U1ALICE", "C1OPS", "/okta", "dup")
	r.read(t)
	r.read(t)

	r.send(t, map[string]any{"envelope_id": "no-such-envelope"})
	r.send(t, map[string]any{"envelope_id": big.EnvelopeID, "payload": map[string]any{"text": strings.Repeat("x", maxAckFrame)}})
	r.send(t, map[string]any{"envelope_id": dup.EnvelopeID})
	r.send(t, map[string]any{"envelope_id": dup.EnvelopeID})
	if err := r.c.WriteMessage(websocket.TextMessage, []byte("not json")); err != nil {
		t.Fatal(err)
	}
	// Frames are handled in order: once the violation for the last frame is
	// there, the others have been handled.
	err := s.waitFor(wait, func() bool { return len(s.violations) >= 4 })
	if err != nil {
		t.Fatalf("violations: %v", s.Violations())
	}
	v := strings.Join(s.TakeViolations(), "\n")
	for _, want := range []string{"unknown envelope \"no-such-envelope\"", "Slack drops Socket Mode responses of 20480 bytes", "duplicate ack", "not a JSON ack"} {
		if !strings.Contains(v, want) {
			t.Errorf("violations lack %q:\n%s", want, v)
		}
	}
	if _, err := dup.WaitAck(wait); err != nil {
		t.Error(err)
	}
	for _, a := range s.Acks() {
		if a.EnvelopeID == big.EnvelopeID {
			t.Errorf("oversized ack was accepted: %+v", a)
		}
	}
}

func TestEleventhConnectionIsRefused(t *testing.T) {
	s := newFake(t)
	for range 10 {
		r := dialRaw(t, s)
		if f := r.read(t); f["type"] != "hello" {
			t.Fatalf("frame %v", f)
		}
	}
	r := dialRaw(t, s)
	if f := r.read(t); f["type"] != "disconnect" || f["reason"] != "too_many_websockets" {
		t.Fatalf("11th connection got %v", f)
	}
	if n := s.Connections(); n != 10 {
		t.Errorf("connections %d", n)
	}
}

func TestTicketsAreOneTimeAndAuthIsChecked(t *testing.T) {
	s := newFake(t, WithoutViolationCheck())
	url := openURL(t, s)
	c, resp, err := websocket.DefaultDialer.Dial(url, nil) // no Origin: still fine
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	defer c.Close()
	_, resp, err = websocket.DefaultDialer.Dial(url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("reused ticket: err %v resp %v", err, resp)
	}
	_ = resp.Body.Close()
	if v := s.TakeViolations(); len(v) != 1 || !strings.Contains(v[0], "reused ticket") {
		t.Errorf("violations %v", v)
	}

	// apps.connections.open wants the app token.
	for _, tc := range []struct{ token, want string }{
		{"", "not_authed"}, {"xapp-wrong", "invalid_auth"}, {s.BotToken(), "not_allowed_token_type"},
	} {
		api := slack.New(s.BotToken(), slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(tc.token))
		_, _, err := api.StartSocketModeContext(t.Context())
		if got := slackErr(err); got != tc.want {
			t.Errorf("token %q: %q, want %q", tc.token, got, tc.want)
		}
	}
}

func TestSlackGoStopsOnInvalidAuth(t *testing.T) {
	s := newFake(t)
	api := slack.New(s.BotToken(), slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken("xapp-1-revoked"))
	sm := socketmode.New(api)
	done := make(chan error, 1)
	go func() { done <- sm.RunContext(t.Context()) }()
	go func() {
		for range sm.Events {
		}
	}()
	select {
	case err := <-done:
		if slackErr(err) != "invalid_auth" {
			t.Errorf("RunContext: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("RunContext did not return on invalid_auth")
	}
	close(sm.Events)
}

func TestRedeliverEventCarriesRetryAttempt(t *testing.T) {
	s := newFake(t)
	b := startBot(t, s)
	if err := s.WaitConnections(1, wait); err != nil {
		t.Fatal(err)
	}
	i, err := s.SendEvent(map[string]any{"type": "app_mention", "user": "U1ALICE", "text": "hi", "channel": "C1OPS", "ts": "1.1", "event_ts": "1.1"})
	if err != nil {
		t.Fatal(err)
	}
	first := b.next(t, socketmode.EventTypeEventsAPI)
	r := s.Redeliver(i)
	second := b.next(t, socketmode.EventTypeEventsAPI)
	if first.Request.RetryAttempt != 0 || second.Request.RetryAttempt != 1 || second.Request.RetryReason != "timeout" {
		t.Errorf("retry fields: %+v / %+v", first.Request, second.Request)
	}
	var p1, p2 struct {
		EventID string `json:"event_id"`
	}
	_ = json.Unmarshal(first.Request.Payload, &p1)
	_ = json.Unmarshal(second.Request.Payload, &p2)
	if p1.EventID == "" || p1.EventID != p2.EventID || first.Request.EnvelopeID != second.Request.EnvelopeID {
		t.Errorf("redelivery changed ids: %q/%q %q/%q", p1.EventID, p2.EventID, first.Request.EnvelopeID, second.Request.EnvelopeID)
	}
	for _, e := range []socketmode.Event{first, second} {
		if err := b.sm.Ack(*e.Request); err != nil {
			t.Fatal(err)
		}
	}
	for _, x := range []*Interaction{i, r} {
		if _, err := x.WaitAck(wait); err != nil {
			t.Error(err)
		}
	}
}

func TestEventPayloadWithAckPayloadIsViolation(t *testing.T) {
	s := newFake(t, WithoutViolationCheck())
	b := startBot(t, s)
	if err := s.WaitConnections(1, wait); err != nil {
		t.Fatal(err)
	}
	i, err := s.SendEvent(map[string]any{"type": "app_mention", "user": "U1ALICE", "text": "hi", "channel": "C1OPS", "ts": "1.1", "event_ts": "1.1"})
	if err != nil {
		t.Fatal(err)
	}
	e := b.next(t, socketmode.EventTypeEventsAPI)
	if err := b.sm.Ack(*e.Request, map[string]any{"text": "nope"}); err != nil {
		t.Fatal(err)
	}
	if _, err := i.WaitAck(wait); err != nil {
		t.Fatal(err)
	}
	if v := s.TakeViolations(); len(v) != 1 || !strings.Contains(v[0], "accepts_response_payload false") {
		t.Errorf("violations %v", v)
	}
}

func TestLateAckIsViolation(t *testing.T) {
	s := newFake(t, WithoutViolationCheck(), WithAckDeadline(time.Nanosecond))
	r := dialRaw(t, s)
	r.read(t)
	if err := s.WaitConnections(1, wait); err != nil {
		t.Fatal(err)
	}
	i := s.SlashCommand("U1ALICE", "C1OPS", "/okta", "x")
	r.read(t)
	r.send(t, map[string]any{"envelope_id": i.EnvelopeID})
	ack, err := i.WaitAck(wait)
	if err != nil {
		t.Fatal(err)
	}
	if ack.After <= 0 {
		t.Errorf("ack.After = %v", ack.After)
	}
	if v := s.TakeViolations(); len(v) != 1 || !strings.Contains(v[0], "deadline") {
		t.Errorf("violations %v", v)
	}
}

func TestKillConnectionsMakesSlackGoReconnect(t *testing.T) {
	s := newFake(t)
	b := startBot(t, s)
	b.next(t, socketmode.EventTypeHello)
	s.KillConnections()
	b.next(t, socketmode.EventTypeHello)
	if err := s.WaitConnections(1, wait); err != nil {
		t.Fatal(err)
	}
	if n := s.CallCount("apps.connections.open"); n != 2 {
		t.Errorf("apps.connections.open called %d times", n)
	}
}

package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const wait = 10 * time.Second

// bot is slack-go's real socketmode client connected to the fake; the test
// reads its events.
type bot struct {
	api    *slack.Client
	sm     *socketmode.Client
	events chan socketmode.Event
}

func newAPI(s *Server) *slack.Client {
	return slack.New(s.BotToken(), slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(s.AppToken()))
}

func startBot(t *testing.T, s *Server, opts ...socketmode.Option) *bot {
	t.Helper()
	api := newAPI(s)
	b := &bot{api: api, sm: socketmode.New(api, opts...), events: make(chan socketmode.Event, 200)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = b.sm.RunContext(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-b.sm.Events:
				select {
				case b.events <- e:
				case <-ctx.Done():
					return
				}
			}
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return b
}

// next waits for the next event of type typ, skipping others.
func (b *bot) next(t *testing.T, typ socketmode.EventType) socketmode.Event {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case e := <-b.events:
			if e.Type == typ {
				return e
			}
		case <-timer.C:
			t.Fatalf("no %s event within %v", typ, wait)
			return socketmode.Event{}
		}
	}
}

// newFake starts a fake with a test workspace: users, a group, channels.
func newFake(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s := New(t, append([]Option{WithPingInterval(50 * time.Millisecond)}, opts...)...)
	s.AddUser(User{ID: "U1ALICE", Name: "alice", RealName: "Alice Example", DisplayName: "alice", Email: "alice@corp.example"})
	s.AddUser(User{ID: "U2BOB", Name: "bob", RealName: "Bob Example", DisplayName: "bobby", Email: "bob@corp.example"})
	s.AddUser(User{ID: "U3CAROL", Name: "carol", RealName: "Carol Gone", Deleted: true})
	s.AddUserGroup("S1SEC", "U1ALICE", "U2BOB")
	s.AddChannel("C1OPS", "ops", "U1ALICE", "U2BOB")
	s.AddChannel("C2APPROVALS", "approvals", "U2BOB")
	s.AddChannel("C3NOBOT", "nobot", "U1ALICE")
	s.SetBotMember("C3NOBOT", false)
	return s
}

// rawConn is a bare websocket client speaking Socket Mode by hand.
type rawConn struct {
	c *websocket.Conn
}

func dialRaw(t *testing.T, s *Server) *rawConn {
	t.Helper()
	url := openURL(t, s)
	h := http.Header{"Origin": {"https://api.slack.com"}}
	c, resp, err := websocket.DefaultDialer.Dial(url, h)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = c.Close() })
	return &rawConn{c: c}
}

func openURL(t *testing.T, s *Server) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.APIURL()+"apps.connections.open", nil)
	req.Header.Set("Authorization", "Bearer "+s.AppToken())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		OK    bool   `json:"ok"`
		URL   string `json:"url"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || !body.OK {
		t.Fatalf("apps.connections.open: %v %+v", err, body)
	}
	if !strings.HasPrefix(body.URL, "ws://") {
		t.Fatalf("url %q", body.URL)
	}
	return body.URL
}

// read reads the next data frame as a generic map.
func (r *rawConn) read(t *testing.T) map[string]any {
	t.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(wait))
	_, data, err := r.c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("frame %s: %v", data, err)
	}
	return m
}

func (r *rawConn) send(t *testing.T, v any) {
	t.Helper()
	if err := r.c.WriteJSON(v); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func slackErr(err error) string {
	if err == nil {
		return ""
	}
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		return se.Err
	}
	return err.Error()
}

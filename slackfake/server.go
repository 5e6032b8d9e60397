// Package slackfake is a faithful fake of the parts of Slack that oktabot
// uses: Socket Mode (apps.connections.open and the websocket protocol with
// hello, ping frames, envelopes, acks and disconnects), the Web API subset
// (auth.test, chat.postMessage/postEphemeral/update, views.open/push/update,
// users.info, usergroups.users.list, files.getUploadURLExternal + upload +
// files.completeUploadExternal) and response_url endpoints.
//
// It is honest: it enforces Slack's Block Kit limits and returns Slack's
// error codes, so a bot that would fail against real Slack fails here. A
// conversation the app is not part of (a DM between people, AddDM; a
// private channel it is not in, AddPrivateChannel) does not exist for the
// app: channel_not_found, as Slack answers. Block
// Kit and protocol violations (invalid blocks anywhere, oversized, unknown,
// duplicate or late acks, ack payloads Slack ignores, unsupported methods,
// response_url misuse) are recorded in Violations and, unless
// WithoutViolationCheck is given, reported with t.Errorf when the test ends.
// The bot token has the OAuth scopes of oktabot's manifest.yml unless
// WithScopes says otherwise; a method called without the scope it needs
// answers missing_scope, as Slack does (listed in MissingScopes).
//
// Typical use, with slack-go's real clients:
//
//	s := slackfake.New(t, slackfake.WithPingInterval(100*time.Millisecond))
//	s.AddUser(slackfake.User{ID: "U1", Name: "alice", Email: "alice@corp.example"})
//	s.AddChannel("C1", "ops", "U1")
//	api := slack.New(s.BotToken(), slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(s.AppToken()))
//	// … run the bot with socketmode.New(api) …
//	if err := s.WaitConnections(1, 5*time.Second); err != nil { t.Fatal(err) }
//	i := s.SlashCommand("U1", "C1", "/okta", "get-user alice")
//	if _, err := i.WaitAck(3 * time.Second); err != nil { t.Fatal(err) }
//	replies, err := i.WaitReplies(1, 5*time.Second)
//	// assert on replies[0].AllText(), then e.g. s.ClickButton("U1", replies[0], "Approve")
//
// Times: WithClock drives trigger_id (3 s) and response_url (30 min) expiry
// and recorded times; ping intervals and Ack.After are real time.
package slackfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Option configures a Server.
type Option func(*config)

type config struct {
	pingInterval     time.Duration
	pongTimeout      time.Duration
	clock            func() time.Time
	appID            string
	teamID           string
	teamDomain       string
	botUserID        string
	botID            string
	acceptsBlockResp bool
	ackDeadline      time.Duration
	deliveryTimeout  time.Duration
	disconnectGrace  time.Duration
	maxConnections   int
	checkViolations  bool
	scopes           []string // the bot token's OAuth scopes
}

// WithPingInterval sets how often every websocket connection gets a ping
// control frame (default 5 s, below slack-go's 30 s ping timeout). A negative
// interval turns pings off, which makes slack-go time out and reconnect.
func WithPingInterval(d time.Duration) Option {
	return func(c *config) { c.pingInterval = d }
}

// WithPongTimeout closes a connection that has not answered a ping within d
// (default 30 s; 0 never closes).
func WithPongTimeout(d time.Duration) Option {
	return func(c *config) { c.pongTimeout = d }
}

// WithClock sets the clock used for trigger_id and response_url expiry,
// message timestamps and recorded times (default time.Now). Ping intervals
// and ack latency (Ack.After) always use real time.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.clock = now }
}

// WithAppID sets the app id (default "A0FAKEAPP").
func WithAppID(id string) Option { return func(c *config) { c.appID = id } }

// WithTeamID sets the workspace id (default "T0FAKETEAM").
func WithTeamID(id string) Option { return func(c *config) { c.teamID = id } }

// WithBotUserID sets the bot's user id (default "U0FAKEBOT").
func WithBotUserID(id string) Option { return func(c *config) { c.botUserID = id } }

// WithBlockActionsAcceptsResponsePayload sets accepts_response_payload on
// block_actions envelopes (default true; real Slack's value is unconfirmed).
func WithBlockActionsAcceptsResponsePayload(b bool) Option {
	return func(c *config) { c.acceptsBlockResp = b }
}

// WithAckDeadline sets how long the bot may take to ack an envelope before
// the ack is recorded as a violation (default 3 s, Slack's deadline; 0 turns
// the check off).
func WithAckDeadline(d time.Duration) Option {
	return func(c *config) { c.ackDeadline = d }
}

// WithDeliveryTimeout sets how long a driver call waits for a live
// connection to send its envelope on (default 10 s).
func WithDeliveryTimeout(d time.Duration) Option {
	return func(c *config) { c.deliveryTimeout = d }
}

// WithMaxConnections changes the per-app connection limit (default 10, as
// Slack).
func WithMaxConnections(n int) Option { return func(c *config) { c.maxConnections = n } }

// WithoutViolationCheck stops the Server from failing the test at cleanup
// when violations were recorded; the test inspects Violations itself.
func WithoutViolationCheck() Option { return func(c *config) { c.checkViolations = false } }

// User is a workspace member as users.info shows it.
type User struct {
	ID, Name, RealName, DisplayName, Email string
	IsBot, Deleted                         bool
	// TeamID is the user's home workspace (default the fake's own): a
	// Slack Connect user from another organisation has their own.
	TeamID string
	// IsStranger marks a user from another organisation whom the workspace
	// shares no channel with, as users.info says with is_stranger.
	IsStranger bool
}

// APICall is one Web API (or response_url / upload) request the bot made.
type APICall struct {
	Method string            // "chat.postMessage", …, "response_url", "files.upload"
	Params map[string]string // request parameters, token stripped; JSON objects as JSON text
	At     time.Time
	Error  string // the error code answered, "" on success
}

// Ack is an acknowledgement the bot sent for an envelope.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage // nil when the ack had no payload
	After      time.Duration   // real time between sending the envelope and receiving the ack
	Conn       int             // connection the ack arrived on
}

// kind is what sort of conversation a channel is, which decides what the
// app may see and do in it.
type kind int

const (
	kindPublic   kind = iota // a public channel: visible, posting needs membership
	kindPrivate              // a private channel: invisible unless the bot is a member
	kindAppDM                // the app's direct message with one person
	kindPeopleDM             // a direct message between people: never visible to the app
)

type channel struct {
	id, name  string
	kind      kind
	members   map[string]bool
	botMember bool
	archived  bool
	dmUser    string // for the app's DMs, the person
	// postEvery, when set, is how often the bot may post in the channel
	// (LimitPosts); lastPost is when it last did.
	postEvery time.Duration
	lastPost  time.Time
}

// posted is the current state of a message visible in Slack.
type posted struct {
	channel, ts, threadTS string
	author                string // user id; the bot's for bot messages
	text                  string
	blocks                json.RawMessage
	attachments           json.RawMessage
	botID                 string // another app's bot (Post.BotID), for its messages
	ephemeralTo           string
	deleted               bool
	at                    time.Time // last change
}

type injected struct {
	code string
}

// Server is the fake Slack. Create it with New.
type Server struct {
	t        reporter
	cfg      config
	srv      *httptest.Server
	upgrader websocket.Upgrader
	appToken string
	botToken string
	verToken string

	mu         sync.Mutex
	changed    chan struct{}
	closed     bool
	wg         sync.WaitGroup
	users      map[string]User
	groups     map[string][]string
	channels   map[string]*channel
	posts      map[string]*posted // channel+"/"+ts
	tickets    map[string]bool    // ticket -> used
	conns      []*wsConn
	connSeq    int
	rr         int
	pongs      int
	seq        int
	lastTS     int64
	pending    map[string][]*Interaction // envelope id -> deliveries in order
	triggers   map[string]*trigger
	respURLs   map[string]*responseURL
	views      map[string]*viewState
	stacks     map[string][]string // user -> open view ids, root first
	homes      map[string]string   // user -> their Home tab's view id
	viewLog    []View
	messages   []Message
	calls      []APICall
	acks       []Ack
	violations []string
	refused    []string // calls refused for a scope the bot token lacks
	files      map[string]*File
	fileOrder  []string
	inject     map[string][]injected
	latency    map[string]time.Duration // method -> how long it takes
	inFlight   map[string]int           // method -> calls being answered now
	maxFlight  map[string]int           // method -> most calls answered at once
}

// New starts a fake Slack on a loopback httptest server. t.Cleanup closes
// everything (websockets included) and, unless WithoutViolationCheck was
// given, reports recorded violations with t.Errorf.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := newServer(t, opts)
	t.Cleanup(s.close)
	return s
}

func newServer(t reporter, opts []Option) *Server {
	cfg := config{
		pingInterval:     5 * time.Second,
		pongTimeout:      30 * time.Second,
		clock:            time.Now,
		appID:            "A0FAKEAPP",
		teamID:           "T0FAKETEAM",
		teamDomain:       "fake",
		botUserID:        "U0FAKEBOT",
		botID:            "B0FAKEBOT",
		acceptsBlockResp: true,
		ackDeadline:      3 * time.Second,
		deliveryTimeout:  10 * time.Second,
		disconnectGrace:  2 * time.Second,
		maxConnections:   10,
		checkViolations:  true,
		scopes:           slices.Clone(manifestScopes),
	}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		t:         t,
		cfg:       cfg,
		appToken:  "xapp-1-" + cfg.appID + "-1-fakeapptoken",
		botToken:  "xoxb-1-" + cfg.teamID + "-fakebottoken",
		verToken:  "fakeverificationtoken",
		changed:   make(chan struct{}),
		users:     map[string]User{},
		groups:    map[string][]string{},
		channels:  map[string]*channel{},
		posts:     map[string]*posted{},
		tickets:   map[string]bool{},
		pending:   map[string][]*Interaction{},
		triggers:  map[string]*trigger{},
		respURLs:  map[string]*responseURL{},
		views:     map[string]*viewState{},
		stacks:    map[string][]string{},
		homes:     map[string]string{},
		files:     map[string]*File{},
		inject:    map[string][]injected{},
		latency:   map[string]time.Duration{},
		inFlight:  map[string]int{},
		maxFlight: map[string]int{},
	}
	s.upgrader = websocket.Upgrader{
		// slack-go dials with Origin: https://api.slack.com.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	s.users[cfg.botUserID] = User{ID: cfg.botUserID, Name: "oktabot", RealName: "oktabot", DisplayName: "oktabot", IsBot: true}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.handleAPI)
	mux.HandleFunc("/link/", s.handleLink)
	mux.HandleFunc("/response/", s.handleResponseURL)
	mux.HandleFunc("/upload/", s.handleUpload)
	s.srv = httptest.NewServer(mux)
	return s
}

func (s *Server) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	conns := slices.Clone(s.conns)
	s.broadcastLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.shutdown()
	}
	s.srv.Close()
	s.wg.Wait()
	if s.cfg.checkViolations {
		for _, v := range s.Violations() {
			s.t.Errorf("slackfake: violation: %s", v)
		}
	}
}

// APIURL is the Web API base URL, ending in '/': slack.OptionAPIURL(s.APIURL()).
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// AppToken is the app-level token (xapp-…) for apps.connections.open.
func (s *Server) AppToken() string { return s.appToken }

// BotToken is the bot token (xoxb-…) for the Web API.
func (s *Server) BotToken() string { return s.botToken }

// BotUserID is the bot's user id.
func (s *Server) BotUserID() string { return s.cfg.botUserID }

// AppID is the app id.
func (s *Server) AppID() string { return s.cfg.appID }

// TeamID is the workspace id.
func (s *Server) TeamID() string { return s.cfg.teamID }

// AddUser adds (or replaces) a workspace member.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.Name == "" {
		u.Name = strings.ToLower(u.ID)
	}
	s.users[u.ID] = u
}

// AddUserGroup adds (or replaces) a user group (S…) with its members.
func (s *Server) AddUserGroup(id string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = slices.Clone(members)
}

// AddChannel adds (or replaces) a public channel with its members. The bot
// is a member unless SetBotMember(id, false) says otherwise. The app's
// direct messages need not be added (AppDM names one); a direct message
// between people is added with AddDM.
func (s *Server) AddChannel(id, name string, members ...string) {
	s.addChannel(id, name, kindPublic, members)
}

// AddPrivateChannel adds (or replaces) a private channel with its members.
// The bot is a member unless SetBotMember(id, false) says otherwise; while
// it is not, the channel does not exist for the app: every Web API call
// naming it answers channel_not_found, as Slack does.
func (s *Server) AddPrivateChannel(id, name string, members ...string) {
	s.addChannel(id, name, kindPrivate, members)
}

func (s *Server) addChannel(id, name string, k kind, members []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := &channel{id: id, name: name, kind: k, members: map[string]bool{}, botMember: true}
	for _, m := range members {
		ch.members[m] = true
	}
	s.channels[id] = ch
}

// AddDM adds the direct message between two people and returns its id.
// The app is not part of it and cannot become part of it: Web API calls
// naming it (chat.postMessage, chat.postEphemeral, chat.update, file
// uploads, conversations.open) answer channel_not_found, as Slack does.
// Either person may type a slash command in it; its response_url works.
func (s *Server) AddDM(userA, userB string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextIDLocked("D")
	s.channels[id] = &channel{id: id, name: "directmessage", kind: kindPeopleDM, members: map[string]bool{userA: true, userB: true}}
	return id
}

// AppDM is the id of the app's direct message with user (its Messages
// tab), as conversations.open with users=user answers it.
func (s *Server) AppDM(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dmLocked(appDMID(user), user).id
}

// appDMID is how the fake names the app's direct message with a user.
func appDMID(user string) string {
	if len(user) < 2 {
		return "D"
	}
	return "D" + user[1:]
}

// SetBotMember says whether the bot is a member of a channel added with
// AddChannel or AddPrivateChannel.
func (s *Server) SetBotMember(channelID string, member bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.channels[channelID]; ok && (ch.kind == kindPublic || ch.kind == kindPrivate) {
		ch.botMember = member
	}
}

// ArchiveChannel marks a channel as archived (posting answers is_archived).
func (s *Server) ArchiveChannel(channelID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.channels[channelID]; ok {
		ch.archived = true
	}
}

// InjectError makes the next call of method answer ok:false with code.
// "ratelimited" answers HTTP 429 with Retry-After: 1, as Slack does.
// Method "response_url" is the next use of any response_url (e.g.
// "expired_url").
func (s *Server) InjectError(method, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inject[method] = append(s.inject[method], injected{code: code})
}

// SetLatency makes every call of a Web API method take d (real time)
// before it is answered; calls wait side by side, so MaxInFlight shows how
// many the bot makes at once. Zero removes it.
func (s *Server) SetLatency(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency[method] = d
}

// MaxInFlight is the most calls of a Web API method the bot had waiting
// for an answer at once.
func (s *Server) MaxInFlight(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxFlight[method]
}

// Messages is everything the bot posted, in order: chat.postMessage,
// chat.postEphemeral, chat.update (a new entry each time), response_url
// replies and slash command ack payloads.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// WaitMessage waits until a message the bot posted (already or later)
// matches. match is called without the Server's lock held.
func (s *Server) WaitMessage(timeout time.Duration, match func(Message) bool) (Message, error) {
	var found Message
	err := s.waitUntil(timeout, func() bool {
		for _, m := range s.Messages() {
			if match(m) {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		return Message{}, fmt.Errorf("slackfake: no matching message after %v (%d messages posted)", timeout, len(s.Messages()))
	}
	return found, nil
}

// Views is every state of every modal, in order: each views.open,
// views.update, views.push and response_action update/push adds an entry.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.viewLog)
}

// WaitView waits until a view state (already or later) matches. match is
// called without the Server's lock held.
func (s *Server) WaitView(timeout time.Duration, match func(View) bool) (View, error) {
	var found View
	err := s.waitUntil(timeout, func() bool {
		for _, v := range s.Views() {
			if match(v) {
				found = v
				return true
			}
		}
		return false
	})
	if err != nil {
		return View{}, fmt.Errorf("slackfake: no matching view after %v (%d view states)", timeout, len(s.Views()))
	}
	return found, nil
}

// CurrentView is the current state of an open or closed view by id.
func (s *Server) CurrentView(id string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	vs, ok := s.views[id]
	if !ok {
		return View{}, false
	}
	return vs.snapshot(""), true
}

// OpenViews is the user's modal stack, root first.
func (s *Server) OpenViews(user string) []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []View
	for _, id := range s.stacks[user] {
		out = append(out, s.views[id].snapshot(""))
	}
	return out
}

// Calls is every API call the bot made, in order.
func (s *Server) Calls() []APICall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// CallCount is how many times the bot called method.
func (s *Server) CallCount(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Method == method {
			n++
		}
	}
	return n
}

// Violations are the Block Kit and protocol violations seen so far.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// TakeViolations returns the violations seen so far and forgets them, for a
// test that provokes violations on purpose.
func (s *Server) TakeViolations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.violations
	s.violations = nil
	return v
}

// Acks are all acks received, in order.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.acks)
}

// Pongs is how many pong frames the bot answered to the fake's pings.
func (s *Server) Pongs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pongs
}

// ChannelMessage is the current state of a message (after updates and
// replacements), and whether it exists and was not deleted. Its Via is "bot"
// or "user" (the author).
func (s *Server) ChannelMessage(channelID, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.posts[channelID+"/"+ts]
	if !ok || p.deleted {
		return Message{}, false
	}
	return p.message(s.cfg.botUserID), true
}

// PostAsUser posts a message as a (human) user, e.g. to test that the bot
// cannot chat.update it. It is not part of Messages.
func (s *Server) PostAsUser(user, channelID, text string) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &posted{channel: channelID, ts: s.nextTSLocked(), author: user, text: text, at: s.now()}
	s.posts[channelID+"/"+p.ts] = p
	return p.message(s.cfg.botUserID)
}

func (p *posted) message(botUserID string) Message {
	via := "user"
	if p.author == botUserID {
		via = "bot"
	}
	m := Message{Via: via, Channel: p.channel, TS: p.ts, ThreadTS: p.threadTS, Text: p.text, Blocks: p.blocks, At: p.at}
	if p.ephemeralTo != "" {
		m.User = p.ephemeralTo
		m.ResponseType = "ephemeral"
	}
	return m
}

// violationLocked records a violation. s.mu must be held.
func (s *Server) violationLocked(format string, args ...any) {
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
	s.broadcastLocked()
}

// broadcastLocked wakes every waiter. s.mu must be held.
func (s *Server) broadcastLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor waits until cond (called with s.mu held) is true.
func (s *Server) waitFor(timeout time.Duration, cond func() bool) error {
	return s.waitUntil(timeout, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return cond()
	})
}

// waitUntil waits until check (called without s.mu) is true. It takes the
// change channel before each check, so no change is missed.
func (s *Server) waitUntil(timeout time.Duration, check func() bool) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		ch, closed := s.changed, s.closed
		s.mu.Unlock()
		if check() {
			return nil
		}
		if closed {
			return fmt.Errorf("slackfake: server closed")
		}
		select {
		case <-ch:
		case <-timer.C:
			if check() {
				return nil
			}
			return fmt.Errorf("slackfake: timed out after %v", timeout)
		}
	}
}
func (s *Server) now() time.Time { return s.cfg.clock() }

// nextIDLocked returns prefix + a unique upper-case id. s.mu must be held.
func (s *Server) nextIDLocked(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%07X", prefix, s.seq)
}

// nextTSLocked returns a unique, increasing message timestamp from the
// clock. s.mu must be held.
func (s *Server) nextTSLocked() string {
	micro := s.now().UnixMicro()
	if micro <= s.lastTS {
		micro = s.lastTS + 1
	}
	s.lastTS = micro
	return fmt.Sprintf("%d.%06d", micro/1e6, micro%1e6)
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

package sandbox

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"oktabot/slackfake"
)

//go:embed web
var webFiles embed.FS

// How long the page waits for the bot: generous, the bot acks in well
// under Slack's 3 s and the page shows the answer when it comes.
const waitAck = 5 * time.Second

func (s *Sandbox) handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(webFiles, "web")
	mux.Handle("GET /", http.FileServerFS(static))
	mux.HandleFunc("GET /api/workspace", s.apiWorkspace)
	mux.HandleFunc("GET /api/view", s.apiView)
	mux.HandleFunc("POST /api/command", s.apiCommand)
	mux.HandleFunc("POST /api/click", s.apiClick)
	mux.HandleFunc("POST /api/modal/click", s.apiModalClick)
	mux.HandleFunc("POST /api/modal/submit", s.apiModalSubmit)
	mux.HandleFunc("POST /api/modal/close", s.apiModalClose)
	mux.HandleFunc("POST /api/modal/suggest", s.apiSuggest)
	mux.HandleFunc("POST /api/home", s.apiHome)
	mux.HandleFunc("GET /api/files/{id}", s.apiFile)
	mux.HandleFunc("GET /api/okta", s.apiOkta)
	mux.HandleFunc("POST /api/okta/faults", s.apiOktaFaults)
	mux.HandleFunc("GET /api/phones", s.apiPhones)
	mux.HandleFunc("POST /api/phones/answer", s.apiPhoneAnswer)
	mux.HandleFunc("POST /api/clock", s.apiClock)
	return sameOrigin(mux)
}

// sameOrigin refuses cross-site writes: another page open in the same
// browser must not drive the sandbox's bot.
func sameOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Sec-Fetch-Site") == "cross-site" {
				http.Error(w, "the sandbox takes JSON from its own page only", http.StatusForbidden)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// fail answers a problem the page shows as it is.
func fail(w http.ResponseWriter, status int, format string, args ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": fmt.Sprintf(format, args...)})
}

func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	return dec.Decode(v)
}

type personJSON struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	RealName string   `json:"real_name"`
	Title    string   `json:"title"`
	Role     string   `json:"role"`
	Groups   []string `json:"groups"`
	DM       string   `json:"dm"` // their direct messages with oktabot
}

func (s *Sandbox) apiWorkspace(w http.ResponseWriter, _ *http.Request) {
	var people []personJSON
	for _, p := range s.people {
		people = append(people, personJSON{ID: p.ID, Name: p.Name, RealName: p.RealName, Title: p.Title, Role: p.Role, Groups: s.Slack.GroupsOf(p.ID), DM: s.Slack.AppDM(p.ID)})
	}
	writeJSON(w, map[string]any{
		"people":   people,
		"channels": s.channels,
		"bot":      map[string]string{"id": s.Slack.BotUserID(), "name": "oktabot"},
		"policy":   s.policy,
		"tour":     s.tour,
	})
}

// person checks that id is someone to be.
func (s *Sandbox) person(id string) bool {
	return slices.ContainsFunc(s.people, func(p Person) bool { return p.ID == id })
}

type messageJSON struct {
	TS        string          `json:"ts"`
	ThreadTS  string          `json:"thread_ts,omitempty"`
	Author    string          `json:"author"`
	Name      string          `json:"name"`
	Bot       bool            `json:"bot"`
	Text      string          `json:"text"`
	Blocks    json.RawMessage `json:"blocks,omitempty"`
	Ephemeral bool            `json:"ephemeral"`
	At        time.Time       `json:"at"`
	Typed     bool            `json:"typed,omitempty"` // a command the viewer typed (Slack shows it to nobody)
	File      *fileJSON       `json:"file,omitempty"`
}

type fileJSON struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Title   string `json:"title"`
	Size    int    `json:"size"`
	Comment string `json:"comment"`
}

type viewJSON struct {
	ID     string          `json:"id"`
	Title  string          `json:"title"`
	Submit string          `json:"submit"`
	Close  string          `json:"close"`
	Blocks json.RawMessage `json:"blocks"`
	Depth  int             `json:"depth"`
}

type channelJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	DM   bool   `json:"dm"`
}

// apiView is what one person sees: their channels, one channel's history
// (or their Home tab), their open modal, and what Slack would reject.
func (s *Sandbox) apiView(w http.ResponseWriter, r *http.Request) {
	as, chID := r.URL.Query().Get("as"), r.URL.Query().Get("channel")
	if !s.person(as) {
		fail(w, http.StatusBadRequest, "no such person %q", as)
		return
	}
	out := map[string]any{}
	chans := []channelJSON{}
	// The app's Messages tab is there before the bot ever wrote.
	dm := s.Slack.AppDM(as)
	for _, c := range s.Slack.ChannelsOf(as) {
		name := c.Name
		if c.ID == dm {
			name = "oktabot"
		}
		chans = append(chans, channelJSON{ID: c.ID, Name: name, DM: c.IsDM})
	}
	out["channels"] = chans

	if chID == "home" {
		if v, ok := s.Slack.Home(as); ok {
			out["home"] = viewJSON{ID: v.ID, Blocks: v.Blocks}
		}
	} else {
		out["messages"] = s.history(as, chID)
	}
	if stack := s.Slack.OpenViews(as); len(stack) > 0 {
		v := stack[len(stack)-1]
		out["modal"] = viewJSON{ID: v.ID, Title: v.Title, Submit: v.Submit, Close: v.Close, Blocks: v.Blocks, Depth: len(stack)}
	}
	out["problems"] = s.problems()
	out["clock"] = s.clockJSON()
	writeJSON(w, out)
}

type clockJSON struct {
	Now   time.Time `json:"now"`
	Ahead int64     `json:"ahead"` // seconds ahead of the real time
}

func (s *Sandbox) clockJSON() clockJSON {
	return clockJSON{Now: s.clock.Now(), Ahead: int64(s.clock.Ahead().Seconds())}
}

// apiClock moves the sandbox's time forward ({"skip": "1h"}): the bot's,
// Slack's and Okta's together, so that what waits for time (a reminder, a
// break-glass offer, an expiry, a grant's end) comes now.
func (s *Sandbox) apiClock(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Skip string `json:"skip"`
	}
	if err := readJSON(r, &req); err != nil {
		fail(w, http.StatusBadRequest, "bad clock request")
		return
	}
	d, err := time.ParseDuration(req.Skip)
	if err == nil {
		err = s.clock.Skip(d)
	}
	if err != nil {
		fail(w, http.StatusBadRequest, "skip %q: %v", req.Skip, err)
		return
	}
	writeJSON(w, s.clockJSON())
}

// history merges the channel's messages, the viewer's typed commands and
// the files uploaded to it, in time order.
func (s *Sandbox) history(as, chID string) []messageJSON {
	var out []messageJSON
	for _, m := range s.Slack.History(chID, as) {
		mj := messageJSON{TS: m.TS, ThreadTS: m.ThreadTS, Text: m.Text, Blocks: m.Blocks, Ephemeral: m.Ephemeral(), At: m.At}
		if m.Via == "bot" {
			mj.Author, mj.Name, mj.Bot = s.Slack.BotUserID(), "oktabot", true
		}
		out = append(out, mj)
	}
	s.mu.Lock()
	for _, t := range s.typed {
		if t.User == as && t.Channel == chID {
			out = append(out, messageJSON{Author: as, Name: s.realName(as), Text: t.Text, Typed: true, Ephemeral: true, At: t.At})
		}
	}
	for _, f := range s.Slack.Files() {
		if _, ok := s.fileSeen[f.ID]; !ok {
			s.fileSeen[f.ID] = s.clock.Now()
		}
		if f.Channel == chID && f.Completed {
			out = append(out, messageJSON{Author: s.Slack.BotUserID(), Name: "oktabot", Bot: true, At: s.fileSeen[f.ID],
				File: &fileJSON{ID: f.ID, Name: f.Name, Title: f.Title, Size: len(f.Content), Comment: f.InitialComment}})
		}
	}
	s.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

func (s *Sandbox) realName(id string) string {
	if u, ok := s.Slack.UserInfo(id); ok && u.RealName != "" {
		return u.RealName
	}
	return id
}

// problems are what real Slack or Okta would have refused or failed on:
// Block Kit and protocol violations, Slack API calls answered with an
// error, Okta spec violations.
func (s *Sandbox) problems() []string {
	out := []string{}
	for _, p := range s.Slack.Problems() {
		out = append(out, "Slack: "+p)
	}
	for _, c := range s.Slack.Calls() {
		if c.Error != "" {
			out = append(out, fmt.Sprintf("Slack: %s answered %s", c.Method, c.Error))
		}
	}
	for _, v := range s.Okta.Violations() {
		out = append(out, v.String())
	}
	return out
}

type commandReq struct {
	As      string `json:"as"`
	Channel string `json:"channel"`
	Text    string `json:"text"`
}

// apiCommand is the person typing "/okta …" in a channel.
func (s *Sandbox) apiCommand(w http.ResponseWriter, r *http.Request) {
	var req commandReq
	if err := readJSON(r, &req); err != nil || !s.person(req.As) {
		fail(w, http.StatusBadRequest, "bad command request")
		return
	}
	text := strings.TrimSpace(req.Text)
	cmd, rest, _ := strings.Cut(text, " ")
	if cmd != "/okta" {
		fail(w, http.StatusBadRequest, "only /okta is installed in this workspace")
		return
	}
	if req.Channel != s.Slack.AppDM(req.As) && !slices.ContainsFunc(s.Slack.ChannelsOf(req.As), func(c slackfake.Channel) bool { return c.ID == req.Channel }) {
		fail(w, http.StatusBadRequest, "you are not in channel %s", req.Channel)
		return
	}
	s.mu.Lock()
	s.typed = append(s.typed, typedCommand{User: req.As, Channel: req.Channel, Text: text, At: s.clock.Now()})
	s.mu.Unlock()
	i := s.Slack.SlashCommand(req.As, req.Channel, "/okta", strings.TrimSpace(rest))
	if _, err := i.WaitAck(waitAck); err != nil {
		fail(w, http.StatusGatewayTimeout, "the bot did not acknowledge the command: %v", err)
		return
	}
	writeJSON(w, map[string]bool{"ok": true})
}

type clickReq struct {
	As      string `json:"as"`
	Channel string `json:"channel"`
	TS      string `json:"ts"`
	ViewID  string `json:"view_id"`
	Label   string `json:"label"`
}

// apiClick is a click on a message's button (after its confirmation
// dialog, which the page shows).
func (s *Sandbox) apiClick(w http.ResponseWriter, r *http.Request) {
	var req clickReq
	if err := readJSON(r, &req); err != nil || !s.person(req.As) {
		fail(w, http.StatusBadRequest, "bad click request")
		return
	}
	i, err := s.Slack.ClickButton(req.As, slackfake.Message{Channel: req.Channel, TS: req.TS}, req.Label)
	s.acked(w, i, err)
}

func (s *Sandbox) apiModalClick(w http.ResponseWriter, r *http.Request) {
	var req clickReq
	if err := readJSON(r, &req); err != nil || !s.person(req.As) {
		fail(w, http.StatusBadRequest, "bad click request")
		return
	}
	i, err := s.Slack.ClickViewButton(req.As, slackfake.View{ID: req.ViewID}, req.Label)
	s.acked(w, i, err)
}

// acked waits for the bot's ack and answers its payload.
func (s *Sandbox) acked(w http.ResponseWriter, i *slackfake.Interaction, err error) {
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	if i == nil {
		writeJSON(w, map[string]bool{"ok": true})
		return
	}
	ack, err := i.WaitAck(waitAck)
	if err != nil {
		fail(w, http.StatusGatewayTimeout, "the bot did not acknowledge: %v", err)
		return
	}
	writeJSON(w, map[string]any{"ok": true, "ack": ack.Payload})
}

type submitReq struct {
	As     string                    `json:"as"`
	ViewID string                    `json:"view_id"`
	Values map[string]map[string]any `json:"values"`
}

// apiModalSubmit submits the person's modal; errors the bot answers with
// (response_action: errors) come back per block.
func (s *Sandbox) apiModalSubmit(w http.ResponseWriter, r *http.Request) {
	var req submitReq
	if err := readJSON(r, &req); err != nil || !s.person(req.As) {
		fail(w, http.StatusBadRequest, "bad submit request")
		return
	}
	i, err := s.Slack.SubmitView(req.As, slackfake.View{ID: req.ViewID}, req.Values)
	s.acked(w, i, err)
}

func (s *Sandbox) apiModalClose(w http.ResponseWriter, r *http.Request) {
	var req clickReq
	if err := readJSON(r, &req); err != nil || !s.person(req.As) {
		fail(w, http.StatusBadRequest, "bad close request")
		return
	}
	i, err := s.Slack.CloseView(req.As, slackfake.View{ID: req.ViewID})
	s.acked(w, i, err)
}

type suggestReq struct {
	As       string `json:"as"`
	ViewID   string `json:"view_id"`
	ActionID string `json:"action_id"`
	Typed    string `json:"typed"`
}

// apiSuggest is typing into a type-ahead select: the bot's options.
func (s *Sandbox) apiSuggest(w http.ResponseWriter, r *http.Request) {
	var req suggestReq
	if err := readJSON(r, &req); err != nil || !s.person(req.As) {
		fail(w, http.StatusBadRequest, "bad suggest request")
		return
	}
	i, err := s.Slack.Suggest(req.As, slackfake.View{ID: req.ViewID}, req.ActionID, req.Typed)
	s.acked(w, i, err)
}

// apiHome opens the person's Home tab: Slack sends app_home_opened and
// the bot publishes the view.
func (s *Sandbox) apiHome(w http.ResponseWriter, r *http.Request) {
	var req clickReq
	if err := readJSON(r, &req); err != nil || !s.person(req.As) {
		fail(w, http.StatusBadRequest, "bad home request")
		return
	}
	before, _ := s.Slack.Home(req.As)
	i, err := s.Slack.SendEvent(map[string]any{"type": "app_home_opened", "user": req.As, "channel": s.Slack.AppDM(req.As), "tab": "home",
		"event_ts": fmt.Sprintf("%d.000100", s.clock.Now().Unix())})
	if err != nil {
		fail(w, http.StatusBadGateway, "%v", err)
		return
	}
	if _, err := i.WaitAck(waitAck); err != nil {
		fail(w, http.StatusGatewayTimeout, "the bot did not acknowledge app_home_opened: %v", err)
		return
	}
	deadline := time.Now().Add(waitAck)
	for time.Now().Before(deadline) {
		if v, ok := s.Slack.Home(req.As); ok && (v.ID != before.ID || v.Hash != before.Hash || !v.At.Equal(before.At)) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	writeJSON(w, map[string]bool{"ok": true})
}

// apiFile downloads a file the bot uploaded, to a person who can see the
// conversation it was shared in.
func (s *Sandbox) apiFile(w http.ResponseWriter, r *http.Request) {
	as := r.URL.Query().Get("as")
	for _, f := range s.Slack.Files() {
		if f.ID != r.PathValue("id") || !f.Completed {
			continue
		}
		if !slices.ContainsFunc(s.Slack.ChannelsOf(as), func(c slackfake.Channel) bool { return c.ID == f.Channel }) {
			break
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", f.Name))
		w.Write(f.Content)
		return
	}
	fail(w, http.StatusNotFound, "no such file for %s", as)
}

type oktaFaults struct {
	LatencyMS int `json:"latency_ms"`
	RateLimit int `json:"rate_limit"` // calls a minute per endpoint; 0 is Okta's defaults
	Throttled int `json:"throttled"`  // the next calls answered 429 (as set)
}

type oktaUserJSON struct {
	ID         string   `json:"id"`
	Login      string   `json:"login"`
	Name       string   `json:"name"`
	Status     string   `json:"status"`
	Title      string   `json:"title"`
	Department string   `json:"department"`
	Roles      []string `json:"roles"`
}

type oktaCallJSON struct {
	At        time.Time `json:"at"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Query     string    `json:"query"`
	Operation string    `json:"operation"`
	Status    int       `json:"status"`
	ErrorCode string    `json:"error_code,omitempty"`
	MS        int64     `json:"ms"`
}

// apiOkta is the Okta panel: users with status and admin roles, the
// calls the bot made (method, path, query, status: no header, no body, so
// no token or password), and the fault settings.
func (s *Sandbox) apiOkta(w http.ResponseWriter, _ *http.Request) {
	users := []oktaUserJSON{}
	for _, u := range s.Okta.Users() {
		uj := oktaUserJSON{ID: u.ID, Login: u.Login, Name: strings.TrimSpace(u.FirstName + " " + u.LastName), Status: u.Status, Roles: []string{}}
		uj.Title, _ = u.Profile["title"].(string)
		uj.Department, _ = u.Profile["department"].(string)
		for _, r := range s.Okta.Roles(u.ID) {
			uj.Roles = append(uj.Roles, r.Type)
		}
		users = append(users, uj)
	}
	calls := []oktaCallJSON{}
	for _, c := range s.Okta.Calls() {
		calls = append(calls, oktaCallJSON{At: c.At, Method: c.Method, Path: pagePath(c.Path), Query: c.Query.Encode(), Operation: c.Operation,
			Status: c.Status, ErrorCode: c.ErrorCode, MS: c.Duration.Milliseconds()})
	}
	s.mu.Lock()
	faults := s.oktaState
	s.mu.Unlock()
	writeJSON(w, map[string]any{"users": users, "calls": calls, "faults": faults, "logs": s.logs.Lines()})
}

// pagePath is a call's path as the page shows it: a push's poll names its
// transaction, which no one but Okta and the bot may know (the phones name
// pushes by handles of their own).
func pagePath(path string) string {
	if dir, _, ok := strings.Cut(path, "/transactions/"); ok {
		return dir + "/transactions/{transactionId}"
	}
	return path
}

func (s *Sandbox) apiOktaFaults(w http.ResponseWriter, r *http.Request) {
	var req oktaFaults
	if err := readJSON(r, &req); err != nil {
		fail(w, http.StatusBadRequest, "bad faults request")
		return
	}
	if req.LatencyMS < 0 || req.LatencyMS > 30000 || req.RateLimit < 0 || req.Throttled < 0 || req.Throttled > 1000 {
		fail(w, http.StatusBadRequest, "%v", errors.New("latency 0–30000 ms, rate limit ≥ 0, throttled 0–1000"))
		return
	}
	s.Okta.SetLatency(time.Duration(req.LatencyMS) * time.Millisecond)
	s.Okta.RateLimit(req.RateLimit, time.Minute)
	s.Okta.Throttle(req.Throttled)
	s.mu.Lock()
	s.oktaState = req
	s.mu.Unlock()
	writeJSON(w, req)
}

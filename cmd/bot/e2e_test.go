package main

// End-to-end tests: the real run, the real slack-go Socket Mode client over a
// real websocket to the Slack fake, and the real Okta SDK over HTTP to the
// Okta fake. They assert what people see in Slack and what Okta receives.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"oktabot/okta/oktatest"
	"oktabot/slackfake"
)

// People in Slack.
const (
	uAlice    = "U0ALICE01"  // on-call, listed by id
	uBob      = "U0BOB0001"  // on-call through the S0ONCALL user group
	uMallory  = "U0MALLORY"  // not in the policy
	uCarol    = "U0CAROL01"  // only mentioned
	uSecurity = "U0SECURITY" // may run everything
	chGen     = "C0GENERAL"
)

const testPolicy = `# test policy
roles:
  oncall:
    members: [U0ALICE01, S0ONCALL01]
    actions: [ping, get-user, list-users, disable-user]
  security:
    members: [U0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
approvals:
  - actions: [disable-user]
    approvers: [security]
    channel: C0APPROVALS
    expire_after: 1h
    require_reason: true
`

// syncBuffer collects the bot's log output safely across goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type harness struct {
	t      testing.TB
	slack  *slackfake.Server
	okta   *oktatest.Server
	env    map[string]string
	stdout *syncBuffer
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// newHarness seeds both fakes; start runs the bot against them.
func newHarness(t testing.TB) *harness {
	t.Helper()
	sf := slackfake.New(t, slackfake.WithPingInterval(500*time.Millisecond), slackfake.WithScopes(botScopes(t)...))
	t.Cleanup(func() {
		for _, m := range sf.MissingScopes() {
			t.Errorf("Slack refused a call for a scope manifest.yml does not grant: %s", m)
		}
	})
	for _, u := range []slackfake.User{
		{ID: uAlice, Name: "alice", RealName: "Alice Liddell", Email: "alice@corp.com"},
		{ID: uBob, Name: "bob", RealName: "Bob Builder", Email: "bob@corp.com"},
		{ID: uMallory, Name: "mallory", RealName: "Mallory", Email: "mallory@corp.com"},
		{ID: uCarol, Name: "carol", RealName: "Carol Danvers", Email: "carol.danvers@corp.com"},
		{ID: uSecurity, Name: "sec", RealName: "Sam Security", Email: "sam@corp.com"},
	} {
		sf.AddUser(u)
	}
	sf.AddUserGroup("S0ONCALL01", uBob)
	sf.AddChannel(chGen, "general", uAlice, uBob, uMallory, uSecurity)

	of := oktatest.New(t)
	admin := of.AddUser(oktatest.User{Login: "oktabot.svc@corp.com", Email: "oktabot.svc@corp.com", FirstName: "Okta", LastName: "Bot"})
	of.SetMe(admin.ID)
	created := time.Date(2022, 7, 11, 6, 7, 55, 0, time.UTC)
	of.AddUser(oktatest.User{Login: "alice@corp.com", Email: "alice@corp.com", FirstName: "Alice", LastName: "Liddell",
		Created: created, Activated: created.Add(time.Hour), LastLogin: created.Add(48 * time.Hour), PasswordChanged: created.Add(2 * time.Hour)})
	of.AddUser(oktatest.User{Login: "bob@corp.com", Email: "bob@corp.com", FirstName: "Bob", LastName: "Builder", Status: "SUSPENDED"})
	of.AddUser(oktatest.User{Login: "carol.danvers@corp.com", Email: "carol.danvers@corp.com", FirstName: "Carol", LastName: "Danvers"})

	policy := filepath.Join(t.TempDir(), "policy.yml")
	if err := os.WriteFile(policy, []byte(testPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	return &harness{
		t: t, slack: sf, okta: of,
		env: map[string]string{
			"SLACK_APP_TOKEN":      sf.AppToken(),
			"SLACK_BOT_TOKEN":      sf.BotToken(),
			"SLACK_API_URL":        sf.APIURL(),
			"OKTA_CLIENT_ORGURL":   of.URL,
			"OKTA_CLIENT_TOKEN":    of.Token,
			"OKTABOT_POLICY_FILE":  policy,
			"OKTABOT_DATABASE_URL": filepath.Join(t.TempDir(), "oktabot.db"),
			"OKTABOT_HTTP_ADDR":    "127.0.0.1:0",
			"LOG_LEVEL":            "debug",
		},
		stdout: &syncBuffer{}, stderr: &syncBuffer{},
	}
}

// start runs the bot and waits until it is connected to the Slack fake.
func (h *harness) start() *harness {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- run(ctx, []string{"bot"}, lookup(h.env), h.stdout, h.stderr) }()
	h.t.Cleanup(func() {
		h.stop()
		h.assertNoSecretsLeaked()
	})
	if err := h.slack.WaitConnections(1, 10*time.Second); err != nil {
		h.t.Fatalf("bot did not connect: %v\nlogs:\n%s", err, h.stdout)
	}
	return h
}

// stop cancels the bot as SIGTERM would and returns run's result.
func (h *harness) stop() error {
	if h.cancel == nil {
		return nil
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("run returned %v after shutdown, want nil", err)
		}
		return err
	case <-time.After(30 * time.Second):
		h.t.Fatal("run did not return within 30 s of shutdown")
		return nil
	}
}

// command types a slash command and returns the bot's replies to it.
func (h *harness) command(user, text string, replies int) []slackfake.Message {
	h.t.Helper()
	i := h.slack.SlashCommand(user, chGen, "/okta", text)
	ack, err := i.WaitAck(3 * time.Second)
	if err != nil {
		h.t.Fatalf("/okta %s: no ack: %v", text, err)
	}
	if ack.After > time.Second {
		h.t.Errorf("/okta %s: ack took %v", text, ack.After)
	}
	msgs, err := i.WaitReplies(replies, 3*time.Second)
	if err != nil {
		h.t.Fatalf("/okta %s: %v\nlogs:\n%s", text, err, h.stdout)
	}
	return msgs
}

// reply is the one reply a command gets; it must be ephemeral.
func (h *harness) reply(user, text string) string {
	h.t.Helper()
	msgs := h.command(user, text, 1)
	if !msgs[0].Ephemeral() {
		h.t.Errorf("/okta %s: reply is not ephemeral: %+v", text, msgs[0])
	}
	return msgs[0].AllText()
}

func (h *harness) assertNoSecretsLeaked() {
	h.t.Helper()
	secrets := map[string]string{
		"Slack app token": h.env["SLACK_APP_TOKEN"],
		"Slack bot token": h.env["SLACK_BOT_TOKEN"],
		"Okta API token":  h.env["OKTA_CLIENT_TOKEN"],
	}
	var sent strings.Builder
	for _, m := range h.slack.Messages() {
		sent.WriteString(m.Text)
		sent.Write(m.Blocks)
	}
	for what, s := range secrets {
		if s == "" {
			continue
		}
		for where, text := range map[string]string{"stdout": h.stdout.String(), "stderr": h.stderr.String(), "Slack messages": sent.String()} {
			if strings.Contains(text, s) {
				h.t.Errorf("the %s appears in %s", what, where)
			}
		}
	}
	if v := h.slack.Violations(); len(v) > 0 {
		h.t.Errorf("Slack fake saw violations: %v", v)
	}
}

func mustContain(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("reply does not contain %q; reply:\n%s", w, got)
		}
	}
}

func TestPing(t *testing.T) {
	h := newHarness(t).start()
	got := h.reply(uAlice, "ping")
	mustContain(t, got, "Okta is reachable", h.okta.URL, "oktabot.svc@corp.com", " ms")
	if calls := h.okta.Calls(); len(calls) == 0 || calls[len(calls)-1].Path != "/api/v1/users/me" {
		t.Errorf("Okta calls = %+v, want GET /api/v1/users/me", calls)
	}
}

func TestGetUser(t *testing.T) {
	h := newHarness(t).start()

	t.Run("existing", func(t *testing.T) {
		got := h.reply(uAlice, "get-user alice@corp.com")
		mustContain(t, got, "Alice Liddell", "ACTIVE", "alice@corp.com", "2022-07-11 06:07 UTC",
			"Last login", "2022-07-13 06:07 UTC", "Password changed", "Status changed", "Okta id")
	})
	t.Run("missing is an answer", func(t *testing.T) {
		got := h.reply(uAlice, "get-user nobody@corp.com")
		mustContain(t, got, "nobody@corp.com")
		if strings.Contains(got, "Something went wrong") {
			t.Errorf("not-found reported as a failure: %s", got)
		}
	})
	t.Run("short login", func(t *testing.T) {
		got := h.reply(uAlice, "get-user alice")
		mustContain(t, got, "Alice Liddell", "alice@corp.com", "asked as")
	})
	t.Run("two at once", func(t *testing.T) {
		got := h.reply(uAlice, "get-user alice, bob@corp.com")
		mustContain(t, got, "Alice Liddell", "Bob Builder", "SUSPENDED", "2 users found")
		if strings.Index(got, "Alice") > strings.Index(got, "Bob Builder") {
			t.Errorf("cards not in the order asked:\n%s", got)
		}
	})
	t.Run("a user group member and a mention", func(t *testing.T) {
		got := h.reply(uBob, "get-user <@"+uCarol+"|carol> ghost")
		mustContain(t, got, "Carol Danvers", "carol.danvers@corp.com", "@carol", "ghost", "1 not found")
	})
	t.Run("public", func(t *testing.T) {
		msgs := h.command(uAlice, "get-user alice --public", 1)
		if msgs[0].Ephemeral() {
			t.Errorf("--public reply is ephemeral")
		}
	})
}

func TestHelpListsOnlyWhatTheCallerMayRun(t *testing.T) {
	h := newHarness(t).start()
	got := h.reply(uAlice, "help")
	mustContain(t, got, "/okta ping", "/okta get-user")
	for _, not := range []string{"/okta reset-password", "/okta set-password", "/okta assign-role"} {
		if strings.Contains(got, not) {
			t.Errorf("help offers %s, which the caller may not run:\n%s", not, got)
		}
	}
	got = h.reply(uMallory, "help")
	mustContain(t, got, "may not run any")
	got = h.reply(uAlice, "help get-user")
	mustContain(t, got, "get-user", "USER…")
}

func TestCallerOutsidePolicyIsRefusedAndOktaSeesNothing(t *testing.T) {
	h := newHarness(t).start()
	before := h.okta.CallCount()
	got := h.reply(uMallory, "get-user alice")
	mustContain(t, got, "not allowed", "`get-user`")
	got = h.reply(uMallory, "ping")
	mustContain(t, got, "not allowed", "`ping`")
	// An allowed role but not this action.
	got = h.reply(uAlice, "reset-password alice")
	mustContain(t, got, "not allowed", "`reset-password`")
	if after := h.okta.CallCount(); after != before {
		t.Errorf("Okta received %d calls for refused requests: %+v", after-before, h.okta.Calls()[before:])
	}
}

func TestBadInputIsExplained(t *testing.T) {
	h := newHarness(t).start()
	mustContain(t, h.reply(uAlice, "get-usr alice"), "did you mean `get-user`")
	mustContain(t, h.reply(uAlice, "list-users --limit=0"), "at least 1")
	mustContain(t, h.reply(uAlice, "ping extra"), "takes no targets")
	got := h.reply(uAlice, "set-password alice --password=Tr0ub4dor&3")
	if strings.Contains(got, "Tr0ub4dor") {
		t.Errorf("a password typed in a command was echoed: %s", got)
	}
	if strings.Contains(h.stdout.String(), "Tr0ub4dor") {
		t.Errorf("a password typed in a command was logged")
	}
}

func TestApprovalActionsAreNeverRunWithoutApproval(t *testing.T) {
	h := newHarness(t).start()
	before := h.okta.CallCount()
	got := h.reply(uAlice, `disable-user bob --reason "test"`)
	mustContain(t, got, "Nothing was run")
	if w := oktaWrites(h.callsSince(before)); len(w) != 0 {
		t.Errorf("Okta received writes: %+v", w)
	}
	if u, _ := h.okta.User("bob@corp.com"); u.Status != "SUSPENDED" {
		t.Errorf("bob's status changed to %s", u.Status)
	}
}

// With Okta answering after 2 s, every envelope is still acknowledged at
// once: acks never wait for Okta.
func TestAcksNeverWaitForOkta(t *testing.T) {
	h := newHarness(t).start()
	h.okta.SetLatency(2 * time.Second)
	var is []*slackfake.Interaction
	for i := range 5 {
		is = append(is, h.slack.SlashCommand(uAlice, chGen, "/okta", fmt.Sprintf("get-user alice%d", i)))
	}
	for _, i := range is {
		ack, err := i.WaitAck(3 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if ack.After >= 100*time.Millisecond {
			t.Errorf("ack took %v with a slow Okta, want under 100 ms", ack.After)
		}
	}
	for _, i := range is {
		if _, err := i.WaitReplies(1, 10*time.Second); err != nil {
			t.Errorf("no reply after the slow Okta answered: %v", err)
		}
	}
}

// A burst far larger than the worker pool is queued, not turned away: 200
// people typing get-user at once, with Okta answering in 10 ms, are all
// answered and nobody is told the bot is busy (before, 184 were).
func TestABurstLargerThanThePoolIsQueuedNotRefused(t *testing.T) {
	const n = 200
	h, people := burstHarness(t, n)
	h.start()
	h.okta.SetLatency(10 * time.Millisecond)

	is := make([]*slackfake.Interaction, n)
	for i, u := range people {
		is[i] = h.slack.SlashCommand(u, "C0INCIDENT", "/okta", "get-user alice")
	}
	for i, in := range is {
		ack, err := in.WaitAck(3 * time.Second)
		if err != nil {
			t.Fatalf("command %d: %v", i, err)
		}
		if bytes.Contains(ack.Payload, []byte("busy")) {
			t.Errorf("command %d was told the bot is busy: %s", i, ack.Payload)
		}
	}
	for i, in := range is {
		msgs, err := in.WaitReplies(1, 60*time.Second)
		if err != nil {
			t.Fatalf("command %d got no answer: %v", i, err)
		}
		// A command that waited more than 2 s first hears that it is
		// queued; its answer comes last.
		if got := msgs[len(msgs)-1].AllText(); strings.Contains(got, "queued") {
			if msgs, err = in.WaitReplies(len(msgs)+1, 60*time.Second); err != nil {
				t.Fatalf("command %d was told it is queued, then got no answer: %v", i, err)
			}
		}
		mustContain(t, msgs[len(msgs)-1].AllText(), "Alice Liddell")
	}
}

// burstHarness is a harness with n more people, each listed in the policy
// by id and allowed get-user, all in #incident (C0INCIDENT); not started.
func burstHarness(t testing.TB, n int) (*harness, []string) {
	h := newHarness(t)
	people := make([]string, n)
	for i := range people {
		people[i] = fmt.Sprintf("U0BURST%03d", i)
		h.slack.AddUser(slackfake.User{ID: people[i], Name: fmt.Sprintf("burst%d", i), RealName: fmt.Sprintf("Burst %d", i), Email: fmt.Sprintf("burst%d@corp.com", i)})
	}
	h.slack.AddChannel("C0INCIDENT", "incident", people...)
	h.setPolicy("roles:\n  oncall:\n    members: [" + strings.Join(people, ", ") + "]\n    actions: [get-user]\n")
	return h, people
}

// fillPool sends n slow get-user commands at once (Okta should be slowed
// first) and counts those told the bot is busy.
func (h *harness) fillPool(n int) (is []*slackfake.Interaction, busy int) {
	h.t.Helper()
	for i := range n {
		is = append(is, h.slack.SlashCommand(uAlice, chGen, "/okta", fmt.Sprintf("get-user alice%d", i)))
	}
	for _, i := range is {
		ack, err := i.WaitAck(3 * time.Second)
		if err != nil {
			h.t.Fatal(err)
		}
		if bytes.Contains(ack.Payload, []byte("busy")) {
			busy++
		}
	}
	return is, busy
}

// With every worker busy, a command waits in the queue: after 2 s its
// caller is told it is queued and its place, then gets the answer. Only
// a command that finds the queue full too is told the bot is busy, at
// once, and it is not run.
func TestOnlyAFullQueueAnswersBusy(t *testing.T) {
	h := newHarness(t)
	h.env["OKTABOT_QUEUE_LENGTH"] = "4"
	h.env["OKTABOT_OKTA_CONCURRENCY"] = "16" // 16 requests run at once
	h.start()
	h.okta.SetLatency(3 * time.Second)
	is, busy := h.fillPool(30) // 16 running, 4 places, 10 turned away
	if busy != 10 {
		t.Errorf("30 slow commands with 16 workers and 4 places in the queue: %d told busy, want 10", busy)
	}
	queued, turnedAway := 0, map[string]bool{}
	for k, i := range is {
		ack, _ := i.WaitAck(time.Second)
		if bytes.Contains(ack.Payload, []byte("busy")) {
			mustContain(t, string(ack.Payload), "queue is full", "Nothing was run")
			turnedAway[fmt.Sprintf("alice%d", k)] = true
			continue
		}
		msgs, err := i.WaitReplies(1, 60*time.Second)
		if err != nil {
			t.Fatalf("admitted command %d got no answer: %v", k, err)
		}
		if first := msgs[0].AllText(); strings.Contains(first, "queued") {
			queued++
			mustContain(t, first, "in line", "will run in its turn")
			if msgs, err = i.WaitReplies(2, 60*time.Second); err != nil {
				t.Fatalf("queued command %d got no answer: %v", k, err)
			}
			if got := msgs[1].AllText(); strings.Contains(got, "queued") || strings.Contains(got, "busy") {
				t.Errorf("queued command %d was answered %q", k, got)
			}
		}
	}
	if queued != 4 {
		t.Errorf("%d commands were told they are queued, want the 4 that waited", queued)
	}
	// The refused ones are audited as such; none of them reached Okta.
	h.stop()
	for _, c := range h.okta.Calls() {
		for login := range turnedAway {
			if at := strings.Index(c.Path+"?"+c.Query.Encode(), login); at >= 0 && !strings.ContainsAny((c.Path + "?" + c.Query.Encode() + " ")[at+len(login):][:1], "0123456789") {
				t.Errorf("a command turned away reached Okta: %s %s", c.Path, c.Query.Encode())
			}
		}
	}
}

func TestReconnectsAfterRefreshRequested(t *testing.T) {
	h := newHarness(t).start()
	mustContain(t, h.reply(uAlice, "get-user alice"), "Alice Liddell")
	opens := h.slack.CallCount("apps.connections.open")
	h.slack.Disconnect("refresh_requested")
	deadline := time.Now().Add(10 * time.Second)
	for h.slack.CallCount("apps.connections.open") <= opens || h.slack.Connections() < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("bot did not reconnect after refresh_requested")
		}
		time.Sleep(20 * time.Millisecond)
	}
	mustContain(t, h.reply(uAlice, "get-user bob"), "Bob Builder")
}

func TestHealthEndpoints(t *testing.T) {
	h := newHarness(t).start()
	addr := h.healthAddr()
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz = %d %s", code, body)
	}
	// Ready once the bot has handled Slack's hello, which may come a moment
	// after the fake counts the connection.
	deadline := time.Now().Add(3 * time.Second)
	for {
		code, body := get("/readyz")
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /readyz = %d %s while connected", code, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The health server stops with the bot.
	h.stop()
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("the health server still answers after shutdown")
	}
}

// healthAddr reads the health server's address from the bot's log.
func (h *harness) healthAddr() string {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(h.stdout.String(), "\n") {
			var rec struct{ Message, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Message == "health endpoints listening" {
				return rec.Addr
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.t.Fatal("no 'health endpoints listening' log line")
	return ""
}

// Shutdown lets a request in flight finish and deliver its reply.
func TestShutdownDrainsRequestsInFlight(t *testing.T) {
	h := newHarness(t).start()
	h.okta.SetLatency(time.Second)
	i := h.slack.SlashCommand(uAlice, chGen, "/okta", "get-user alice")
	if _, err := i.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	h.okta.WaitCalls(h.okta.CallCount()+1, 3*time.Second) // the request is with Okta
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	msgs, err := i.WaitReplies(1, time.Second)
	if err != nil {
		t.Fatalf("the request in flight was not answered before exit: %v", err)
	}
	mustContain(t, msgs[0].AllText(), "Alice Liddell")
}

func TestStartupFailures(t *testing.T) {
	t.Run("bad policy", func(t *testing.T) {
		h := newHarness(t)
		bad := filepath.Join(t.TempDir(), "bad.yml")
		os.WriteFile(bad, []byte("roles:\n  oncall:\n    members: [U0ALICE01]\n    actions: [get-user, disbale-user]\n"), 0o600)
		h.env["OKTABOT_POLICY_FILE"] = bad
		err := run(context.Background(), []string{"bot"}, lookup(h.env), h.stdout, h.stderr)
		if err == nil {
			t.Fatal("run started with a bad policy")
		}
		msg := oneLine(err)
		for _, w := range []string{"bad.yml:4", "disbale-user"} {
			if !strings.Contains(msg, w) {
				t.Errorf("error %q does not name %q", msg, w)
			}
		}
		if h.slack.Connections() != 0 {
			t.Error("bot connected to Slack with a bad policy")
		}
	})
	t.Run("missing SLACK_BOT_TOKEN", func(t *testing.T) {
		h := newHarness(t)
		delete(h.env, "SLACK_BOT_TOKEN")
		err := run(context.Background(), []string{"bot"}, lookup(h.env), h.stdout, h.stderr)
		if err == nil || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN is required") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("run error = %v, want one line naming SLACK_BOT_TOKEN", err)
		}
		h.assertNoSecretsLeaked()
		if !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") || strings.Contains(err.Error(), h.env["SLACK_APP_TOKEN"]) {
			t.Errorf("error = %q", err)
		}
	})
	t.Run("wrong bot token", func(t *testing.T) {
		h := newHarness(t)
		h.env["SLACK_BOT_TOKEN"] = "xoxb-wrong-token-value"
		err := run(context.Background(), []string{"bot"}, lookup(h.env), h.stdout, h.stderr)
		if err == nil || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") || !strings.Contains(err.Error(), "invalid_auth") {
			t.Fatalf("run error = %v, want it to name SLACK_BOT_TOKEN and invalid_auth", err)
		}
		if strings.Contains(err.Error(), "wrong-token-value") {
			t.Errorf("error echoes the token: %v", err)
		}
	})
}

// The Home tab shows each person what they may run.
func TestHomeTab(t *testing.T) {
	h := newHarness(t).start()
	for user, want := range map[string]string{uAlice: "/okta get-user", uMallory: "may not run any"} {
		i, err := h.slack.SendEvent(map[string]any{"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home", "event_ts": "1700000000.000100"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := i.WaitAck(time.Second); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(3 * time.Second)
		for {
			if v, ok := h.slack.Home(user); ok {
				mustContain(t, v.AllText(), "oktabot", want)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no Home tab published for %s\nlogs:\n%s", user, h.stdout)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if v, _ := h.slack.Home(uMallory); strings.Contains(v.AllText(), "/okta get-user") {
		t.Error("the Home tab offers actions to someone outside the policy")
	}
}

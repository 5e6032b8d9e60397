package main

// Starting and staying up against a Slack or an Okta that refuses the
// bot's credentials or cannot be reached: a refusal stops the bot at once
// with one line naming the variable to fix; an outage is retried and shown
// on the health endpoints.

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// gate stands between the bot and a fake: it passes requests on, or
// answers those whose path ends in a given suffix with HTTP 503, or cuts
// their connection as a network failure would.
type gate struct {
	URL   string
	mu    sync.Mutex
	mode  string // "", "503" or "drop"
	match string // path suffix the mode applies to; "" for every path
	hits  int    // requests the mode answered
}

func newGate(t *testing.T, target string) *gate {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(&url.URL{Scheme: u.Scheme, Host: u.Host}) }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		mode := g.mode
		if mode != "" && !strings.HasSuffix(r.URL.Path, g.match) {
			mode = ""
		}
		if mode != "" {
			g.hits++
		}
		g.mu.Unlock()
		switch mode {
		case "503":
			http.Error(w, "upstream unavailable", http.StatusServiceUnavailable)
		case "drop":
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		default:
			proxy.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	g.URL = srv.URL
	return g
}

func (g *gate) set(mode, match string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.mode, g.match = mode, match
}

func (g *gate) hitCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.hits
}

// closedURL is a loopback URL nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// launch runs the bot in-process without waiting for it to connect.
func (h *harness) launch() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- run(ctx, []string{"bot"}, lookup(h.env), h.stdout, h.stderr) }()
	h.t.Cleanup(func() {
		h.stop()
		h.assertNoSecretsLeaked()
	})
}

// waitLog waits until the log holds a line containing every one of wants.
func (h *harness) waitLog(timeout time.Duration, wants ...string) string {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, line := range strings.Split(h.stdout.String(), "\n") {
			ok := true
			for _, w := range wants {
				ok = ok && strings.Contains(line, w)
			}
			if ok {
				return line
			}
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("no log line with %q within %v; log:\n%s", wants, timeout, h.stdout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// getHealth fetches a health endpoint.
func getHealth(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// waitHealth polls path until it answers status with a body containing
// every one of wants, and returns that body.
func waitHealth(t *testing.T, addr, path string, status int, timeout time.Duration, wants ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		code, body := getHealth(t, addr, path)
		ok := code == status
		for _, w := range wants {
			ok = ok && strings.Contains(body, w)
		}
		if ok {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s = %d %q, want %d with %q", path, code, body, status, wants)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitExit waits for the binary to exit and returns its status and its
// stderr, which must be one line starting "oktabot: ".
func (h *harness) waitExit(cmd *exec.Cmd) (int, string) {
	h.t.Helper()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var err error
	select {
	case err = <-exited:
	case <-time.After(60 * time.Second):
		h.t.Fatalf("the binary is still running after 60 s\nstdout:\n%s\nstderr:\n%s", h.stdout, h.stderr)
	}
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		h.t.Fatal(err)
	}
	got := strings.TrimSpace(h.stderr.String())
	if strings.Contains(got, "\n") || !strings.HasPrefix(got, "oktabot: ") {
		h.t.Errorf("stderr = %q, want one line starting \"oktabot: \"", got)
	}
	return code, got
}

func TestBinaryStopsWhenSlackRefusesAToken(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(h *harness)
		wants  []string
		noConn bool // the bot never got a Socket Mode connection
	}{
		{name: "wrong app token", setup: func(h *harness) { h.env["SLACK_APP_TOKEN"] = "xapp-1-A0WRONG-1-notthetoken" },
			wants: []string{"Slack refused SLACK_APP_TOKEN", "invalid_auth"}},
		{name: "app token without connections:write", setup: func(h *harness) { h.slack.InjectError("apps.connections.open", "missing_scope") },
			wants: []string{"Slack refused SLACK_APP_TOKEN", "missing_scope", "connections:write"}},
		{name: "revoked app token", setup: func(h *harness) { h.slack.InjectError("apps.connections.open", "token_revoked") },
			wants: []string{"Slack refused SLACK_APP_TOKEN", "token_revoked"}},
		{name: "inactive workspace", setup: func(h *harness) { h.slack.InjectError("apps.connections.open", "account_inactive") },
			wants: []string{"Slack refused SLACK_APP_TOKEN", "account_inactive"}},
		{name: "wrong bot token", setup: func(h *harness) { h.env["SLACK_BOT_TOKEN"] = "xoxb-1-wrong-notthetoken" },
			wants: []string{"Slack refused SLACK_BOT_TOKEN", "invalid_auth"}},
		{name: "revoked bot token", setup: func(h *harness) { h.slack.InjectError("auth.test", "token_revoked") },
			wants: []string{"Slack refused SLACK_BOT_TOKEN", "token_revoked"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			tt.setup(h)
			start := time.Now()
			code, line := h.waitExit(h.startBinary())
			if code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			mustContain(t, line, tt.wants...)
			if strings.Contains(line, "reach") {
				t.Errorf("a refusal is reported as a network problem: %q", line)
			}
			if n := h.slack.Connections(); n != 0 {
				t.Errorf("%d Socket Mode connections", n)
			}
			t.Logf("stopped after %v: %s", time.Since(start).Round(time.Millisecond), line)
		})
	}
}

// A Slack that is down, overloaded or rate limiting is waited for: the
// bot retries with backoff and then works.
func TestSlackOutagesAreRetried(t *testing.T) {
	h := newHarness(t)
	g := newGate(t, h.slack.APIURL())
	h.env["SLACK_API_URL"] = g.URL + "/api/"
	g.set("drop", "/auth.test")
	h.launch()
	h.waitLog(20*time.Second, "could not reach Slack at "+g.URL+"/api/", "warn")

	// Start goes on; then apps.connections.open answers 503, then is rate
	// limited once.
	g.set("503", "/apps.connections.open")
	before := g.hitCount()
	h.waitLog(20*time.Second, "HTTP 503", "retrying")
	for g.hitCount() < before+2 {
		time.Sleep(20 * time.Millisecond)
	}
	h.slack.InjectError("apps.connections.open", "ratelimited")
	g.set("", "")
	if err := h.slack.WaitConnections(1, 60*time.Second); err != nil {
		t.Fatalf("the bot did not connect once Slack came back: %v\nlog:\n%s", err, h.stdout)
	}
	mustContain(t, h.reply(uAlice, "ping"), "Okta is reachable")
	if strings.Contains(h.stdout.String(), "Slack refused") {
		t.Errorf("an outage is reported as a refusal:\n%s", h.stdout)
	}
}

// While the bot cannot reach Slack, /healthz says for how long and why,
// and fails once that passes OKTABOT_SLACK_UNREACHABLE_LIMIT.
func TestHealthzFailsWhenSlackIsUnreachableTooLong(t *testing.T) {
	h := newHarness(t)
	g := newGate(t, h.slack.APIURL())
	h.env["SLACK_API_URL"] = g.URL + "/api/"
	h.env["OKTABOT_SLACK_UNREACHABLE_LIMIT"] = "3s"
	g.set("503", "/apps.connections.open")
	h.launch()
	addr := h.healthAddr()
	waitHealth(t, addr, "/healthz", http.StatusOK, 20*time.Second, "not connected to Slack for", "HTTP 503")
	waitHealth(t, addr, "/healthz", http.StatusServiceUnavailable, 30*time.Second, "not connected to Slack for", "limit 3s", "HTTP 503")
	if code, body := getHealth(t, addr, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "Slack") {
		t.Errorf("GET /readyz = %d %q while Slack is unreachable", code, body)
	}

	g.set("", "")
	if err := h.slack.WaitConnections(1, 60*time.Second); err != nil {
		t.Fatalf("the bot did not connect once Slack came back: %v", err)
	}
	waitHealth(t, addr, "/healthz", http.StatusOK, 20*time.Second, "ok")
	waitHealth(t, addr, "/readyz", http.StatusOK, 20*time.Second, "ready")
	if _, body := getHealth(t, addr, "/healthz"); strings.Contains(body, "not connected") {
		t.Errorf("/healthz = %q once connected", body)
	}
}

func TestBinaryStopsWhenOktaRefusesTheToken(t *testing.T) {
	h := newHarness(t)
	h.env["OKTA_CLIENT_TOKEN"] = "00wrongoktatokenvalue"
	code, line := h.waitExit(h.startBinary())
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	mustContain(t, line, "Okta", "OKTA_CLIENT_TOKEN", "rejected")
	if n := h.slack.Connections(); n != 0 {
		t.Errorf("%d Socket Mode connections although Okta refused the token", n)
	}
}

func TestBinaryStopsWhenOktaIsNotOkta(t *testing.T) {
	h := newHarness(t)
	nothing := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(nothing.Close)
	h.env["OKTA_CLIENT_ORGURL"] = nothing.URL
	code, line := h.waitExit(h.startBinary())
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	mustContain(t, line, "OKTA_CLIENT_ORGURL", nothing.URL)
}

// An Okta that cannot be reached at start is a warning, not a stop: the
// bot connects to Slack, /readyz says Okta is unreachable, and the check
// is retried until Okta answers.
func TestOktaUnreachableAtStartIsRetried(t *testing.T) {
	h := newHarness(t)
	g := newGate(t, h.okta.URL)
	h.env["OKTA_CLIENT_ORGURL"] = g.URL
	g.set("drop", "")
	h.launch()
	if err := h.slack.WaitConnections(1, 20*time.Second); err != nil {
		t.Fatalf("the bot did not connect to Slack while Okta was unreachable: %v\nlog:\n%s", err, h.stdout)
	}
	h.waitLog(20*time.Second, "warn", "could not reach Okta", g.URL)
	addr := h.healthAddr()
	waitHealth(t, addr, "/readyz", http.StatusServiceUnavailable, 20*time.Second, "Okta", "could not reach Okta")
	if code, _ := getHealth(t, addr, "/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz = %d while only Okta is unreachable", code)
	}

	g.set("", "")
	waitHealth(t, addr, "/readyz", http.StatusOK, 60*time.Second, "ready")
	h.waitLog(5*time.Second, "Okta is reachable")
	mustContain(t, h.reply(uAlice, "ping"), "Okta is reachable")
}

// Secrets mounted as files, as Docker and Kubernetes give them: the built
// binary reads them, drops the files' final line breaks, and never prints
// them.
func TestBinaryReadsSecretsFromFiles(t *testing.T) {
	h := newHarness(t)
	secrets := map[string]string{}
	for _, name := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "OKTA_CLIENT_TOKEN", "OKTABOT_DATABASE_URL"} {
		secrets[name] = h.env[name]
		h.env[name+"_FILE"] = writeSecret(t, h.env[name]+"\n")
		delete(h.env, name)
	}
	cmd := h.startBinary()
	if err := h.slack.WaitConnections(1, 20*time.Second); err != nil {
		t.Fatalf("the binary did not connect: %v\nstdout:\n%s\nstderr:\n%s", err, h.stdout, h.stderr)
	}
	mustContain(t, h.reply(uAlice, "ping"), "Okta is reachable")
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	for name, v := range secrets {
		if name == "OKTABOT_DATABASE_URL" {
			continue // a path here; the log names it
		}
		if strings.Contains(h.stdout.String()+h.stderr.String(), v) {
			t.Errorf("the value of %s appears in the output", name)
		}
	}

	// Both a variable and its file: refused, by name.
	h = newHarness(t)
	h.env["SLACK_BOT_TOKEN_FILE"] = writeSecret(t, h.env["SLACK_BOT_TOKEN"])
	code, line := h.waitExit(h.startBinary())
	if code != 1 {
		t.Errorf("exit status %d with both SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE, want 1", code)
	}
	mustContain(t, line, "SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE are both set")
}

// `oktabot healthcheck` is the container's HEALTHCHECK: exit 0 while the
// bot is healthy, 1 with the reason when it is not or does not answer.
func TestBinaryHealthcheck(t *testing.T) {
	h := newHarness(t)
	g := newGate(t, h.slack.APIURL())
	h.env["SLACK_API_URL"] = g.URL + "/api/"
	h.env["OKTABOT_SLACK_UNREACHABLE_LIMIT"] = "2s"
	h.start()
	addr := h.healthAddr()
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	check := func(env ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(bin, "healthcheck")
		cmd.Env = env
		var stdout, stderr syncBuffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			return exit.ExitCode(), stdout.String(), stderr.String()
		case err != nil:
			t.Fatal(err)
		}
		return 0, stdout.String(), stderr.String()
	}
	_, port, _ := net.SplitHostPort(addr)
	for _, a := range []string{addr, ":" + port, "0.0.0.0:" + port} {
		if code, out, errOut := check("OKTABOT_HTTP_ADDR=" + a); code != 0 || !strings.Contains(out, "ok") {
			t.Errorf("healthcheck with OKTABOT_HTTP_ADDR=%s: exit %d, %q %q", a, code, out, errOut)
		}
	}
	if code, _, errOut := check("OKTABOT_HTTP_ADDR="); code != 1 || !strings.Contains(errOut, "health endpoints are off") {
		t.Errorf("healthcheck with the endpoints off: exit %d, %q", code, errOut)
	}

	// Slack out of reach for longer than the limit: unhealthy, and why.
	g.set("drop", "")
	h.slack.Disconnect("refresh_requested")
	waitHealth(t, addr, "/healthz", http.StatusServiceUnavailable, 60*time.Second)
	if code, _, errOut := check("OKTABOT_HTTP_ADDR=" + addr); code != 1 || !strings.Contains(errOut, "not connected to Slack for") {
		t.Errorf("healthcheck with Slack out of reach: exit %d, %q", code, errOut)
	}
	g.set("", "")

	// Nothing listening.
	h.stop()
	if code, _, errOut := check("OKTABOT_HTTP_ADDR=" + addr); code != 1 || !strings.Contains(errOut, "no answer from http://"+addr+"/healthz") {
		t.Errorf("healthcheck with the bot stopped: exit %d, %q", code, errOut)
	}
}

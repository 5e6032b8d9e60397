package main

// The sandbox (`oktabot sandbox`) end to end: the real bot, both stand-ins
// and the page, driven in headless Chromium through the issue's
// acceptance scenario. Regenerate the README's screenshots with
//
//	OKTABOT_SCREENSHOTS=$PWD/docs/screenshots go test ./cmd/bot -run TestSandboxInBrowser -count=1

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"oktabot/sandbox"
)

// startSandbox starts a sandbox on a free loopback port.
func startSandbox(t testing.TB) *sandbox.Sandbox {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{Addr: "127.0.0.1:0"}, sandboxBot)
	if err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	t.Cleanup(func() {
		if err := sb.Close(); err != nil {
			t.Errorf("sandbox: the bot returned %v", err)
		}
	})
	return sb
}

// chromium finds the browser: OKTABOT_CHROMIUM, else chromium on PATH.
// Without one the test is skipped, unless OKTABOT_REQUIRE_BROWSER is set
// (CI), where it fails.
func chromium(t *testing.T) string {
	if p := os.Getenv("OKTABOT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("OKTABOT_REQUIRE_BROWSER") != "" {
		t.Fatal("no chromium on PATH and OKTABOT_REQUIRE_BROWSER is set: apt-get install -y chromium")
	}
	t.Skip("no chromium on PATH (apt-get install -y chromium); set OKTABOT_REQUIRE_BROWSER=1 to fail instead")
	return ""
}

// pageHelpers are what the test does in the page, as a person would:
// pick who they are, open a channel, type, click.
const pageHelpers = `window.T = {
  text: (sel) => { const e = document.querySelector(sel); return e ? e.innerText : ""; },
  visible: (sel) => { const e = document.querySelector(sel); return !!e && !e.hidden && !e.closest("[hidden]"); },
  as: (id) => { const s = document.querySelector("#person"); s.value = id; s.dispatchEvent(new Event("change")); return true; },
  go: (ch) => { const a = document.querySelector('nav a[data-channel="' + ch + '"]'); if (!a) return false; a.click(); return true; },
  type: (text) => { const i = document.querySelector("#command"); i.value = text; document.querySelector("#composer").requestSubmit(); return true; },
  msgWith: (needle) => [...document.querySelectorAll("#messages .msg")].reverse().find((m) => m.innerText.includes(needle)),
  click: (needle, label) => { const m = T.msgWith(needle); const b = m && m.querySelector('button[data-label="' + label + '"]'); if (!b) return false; b.click(); return true; },
  fill: (block, value) => { const i = document.querySelector('#modal-body [data-block="' + block + '"] input, #modal-body [data-block="' + block + '"] textarea'); if (!i) return false; i.value = value; i.dispatchEvent(new Event("input")); return true; },
  unknown: () => document.querySelectorAll(".bk-unknown").length,
  polls: () => Number(document.body.dataset.polls || 0),
  pushFor: (login) => document.querySelector('#push-list .push.waiting[data-login="' + login + '"]'),
  tap: (login, n) => { const p = T.pushFor(login); const b = p && p.querySelector('button[data-number="' + n + '"]'); if (!b) return false; b.click(); return true; },
  skip: (d) => { const b = document.querySelector('#clock button[data-skip="' + d + '"]'); if (!b) return false; b.click(); return true; },
};
true`

type page struct {
	t      *testing.T
	b      *cdpBrowser
	sb     *sandbox.Sandbox
	dir    string // every screenshot
	readme string // OKTABOT_SCREENSHOTS: where README's are regenerated
	shot   int
}

// do runs JavaScript that must return true.
func (p *page) do(what, js string) {
	p.t.Helper()
	var ok bool
	if err := p.b.eval(js, &ok); err != nil || !ok {
		p.t.Fatalf("%s: %v (returned %v)\nthe page shows:\n%s", what, err, ok, p.text("#workspace"))
	}
}

func (p *page) text(sel string) string {
	var s string
	p.b.eval(fmt.Sprintf("T.text(%q)", sel), &s)
	return s
}

// wait waits until the JavaScript condition holds.
func (p *page) wait(what, js string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		var ok bool
		if err := p.b.eval(js, &ok); err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			p.t.Fatalf("waited 20 s for %s; the page shows:\n%s", what, p.text("#workspace"))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// sees waits until the open channel shows every needle.
func (p *page) sees(needles ...string) string {
	p.t.Helper()
	js := "(() => { const t = T.text('#messages'); return " + jsAll("t.includes", needles) + "; })()"
	p.wait(fmt.Sprintf("the channel to show %q", needles), js)
	return p.text("#messages")
}

func jsAll(fn string, needles []string) string {
	var parts []string
	for _, n := range needles {
		q, _ := json.Marshal(n)
		parts = append(parts, fmt.Sprintf("%s(%s)", fn, q))
	}
	return strings.Join(parts, " && ")
}

// be switches person and opens a channel.
func (p *page) be(person, channel string) {
	p.t.Helper()
	p.do("pick "+person, fmt.Sprintf("T.as(%q)", person))
	p.wait("the sidebar of "+person, fmt.Sprintf("T.go(%q)", channel))
	p.wait("channel "+channel+" open", fmt.Sprintf("location.hash.includes(%q) && location.hash.includes(%q)", "as="+person, "channel="+channel))
	p.fresh()
}

// fresh waits until the page has drawn what the server says now: two
// polls, since one may have started before.
func (p *page) fresh() {
	p.t.Helper()
	var n int
	if err := p.b.eval("T.polls()", &n); err != nil {
		p.t.Fatal(err)
	}
	p.wait("the page to poll", fmt.Sprintf("T.polls() >= %d", n+2))
}

var tapRE = regexp.MustCompile(`(?i)\btap (\d+)\b`)

// tapNumber reads the number to tap in the open channel (the caller's or
// the approver's direct messages), as its reader would, and taps it on the
// phone of login in the page's phones.
func (p *page) tapNumber(login string) {
	p.t.Helper()
	p.wait("the number to tap", `/\btap \d+/i.test(T.text('#messages'))`)
	m := tapRE.FindAllStringSubmatch(p.text("#messages"), -1)
	n := m[len(m)-1][1]
	p.wait("the push on "+login+"'s phone", fmt.Sprintf("!!T.pushFor(%q)", login))
	if strings.Contains(p.text("#push-list"), "tap "+n) {
		p.t.Errorf("the phone says which number is right")
	}
	p.do("tap "+n+" on "+login+"'s phone", fmt.Sprintf("T.tap(%q, %s)", login, n))
	p.wait("the push answered", fmt.Sprintf("!T.pushFor(%q) && !!document.querySelector('#push-list .push[data-login=%q][data-result=SUCCESS]')", login, login))
}

// oktaRoles waits until the Okta panel shows login's admin roles as want.
func (p *page) oktaRoles(login, want string) {
	p.t.Helper()
	p.wait(login+"'s roles to be "+want, fmt.Sprintf(`(() => { const r = document.querySelector('#users tr[data-login=%q]'); return !!r && r.cells[3].textContent === %q; })()`, login, want))
}

func (p *page) typeCommand(text string) {
	p.t.Helper()
	p.do("type "+text, fmt.Sprintf("T.type(%q)", text))
}

// screenshot saves the page; nothing on it may be undrawable or refused.
func (p *page) screenshot(name string) {
	p.t.Helper()
	var unknown int
	p.b.eval("T.unknown()", &unknown)
	if unknown > 0 {
		p.t.Errorf("%s: the page could not draw %d Block Kit items:\n%s", name, unknown, p.text("body"))
	}
	var shown bool
	p.b.eval(`T.visible("#problems")`, &shown)
	if probs := p.text("#problems"); shown {
		p.t.Errorf("%s: the page shows what Slack or Okta would refuse:\n%s", name, probs)
	}
	p.shot++
	p.b.screenshot(filepath.Join(p.dir, fmt.Sprintf("%d-%s.png", p.shot, name)))
	if p.readme != "" && readmeShots[name] {
		p.b.screenshot(filepath.Join(p.readme, name+".png"))
	}
}

// readmeShots are the screenshots README.md shows (docs/screenshots).
var readmeShots = map[string]bool{"help": true, "approve-confirm": true, "requester-dm": true, "set-password-error": true, "list-users-csv": true,
	"verify-phone": true, "step-up": true, "break-glass": true}

func TestSandboxInBrowser(t *testing.T) {
	browser := chromium(t)
	sb := startSandbox(t)
	readme := os.Getenv("OKTABOT_SCREENSHOTS")
	if readme != "" {
		if err := os.MkdirAll(readme, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b := startChromium(t, browser, 1500, 940)
	p := &page{t: t, b: b, sb: sb, dir: t.TempDir(), readme: readme}
	b.navigate(sb.URL() + "#as=U0PRIYA&channel=C0INCIDENT")
	p.wait("the page to start", "document.body.dataset.ready === '1'")
	p.do("helpers", pageHelpers)
	p.fresh()

	// On-call: /okta help, then a user card.
	p.typeCommand("/okta help")
	got := p.sees("get-user", "disable-user", "Only visible to you")
	if strings.Contains(got, "assign-role") {
		t.Errorf("on-call's help lists assign-role, which the policy does not give them:\n%s", got)
	}
	p.screenshot("help")
	p.typeCommand("/okta get-user noah.varga")
	p.sees("Noah Varga", "noah.varga@lumenlabs.example", "LOCKED_OUT")
	p.screenshot("get-user")

	// On-call asks, in their direct messages with the app, to disable
	// someone: it waits for security.
	p.be("U0PRIYA", "D0PRIYA")
	p.typeCommand(`/okta disable-user olivia.anderson --reason "INC-2041: laptop stolen"`)
	p.sees("approval")

	// A security engineer: Priya's private answers are not theirs to see;
	// the request is in #approvals.
	p.be("U0SAM", "C0INCIDENT")
	if got := p.text("#messages"); strings.Contains(got, "Noah Varga") || strings.Contains(got, "get-user") {
		t.Errorf("Sam sees Priya's private answers in #incident:\n%s", got)
	}
	p.be("U0SAM", "C0APPROVALS")
	p.sees("Approval needed", "Olivia Anderson", "INC-2041")
	p.do("click Approve", `T.click("Approval needed", "Approve")`)
	p.wait("the confirmation dialog", `T.visible("#confirm-backdrop")`)
	if c := p.text("#confirm"); !strings.Contains(c, "Olivia Anderson") && !strings.Contains(c, "disable-user") {
		t.Errorf("the confirmation does not say what is approved:\n%s", c)
	}
	p.screenshot("approve-confirm")
	p.do("confirm", `document.querySelector("#confirm-ok").click(), true`)
	p.wait("Approve to go", `!T.msgWith("Approval needed") || !T.msgWith("Olivia Anderson").querySelector('button[data-label="Approve"]')`)
	p.wait("Okta to show Olivia suspended", `(document.querySelector('#users tr[data-login="olivia.anderson@lumenlabs.example"] .status') || {}).textContent === "SUSPENDED"`)
	p.screenshot("approved")
	if u, _ := sb.Okta.User("olivia.anderson@lumenlabs.example"); u.Status != "SUSPENDED" {
		t.Errorf("Okta: Olivia is %s, want SUSPENDED", u.Status)
	}

	// The requester hears back where they asked: their direct messages.
	p.be("U0PRIYA", "D0PRIYA")
	p.sees("approved by", "Olivia Anderson", "suspended")
	p.screenshot("requester-dm")

	// Someone outside the policy is refused, and nothing reaches Okta.
	before := len(sb.Okta.Calls())
	p.be("U0ALEX", "C0INCIDENT")
	p.typeCommand(`/okta disable-user isabella.alvarez --reason "just because"`)
	p.sees("not allowed")
	p.screenshot("refused")
	for _, c := range sb.Okta.Calls()[before:] {
		if c.Method != "GET" {
			t.Errorf("the outsider's command reached Okta: %s %s", c.Method, c.Path)
		}
	}

	// Helpdesk sets a password in the form: a type-ahead for the user, a
	// required password left empty, then success once Sophia proves it is
	// her: Maria reads her the number, she taps it on her phone.
	const sophia = "sophia.moreau@lumenlabs.example"
	p.be("U0MARIA", "C0INCIDENT")
	p.typeCommand("/okta set-password")
	p.wait("the set-password form", `T.visible("#modal-backdrop") && !!document.querySelector('#modal-body [data-block="targets"]')`)
	p.do("type a name", `T.fill("targets", "sophia")`)
	p.wait("type-ahead options", `[...document.querySelectorAll('#modal-body li')].some((li) => li.innerText.includes("Sophia Moreau"))`)
	p.do("pick Sophia", `[...document.querySelectorAll('#modal-body li')].find((li) => li.innerText.includes("Sophia Moreau")).click(), true`)
	p.do("submit", `document.querySelector("#modal-submit").click(), true`)
	p.wait("the required-field error", `T.text('#modal-body [data-block="p_password"] .field-error').includes("required")`)
	p.screenshot("set-password-error")
	p.do("type a password", `T.fill("p_password", "Lumen-Labs-2026")`)
	p.do("submit", `document.querySelector("#modal-submit").click(), true`)
	p.wait("the form to close", `!T.visible("#modal-backdrop")`)
	if u, _ := sb.Okta.User(sophia); sb.Okta.PasswordIs(u.ID, "Lumen-Labs-2026") {
		t.Fatal("Okta has Sophia's new password before she proved it is her")
	}
	p.be("U0MARIA", "D0MARIA")
	p.wait("the push on Sophia's phone", fmt.Sprintf("!!T.pushFor(%q)", sophia))
	p.sees("Ask them to tap")
	p.screenshot("verify-phone")
	p.tapNumber(sophia)
	p.sees("approved the Okta Verify push")
	p.be("U0MARIA", "C0INCIDENT")
	p.sees("Sophia Moreau", "password set")
	if u, ok := sb.Okta.User(sophia); !ok || !sb.Okta.PasswordIs(u.ID, "Lumen-Labs-2026") {
		t.Errorf("Okta does not have Sophia's new password")
	}
	if strings.Contains(p.text("body"), "Lumen-Labs-2026") {
		t.Errorf("the page shows the password")
	}

	// A step of the walkthrough puts you there, the command typed; Noah
	// answers "No, it's not me", so he stays locked out.
	const noah = "noah.varga@lumenlabs.example"
	p.do("try a step", `[...document.querySelectorAll('#tour button.try')].find((b) => b.dataset.command === "/okta unlock-user noah.varga").click(), true`)
	p.wait("Maria in #incident, the command typed", `location.hash.includes("as=U0MARIA") && location.hash.includes("channel=C0INCIDENT") && document.querySelector("#command").value === "/okta unlock-user noah.varga"`)
	p.fresh()
	p.do("send", `document.querySelector("#composer").requestSubmit(), true`)
	p.wait("the push on Noah's phone", fmt.Sprintf("!!T.pushFor(%q)", noah))
	p.do("No, it's not me", fmt.Sprintf("T.pushFor(%q).querySelector('button.deny').click(), true", noah))
	p.sees("not run", "rejected the Okta Verify push")
	if u, _ := sb.Okta.User(noah); u.Status != "LOCKED_OUT" {
		t.Errorf("Noah is %s after he rejected the push", u.Status)
	}

	// An admin role for an hour: Jordan asks, Sam approves with Okta
	// Verify on his admin account's phone (the policy's people: map), and
	// an hour later, skipped ahead, the role is gone.
	const zoe, samAdmin = "zoe.nakamura@lumenlabs.example", "sam.okafor.admin@lumenlabs.example"
	p.be("U0JORDAN", "C0INCIDENT")
	p.typeCommand(`/okta assign-role zoe.nakamura --role HELP_DESK_ADMIN --for 1h --reason "covering the helpdesk queue"`)
	p.sees("approval")
	p.be("U0SAM", "C0APPROVALS")
	p.sees("Approval needed", "Zoe Nakamura", "needs MFA")
	p.do("click Approve", `T.click("Zoe Nakamura", "Approve")`)
	p.wait("the confirmation dialog", `T.visible("#confirm-backdrop")`)
	p.do("confirm", `document.querySelector("#confirm-ok").click(), true`)
	p.be("U0SAM", "D0SAM")
	p.wait("the push on Sam's admin phone", fmt.Sprintf("!!T.pushFor(%q)", samAdmin))
	if r, _ := sb.Okta.User(zoe); len(sb.Okta.Roles(r.ID)) != 0 {
		t.Fatal("Zoe has a role before Sam's approval counted")
	}
	p.screenshot("step-up")
	p.tapNumber(samAdmin)
	p.be("U0SAM", "C0APPROVALS")
	p.sees("with Okta Verify")
	p.oktaRoles(zoe, "HELP_DESK_ADMIN")
	p.do("skip an hour", `T.skip("1h")`)
	p.wait("the clock an hour ahead", `T.text("#clock-ahead").includes("1 h")`)
	p.oktaRoles(zoe, "")
	p.be("U0JORDAN", "D0JORDAN")
	p.sees("Zoe Nakamura", "ended")

	// An MFA fatigue attack: Priya asks to contain Ravi, nobody answers;
	// skipped 15 minutes ahead, security has been reminded and Priya
	// breaks glass: it runs at once, and security is told loudly.
	const ravi = "ravi.jensen@lumenlabs.example"
	p.be("U0PRIYA", "C0INCIDENT")
	p.typeCommand("/okta user-activity ravi.jensen --since 2h")
	p.sees("Frankfurt")
	p.typeCommand(`/okta contain ravi.jensen --reason "INC-2042: MFA fatigue"`)
	p.sees("approval")
	p.do("skip 15 minutes", `T.skip("15m")`)
	p.be("U0SAM", "C0APPROVALS")
	p.sees("has waited since", "Ravi Jensen")
	p.be("U0PRIYA", "D0PRIYA")
	p.sees("Nobody has decided on your request")
	p.do("click Break glass", `T.click("Nobody has decided", "Break glass")`)
	p.wait("the break-glass form", `T.visible("#modal-backdrop") && !!document.querySelector('#modal-body [data-block="break_glass_reason"]')`)
	p.do("say why", `T.fill("break_glass_reason", "INC-2042: he is signed in from Frankfurt right now")`)
	p.do("submit", `document.querySelector("#modal-submit").click(), true`)
	p.wait("the form to close", `!T.visible("#modal-backdrop")`)
	p.wait("Okta to show Ravi suspended", fmt.Sprintf(`(document.querySelector('#users tr[data-login=%q] .status') || {}).textContent === "SUSPENDED"`, ravi))
	if u, _ := sb.Okta.User(ravi); len(sb.Okta.Sessions(u.ID)) != 0 {
		t.Errorf("Ravi still has sessions after contain")
	}
	p.be("U0SAM", "C0APPROVALS")
	p.sees("Break glass", "signed in from Frankfurt right now", "Reviewed")
	p.screenshot("break-glass")

	// A long list: a page of it in the channel, the whole of it as a CSV
	// in a direct message.
	p.be("U0SAM", "C0INCIDENT")
	p.typeCommand("/okta list-users --limit 200")
	p.sees("Showing 100 of", "sent to you in a direct message")
	p.be("U0SAM", "D0SAM")
	p.wait("the CSV file", `!!document.querySelector("#messages .file a.download")`)
	p.screenshot("list-users-csv")
	var csv string
	if err := b.eval(`fetch(document.querySelector("#messages .file a.download").href).then((r) => r.text())`, &csv); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(csv, "\n"); lines < 120 || !strings.Contains(csv, "olivia.anderson@lumenlabs.example") {
		t.Errorf("the CSV has %d lines:\n%.400s", lines, csv)
	}

	// The Home tab.
	p.do("open Home", `document.querySelector("#nav-home").click(), true`)
	p.wait("the Home tab", `T.text("#home").includes("help")`)
	p.screenshot("home")

	// Everything the bot sent in this session can be drawn by the page.
	for _, m := range sb.Slack.Messages() {
		if missing := sandbox.Unrenderable(m.Blocks); len(missing) > 0 {
			t.Errorf("the page cannot draw %v (message %q)", missing, m.Text)
		}
	}
	for _, v := range sb.Slack.Views() {
		if missing := sandbox.Unrenderable(v.Blocks); len(missing) > 0 {
			t.Errorf("the page cannot draw %v (view %q)", missing, v.Title)
		}
	}
}

// runSandboxBinary starts the built binary's `sandbox` subcommand and
// waits for the address it prints.
func runSandboxBinary(t testing.TB, args ...string) (cmd *exec.Cmd, url string, took time.Duration) {
	t.Helper()
	bin, err := buildOnce()
	if err != nil {
		t.Fatalf("go build: %v", err)
	}
	cmd = exec.Command(bin, append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TMPDIR=" + t.TempDir()}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "open "); ok {
				found <- strings.Fields(rest)[0]
			}
		}
		close(found) // it exited
	}()
	select {
	case url = <-found:
		if url == "" {
			cmd.Wait()
			t.Fatalf("oktabot sandbox exited without printing an address: %v", cmd.ProcessState)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("oktabot sandbox printed no address within 60 s")
	}
	return cmd, url, time.Since(start)
}

func stopBinary(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("oktabot sandbox after SIGTERM: %v, want exit 0", err)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("oktabot sandbox did not stop within 30 s of SIGTERM")
	}
}

// `oktabot sandbox` is the binary's own subcommand: it prints the address
// to open, serves the page, and stops cleanly on SIGTERM, leaving no
// temporary directory behind.
func TestSandboxBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	cmd, url, _ := runSandboxBinary(t)
	tmp := cmd.Env[len(cmd.Env)-1][len("TMPDIR="):]
	resp, err := http.Get(url + "api/workspace")
	if err != nil {
		t.Fatal(err)
	}
	var ws struct {
		People []struct {
			ID string `json:"id"`
		} `json:"people"`
	}
	json.NewDecoder(resp.Body).Decode(&ws)
	resp.Body.Close()
	if len(ws.People) != 5 {
		t.Errorf("the page offers %d people, want the sandbox's 5", len(ws.People))
	}
	stopBinary(t, cmd)
	if left, _ := filepath.Glob(filepath.Join(tmp, "oktabot-sandbox-*")); len(left) > 0 {
		t.Errorf("the temporary data directory is left behind: %v", left)
	}
}

// BenchmarkSandboxStart measures `oktabot sandbox`, the built binary, from
// exec to the address printed (the bot connected, the page served:
// ms/start) and its resident memory after two idle seconds (rss-MB, the
// largest seen).
//
//	go test ./cmd/bot -run '^$' -bench SandboxStart -benchtime 3x
func BenchmarkSandboxStart(b *testing.B) {
	var total time.Duration
	var rss float64
	for i := 0; i < b.N; i++ {
		cmd, _, took := runSandboxBinary(b)
		total += took
		b.StopTimer()
		time.Sleep(2 * time.Second)
		rss = max(rss, rssMB(cmd.Process.Pid))
		stopBinary(b, cmd)
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/start")
	b.ReportMetric(rss, "rss-MB")
}

// rssMB is a process's resident memory (Linux), or 0.
func rssMB(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// What real Slack would refuse is shown on the page, as the person sees
// it: here Slack refuses the bot's answer.
func TestSandboxShowsWhatSlackRefuses(t *testing.T) {
	sb := startSandbox(t)
	sb.Slack.InjectError("response_url", "invalid_blocks")
	body := strings.NewReader(`{"as":"U0PRIYA","channel":"C0INCIDENT","text":"/okta get-user noah.varga"}`)
	resp, err := http.Post(sb.URL()+"api/command", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/api/command: %s", resp.Status)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(sb.URL() + "api/view?as=U0PRIYA&channel=C0INCIDENT")
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Problems []string `json:"problems"`
		}
		json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		if strings.Contains(strings.Join(v.Problems, "\n"), "invalid_blocks") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page's problems after 20 s: %q", v.Problems)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The page's API takes JSON from its own page only: a form posted from
// another site cannot drive the bot.
func TestSandboxRefusesCrossSiteWrites(t *testing.T) {
	sb := startSandbox(t)
	resp, err := http.Post(sb.URL()+"api/command", "application/x-www-form-urlencoded",
		strings.NewReader("as=U0SAM&channel=C0INCIDENT&text=/okta+disable-user+x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a form post: %s, want 403", resp.Status)
	}
	req, _ := http.NewRequest("POST", sb.URL()+"api/command", strings.NewReader(`{"as":"U0SAM","channel":"C0INCIDENT","text":"/okta help"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site fetch: %s, want 403", resp.Status)
	}
}

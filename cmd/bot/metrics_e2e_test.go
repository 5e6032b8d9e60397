package main

// /metrics end to end: a few commands, an approval, an Okta rate limit,
// a Slack error and a reconnect through the real bot against the fakes,
// then a scrape of the health server, checked series by series, and
// checked for any label that names a person, a target or what someone
// typed.

import (
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sample is one line of Prometheus' text format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	sampleRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)
	labelRE  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// scrape reads /metrics from the bot's health server.
func scrape(t *testing.T, addr string) []sample {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d %s", resp.StatusCode, body)
	}
	var out []sample
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := sampleRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a sample line: %q", line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("value of %q: %v", line, err)
		}
		s := sample{name: m[1], labels: map[string]string{}, value: v}
		for _, l := range labelRE.FindAllStringSubmatch(m[2], -1) {
			s.labels[l[1]] = l[2]
		}
		out = append(out, s)
	}
	return out
}

// value is the value of the series name with exactly these labels
// (name{k="v",...}), NaN when there is none.
func value(samples []sample, series string) float64 {
	name, rest, _ := strings.Cut(series, "{")
	want := map[string]string{}
	for _, l := range labelRE.FindAllStringSubmatch(rest, -1) {
		want[l[1]] = l[2]
	}
next:
	for _, s := range samples {
		if s.name != name || len(s.labels) != len(want) {
			continue
		}
		for k, v := range want {
			if s.labels[k] != v {
				continue next
			}
		}
		return s.value
	}
	return math.NaN()
}

// sum adds the values of the series name whose labels include these.
func sum(samples []sample, name string, labels map[string]string) float64 {
	total := 0.0
next:
	for _, s := range samples {
		if s.name != name {
			continue
		}
		for k, v := range labels {
			if s.labels[k] != v {
				continue next
			}
		}
		total += s.value
	}
	return total
}

func TestMetrics(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	addr := a.healthAddrOf(a.bots[0])

	// Allowed and run, twice (the second through one Okta 429), and
	// refused once (mallory is not in the policy).
	mustContain(t, a.reply(uAlice, "get-user alice"), "Alice Liddell")
	a.okta.Throttle(1)
	mustContain(t, a.reply(uAlice, "get-user bob@corp.com"), "Bob Builder")
	a.reply(uMallory, "get-user carol.danvers@corp.com")
	// A Slack error: the mention's users.info fails.
	a.slack.InjectError("users.info", "internal_error")
	a.reply(uAlice, "get-user <@"+uCarol+"|carol>")

	// Sent for approval: pending until approved, then run.
	_, msg := a.request(uAlice, `disable-user carol.danvers@corp.com --reason "INC-4242 carol is leaving"`)
	if got := value(scrape(t, addr), "oktabot_approvals_pending"); got != 1 {
		t.Errorf("oktabot_approvals_pending = %v while one request waits, want 1", got)
	}
	a.click(uSec1, msg, "Approve")
	a.waitUpdate(msg, "and run")

	// A Socket Mode reconnect.
	opens := a.slack.CallCount("apps.connections.open")
	a.slack.Disconnect("refresh_requested")
	waitFor(t, 10*time.Second, "the bot to reconnect", func() bool {
		return a.slack.CallCount("apps.connections.open") > opens && a.slack.Connections() == 1
	})

	var got []sample
	want := map[string]float64{
		`oktabot_requests_total{action="get-user",outcome="allowed"}`:                               3,
		`oktabot_requests_total{action="get-user",outcome="done"}`:                                  3,
		`oktabot_requests_total{action="get-user",outcome="refused"}`:                               1,
		`oktabot_requests_total{action="disable-user",outcome="needs_approval"}`:                    1,
		`oktabot_requests_total{action="disable-user",outcome="done"}`:                              1,
		`oktabot_target_outcomes_total{action="get-user",outcome="unchanged"}`:                      2,
		`oktabot_target_outcomes_total{action="get-user",outcome="failed"}`:                         1, // the mention Slack did not answer for
		`oktabot_target_outcomes_total{action="disable-user",outcome="changed"}`:                    1,
		`oktabot_approval_decisions_total{action="disable-user",decision="approved"}`:               1,
		`oktabot_approvals_pending`:                                                                 0,
		`oktabot_request_duration_seconds_count{action="get-user",outcome="done"}`:                  3,
		`oktabot_request_duration_seconds_count{action="disable-user",outcome="done"}`:              1,
		`oktabot_okta_requests_total{operation="POST /api/v1/users/{id}/lifecycle/*",status="200"}`: 1,
		`oktabot_slack_api_errors_total{method="users.info",error="internal_error"}`:                1,
		`oktabot_slack_reconnects_total`:                                                            1,
		`oktabot_workers{pool="members"}`:                                                           75, // OKTABOT_OKTA_CONCURRENCY
		`oktabot_workers{pool="outsiders"}`:                                                         18,
		`oktabot_queue_capacity{pool="members"}`:                                                    1000,
		`oktabot_queue_length{pool="members"}`:                                                      0,
		`oktabot_workers_busy{pool="members"}`:                                                      0,
	}
	// The last counts land just after the replies; wait for them.
	deadline := time.Now().Add(10 * time.Second)
	for {
		got = scrape(t, addr)
		missing := 0
		for series, v := range want {
			if value(got, series) != v {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for series, v := range want {
		if g := value(got, series); g != v {
			t.Errorf("%s = %v, want %v", series, g, v)
		}
	}
	atLeast := map[string]float64{
		`oktabot_okta_requests_total{operation="GET /api/v1/users/{id}",status="200"}`:    2,
		`oktabot_okta_request_duration_seconds_count{operation="GET /api/v1/users/{id}"}`: 3,
		`oktabot_ack_duration_seconds_count{type="slash_commands"}`:                       5,
		`oktabot_ack_duration_seconds_count{type="interactive"}`:                          1,
		`oktabot_okta_rate_limit_limit{operation="GET /api/v1/users/{id}"}`:               1,
	}
	for series, v := range atLeast {
		if g := value(got, series); !(g >= v) {
			t.Errorf("%s = %v, want at least %v", series, g, v)
		}
	}
	// The one 429, on whichever call get-user made first.
	if n := sum(got, "oktabot_okta_rate_limited_total", nil); n != 1 {
		t.Errorf("oktabot_okta_rate_limited_total = %v in all, want 1", n)
	}
	if n := sum(got, "oktabot_okta_requests_total", map[string]string{"status": "429"}); n != 1 {
		t.Errorf("oktabot_okta_requests_total{status=\"429\"} = %v in all, want 1", n)
	}
	if g := value(got, `oktabot_okta_rate_limit_remaining{operation="GET /api/v1/users/{id}"}`); math.IsNaN(g) {
		t.Error("no oktabot_okta_rate_limit_remaining for GET /api/v1/users/{id}")
	}
	builds := 0
	for _, s := range got {
		if s.name == "oktabot_build_info" {
			builds++
			if s.value != 1 || s.labels["version"] == "" || s.labels["goversion"] == "" {
				t.Errorf("oktabot_build_info = %+v", s)
			}
		}
	}
	if builds != 1 {
		t.Errorf("%d oktabot_build_info series, want 1", builds)
	}
	if value(got, `go_goroutines`) <= 0 {
		t.Error("no go_goroutines: the Go runtime's collector is missing")
	}

	// No label names a person, a target or free text.
	never := []string{uAlice, uMallory, uCarol, uSec1, chGen, chApprovals, "alice", "bob", "carol", "mallory",
		"INC-4242", "leaving", a.okta.URL}
	for _, login := range []string{"alice@corp.com", "bob@corp.com", "carol.danvers@corp.com"} {
		u, _ := a.okta.User(login)
		never = append(never, u.ID)
	}
	actionsOrCodes := regexp.MustCompile(`^[a-z0-9_.-]*$`)
	for _, s := range got {
		if !strings.HasPrefix(s.name, "oktabot_") {
			continue
		}
		for k, v := range s.labels {
			for _, bad := range never {
				if strings.Contains(strings.ToLower(v), strings.ToLower(bad)) {
					t.Errorf("%s has label %s=%q, which names %q", s.name, k, v, bad)
				}
			}
			switch k {
			case "operation":
				if !regexp.MustCompile(`^[A-Z]+ /[a-z0-9/{}*_]*$`).MatchString(v) {
					t.Errorf("%s: operation %q is not a method and path template", s.name, v)
				}
			case "version", "revision", "goversion", "le":
			default:
				if !actionsOrCodes.MatchString(v) || len(v) > 40 {
					t.Errorf("%s has label %s=%q: not a name or a code", s.name, k, v)
				}
			}
		}
	}
}

// healthAddrOf is healthAddr for a replica's log.
func (a *ah) healthAddrOf(r *replica) string {
	a.t.Helper()
	saved := a.harness.stdout
	a.harness.stdout = r.stdout
	defer func() { a.harness.stdout = saved }()
	return a.harness.healthAddr()
}

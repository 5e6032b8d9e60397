package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Whatever the callers pass, a label holds only a closed set of names or
// the shape of a code: never a login, a path with an id, or free text.
func TestLabelsAreNamesOrCodes(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg, Options{Actions: []string{"get-user"}})
	m.Request("get-user", Done)
	m.Request("alice@corp.com", Refused)
	m.Request("", Refused)
	m.Target("get-user", "changed; then: something")
	m.OktaCall("GET /api/v1/users/alice@corp.com", "200", time.Millisecond)
	m.OktaCall("GET /api/v1/users/{id}", "200", time.Millisecond)
	m.OktaRateLimited("GET /api/v1/users?q=alice")
	m.OktaCallLeft("GET /api/v1/users/alice@corp.com/factors")
	m.OktaCallLeft("GET /api/v1/users/{id}/factors")
	m.OktaLoad(func() (int, int, int) { return 75, 75, 12 })
	m.SlackError("chat.postMessage", "channel not found: C123")
	m.SlackError("https://hooks.slack.com/commands/T1/2/secret", "expired_url")
	m.Pool("members", 16, 1000, func() (int, int) { return 3, 7 })
	m.PendingApprovals(nil)
	m.Verify(VerifyStepUp, "timed out")
	m.Verify(VerifyTarget, "requester's account")
	m.Verify("alice", "tapped 42")
	m.Grant("get-user", "given")
	m.Grant("alice@corp.com", "revoked at 12:00")

	got := map[string]bool{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, s := range f.GetMetric() {
			var labels []string
			for _, l := range s.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			got[f.GetName()+"{"+strings.Join(labels, ",")+"}"] = true
		}
	}
	for _, want := range []string{
		"oktabot_requests_total{action=get-user,outcome=done}",
		"oktabot_requests_total{action=other,outcome=refused}",
		"oktabot_requests_total{action=none,outcome=refused}",
		"oktabot_target_outcomes_total{action=get-user,outcome=other}",
		"oktabot_okta_requests_total{operation=other,status=200}",
		"oktabot_okta_requests_total{operation=GET /api/v1/users/{id},status=200}",
		"oktabot_okta_rate_limited_total{operation=other}",
		"oktabot_okta_calls_left_total{operation=other}",
		"oktabot_okta_calls_left_total{operation=GET /api/v1/users/{id}/factors}",
		"oktabot_okta_concurrency{}",
		"oktabot_okta_calls_in_flight{}",
		"oktabot_okta_calls_waiting{}",
		"oktabot_slack_api_errors_total{error=other,method=chat.postMessage}",
		"oktabot_slack_api_errors_total{error=expired_url,method=other}",
		"oktabot_workers{pool=members}",
		"oktabot_workers_busy{pool=members}",
		"oktabot_queue_length{pool=members}",
		"oktabot_build_info{goversion=unknown,revision=unknown,version=unknown}",
		"oktabot_okta_verify_total{outcome=timed_out,purpose=step_up}",
		"oktabot_okta_verify_total{outcome=requesters_account,purpose=target}",
		"oktabot_okta_verify_total{outcome=other,purpose=other}",
		"oktabot_grants_total{action=get-user,event=given}",
		"oktabot_grants_total{action=other,event=other}",
	} {
		if !got[want] {
			t.Errorf("no series %s", want)
		}
	}
	for s := range got {
		if strings.Contains(s, "alice") || strings.Contains(s, "secret") || strings.Contains(s, "C123") || strings.Contains(s, "42") || strings.Contains(s, "12:00") {
			t.Errorf("series %s names what it must not", s)
		}
	}
}

// A nil *Metrics counts nothing, and does not panic.
func TestNilCountsNothing(t *testing.T) {
	var m *Metrics
	m.Request("get-user", Done)
	m.Target("get-user", "changed")
	m.Decision("get-user", "approved")
	m.RequestDuration("get-user", Done, time.Second)
	m.Ack("slash_commands", time.Millisecond)
	m.OktaCall("GET /api/v1/users/{id}", "200", time.Millisecond)
	m.OktaRateLimit("GET /api/v1/users/{id}", 10, 5)
	m.OktaRateLimited("GET /api/v1/users/{id}")
	m.OktaCallLeft("GET /api/v1/users/{id}/factors")
	m.OktaLoad(nil)
	m.SlackError("chat.postMessage", "channel_not_found")
	m.SlackReconnect()
	m.Pool("members", 1, 1, nil)
	m.PendingApprovals(nil)
	m.Verify(VerifyTarget, "approved")
	m.Grant("assign-role", "given")
}

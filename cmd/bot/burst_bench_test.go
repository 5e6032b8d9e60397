package main

import (
	"os"
	"testing"
	"time"
)

// BenchmarkBurst200GetUser is issue 14's burst: 200 people type get-user
// at once, Okta answers in 10 ms (BURST_OKTA_LATENCY overrides it, e.g.
// 2s). It reports how many were told the bot is busy and the time from
// each command to its answer (p50, p99, max), per burst, as `oktabot
// bench` measures it (runBurst). Run it with
//
//	go test -run '^$' -bench Burst200 -benchtime 3x ./cmd/bot
func BenchmarkBurst200GetUser(b *testing.B) {
	const n = 200
	h, people := burstHarness(b, n)
	h.env["OKTABOT_PER_USER_LIMIT"] = "0"
	h.start()
	latency := 10 * time.Millisecond
	if v, ok := os.LookupEnv("BURST_OKTA_LATENCY"); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatal(err)
		}
		latency = d
	}
	h.okta.SetLatency(latency)

	var busy int
	var p50, p99, slowest time.Duration
	b.ResetTimer()
	for range b.N {
		r := runBurst(h.slack, people, "C0INCIDENT", "get-user alice", 10*time.Minute)
		if r.failed > 0 {
			b.Errorf("%d commands got no answer", r.failed)
		}
		busy += r.busy
		p50, p99, slowest = max(p50, r.p50), max(p99, r.p99), max(slowest, r.slowest)
	}
	b.StopTimer()
	b.ReportMetric(float64(busy)/float64(b.N), "busy/burst")
	b.ReportMetric(float64(p50.Milliseconds()), "p50-ms")
	b.ReportMetric(float64(p99.Milliseconds()), "p99-ms")
	b.ReportMetric(float64(slowest.Milliseconds()), "max-ms")
}

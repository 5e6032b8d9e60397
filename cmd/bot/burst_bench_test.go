package main

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkBurst200GetUser is issue 14's burst: 200 people type get-user
// at once, Okta answers in 10 ms (BURST_OKTA_LATENCY overrides it, e.g.
// 2s). It reports how many were told the bot is busy and the time from
// each command to its answer (p50, p99, max), per burst. Run it with
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
	var took []time.Duration
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, u := range people {
			sent := time.Now()
			in := h.slack.SlashCommand(u, "C0INCIDENT", "/okta", "get-user alice")
			wg.Add(1)
			go func() {
				defer wg.Done()
				ack, err := in.WaitAck(10 * time.Second)
				if err != nil {
					b.Error(err)
					return
				}
				if bytes.Contains(ack.Payload, []byte("busy")) {
					mu.Lock()
					busy++
					mu.Unlock()
					return
				}
				for k := 1; ; k++ {
					msgs, err := in.WaitReplies(k, 10*time.Minute)
					if err != nil {
						b.Error(err)
						return
					}
					if !strings.Contains(msgs[k-1].AllText(), "queued") {
						break
					}
				}
				mu.Lock()
				took = append(took, time.Since(sent))
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	b.StopTimer()
	slices.Sort(took)
	at := func(q float64) float64 {
		if len(took) == 0 {
			return 0
		}
		return float64(took[min(len(took)-1, int(q*float64(len(took))))].Milliseconds())
	}
	b.ReportMetric(float64(busy)/float64(b.N), "busy/burst")
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(at(1), "max-ms")
}

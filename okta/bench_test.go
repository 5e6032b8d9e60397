package okta

import (
	"context"
	"fmt"
	"testing"
	"time"

	"oktabot/actions"
	"oktabot/okta/oktatest"
)

// BenchmarkDisableUser200 is the wall time of disable-user on 200 users
// (400 Okta calls: find, then suspend) against the Okta fake answering
// every call after 100 ms: one target after another, as the seed's
// original did, versus the bot's way (the registry's disable-user: targets
// concurrently, bounded, honouring X-Rate-Limit-*). "okta-limits" are
// Okta's per-minute limits for a Workforce org, which the fake enforces by
// default; "100-per-second" is a limit tight enough that the bot must wait
// for the window to reset. 429s/op counts the 429s Okta sent; the bot waits
// them out, so none reaches the user.
//
//	go test ./okta -run '^$' -bench DisableUser200 -benchtime 1x
func BenchmarkDisableUser200(b *testing.B) {
	const n = 200
	run := map[string]func(context.Context, *Client, []string) error{
		"sequential": func(ctx context.Context, c *Client, logins []string) error {
			for _, l := range logins {
				u, err := c.FindUser(ctx, l)
				if err != nil {
					return err
				}
				if err := c.SuspendUser(ctx, u.ID); err != nil {
					return err
				}
			}
			return nil
		},
		"bot": func(ctx context.Context, c *Client, logins []string) error {
			a := actions.Default().Lookup("disable-user")
			p, err := actions.Default().Build(a, logins, nil, actions.Secret{}, "", false)
			if err != nil {
				return err
			}
			res, err := a.Run(ctx, actions.Env{Dir: c, Now: time.Now}, p.Request)
			if err != nil {
				return err
			}
			for _, o := range res.Outcomes {
				if o.Err != nil || o.Done != "suspended" {
					return fmt.Errorf("%s: %q %v", o.Target, o.Done, o.Err)
				}
			}
			return nil
		},
	}
	limits := map[string]int{"okta-limits": 0, "100-per-second": 100}
	for _, c := range []struct{ mode, limit string }{
		{"sequential", "okta-limits"}, {"bot", "okta-limits"}, {"bot", "100-per-second"},
	} {
		mode := c.mode
		b.Run(c.mode+"/"+c.limit, func(b *testing.B) {
			throttled := 0
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				srv := oktatest.New(b, oktatest.WithLatency(100*time.Millisecond))
				if l := limits[c.limit]; l > 0 {
					srv.RateLimit(l, time.Second)
				}
				logins := make([]string, n)
				for j := range logins {
					logins[j] = srv.AddUser(oktatest.User{Login: fmt.Sprintf("user%03d@corp.com", j)}).Login
				}
				c := fakeClient(b, srv, func(cfg *Config) { cfg.CallTimeout = time.Minute })
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				b.StartTimer()
				if err := run[mode](ctx, c, logins); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				cancel()
				for _, call := range srv.Calls() {
					if call.Status == 429 {
						throttled++
					}
				}
				for _, l := range logins {
					if u, _ := srv.User(l); u.Status != actions.StatusSuspended {
						b.Fatalf("%s is %s", l, u.Status)
					}
				}
			}
			b.ReportMetric(float64(throttled)/float64(b.N), "429s/op")
		})
	}
}

package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"oktabot/store"
)

// BenchCommands measures what commands arriving at once write on the
// request path, many at a time (16 workers per CPU, the bot's worker pool
// and then some): each is a fresh delivery id, a request record and an
// outcome record. "separate" writes them as three calls (FirstDelivery and
// two AppendAudit), "RecordAll" as one. It reports commands/s.
func BenchCommands(b *testing.B, open func() (store.Store, error)) {
	for _, mode := range []string{"separate", "RecordAll"} {
		b.Run(mode, func(b *testing.B) {
			s, err := open()
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			var n atomic.Int64
			run := "r" + time.Now().Format("150405.000000")
			b.SetParallelism(16)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					now := time.Now()
					key := fmt.Sprintf("%s-%d", run, i)
					req := store.AuditRecord{At: now, Event: "request.allowed", Actor: "U0BENCH", Channel: "C0BENCH",
						Action: "get-user", Targets: []string{"alice@corp.com"}}
					out := store.AuditRecord{At: now, Event: "outcome", Actor: "U0BENCH", Channel: "C0BENCH",
						Action: "get-user", Target: "alice@corp.com", Outcome: "ok"}
					if err := command(ctx, s, mode, key, now, req, out); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "commands/s")
		})
	}
}

func command(ctx context.Context, s store.Store, mode, key string, now time.Time, records ...store.AuditRecord) error {
	if mode == "RecordAll" {
		first, _, err := s.RecordAll(ctx, store.Delivery{Key: key, Now: now, TTL: time.Hour}, records)
		if err == nil && !first {
			err = fmt.Errorf("%s: not a first delivery", key)
		}
		return err
	}
	first, err := s.FirstDelivery(ctx, key, now, time.Hour)
	if err != nil {
		return err
	}
	if !first {
		return fmt.Errorf("%s: not a first delivery", key)
	}
	for _, r := range records {
		if _, err := s.AppendAudit(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

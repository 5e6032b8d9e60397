package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"oktabot/store"
)

// BenchCommands measures what commands arriving at once write on the
// request path, many at a time (16 workers per CPU, the bot's worker pool
// and then some), while one reader lists the audit trail over and over
// (someone running /okta audit, an approver's click reading its request),
// a read every 10 ms.
// Each command is a fresh delivery id and its records, written
//
//   - "separate": as the bot wrote them before one durable write per
//     command: FirstDelivery, then each record with AppendAudit;
//   - "RecordAll": as it writes them now: a read command's delivery,
//     request and outcome in one RecordAll; a write command's delivery and
//     request in one, before it acts, and its outcomes in one more.
//
// "read" commands have one target, "write-50" commands 50. It reports
// commands/s and the 99th percentile of the reader's wait, in ms.
func BenchCommands(b *testing.B, open func() (store.Store, error)) {
	for _, targets := range []int{1, 50} {
		kind := "read"
		if targets > 1 {
			kind = fmt.Sprintf("write-%d", targets)
		}
		for _, mode := range []string{"separate", "RecordAll"} {
			b.Run(kind+"/"+mode, func(b *testing.B) { benchCommands(b, open, mode, targets) })
		}
	}
}

func benchCommands(b *testing.B, open func() (store.Store, error), mode string, targets int) {
	s, err := open()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var n atomic.Int64
	run := "r" + time.Now().Format("150405.000000")

	// The reader: a read every 10 ms, timed.
	var wg sync.WaitGroup
	var readTimes []time.Duration
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			start := time.Now()
			if _, err := s.ListAudit(ctx, store.AuditFilter{Actors: []string{"U0BENCH"}}); err != nil {
				if ctx.Err() == nil {
					b.Error(err)
				}
				return
			}
			readTimes = append(readTimes, time.Since(start))
		}
	}()

	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			now := time.Now()
			key := fmt.Sprintf("%s-%d", run, i)
			req := store.AuditRecord{At: now, Event: "request.allowed", Actor: "U0BENCH", Channel: "C0BENCH", Action: "get-user"}
			var outcomes []store.AuditRecord
			for t := range targets {
				target := fmt.Sprintf("person%04d@corp.com", t)
				req.Targets = append(req.Targets, target)
				outcomes = append(outcomes, store.AuditRecord{At: now, Event: "outcome", Actor: "U0BENCH", Channel: "C0BENCH",
					Action: req.Action, Target: target, Outcome: "unchanged", Params: map[string]string{"okta_user_id": fmt.Sprintf("00u%017d", t), "login": target}})
			}
			if targets > 1 {
				req.Action = "disable-user"
			}
			if err := command(ctx, s, mode, key, now, req, outcomes); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	stop()
	wg.Wait()
	b.ReportMetric(float64(n.Load())/elapsed.Seconds(), "commands/s")
	if len(readTimes) > 0 {
		slices.Sort(readTimes)
		b.ReportMetric(float64(readTimes[len(readTimes)*99/100].Microseconds())/1000, "read-p99-ms")
	}
}

// command writes one command's records as mode says (BenchCommands).
func command(ctx context.Context, s store.Store, mode, key string, now time.Time, req store.AuditRecord, outcomes []store.AuditRecord) error {
	if mode == "RecordAll" {
		d := store.Delivery{Key: key, Now: now, TTL: time.Hour}
		if len(outcomes) == 1 {
			first, _, err := s.RecordAll(ctx, d, append([]store.AuditRecord{req}, outcomes...))
			if err == nil && !first {
				err = fmt.Errorf("%s: not a first delivery", key)
			}
			return err
		}
		first, _, err := s.RecordAll(ctx, d, []store.AuditRecord{req})
		if err == nil && !first {
			err = fmt.Errorf("%s: not a first delivery", key)
		}
		if err != nil {
			return err
		}
		_, _, err = s.RecordAll(ctx, store.Delivery{}, outcomes)
		return err
	}
	first, err := s.FirstDelivery(ctx, key, now, time.Hour)
	if err != nil {
		return err
	}
	if !first {
		return fmt.Errorf("%s: not a first delivery", key)
	}
	for _, r := range append([]store.AuditRecord{req}, outcomes...) {
		if _, err := s.AppendAudit(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

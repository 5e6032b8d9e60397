package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"oktabot/store"
)

// suiteCase is one case of Run.
type suiteCase = struct {
	name string
	f    func(*testing.T, *harness)
}

// recordCases check RecordAll, and that the writes many callers make at
// once (which a driver may commit together) each come back with their own
// result.
var recordCases = []suiteCase{
	{"RecordAll", testRecordAll},
	{"RecordAllBatches", testRecordAllBatches},
	{"RecordAllRejects", testRecordAllRejects},
	{"RecordAllConcurrentTwoHandles", testRecordAllConcurrent},
	{"ConcurrentWritesKeepTheirResults", testConcurrentWrites},
}

func testRecordAll(t *testing.T, h *harness) {
	s := h.handle(t)
	const ttl = 10 * time.Minute
	d := store.Delivery{Key: "env-1", Now: t0, TTL: ttl}
	req := store.AuditRecord{At: t0, Event: "request.allowed", Actor: "UREQ", Action: "get-user", Targets: []string{"alice"}}
	out := fullRecord()
	first, ids, err := s.RecordAll(ctx, d, []store.AuditRecord{req, out})
	if err != nil || !first || len(ids) != 2 || ids[0] <= 0 || ids[1] <= ids[0] {
		t.Fatalf("RecordAll = %v, %v, %v; want a first delivery and two increasing ids", first, ids, err)
	}
	req.ID, req.At = ids[0], norm(req.At)
	out.ID, out.At = ids[1], norm(out.At)
	diff(t, "records", []store.AuditRecord{out, req}, list(t, s, store.AuditFilter{}))

	// The delivery is claimed as FirstDelivery claims it.
	if ok, err := s.FirstDelivery(ctx, "env-1", t0.Add(time.Second), ttl); err != nil || ok {
		t.Errorf("FirstDelivery after RecordAll = %v, %v; want a redelivery", ok, err)
	}
	// A redelivery writes nothing.
	first, ids, err = s.RecordAll(ctx, store.Delivery{Key: "env-1", Now: t0.Add(time.Second), TTL: ttl},
		[]store.AuditRecord{{At: t0, Event: "request.allowed"}})
	if err != nil || first || ids != nil {
		t.Errorf("redelivered RecordAll = %v, %v, %v; want false, nil, nil", first, ids, err)
	}
	if n := len(list(t, s, store.AuditFilter{})); n != 2 {
		t.Errorf("%d records after a redelivery, want 2", n)
	}
	// After the TTL the key is new again, as with FirstDelivery.
	if first, _, err := s.RecordAll(ctx, store.Delivery{Key: "env-1", Now: t0.Add(ttl), TTL: ttl}, nil); err != nil || !first {
		t.Errorf("RecordAll after the ttl = %v, %v; want a first delivery", first, err)
	}
	// And FirstDelivery's claims count for RecordAll.
	if ok, err := s.FirstDelivery(ctx, "env-2", t0, ttl); err != nil || !ok {
		t.Fatalf("FirstDelivery(env-2) = %v, %v", ok, err)
	}
	if first, _, err := s.RecordAll(ctx, store.Delivery{Key: "env-2", Now: t0, TTL: ttl}, nil); err != nil || first {
		t.Errorf("RecordAll after FirstDelivery = %v, %v; want a redelivery", first, err)
	}

	// Records alone (a request's per-target outcomes).
	batch := make([]store.AuditRecord, 50)
	for i := range batch {
		batch[i] = store.AuditRecord{At: t0.Add(time.Minute), Event: "outcome", Action: "enable-user", Target: fmt.Sprintf("u%02d", i)}
	}
	first, ids, err = s.RecordAll(ctx, store.Delivery{}, batch)
	if err != nil || !first || len(ids) != len(batch) {
		t.Fatalf("RecordAll(no delivery, 50 records) = %v, %d ids, %v", first, len(ids), err)
	}
	got := list(t, s, store.AuditFilter{Action: "enable-user", Limit: 100})
	if len(got) != len(batch) {
		t.Fatalf("%d outcome records, want %d", len(got), len(batch))
	}
	for i, id := range ids {
		if i > 0 && id <= ids[i-1] {
			t.Errorf("ids not increasing: %v", ids)
			break
		}
		r := list(t, s, store.AuditFilter{ID: id})
		if len(r) != 1 || r[0].Target != batch[i].Target {
			t.Errorf("id %d is %+v, want target %s", id, r, batch[i].Target)
		}
	}
	if first, ids, err := s.RecordAll(ctx, store.Delivery{}, nil); err != nil || !first || ids != nil {
		t.Errorf("RecordAll of nothing = %v, %v, %v", first, ids, err)
	}
}

// A request's per-target outcomes, however many, go in one call: each
// comes back with its own id, in order, and is stored whole.
func testRecordAllBatches(t *testing.T, h *harness) {
	s := h.handle(t)
	var last int64
	for _, n := range []int{1, 2, 63, 64, 65, 200, 400} {
		batch := make([]store.AuditRecord, n)
		for i := range batch {
			batch[i] = fullRecord()
			batch[i].At = t0.Add(time.Duration(n) * time.Minute)
			batch[i].Action = fmt.Sprintf("batch-%d", n)
			batch[i].Target = fmt.Sprintf("00u%05d", i)
			batch[i].Params = map[string]string{"i": fmt.Sprint(i)}
		}
		first, ids, err := s.RecordAll(ctx, store.Delivery{Key: fmt.Sprintf("env-batch-%d", n), Now: t0, TTL: time.Minute}, batch)
		if err != nil || !first || len(ids) != n {
			t.Fatalf("RecordAll(%d records) = %v, %d ids, %v", n, first, len(ids), err)
		}
		byID := map[int64]store.AuditRecord{}
		p := store.AuditPage{Since: batch[0].At}
		for {
			page, err := s.ExportAudit(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page {
				byID[r.ID] = r
			}
			if len(page) < p.PageLimit() {
				break
			}
			p.AfterAt, p.AfterID = page[len(page)-1].At, page[len(page)-1].ID
		}
		if len(byID) != n {
			t.Fatalf("%d records: %d stored", n, len(byID))
		}
		for i, id := range ids {
			if id <= last {
				t.Fatalf("%d records: id %d (record %d) is not after %d", n, id, i, last)
			}
			last = id
			want := batch[i]
			want.ID, want.At = id, norm(want.At)
			if d := cmp.Diff(want, byID[id]); d != "" {
				t.Fatalf("%d records: record %d (id %d) (-want +got):\n%s", n, i, id, d)
			}
		}
	}
}

func testRecordAllRejects(t *testing.T, h *harness) {
	s := h.handle(t)
	good := store.AuditRecord{At: t0, Event: "request.allowed"}
	for name, c := range map[string]struct {
		d       store.Delivery
		records []store.AuditRecord
	}{
		"no key":       {store.Delivery{Now: t0, TTL: time.Minute}, []store.AuditRecord{good}},
		"no now":       {store.Delivery{Key: "env-x", TTL: time.Minute}, []store.AuditRecord{good}},
		"zero ttl":     {store.Delivery{Key: "env-x", Now: t0}, []store.AuditRecord{good}},
		"record no At": {store.Delivery{Key: "env-x", Now: t0, TTL: time.Minute}, []store.AuditRecord{good, {Event: "outcome"}}},
		"record no Event": {store.Delivery{Key: "env-x", Now: t0, TTL: time.Minute},
			[]store.AuditRecord{good, {At: t0}}},
	} {
		_, _, err := s.RecordAll(ctx, c.d, c.records)
		wantErr(t, name, err, store.ErrInvalid)
	}
	// A stopped caller writes nothing either.
	c, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err := s.RecordAll(c, store.Delivery{Key: "env-x", Now: t0, TTL: time.Minute}, []store.AuditRecord{good})
	wantErr(t, "canceled", err, context.Canceled)
	if n := len(list(t, s, store.AuditFilter{})); n != 0 {
		t.Errorf("%d records written by rejected calls", n)
	}
	if ok, err := s.FirstDelivery(ctx, "env-x", t0, time.Minute); err != nil || !ok {
		t.Errorf("a rejected RecordAll claimed its delivery: FirstDelivery = %v, %v", ok, err)
	}
}

// Replicas racing on one delivery: exactly one writes its records.
func testRecordAllConcurrent(t *testing.T, h *harness) {
	hs := h.handles(t, 2)
	for _, key := range []string{"env-a", "env-b", "env-c"} {
		results := race(10, func(i int) result {
			first, ids, err := hs[i%2].RecordAll(ctx, store.Delivery{Key: key, Now: t0.Add(time.Duration(i) * time.Millisecond), TTL: time.Minute},
				[]store.AuditRecord{{At: t0, Event: "request.allowed", Detail: key}, {At: t0, Event: "outcome", Detail: key}})
			switch {
			case err != nil:
				return result{err: err}
			case first && len(ids) != 2:
				return result{err: fmt.Errorf("first delivery with %d ids", len(ids))}
			case first:
				return result{who: "first"}
			}
			return result{}
		})
		firsts := 0
		for _, r := range results {
			if r.err != nil {
				t.Fatalf("RecordAll: %v", r.err)
			}
			if r.who == "first" {
				firsts++
			}
		}
		if firsts != 1 {
			t.Errorf("key %s: %d first deliveries, want 1", key, firsts)
		}
	}
	if n := len(list(t, hs[0], store.AuditFilter{Limit: 100})); n != 6 {
		t.Errorf("%d records, want 2 per delivery (6)", n)
	}
}

// Many writers at once, on one handle: every call gets its own answer
// (ids distinct and each naming its own record, first deliveries exactly
// for new keys, its own error for an invalid call), whatever the driver
// commits together.
func testConcurrentWrites(t *testing.T, h *harness) {
	s := h.handle(t)
	const n = 64
	var wg sync.WaitGroup
	ids := make([]int64, n)
	errs := make([]error, n)
	firsts := make([]bool, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 4 {
			case 0:
				ids[i], errs[i] = s.AppendAudit(ctx, store.AuditRecord{At: t0, Event: "outcome", Detail: fmt.Sprint(i)})
			case 1:
				_, errs[i] = s.AppendAudit(ctx, store.AuditRecord{Event: "no time"}) // invalid
			case 2:
				firsts[i], errs[i] = s.FirstDelivery(ctx, fmt.Sprintf("env-%d", i%8), t0, time.Minute) // keys 2 and 6, 8 times each
			case 3:
				var got []int64
				firsts[i], got, errs[i] = s.RecordAll(ctx, store.Delivery{Key: fmt.Sprintf("rec-%d", i), Now: t0, TTL: time.Minute},
					[]store.AuditRecord{{At: t0, Event: "request.allowed", Detail: fmt.Sprint(i)}})
				if len(got) == 1 {
					ids[i] = got[0]
				}
			}
		}()
	}
	wg.Wait()
	seen := map[int64]bool{}
	newKeys := 0
	for i := range n {
		switch i % 4 {
		case 1:
			wantErr(t, fmt.Sprintf("call %d (invalid)", i), errs[i], store.ErrInvalid)
			continue
		case 2:
			if firsts[i] {
				newKeys++
			}
		case 3:
			if !firsts[i] {
				t.Errorf("call %d: a new key was not a first delivery", i)
			}
		}
		if errs[i] != nil {
			t.Errorf("call %d: %v", i, errs[i])
			continue
		}
		if i%4 == 0 || i%4 == 3 {
			if seen[ids[i]] {
				t.Errorf("id %d returned twice", ids[i])
			}
			seen[ids[i]] = true
			r := list(t, s, store.AuditFilter{ID: ids[i]})
			if len(r) != 1 || r[0].Detail != fmt.Sprint(i) {
				t.Errorf("call %d got id %d, which holds %+v", i, ids[i], r)
			}
		}
	}
	if newKeys != 2 {
		t.Errorf("%d first deliveries of 2 keys", newKeys)
	}
}

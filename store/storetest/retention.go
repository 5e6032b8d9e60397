package storetest

import (
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"oktabot/store"
)

// testExportAudit: every record since a time, oldest first (ties by id),
// across pages, stopping at the callback's error.
func testExportAudit(t *testing.T, h *harness) {
	s := h.handle(t)
	export := func(since time.Time) []store.AuditRecord {
		t.Helper()
		var out []store.AuditRecord
		if err := store.ExportAll(ctx, s, since, func(r store.AuditRecord) error {
			if r.At.Location() != time.UTC {
				t.Errorf("record %d At %v, want UTC", r.ID, r.At)
			}
			out = append(out, r)
			return nil
		}); err != nil {
			t.Fatalf("ExportAll(%v): %v", since, err)
		}
		return out
	}
	if got := export(time.Time{}); len(got) != 0 {
		t.Errorf("empty log exports %d records", len(got))
	}
	full := appendAudit(t, s, fullRecord())
	// Out of time order, with ties, and more than a page (1000).
	var want []store.AuditRecord
	for i := range 1203 {
		at := t0.Add(time.Duration(1203-i/2) * time.Second)
		want = append(want, appendAudit(t, s, store.AuditRecord{At: at, Event: "request.allowed", Actor: "U1"}))
	}
	// Oldest first: by At, then by id.
	sorted := append([]store.AuditRecord{full}, want...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return sorted[i].At.Before(sorted[j].At) || sorted[i].At.Equal(sorted[j].At) && sorted[i].ID < sorted[j].ID
	})
	got := export(time.Time{})
	diff(t, "everything", auditIDs(sorted), auditIDs(got))
	diff(t, "the full record", full, got[0])

	since := norm(t0.Add(1000 * time.Second)) // what the store compares with
	var later []store.AuditRecord
	for _, r := range sorted {
		if !r.At.Before(since) {
			later = append(later, r)
		}
	}
	diff(t, "since (inclusive)", auditIDs(later), auditIDs(export(since)))

	stop := errors.New("stop")
	n := 0
	err := store.ExportAll(ctx, s, time.Time{}, func(store.AuditRecord) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("ExportAll with a failing callback: %v after %d records, want stop after 3", err, n)
	}

	// One page: a limit, and after a record.
	page, err := s.ExportAudit(ctx, store.AuditPage{Limit: 2, AfterAt: sorted[0].At, AfterID: sorted[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "a page after the first record", auditIDs(sorted[1:3]), auditIDs(page))
	if page, _ := s.ExportAudit(ctx, store.AuditPage{Limit: 5000}); len(page) != store.MaxExportPage {
		t.Errorf("a page of %d records, want at most %d", len(page), store.MaxExportPage)
	}
	_, err = s.ExportAudit(ctx, store.AuditPage{AfterID: 3})
	wantErr(t, "AfterID without AfterAt", err, store.ErrInvalid)
}

func auditIDs(rs []store.AuditRecord) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// testDeleteAuditBefore: retention deletes exactly the records before the
// cutoff, from any handle, concurrently, and the log goes on.
func testDeleteAuditBefore(t *testing.T, h *harness) {
	hs := h.handles(t, 2)
	s := hs[0]
	var keep []store.AuditRecord
	for i := range 20 {
		r := appendAudit(t, s, store.AuditRecord{At: t0.Add(time.Duration(i) * time.Hour), Event: "outcome"})
		if i >= 12 {
			keep = append(keep, r)
		}
	}
	cutoff := t0.Add(12 * time.Hour) // exclusive: the record at the cutoff stays

	// Two replicas sweep at once: together they delete each record once.
	var wg sync.WaitGroup
	counts := make([]int64, 2)
	for i, hh := range hs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := hh.DeleteAuditBefore(ctx, cutoff)
			if err != nil {
				t.Errorf("DeleteAuditBefore on handle %d: %v", i, err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	if counts[0]+counts[1] != 12 {
		t.Errorf("deleted %d + %d records, want 12 in all", counts[0], counts[1])
	}
	var left []store.AuditRecord
	if err := store.ExportAll(ctx, s, time.Time{}, func(r store.AuditRecord) error { left = append(left, r); return nil }); err != nil {
		t.Fatal(err)
	}
	diff(t, "records left", auditIDs(keep), auditIDs(left))

	n, err := s.DeleteAuditBefore(ctx, cutoff)
	if err != nil || n != 0 {
		t.Errorf("a second sweep: %d, %v; want 0, nil", n, err)
	}
	_, err = s.DeleteAuditBefore(ctx, time.Time{})
	wantErr(t, "zero cutoff", err, store.ErrInvalid)

	// The log goes on, ids still increasing.
	last := appendAudit(t, hs[1], store.AuditRecord{At: t0, Event: "audit.retention"})
	if last.ID <= keep[len(keep)-1].ID {
		t.Errorf("id %d after retention, want more than %d", last.ID, keep[len(keep)-1].ID)
	}
	// More than one batch (5000) goes too.
	for i := range 5003 {
		if _, err := s.AppendAudit(ctx, store.AuditRecord{At: t0.Add(-time.Duration(i+1) * time.Second), Event: "outcome"}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.DeleteAuditBefore(ctx, t0); err != nil || n != 5003 {
		t.Errorf("a sweep of 5003 records: %d, %v", n, err)
	}
}

package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"oktabot/store"
)

// The request path's writes: a delivery's claim and audit records, on
// their own (FirstDelivery, AppendAudit) or together (RecordAll).

func (s *Store) checkDelivery(op string, d store.Delivery) error {
	if d.Key == "" || d.Now.IsZero() || d.TTL <= 0 {
		return s.invalid(op, "key, now and a positive ttl are required")
	}
	return nil
}

func (s *Store) checkRecord(op string, r store.AuditRecord) error {
	if r.At.IsZero() || r.Event == "" {
		return s.invalid(op, "At and Event are required")
	}
	return nil
}

const claimQuery = `INSERT INTO processed_envelopes (envelope_key, seen_at, expires_at)
	VALUES (?, ?, ?)
	ON CONFLICT (envelope_key) DO UPDATE SET seen_at = excluded.seen_at, expires_at = excluded.expires_at
	WHERE processed_envelopes.expires_at <= excluded.seen_at`

// insertSizes are the numbers of records one INSERT statement appends,
// largest first: a batch goes in as few statements as its binary digits
// (400 records: six of 64 and one of 16), each prepared once.
var insertSizes = []int{64, 32, 16, 8, 4, 2, 1}

// insertAuditQuery appends n records and returns their ids.
func insertAuditQuery(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO audit_log (at, event, actor, channel, action, targets,
		params, approval_id, target, outcome, error_kind, okta_request_id, detail) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	}
	b.WriteString(` RETURNING id`)
	return b.String()
}

// claim records d's key as delivered and reports whether this is its first
// delivery within its TTL.
func (s *Store) claim(ctx context.Context, w on, d store.Delivery) (bool, error) {
	// Prune first: a failure then leaves the key unclaimed, so a redelivery
	// can still be processed.
	if _, err := w.exec(ctx, s.d.PruneEnvelopes, s.t(d.Now)); err != nil {
		return false, err
	}
	res, err := w.exec(ctx, claimQuery, txt(d.Key), s.t(d.Now), s.t(d.Now.Add(d.TTL)))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// insertAudit appends records, in order, and returns their ids: a few
// multi-row statements (insertSizes), each one round trip. The ids of one
// statement are handed out in its rows' order (increasing, as the audit
// log's ids are), whatever order RETURNING gives them back in.
func (s *Store) insertAudit(ctx context.Context, w on, records []store.AuditRecord) ([]int64, error) {
	ids := make([]int64, 0, len(records))
	for rest := records; len(rest) > 0; {
		n := 1
		for _, size := range insertSizes {
			if size <= len(rest) {
				n = size
				break
			}
		}
		args := make([]any, 0, 13*n)
		for _, r := range rest[:n] {
			args = append(args, s.t(r.At), txt(r.Event), txt(r.Actor), txt(r.Channel), txt(r.Action), jsonList(r.Targets),
				jsonMap(r.Params), txt(r.ApprovalID), txt(r.Target), txt(r.Outcome), txt(r.ErrorKind),
				txt(r.OktaRequestID), txt(r.Detail))
		}
		got, err := w.ids(ctx, insertAuditQuery(n), args)
		if err != nil {
			return nil, err
		}
		if len(got) != n {
			return nil, fmt.Errorf("%d ids for %d records", len(got), n)
		}
		slices.Sort(got)
		ids = append(ids, got...)
		rest = rest[n:]
	}
	return ids, nil
}

// RecordAll implements store.Recorder.
func (s *Store) RecordAll(ctx context.Context, d store.Delivery, records []store.AuditRecord) (first bool, ids []int64, err error) {
	const op = "record all"
	claim := d != (store.Delivery{})
	if claim {
		if err := s.checkDelivery(op, d); err != nil {
			return false, nil, err
		}
	}
	for _, r := range records {
		if err := s.checkRecord(op, r); err != nil {
			return false, nil, err
		}
	}
	if !claim && len(records) == 0 {
		return true, nil, nil
	}
	if s.d.RecordAll != "" && len(records) > 0 {
		ids, err := s.recordAllAtOnce(ctx, d, records)
		if err != nil {
			return false, nil, s.errorf(op, err)
		}
		if len(ids) == 0 {
			return false, nil, nil
		}
		return true, ids, nil
	}
	err = s.writeTx(ctx, func(ctx context.Context, w on) error {
		first, ids = true, nil
		if claim {
			ok, err := s.claim(ctx, w, d)
			if err != nil || !ok {
				first = false
				return err
			}
		}
		if len(records) == 0 {
			ids = []int64{}
			return nil
		}
		var err error
		ids, err = s.insertAudit(ctx, w, records)
		return err
	})
	if err != nil {
		return false, nil, s.errorf(op, err)
	}
	if !first {
		ids = nil
	}
	return first, ids, nil
}

// recordAllAtOnce is RecordAll in the dialect's one statement: the ids of
// the records appended, none for a redelivery.
func (s *Store) recordAllAtOnce(ctx context.Context, d store.Delivery, records []store.AuditRecord) ([]int64, error) {
	at := make([]time.Time, len(records))
	var cols [12][]string
	for i := range cols {
		cols[i] = make([]string, len(records))
	}
	for i, r := range records {
		at[i] = r.At.UTC().Truncate(time.Microsecond)
		for j, v := range []string{txt(r.Event), txt(r.Actor), txt(r.Channel), txt(r.Action), jsonList(r.Targets),
			jsonMap(r.Params), txt(r.ApprovalID), txt(r.Target), txt(r.Outcome), txt(r.ErrorKind),
			txt(r.OktaRequestID), txt(r.Detail)} {
			cols[j][i] = v
		}
	}
	now, expires := d.Now.UTC().Truncate(time.Microsecond), d.Now.Add(d.TTL).UTC().Truncate(time.Microsecond)
	args := []any{txt(d.Key), now, expires, at}
	for _, c := range cols {
		args = append(args, c)
	}
	var ids []int64
	err := s.write(ctx, func(ctx context.Context, w on) (err error) {
		ids, err = w.ids(ctx, s.d.RecordAll, args)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(ids) != 0 && len(ids) != len(records) {
		return nil, fmt.Errorf("%d ids for %d records", len(ids), len(records))
	}
	slices.Sort(ids)
	return ids, nil
}

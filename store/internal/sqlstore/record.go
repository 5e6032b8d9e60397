package sqlstore

import (
	"context"

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

const (
	claimQuery = `INSERT INTO processed_envelopes (envelope_key, seen_at, expires_at)
		VALUES (?, ?, ?)
		ON CONFLICT (envelope_key) DO UPDATE SET seen_at = excluded.seen_at, expires_at = excluded.expires_at
		WHERE processed_envelopes.expires_at <= excluded.seen_at`
	insertAuditQuery = `INSERT INTO audit_log (at, event, actor, channel, action, targets,
		params, approval_id, target, outcome, error_kind, okta_request_id, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
)

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

// insertAudit appends r and returns its id.
func (s *Store) insertAudit(ctx context.Context, w on, r store.AuditRecord) (int64, error) {
	var id int64
	err := w.scanRow(ctx, insertAuditQuery,
		[]any{s.t(r.At), txt(r.Event), txt(r.Actor), txt(r.Channel), txt(r.Action), jsonList(r.Targets),
			jsonMap(r.Params), txt(r.ApprovalID), txt(r.Target), txt(r.Outcome), txt(r.ErrorKind),
			txt(r.OktaRequestID), txt(r.Detail)}, &id)
	return id, err
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
	err = s.writeTx(ctx, func(ctx context.Context, w on) error {
		first, ids = true, nil
		if claim {
			ok, err := s.claim(ctx, w, d)
			if err != nil || !ok {
				first = false
				return err
			}
		}
		ids = make([]int64, 0, len(records))
		for _, r := range records {
			id, err := s.insertAudit(ctx, w, r)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return false, nil, s.errorf(op, err)
	}
	if !first {
		ids = nil
	}
	return first, ids, nil
}

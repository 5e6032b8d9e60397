package sqlstore

// Audit export and retention.

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"oktabot/store"
)

// deleteBatch bounds one transaction of DeleteAuditBefore, so that it
// does not hold the database for long.
const deleteBatch = 5000

// ExportAudit implements store.Store: keyset pages by (at, id).
func (s *Store) ExportAudit(ctx context.Context, p store.AuditPage) ([]store.AuditRecord, error) {
	const op = "export audit"
	var where []string
	var args []any
	if !p.Since.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, s.t(p.Since))
	}
	if p.AfterID != 0 {
		if p.AfterAt.IsZero() {
			return nil, s.invalid(op, "AfterID without AfterAt")
		}
		where = append(where, "(at > ? OR (at = ? AND id > ?))")
		args = append(args, s.t(p.AfterAt), s.t(p.AfterAt), p.AfterID)
	}
	query := `SELECT ` + auditColumns + ` FROM audit_log`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY at, id LIMIT ?`
	args = append(args, p.PageLimit())
	rows, err := s.rdb.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, s.errorf(op, err)
	}
	out, err := scanAudit(rows)
	if err != nil {
		return nil, s.errorf(op, err)
	}
	return out, nil
}

// scanAudit reads audit rows of auditColumns and closes rows.
func scanAudit(rows *sql.Rows) ([]store.AuditRecord, error) {
	defer rows.Close()
	var out []store.AuditRecord
	for rows.Next() {
		var r store.AuditRecord
		if err := rows.Scan(&r.ID, dbTime{&r.At}, &r.Event, &r.Actor, &r.Channel, &r.Action,
			dbJSON{&r.Targets}, dbJSON{&r.Params}, &r.ApprovalID, &r.Target, &r.Outcome,
			&r.ErrorKind, &r.OktaRequestID, &r.Detail); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteAuditBefore implements store.Store. Each batch is one write (a
// transaction, or a savepoint of SQLite's group commit) that writes the cutoff to audit_retention, which the database's
// append-only trigger reads to let exactly those rows go, deletes, and
// removes the cutoff before committing.
func (s *Store) DeleteAuditBefore(ctx context.Context, before time.Time) (int64, error) {
	const op = "delete audit"
	if before.IsZero() {
		return 0, s.invalid(op, "no cutoff")
	}
	var total int64
	for {
		n, err := s.deleteAuditBatch(ctx, before)
		if err != nil {
			return total, s.errorf(op, err)
		}
		total += n
		if n < deleteBatch {
			return total, nil
		}
	}
}

func (s *Store) deleteAuditBatch(ctx context.Context, before time.Time) (n int64, err error) {
	err = s.writeTx(ctx, func(ctx context.Context, w on) error {
		if _, err := w.exec(ctx, `INSERT INTO audit_retention (cutoff) VALUES (?)`, s.t(before)); err != nil {
			return err
		}
		res, err := w.exec(ctx, `DELETE FROM audit_log WHERE id IN (
			SELECT id FROM audit_log WHERE at < ? ORDER BY at, id LIMIT ?)`, s.t(before), deleteBatch)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = w.exec(ctx, `DELETE FROM audit_retention`)
		return err
	})
	return n, err
}

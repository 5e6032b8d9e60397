// Package sqlstore implements store.Store over database/sql once, for every
// driver: the drivers (store/sqlite, store/postgres) supply a Dialect, the
// connection pool and the migrations. Keeping the state machine in one place
// keeps the drivers' behaviour identical; store/storetest checks that it is.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"oktabot/store"
)

// Dialect is what differs between the SQL databases.
type Dialect struct {
	// Name prefixes errors: "store/sqlite", "store/postgres".
	Name string
	// Numbered placeholders ($1, $2, …) instead of ?.
	Numbered bool
	// UnixMicro stores times as INTEGER microseconds since the Unix epoch
	// (SQLite) instead of as timestamps (PostgreSQL's timestamptz).
	UnixMicro bool
	// MigrationLock, if set, runs first in the migration transaction to keep
	// concurrent migrators apart (PostgreSQL's pg_advisory_xact_lock).
	// SQLite needs none: its migration transaction is BEGIN IMMEDIATE.
	MigrationLock string
	// MigrationsTable creates schema_migrations if it does not exist.
	MigrationsTable string
	// ExpireDue marks due pending approvals expired and returns their
	// ApprovalColumns. Its two parameters are both now (the bound and the
	// new updated_at); it is rewritten for Numbered like every query here.
	ExpireDue string
	// PruneEnvelopes deletes processed-envelope keys expired at its one
	// parameter, now, without waiting on rows another replica is deleting.
	PruneEnvelopes string
	// Now is the database's current time, as a time column stores it:
	// leases are timed by it, never by a replica's clock.
	Now string
	// LeaseEnd is the database's current time plus its one parameter, a
	// number of microseconds, as a time column stores it.
	LeaseEnd string
	// GroupCommit sends the request-path writes through one writer that
	// commits concurrent ones together (write.go): for a database with a
	// single writer and a disk sync per commit (SQLite).
	GroupCommit bool
	// RecordAll, when set, is store.Recorder.RecordAll of one or more
	// records in one statement (one round trip): $1 the delivery's key
	// ('' for none), $2 its now and $3 its expiry, then the records'
	// columns as arrays, in the order of auditColumns without the id ($4
	// at, timestamps; $5 to $16 text, targets and params as JSON). It
	// returns the ids of the records it appended, none for a redelivery
	// (PostgreSQL).
	RecordAll string
	// AuditSync and FullSync, when set, are run on the writer's connection
	// before and after each group commit (GroupCommit), outside its
	// transaction: the request path's writes (delivery ids, audit records)
	// commit with AuditSync's weaker sync, and the connection is back to
	// FullSync, its setting from the start, for every other write
	// (SQLite's PRAGMA synchronous = NORMAL, then FULL).
	AuditSync, FullSync string
}

// Pools are the connection pools a Store uses.
type Pools struct {
	// Write writes approvals (created, decided, claimed, finished): each
	// durable on the disk when its call returns.
	Write *sql.DB
	// Audit, when set, writes the request path's records (delivery ids,
	// audit records), which may be less synced (PostgreSQL's
	// synchronous_commit = off); else Write does (SQLite's group commit
	// relaxes its sync itself: Dialect.AuditSync).
	Audit *sql.DB
	// Read, when set, reads; else Write does. SQLite's readers are
	// connections of their own, so that they never wait for the one
	// writer (WAL lets them read beside it).
	Read *sql.DB
}

// Store implements store.Store on its pools.
type Store struct {
	db, adb, rdb *sql.DB // Pools' Write, Audit and Read
	d            Dialect
	stmts        stmts      // prepared statements (write.go)
	gc           *committer // with d.GroupCommit
}

var _ store.Store = (*Store)(nil)

// New returns a Store on p, whose database must have been migrated
// (Migrate).
func New(p Pools, d Dialect) *Store {
	s := &Store{db: p.Write, adb: p.Audit, rdb: p.Read, d: d}
	if s.adb == nil {
		s.adb = s.db
	}
	if s.rdb == nil {
		s.rdb = s.db
	}
	if d.GroupCommit {
		s.prepare(d.PruneEnvelopes, claimQuery)
		for _, n := range insertSizes {
			s.prepare(insertAuditQuery(n))
		}
		s.gc = newCommitter(s)
	}
	return s
}

// ApprovalColumns lists the approvals table's columns in the order
// scanApproval reads them; dialects use it in their ExpireDue statements.
const ApprovalColumns = `id, action, targets, params, reason, requester_id, requester_channel,
	approver_roles, approval_channel, message_ts, status, created_at, expires_at,
	decided_by, decided_at, deny_reason, lease_owner, lease_until, result, updated_at,
	public_result, target_labels, ` + waitsColumns

const auditColumns = `id, at, event, actor, channel, action, targets, params, approval_id,
	target, outcome, error_kind, okta_request_id, detail`

// Close finishes the writes under way, then closes the pool.
func (s *Store) Close() error {
	if s.gc != nil {
		s.gc.stop()
	}
	s.closeStmts()
	err := s.db.Close()
	for _, db := range []*sql.DB{s.adb, s.rdb} {
		if db != s.db {
			err = errors.Join(err, db.Close())
		}
	}
	return err
}

func (s *Store) errorf(op string, err error) error {
	return fmt.Errorf("%s: %s: %w", s.d.Name, op, err)
}

func (s *Store) invalid(op, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w: %s", s.d.Name, op, store.ErrInvalid, fmt.Sprintf(format, args...))
}

// q rewrites ? placeholders for the dialect. The queries here contain no
// other question marks.
func (s *Store) q(query string) string {
	if !s.d.Numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// t is a required time as a query argument.
func (s *Store) t(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if s.d.UnixMicro {
		return t.UnixMicro()
	}
	return t
}

// txt makes s storable the same way in every database: PostgreSQL refuses
// NUL bytes and invalid UTF-8 in text, SQLite would keep them, so both get
// U+FFFD instead.
func txt(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

func jsonList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	c := make([]string, len(l))
	for i, v := range l {
		c[i] = txt(v)
	}
	b, _ := json.Marshal(c) // a []string always marshals
	return string(b)
}

func jsonMap(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[txt(k)] = txt(v)
	}
	b, _ := json.Marshal(c) // a map[string]string always marshals
	return string(b)
}

// dbTime scans a time stored either way (INTEGER microseconds or a
// timestamp), NULL being the zero time.
type dbTime struct{ t *time.Time }

func (d dbTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.t = time.Time{}
	case int64:
		*d.t = time.UnixMicro(v).UTC()
	case time.Time:
		*d.t = v.UTC()
	default:
		return fmt.Errorf("cannot scan %T into a time", src)
	}
	return nil
}

// dbJSON scans a JSON column (TEXT or jsonb) into a list or map; empty
// lists and maps come back nil.
type dbJSON struct{ v any }

func (d dbJSON) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("cannot scan %T into JSON", src)
	}
	if err := json.Unmarshal(b, d.v); err != nil {
		return err
	}
	switch p := d.v.(type) {
	case *[]string:
		if len(*p) == 0 {
			*p = nil
		}
	case *map[string]string:
		if len(*p) == 0 {
			*p = nil
		}
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

func scanApproval(row scanner) (store.Approval, error) {
	var a store.Approval
	var status string
	err := row.Scan(&a.ID, &a.Action, dbJSON{&a.Targets}, dbJSON{&a.Params}, &a.Reason,
		&a.RequesterID, &a.RequesterChannel, dbJSON{&a.ApproverRoles}, &a.ApprovalChannel,
		&a.MessageTS, &status, dbTime{&a.CreatedAt}, dbTime{&a.ExpiresAt}, &a.DecidedBy,
		dbTime{&a.DecidedAt}, &a.DenyReason, &a.Owner, dbTime{&a.LeaseUntil}, &a.Result,
		dbTime{&a.UpdatedAt}, &a.PublicResult, dbJSON{&a.TargetLabels},
		dbTime{&a.RemindAt}, dbTime{&a.RemindedAt}, dbTime{&a.BreakGlassAt}, dbTime{&a.BreakGlassOfferedAt},
		&a.BrokenGlass, &a.BreakGlassReason, &a.ReviewedBy, dbTime{&a.ReviewedAt}, dbTime{&a.ReviewRemindedAt})
	a.Status = store.Status(status)
	return a, err
}

// queryApprovals runs query on db: s.rdb to read, s.db for a write that
// returns approvals.
func (s *Store) queryApprovals(ctx context.Context, db *sql.DB, query string, args ...any) ([]store.Approval, error) {
	rows, err := db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Approval
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CreateApproval implements store.Store.
func (s *Store) CreateApproval(ctx context.Context, a store.Approval) error {
	const op = "create approval"
	switch {
	case a.ID == "":
		return s.invalid(op, "no id")
	case len(a.ID) > 255:
		return s.invalid(op, "id longer than 255 bytes")
	case a.Action == "":
		return s.invalid(op, "no action")
	case a.RequesterID == "":
		return s.invalid(op, "no requester")
	case a.Status != "" && a.Status != store.StatusPending:
		return s.invalid(op, "status %q, want pending", a.Status)
	case a.CreatedAt.IsZero() || a.ExpiresAt.IsZero():
		return s.invalid(op, "CreatedAt and ExpiresAt are required")
	case !a.ExpiresAt.After(a.CreatedAt):
		return s.invalid(op, "ExpiresAt is not after CreatedAt")
	case len(a.TargetLabels) > 0 && len(a.TargetLabels) != len(a.Targets):
		return s.invalid(op, "%d target labels for %d targets", len(a.TargetLabels), len(a.Targets))
	case a.DecidedBy != "" || !a.DecidedAt.IsZero() || a.DenyReason != "" ||
		a.Owner != "" || !a.LeaseUntil.IsZero() || a.Result != "":
		return s.invalid(op, "a new approval has no decision, owner or result")
	}
	if err := s.checkNewWaits(op, a); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO approvals (`+ApprovalColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, '', NULL, '', '', NULL, '', ?, ?, ?,
			?, NULL, ?, NULL, FALSE, '', '', NULL, NULL)
		ON CONFLICT (id) DO NOTHING`),
		txt(a.ID), txt(a.Action), jsonList(a.Targets), jsonMap(a.Params), txt(a.Reason),
		txt(a.RequesterID), txt(a.RequesterChannel), jsonList(a.ApproverRoles),
		txt(a.ApprovalChannel), txt(a.MessageTS), s.t(a.CreatedAt), s.t(a.ExpiresAt), s.t(a.CreatedAt), a.PublicResult,
		jsonList(a.TargetLabels), s.optT(a.RemindAt), s.optT(a.BreakGlassAt))
	return s.oneRow(op, res, err, store.ErrExists)
}

// GetApproval implements store.Store.
func (s *Store) GetApproval(ctx context.Context, id string) (store.Approval, error) {
	a, err := scanApproval(s.rdb.QueryRowContext(ctx, s.q(`SELECT `+ApprovalColumns+` FROM approvals WHERE id = ?`), txt(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Approval{}, store.ErrNotFound
	}
	if err != nil {
		return store.Approval{}, s.errorf("get approval", err)
	}
	return a, nil
}

// SetApprovalMessage implements store.Store.
func (s *Store) SetApprovalMessage(ctx context.Context, id, channel, ts string) error {
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE approvals SET approval_channel = ?, message_ts = ? WHERE id = ?`),
		txt(channel), txt(ts), txt(id))
	return s.oneRow("set approval message", res, err, store.ErrNotFound)
}

// oneRow turns a write's outcome into nil (one row changed) or none.
func (s *Store) oneRow(op string, res sql.Result, err error, none error) error {
	if err != nil {
		return s.errorf(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.errorf(op, err)
	}
	if n == 0 {
		return none
	}
	return nil
}

// returning runs an UPDATE … RETURNING that changes at most one approval.
// ok is false when it changed none.
func (s *Store) returning(ctx context.Context, query string, args ...any) (a store.Approval, ok bool, err error) {
	a, err = scanApproval(s.db.QueryRowContext(ctx, s.q(query+` RETURNING `+ApprovalColumns), args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Approval{}, false, nil
	}
	return a, err == nil, err
}

// Approve implements store.Store.
func (s *Store) Approve(ctx context.Context, id, by string, now time.Time) (store.Approval, error) {
	const op = "approve"
	if id == "" || by == "" || now.IsZero() {
		return store.Approval{}, s.invalid(op, "id, approver and now are required")
	}
	a, ok, err := s.returning(ctx, `UPDATE approvals
		SET status = 'approved', decided_by = ?, decided_at = ?, updated_at = ?
		WHERE id = ? AND status = 'pending' AND expires_at > ? AND requester_id <> ?`,
		txt(by), s.t(now), s.t(now), txt(id), s.t(now), txt(by))
	if err != nil {
		return store.Approval{}, s.errorf(op, err)
	}
	if ok {
		return a, nil
	}
	return s.lostDecision(ctx, op, id, by, now, true)
}

// Deny implements store.Store.
func (s *Store) Deny(ctx context.Context, id, by, reason string, now time.Time) (store.Approval, error) {
	const op = "deny"
	if id == "" || by == "" || now.IsZero() {
		return store.Approval{}, s.invalid(op, "id, denier and now are required")
	}
	a, ok, err := s.returning(ctx, `UPDATE approvals
		SET status = 'denied', decided_by = ?, decided_at = ?, deny_reason = ?, updated_at = ?
		WHERE id = ? AND status = 'pending' AND expires_at > ?`,
		txt(by), s.t(now), txt(reason), s.t(now), txt(id), s.t(now))
	if err != nil {
		return store.Approval{}, s.errorf(op, err)
	}
	if ok {
		return a, nil
	}
	return s.lostDecision(ctx, op, id, by, now, false)
}

// lostDecision explains why a decision changed nothing: the approval was
// due (then this call marks it expired, itself a compare-and-set), is gone,
// was decided before, or is the approver's own request.
func (s *Store) lostDecision(ctx context.Context, op, id, by string, now time.Time, approving bool) (store.Approval, error) {
	a, ok, err := s.returning(ctx, `UPDATE approvals SET status = 'expired', updated_at = ?
		WHERE id = ? AND status = 'pending' AND expires_at <= ?`,
		s.t(now), txt(id), s.t(now))
	if err != nil {
		return store.Approval{}, s.errorf(op, err)
	}
	if ok {
		return a, store.ErrExpired
	}
	a, err = s.GetApproval(ctx, id)
	if err != nil {
		return store.Approval{}, err
	}
	if approving && a.Status == store.StatusPending && a.RequesterID == txt(by) {
		return a, store.ErrSelfApproval
	}
	return a, store.ErrAlreadyDecided
}

// Claim implements store.Store.
func (s *Store) Claim(ctx context.Context, id, owner string, lease time.Duration) (store.Approval, error) {
	const op = "claim"
	if id == "" || owner == "" {
		return store.Approval{}, s.invalid(op, "id and owner are required")
	}
	if lease < time.Microsecond {
		return store.Approval{}, s.invalid(op, "lease %v is not positive", lease)
	}
	a, ok, err := s.returning(ctx, `UPDATE approvals
		SET status = 'running', lease_owner = ?, lease_until = `+s.d.LeaseEnd+`, updated_at = `+s.d.Now+`
		WHERE id = ? AND (status = 'approved' OR (status = 'running' AND lease_until <= `+s.d.Now+`))`,
		txt(owner), lease.Microseconds(), txt(id))
	if err != nil {
		return store.Approval{}, s.errorf(op, err)
	}
	if ok {
		return a, nil
	}
	a, err = s.GetApproval(ctx, id)
	if err != nil {
		return store.Approval{}, err
	}
	return a, store.ErrNotClaimable
}

// ExtendLease implements store.Store. A lease that has lapsed is not
// extended: another replica may have claimed the work since.
func (s *Store) ExtendLease(ctx context.Context, id, owner string, lease time.Duration) error {
	const op = "extend lease"
	if id == "" || owner == "" {
		return s.invalid(op, "id and owner are required")
	}
	if lease < time.Microsecond {
		return s.invalid(op, "lease %v is not positive", lease)
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE approvals SET lease_until = `+s.d.LeaseEnd+`
		WHERE id = ? AND status = 'running' AND lease_owner = ? AND lease_until > `+s.d.Now),
		lease.Microseconds(), txt(id), txt(owner))
	return s.notHeld(ctx, op, id, s.oneRow(op, res, err, store.ErrNotClaimable))
}

// notHeld turns ErrNotClaimable into ErrNotFound when there is no approval.
func (s *Store) notHeld(ctx context.Context, op, id string, err error) error {
	if !errors.Is(err, store.ErrNotClaimable) {
		return err
	}
	if _, gerr := s.GetApproval(ctx, id); gerr != nil {
		return gerr
	}
	return err
}

// Finish implements store.Store.
func (s *Store) Finish(ctx context.Context, id, owner string, status store.Status, result string, now time.Time) error {
	const op = "finish"
	if id == "" || owner == "" || now.IsZero() {
		return s.invalid(op, "id, owner and now are required")
	}
	if status != store.StatusDone && status != store.StatusFailed {
		return s.invalid(op, "status %q, want done or failed", status)
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE approvals SET status = ?, result = ?, updated_at = ?
		WHERE id = ? AND status = 'running' AND lease_owner = ?`),
		string(status), txt(result), s.t(now), txt(id), txt(owner))
	return s.notHeld(ctx, op, id, s.oneRow(op, res, err, store.ErrNotClaimable))
}

// Recoverable implements store.Store.
func (s *Store) Recoverable(ctx context.Context) ([]store.Approval, error) {
	out, err := s.queryApprovals(ctx, s.rdb, `SELECT `+ApprovalColumns+` FROM approvals
		WHERE status = 'approved' OR (status = 'running' AND lease_until <= `+s.d.Now+`)
		ORDER BY created_at, id`)
	if err != nil {
		return nil, s.errorf("recoverable", err)
	}
	return out, nil
}

// ExpireDue implements store.Store.
func (s *Store) ExpireDue(ctx context.Context, now time.Time) ([]store.Approval, error) {
	if now.IsZero() {
		return nil, s.invalid("expire due", "now is required")
	}
	out, err := s.queryApprovals(ctx, s.db, s.d.ExpireDue, s.t(now), s.t(now))
	if err != nil {
		return nil, s.errorf("expire due", err)
	}
	slices.SortFunc(out, func(a, b store.Approval) int {
		if c := a.ExpiresAt.Compare(b.ExpiresAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// CountPending implements store.Store.
func (s *Store) CountPending(ctx context.Context) (int, error) {
	var n int
	if err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM approvals WHERE status = 'pending'`).Scan(&n); err != nil {
		return 0, s.errorf("count pending", err)
	}
	return n, nil
}

// FirstDelivery implements store.Store.
func (s *Store) FirstDelivery(ctx context.Context, key string, now time.Time, ttl time.Duration) (bool, error) {
	const op = "first delivery"
	d := store.Delivery{Key: key, Now: now, TTL: ttl}
	if err := s.checkDelivery(op, d); err != nil {
		return false, err
	}
	var first bool
	err := s.write(ctx, func(ctx context.Context, w on) (err error) {
		first, err = s.claim(ctx, w, d)
		return err
	})
	if err != nil {
		return false, s.errorf(op, err)
	}
	return first, nil
}

// AppendAudit implements store.Store.
func (s *Store) AppendAudit(ctx context.Context, r store.AuditRecord) (int64, error) {
	const op = "append audit"
	if err := s.checkRecord(op, r); err != nil {
		return 0, err
	}
	var ids []int64
	err := s.write(ctx, func(ctx context.Context, w on) (err error) {
		ids, err = s.insertAudit(ctx, w, []store.AuditRecord{r})
		return err
	})
	if err != nil {
		return 0, s.errorf(op, err)
	}
	return ids[0], nil
}

// ListAudit implements store.Store.
func (s *Store) ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditRecord, error) {
	var where []string
	var args []any
	if f.ID != 0 {
		where = append(where, "id = ?")
		args = append(args, f.ID)
	}
	if f.ApprovalID != "" {
		where = append(where, "approval_id = ?")
		args = append(args, txt(f.ApprovalID))
	}
	if len(f.Actors) > 0 {
		marks := make([]string, len(f.Actors))
		for i, a := range f.Actors {
			marks[i] = "?"
			args = append(args, txt(a))
		}
		where = append(where, "actor IN ("+strings.Join(marks, ", ")+")")
	}
	if f.Action != "" {
		where = append(where, "action = ?")
		args = append(args, txt(f.Action))
	}
	if !f.Before.IsZero() {
		where = append(where, "at < ?")
		args = append(args, s.t(f.Before))
	}
	query := `SELECT ` + auditColumns + ` FROM audit_log`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	query += ` ORDER BY at DESC, id DESC LIMIT ?`
	args = append(args, f.AuditLimit())

	rows, err := s.rdb.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, s.errorf("list audit", err)
	}
	defer rows.Close()
	var out []store.AuditRecord
	for rows.Next() {
		var r store.AuditRecord
		if err := rows.Scan(&r.ID, dbTime{&r.At}, &r.Event, &r.Actor, &r.Channel, &r.Action,
			dbJSON{&r.Targets}, dbJSON{&r.Params}, &r.ApprovalID, &r.Target, &r.Outcome,
			&r.ErrorKind, &r.OktaRequestID, &r.Detail); err != nil {
			return nil, s.errorf("list audit", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("list audit", err)
	}
	return out, nil
}

// Package postgres is the shared store.Store: several replicas of the bot on
// one PostgreSQL database, through pgx v5. Every transition is a single
// compare-and-set statement, so exactly one replica performs it.
//
// Tables live in the connection's current schema: set search_path in the
// URL (…?search_path=oktabot) to keep them apart from others.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"oktabot/store"
	"oktabot/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockKey is the pg_advisory_xact_lock key that keeps replicas
// starting at once from migrating together ("oktabot" in ASCII).
const migrationLockKey = 0x6f6b7461626f74

var dialect = sqlstore.Dialect{
	Name:          "store/postgres",
	Numbered:      true,
	MigrationLock: fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, migrationLockKey),
	MigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`,
	// Rows are locked in id order and rows another replica is expiring
	// right now are skipped, so concurrent callers neither deadlock nor
	// return the same approval twice.
	ExpireDue: `WITH due AS (
			SELECT id AS due_id FROM approvals
			WHERE status = 'pending' AND expires_at <= ?
			ORDER BY id FOR UPDATE SKIP LOCKED
		)
		UPDATE approvals SET status = 'expired', updated_at = ?
		FROM due WHERE id = due_id AND status = 'pending'
		RETURNING ` + sqlstore.ApprovalColumns,
	// In expiry order, so that the scan (a plan made once for every
	// value of ?) stops at the first key not expired instead of reading
	// every key; rows other replicas are pruning are skipped, never
	// waited for.
	PruneEnvelopes: `DELETE FROM processed_envelopes WHERE envelope_key IN (
			SELECT envelope_key FROM processed_envelopes WHERE expires_at <= ?
			ORDER BY expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED
		)`,
	// The server's clock, one for every replica.
	Now:      `now()`,
	LeaseEnd: `(now() + ?::bigint * interval '1 microsecond')`,
	// One statement, one round trip: the delivery's claim (and a prune of
	// expired keys other than it), and the records if the claim holds,
	// inserted in the arrays' order.
	RecordAll: `WITH claimed AS (
			INSERT INTO processed_envelopes (envelope_key, seen_at, expires_at)
			SELECT $1::text, $2::timestamptz, $3::timestamptz WHERE $1::text <> ''
			ON CONFLICT (envelope_key) DO UPDATE SET seen_at = excluded.seen_at, expires_at = excluded.expires_at
			WHERE processed_envelopes.expires_at <= excluded.seen_at
			RETURNING 1
		), pruned AS (
			DELETE FROM processed_envelopes WHERE envelope_key IN (
				SELECT envelope_key FROM processed_envelopes
				WHERE $1::text <> '' AND expires_at <= $2::timestamptz AND envelope_key <> $1::text
				ORDER BY expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
		)
		INSERT INTO audit_log (at, event, actor, channel, action, targets, params, approval_id,
			target, outcome, error_kind, okta_request_id, detail)
		SELECT at, event, actor, channel, action, targets::jsonb, params::jsonb, approval_id,
			target, outcome, error_kind, okta_request_id, detail
		FROM unnest($4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
			$11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
			WITH ORDINALITY AS r (at, event, actor, channel, action, targets, params, approval_id,
				target, outcome, error_kind, okta_request_id, detail, n)
		WHERE $1::text = '' OR EXISTS (SELECT 1 FROM claimed)
		ORDER BY n
		RETURNING id`,
}

// Pool sizes, per replica: approvals' writes are few; the request path's
// writes and the reads have their own, so that neither waits for the
// other's connections.
const (
	writeConns = 4
	auditConns = 10
	readConns  = 4
)

// Open connects to the PostgreSQL database at dbURL (postgres:// or
// postgresql://) and applies the embedded migrations. Errors never contain
// the URL's password.
func Open(ctx context.Context, dbURL string) (store.Store, error) {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return nil, redacted(dbURL, fmt.Errorf("store/postgres: invalid database URL: %w", err))
	}
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	migrations, err := sqlstore.LoadMigrations(sub)
	if err != nil {
		return nil, fmt.Errorf("store/postgres: %w", err)
	}
	p := pools(cfg)
	if err := p.Write.PingContext(ctx); err != nil {
		closeAll(p)
		return nil, redacted(dbURL, fmt.Errorf("store/postgres: connect: %w", err))
	}
	if err := sqlstore.Migrate(ctx, p.Write, dialect, migrations); err != nil {
		closeAll(p)
		return nil, redacted(dbURL, err)
	}
	return sqlstore.New(p, dialect), nil
}

// pools are a Store's connections to cfg's database. The request path's
// writes (delivery ids, audit records) commit without waiting for their
// WAL to reach the disk (synchronous_commit = off): a crash of the server
// may lose the last moments of them (at most three times
// wal_writer_delay), never corrupt anything, and every fully synced commit
// after them (any approval's) flushes them too. Readers read only.
func pools(cfg *pgx.ConnConfig) sqlstore.Pools {
	acfg := cfg.Copy()
	acfg.RuntimeParams["synchronous_commit"] = "off"
	rcfg := cfg.Copy()
	rcfg.RuntimeParams["default_transaction_read_only"] = "on"
	return sqlstore.Pools{Write: pool(cfg, writeConns), Audit: pool(acfg, auditConns), Read: pool(rcfg, readConns)}
}

// pool is a connection pool on cfg of at most n connections.
func pool(cfg *pgx.ConnConfig, n int) *sql.DB {
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	return db
}

func closeAll(p sqlstore.Pools) {
	for _, db := range []*sql.DB{p.Write, p.Audit, p.Read} {
		db.Close()
	}
}

// redacted returns err, or, if its text contains the password in rawURL, an
// error with the password masked (and nothing to unwrap to the original).
func redacted(rawURL string, err error) error {
	pw := password(rawURL)
	if pw == "" {
		return err
	}
	msg := err.Error()
	masked := msg
	for _, p := range []string{pw, url.QueryEscape(pw), url.PathEscape(pw)} {
		masked = strings.ReplaceAll(masked, p, "xxxxx")
	}
	if masked == msg {
		return err
	}
	return errors.New(masked)
}

// password finds the password in a postgres URL, also when the URL does not
// parse (then everything between the user's colon and the last @).
func password(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil && u.Scheme != "" {
		if pw, ok := u.User.Password(); ok {
			return pw
		}
		return u.Query().Get("password")
	}
	_, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return passwordKV(rawURL)
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return ""
	}
	_, pw, ok := strings.Cut(rest[:at], ":")
	if !ok {
		return ""
	}
	return pw
}

// passwordKV finds password=… in a key/value connection string.
func passwordKV(conn string) string {
	for _, f := range strings.Fields(conn) {
		if v, ok := strings.CutPrefix(f, "password="); ok {
			return strings.Trim(v, `'`)
		}
	}
	return ""
}

// Package postgres is the shared store.Store: several replicas of the bot on
// one PostgreSQL database, through pgx v5. Every transition is a single
// compare-and-set statement, so exactly one replica performs it.
//
// Tables live in the connection's current schema: set search_path in the
// URL (…?search_path=oktabot) to keep them apart from others.
package postgres

import (
	"context"
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
	PruneEnvelopes: `DELETE FROM processed_envelopes WHERE envelope_key IN (
			SELECT envelope_key FROM processed_envelopes WHERE expires_at <= ?
			ORDER BY envelope_key LIMIT 1000 FOR UPDATE SKIP LOCKED
		)`,
	// The server's clock, one for every replica.
	Now:      `now()`,
	LeaseEnd: `(now() + ?::bigint * interval '1 microsecond')`,
}

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
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(10)
	db.SetMaxIdleConns(5)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, redacted(dbURL, fmt.Errorf("store/postgres: connect: %w", err))
	}
	if err := sqlstore.Migrate(ctx, db, dialect, migrations); err != nil {
		db.Close()
		return nil, redacted(dbURL, err)
	}
	return sqlstore.New(db, dialect), nil
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

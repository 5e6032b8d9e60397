// Package sqlite is the embedded store.Store: one SQLite file, through
// modernc.org/sqlite (pure Go, so the binary stays static). It is the default
// for a single replica; several replicas share a PostgreSQL (store/postgres).
//
// The database runs in WAL mode with a 5 s busy timeout. Each Store keeps
// one connection to write, so its writes are serialised, and a few of its
// own to read, which WAL lets read beside the writer without waiting for
// it. The request path's writes (processed envelope ids, audit records)
// that arrive together are committed together, in one transaction, by one
// writer (sqlstore's group commit), with synchronous=NORMAL: committed
// (they survive the process crashing) but not synced to the disk, which
// happens at the next checkpoint or at the next fully synced commit, so
// that a power loss may take the last moments of them back. Every other
// write (approvals: created, decided, claimed, finished) commits with
// synchronous=FULL, its WAL synced to the disk before it returns, which
// also syncs every commit before it. A power loss never corrupts the
// database in WAL mode.
// Every transition is a single compare-and-set statement, so two processes
// on the same file (which the tests do, to model replicas) still see each
// transition happen once.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"oktabot/store"
	"oktabot/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

var dialect = sqlstore.Dialect{
	Name:      "store/sqlite",
	UnixMicro: true,
	MigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
	)`,
	ExpireDue: `UPDATE approvals SET status = 'expired', updated_at = ?2
		WHERE status = 'pending' AND expires_at <= ?1
		RETURNING ` + sqlstore.ApprovalColumns,
	PruneEnvelopes: `DELETE FROM processed_envelopes WHERE expires_at <= ?`,
	// SQLite's clock is its one process's (millisecond precision), in
	// microseconds like every stored time.
	Now:      sqliteNow,
	LeaseEnd: `(` + sqliteNow + ` + ?)`,
	// One writer with a disk sync per commit: commit concurrent writes
	// together, and without a sync of their own.
	GroupCommit: true,
	AuditSync:   `PRAGMA synchronous = NORMAL`,
	FullSync:    `PRAGMA synchronous = FULL`,
}

// The connections' options: one to write, readers to read.
const (
	writerOptions = "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"
	readerOptions = "?_pragma=busy_timeout(5000)&_pragma=query_only(1)"
	readers       = 4
)

const sqliteNow = `CAST(unixepoch('subsec') * 1000000 AS INTEGER)`

// Open opens (creating if need be) the SQLite database at path, a file
// name, and applies the embedded migrations.
func Open(ctx context.Context, path string) (store.Store, error) {
	if path == "" {
		return nil, errors.New("store/sqlite: no database path")
	}
	if strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") || path == ":memory:" {
		return nil, fmt.Errorf("store/sqlite: database path %q: want a plain file name (no ?, # or file: URI, not :memory:)", path)
	}
	migrations, err := loadMigrations()
	if err != nil {
		return nil, err
	}
	if err := checkWritable(path); err != nil {
		return nil, err
	}
	// busy_timeout first, so that switching to WAL waits for other openers;
	// _txlock=immediate makes every transaction (the migration) take the
	// write lock at BEGIN instead of failing to upgrade later. Every write
	// is fully synced unless the group commit says otherwise.
	db, err := sql.Open("sqlite", path+writerOptions)
	if err != nil {
		return nil, fmt.Errorf("store/sqlite: open %s: %w", path, err)
	}
	// One connection: SQLite has one writer at a time anyway, and this way
	// writes queue in Go instead of spinning on SQLITE_BUSY.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	if err := sqlstore.Migrate(ctx, db, dialect, migrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w (database %s)", err, path)
	}
	// The readers: the file is in WAL mode by now (a setting the file
	// keeps), and query_only refuses any write through them.
	rdb, err := sql.Open("sqlite", path+readerOptions)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store/sqlite: open %s: %w", path, err)
	}
	rdb.SetMaxOpenConns(readers)
	rdb.SetMaxIdleConns(readers)
	rdb.SetConnMaxIdleTime(0)
	rdb.SetConnMaxLifetime(0)
	return sqlstore.New(sqlstore.Pools{Write: db, Read: rdb}, dialect), nil
}

// checkWritable makes sure the database file and its directory can be
// written (in WAL mode SQLite creates path-wal and path-shm beside the
// file), so that the error names the path and the reason rather than
// SQLite's "unable to open database file (14)". A new file is created
// readable by its owner only.
func checkWritable(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return openProblem(path, err)
	}
	f.Close()
	probe, err := os.CreateTemp(filepath.Dir(path), ".oktabot-probe-*")
	if err != nil {
		return openProblem(path, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// openProblem says why the database at path cannot be opened for writing.
func openProblem(path string, err error) error {
	dir := filepath.Dir(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("store/sqlite: cannot create the database %s: the directory %s does not exist", path, dir)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("store/sqlite: cannot write the database %s: permission denied: the file and its directory %s must be writable by this process (uid %d, gid %d)",
			path, dir, os.Getuid(), os.Getgid())
	case errors.Is(err, syscall.EROFS):
		return fmt.Errorf("store/sqlite: cannot write the database %s: %s is on a read-only file system; mount a writable volume there", path, dir)
	case errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("store/sqlite: cannot create the database %s: a part of %s is not a directory", path, dir)
	case errors.Is(err, syscall.EISDIR):
		return fmt.Errorf("store/sqlite: the database path %s is a directory; give a file name in it", path)
	}
	return fmt.Errorf("store/sqlite: cannot open the database %s: %w", path, err)
}

func loadMigrations() ([]sqlstore.Migration, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	ms, err := sqlstore.LoadMigrations(sub)
	if err != nil {
		return nil, fmt.Errorf("store/sqlite: %w", err)
	}
	return ms, nil
}

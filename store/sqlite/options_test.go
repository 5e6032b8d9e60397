package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// The writer's connection is fully synced, in WAL mode, unless the
// dialect's group commit relaxes it; the readers cannot write.
func TestConnectionOptions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "oktabot.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	pragma := func(db *sql.DB, name string) string {
		t.Helper()
		var v string
		if err := db.QueryRow(`PRAGMA ` + name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	w, err := sql.Open("sqlite", path+writerOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.SetMaxOpenConns(1)
	if got := pragma(w, "journal_mode") + " " + pragma(w, "synchronous"); got != "wal 2" {
		t.Errorf("writer: journal_mode, synchronous = %s; want wal 2 (FULL)", got)
	}
	for want, stmt := range map[string]string{"1": dialect.AuditSync, "2": dialect.FullSync} {
		if _, err := w.Exec(stmt); err != nil {
			t.Fatal(err)
		}
		if got := pragma(w, "synchronous"); got != want {
			t.Errorf("after %s: synchronous = %s, want %s", stmt, got, want)
		}
	}
	r, err := sql.Open("sqlite", path+readerOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Exec(`DELETE FROM processed_envelopes`); err == nil {
		t.Error("a reader wrote")
	}
}

package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"oktabot/store"
	"oktabot/store/sqlite"
	"oktabot/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func() (store.Store, error) {
		path := filepath.Join(t.TempDir(), "oktabot.db")
		return func() (store.Store, error) { return sqlite.Open(context.Background(), path) }
	})
}

// raw opens the file without the store, to look at what it wrote.
func raw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openClose(t *testing.T, path string) {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestMigrationsAppliedOnceInWALMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "oktabot.db")
	openClose(t, path)
	openClose(t, path)
	db := raw(t, path)

	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode %q, want wal", mode)
	}
	rows, err := db.Query(`SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			t.Fatal(err)
		}
		got = append(got, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"0001_init", "0002_public_result", "0003_target_labels", "0004_audit_retention", "0005_break_glass", "0006_grants", "0007_grants_by_request", "0008_push_locks"}, got); d != "" {
		t.Errorf("schema_migrations (-want +got):\n%s", d)
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "oktabot.db")
	openClose(t, path)
	db := raw(t, path)
	if _, err := db.Exec(`INSERT INTO audit_log (at, event) VALUES (1, 'outcome')`); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE audit_log SET detail = 'rewritten'`, `DELETE FROM audit_log`, `DELETE FROM audit_log WHERE at < 100`} {
		_, err := db.Exec(q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: error %v, want append-only", q, err)
		}
	}
}

func TestOpenRejectsNonPaths(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:oktabot.db", "oktabot.db?mode=ro", "a#b"} {
		if s, err := sqlite.Open(context.Background(), p); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", p)
		}
	}
}

func TestOpenFailsOnUnwritableDirectory(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(tmp, "ro")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, path string
		want       []string
	}{
		{"missing directory", filepath.Join(tmp, "missing", "oktabot.db"), []string{"the directory " + filepath.Join(tmp, "missing") + " does not exist"}},
		{"file as directory", filepath.Join(file, "oktabot.db"), []string{"not a directory"}},
		{"directory as file", tmp, []string{"is a directory"}},
		{"unwritable directory", filepath.Join(readOnly, "oktabot.db"), []string{"permission denied", readOnly, "writable by this process (uid "}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "unwritable directory" && os.Geteuid() == 0 {
				t.Skip("root writes anywhere")
			}
			s, err := sqlite.Open(context.Background(), tt.path)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded", tt.path)
			}
			for _, w := range append(tt.want, tt.path) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Open(%s) = %q, want it to contain %q", tt.path, err, w)
				}
			}
		})
	}
}

// A database written before a migration existed is upgraded in place at
// open, and its rows read back with the new column's default.
func TestOlderDatabaseIsUpgraded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "oktabot.db")
	openClose(t, path)
	db := raw(t, path)
	// Back to the schema of 0001_init alone, holding one pending request.
	for _, q := range []string{
		`ALTER TABLE approvals DROP COLUMN public_result`,
		`ALTER TABLE approvals DROP COLUMN target_labels`,
		`DELETE FROM schema_migrations WHERE version IN (2, 3)`,
		`INSERT INTO approvals (id, action, requester_id, status, created_at, expires_at, updated_at)
			VALUES ('old1', 'disable-user', 'UREQ', 'pending', 1, 3600000001, 1)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	a, err := s.GetApproval(context.Background(), "old1")
	if err != nil {
		t.Fatalf("GetApproval: %v", err)
	}
	if a.Status != store.StatusPending || a.Action != "disable-user" || a.PublicResult || a.TargetLabels != nil {
		t.Errorf("old request after upgrade: %+v", a)
	}
}

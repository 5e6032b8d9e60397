package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// A group of writes commits together, and a write that fails within it is
// rolled back alone (all of its statements) and gets its own error.
func TestGroupCommitKeepsEachWritesResult(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "g.db")+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (x INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	s := New(Pools{Write: db}, Dialect{Name: "test", GroupCommit: true})
	ctx := context.Background()

	// Hold the writer so that the next writes queue up as one group.
	hold, held := make(chan struct{}), make(chan struct{})
	go func() {
		_ = s.write(ctx, func(context.Context, on) error { close(held); <-hold; return nil })
	}()
	<-held
	before := s.gc.commits

	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.write(ctx, func(ctx context.Context, w on) error {
				if _, err := w.exec(ctx, `INSERT INTO t (x) VALUES (?)`, 100+i); err != nil {
					return err
				}
				if i == 7 {
					// A second statement that fails (its own row again,
					// whatever order the group runs in): the first is
					// undone too.
					_, err := w.exec(ctx, `INSERT INTO t (x) VALUES (?)`, 107)
					return err
				}
				return nil
			})
		}()
	}
	// Let the writes queue (they wait on the writer), then release it.
	// Were some still on their way, they would only group less.
	time.Sleep(300 * time.Millisecond)
	close(hold)
	wg.Wait()

	for i, err := range errs {
		if i == 7 {
			if err == nil {
				t.Error("the failing write reported success")
			}
			continue
		}
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	var count int
	if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != n-1 {
		t.Errorf("%d rows, want %d (all but the failed write's)", count, n-1)
	}
	var x int
	if err := db.QueryRow(`SELECT count(*) FROM t WHERE x = 107`).Scan(&x); err != nil || x != 0 {
		t.Errorf("the failed write's first row is there (%d, %v)", x, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := s.gc.commits - before; got >= n {
		t.Errorf("%d commits for %d writes queued together, want them grouped", got, n)
	}
	if err := s.write(ctx, func(context.Context, on) error { return nil }); !errors.Is(err, errClosed) {
		t.Errorf("write after Close: %v, want errClosed", err)
	}
}

// openSQLite opens a SQLite file the way store/sqlite does: in WAL mode,
// fully synced unless a group commit says otherwise, one connection to
// write and others to read.
func openSQLite(t *testing.T) (db, rdb *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE approvals (status TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	rdb, err = sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)&_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	return db, rdb
}

var syncDialect = Dialect{Name: "test", GroupCommit: true,
	AuditSync: `PRAGMA synchronous = NORMAL`, FullSync: `PRAGMA synchronous = FULL`}

// synchronous is the connection's PRAGMA synchronous: 1 NORMAL, 2 FULL.
func synchronous(t *testing.T, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) int {
	t.Helper()
	var n int
	if err := q.QueryRowContext(context.Background(), `PRAGMA synchronous`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The request path's group commits run with the dialect's AuditSync, and
// every other write on the one connection with FullSync: it is set back
// after each group, whether its writes succeeded or failed.
func TestOnlyGroupCommitsAreLessSynced(t *testing.T) {
	db, rdb := openSQLite(t)
	s := New(Pools{Write: db, Read: rdb}, syncDialect)
	defer s.Close()
	ctx := context.Background()
	if n := synchronous(t, db); n != 2 {
		t.Fatalf("synchronous = %d before any write, want 2 (FULL)", n)
	}
	for _, fail := range []bool{false, true} {
		var inside int
		err := s.write(ctx, func(ctx context.Context, w on) error {
			inside = synchronous(t, w.tx)
			if _, err := w.tx.ExecContext(ctx, `INSERT INTO approvals (status) VALUES ('pending')`); err != nil {
				return err
			}
			if fail {
				return errors.New("refused")
			}
			return nil
		})
		if (err != nil) != fail {
			t.Errorf("write (failing %v): %v", fail, err)
		}
		if inside != 1 {
			t.Errorf("group commit (failing %v) ran with synchronous = %d, want 1 (NORMAL)", fail, inside)
		}
		// The approvals' writes, on the pool's one connection.
		if n := synchronous(t, db); n != 2 {
			t.Errorf("after a group commit (failing %v): synchronous = %d, want 2 (FULL)", fail, n)
		}
	}
	if n, err := s.CountPending(ctx); n != 1 || err != nil {
		t.Errorf("CountPending = %d, %v; want the one committed write", n, err)
	}
}

// Reads go through connections of their own: they are answered while the
// writer is busy.
func TestReadsDoNotWaitForTheWriter(t *testing.T) {
	db, rdb := openSQLite(t)
	s := New(Pools{Write: db, Read: rdb}, syncDialect)
	defer s.Close()
	ctx := context.Background()
	if _, err := db.Exec(`INSERT INTO approvals (status) VALUES ('pending')`); err != nil {
		t.Fatal(err)
	}
	hold, held := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.write(ctx, func(ctx context.Context, w on) error {
			if _, err := w.tx.ExecContext(ctx, `INSERT INTO approvals (status) VALUES ('pending')`); err != nil {
				return err
			}
			close(held)
			<-hold
			return nil
		})
	}()
	<-held
	// The writer holds the one write connection, in a transaction.
	if n, err := s.CountPending(ctx); n != 1 || err != nil {
		t.Errorf("CountPending while the writer is busy = %d, %v; want 1 (the committed row)", n, err)
	}
	close(hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountPending(ctx); n != 2 || err != nil {
		t.Errorf("CountPending after the write = %d, %v; want 2", n, err)
	}
}

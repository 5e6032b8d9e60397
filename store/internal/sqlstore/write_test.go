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
	s := New(db, Dialect{Name: "test", GroupCommit: true})
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
					// A second statement that fails: the first is undone too.
					_, err := w.exec(ctx, `INSERT INTO t (x) VALUES (?)`, 100)
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

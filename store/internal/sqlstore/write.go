package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync"
)

// Prepared statements and group commit.
//
// With Dialect.GroupCommit (SQLite: one connection, one writer, a disk
// sync per transaction), the fixed queries of the request path are
// prepared once per Store and reused in every transaction, so that SQLite
// does not parse them again on every call (PostgreSQL's driver, pgx,
// prepares and keeps every statement per connection by itself), and the
// request-path writes (FirstDelivery, AppendAudit, RecordAll,
// DeleteAuditBefore) go to a single writer goroutine. It takes every
// write queued while the previous transaction was committing and runs
// them in one transaction, each inside its own savepoint: a write that
// fails is rolled back alone and gets its own error, the others commit
// together, and each caller returns only once its write is committed (or
// has failed). When nothing else is queued a write is committed alone, at
// once: there is no added delay. PostgreSQL needs none of this: its pool
// lets writes run side by side and its commits share WAL flushes by
// themselves.

// maxGroup bounds one group commit.
const maxGroup = 256

// errClosed is a write's error once the Store is closed.
var errClosed = errors.New("store closed")

// stmts caches prepared statements by (rewritten) query text.
type stmts struct {
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	closed bool
}

// prepare prepares queries on the request path's pool, ahead of the
// transactions that use them; one that fails runs unprepared.
func (s *Store) prepare(queries ...string) {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	for _, q := range queries {
		q = s.q(q)
		if s.stmts.closed || s.stmts.m[q] != nil {
			continue
		}
		st, err := s.adb.PrepareContext(context.Background(), q)
		if err != nil {
			continue
		}
		if s.stmts.m == nil {
			s.stmts.m = map[string]*sql.Stmt{}
		}
		s.stmts.m[q] = st
	}
}

func (s *Store) closeStmts() {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	s.stmts.closed = true
	for _, st := range s.stmts.m {
		st.Close()
	}
	s.stmts.m = nil
}

// cached is query's prepared statement if there is one.
func (s *Store) cached(query string) *sql.Stmt {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	return s.stmts.m[s.q(query)]
}

// on is where a write's statements run: in a transaction, or, with tx
// nil, on the pool db (each statement its own transaction).
type on struct {
	s  *Store
	db *sql.DB
	tx *sql.Tx
}

func (o on) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if o.tx == nil {
		return o.db.ExecContext(ctx, o.s.q(query), args...)
	}
	if st := o.s.cached(query); st != nil {
		// On the connection the statement is already prepared on, this
		// reuses it; the transaction closes it.
		return o.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return o.tx.ExecContext(ctx, o.s.q(query), args...)
}

// ids runs query, which returns one integer column, and returns its rows.
func (o on) ids(ctx context.Context, query string, args []any) ([]int64, error) {
	var rows *sql.Rows
	var err error
	switch st := o.s.cached(query); {
	case o.tx == nil:
		rows, err = o.db.QueryContext(ctx, o.s.q(query), args...)
	case st != nil:
		rows, err = o.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	default:
		rows, err = o.tx.QueryContext(ctx, o.s.q(query), args...)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// write runs op as one write: through the group committer when the
// dialect has one (op then runs inside a transaction, atomically), else
// on the pool (op's statements each commit on their own).
func (s *Store) write(ctx context.Context, op func(context.Context, on) error) error {
	if s.gc == nil {
		return op(ctx, on{s: s, db: s.adb})
	}
	return s.gc.do(ctx, op)
}

// writeTx is write, but op always runs in one transaction.
func (s *Store) writeTx(ctx context.Context, op func(context.Context, on) error) error {
	if s.gc != nil {
		return s.gc.do(ctx, op)
	}
	tx, err := s.adb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := op(ctx, on{s: s, tx: tx}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// committer is the single writer of a GroupCommit Store.
type committer struct {
	s    *Store
	reqs chan *writeReq // unbuffered: a request is either taken or not sent
	quit chan struct{}
	done chan struct{}
	once sync.Once
	// commits counts the transactions committed (for tests; read after
	// stop).
	commits int
}

type writeReq struct {
	ctx    context.Context
	op     func(context.Context, on) error
	result chan error // buffered: the writer never waits for the caller
}

func newCommitter(s *Store) *committer {
	c := &committer{s: s, reqs: make(chan *writeReq), quit: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

// do hands op to the writer and waits for its outcome: nil once op's work
// is committed. A context that ends while op waits for its turn stops it
// from running; once it runs, it runs to the end (its statements do not
// see the cancellation, which would roll back the writes of others).
func (c *committer) do(ctx context.Context, op func(context.Context, on) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &writeReq{ctx: ctx, op: op, result: make(chan error, 1)}
	select {
	case c.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.quit:
		return errClosed
	}
	return <-r.result
}

// stop ends the writer once the writes it has taken are done.
func (c *committer) stop() {
	c.once.Do(func() { close(c.quit) })
	<-c.done
}

func (c *committer) loop() {
	defer close(c.done)
	for {
		var group []*writeReq
		select {
		case r := <-c.reqs:
			group = append(group, r)
		case <-c.quit:
			return
		}
	more:
		for len(group) < maxGroup {
			select {
			case r := <-c.reqs:
				group = append(group, r)
			default:
				break more
			}
		}
		c.commit(group)
	}
}

// commit runs a group of writes in one transaction, each in a savepoint,
// and tells each caller how its write went. The transaction commits with
// the dialect's AuditSync, on a connection set back to FullSync
// afterwards (or discarded, should that fail), so that no other write
// ever commits with the weaker sync.
func (c *committer) commit(group []*writeReq) {
	live := group[:0]
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.result <- err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	ctx := context.Background()
	fail := func(err error) {
		for _, r := range live {
			r.result <- err
		}
	}
	conn, err := c.s.adb.Conn(ctx)
	if err != nil {
		fail(err)
		return
	}
	defer c.s.restoreSync(ctx, conn)
	if c.s.d.AuditSync != "" {
		if _, err := conn.ExecContext(ctx, c.s.d.AuditSync); err != nil {
			fail(err)
			return
		}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		fail(err)
		return
	}
	w := on{s: c.s, tx: tx}
	errs := make([]error, len(live))
	if len(live) == 1 {
		// Alone: the transaction is its savepoint.
		if err := live[0].op(context.WithoutCancel(live[0].ctx), w); err != nil {
			tx.Rollback()
			fail(err)
			return
		}
	} else {
		for i, r := range live {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT w`); err != nil {
				tx.Rollback()
				fail(err)
				return
			}
			if errs[i] = r.op(context.WithoutCancel(r.ctx), w); errs[i] != nil {
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO w`); err != nil {
					// The database rolled the whole transaction back
					// (a full disk, an I/O error): nothing commits.
					tx.Rollback()
					fail(errs[i])
					return
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE w`); err != nil {
				tx.Rollback()
				fail(err)
				return
			}
		}
	}
	if err := tx.Commit(); err != nil {
		fail(err)
		return
	}
	c.commits++
	for i, r := range live {
		r.result <- errs[i]
	}
}

// restoreSync sets conn back to the dialect's FullSync and returns it to
// the pool; a connection that cannot be set back is closed instead.
func (s *Store) restoreSync(ctx context.Context, conn *sql.Conn) {
	if s.d.FullSync != "" {
		if _, err := conn.ExecContext(ctx, s.d.FullSync); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}
	conn.Close()
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// Prepared statements and group commit.
//
// Fixed queries are prepared once per Store (prepared) and reused on every
// connection database/sql hands out, so SQLite does not parse them again
// on every call.
//
// With Dialect.GroupCommit (SQLite: one connection, one writer, a disk
// sync per transaction), the request-path writes (FirstDelivery,
// AppendAudit, RecordAll) go to a single writer goroutine. It takes every
// write queued while the previous transaction was committing and runs
// them in one transaction, each inside its own savepoint: a write that
// fails is rolled back alone and gets its own error, the others commit
// together with one sync, and each caller returns only once its write is
// committed (or has failed). When nothing else is queued a write is
// committed alone, at once: there is no added delay. PostgreSQL needs none
// of this: its pool lets writes run side by side and its commits share
// WAL flushes by themselves.

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

// prepared returns query, rewritten for the dialect, prepared on the pool.
func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	query = s.q(query)
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	if s.stmts.closed {
		return nil, errClosed
	}
	if st := s.stmts.m[query]; st != nil {
		return st, nil
	}
	// Prepared with no deadline of the caller's: the statement outlives
	// the call.
	st, err := s.db.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil, err
	}
	if s.stmts.m == nil {
		s.stmts.m = map[string]*sql.Stmt{}
	}
	s.stmts.m[query] = st
	return st, nil
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

// on is where a write's statements run: in a transaction, or, with tx
// nil, on the pool (each statement its own transaction).
type on struct {
	s  *Store
	tx *sql.Tx
}

func (o on) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if o.tx == nil {
		return o.s.prepared(ctx, query)
	}
	// In a transaction, a statement not prepared yet is prepared for the
	// transaction only: preparing it on the pool could wait for the very
	// connection the transaction holds (SQLite's pool has one).
	if st := o.s.cached(query); st != nil {
		// On the connection the statement is already prepared on, this
		// reuses it; the transaction closes it.
		return o.tx.StmtContext(ctx, st), nil
	}
	return o.tx.PrepareContext(ctx, o.s.q(query))
}

// cached is query's prepared statement if there is one.
func (s *Store) cached(query string) *sql.Stmt {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	return s.stmts.m[s.q(query)]
}

// prepare prepares queries on the pool, ahead of the transactions that
// use them; one that fails is prepared when used.
func (s *Store) prepare(queries ...string) {
	for _, q := range queries {
		_, _ = s.prepared(context.Background(), q)
	}
}

func (o on) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := o.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (o on) scanRow(ctx context.Context, query string, args []any, dest ...any) error {
	st, err := o.stmt(ctx, query)
	if err != nil {
		return err
	}
	return st.QueryRowContext(ctx, args...).Scan(dest...)
}

// write runs op as one write: through the group committer when the
// dialect has one (op then runs inside a transaction, atomically), else
// on the pool (op's statements each commit on their own).
func (s *Store) write(ctx context.Context, op func(context.Context, on) error) error {
	if s.gc == nil {
		return op(ctx, on{s: s})
	}
	return s.gc.do(ctx, op)
}

// writeTx is write, but op always runs in one transaction.
func (s *Store) writeTx(ctx context.Context, op func(context.Context, on) error) error {
	if s.gc != nil {
		return s.gc.do(ctx, op)
	}
	tx, err := s.db.BeginTx(ctx, nil)
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
// and tells each caller how its write went.
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
	tx, err := c.s.db.BeginTx(ctx, nil)
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

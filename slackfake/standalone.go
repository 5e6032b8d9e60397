package slackfake

import (
	"fmt"
	"sync"
)

// reporter is what the Server needs of a test: testing.TB has it, and so
// does the standalone reporter of Start.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// Start starts a fake Slack that belongs to no test, for a program (the
// sandbox) that runs the bot against it. It is exactly as strict as New:
// what New would report with t.Errorf (driver misuse, violations) is kept
// and returned by Problems instead of failing a test (WithoutViolationCheck
// is implied). The caller must Close it.
func Start(opts ...Option) *Server {
	return newServer(&standalone{}, append(opts, WithoutViolationCheck()))
}

// Close closes every websocket and the HTTP server. Servers made by New
// are closed when their test ends; Close is for those made by Start.
func (s *Server) Close() { s.close() }

// Problems are the violations seen so far followed by the driver misuses
// that New would have reported with t.Errorf (a server made by Start).
func (s *Server) Problems() []string {
	out := s.Violations()
	if r, ok := s.t.(*standalone); ok {
		out = append(out, r.errors()...)
	}
	return out
}

// standalone keeps what a test would fail on. Errorf may be called with
// the Server's lock held, so it has its own.
type standalone struct {
	mu   sync.Mutex
	errs []string
}

func (*standalone) Helper() {}

func (r *standalone) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *standalone) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

package oktatest

import "fmt"

// reporter is what the Server needs of a test: testing.TB has it, and so
// does the standalone reporter of Start.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// Start starts a fake Okta org that belongs to no test, for a program (the
// sandbox) that runs the bot against it. It is exactly as strict as New:
// every request and answer is checked against the spec and violations are
// recorded (see Violations; WithViolationHandler may also watch them) rather
// than failing a test. A seeding mistake (AddUser with a duplicate login,
// …), which New fails the test on, panics: it is a bug in the seed. The
// caller must Close it.
func Start(opts ...Option) (*Server, error) {
	return newServer(standalone{}, opts)
}

// Close shuts the server down. Servers made by New are closed when their
// test ends; Close is for those made by Start.
func (s *Server) Close() { s.close() }

type standalone struct{}

func (standalone) Helper() {}

// Errorf is only reached from WaitCalls running out of time, which its
// caller sees in the calls it gets back.
func (standalone) Errorf(string, ...any) {}

func (standalone) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}

package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"oktabot/store"
	"oktabot/store/postgres"
	"oktabot/store/postgres/pgtest"
	"oktabot/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// baseURL is the test server, from OKTABOT_TEST_POSTGRES_URL. Without it the
// tests skip, unless OKTABOT_REQUIRE_POSTGRES=1 (CI), when they fail.
func baseURL(t *testing.T) string {
	t.Helper()
	u, required := pgtest.URL()
	if u == "" {
		if required {
			t.Fatal("OKTABOT_TEST_POSTGRES_URL not set, and OKTABOT_REQUIRE_POSTGRES=1: PostgreSQL store tests must run")
		}
		t.Skip("OKTABOT_TEST_POSTGRES_URL not set: PostgreSQL store tests skipped")
	}
	return u
}

func freshSchema(t *testing.T, base string) string { return pgtest.FreshSchema(t, base) }

func TestConformance(t *testing.T) {
	base := baseURL(t)
	storetest.Run(t, func(t *testing.T) func() (store.Store, error) {
		u := freshSchema(t, base)
		return func() (store.Store, error) { return postgres.Open(context.Background(), u) }
	})
}

func openClose(t *testing.T, u string) {
	t.Helper()
	s, err := postgres.Open(context.Background(), u)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func rawConn(t *testing.T, u string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestMigrationsAppliedOnce(t *testing.T) {
	u := freshSchema(t, baseURL(t))
	openClose(t, u)
	openClose(t, u)
	rows, err := rawConn(t, u).Query(context.Background(), `SELECT name FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"0001_init", "0002_public_result", "0003_target_labels", "0004_audit_retention", "0005_break_glass", "0006_grants", "0007_grants_by_request", "0008_push_locks"}, got); d != "" {
		t.Errorf("schema_migrations (-want +got):\n%s", d)
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	u := freshSchema(t, baseURL(t))
	openClose(t, u)
	conn := rawConn(t, u)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `INSERT INTO audit_log (at, event) VALUES (now(), 'outcome')`); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE audit_log SET detail = 'rewritten'`, `DELETE FROM audit_log`, `DELETE FROM audit_log WHERE at < now() + interval '1 day'`, `TRUNCATE audit_log`} {
		_, err := conn.Exec(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: error %v, want append-only", q, err)
		}
	}
}

// No server needed: the errors must not carry the password.
func TestOpenErrorsHidePassword(t *testing.T) {
	const pw = "s3cr3t-Pa55"
	for _, u := range []string{
		"postgres://oktabot:" + pw + "@127.0.0.1:1/oktabot?sslmode=disable&connect_timeout=5",
		"postgresql://oktabot:" + pw + "@127.0.0.1:notaport/oktabot",
		"postgres://oktabot@127.0.0.1:1/oktabot?sslmode=disable&password=" + pw,
		"postgres://oktabot:" + pw + "@127.0.0.1:1/oktabot?sslmode=bogus",
		"host=127.0.0.1 port=1 user=oktabot password=" + pw + " sslmode=disable",
	} {
		s, err := postgres.Open(context.Background(), u)
		if err == nil {
			s.Close()
			t.Errorf("Open succeeded on %s", strings.ReplaceAll(u, pw, "…"))
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("error reveals the password: %v", err)
		}
	}
}

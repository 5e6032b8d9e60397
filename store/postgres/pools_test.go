package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"oktabot/store/postgres/pgtest"
)

// Approvals are written fully synced; the request path's records commit
// without waiting for the disk; the readers cannot write.
func TestPoolSettings(t *testing.T) {
	base, required := pgtest.URL()
	if base == "" {
		if required {
			t.Fatal("OKTABOT_TEST_POSTGRES_URL not set, and OKTABOT_REQUIRE_POSTGRES=1")
		}
		t.Skip("OKTABOT_TEST_POSTGRES_URL not set")
	}
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatal(err)
	}
	p := pools(cfg)
	defer closeAll(p)
	ctx := context.Background()
	for name, c := range map[string]struct {
		got  func() (string, error)
		want string
	}{
		"write": {func() (v string, err error) {
			return v, p.Write.QueryRowContext(ctx, `SHOW synchronous_commit`).Scan(&v)
		}, "on"},
		"audit": {func() (v string, err error) {
			return v, p.Audit.QueryRowContext(ctx, `SHOW synchronous_commit`).Scan(&v)
		}, "off"},
		"read": {func() (v string, err error) {
			return v, p.Read.QueryRowContext(ctx, `SHOW transaction_read_only`).Scan(&v)
		}, "on"},
	} {
		if got, err := c.got(); err != nil || got != c.want {
			t.Errorf("%s pool: %q, %v; want %q", name, got, err, c.want)
		}
	}
	if cfg.RuntimeParams["synchronous_commit"] != "" {
		t.Error("pools changed the caller's configuration")
	}
}

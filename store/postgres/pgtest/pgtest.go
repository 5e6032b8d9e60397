// Package pgtest gives tests an empty PostgreSQL schema of their own on the
// server named by OKTABOT_TEST_POSTGRES_URL.
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// URL is the test server, from OKTABOT_TEST_POSTGRES_URL, or "" when it is
// not set. Required reports whether CI requires PostgreSQL tests to run
// (OKTABOT_REQUIRE_POSTGRES=1), so that an unset URL must fail them rather
// than skip them.
func URL() (url string, required bool) {
	return os.Getenv("OKTABOT_TEST_POSTGRES_URL"), os.Getenv("OKTABOT_REQUIRE_POSTGRES") == "1"
}

// FreshSchema creates an empty schema, dropped at cleanup, and returns base
// with its search_path set to it, so that test runs never share tables.
func FreshSchema(t testing.TB, base string) string {
	t.Helper()
	ctx := context.Background()
	name := "oktabot_test_" + strings.ToLower(rand.Text())
	exec := func(sql string) error {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	ident := pgx.Identifier{name}.Sanitize()
	if err := exec(`CREATE SCHEMA ` + ident); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if err := exec(`DROP SCHEMA ` + ident + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("OKTABOT_TEST_POSTGRES_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

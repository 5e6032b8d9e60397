package storeopen_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"oktabot/store"
	"oktabot/store/storeopen"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var ctx = context.Background()

func roundTrip(t *testing.T, s store.Store) {
	t.Helper()
	ok, err := s.FirstDelivery(ctx, "env-1", time.Unix(1700000000, 0), time.Minute)
	if err != nil || !ok {
		t.Errorf("FirstDelivery = %v, %v; want true", ok, err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestEmptyURLOpensDefaultFile(t *testing.T) {
	t.Chdir(t.TempDir())
	s, err := storeopen.Open(ctx, "")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	roundTrip(t, s)
	if _, err := os.Stat(storeopen.DefaultPath); err != nil {
		t.Errorf("default database file: %v", err)
	}
}

func TestPathOpensSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.db")
	s, err := storeopen.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	roundTrip(t, s)
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file: %v", err)
	}
}

// An unreachable port: store/postgres fails to connect, so the URL went
// to PostgreSQL rather than becoming a file name. (store/postgres's own tests
// run against a real server.)
func TestPostgresURLOpensPostgres(t *testing.T) {
	for _, scheme := range []string{"postgres", "postgresql", "PostgreSQL"} {
		s, err := storeopen.Open(ctx, scheme+"://bot@127.0.0.1:1/bot?sslmode=disable")
		if err == nil {
			s.Close()
			t.Fatalf("%s: Open succeeded", scheme)
		}
		if !strings.Contains(err.Error(), "store/postgres: connect") {
			t.Errorf("%s: error %v, want store/postgres failing to connect", scheme, err)
		}
		if _, err := os.Stat(scheme + ":"); err == nil {
			t.Errorf("%s: created a file", scheme)
		}
	}
}

func TestErrorsHidePassword(t *testing.T) {
	const pw = "hunter2-Secret"
	for _, u := range []string{
		"postgres://bot:" + pw + "@127.0.0.1:1/bot?sslmode=disable",
		"postgresql://bot:" + pw + "@127.0.0.1:notaport/bot",
		"mysql://bot:" + pw + "@db/bot",
		"bot:" + pw + "@db://x",
	} {
		s, err := storeopen.Open(ctx, u)
		if err == nil {
			s.Close()
			t.Errorf("Open succeeded for %s", strings.ReplaceAll(u, pw, "…"))
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("error reveals the password: %v", err)
		}
		if d := storeopen.Describe(u); strings.Contains(d, pw) {
			t.Errorf("Describe reveals the password: %s", d)
		}
	}
}

func TestDescribe(t *testing.T) {
	for in, want := range map[string]string{
		"":                "sqlite oktabot.db",
		"/var/lib/bot.db": "sqlite /var/lib/bot.db",
		"postgres://bot:pw@db:5432/bot?sslmode=require": "postgres postgres://bot:xxxxx@db:5432/bot?sslmode=require",
		"postgresql://bot@db/bot?password=pw":           "postgres postgresql://bot@db/bot?password=xxxxx",
		"redis://db":                                    "unsupported database URL",
	} {
		if got := storeopen.Describe(in); got != want {
			t.Errorf("Describe(%q) = %q, want %q", in, got, want)
		}
	}
}

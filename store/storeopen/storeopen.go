// Package storeopen opens the store.Store a database URL names, so that the
// store package itself needs no driver: a file path is an embedded SQLite
// database (store/sqlite), a postgres:// or postgresql:// URL is a shared
// PostgreSQL (store/postgres).
package storeopen

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"oktabot/store"
	"oktabot/store/postgres"
	"oktabot/store/sqlite"
)

// DefaultPath is the SQLite file Open uses for an empty URL.
const DefaultPath = "oktabot.db"

// Open opens and migrates the store at dbURL: empty for DefaultPath, a file
// path for SQLite, or a postgres:// (postgresql://) URL. Errors never
// contain the URL's password.
func Open(ctx context.Context, dbURL string) (store.Store, error) {
	switch kind, err := driver(dbURL); {
	case err != nil:
		return nil, err
	case kind == "postgres":
		scheme, rest, _ := strings.Cut(dbURL, "://")
		return postgres.Open(ctx, strings.ToLower(scheme)+"://"+rest) // pgx wants it lower case
	default:
		if dbURL == "" {
			dbURL = DefaultPath
		}
		return sqlite.Open(ctx, dbURL)
	}
}

// driver names the driver for dbURL: "sqlite" or "postgres".
func driver(dbURL string) (string, error) {
	scheme, _, isURL := strings.Cut(dbURL, "://")
	switch {
	case !isURL:
		return "sqlite", nil
	case strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql"):
		return "postgres", nil
	}
	if len(scheme) > 20 || strings.ContainsAny(scheme, ":@/") {
		scheme = "?"
	}
	return "", fmt.Errorf("storeopen: unsupported database URL scheme %q: want a file path (SQLite) or postgres://", scheme)
}

// Describe returns dbURL fit for a log line: the driver and the URL with
// any password masked.
func Describe(dbURL string) string {
	kind, err := driver(dbURL)
	switch {
	case err != nil:
		return "unsupported database URL"
	case kind == "sqlite":
		if dbURL == "" {
			dbURL = DefaultPath
		}
		return "sqlite " + dbURL
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return "postgres (unparsable URL)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return "postgres " + u.Redacted()
}

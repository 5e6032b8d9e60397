package postgres_test

import (
	"context"
	"testing"

	"oktabot/store"
	"oktabot/store/postgres"
	"oktabot/store/postgres/pgtest"
	"oktabot/store/storetest"
)

// BenchmarkCommands is the store's share of parallel commands on the test
// PostgreSQL (OKTABOT_TEST_POSTGRES_URL):
//
//	go test ./store/postgres -run '^$' -bench Commands -benchtime 2s
func BenchmarkCommands(b *testing.B) {
	base, _ := pgtest.URL()
	if base == "" {
		b.Skip("OKTABOT_TEST_POSTGRES_URL not set")
	}
	u := pgtest.FreshSchema(b, base)
	storetest.BenchCommands(b, func() (store.Store, error) { return postgres.Open(context.Background(), u) })
}

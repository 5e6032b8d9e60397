package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"oktabot/store"
	"oktabot/store/sqlite"
	"oktabot/store/storetest"
)

// BenchmarkCommands is the store's share of parallel commands, on a file
// in the test's temporary directory (a real disk, fsync included):
//
//	go test ./store/sqlite -run '^$' -bench Commands -benchtime 2s
func BenchmarkCommands(b *testing.B) {
	path := filepath.Join(b.TempDir(), "oktabot.db")
	storetest.BenchCommands(b, func() (store.Store, error) { return sqlite.Open(context.Background(), path) })
}

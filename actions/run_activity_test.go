package actions

import (
	"testing"
	"time"
)

func TestParseSince(t *testing.T) {
	for in, want := range map[string]time.Duration{"30m": 30 * time.Minute, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "90d": MaxActivitySince} {
		if got, err := ParseSince(in); err != nil || got != want {
			t.Errorf("ParseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "91d", "2161h", "0h", "-1h", "d", "1.5d", "yesterday"} {
		if _, err := ParseSince(in); !IsKind(err, KindInvalid) {
			t.Errorf("ParseSince(%q) = %v, want invalid", in, err)
		}
	}
}

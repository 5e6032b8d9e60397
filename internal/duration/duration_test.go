package duration

import (
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"5m": 5 * time.Minute, "2h": 2 * time.Hour, "1h30m": 90 * time.Minute, "7d": 7 * 24 * time.Hour,
		" 30d ": 30 * 24 * time.Hour, "90s": 90 * time.Second, "0d": 0, "-1h": -time.Hour,
	} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2", "d", "xd", "1.5d", "2 h", "100000d", "h"} {
		if _, err := Parse(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %v, want ErrSyntax", in, err)
		}
	}
}

func TestText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		2 * time.Hour: "2h", 90 * time.Minute: "1h30m", 45 * time.Minute: "45m", 48 * time.Hour: "2d",
		25 * time.Hour: "25h", 90 * time.Second: "1m30s",
	} {
		if got := Text(d); got != want {
			t.Errorf("Text(%v) = %q, want %q", d, got, want)
		}
		if back, err := Parse(Text(d)); err != nil || back != d {
			t.Errorf("Parse(Text(%v)) = %v, %v", d, back, err)
		}
	}
}

// Package duration reads and writes durations as people type them in
// oktabot: Go's (30m, 2h, 1h30m) or a whole number of days (7d).
package duration

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// ErrSyntax: the text is not a duration such as 30m, 2h or 7d.
var ErrSyntax = errors.New("not a duration such as 30m, 2h or 7d")

// maxDays bounds a number of days, far beyond any use, so that it cannot
// overflow.
const maxDays = 10000

// Parse reads s (spaces around it ignored): a Go duration, whose unit is
// required, or a whole number of days followed by d. It does not bound
// the value: callers say what is too short or too long.
func Parse(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n > maxDays || n < -maxDays {
			return 0, ErrSyntax
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, ErrSyntax
	}
	return d, nil
}

// Text is d as people write it, as Parse reads it: "7d" for whole days,
// else "2h", "1h30m", "45m", "90s".
func Text(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= day && d%day == 0 {
		return strconv.Itoa(int(d/day)) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

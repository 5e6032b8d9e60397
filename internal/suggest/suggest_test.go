package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"get-user", "get-user", 0}, {"get-usr", "get-user", 1},
		{"gte-user", "get-user", 1}, // a transposition counts once
		{"disbale-user", "disable-user", 1}, {"ping", "", 4}, {"é", "e", 1},
	} {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	known := []string{"get-user", "get-group", "list-users"}
	for s, want := range map[string]string{"get-usr": "get-user", "get-grop": "get-group", "frobnicate": "", "list-user": "list-users"} {
		if got := Closest(s, known); got != want {
			t.Errorf("Closest(%q) = %q, want %q", s, got, want)
		}
	}
}

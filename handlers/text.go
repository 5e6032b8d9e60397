package handlers

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// esc escapes text that came from a user or from Okta for Slack's mrkdwn:
// &, < and > are the only characters Slack requires escaped, and escaping
// them stops a name like "<!channel>" from pinging anyone.
func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// code formats s as inline code, escaped; backticks inside would end the
// span, so they become a look-alike.
func code(s string) string {
	if s == "" {
		return "–"
	}
	return "`" + esc(strings.ReplaceAll(s, "`", "ˋ")) + "`"
}

// clip shortens s to at most n characters (runes), marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// when formats a timestamp for people; the zero time means it never
// happened.
func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// plural returns "1 user" or "3 users".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

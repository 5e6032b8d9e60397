// Package blocks builds everything oktabot shows in Slack: messages (Block
// Kit), forms and the Home tab, and the text in them. It is pure: it turns
// results, approvals and audit records into values for Slack and never
// calls anything. Only package handlers, Slack's edge, uses it.
//
// Text from people and from Okta is escaped (Esc, Code) before it is
// shown, so a name can never format, mention or ping anything.
package blocks

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Esc escapes text that came from a user or from Okta for Slack's mrkdwn:
// &, < and > are the only characters Slack requires escaped, and escaping
// them stops a name like "<!channel>" from pinging anyone.
func Esc(s string) string { return mrkdwnEscaper.Replace(s) }

// mrkdwnEscaper is Esc's replacer, built once: a strings.Replacer is safe
// for concurrent use, and building one per call cost a few percent of CPU.
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Code formats s as inline code, escaped; backticks inside would end the
// span, so they become a look-alike.
func Code(s string) string {
	if s == "" {
		return "–"
	}
	return "`" + Esc(strings.ReplaceAll(s, "`", "ˋ")) + "`"
}

// Clip shortens s to at most n characters (runes), marking the cut.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// When formats a timestamp for people; the zero time means it never
// happened.
func When(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// Plural returns "1 user" or "3 users".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// MentionRE matches a Slack user mention as Slack escapes it in command
// text: <@U123ABC> or <@U123ABC|alice>. Its group is the user id.
var MentionRE = regexp.MustCompile(`^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$`)

// Mention is a Slack user mention for a user id, or the id as code when it
// does not look like one (it never came from a trusted payload then).
func Mention(userID string) string {
	if userID == "" {
		return "–"
	}
	if IsSlackID(userID, "UW") {
		return "<@" + userID + ">"
	}
	return Code(userID)
}

// ChannelRef is a channel link for a channel id.
func ChannelRef(channelID string) string {
	switch {
	case channelID == "":
		return "–"
	case IsSlackID(channelID, "CGD"):
		return "<#" + channelID + ">"
	}
	return Code(channelID)
}

// IsSlackID reports whether s has the shape of a Slack id starting with
// one of prefixes.
func IsSlackID(s, prefixes string) bool {
	if len(s) < 3 || len(s) > 32 || !strings.ContainsRune(prefixes, rune(s[0])) {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// Date shows a time in each reader's own time zone, with a UTC fallback.
func Date(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return fmt.Sprintf("<!date^%d^{date_short_pretty} at {time_secs}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04:05 UTC"))
}

// TargetRef shows one target as the requester typed it: a Slack mention
// stays a mention, anything else is code.
func TargetRef(t string) string {
	if m := MentionRE.FindStringSubmatch(t); m != nil {
		return "<@" + m[1] + ">"
	}
	return Code(t)
}

// TargetsSummary is "`bob`" or "`bob`, `carol` and 3 more", for one line,
// of targets as typed.
func TargetsSummary(targets []string, show int) string {
	refs := make([]string, min(len(targets), show))
	for i := range refs {
		refs[i] = TargetRef(targets[i])
	}
	return summarize(refs, len(targets))
}

// summarize joins the first refs of total into one line: "a", "a and b",
// "a, b and 3 more".
func summarize(refs []string, total int) string {
	if total == 0 {
		return "no targets"
	}
	if len(refs) < total {
		refs = append(refs[:len(refs):len(refs)], fmt.Sprintf("%d more", total-len(refs)))
	}
	if len(refs) == 1 {
		return refs[0]
	}
	return strings.Join(refs[:len(refs)-1], ", ") + " and " + refs[len(refs)-1]
}

// OrDash is s, or a dash for nothing.
func OrDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

package slackfake

import (
	"regexp"
	"strings"
)

// typedRE finds, in what a person typed, the parts Slack rewrites before a
// slash command's text reaches the app (the command's should_escape is on,
// as manifest.yml sets it): a mention or channel picked from Slack's
// autocomplete, written here already in Slack's form (<@U…|name>,
// <#C…|name>); an email address; a URL; a bare domain name Slack links.
var typedRE = regexp.MustCompile(
	`(<[@#][A-Z0-9]+(?:\|[^<>]*)?>)` +
		`|([A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})` +
		`|(https?://[^\s<>"'|]+)` +
		`|((?:[A-Za-z0-9-]+\.)+(?:com|net|org|io|dev|co|example)\b)`)

// escapeCommandText is what Slack sends as a slash command's text when a
// person typed typed: &, < and > as HTML entities, email addresses as
// <mailto:a@b|a@b>, URLs as <url>, bare domains as <http://d|d>, and
// mentions and channels picked from autocomplete in Slack's form.
func escapeCommandText(typed string) string {
	ent := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	var b strings.Builder
	last := 0
	for _, m := range typedRE.FindAllStringSubmatchIndex(typed, -1) {
		b.WriteString(ent.Replace(typed[last:m[0]]))
		s := typed[m[0]:m[1]]
		switch {
		case m[2] >= 0: // mention or channel
			b.WriteString(s)
		case m[4] >= 0: // email
			b.WriteString("<mailto:" + ent.Replace(s) + "|" + ent.Replace(s) + ">")
		case m[6] >= 0: // URL
			b.WriteString("<" + ent.Replace(s) + ">")
		default: // bare domain
			b.WriteString("<http://" + s + "|" + s + ">")
		}
		last = m[1]
	}
	b.WriteString(ent.Replace(typed[last:]))
	return b.String()
}

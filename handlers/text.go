package handlers

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// slackSeqRE matches one of Slack's control sequences in text it sends.
var slackSeqRE = regexp.MustCompile(`<([^<>]*)>`)

// commandText turns a slash command's text, as Slack sends it with the
// command's should_escape on (manifest.yml), back into what the caller
// typed: a link or email address Slack wrapped (<http://x.com|x.com>,
// <mailto:a@x.com|a@x.com>) becomes the text typed, a channel becomes
// #name, and &amp;, &lt; and &gt; are unescaped. User mentions
// (<@U…|name>) stay as sent: they are identities, resolved by user id
// (targets.go).
func commandText(s string) string {
	s = slackSeqRE.ReplaceAllStringFunc(s, func(seq string) string {
		ref, label, labelled := strings.Cut(seq[1:len(seq)-1], "|")
		switch {
		case strings.HasPrefix(ref, "@"):
			return seq
		case labelled && strings.HasPrefix(ref, "#"):
			return "#" + label
		case labelled:
			return label
		case strings.HasPrefix(ref, "mailto:"):
			return strings.TrimPrefix(ref, "mailto:")
		case strings.HasPrefix(ref, "!"):
			return "@" + strings.TrimPrefix(ref, "!") // <!here>
		}
		return ref
	})
	return mrkdwnUnescaper.Replace(s)
}

// mrkdwnUnescaper undoes Slack's escaping of a command's text; built once.
var mrkdwnUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// withoutURLPath keeps a transport error (*url.Error) fit for a log line:
// the URL it names is cut to its scheme and host, because a response_url
// or a file upload URL is itself a credential (whoever has it may post).
func withoutURLPath(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, perr := url.Parse(ue.URL)
	short := "(url)"
	if perr == nil {
		short = u.Scheme + "://" + u.Host
	}
	return &url.Error{Op: ue.Op, URL: short, Err: ue.Err}
}

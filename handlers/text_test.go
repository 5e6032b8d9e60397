package handlers

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestCommandText(t *testing.T) {
	for _, c := range []struct{ sent, typed string }{
		{"get-user alice", "get-user alice"},
		{"get-user <mailto:alice@corp.com|alice@corp.com>", "get-user alice@corp.com"},
		{"get-user <mailto:alice@corp.com>", "get-user alice@corp.com"},
		{`add-group "R&amp;D &lt;core&gt;"`, `add-group "R&D <core>"`},
		{"&amp;lt; stays literal", "&lt; stays literal"},
		{"get-user <@U0CAROL01|carol> <@W0BOB>", "get-user <@U0CAROL01|carol> <@W0BOB>"},
		{"see <https://acme.okta.com/x?a=1&amp;b=2>", "see https://acme.okta.com/x?a=1&b=2"},
		{"add-group <http://corp.com|corp.com>", "add-group corp.com"},
		{"in <#C0OPS|ops>", "in #ops"},
		{"<!here> <!subteam^S0ONCALL|@oncall>", "@here @oncall"},
		{`list-users --search 'profile.email eq "<mailto:a.b@corp.com|a.b@corp.com>"'`, `list-users --search 'profile.email eq "a.b@corp.com"'`},
	} {
		if got := commandText(c.sent); got != c.typed {
			t.Errorf("commandText(%q)\n got %q\nwant %q", c.sent, got, c.typed)
		}
	}
}

func TestWithoutURLPath(t *testing.T) {
	secret := "https://hooks.slack.com/commands/T0/123/s3cr3tToken"
	err := fmt.Errorf("post: %w", &url.Error{Op: "Post", URL: secret, Err: errors.New("connection reset by peer")})
	got := withoutURLPath(err).Error()
	if strings.Contains(got, "s3cr3tToken") || strings.Contains(got, "/commands/") {
		t.Errorf("log text %q carries the URL's path", got)
	}
	if !strings.Contains(got, "hooks.slack.com") || !strings.Contains(got, "connection reset by peer") {
		t.Errorf("log text %q lost the host or the cause", got)
	}
	plain := errors.New("channel_not_found")
	if withoutURLPath(plain) != plain {
		t.Error("an error without a URL was changed")
	}
}

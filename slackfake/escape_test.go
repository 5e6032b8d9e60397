package slackfake

import "testing"

func TestEscapeCommandText(t *testing.T) {
	for _, c := range []struct{ typed, sent string }{
		{"get-user alice", "get-user alice"},
		{"get-user alice@corp.com bob", "get-user <mailto:alice@corp.com|alice@corp.com> bob"},
		{`add-group "R&D <core>"`, `add-group "R&amp;D &lt;core&gt;"`},
		{"get-user <@U0CAROL01|carol> <@U0BOB0001>", "get-user <@U0CAROL01|carol> <@U0BOB0001>"},
		{"see https://acme.okta.com/x?a=1&b=2 now", "see <https://acme.okta.com/x?a=1&amp;b=2> now"},
		{`add-group corp.com --description "x"`, `add-group <http://corp.com|corp.com> --description "x"`},
		{`list-users --search 'profile.email eq "a.b@corp.com"'`, `list-users --search 'profile.email eq "<mailto:a.b@corp.com|a.b@corp.com>"'`},
		{"list-users --search profile.login", "list-users --search profile.login"},
		{"<!channel> @here", "&lt;!channel&gt; @here"},
	} {
		if got := escapeCommandText(c.typed); got != c.sent {
			t.Errorf("escapeCommandText(%q)\n got %q\nwant %q", c.typed, got, c.sent)
		}
	}
}

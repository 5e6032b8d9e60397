package handlers

import "testing"

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

package blocks

import (
	"testing"

	"oktabot/actions"
)

func TestScopeForm(t *testing.T) {
	reg := actions.Default()
	permitted := []string{"get-user", "disable-user", "list-users", "get-group"}
	p := ScopePeople{
		Link: "https://acme.slack.com/archives/C0SIEM/p1700000000000100", Found: 5, Taken: 5,
		IDs:    []string{"00u1", "00u2"},
		Labels: []string{"Dave Example <dave@corp.com>", "Erin <erin@corp.com>"},
		Unresolved: []actions.Outcome{
			{Target: "noreply@siem.example", Err: actions.Errorf(actions.KindNotFound, "no Okta user is noreply@siem.example")},
			{Target: "@guest", Err: actions.Errorf(actions.KindForbidden, "@guest belongs to another organisation's Slack")},
		},
	}
	goldenJSON(t, "scope-form", ScopeForm(reg, permitted, p, FormMeta{Channel: "C0SIEM", ResponseURL: "https://hooks.example/r"}))
	goldenJSON(t, "scope-form-looking", ScopeForm(reg, permitted, ScopePeople{Link: p.Link, Found: 250, Taken: 200, Looking: true}, FormMeta{Channel: "C0SIEM"}))
}

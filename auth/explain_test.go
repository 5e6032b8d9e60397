package auth

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestChannelsOncePerChannel(t *testing.T) {
	p := mustParse(t, testPolicy+`  - actions: [assign-role]
    approvers: [security]
    channel: C0OTHER
audit:
  channel: C0APPROVALS
`)
	want := []ChannelUse{
		{ID: "C0APPROVALS", Uses: []string{"approval rule 1 (line 14)", "audit"}},
		{ID: "C0OTHER", Uses: []string{"approval rule 2 (line 18)"}},
	}
	if d := cmp.Diff(want, p.Channels()); d != "" {
		t.Errorf("Channels (-want +got):\n%s", d)
	}
}

func TestExplainAndAccess(t *testing.T) {
	p := mustParse(t, testPolicy)
	x := p.Explain("U0HELP", []string{"S0HELPDESK", "S0UNKNOWN"}, allActions)
	if !slices.Equal(x.Roles, []string{"helpdesk"}) || len(x.Approves) != 0 {
		t.Errorf("Explain roles %v, approves %v", x.Roles, x.Approves)
	}
	var got []string
	for _, g := range x.Grants {
		s := g.Action
		if g.Rule != nil {
			s += " (approval)"
		}
		got = append(got, s)
	}
	if strings.Join(got, ", ") != "get-user, reset-password (approval)" {
		t.Errorf("grants: %v", got)
	}
	// Without the group, nothing: membership is only what is given.
	if x := p.Explain("U0HELP", nil, allActions); len(x.Roles) != 0 || len(x.Grants) != 0 {
		t.Errorf("Explain without groups: %+v", x)
	}
	sec := p.Explain("U0SEC1", nil, allActions)
	if len(sec.Approves) != 1 || !sec.Grants[0].AdminTargets {
		t.Errorf("security: %+v", sec)
	}

	acc, ok := p.Access("reset-password")
	if !ok || acc.Rule == nil || len(acc.Runners) != 2 || acc.Runners[0].Role != "helpdesk" || acc.Runners[1].Role != "security" ||
		!slices.Equal(acc.Approvers[0].Users, []string{"U0SEC1"}) || !slices.Equal(acc.Approvers[0].Groups, []string{"S0SECURITY"}) {
		t.Errorf("Access(reset-password) = %+v, %v", acc, ok)
	}
	if _, ok := p.Access("no-such-action"); ok {
		t.Error("Access of an unknown action")
	}
}

package sandbox

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"oktabot/actions"
	"oktabot/auth"
)

// With --policy, the page offers the policy's own members: every user id,
// one member of each user group, and an outsider; the channels are the
// policy's approval and audit channels.
func TestPeopleOfAPolicy(t *testing.T) {
	p, err := auth.Load(filepath.Join("..", "policy.example.yml"), auth.Names{Actions: actions.Default().Names(), RoleTypes: actions.RoleTypes})
	if err != nil {
		t.Fatal(err)
	}
	people, chans := peopleOf(p)
	var ids, roles []string
	for _, pp := range people {
		ids = append(ids, pp.ID)
		roles = append(roles, pp.Role)
	}
	for _, want := range []string{"U0123ONCALL", "U0456ONCALLGROUPM", "U0789HELPDESKM", "U0ABCSECURITYM", "U0OUTSIDER"} {
		if !slices.Contains(ids, want) {
			t.Errorf("people %q lack %s", ids, want)
		}
	}
	if got := strings.Join(roles, "; "); !strings.Contains(got, "helpdesk via S0789HELPDESK") || !strings.Contains(got, "not in the policy") {
		t.Errorf("roles: %s", got)
	}
	for _, pp := range people {
		if pp.ID == "U0789HELPDESKM" && !slices.Equal(pp.Groups, []string{"S0789HELPDESK"}) {
			t.Errorf("the helpdesk group's member is in %q", pp.Groups)
		}
	}
	if chans["C0APPROVALS"] == "" || chans["C0AUDIT"] != "audit" || chans[chIncident] != "incident" {
		t.Errorf("channels %v", chans)
	}
}

// The page drives a bot with admin rights: it listens on loopback only.
func TestLoopbackOnly(t *testing.T) {
	for _, ok := range []string{"127.0.0.1:8080", "localhost:0", "[::1]:9000"} {
		if err := loopbackOnly(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{":8080", "0.0.0.0:8080", "192.168.1.5:80", "example.com:80"} {
		if err := loopbackOnly(bad); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
	if _, err := Start(context.Background(), Options{Addr: "0.0.0.0:0"}, nil); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("Start on 0.0.0.0: %v", err)
	}
}

func TestBadPolicyIsNamedBeforeAnythingRuns(t *testing.T) {
	_, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", PolicyFile: filepath.Join(t.TempDir(), "missing.yml")}, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "policy:") {
		t.Errorf("Start with a missing policy: %v", err)
	}
}

// The sandbox's own policy is valid as the bot checks it at start.
func TestDemoPolicyIsValid(t *testing.T) {
	if _, err := auth.Parse("sandbox-policy.yml", []byte(demoPolicy), auth.Names{Actions: actions.Default().Names(), RoleTypes: actions.RoleTypes}); err != nil {
		t.Fatal(err)
	}
}

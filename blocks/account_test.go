package blocks

import (
	"testing"

	"oktabot/actions"
)

func TestRenderFactors(t *testing.T) {
	a := alice()
	bob := actions.User{ID: "00u2bbbbbbbbbbbbbbb2", Status: actions.StatusSuspended, Login: "bob@corp.com", FirstName: "Bob", LastName: "Builder"}
	r, _, _ := Result(actions.Default().Lookup("list-factors"), actions.Result{Outcomes: []actions.Outcome{
		{Target: "alice", User: &a, Factors: []actions.Factor{
			{ID: "opf1", Type: "push", Provider: "OKTA", Status: "ACTIVE", Device: "Alice's iPhone", Platform: "IOS", Created: t0, LastVerified: t0.Add(72 * 3600e9)},
			{ID: "mbl1", Type: "sms", Provider: "OKTA", Status: "ACTIVE", Device: "•••0142", Created: t0},
			{ID: "ost1", Type: "token:software:totp", Provider: "GOOGLE", Status: "PENDING_ACTIVATION"},
			{ID: "xyz1", Type: "claims_provider", Provider: "CUSTOM", Status: "ACTIVE"},
		}},
		{Target: "bob", User: &bob, Factors: []actions.Factor{}},
		{Target: "ghost", Err: actions.Errorf(actions.KindNotFound, `no Okta user matches "ghost"`)},
	}}, "", false)
	golden(t, "list-factors", r)
}

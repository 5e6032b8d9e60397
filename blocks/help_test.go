package blocks

import (
	"testing"

	"oktabot/actions"
)

// Every action in the registry has help.
func TestEveryActionHasHelp(t *testing.T) {
	reg := actions.Default()
	for _, a := range reg.All() {
		if a.Summary == "" {
			t.Errorf("%s has no summary", a.Name)
		}
		r := Help("/okta", reg, reg.Names(), a)
		if len(r.Blocks) == 0 {
			t.Errorf("%s: no help", a.Name)
		}
		for _, p := range a.Params {
			if p.Help == "" {
				t.Errorf("%s --%s has no help text", a.Name, p.Name)
			}
		}
	}
}

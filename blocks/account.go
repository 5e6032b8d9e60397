package blocks

import (
	"fmt"
	"strings"

	"oktabot/actions"
)

// What the account actions show: factors, System Log events and the steps
// of a containment.

// factorLine is one factor: its name, device, status, dates and id. The
// device is as the okta package gives it: phone numbers and addresses
// masked.
func factorLine(f actions.Factor) string {
	l := "*" + Esc(f.Name()) + "*"
	if f.Device != "" {
		l += " · " + Esc(f.Device)
	}
	if f.Platform != "" {
		l += " (" + Esc(f.Platform) + ")"
	}
	if f.Status != "" && f.Status != actions.FactorActive {
		l += " · " + Esc(f.Status)
	}
	if !f.Created.IsZero() {
		l += " · enrolled " + When(f.Created)
	}
	if !f.LastVerified.IsZero() {
		l += " · last verified " + When(f.LastVerified)
	}
	return l + " · " + Code(f.ID)
}

// Factors is list-factors: per user, their enrolled factors.
func Factors(a *actions.Action, outcomes []actions.Outcome) (Reply, int, int) {
	var lines []string
	for _, o := range outcomes {
		if o.Err != nil {
			lines = append(lines, OutcomeError(o.Target, o.Err))
			continue
		}
		lines = append(lines, fmt.Sprintf("%s %s — %s", statusEmoji(o.User.Status), who(o), Plural(len(o.Factors), "factor", "factors")))
		for _, f := range o.Factors {
			lines = append(lines, "      • "+factorLine(f))
		}
	}
	return List("*"+a.Name+"*", lines, "Nothing to show.")
}

// factorTypes names a user's enrolled factors in a few words, for
// get-user: "Okta Verify push, SMS".
func factorTypes(fs []actions.Factor) string {
	if len(fs) == 0 {
		return "none enrolled"
	}
	var names []string
	for _, f := range fs {
		n := f.Name()
		if f.Status != "" && f.Status != actions.FactorActive {
			n += " (" + strings.ToLower(f.Status) + ")"
		}
		names = append(names, Esc(n))
	}
	return strings.Join(names, ", ")
}

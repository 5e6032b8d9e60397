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

// outcomeMark marks a System Log event's outcome.
func outcomeMark(outcome string) string {
	switch outcome {
	case "SUCCESS", "ALLOW":
		return ":white_check_mark:"
	case "FAILURE", "DENY":
		return ":x:"
	case "CHALLENGE":
		return ":question:"
	}
	return ":white_circle:"
}

// eventLine is one System Log event: when, what, how it ended, from where.
func eventLine(e actions.LogEvent) string {
	l := fmt.Sprintf("%s `%s` *%s*", outcomeMark(e.Outcome), e.Published.UTC().Format("2006-01-02 15:04:05 UTC"), Esc(e.Type))
	if e.Message != "" {
		l += " — " + Esc(Clip(e.Message, 200))
	}
	if e.Outcome != "" {
		l += " · " + Esc(e.Outcome)
		if e.Reason != "" {
			l += " (" + Esc(Clip(e.Reason, 100)) + ")"
		}
	}
	if e.ClientIP != "" {
		l += " · " + Code(e.ClientIP)
	}
	if place := strings.Join(nonEmpty(e.City, e.Country), ", "); place != "" {
		l += " " + Esc(place)
	}
	if e.UserAgent != "" {
		l += " · _" + Esc(Clip(e.UserAgent, 80)) + "_"
	}
	return l
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Activity is user-activity: one user's System Log events, newest first.
// shown < total when they do not all fit; the caller sends the CSV.
func Activity(a *actions.Action, res actions.Result) (Reply, int, int) {
	if len(res.Outcomes) != 1 || res.Outcomes[0].Err != nil {
		return Outcomes(a, res.Outcomes, false)
	}
	o := res.Outcomes[0]
	heading := fmt.Sprintf("*%s* · %s · %s · %s", a.Name, who(o), Esc(res.Query), Plural(len(o.Events), "event", "events"))
	lines := make([]string, len(o.Events))
	for i, e := range o.Events {
		lines[i] = eventLine(e)
	}
	return List(heading, lines, "No events in the System Log for that time.")
}

package blocks

import (
	"errors"
	"fmt"
	"strings"

	"oktabot/actions"
)

// Problem is the one place where an error becomes words for the person
// who asked. It never includes an underlying error's text (which may carry
// request details); that goes to the log.
func Problem(err error) string {
	var e *actions.Error
	if !errors.As(err, &e) {
		return ":warning: Something went wrong on our side. It has been logged; please try again, and tell the bot's operators if it keeps happening."
	}
	msg := e.Message
	var b strings.Builder
	switch e.Kind {
	case actions.KindNotFound:
		b.WriteString(":grey_question: ")
	case actions.KindInvalid, actions.KindAmbiguous:
		b.WriteString(":warning: ")
	case actions.KindForbidden:
		b.WriteString(":no_entry: ")
	case actions.KindConflict:
		b.WriteString(":information_source: ")
	case actions.KindRateLimited:
		b.WriteString(":hourglass: ")
		if msg == "" {
			msg = "Okta is rate limiting the bot; try again in a minute"
		}
	case actions.KindUnavailable:
		b.WriteString(":electric_plug: ")
		if msg == "" {
			msg = "Okta could not be reached in time; try again shortly"
		}
	default:
		b.WriteString(":warning: ")
		if msg == "" {
			msg = "Something went wrong on our side. It has been logged"
		}
	}
	b.WriteString(Esc(msg))
	for _, c := range e.Causes {
		b.WriteString("\n• " + Esc(c))
	}
	if e.Code != "" || e.RequestID != "" {
		var ref []string
		if e.Code != "" {
			ref = append(ref, "Okta "+e.Code)
		}
		if e.RequestID != "" {
			ref = append(ref, "request "+e.RequestID)
		}
		b.WriteString(fmt.Sprintf("\n_%s_", Esc(strings.Join(ref, " · "))))
	}
	return b.String()
}

// ProblemBare is Problem without its leading mark.
func ProblemBare(err error) string {
	t := Problem(err)
	if strings.HasPrefix(t, ":") {
		if i := strings.Index(t, ": "); i > 0 {
			return t[i+2:]
		}
	}
	return t
}

// OutcomeError is one target's failure, naming the target.
func OutcomeError(target string, err error) string {
	t := Problem(err)
	// Put the target after the mark: ":grey_question: `bob`: no Okta user …".
	if i := strings.Index(t, ": "); i > 0 && strings.HasPrefix(t, ":") {
		return t[:i+2] + Code(target) + " — " + t[i+2:]
	}
	return Code(target) + " — " + t
}

package handlers

import (
	"context"
	"regexp"
	"strings"

	"oktabot/actions"
)

// mentionRE matches a Slack user mention as Slack escapes it in command
// text: <@U123ABC> or <@U123ABC|alice>.
var mentionRE = regexp.MustCompile(`^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$`)

// target is one target as the caller typed it (label) and what the action
// gets (value), or why it cannot be used.
type target struct {
	label string
	value string
	err   error
}

type targetList []target

// resolveTargets turns Slack mentions into the mentioned person's email,
// read from their Slack profile by user id. Names that merely look like
// mentions (a typed "@alice" that Slack did not resolve) are refused: a
// display name is not an identity. Other targets pass through.
func (b *Bot) resolveTargets(ctx context.Context, a *actions.Action, in []string) targetList {
	out := make(targetList, len(in))
	for i, t := range in {
		out[i] = target{label: t, value: t}
		if a.Targets != actions.UserTargets {
			continue
		}
		if m := mentionRE.FindStringSubmatch(t); m != nil {
			out[i] = b.resolveMention(ctx, m[1])
			continue
		}
		if strings.HasPrefix(t, "@") {
			out[i].err = actions.Errorf(actions.KindInvalid, "%s is not a Slack mention I can trust; pick the person from Slack's @ list so the mention resolves, or give their Okta login", t)
		}
	}
	return out
}

func (b *Bot) resolveMention(ctx context.Context, userID string) target {
	t := target{label: "<@" + userID + ">"}
	u, err := b.cfg.Slack.GetUserInfoContext(ctx, userID)
	if err != nil {
		t.err = &actions.Error{Kind: actions.KindNotFound, Message: "Slack could not tell me who " + userID + " is", Err: err}
		return t
	}
	t.label = "@" + u.Name
	switch {
	case u.Deleted:
		t.err = actions.Errorf(actions.KindNotFound, "@%s is a deactivated Slack account", u.Name)
	case u.IsBot:
		t.err = actions.Errorf(actions.KindInvalid, "@%s is a bot, not a person with an Okta account", u.Name)
	case u.Profile.Email == "":
		t.err = actions.Errorf(actions.KindNotFound, "@%s has no email in their Slack profile that the bot can see", u.Name)
	default:
		t.value = u.Profile.Email
	}
	return t
}

// values are the targets the action should run on.
func (l targetList) values() []string {
	var v []string
	for _, t := range l {
		if t.err == nil {
			v = append(v, t.value)
		}
	}
	return v
}

// merge puts the action's outcomes (for values(), in order) back beside the
// targets that could not be resolved, labelled as the caller typed them.
func (l targetList) merge(outcomes []actions.Outcome) []actions.Outcome {
	if len(outcomes) != len(l.values()) {
		return outcomes // not per-target
	}
	merged := make([]actions.Outcome, 0, len(l))
	j := 0
	for _, t := range l {
		if t.err != nil {
			merged = append(merged, actions.Outcome{Target: t.label, Err: t.err})
			continue
		}
		o := outcomes[j]
		j++
		o.Target = t.label
		merged = append(merged, o)
	}
	return merged
}

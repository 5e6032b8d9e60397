package requests

import (
	"context"

	"oktabot/actions"
)

// People is who people are in Slack, as far as the lifecycle needs to
// know: the Slack edge implements it.
type People interface {
	// Resolve turns an action's targets as typed into what Okta is asked
	// about: a Slack mention becomes the mentioned person's profile email
	// (or why it cannot); other targets pass through.
	Resolve(ctx context.Context, a *actions.Action, typed []string) Targets
	// Whois is one Slack user, as a mention of them resolves.
	Whois(ctx context.Context, user string) Target
}

// Target is one target as the caller typed it (Label) and what the action
// gets (Value), or why it cannot be used (Err).
type Target struct {
	Label string
	Value string
	Err   error
}

// Targets are a request's targets, resolved.
type Targets []Target

// Values are the targets the action should run on.
func (l Targets) Values() []string {
	var v []string
	for _, t := range l {
		if t.Err == nil {
			v = append(v, t.Value)
		}
	}
	return v
}

// Merge puts the action's outcomes (for Values(), in order) back beside
// the targets that could not be resolved, labelled as the caller typed
// them.
func (l Targets) Merge(outcomes []actions.Outcome) []actions.Outcome {
	if len(outcomes) != len(l.Values()) {
		return outcomes // not per-target
	}
	merged := make([]actions.Outcome, 0, len(l))
	j := 0
	for _, t := range l {
		if t.Err != nil {
			merged = append(merged, actions.Outcome{Target: t.Label, Err: t.Err})
			continue
		}
		o := outcomes[j]
		j++
		o.Target = t.Label
		merged = append(merged, o)
	}
	return merged
}

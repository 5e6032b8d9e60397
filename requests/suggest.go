package requests

import (
	"context"

	"oktabot/actions"
	"oktabot/auth"
)

// Choice is one option a form's type-ahead offers: an Okta id and how
// people see it.
type Choice struct {
	ID   string
	Text string
}

// Suggest is the type-ahead of an action's form: the first users or groups
// in Okta that match what caller typed, offered only to someone the policy
// lets run the action (a refused caller learns nothing of the org).
func (e *Engine) Suggest(ctx context.Context, caller, channel string, a *actions.Action, typed string) []Choice {
	log := e.Log.With().Str("user", caller).Str("action", a.Name).Logger()
	d, err := e.Auth.Decide(ctx, caller, a.Name, channel)
	if err != nil || d.Verdict == auth.Deny {
		log.Info().Str("event", "suggest.refused").Msg("type-ahead for a caller not allowed to run the action")
		return nil
	}
	var out []Choice
	switch a.Targets {
	case actions.UserTargets:
		users, err := e.Dir.SearchUsers(ctx, typed, 20)
		if err != nil {
			LogOutcome(log, err, "type-ahead search failed")
		}
		for _, u := range users {
			out = append(out, Choice{ID: u.ID, Text: u.Name() + " (" + u.Login + ")"})
		}
	case actions.GroupTargets:
		groups, err := e.Dir.SearchGroups(ctx, typed, 20)
		if err != nil {
			LogOutcome(log, err, "type-ahead search failed")
		}
		for _, g := range groups {
			out = append(out, Choice{ID: g.ID, Text: g.Name})
		}
	}
	return out
}

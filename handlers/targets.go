package handlers

import (
	"context"
	"strings"
	"sync"

	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/blocks"
)

const (
	// MaxMentions is how many Slack @mentions one command may name: each
	// is a users.info call, and Slack allows an app about 100 of those a
	// minute (Tier 4).
	MaxMentions = 100
	// mentionLookups is how many users.info calls one command makes at
	// once.
	mentionLookups = 8
)

// target is one target as the caller typed it (label) and what the action
// gets (value), or why it cannot be used.
type target struct {
	label string
	value string
	err   error
}

type targetList []target

// mentions counts the distinct Slack users a command's targets mention,
// for an action whose targets are users (other actions resolve none).
func mentions(a *actions.Action, targets []string) int {
	if a.Targets != actions.UserTargets {
		return 0
	}
	seen := map[string]bool{}
	for _, t := range targets {
		if m := blocks.MentionRE.FindStringSubmatch(t); m != nil {
			seen[m[1]] = true
		}
	}
	return len(seen)
}

// resolveTargets turns Slack mentions into the mentioned person's email,
// read from their Slack profile by user id, a few lookups at a time and
// each person once. Names that merely look like mentions (a typed "@alice"
// that Slack did not resolve) are refused: a display name is not an
// identity. Other targets pass through. Callers cap the mentions first
// (MaxMentions).
func (b *Bot) resolveTargets(ctx context.Context, a *actions.Action, in []string) targetList {
	out := make(targetList, len(in))
	byUser := map[string][]int{} // mentioned user id -> indexes in out
	var users []string
	for i, t := range in {
		out[i] = target{label: t, value: t}
		if a.Targets != actions.UserTargets {
			continue
		}
		if m := blocks.MentionRE.FindStringSubmatch(t); m != nil {
			if byUser[m[1]] == nil {
				users = append(users, m[1])
			}
			byUser[m[1]] = append(byUser[m[1]], i)
			continue
		}
		if strings.HasPrefix(t, "@") {
			out[i].err = actions.Errorf(actions.KindInvalid, "%s is not a Slack mention I can trust; pick the person from Slack's @ list so the mention resolves, or give their Okta login", t)
		}
	}
	if len(users) == 0 {
		return out
	}
	resolved := make([]target, len(users))
	sem := make(chan struct{}, mentionLookups)
	var wg sync.WaitGroup
	for k, u := range users {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			resolved[k] = b.resolveMention(ctx, u)
		})
	}
	wg.Wait()
	for k, u := range users {
		for _, i := range byUser[u] {
			out[i] = resolved[k]
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
	case !b.sameOrganisation(ctx, u):
		// A Slack Connect guest's profile, email included, is kept by
		// their own organisation: it says nothing about who they are in
		// this Okta org.
		t.err = actions.Errorf(actions.KindForbidden, "@%s belongs to another organisation's Slack (Slack Connect), so I will not take their Okta account from their Slack profile; give their Okta login instead", u.Name)
	case u.Profile.Email == "":
		t.err = actions.Errorf(actions.KindNotFound, "@%s has no email in their Slack profile that the bot can see", u.Name)
	default:
		t.value = u.Profile.Email
	}
	return t
}

// sameOrganisation reports whether a Slack user belongs to the bot's own
// workspace (or, on Enterprise Grid, its organisation). It fails closed:
// when the bot's workspace cannot be learnt, nobody is.
func (b *Bot) sameOrganisation(ctx context.Context, u *slack.User) bool {
	if u.IsStranger {
		return false
	}
	team, enterprise, ok := b.workspace(ctx)
	switch {
	case !ok:
		return false
	case u.TeamID == team:
		return true
	}
	return enterprise != "" && u.Enterprise.EnterpriseID == enterprise
}

// workspace is the bot's own workspace and Enterprise Grid organisation
// (Config.TeamID, else auth.test, asked once it answers).
func (b *Bot) workspace(ctx context.Context) (team, enterprise string, ok bool) {
	b.teamMu.Lock()
	defer b.teamMu.Unlock()
	if b.cfg.TeamID == "" {
		who, err := b.cfg.Slack.AuthTestContext(ctx)
		if err != nil || who.TeamID == "" {
			b.log.Warn().Err(err).Msg("could not learn the bot's Slack workspace (auth.test)")
			return "", "", false
		}
		b.cfg.TeamID, b.cfg.EnterpriseID = who.TeamID, who.EnterpriseID
	}
	return b.cfg.TeamID, b.cfg.EnterpriseID, true
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

package handlers

import (
	"context"
	"strings"
	"sync"

	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/blocks"
	"oktabot/requests"
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
func (b *Bot) resolveTargets(ctx context.Context, a *actions.Action, in []string) requests.Targets {
	out := make(requests.Targets, len(in))
	byUser := map[string][]int{} // mentioned user id -> indexes in out
	var users []string
	for i, t := range in {
		out[i] = requests.Target{Label: t, Value: t}
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
			out[i].Err = actions.Errorf(actions.KindInvalid, "%s is not a Slack mention I can trust; pick the person from Slack's @ list so the mention resolves, or give their Okta login", t)
		}
	}
	if len(users) == 0 {
		return out
	}
	resolved := make([]requests.Target, len(users))
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

func (b *Bot) resolveMention(ctx context.Context, userID string) requests.Target {
	t := requests.Target{Label: "<@" + userID + ">"}
	u, err := b.cfg.Slack.GetUserInfoContext(ctx, userID)
	if err != nil {
		t.Err = &actions.Error{Kind: actions.KindNotFound, Message: "Slack could not tell me who " + userID + " is", Err: err}
		return t
	}
	t.Label = "@" + u.Name
	switch {
	case u.Deleted:
		t.Err = actions.Errorf(actions.KindNotFound, "@%s is a deactivated Slack account", u.Name)
	case u.IsBot:
		t.Err = actions.Errorf(actions.KindInvalid, "@%s is a bot, not a person with an Okta account", u.Name)
	case !b.sameOrganisation(ctx, u):
		// A Slack Connect guest's profile, email included, is kept by
		// their own organisation: it says nothing about who they are in
		// this Okta org.
		t.Err = actions.Errorf(actions.KindForbidden, "@%s belongs to another organisation's Slack (Slack Connect), so I will not take their Okta account from their Slack profile; give their Okta login instead", u.Name)
	case u.Profile.Email == "":
		t.Err = actions.Errorf(actions.KindNotFound, "@%s has no email in their Slack profile that the bot can see", u.Name)
	default:
		t.Value = u.Profile.Email
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

// slackPeople is who people are in Slack, for the lifecycle
// (requests.People).
type slackPeople struct{ b *Bot }

func (p slackPeople) Resolve(ctx context.Context, a *actions.Action, typed []string) requests.Targets {
	return p.b.resolveTargets(ctx, a, typed)
}

func (p slackPeople) Whois(ctx context.Context, user string) requests.Target {
	return p.b.resolveMention(ctx, user)
}

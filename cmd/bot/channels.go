package main

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"oktabot/auth"
)

// checkChannels warns, naming the channel and what the policy uses it for,
// about every channel the policy posts to (approval channels, the audit
// channel) that Slack does not show the bot, that is archived, or that the
// bot is not a member of: posts there would fail. It runs at start and
// after each reload, and never stops the bot: a channel can be fixed
// while it runs (/invite @oktabot).
func checkChannels(ctx context.Context, api *slack.Client, p *auth.Policy, log zerolog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, c := range p.Channels() {
		uses := strings.Join(c.Uses, ", ")
		warn := func() *zerolog.Event {
			return log.Warn().Str("event", "policy.channel").Str("channel", c.ID).Str("used_for", uses)
		}
		ch, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: c.ID})
		var se slack.SlackErrorResponse
		switch {
		case ctx.Err() != nil:
			return
		case errors.As(err, &se) && se.Err == "channel_not_found":
			warn().Msgf("the policy's channel %s (%s) was not found: no such channel, or a private channel oktabot is not a member of. Check the id, and invite oktabot to it (/invite @oktabot)", c.ID, uses)
		case errors.As(err, &se) && se.Err == "missing_scope":
			log.Warn().Str("event", "policy.channel").Msg("cannot check the policy's channels: the app lacks the channels:read and groups:read scopes (see manifest.yml); add them and reinstall the app")
			return
		case err != nil:
			warn().Str("problem", err.Error()).Msgf("could not check the policy's channel %s (%s)", c.ID, uses)
		case ch.IsArchived:
			warn().Msgf("the policy's channel #%s (%s, %s) is archived: oktabot cannot post there", ch.Name, c.ID, uses)
		case !ch.IsMember && !ch.IsIM:
			warn().Msgf("oktabot is not a member of the policy's channel #%s (%s, %s): posts there will fail. Invite it: /invite @oktabot", ch.Name, c.ID, uses)
		default:
			log.Debug().Str("channel", c.ID).Str("name", ch.Name).Msg("policy channel checked")
		}
	}
}

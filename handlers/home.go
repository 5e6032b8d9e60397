package handlers

import (
	"context"

	"github.com/slack-go/slack"

	"oktabot/blocks"
)

// publishHome fills the person's Home tab with what they may run here, as
// help does, whenever they open it.
func (b *Bot) publishHome(ctx context.Context, user string) {
	log := b.log.With().Str("user", user).Logger()
	permitted, err := b.cfg.Auth.Permitted(ctx, user, b.cfg.Registry.Names())
	if err != nil {
		log.Warn().Err(err).Msg("could not check the user against the policy for the Home tab")
	}
	view := blocks.Home(b.cfg.Command, blocks.Help(b.cfg.Command, b.cfg.Registry, permitted, nil))
	if _, err := b.cfg.Slack.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view}); err != nil {
		log.Error().Err(err).Msg("could not publish the Home tab")
	}
}

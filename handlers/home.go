package handlers

import (
	"context"

	"github.com/slack-go/slack"
)

// publishHome fills the person's Home tab with what they may run here, as
// help does, whenever they open it.
func (b *Bot) publishHome(ctx context.Context, user string) {
	log := b.log.With().Str("user", user).Logger()
	permitted, err := b.cfg.Auth.Permitted(ctx, user, b.cfg.Registry.Names())
	if err != nil {
		log.Warn().Err(err).Msg("could not check the user against the policy for the Home tab")
	}
	view := homeView(b.cfg.Command, renderHelp(b.cfg.Command, b.cfg.Registry, permitted, nil))
	if _, err := b.cfg.Slack.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view}); err != nil {
		log.Error().Err(err).Msg("could not publish the Home tab")
	}
}

// homeView is the Home tab: a heading, then the caller's help.
func homeView(command string, help reply) slack.HomeTabViewRequest {
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain("oktabot")),
		section("Okta administration from Slack. Type `" + command + "` in any channel to pick an action, or `" + command + " help` for the command line. Answers are visible only to you unless you add `--public`."),
		slack.NewDividerBlock(),
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: append(blocks, help.Blocks...)}}
}

package handlers

import (
	"context"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"oktabot/blocks"
)

// liveMessage is one private message that shows something as it goes (an
// Okta Verify push: its number, then its answer), updated in place. It is
// in the person's direct message with oktabot: Slack updates no ephemeral
// message for an app (chat.update refuses them, and a slash command's
// response_url cannot replace one; only a click on the ephemeral message
// itself could), while chat.update changes a direct message in place.
type liveMessage struct{ channel, ts string }

// showLive shows r to user in live, updated in place, or in a new live
// message when there is none yet (or it could not be updated); it returns
// the message. When not even that can be posted, r goes to them as a
// private message of its own (tellUser, ephemeral in channel when given)
// and nil is returned: each later state then comes the same way.
func (b *Bot) showLive(ctx context.Context, log zerolog.Logger, user, channel string, live *liveMessage, r blocks.Reply) *liveMessage {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	opts := []slack.MsgOption{slack.MsgOptionText(r.Text, false), slack.MsgOptionBlocks(r.Blocks...)}
	if live != nil {
		_, _, _, err := b.cfg.Slack.UpdateMessageContext(ctx, live.channel, live.ts, opts...)
		if err == nil {
			return live
		}
		log.Warn().Err(err).Msg("could not update a live message in place; posting a new one")
	}
	ch, ts, err := b.cfg.Slack.PostMessageContext(ctx, user, opts...)
	if err == nil {
		return &liveMessage{channel: ch, ts: ts}
	}
	log.Info().Err(err).Msg("could not post a live message in the direct message with oktabot; telling the user privately")
	b.tellUser(ctx, log, user, channel, r)
	return nil
}

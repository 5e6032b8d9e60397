package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
)

// sendCSV uploads a list to the caller's direct message with the app (or,
// for a public request, to the channel) and says where it went. A file
// the channel does not take (a direct message between people, a channel
// oktabot is not in) goes to the caller's direct message instead.
func (b *Bot) sendCSV(ctx context.Context, log zerolog.Logger, inv invocation, name string, content []byte, public bool) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	const failed = "The whole list could not be sent as a file; narrow the request to see the rest."
	instead := ""
	if public && inv.channel != "" {
		err := b.uploadCSV(ctx, inv.channel, name, content)
		if err == nil {
			return fmt.Sprintf("The whole list is in `%s`, sent in this channel.", name)
		}
		log.Warn().Err(withoutURLPath(err)).Msg("could not share the CSV file in the channel; sending it by direct message")
		instead = fmt.Sprintf(", as oktabot cannot share files in %s", conversationRef(inv.channel))
	}
	ch, _, _, err := b.cfg.Slack.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{inv.caller}})
	if err != nil {
		log.Error().Err(err).Msg("could not open a direct message for the CSV file")
		return failed
	}
	if err := b.uploadCSV(ctx, ch.ID, name, content); err != nil {
		log.Error().Err(withoutURLPath(err)).Msg("could not upload the CSV file")
		return failed
	}
	return fmt.Sprintf("The whole list is in `%s`, sent to you in a direct message%s.", name, instead)
}

func (b *Bot) uploadCSV(ctx context.Context, channel, name string, content []byte) error {
	_, err := b.cfg.Slack.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename: name, Title: name, Content: string(content), FileSize: len(content), Channel: channel,
		SnippetType: "csv",
	})
	return err
}

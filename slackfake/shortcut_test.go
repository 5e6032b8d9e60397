package slackfake

import (
	"encoding/json"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// A message shortcut arrives as a message_action payload carrying the
// message whole: text, blocks and attachments, and who posted it.
func TestMessageShortcutCarriesTheMessage(t *testing.T) {
	s := newFake(t)
	b := startBot(t, s)
	msg := s.PostAs("U9SIEM", "C3NOBOT", Post{
		Text: "alert", BotID: "B9SIEM",
		Blocks:      json.RawMessage(`[{"type":"section","text":{"type":"mrkdwn","text":"user <mailto:a@x.example|a@x.example>"}}]`),
		Attachments: json.RawMessage(`[{"text":"more","fields":[{"title":"User","value":"00u1","short":true}]}]`),
	})
	if _, err := s.MessageShortcut("U1ALICE", msg, "okta_scope"); err != nil {
		t.Fatal(err)
	}
	e := b.next(t, socketmode.EventTypeInteractive)
	cb := e.Data.(slack.InteractionCallback)
	if cb.Type != slack.InteractionTypeMessageAction || cb.CallbackID != "okta_scope" || cb.TriggerID == "" || cb.ResponseURL == "" {
		t.Fatalf("payload = %+v", cb)
	}
	if cb.Channel.ID != "C3NOBOT" || cb.Message.Timestamp != msg.TS || cb.Message.BotID != "B9SIEM" || cb.Message.Text != "alert" {
		t.Errorf("message = %+v", cb.Message)
	}
	if len(cb.Message.Blocks.BlockSet) != 1 || len(cb.Message.Attachments) != 1 || cb.Message.Attachments[0].Fields[0].Value != "00u1" {
		t.Errorf("blocks/attachments = %+v %+v", cb.Message.Blocks, cb.Message.Attachments)
	}
	if _, err := s.MessageShortcut("U2BOB", Message{Channel: "C1OPS", TS: "1.000"}, "okta_scope"); err == nil {
		t.Error("a shortcut on a message that does not exist was sent")
	}
}

// The bot reads only the conversations it is in; permalinks name a
// message, and thread replies carry their thread.
func TestHistoryAndPermalinks(t *testing.T) {
	s := newFake(t)
	b := startBot(t, s)
	api, ctx := b.api, t.Context()
	first := s.PostAs("U1ALICE", "C1OPS", Post{Text: "one"})
	second := s.PostAs("U2BOB", "C1OPS", Post{Text: "two"})
	reply := s.PostAs("U2BOB", "C1OPS", Post{Text: "in thread", ThreadTS: first.TS})
	hidden := s.PostAs("U1ALICE", "C3NOBOT", Post{Text: "secret"})

	h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1OPS", Latest: first.TS, Inclusive: true, Limit: 1})
	if err != nil || len(h.Messages) != 1 || h.Messages[0].Text != "one" {
		t.Fatalf("history at first = %+v %v", h, err)
	}
	h, err = api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1OPS"})
	if err != nil || len(h.Messages) != 2 || h.Messages[0].Timestamp != second.TS {
		t.Fatalf("history = %+v %v (no thread replies, newest first)", h, err)
	}
	msgs, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "C1OPS", Timestamp: first.TS, Latest: reply.TS, Oldest: reply.TS, Inclusive: true})
	if err != nil || len(msgs) != 1 || msgs[0].Text != "in thread" {
		t.Fatalf("replies = %+v %v", msgs, err)
	}
	if _, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C3NOBOT"}); slackErr(err) != "not_in_channel" {
		t.Errorf("history of a channel without the bot: %v, want not_in_channel", err)
	}
	if _, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "C3NOBOT", Timestamp: hidden.TS}); slackErr(err) != "not_in_channel" {
		t.Errorf("replies in a channel without the bot: %v, want not_in_channel", err)
	}
	link, err := api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "C1OPS", Ts: reply.TS})
	want := "https://fake.slack.com/archives/C1OPS/p" + reply.TS[:10] + reply.TS[11:] + "?thread_ts=" + first.TS + "&cid=C1OPS"
	if err != nil || link != want {
		t.Errorf("permalink = %q %v, want %q", link, err, want)
	}
	if _, err := api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "C1OPS", Ts: "1.000001"}); slackErr(err) != "message_not_found" {
		t.Errorf("permalink of no message: %v", err)
	}
}

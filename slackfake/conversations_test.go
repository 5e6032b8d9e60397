package slackfake

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// A direct message between two people and a private channel the app is not
// in do not exist for the app: every call naming them answers
// channel_not_found, as Slack does. A slash command typed there still gets
// its response_url, which works.
func TestConversationsTheAppIsNotPartOf(t *testing.T) {
	s := newFake(t)
	b := startBot(t, s)
	api, ctx := b.api, t.Context()
	people := s.AddDM("U1ALICE", "U2BOB")
	s.AddPrivateChannel("G1SECRET", "secret", "U1ALICE")
	s.SetBotMember("G1SECRET", false)
	s.AddPrivateChannel("G2TEAM", "team", "U1ALICE")

	for _, ch := range []string{people, "G1SECRET", "D404"} {
		if _, _, err := api.PostMessageContext(ctx, ch, slack.MsgOptionText("x", false)); slackErr(err) != "channel_not_found" {
			t.Errorf("chat.postMessage in %s: %v, want channel_not_found", ch, err)
		}
		if _, err := api.PostEphemeralContext(ctx, ch, "U1ALICE", slack.MsgOptionText("x", false)); slackErr(err) != "channel_not_found" {
			t.Errorf("chat.postEphemeral in %s: %v, want channel_not_found", ch, err)
		}
		if _, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{ChannelID: ch}); slackErr(err) != "channel_not_found" {
			t.Errorf("conversations.open %s: %v, want channel_not_found", ch, err)
		}
		content := "a,b\n"
		_, err := api.UploadFileContext(ctx, slack.UploadFileParameters{Filename: "x.csv", FileSize: len(content), Content: content, Channel: ch})
		if slackErr(err) != "channel_not_found" {
			t.Errorf("file upload to %s: %v, want channel_not_found", ch, err)
		}
	}
	// A private channel the bot is in works like any other.
	if _, _, err := api.PostMessageContext(ctx, "G2TEAM", slack.MsgOptionText("x", false)); err != nil {
		t.Errorf("private channel with the bot: %v", err)
	}
	if _, err := api.PostEphemeralContext(ctx, "G2TEAM", "U1ALICE", slack.MsgOptionText("x", false)); err != nil {
		t.Errorf("ephemeral in a private channel with the bot: %v", err)
	}
	// The app's own DM with a person: by user id, by AppDM's id, and by
	// conversations.open, all the same conversation.
	dm := s.AppDM("U1ALICE")
	ch, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U1ALICE"}})
	if err != nil || ch.ID != dm {
		t.Errorf("conversations.open users=U1ALICE: %v %v, want %s", ch, err, dm)
	}
	if got, _, err := api.PostMessageContext(ctx, "U1ALICE", slack.MsgOptionText("hi", false)); err != nil || got != dm {
		t.Errorf("post to U1ALICE: %q %v, want %s", got, err, dm)
	}
	if _, err := api.PostEphemeralContext(ctx, dm, "U2BOB", slack.MsgOptionText("x", false)); slackErr(err) != "user_not_in_channel" {
		t.Errorf("ephemeral to Bob in Alice's DM with the app: %v", err)
	}

	// A slash command in the people's DM: its response_url answers, in
	// the DM for both of them with in_channel.
	i := s.SlashCommand("U1ALICE", people, "/okta", "ping")
	e := b.next(t, socketmode.EventTypeSlashCommand)
	_ = b.sm.Ack(*e.Request)
	cmd := e.Data.(slack.SlashCommand)
	if cmd.ChannelID != people || cmd.ChannelName != "directmessage" {
		t.Errorf("slash command from %s/%s", cmd.ChannelID, cmd.ChannelName)
	}
	for _, typ := range []string{slack.ResponseTypeEphemeral, slack.ResponseTypeInChannel} {
		if _, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(cmd.ResponseURL, typ), slack.MsgOptionText(typ, false)); err != nil {
			t.Errorf("response_url %s: %v", typ, err)
		}
	}
	replies, err := i.WaitReplies(2, wait)
	if err != nil || replies[0].Channel != people || !replies[0].Ephemeral() || replies[1].Ephemeral() {
		t.Errorf("replies %+v %v", replies, err)
	}
}

func TestSlackConnectUserInfo(t *testing.T) {
	s := newFake(t)
	s.AddUser(User{ID: "U9EXT", Name: "ext", Email: "ext@other.example", TeamID: "T9OTHER", IsStranger: true})
	u, err := newAPI(s).GetUserInfoContext(t.Context(), "U9EXT")
	if err != nil || u.TeamID != "T9OTHER" || !u.IsStranger || u.Profile.Team != "T9OTHER" {
		t.Errorf("external user %+v %v", u, err)
	}
	u, err = newAPI(s).GetUserInfoContext(t.Context(), "U1ALICE")
	if err != nil || u.TeamID != s.TeamID() || u.IsStranger {
		t.Errorf("own user %+v %v", u, err)
	}
}

func TestLatencyAndMaxInFlight(t *testing.T) {
	s := newFake(t)
	s.SetLatency("users.info", 100*time.Millisecond)
	api := newAPI(s)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := api.GetUserInfoContext(t.Context(), "U1ALICE"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := s.MaxInFlight("users.info"); n < 2 || n > 4 {
		t.Errorf("MaxInFlight = %d, want 2..4", n)
	}
	if n := s.MaxInFlight("chat.postMessage"); n != 0 {
		t.Errorf("MaxInFlight(chat.postMessage) = %d", n)
	}
}

// conversations.info: what the app can see, as Slack shows it to a bot
// token; is_member tells a public channel the bot is in from one it is not.
func TestConversationsInfo(t *testing.T) {
	// The app's DM needs im:read, which the manifest does not grant.
	s := newFake(t, WithScopes(append(slices.Clone(manifestScopes), "im:read")...))
	api, ctx := newAPI(s), t.Context()
	s.AddChannel("C1GENERAL", "general", "U1ALICE")
	s.AddChannel("C2OUTSIDE", "outside", "U1ALICE")
	s.SetBotMember("C2OUTSIDE", false)
	s.AddChannel("C3OLD", "old")
	s.ArchiveChannel("C3OLD")
	s.AddPrivateChannel("C4TEAM", "team", "U1ALICE")
	s.AddPrivateChannel("G5SECRET", "secret", "U1ALICE")
	s.SetBotMember("G5SECRET", false)
	s.AddUser(User{ID: "U1ALICE"})
	people := s.AddDM("U1ALICE", "U2BOB")

	info := func(id string) (*slack.Channel, error) {
		return api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
	}
	for _, c := range []struct {
		id                            string
		member, private, archived, im bool
		name                          string
	}{
		{id: "C1GENERAL", member: true, name: "general"},
		{id: "C2OUTSIDE", name: "outside"},
		{id: "C3OLD", member: true, archived: true, name: "old"},
		{id: "C4TEAM", member: true, private: true, name: "team"},
		{id: s.AppDM("U1ALICE"), im: true},
	} {
		ch, err := info(c.id)
		if err != nil {
			t.Errorf("conversations.info %s: %v", c.id, err)
			continue
		}
		if ch.ID != c.id || ch.IsMember != c.member || ch.IsPrivate != c.private || ch.IsArchived != c.archived || ch.IsIM != c.im || ch.Name != c.name {
			t.Errorf("conversations.info %s = %+v, want %+v", c.id, ch.GroupConversation, c)
		}
	}
	for _, id := range []string{"G5SECRET", people, "C404"} {
		if _, err := info(id); slackErr(err) != "channel_not_found" {
			t.Errorf("conversations.info %q: %v, want channel_not_found", id, err)
		}
	}
}

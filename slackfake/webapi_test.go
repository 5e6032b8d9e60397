package slackfake

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

// post sends a raw Web API request and decodes the answer.
func post(t *testing.T, s *Server, method, contentType, body, bearer string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.APIURL()+method, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: not JSON: %s", method, b)
	}
	if _, ok := m["ok"].(bool); !ok {
		t.Errorf("%s: no ok field: %s", method, b)
	}
	if m["ok"] == false {
		if e, _ := m["error"].(string); e == "" {
			t.Errorf("%s: ok:false without error: %s", method, b)
		}
	}
	return resp.StatusCode, m
}

func TestTokenChecks(t *testing.T) {
	s := newFake(t, WithoutViolationCheck())
	form := "application/x-www-form-urlencoded"
	cases := []struct {
		name, method, ctype, body, bearer, want string
	}{
		{"form token in body", "auth.test", form, "token=" + s.BotToken(), "", ""},
		{"form bearer", "auth.test", form, "", s.BotToken(), ""},
		{"json bearer", "auth.test", "application/json", "{}", s.BotToken(), ""},
		{"json token in body is not read", "auth.test", "application/json", `{"token":"` + s.BotToken() + `"}`, "", "not_authed"},
		{"query token is not read", "auth.test?token=" + s.BotToken(), form, "", "", "not_authed"},
		{"missing", "chat.postMessage", form, "channel=C1OPS&text=hi", "", "not_authed"},
		{"wrong", "chat.postMessage", form, "channel=C1OPS&text=hi&token=xoxb-nope", "", "invalid_auth"},
		{"app token on chat", "chat.postMessage", form, "channel=C1OPS&text=hi&token=" + s.AppToken(), "", "not_allowed_token_type"},
		{"app token on views", "views.open", "application/json", `{"trigger_id":"x","view":{}}`, s.AppToken(), "not_allowed_token_type"},
		{"bad json", "views.open", "application/json", `{`, s.BotToken(), "invalid_json"},
		{"unknown method", "chat.meMessage", form, "token=" + s.BotToken(), "", "unknown_method"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, m := post(t, s, tc.method, tc.ctype, tc.body, tc.bearer)
			if status != http.StatusOK {
				t.Errorf("status %d", status)
			}
			got, _ := m["error"].(string)
			if got != tc.want {
				t.Errorf("error %q, want %q (%v)", got, tc.want, m)
			}
		})
	}
	if v := s.TakeViolations(); len(v) != 1 || !strings.Contains(v[0], "chat.meMessage") {
		t.Errorf("violations %v", v)
	}
	for _, c := range s.Calls() {
		if _, ok := c.Params["token"]; ok {
			t.Errorf("token recorded in %+v", c)
		}
	}
}

func TestAuthTest(t *testing.T) {
	s := newFake(t)
	resp, err := newAPI(s).AuthTestContext(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if resp.UserID != s.BotUserID() || resp.TeamID != s.TeamID() || resp.BotID == "" {
		t.Errorf("auth.test %+v", resp)
	}
}

func TestChatPostMessageAndErrors(t *testing.T) {
	s := newFake(t)
	api := newAPI(s)
	ctx := t.Context()
	ch, ts, err := api.PostMessageContext(ctx, "C1OPS", slack.MsgOptionText("hello", false),
		slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*hello*", false, false), nil, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if ch != "C1OPS" || ts == "" {
		t.Errorf("channel %q ts %q", ch, ts)
	}
	m, err := s.WaitMessage(wait, func(m Message) bool { return m.TS == ts })
	if err != nil {
		t.Fatal(err)
	}
	if m.Via != "chat.postMessage" || m.Ephemeral() || m.AllText() != "hello\n*hello*" {
		t.Errorf("message %+v %q", m, m.AllText())
	}
	if !strings.Contains(string(m.Blocks), `"block_id"`) {
		t.Errorf("blocks got no block_id: %s", m.Blocks)
	}

	// A DM by user id, and a thread reply.
	ch, _, err = api.PostMessageContext(ctx, "U1ALICE", slack.MsgOptionText("psst", false))
	if err != nil || !strings.HasPrefix(ch, "D") {
		t.Errorf("DM: %q %v", ch, err)
	}
	_, reply, err := api.PostMessageContext(ctx, "C1OPS", slack.MsgOptionText("in thread", false), slack.MsgOptionTS(ts))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ChannelMessage("C1OPS", reply); got.ThreadTS != ts {
		t.Errorf("thread_ts %q", got.ThreadTS)
	}

	s.AddChannel("C9OLD", "old")
	s.ArchiveChannel("C9OLD")
	for _, tc := range []struct {
		channel string
		opts    []slack.MsgOption
		want    string
	}{
		{"C404", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"U404", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"C3NOBOT", []slack.MsgOption{slack.MsgOptionText("x", false)}, "not_in_channel"},
		{"C9OLD", []slack.MsgOption{slack.MsgOptionText("x", false)}, "is_archived"},
		{"C1OPS", nil, "no_text"},
	} {
		_, _, err := api.PostMessageContext(ctx, tc.channel, tc.opts...)
		if got := slackErr(err); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.channel, got, tc.want)
		}
	}
	if n := s.CallCount("chat.postMessage"); n != 8 {
		t.Errorf("chat.postMessage count %d", n)
	}
	calls := s.Calls()
	if last := calls[len(calls)-1]; last.Error != "no_text" || last.Params["channel"] != "C1OPS" {
		t.Errorf("last call %+v", last)
	}
}

func TestMessageTextIsTruncatedWithWarning(t *testing.T) {
	s := newFake(t)
	body := url.Values{"token": {s.BotToken()}, "channel": {"C1OPS"}, "text": {strings.Repeat("é", maxMessageText+10)}}.Encode()
	_, m := post(t, s, "chat.postMessage", "application/x-www-form-urlencoded", body, "")
	if m["ok"] != true || m["warning"] != "message_truncated" {
		t.Errorf("answer ok=%v warning=%v", m["ok"], m["warning"])
	}
	msg, _ := s.ChannelMessage("C1OPS", m["ts"].(string))
	if n := len([]rune(msg.Text)); n != maxMessageText {
		t.Errorf("stored %d characters", n)
	}
}

func TestInvalidBlocksAnswerCarriesJSONPointers(t *testing.T) {
	s := newFake(t, WithoutViolationCheck())
	api := newAPI(s)
	long := slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", strings.Repeat("a", 3001), false, false), nil, nil)
	_, _, err := api.PostMessageContext(t.Context(), "C1OPS", slack.MsgOptionText("x", false), slack.MsgOptionBlocks(long))
	se, ok := errors.AsType[slack.SlackErrorResponse](err)
	if !ok || se.Err != "invalid_blocks" {
		t.Fatalf("err %v", err)
	}
	if len(se.Errors) != 1 || se.Errors[0].Message == nil || *se.Errors[0].Message != "must be less than 3001 characters [json-pointer:/blocks/0/text/text]" {
		t.Errorf("errors %+v", se.Errors)
	}
	if len(se.ResponseMetadata.Messages) != 1 || !strings.HasPrefix(se.ResponseMetadata.Messages[0], "[ERROR] must be less") {
		t.Errorf("response_metadata %+v", se.ResponseMetadata)
	}
	var blocks []slack.Block
	for range 51 {
		blocks = append(blocks, slack.NewDividerBlock())
	}
	_, _, err = api.PostMessageContext(t.Context(), "C1OPS", slack.MsgOptionText("x", false), slack.MsgOptionBlocks(blocks...))
	if slackErr(err) != "invalid_blocks" {
		t.Errorf("51 blocks: %v", err)
	}
	if v := s.TakeViolations(); len(v) != 2 {
		t.Errorf("violations %v", v)
	}
	if len(s.Messages()) != 0 {
		t.Errorf("invalid messages were recorded: %+v", s.Messages())
	}
}

func TestChatPostEphemeral(t *testing.T) {
	s := newFake(t)
	api := newAPI(s)
	ctx := t.Context()
	ts, err := api.PostEphemeralContext(ctx, "C1OPS", "U1ALICE", slack.MsgOptionText("only you", false))
	if err != nil || ts == "" {
		t.Fatalf("ts %q err %v", ts, err)
	}
	m, err := s.WaitMessage(wait, func(m Message) bool { return m.Via == "chat.postEphemeral" })
	if err != nil {
		t.Fatal(err)
	}
	if !m.Ephemeral() || m.User != "U1ALICE" || m.TS != ts {
		t.Errorf("message %+v", m)
	}
	for _, tc := range []struct{ channel, user, want string }{
		{"C2APPROVALS", "U1ALICE", "user_not_in_channel"},
		{"C404", "U1ALICE", "channel_not_found"},
		{"C3NOBOT", "U1ALICE", "not_in_channel"},
		{"C1OPS", "U404", "user_not_found"},
	} {
		_, err := api.PostEphemeralContext(ctx, tc.channel, tc.user, slack.MsgOptionText("x", false))
		if got := slackErr(err); got != tc.want {
			t.Errorf("%s/%s: %q, want %q", tc.channel, tc.user, got, tc.want)
		}
	}
	// Ephemeral messages cannot be updated.
	_, _, _, err = api.UpdateMessageContext(ctx, "C1OPS", ts, slack.MsgOptionText("changed", false))
	if got := slackErr(err); got != "message_not_found" {
		t.Errorf("update ephemeral: %q", got)
	}
}

func TestChatUpdate(t *testing.T) {
	s := newFake(t)
	api := newAPI(s)
	ctx := t.Context()
	btn := slack.NewButtonBlockElement("approve", "req-1", slack.NewTextBlockObject("plain_text", "Approve", false, false))
	_, ts, err := api.PostMessageContext(ctx, "C2APPROVALS", slack.MsgOptionText("Request", false), slack.MsgOptionBlocks(slack.NewActionBlock("act", btn)))
	if err != nil {
		t.Fatal(err)
	}
	_, _, _, err = api.UpdateMessageContext(ctx, "C2APPROVALS", ts, slack.MsgOptionText("Approved by bob", false), slack.MsgOptionBlocks())
	if err != nil {
		t.Fatal(err)
	}
	cur, ok := s.ChannelMessage("C2APPROVALS", ts)
	if !ok || cur.Text != "Approved by bob" || cur.Blocks != nil || len(cur.Buttons()) != 0 {
		t.Errorf("current %+v", cur)
	}
	msgs := s.Messages()
	if len(msgs) != 2 || msgs[1].Via != "chat.update" || msgs[1].TS != ts || msgs[0].Buttons()[0] != "Approve" {
		t.Errorf("messages %+v", msgs)
	}
	user := s.PostAsUser("U2BOB", "C2APPROVALS", "my own message")
	for _, tc := range []struct{ channel, ts, want string }{
		{"C2APPROVALS", "1.000000", "message_not_found"},
		{"C2APPROVALS", user.TS, "cant_update_message"},
		{"C404", ts, "channel_not_found"},
	} {
		_, _, _, err := api.UpdateMessageContext(ctx, tc.channel, tc.ts, slack.MsgOptionText("x", false))
		if got := slackErr(err); got != tc.want {
			t.Errorf("%s/%s: %q, want %q", tc.channel, tc.ts, got, tc.want)
		}
	}
	_, _, _, err = api.UpdateMessageContext(ctx, "C2APPROVALS", ts, slack.MsgOptionBlocks())
	if got := slackErr(err); got != "no_text" {
		t.Errorf("update to nothing: %q", got)
	}
}

func TestUsersInfoAndUsergroups(t *testing.T) {
	s := newFake(t)
	api := newAPI(s)
	ctx := t.Context()
	u, err := api.GetUserInfoContext(ctx, "U2BOB")
	if err != nil {
		t.Fatal(err)
	}
	got := []any{u.ID, u.TeamID, u.Name, u.RealName, u.Deleted, u.IsBot, u.Profile.Email, u.Profile.DisplayName, u.Profile.RealName}
	want := []any{"U2BOB", s.TeamID(), "bob", "Bob Example", false, false, "bob@corp.example", "bobby", "Bob Example"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("user (-want +got):\n%s", diff)
	}
	if u, err := api.GetUserInfoContext(ctx, "U3CAROL"); err != nil || !u.Deleted || u.Profile.Email != "" {
		t.Errorf("deleted user %+v %v", u, err)
	}
	if u, err := api.GetUserInfoContext(ctx, s.BotUserID()); err != nil || !u.IsBot {
		t.Errorf("bot user %+v %v", u, err)
	}
	if _, err := api.GetUserInfoContext(ctx, "U404"); slackErr(err) != "user_not_found" {
		t.Errorf("unknown user: %v", err)
	}
	members, err := api.GetUserGroupMembersContext(ctx, "S1SEC")
	if err != nil || !cmp.Equal(members, []string{"U1ALICE", "U2BOB"}) {
		t.Errorf("members %v %v", members, err)
	}
	if _, err := api.GetUserGroupMembersContext(ctx, "S404"); slackErr(err) != "no_such_subteam" {
		t.Errorf("unknown group: %v", err)
	}
	if n := s.CallCount("users.info"); n != 4 {
		t.Errorf("users.info count %d", n)
	}
	if n := s.CallCount("usergroups.users.list"); n != 2 {
		t.Errorf("usergroups.users.list count %d", n)
	}
}

func TestInjectedRateLimit(t *testing.T) {
	s := newFake(t)
	s.InjectError("users.info", "ratelimited")
	_, err := newAPI(s).GetUserInfoContext(t.Context(), "U1ALICE")
	rl, ok := errors.AsType[*slack.RateLimitedError](err)
	if !ok || rl.RetryAfter.Seconds() != 1 {
		t.Fatalf("err %v", err)
	}
	if _, err := newAPI(s).GetUserInfoContext(t.Context(), "U1ALICE"); err != nil {
		t.Errorf("second call: %v", err)
	}
}

func TestFileUpload(t *testing.T) {
	s := newFake(t)
	api := newAPI(s)
	content := "id,login\n1,alice@corp.example\n"
	f, err := api.UploadFileContext(t.Context(), slack.UploadFileParameters{
		Filename: "users.csv", FileSize: len(content), Content: content, Title: "Users", Channel: "C1OPS", InitialComment: "here",
	})
	if err != nil {
		t.Fatal(err)
	}
	files := s.Files()
	if len(files) != 1 || files[0].ID != f.ID || string(files[0].Content) != content || !files[0].Completed || files[0].Channel != "C1OPS" || files[0].Title != "Users" {
		t.Errorf("files %+v", files)
	}
	_, err = api.CompleteUploadExternalContext(t.Context(), slack.CompleteUploadExternalParameters{Files: []slack.FileSummary{{ID: "F404"}}})
	if slackErr(err) != "file_not_found" {
		t.Errorf("unknown file: %v", err)
	}
}

func TestFormEncodedBlocksAndJSONViewStringAreAccepted(t *testing.T) {
	s := newFake(t)
	blocks := `[{"type":"section","text":{"type":"plain_text","text":"hi"}}]`
	body := url.Values{"token": {s.BotToken()}, "channel": {"C1OPS"}, "blocks": {blocks}}.Encode()
	if _, m := post(t, s, "chat.postMessage", "application/x-www-form-urlencoded", body, ""); m["ok"] != true {
		t.Errorf("form: %v", m)
	}
	if _, m := post(t, s, "chat.postMessage", "application/json; charset=utf-8", `{"channel":"C1OPS","blocks":`+blocks+`}`, s.BotToken()); m["ok"] != true {
		t.Errorf("json: %v", m)
	}
}

func TestConversationsOpen(t *testing.T) {
	s := newFake(t)
	api := newAPI(s)
	ch, _, _, err := api.OpenConversationContext(t.Context(), &slack.OpenConversationParameters{Users: []string{"U1ALICE"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ch.ID, "D") {
		t.Fatalf("DM id = %q", ch.ID)
	}
	again, _, _, _ := api.OpenConversationContext(t.Context(), &slack.OpenConversationParameters{Users: []string{"U1ALICE"}})
	if again.ID != ch.ID {
		t.Errorf("the same user's DM changed id: %s then %s", ch.ID, again.ID)
	}
	if _, _, err := api.PostMessageContext(t.Context(), ch.ID, slack.MsgOptionText("hi", false)); err != nil {
		t.Errorf("posting in the DM: %v", err)
	}
	if _, _, _, err := api.OpenConversationContext(t.Context(), &slack.OpenConversationParameters{Users: []string{"U404"}}); slackErr(err) != "user_not_found" {
		t.Errorf("unknown user: %v", err)
	}
}

func TestViewsPublish(t *testing.T) {
	s := newFake(t)
	api := newAPI(s)
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "hello", false, false), nil, nil),
	}}}
	v, err := api.PublishViewContext(t.Context(), slack.PublishViewContextRequest{UserID: "U1ALICE", View: home})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := s.Home("U1ALICE")
	if !ok || got.ID != v.ID || !strings.Contains(got.AllText(), "hello") {
		t.Errorf("home = %+v, %v", got, ok)
	}
	// Publishing again replaces the same view; a stale hash conflicts.
	stale := "1.00000000"
	if _, err := api.PublishViewContext(t.Context(), slack.PublishViewContextRequest{UserID: "U1ALICE", View: home, Hash: &stale}); slackErr(err) != "hash_conflict" {
		t.Errorf("stale hash: %v", err)
	}
	if _, err := api.PublishViewContext(t.Context(), slack.PublishViewContextRequest{UserID: "U404", View: home}); slackErr(err) != "user_not_found" {
		t.Errorf("unknown user: %v", err)
	}
	s.TakeViolations()
	bad := home
	bad.Blocks.BlockSet = append(bad.Blocks.BlockSet, slack.NewInputBlock("in", slack.NewTextBlockObject("plain_text", "x", false, false), nil, slack.NewPlainTextInputBlockElement(nil, "in")))
	if _, err := api.PublishViewContext(t.Context(), slack.PublishViewContextRequest{UserID: "U1ALICE", View: bad}); slackErr(err) != "invalid_arguments" {
		t.Errorf("input block in a home view: %v", err)
	}
	s.TakeViolations()
}

func TestLimitPostsPerChannel(t *testing.T) {
	s := New(t)
	s.AddChannel("C0LIMITED", "limited")
	s.AddChannel("C0FREE", "free")
	s.LimitPosts("C0LIMITED", time.Hour)
	api := slack.New(s.BotToken(), slack.OptionAPIURL(s.APIURL()))
	if _, _, err := api.PostMessage("C0LIMITED", slack.MsgOptionText("one", false)); err != nil {
		t.Fatalf("first post: %v", err)
	}
	_, _, err := api.PostMessage("C0LIMITED", slack.MsgOptionText("two", false))
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); !ok || rl.RetryAfter != time.Second {
		t.Errorf("second post within the limit: err = %v, want ratelimited, Retry-After 1 s", err)
	}
	if _, _, err := api.PostMessage("C0FREE", slack.MsgOptionText("other channel", false)); err != nil {
		t.Errorf("another channel is limited too: %v", err)
	}
	s.LimitPosts("C0LIMITED", 0)
	if _, _, err := api.PostMessage("C0LIMITED", slack.MsgOptionText("three", false)); err != nil {
		t.Errorf("post after lifting the limit: %v", err)
	}
}

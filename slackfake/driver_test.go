package slackfake

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func pt(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject("plain_text", s, false, false)
}

func approvalBlocks(id string) slack.MsgOption {
	return slack.MsgOptionBlocks(
		slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "Disable *alice*?", false, false), nil, nil),
		slack.NewActionBlock("approval",
			slack.NewButtonBlockElement("approve", id, pt("Approve")).WithStyle(slack.StylePrimary),
			slack.NewButtonBlockElement("deny", id, pt("Deny")).WithStyle(slack.StyleDanger)),
	)
}

func interaction(t *testing.T, b *bot) (slack.InteractionCallback, *socketmode.Request) {
	t.Helper()
	e := b.next(t, socketmode.EventTypeInteractive)
	cb, ok := e.Data.(slack.InteractionCallback)
	if !ok {
		t.Fatalf("data %T", e.Data)
	}
	return cb, e.Request
}

func TestClickButtonPayloadAndReplaceOriginal(t *testing.T) {
	s := newFake(t)
	b := startBot(t, s)
	ctx := t.Context()
	_, ts, err := b.api.PostMessageContext(ctx, "C2APPROVALS", slack.MsgOptionText("Approval needed", false), approvalBlocks("req-7"))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := s.WaitMessage(wait, func(m Message) bool { return m.TS == ts })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClickButton("U2BOB", msg, "Maybe"); err == nil || !strings.Contains(err.Error(), `"Approve" "Deny"`) {
		t.Errorf("unknown button: %v", err)
	}
	i, err := s.ClickButton("U2BOB", msg, "Approve")
	if err != nil {
		t.Fatal(err)
	}
	cb, req := interaction(t, b)
	if cb.Type != slack.InteractionTypeBlockActions || cb.User.ID != "U2BOB" || cb.User.Name != "bob" || cb.Team.ID != s.TeamID() ||
		cb.Channel.ID != "C2APPROVALS" || cb.Channel.Name != "approvals" || cb.APIAppID != s.AppID() {
		t.Errorf("callback %+v", cb)
	}
	if cb.Container.Type != "message" || cb.Container.MessageTs != ts || cb.Container.ChannelID != "C2APPROVALS" || cb.Container.IsEphemeral {
		t.Errorf("container %+v", cb.Container)
	}
	if cb.Message.Timestamp != ts || cb.Message.Text != "Approval needed" || len(cb.Message.Blocks.BlockSet) != 2 {
		t.Errorf("message %+v", cb.Message)
	}
	if len(cb.ActionCallback.BlockActions) != 1 {
		t.Fatalf("actions %+v", cb.ActionCallback)
	}
	a := cb.ActionCallback.BlockActions[0]
	if a.ActionID != "approve" || a.BlockID != "approval" || a.Value != "req-7" || a.Type != "button" || a.Text.Text != "Approve" || a.ActionTs == "" {
		t.Errorf("action %+v", a)
	}
	if cb.ResponseURL != i.ResponseURL || cb.TriggerID != i.TriggerID || cb.BlockActionState == nil {
		t.Errorf("response_url %q trigger %q state %v", cb.ResponseURL, cb.TriggerID, cb.BlockActionState)
	}
	if !req.AcceptsResponsePayload {
		t.Error("accepts_response_payload false")
	}
	if err := b.sm.Ack(*req); err != nil {
		t.Fatal(err)
	}
	if _, err := i.WaitAck(wait); err != nil {
		t.Fatal(err)
	}

	// The bot replaces the original through response_url (slack-go sends
	// "blocks":null when there are none).
	_, _, err = b.api.PostMessageContext(ctx, "", slack.MsgOptionReplaceOriginal(cb.ResponseURL), slack.MsgOptionText("Approved by <@U2BOB>", false))
	if err != nil {
		t.Fatal(err)
	}
	replies, err := i.WaitReplies(1, wait)
	if err != nil {
		t.Fatal(err)
	}
	if r := replies[0]; !r.ReplaceOriginal || r.TS != ts || r.Channel != "C2APPROVALS" || r.Ephemeral() || r.Text != "Approved by <@U2BOB>" {
		t.Errorf("reply %+v", r)
	}
	cur, _ := s.ChannelMessage("C2APPROVALS", ts)
	if cur.Text != "Approved by <@U2BOB>" || len(cur.Buttons()) != 0 {
		t.Errorf("current %+v", cur)
	}
	// The user sees the message as it is now: the buttons are gone.
	if _, err := s.ClickButton("U2BOB", msg, "Approve"); err == nil {
		t.Error("clicked a button that was replaced away")
	}
}

func TestBlockActionsAcceptsResponsePayloadOption(t *testing.T) {
	s := newFake(t, WithBlockActionsAcceptsResponsePayload(false), WithoutViolationCheck())
	b := startBot(t, s)
	_, ts, err := b.api.PostMessageContext(t.Context(), "C2APPROVALS", approvalBlocks("r"))
	if err != nil {
		t.Fatal(err)
	}
	i, err := s.ClickButton("U2BOB", Message{Channel: "C2APPROVALS", TS: ts}, "Deny")
	if err != nil {
		t.Fatal(err)
	}
	_, req := interaction(t, b)
	if req.AcceptsResponsePayload {
		t.Error("accepts_response_payload true")
	}
	if err := b.sm.Ack(*req, map[string]any{"text": "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := i.WaitAck(wait); err != nil {
		t.Fatal(err)
	}
	if v := s.TakeViolations(); len(v) != 1 {
		t.Errorf("violations %v", v)
	}
}

func TestEphemeralButtonsDeleteOriginal(t *testing.T) {
	s := newFake(t)
	b := startBot(t, s)
	ctx := t.Context()
	ts, err := b.api.PostEphemeralContext(ctx, "C1OPS", "U1ALICE", slack.MsgOptionText("Reset link ready", false), approvalBlocks("x"))
	if err != nil {
		t.Fatal(err)
	}
	msg := Message{Channel: "C1OPS", TS: ts}
	if _, err := s.ClickButton("U2BOB", msg, "Approve"); err == nil {
		t.Error("bob clicked alice's ephemeral message")
	}
	i, err := s.ClickButton("U1ALICE", msg, "Deny")
	if err != nil {
		t.Fatal(err)
	}
	cb, req := interaction(t, b)
	if !cb.Container.IsEphemeral || cb.Message.Timestamp != "" {
		t.Errorf("ephemeral click: container %+v message %+v", cb.Container, cb.Message)
	}
	_ = b.sm.Ack(*req)
	if _, _, err := b.api.PostMessageContext(ctx, "", slack.MsgOptionDeleteOriginal(cb.ResponseURL)); err != nil {
		t.Fatal(err)
	}
	replies, err := i.WaitReplies(1, wait)
	if err != nil {
		t.Fatal(err)
	}
	if !replies[0].DeleteOriginal || replies[0].TS != ts {
		t.Errorf("reply %+v", replies[0])
	}
	if _, ok := s.ChannelMessage("C1OPS", ts); ok {
		t.Error("message still there")
	}
	if _, err := s.ClickButton("U1ALICE", msg, "Deny"); err == nil {
		t.Error("clicked a deleted message")
	}
}

func TestResponseURLFiveUsesWithinThirtyMinutes(t *testing.T) {
	clock := newClock()
	s := newFake(t, WithClock(clock.Now), WithAckDeadline(0))
	b := startBot(t, s)
	ctx := t.Context()
	i := s.SlashCommand("U1ALICE", "C1OPS", "/okta", "ping")
	e := b.next(t, socketmode.EventTypeSlashCommand)
	_ = b.sm.Ack(*e.Request)
	url := e.Data.(slack.SlashCommand).ResponseURL
	for k := range 5 {
		_, _, err := b.api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(url, slack.ResponseTypeEphemeral), slack.MsgOptionText(fmt.Sprint("reply ", k), false))
		if err != nil {
			t.Fatalf("use %d: %v", k+1, err)
		}
	}
	_, _, err := b.api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(url, slack.ResponseTypeEphemeral), slack.MsgOptionText("sixth", false))
	if got := slackErr(err); got != "used_url" {
		t.Errorf("6th use: %q", got)
	}
	replies, err := i.WaitReplies(5, wait)
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 5 || replies[4].Text != "reply 4" || !replies[0].Ephemeral() || replies[0].User != "U1ALICE" {
		t.Errorf("replies %+v", replies)
	}

	// in_channel is visible to everyone; after 30 minutes the URL is dead.
	i2 := s.SlashCommand("U1ALICE", "C1OPS", "/okta", "ping")
	e = b.next(t, socketmode.EventTypeSlashCommand)
	_ = b.sm.Ack(*e.Request)
	url = e.Data.(slack.SlashCommand).ResponseURL
	clock.Advance(29 * time.Minute)
	if _, _, err := b.api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(url, slack.ResponseTypeInChannel), slack.MsgOptionText("public", false)); err != nil {
		t.Fatal(err)
	}
	if r, _ := i2.WaitReplies(1, wait); len(r) != 1 || r[0].Ephemeral() || r[0].ResponseType != "in_channel" {
		t.Errorf("in_channel reply %+v", r)
	}
	clock.Advance(2 * time.Minute)
	_, _, err = b.api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(url, slack.ResponseTypeEphemeral), slack.MsgOptionText("late", false))
	if got := slackErr(err); got != "expired_url" {
		t.Errorf("after 31 min: %q", got)
	}
	if n := s.CallCount("response_url"); n != 8 {
		t.Errorf("response_url calls %d", n)
	}
}

func TestResponseURLInvalidBlocksAndSlashReplaceAreViolations(t *testing.T) {
	s := newFake(t, WithoutViolationCheck())
	b := startBot(t, s)
	ctx := t.Context()
	s.SlashCommand("U1ALICE", "C1OPS", "/okta", "ping")
	e := b.next(t, socketmode.EventTypeSlashCommand)
	_ = b.sm.Ack(*e.Request)
	url := e.Data.(slack.SlashCommand).ResponseURL
	long := slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", strings.Repeat("x", 3001), false, false), nil, nil)
	_, _, err := b.api.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(url, ""), slack.MsgOptionBlocks(long))
	if got := slackErr(err); got != "invalid_blocks" {
		t.Errorf("invalid blocks: %q", got)
	}
	_, _, err = b.api.PostMessageContext(ctx, "", slack.MsgOptionReplaceOriginal(url), slack.MsgOptionText("x", false))
	if err != nil {
		t.Fatal(err)
	}
	v := s.TakeViolations()
	if len(v) != 2 || !strings.Contains(v[0], "/blocks/0/text/text") || !strings.Contains(v[1], "ignores for slash commands") {
		t.Errorf("violations %v", v)
	}
}

func TestSlashAckInvalidBlocksIsViolation(t *testing.T) {
	s := newFake(t, WithoutViolationCheck())
	b := startBot(t, s)
	i := s.SlashCommand("U1ALICE", "C1OPS", "/okta", "ping")
	e := b.next(t, socketmode.EventTypeSlashCommand)
	blocks := []slack.Block{slack.NewHeaderBlock(pt(strings.Repeat("h", 151)))}
	if err := b.sm.Ack(*e.Request, map[string]any{"blocks": blocks, "response_type": "in_channel"}); err != nil {
		t.Fatal(err)
	}
	if _, err := i.WaitAck(wait); err != nil {
		t.Fatal(err)
	}
	if v := s.TakeViolations(); len(v) != 1 || !strings.Contains(v[0], "must be less than 151 characters [json-pointer:/blocks/0/text/text]") {
		t.Errorf("violations %v", v)
	}
	if len(s.Messages()) != 0 {
		t.Errorf("invalid ack message shown: %+v", s.Messages())
	}
}

func simpleModal(title string, blocks ...slack.Block) slack.ModalViewRequest {
	return slack.ModalViewRequest{Type: slack.VTModal, Title: pt(title), Close: pt("Cancel"), Submit: pt("Submit"),
		Blocks: slack.Blocks{BlockSet: blocks}, CallbackID: "cb-" + title, PrivateMetadata: `{"req":1}`}
}

func TestTriggerIDRules(t *testing.T) {
	clock := newClock()
	s := newFake(t, WithClock(clock.Now), WithoutViolationCheck())
	b := startBot(t, s)
	ctx := t.Context()
	modal := simpleModal("Pick", slack.NewSectionBlock(pt("hello"), nil, nil))

	s.SlashCommand("U1ALICE", "C1OPS", "/okta", "")
	e := b.next(t, socketmode.EventTypeSlashCommand)
	_ = b.sm.Ack(*e.Request)
	clock.Advance(3*time.Second + time.Millisecond)
	_, err := b.api.OpenViewContext(ctx, e.Data.(slack.SlashCommand).TriggerID, modal)
	if got := slackErr(err); got != "expired_trigger_id" {
		t.Errorf("after 3 s: %q", got)
	}

	s.SlashCommand("U1ALICE", "C1OPS", "/okta", "")
	e = b.next(t, socketmode.EventTypeSlashCommand)
	_ = b.sm.Ack(*e.Request)
	trig := e.Data.(slack.SlashCommand).TriggerID
	clock.Advance(3 * time.Second)
	bad := simpleModal(strings.Repeat("T", 25), slack.NewDividerBlock())
	_, err = b.api.OpenViewContext(ctx, trig, bad)
	se, _ := err.(slack.SlackErrorResponse)
	if se.Err != "invalid_arguments" || len(se.ResponseMetadata.Messages) != 1 || se.ResponseMetadata.Messages[0] != "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]" {
		t.Errorf("invalid view: %#v", err)
	}
	resp, err := b.api.OpenViewContext(ctx, trig, modal)
	if err != nil {
		t.Fatal(err)
	}
	if resp.View.ID == "" || resp.View.Hash == "" || resp.View.CallbackID != "cb-Pick" || resp.View.RootViewID != resp.View.ID {
		t.Errorf("view %+v", resp.View)
	}
	_, err = b.api.OpenViewContext(ctx, trig, modal)
	if got := slackErr(err); got != "exchanged_trigger_id" {
		t.Errorf("second use: %q", got)
	}
	_, err = b.api.OpenViewContext(ctx, "123.456.bogus", modal)
	if got := slackErr(err); got != "invalid_trigger_id" {
		t.Errorf("bogus: %q", got)
	}
	v, err := s.WaitView(wait, func(v View) bool { return v.CallbackID == "cb-Pick" })
	if err != nil {
		t.Fatal(err)
	}
	if v.User != "U1ALICE" || v.Title != "Pick" || v.PrivateMetadata != `{"req":1}` || v.Via != "views.open" || v.AllText() != "Pick\nhello\nSubmit\nCancel" {
		t.Errorf("view %+v", v)
	}
	if got := s.TakeViolations(); len(got) != 1 {
		t.Errorf("violations %v", got)
	}
}

func TestModalStackPushLimitAndUpdate(t *testing.T) {
	s := newFake(t)
	b := startBot(t, s)
	ctx := t.Context()
	withNext := func(title string) slack.ModalViewRequest {
		return simpleModal(title, slack.NewActionBlock("nav", slack.NewButtonBlockElement("next", "", pt("Next"))))
	}
	s.SlashCommand("U1ALICE", "C1OPS", "/okta", "")
	e := b.next(t, socketmode.EventTypeSlashCommand)
	_ = b.sm.Ack(*e.Request)
	resp, err := b.api.OpenViewContext(ctx, e.Data.(slack.SlashCommand).TriggerID, withNext("One"))
	if err != nil {
		t.Fatal(err)
	}
	root := resp.View
	top := View{ID: root.ID}
	var pushErr string
	for k := 2; k <= 4; k++ {
		if _, err := s.ClickViewButton("U1ALICE", top, "Next"); err != nil {
			t.Fatal(err)
		}
		cb, req := interaction(t, b)
		_ = b.sm.Ack(*req)
		if cb.Container.Type != "view" || cb.View.ID != top.ID || cb.ResponseURL != "" {
			t.Errorf("view click %+v", cb.Container)
		}
		r, err := b.api.PushViewContext(ctx, cb.TriggerID, withNext(fmt.Sprint("Level ", k)))
		if err != nil {
			pushErr = slackErr(err)
			break
		}
		if r.View.RootViewID != root.ID || r.View.PreviousViewID != top.ID {
			t.Errorf("pushed view %+v", r.View)
		}
		top = View{ID: r.View.ID}
	}
	if pushErr != "push_limit_reached" {
		t.Errorf("4th view: %q", pushErr)
	}
	if n := len(s.OpenViews("U1ALICE")); n != 3 {
		t.Errorf("stack %d", n)
	}
	if _, err := s.ClickViewButton("U1ALICE", View{ID: root.ID}, "Next"); err == nil {
		t.Error("clicked a view under the top")
	}

	_, err = b.api.UpdateViewContext(ctx, withNext("Stale"), "", "1.stale", root.ID)
	if got := slackErr(err); got != "hash_conflict" {
		t.Errorf("stale hash: %q", got)
	}
	upd, err := b.api.UpdateViewContext(ctx, withNext("Fresh"), "", root.Hash, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	if upd.View.Hash == root.Hash || upd.View.ID != root.ID {
		t.Errorf("updated view %+v", upd.View)
	}
	if _, err := b.api.UpdateViewContext(ctx, withNext("X"), "", "", "V404"); slackErr(err) != "not_found" {
		t.Errorf("unknown view: %v", err)
	}
	if cur, _ := s.CurrentView(root.ID); cur.Title != "Fresh" {
		t.Errorf("current %+v", cur)
	}
}

func reasonModal() slack.ModalViewRequest {
	reason := slack.NewInputBlock("reason", pt("Reason"), nil, slack.NewPlainTextInputBlockElement(pt("why"), "reason_input"))
	role := slack.NewInputBlock("role", pt("Role"), nil,
		slack.NewOptionsSelectBlockElement("static_select", pt("Role"), "role_select",
			slack.NewOptionBlockObject("USER_ADMIN", pt("User admin"), nil),
			slack.NewOptionBlockObject("HELP_DESK_ADMIN", pt("Help desk admin"), nil)))
	who := slack.NewInputBlock("who", pt("Who"), nil, slack.NewOptionsSelectBlockElement("users_select", pt("Pick"), "who_select"))
	flags := slack.NewInputBlock("flags", pt("Flags"), nil,
		slack.NewCheckboxGroupsBlockElement("flags_cb", slack.NewOptionBlockObject("send-email", pt("Send email"), nil))).WithOptional(true)
	target := slack.NewInputBlock("target", pt("Target"), nil, slack.NewOptionsSelectBlockElement("external_select", pt("Type a name"), "target_ext"))
	target.Optional = true
	m := simpleModal("Assign role", reason, role, who, flags, target)
	m.NotifyOnClose = true
	return m
}

func openReasonModal(t *testing.T, s *Server, b *bot) View {
	t.Helper()
	s.SlashCommand("U1ALICE", "C1OPS", "/okta", "assign-role")
	e := b.next(t, socketmode.EventTypeSlashCommand)
	_ = b.sm.Ack(*e.Request)
	resp, err := b.api.OpenViewContext(t.Context(), e.Data.(slack.SlashCommand).TriggerID, reasonModal())
	if err != nil {
		t.Fatal(err)
	}
	v, _ := s.CurrentView(resp.View.ID)
	return v
}

func TestSubmitViewStateAndResponseActions(t *testing.T) {
	s := newFake(t, WithoutViolationCheck())
	b := startBot(t, s)
	v := openReasonModal(t, s, b)

	if _, err := s.SubmitView("U1ALICE", v, map[string]map[string]any{"reason": {"reason_input": "x"}}); err == nil || !strings.Contains(err.Error(), "required") {
		t.Errorf("missing required input: %v", err)
	}
	if _, err := s.SubmitView("U1ALICE", v, map[string]map[string]any{"nope": {"nope": "x"}}); err == nil {
		t.Error("unknown element accepted")
	}
	if _, err := s.SubmitView("U2BOB", v, nil); err == nil {
		t.Error("bob submitted alice's modal")
	}
	values := map[string]map[string]any{
		"reason": {"reason_input": "left the company"},
		"role":   {"role_select": "USER_ADMIN"},
		"who":    {"who_select": "U2BOB"},
		"flags":  {"flags_cb": []string{"send-email"}},
	}
	i, err := s.SubmitView("U1ALICE", v, values)
	if err != nil {
		t.Fatal(err)
	}
	cb, req := interaction(t, b)
	if cb.Type != slack.InteractionTypeViewSubmission || cb.View.ID != v.ID || cb.View.Hash != v.Hash || cb.View.CallbackID != "cb-Assign role" || cb.View.PrivateMetadata != `{"req":1}` || cb.TriggerID == "" {
		t.Errorf("submission %+v", cb.View)
	}
	st := cb.View.State.Values
	got := []any{st["reason"]["reason_input"].Value, st["role"]["role_select"].SelectedOption.Value, st["who"]["who_select"].SelectedUser,
		len(st["flags"]["flags_cb"].SelectedOptions), st["target"]["target_ext"].SelectedOption.Value}
	if diff := cmp.Diff([]any{"left the company", "USER_ADMIN", "U2BOB", 1, ""}, got); diff != "" {
		t.Errorf("state (-want +got):\n%s", diff)
	}

	// errors keyed by something else than an input block_id: violation.
	if err := b.sm.Ack(*req, slack.NewErrorsViewSubmissionResponse(map[string]string{"reason_input": "too short"})); err != nil {
		t.Fatal(err)
	}
	if _, err := i.WaitAck(wait); err != nil {
		t.Fatal(err)
	}
	if vs := s.TakeViolations(); len(vs) != 1 || !strings.Contains(vs[0], `"reason_input" is not the block_id of an input block`) {
		t.Errorf("violations %v", vs)
	}

	// errors keyed right: fine, and the view stays open.
	i, _ = s.SubmitView("U1ALICE", v, values)
	_, req = interaction(t, b)
	_ = b.sm.Ack(*req, slack.NewErrorsViewSubmissionResponse(map[string]string{"reason": "too short"}))
	if _, err := i.WaitAck(wait); err != nil {
		t.Fatal(err)
	}
	// update replaces the view.
	i, _ = s.SubmitView("U1ALICE", v, values)
	_, req = interaction(t, b)
	_ = b.sm.Ack(*req, slack.NewUpdateViewSubmissionResponse(&slack.ModalViewRequest{Type: slack.VTModal, Title: pt("Done"), Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(pt("Role assigned"), nil, nil)}}}))
	if _, err := i.WaitAck(wait); err != nil {
		t.Fatal(err)
	}
	cur, _ := s.CurrentView(v.ID)
	if cur.Title != "Done" || cur.Submit != "" {
		t.Errorf("after update %+v", cur)
	}
	if last := s.Views()[len(s.Views())-1]; last.Via != "response_action:update" {
		t.Errorf("last view %+v", last)
	}
	if _, err := s.SubmitView("U1ALICE", cur, nil); err == nil {
		t.Error("submitted a view without submit button")
	}
	if vs := s.TakeViolations(); len(vs) != 0 {
		t.Errorf("violations %v", vs)
	}
}

func TestSubmitViewPlainAckClosesView(t *testing.T) {
	s := newFake(t)
	b := startBot(t, s)
	v := openReasonModal(t, s, b)
	i, err := s.SubmitView("U1ALICE", v, map[string]map[string]any{
		"reason": {"reason_input": "r"}, "role": {"role_select": "HELP_DESK_ADMIN"}, "who": {"who_select": "U2BOB"},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, req := interaction(t, b)
	_ = b.sm.Ack(*req)
	if _, err := i.WaitAck(wait); err != nil {
		t.Fatal(err)
	}
	if open := s.OpenViews("U1ALICE"); len(open) != 0 {
		t.Errorf("still open: %+v", open)
	}
}

func TestSuggestAndCloseView(t *testing.T) {
	s := newFake(t, WithoutViolationCheck())
	b := startBot(t, s)
	v := openReasonModal(t, s, b)
	if _, err := s.Suggest("U1ALICE", v, "target_ext", "al"); err == nil || !strings.Contains(err.Error(), "min_query_length 3") {
		t.Errorf("short query: %v", err)
	}
	if _, err := s.Suggest("U1ALICE", v, "role_select", "use"); err == nil {
		t.Error("suggestion for a static select")
	}
	i, err := s.Suggest("U1ALICE", v, "target_ext", "ali")
	if err != nil {
		t.Fatal(err)
	}
	cb, req := interaction(t, b)
	if cb.Type != slack.InteractionTypeBlockSuggestion || cb.Value != "ali" || cb.ActionID != "target_ext" || cb.BlockID != "target" || cb.View.ID != v.ID {
		t.Errorf("suggestion %+v", cb)
	}
	options := slack.OptionsResponse{Options: []*slack.OptionBlockObject{slack.NewOptionBlockObject("00u1", pt("alice@corp.example"), nil)}}
	if err := b.sm.Ack(*req, options); err != nil {
		t.Fatal(err)
	}
	ack, err := i.WaitAck(wait)
	if err != nil {
		t.Fatal(err)
	}
	var got slack.OptionsResponse
	if err := json.Unmarshal(ack.Payload, &got); err != nil || len(got.Options) != 1 || got.Options[0].Value != "00u1" {
		t.Errorf("ack payload %s %v", ack.Payload, err)
	}
	// Too long option text: violation.
	i, _ = s.Suggest("U1ALICE", v, "target_ext", "bob")
	_, req = interaction(t, b)
	_ = b.sm.Ack(*req, slack.OptionsResponse{Options: []*slack.OptionBlockObject{slack.NewOptionBlockObject("v", pt(strings.Repeat("o", 76)), nil)}})
	if _, err := i.WaitAck(wait); err != nil {
		t.Fatal(err)
	}
	if vs := s.TakeViolations(); len(vs) != 1 || !strings.Contains(vs[0], "/options/0/text/text") {
		t.Errorf("violations %v", vs)
	}

	closed, err := s.CloseView("U1ALICE", v)
	if err != nil || closed == nil {
		t.Fatalf("close: %v %v", closed, err)
	}
	cb, req = interaction(t, b)
	if cb.Type != slack.InteractionTypeViewClosed || cb.View.ID != v.ID || cb.IsCleared {
		t.Errorf("view_closed %+v", cb)
	}
	_ = b.sm.Ack(*req)
	if _, err := closed.WaitAck(wait); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SubmitView("U1ALICE", v, nil); err == nil {
		t.Error("submitted a closed view")
	}
}

// recTB records what the Server reports through testing.TB.
type recTB struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (r *recTB) Helper() {}
func (r *recTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

func TestViolationsFailTheTestAtCleanup(t *testing.T) {
	rec := &recTB{TB: t}
	s := New(rec, WithDeliveryTimeout(time.Millisecond))
	s.AddChannel("C1", "c")
	api := newAPI(s)
	_, _, _ = api.PostMessageContext(t.Context(), "C1", slack.MsgOptionBlocks(slack.NewHeaderBlock(pt(strings.Repeat("h", 200)))))
	s.SlashCommand("U404", "C404", "okta", "") // unknown user and channel, no slash, no connection
	for k := len(rec.cleanups) - 1; k >= 0; k-- {
		rec.cleanups[k]()
	}
	all := strings.Join(rec.errs, "\n")
	for _, want := range []string{"unknown user", "unknown channel", "does not start with '/'", "no live Socket Mode connection", "violation: chat.postMessage: invalid_blocks"} {
		if !strings.Contains(all, want) {
			t.Errorf("reported errors lack %q:\n%s", want, all)
		}
	}
}

func TestViewTooLarge(t *testing.T) {
	s := newFake(t, WithoutViolationCheck())
	b := startBot(t, s)
	s.SlashCommand("U1ALICE", "C1OPS", "/okta", "")
	e := b.next(t, socketmode.EventTypeSlashCommand)
	_ = b.sm.Ack(*e.Request)
	var blocks []slack.Block
	for range 90 {
		blocks = append(blocks, slack.NewSectionBlock(pt(strings.Repeat("x", 3000)), nil, nil))
	}
	_, err := b.api.OpenViewContext(t.Context(), e.Data.(slack.SlashCommand).TriggerID, simpleModal("Big", blocks...))
	if got := slackErr(err); got != "view_too_large" {
		t.Errorf("270 KB view: %q", got)
	}
	if v := s.TakeViolations(); len(v) != 1 {
		t.Errorf("violations %v", v)
	}
}

func TestWaitMessageMatchMayCallTheServer(t *testing.T) {
	s := newFake(t)
	api := newAPI(s)
	if _, _, err := api.PostMessageContext(t.Context(), "C1OPS", slack.MsgOptionText("hi", false)); err != nil {
		t.Fatal(err)
	}
	_, err := s.WaitMessage(wait, func(m Message) bool { return s.CallCount("chat.postMessage") == 1 && m.Text == "hi" })
	if err != nil {
		t.Fatal(err)
	}
}

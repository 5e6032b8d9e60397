package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"oktabot/okta/oktatest"
	"oktabot/slackfake"
)

// openedView waits for a view of callback id cb for user among the views
// recorded after the first `after`, and returns its newest state.
func (h *harness) openedView(user, cb string, after int) slackfake.View {
	h.t.Helper()
	var found slackfake.View
	deadline := time.Now().Add(3 * time.Second)
	for found.ID == "" {
		views := h.slack.Views()
		for _, v := range views[min(after, len(views)):] {
			if v.User == user && v.CallbackID == cb {
				found = v
				break
			}
		}
		if found.ID == "" {
			if time.Now().After(deadline) {
				h.t.Fatalf("no %s view for %s\nlogs:\n%s", cb, user, h.stdout)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if cur, ok := h.slack.CurrentView(found.ID); ok {
		return cur
	}
	return found
}

func TestPickerOpensTheChosenActionsForm(t *testing.T) {
	h := newHarness(t).start()
	cmd := h.slack.SlashCommand(uAlice, chGen, "/okta", "")
	if _, err := cmd.WaitAck(time.Second); err != nil {
		t.Fatal(err)
	}
	picker := h.openedView(uAlice, "okta_pick", 0)
	text := string(picker.Blocks) // the options are in the select
	for _, want := range []string{"ping", "get-user", "list-users"} {
		if !strings.Contains(text, want) {
			t.Errorf("picker lacks %s: %s", want, text)
		}
	}
	if strings.Contains(text, "reset-password") {
		t.Errorf("picker offers an action the caller may not run: %s", text)
	}

	sub, err := h.slack.SubmitView(uAlice, picker, map[string]map[string]any{"pick": {"pick": "get-user"}})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := sub.WaitAck(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ack.Payload), `"response_action":"update"`) {
		t.Fatalf("picker submission ack = %s, want an update to the action's form", ack.Payload)
	}
	form, ok := h.slack.CurrentView(picker.ID)
	if !ok || form.CallbackID != "okta_action" {
		t.Fatalf("form = %+v", form)
	}

	// Type-ahead answers from Okta.
	sug, err := h.slack.Suggest(uAlice, form, "targets", "ali")
	if err != nil {
		t.Fatal(err)
	}
	sack, err := sug.WaitAck(3 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var opts struct {
		Options []struct {
			Text  struct{ Text string }
			Value string
		}
	}
	json.Unmarshal(sack.Payload, &opts)
	if len(opts.Options) != 1 || !strings.Contains(opts.Options[0].Text.Text, "alice@corp.com") {
		t.Fatalf("type-ahead options = %s", sack.Payload)
	}
	aliceID := opts.Options[0].Value

	run, err := h.slack.SubmitView(uAlice, form, map[string]map[string]any{"targets": {"targets": []string{aliceID}}})
	if err != nil {
		t.Fatal(err)
	}
	rack, err := run.WaitAck(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rack.Payload), `"response_action":"clear"`) && len(rack.Payload) != 0 {
		t.Errorf("form submission ack = %s", rack.Payload)
	}
	msgs, err := cmd.WaitReplies(1, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, msgs[0].AllText(), "Alice Liddell", "ACTIVE")
	if !msgs[0].Ephemeral() {
		t.Error("modal result is not ephemeral")
	}
}

func TestMissingValueOpensPrefilledForm(t *testing.T) {
	h := newHarness(t).start()
	// The caller's own Okta account: role changes need to know it.
	h.okta.AddUser(oktatest.User{Login: "sam@corp.com", Email: "sam@corp.com", FirstName: "Sam", LastName: "Security"})
	cmd := h.slack.SlashCommand(uSecurity, chGen, "/okta", "assign-role alice")
	if _, err := cmd.WaitAck(time.Second); err != nil {
		t.Fatal(err)
	}
	form := h.openedView(uSecurity, "okta_action", 0)
	if b := string(form.Blocks); !strings.Contains(b, `"initial_options":[`) || !strings.Contains(b, `"value":"alice"`) {
		t.Errorf("the form is not pre-filled with the typed target: %s", form.Blocks)
	}
	if !strings.Contains(string(form.Blocks), "USER_ADMIN") {
		t.Errorf("the role select lacks Okta's role types: %s", form.Blocks)
	}
	sub, err := h.slack.SubmitView(uSecurity, form, map[string]map[string]any{"p_role": {"p_role": []string{"USER_ADMIN"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.WaitAck(time.Second); err != nil {
		t.Fatal(err)
	}
	msgs, err := cmd.WaitReplies(1, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, msgs[0].AllText(), "assigned USER_ADMIN")
	alice, _ := h.okta.User("alice@corp.com")
	roles := h.okta.Roles(alice.ID)
	if len(roles) != 1 || roles[0].Type != "USER_ADMIN" {
		t.Errorf("Okta has roles %+v for alice, want USER_ADMIN", roles)
	}
}

// A bad value in a form is shown on its field and nothing runs.
func TestFormErrorsShowOnTheField(t *testing.T) {
	h := newHarness(t).start()
	cmd := h.slack.SlashCommand(uAlice, chGen, "/okta", "")
	cmd.WaitAck(time.Second)
	picker := h.openedView(uAlice, "okta_pick", 0)
	sub, _ := h.slack.SubmitView(uAlice, picker, map[string]map[string]any{"pick": {"pick": "list-users"}})
	sub.WaitAck(time.Second)
	form, _ := h.slack.CurrentView(picker.ID)
	before := h.okta.CallCount()
	bad, err := h.slack.SubmitView(uAlice, form, map[string]map[string]any{"p_limit": {"p_limit": "lots"}})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := bad.WaitAck(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	json.Unmarshal(ack.Payload, &got)
	if got.ResponseAction != "errors" || !strings.Contains(got.Errors["p_limit"], "whole number") {
		t.Errorf("ack = %s, want an error on p_limit", ack.Payload)
	}
	if h.okta.CallCount() != before {
		t.Error("an invalid form reached Okta")
	}
}

// Under an approval rule, set-password's form does not ask for the
// password: it is asked for after approval, so it is never stored.
func TestFormUnderApprovalAsksNoPasswordYet(t *testing.T) {
	h := newHarness(t).setPolicy(`roles:
  security:
    members: [U0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
approvals:
  - actions: [set-password]
    approvers: [security]
    channel: C0APPROVALS
`).start()
	cmd := h.slack.SlashCommand(uSecurity, chGen, "/okta", "")
	if _, err := cmd.WaitAck(time.Second); err != nil {
		t.Fatal(err)
	}
	picker := h.openedView(uSecurity, "okta_pick", 0)
	sub, err := h.slack.SubmitView(uSecurity, picker, map[string]map[string]any{"pick": {"pick": "set-password"}})
	if err != nil {
		t.Fatal(err)
	}
	sub.WaitAck(time.Second)
	form, _ := h.slack.CurrentView(picker.ID)
	if strings.Contains(string(form.Blocks), `"p_password"`) {
		t.Errorf("the form asks for a password that would wait for approval: %s", form.Blocks)
	}
	mustContain(t, form.AllText(), "waits for approval", "asked for the new password once it is approved")
}

// readWithReasonPolicy makes get-user wait for security's approval, with a
// reason.
const readWithReasonPolicy = `roles:
  oncall:
    members: [U0ALICE01]
    actions: [get-user]
  security:
    members: [U0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
approvals:
  - actions: [get-user]
    approvers: [security]
    channel: C0APPROVALS
    require_reason: true
`

// A read action under an approval rule that requires a reason can be
// requested from its form: the form asks for the reason (Slack will not
// submit it empty) and sends the request for approval with it; the command
// without --reason opens that form.
func TestFormAsksForAReasonWhenAReadActionNeedsApproval(t *testing.T) {
	h := newHarness(t).setPolicy(readWithReasonPolicy).start()
	h.slack.AddChannel("C0APPROVALS", "approvals", uSecurity)
	w := h.seedWorld()
	form, cmd := h.openForm(uAlice, "get-user")
	if !strings.Contains(string(form.Blocks), `"block_id":"reason"`) {
		t.Fatalf("the form has no reason field: %s", form.Blocks)
	}
	var reason struct {
		Optional bool `json:"optional"`
	}
	for _, b := range formBlocks(t, form) {
		if b.BlockID == "reason" {
			json.Unmarshal(b.Raw, &reason)
		}
	}
	if reason.Optional {
		t.Fatalf("the rule requires a reason, but the form's reason field is optional: %s", form.Blocks)
	}
	run, err := h.slack.SubmitView(uAlice, form, map[string]map[string]any{
		"targets": {"targets": []string{w.bob.ID}},
		"reason":  {"reason": "INC-77 phishing report"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if ack, err := run.WaitAck(3 * time.Second); err != nil || strings.Contains(string(ack.Payload), `"errors"`) {
		t.Fatalf("submitting with a reason: ack %s, %v", ack.Payload, err)
	}
	msgs, err := cmd.WaitReplies(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, msgs[len(msgs)-1].AllText(), "approval")
	deadline := time.Now().Add(5 * time.Second)
	for {
		var text string
		for _, m := range h.slack.Messages() {
			if m.Channel == "C0APPROVALS" {
				text += m.AllText()
			}
		}
		if strings.Contains(text, "INC-77 phishing report") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no approval request with the reason in C0APPROVALS; messages: %q", text)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// formBlocks splits a view's blocks into their ids and raw JSON.
func formBlocks(t *testing.T, v slackfake.View) []struct {
	BlockID string
	Raw     json.RawMessage
} {
	t.Helper()
	var raw []json.RawMessage
	if err := json.Unmarshal(v.Blocks, &raw); err != nil {
		t.Fatal(err)
	}
	var out []struct {
		BlockID string
		Raw     json.RawMessage
	}
	for _, r := range raw {
		var id struct {
			BlockID string `json:"block_id"`
		}
		json.Unmarshal(r, &id)
		out = append(out, struct {
			BlockID string
			Raw     json.RawMessage
		}{id.BlockID, r})
	}
	return out
}

func TestReadCommandWithoutTheRulesReasonOpensTheForm(t *testing.T) {
	h := newHarness(t).setPolicy(readWithReasonPolicy).start()
	views := len(h.slack.Views())
	cmd := h.slack.SlashCommand(uAlice, chGen, "/okta", "get-user bob@corp.com")
	if _, err := cmd.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	form := h.openedView(uAlice, "okta_action", views)
	mustContain(t, string(form.Blocks), `"block_id":"reason"`, "bob@corp.com")
}

// The assign-role form offers only the role types its caller may assign
// (their roles' assignable_roles): "*" leaves out the privileged ones,
// which the policy would refuse anyway.
func TestAssignRoleFormOffersOnlyAssignableRoleTypes(t *testing.T) {
	h := newHarness(t).start()
	views := len(h.slack.Views())
	cmd := h.slack.SlashCommand(uSecurity, chGen, "/okta", "assign-role bob@corp.com")
	if _, err := cmd.WaitAck(time.Second); err != nil {
		t.Fatal(err)
	}
	form := string(h.openedView(uSecurity, "okta_action", views).Blocks)
	mustContain(t, form, `"value":"HELP_DESK_ADMIN"`, `"value":"USER_ADMIN"`)
	for _, typ := range []string{"SUPER_ADMIN", "ORG_ADMIN"} {
		if strings.Contains(form, `"value":"`+typ+`"`) {
			t.Errorf("the form offers %s, which security may not assign", typ)
		}
	}
}

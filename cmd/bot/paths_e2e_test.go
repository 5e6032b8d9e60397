package main

// Paths the other end-to-end tests do not take: an approval outcome that
// can only reach the requester by direct message, type-ahead for someone
// the policy no longer allows, and a full worker pool met by a form
// submission and by type-ahead.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"oktabot/slackfake"
)

const (
	chNoBot       = "C0NOBOT01"   // a channel the bot is not a member of
	chSecApproval = "C0APPROVALS" // testPolicy's approval channel
)

// dmOf is the app's direct-message channel with a user, as the Slack fake
// names it.
func dmOf(user string) string { return "D" + user[1:] }

// restart stops the bot as SIGTERM would (it drains its work), waits until
// Slack no longer counts its connection, and starts it again with h.env as
// it is now. Modals stay open in the Slack fake across the restart, as they
// do in Slack across a deploy.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	deadline := time.Now().Add(5 * time.Second)
	for h.slack.Connections() != 0 {
		if time.Now().After(deadline) {
			h.t.Fatalf("the stopped bot's connection is still open")
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.start()
}

// openForm opens an action's form the way a person does: `/okta`, then the
// action chosen in the picker. It returns the form, open on top of user's
// modal stack, and the slash command (its response_url gets the result).
func (h *harness) openForm(user, action string) (slackfake.View, *slackfake.Interaction) {
	h.t.Helper()
	views := len(h.slack.Views())
	cmd := h.slack.SlashCommand(user, chGen, "/okta", "")
	if _, err := cmd.WaitAck(3 * time.Second); err != nil {
		h.t.Fatal(err)
	}
	picker := h.openedView(user, "okta_pick", views)
	sub, err := h.slack.SubmitView(user, picker, map[string]map[string]any{"pick": {"pick": action}})
	if err != nil {
		h.t.Fatalf("%s picks %s: %v", user, action, err)
	}
	ack, err := sub.WaitAck(3 * time.Second)
	if err != nil {
		h.t.Fatal(err)
	}
	if !strings.Contains(string(ack.Payload), `"response_action":"update"`) {
		h.t.Fatalf("%s picks %s: ack %s, want the action's form", user, action, ack.Payload)
	}
	form, ok := h.slack.CurrentView(picker.ID)
	if !ok || form.CallbackID != "okta_action" {
		h.t.Fatalf("%s picks %s: view is %+v, want the action's form", user, action, form)
	}
	return form, cmd
}

// suggestion is one type-ahead option as the bot answered it.
type suggestion struct {
	Text  string
	Value string
}

// suggest is user typing into the form's targets select; it returns the
// options the bot answered with (in the ack, as Slack requires).
func (h *harness) suggest(user string, form slackfake.View, typed string) []suggestion {
	h.t.Helper()
	i, err := h.slack.Suggest(user, form, "targets", typed)
	if err != nil {
		h.t.Fatalf("%s types %q: %v", user, typed, err)
	}
	ack, err := i.WaitAck(3 * time.Second)
	if err != nil {
		h.t.Fatalf("%s types %q: %v\nlogs:\n%s", user, typed, err, h.stdout)
	}
	var got struct {
		Options []struct {
			Text  struct{ Text string }
			Value string
		}
	}
	if len(ack.Payload) > 0 {
		if err := json.Unmarshal(ack.Payload, &got); err != nil {
			h.t.Fatalf("%s types %q: ack payload %s: %v", user, typed, ack.Payload, err)
		}
	}
	var out []suggestion
	for _, o := range got.Options {
		out = append(out, suggestion{Text: o.Text.Text, Value: o.Value})
	}
	return out
}

// 1. The requester of an approval asked from a channel the bot is not in:
// the "waiting" notice reaches them through the command's response_url
// (which works anywhere), and the outcome, which cannot be posted there
// ephemerally, comes to them alone by direct message.
func TestApprovalOutcomeReachesRequesterByDMWhenTheBotIsNotInTheChannel(t *testing.T) {
	h := newHarness(t) // testPolicy: disable-user waits for security in C0APPROVALS
	h.slack.AddChannel(chNoBot, "incidents", uAlice, uBob, uMallory, uSecurity)
	h.slack.SetBotMember(chNoBot, false)
	h.slack.AddChannel(chSecApproval, "approvals", uSecurity, uBob)
	h.start()

	before := h.okta.CallCount()
	cmd := h.slack.SlashCommand(uAlice, chNoBot, "/okta", `disable-user carol.danvers@corp.com --reason "INC-42"`)
	if _, err := cmd.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	replies, err := cmd.WaitReplies(1, 5*time.Second)
	if err != nil {
		t.Fatalf("the requester got no notice: %v\nlogs:\n%s", err, h.stdout)
	}
	notice := replies[0]
	if notice.Via != "response_url" || !notice.Ephemeral() || notice.User != uAlice || notice.Channel != chNoBot {
		t.Errorf("notice = %+v, want an ephemeral response_url reply to Alice in %s", notice, chNoBot)
	}
	mustContain(t, notice.AllText(), "waiting for approval", "Nothing was run")

	msg, err := h.slack.WaitMessage(5*time.Second, func(m slackfake.Message) bool {
		return m.Via == "chat.postMessage" && m.Channel == chSecApproval
	})
	if err != nil {
		t.Fatalf("no approval message: %v\nlogs:\n%s", err, h.stdout)
	}
	if w := oktaWrites(h.callsSince(before)); len(w) != 0 {
		t.Fatalf("Okta received %d writes before approval: %+v", len(w), w)
	}

	click, err := h.slack.ClickButton(uSecurity, msg, "Approve")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := click.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	const outcome = "was approved by <@" + uSecurity + "> and run"
	dm, err := h.slack.WaitMessage(10*time.Second, func(m slackfake.Message) bool {
		return m.Channel == dmOf(uAlice) && strings.Contains(m.AllText(), outcome)
	})
	if err != nil {
		var seen []string
		for _, m := range h.slack.Messages() {
			seen = append(seen, fmt.Sprintf("%s %s→%s: %.120q", m.Via, m.Channel, m.User, m.AllText()))
		}
		t.Fatalf("the requester got no direct message with the outcome: %v\nmessages:\n%s\nlogs:\n%s", err, strings.Join(seen, "\n"), h.stdout)
	}
	if dm.Via != "chat.postMessage" {
		t.Errorf("outcome came via %s, want a direct message (chat.postMessage)", dm.Via)
	}
	mustContain(t, dm.AllText(), "carol.danvers@corp.com", "suspended")

	// Nothing more is on its way once the bot has stopped.
	h.stop()
	suspends := 0
	for _, c := range h.callsSince(before) {
		if c.Operation == "suspendUser" {
			suspends++
		}
	}
	if suspends != 1 {
		t.Errorf("Okta received %d suspendUser calls, want exactly 1: %+v", suspends, h.callsSince(before))
	}
	if u, _ := h.okta.User("carol.danvers@corp.com"); u.Status != "SUSPENDED" {
		t.Errorf("carol is %s in Okta, want SUSPENDED", u.Status)
	}
	// The outcome reached Alice once, in her direct messages, and nobody
	// else: nothing was shown in the channel the bot is not in after the
	// notice, and no one else was told.
	for _, m := range h.slack.Messages() {
		if strings.Contains(m.AllText(), outcome) && (m.TS != dm.TS || m.Channel != dm.Channel) {
			t.Errorf("the outcome also reached %s in %s via %s", m.User, m.Channel, m.Via)
		}
		if m.Channel == chNoBot && m.TS != notice.TS {
			t.Errorf("a message other than the notice appeared in %s: %s %q", chNoBot, m.Via, m.AllText())
		}
		if strings.HasPrefix(m.Channel, "D") && m.Channel != dmOf(uAlice) {
			t.Errorf("a direct message went to %s: %q", m.Channel, m.AllText())
		}
	}
}

// policyBeforeChange lets people open forms that the next policy no
// longer lets them use.
const policyBeforeChange = `roles:
  oncall:
    members: [U0ALICE01, S0ONCALL01]
    actions: [ping, get-user, list-users, reset-password, get-group]
  guests:
    members: [U0MALLORY, U0CAROL01]
    actions: [get-user, get-group]
  security:
    members: [U0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
`

// 2. Type-ahead answers only someone the policy lets run the form's action.
// Forms opened under one policy stay open while the bot is redeployed with
// a stricter one (openPolicy): after that, typing in them gets no options
// and Okta is not asked.
func TestTypeAheadForCallersThePolicyDoesNotAllowAsksOktaNothing(t *testing.T) {
	h := newHarness(t).setPolicy(policyBeforeChange)
	h.slack.AddChannel(chGen, "general", uAlice, uBob, uMallory, uCarol, uSecurity)
	h.start()
	w := h.seedWorld()

	type form struct {
		who, action, typed, want string
		why                      string // why the later policy refuses
		view                     slackfake.View
	}
	forms := []*form{
		{who: uAlice, action: "reset-password", typed: "carol", want: "carol.danvers@corp.com", why: "her role lacks the action"},
		{who: uBob, action: "get-group", typed: "On-c", want: "On-call", why: "his user group's role lacks the action"},
		{who: uMallory, action: "get-user", typed: "carol", want: "carol.danvers@corp.com", why: "not in the policy"},
		{who: uCarol, action: "get-group", typed: "On-c", want: "On-call", why: "not in the policy"},
	}
	// While allowed, each of them gets Okta's answers.
	for _, f := range forms {
		f.view, _ = h.openForm(f.who, f.action)
		n := h.okta.CallCount()
		opts := h.suggest(f.who, f.view, f.typed)
		if len(opts) == 0 || !strings.Contains(opts[0].Text, f.want) {
			t.Fatalf("%s in the %s form, allowed: options %+v, want %s", f.who, f.action, opts, f.want)
		}
		if h.okta.CallCount() == n {
			t.Fatalf("%s in the %s form: options without asking Okta", f.who, f.action)
		}
	}

	h.setPolicy(openPolicy)
	h.restart()
	for _, f := range forms {
		cur, ok := h.slack.CurrentView(f.view.ID)
		if !ok || cur.CallbackID != "okta_action" {
			t.Fatalf("%s's %s form is gone after the restart", f.who, f.action)
		}
		n := h.okta.CallCount()
		if opts := h.suggest(f.who, cur, f.typed); len(opts) != 0 {
			t.Errorf("%s (%s) typing in the %s form got options %+v, want none", f.who, f.why, f.action, opts)
		}
		if calls := h.callsSince(n); len(calls) != 0 {
			t.Errorf("%s (%s) typing in the %s form sent Okta %d calls: %+v", f.who, f.why, f.action, len(calls), calls)
		}
	}

	// The restarted bot does answer type-ahead for someone allowed.
	view, _ := h.openForm(uSecurity, "get-user")
	n := h.okta.CallCount()
	opts := h.suggest(uSecurity, view, "carol")
	if len(opts) != 1 || opts[0].Value != w.carol.ID {
		t.Errorf("security's type-ahead after the restart = %+v, want carol (%s)", opts, w.carol.ID)
	}
	if h.okta.CallCount() == n {
		t.Error("security's type-ahead did not ask Okta")
	}
}

// 3. With every worker busy and the queue full, a form submission is
// refused on the form (it stays open, nothing runs, Okta sees nothing of
// it) and type-ahead answers at once with no options; once the pool frees,
// the same form works.
func TestFullQueueAnswersBusyToFormsAndTypeAhead(t *testing.T) {
	h := newHarness(t).setPolicy(openPolicy)
	h.env["OKTABOT_QUEUE_LENGTH"] = "4"
	h.env["OKTABOT_OKTA_CONCURRENCY"] = "16"
	h.start()
	w := h.seedWorld()
	form, cmd := h.openForm(uSecurity, "disable-user")

	// Fill the pool and the queue with slow requests, as
	// TestOnlyAFullQueueAnswersBusy does; a busy answer to one of them
	// shows that both are full.
	const latency = 2 * time.Second
	h.okta.SetLatency(latency)
	filled := time.Now()
	_, busy := h.fillPool(24)
	if busy == 0 {
		t.Fatal("24 slow requests at once did not fill the worker pool and the queue")
	}

	// Type-ahead while full: an answer at once, with no options.
	sug, err := h.slack.Suggest(uSecurity, form, "targets", "carol")
	if err != nil {
		t.Fatal(err)
	}
	sack, err := sug.WaitAck(3 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if sack.After > time.Second {
		t.Errorf("type-ahead with a full pool was answered after %v", sack.After)
	}
	var sopts struct{ Options []json.RawMessage }
	json.Unmarshal(sack.Payload, &sopts)
	if len(sopts.Options) != 0 {
		t.Errorf("type-ahead with a full pool got options: %s", sack.Payload)
	}

	// The submission while full: refused on the form, which stays open.
	sub, err := h.slack.SubmitView(uSecurity, form, map[string]map[string]any{"targets": {"targets": []string{w.carol.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := sub.WaitAck(3 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if since := time.Since(filled); since >= latency {
		t.Fatalf("the test took %v to submit; the pool may have drained (latency %v)", since, latency)
	}
	var got struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	json.Unmarshal(ack.Payload, &got)
	if got.ResponseAction != "errors" {
		t.Fatalf("submission with a full pool acked %s, want response_action errors", ack.Payload)
	}
	mustContain(t, got.Errors["targets"], "busy", "nothing was run", "submit again")
	if open := h.slack.OpenViews(uSecurity); len(open) == 0 || open[len(open)-1].ID != form.ID {
		t.Errorf("the form closed although it was refused; open views: %+v", open)
	}

	// Let everything in flight finish: the stopped bot has run all it
	// accepted, so Okta's calls are final.
	h.stop()
	for _, c := range h.okta.Calls() {
		if strings.Contains(c.Path, w.carol.ID) || c.Operation == "suspendUser" {
			t.Errorf("Okta received the refused submission: %s %s", c.Method, c.Path)
		}
		if strings.Contains(c.Query.Get("search"), "carol") {
			t.Errorf("Okta received the refused type-ahead: %s %s search=%s", c.Method, c.Path, c.Query.Get("search"))
		}
	}
	if u, _ := h.okta.User(w.carol.ID); u.Status != "ACTIVE" {
		t.Errorf("carol is %s in Okta after a refused submission", u.Status)
	}
	if r := cmd.Replies(); len(r) != 0 {
		t.Errorf("the refused submission got replies: %q", r[0].AllText())
	}

	// Once free, the same open form answers and runs.
	h.okta.SetLatency(0)
	h.restart()
	form, _ = h.slack.CurrentView(form.ID)
	if opts := h.suggest(uSecurity, form, "carol"); len(opts) != 1 || opts[0].Value != w.carol.ID {
		t.Errorf("type-ahead with a free pool = %+v, want carol", opts)
	}
	again, err := h.slack.SubmitView(uSecurity, form, map[string]map[string]any{"targets": {"targets": []string{w.carol.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	if ack, err := again.WaitAck(3 * time.Second); err != nil || strings.Contains(string(ack.Payload), "errors") {
		t.Fatalf("resubmission with a free pool: ack %s, %v", ack.Payload, err)
	}
	msgs, err := cmd.WaitReplies(1, 5*time.Second)
	if err != nil {
		t.Fatalf("resubmission: %v\nlogs:\n%s", err, h.stdout)
	}
	mustContain(t, msgs[0].AllText(), "suspended")
	if u, _ := h.okta.User(w.carol.ID); u.Status != "SUSPENDED" {
		t.Errorf("carol is %s after the resubmission", u.Status)
	}
}

// The picker lists what the policy allowed when it opened; choosing an
// action the policy no longer allows (it changed meanwhile) is refused on
// the picker, and an allowed choice still opens its form.
func TestPickerRefusesAnActionThePolicyNoLongerAllows(t *testing.T) {
	h := newHarness(t).setPolicy(policyBeforeChange).start()
	views := len(h.slack.Views())
	cmd := h.slack.SlashCommand(uAlice, chGen, "/okta", "")
	if _, err := cmd.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	picker := h.openedView(uAlice, "okta_pick", views)
	mustContain(t, string(picker.Blocks), "reset-password")

	h.setPolicy(openPolicy) // alice may no longer reset passwords
	h.restart()
	sub, err := h.slack.SubmitView(uAlice, picker, map[string]map[string]any{"pick": {"pick": "reset-password"}})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := sub.WaitAck(3 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	json.Unmarshal(ack.Payload, &got)
	if got.ResponseAction != "errors" {
		t.Fatalf("picking a refused action acked %s, want errors on the picker", ack.Payload)
	}
	mustContain(t, got.Errors["pick"], "not allowed", "reset-password")

	form, _ := h.openForm(uAlice, "get-user")
	if form.CallbackID != "okta_action" {
		t.Errorf("an allowed choice did not open its form: %+v", form)
	}
}

// Slack's rate limit (HTTP 429, Retry-After) is waited out: the approval
// request is still posted, not withdrawn, and the requester is told it waits.
func TestSlackRateLimitIsWaitedOut(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	before := a.slack.CallCount("chat.postMessage")
	a.slack.InjectError("chat.postMessage", "ratelimited")
	notice, msg := a.request(uAlice, `disable-user erin@corp.com --reason "INC-9"`)
	mustContain(t, notice, "waiting for approval")
	if n := a.slack.CallCount("chat.postMessage") - before; n != 2 {
		t.Errorf("chat.postMessage called %d times, want 2 (429, then the retry)", n)
	}
	a.click(uSec1, msg, "Approve")
	a.waitUpdate(msg, "and run")
	if got := a.userStatus("erin@corp.com"); got != "SUSPENDED" {
		t.Errorf("erin is %s, want SUSPENDED", got)
	}
}

// Slack sends a slash command's text escaped (&amp; &lt; &gt;) and with
// email addresses, URLs and domain names wrapped as links; what reaches
// Okta is what the caller typed.
func TestEscapedCommandTextReachesOktaAsTyped(t *testing.T) {
	h := newHarness(t).setPolicy(openPolicy).start()

	mustContain(t, h.reply(uSecurity, `add-group "R&D <core> corp.com" --description "Research & Development: see https://wiki.corp.com/rd?a=1&b=2"`), "created")
	var found bool
	for _, g := range h.okta.Groups() {
		if g.Name == "R&D <core> corp.com" {
			found = true
			if want := "Research & Development: see https://wiki.corp.com/rd?a=1&b=2"; g.Description != want {
				t.Errorf("description in Okta = %q, want %q", g.Description, want)
			}
		}
	}
	if !found {
		t.Errorf("no group named as typed in Okta: %+v", h.okta.Groups())
	}

	n := h.okta.CallCount()
	mustContain(t, h.reply(uSecurity, `list-users --search 'profile.email eq "carol.danvers@corp.com"'`), "Carol Danvers")
	var searched []string
	for _, c := range h.callsSince(n) {
		if s := c.Query.Get("search"); s != "" {
			searched = append(searched, s)
		}
	}
	if len(searched) != 1 || searched[0] != `profile.email eq "carol.danvers@corp.com"` {
		t.Errorf("searches sent to Okta = %q", searched)
	}
	mustContain(t, h.reply(uSecurity, "get-user carol.danvers@corp.com"), "Carol Danvers")
}

// Slack's escaping is undone exactly once: text that looks like an HTML
// entity, typed as such, reaches Okta as typed, and &quot; is not a quote.
func TestEntitiesTypedAsTextAreNotDecodedTwice(t *testing.T) {
	h := newHarness(t).setPolicy(openPolicy).start()

	mustContain(t, h.reply(uSecurity, `add-group R&amp;D --description "a &lt;b&gt; &quot;c&quot; &#39;d&#39;"`), "created")
	var names []string
	for _, g := range h.okta.Groups() {
		names = append(names, g.Name)
		if g.Name == "R&amp;D" {
			if want := `a &lt;b&gt; &quot;c&quot; &#39;d&#39;`; g.Description != want {
				t.Errorf("description in Okta = %q, want %q", g.Description, want)
			}
		}
		if g.Name == "R&D" {
			t.Errorf("R&amp;D was decoded twice into %q", g.Name)
		}
	}
	if !slices.Contains(names, "R&amp;D") {
		t.Errorf("no group named R&amp;D in Okta: %q", names)
	}
	// &quot; does not open a quote: these are two words, so two names.
	mustContain(t, h.reply(uSecurity, `add-group &quot;On call&quot;`), "takes one name")
}

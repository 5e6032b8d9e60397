package main

// A request that waits for approval names its users when it is made: its
// targets are resolved to Okta users before anything is stored or posted,
// approvers see who they are, and the approved request acts on exactly
// those users, however Okta or Slack changed in between.

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"oktabot/okta/oktatest"
	"oktabot/slackfake"
	"oktabot/store"
)

// A request made through the action form carries the type-ahead's value,
// an Okta user id: approvers see the person's name and login instead.
func TestApprovalFromTheFormShowsWhoTheTargetIs(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	carol, _ := a.okta.User("carol.danvers@corp.com")

	cmd := a.slack.SlashCommand(uAlice, chGen, "/okta", "")
	if _, err := cmd.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	picker := a.openedView(uAlice, "okta_pick", 0)
	sub, err := a.slack.SubmitView(uAlice, picker, map[string]map[string]any{"pick": {"pick": "disable-user"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	form, ok := a.slack.CurrentView(picker.ID)
	if !ok || form.CallbackID != "okta_action" {
		t.Fatalf("form = %+v", form)
	}
	sug, err := a.slack.Suggest(uAlice, form, "targets", "carol")
	if err != nil {
		t.Fatal(err)
	}
	sack, err := sug.WaitAck(3 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var opts struct{ Options []struct{ Value string } }
	json.Unmarshal(sack.Payload, &opts)
	if len(opts.Options) != 1 || opts.Options[0].Value != carol.ID {
		t.Fatalf("type-ahead options = %s, want carol's id %s", sack.Payload, carol.ID)
	}
	before := a.okta.CallCount()
	run, err := a.slack.SubmitView(uAlice, form, map[string]map[string]any{
		"targets": {"targets": []string{carol.ID}},
		"reason":  {"reason": "INC-50 badge cloned"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	replies, err := cmd.WaitReplies(1, 5*time.Second)
	if err != nil {
		t.Fatalf("the requester got no notice: %v\n%s", err, a.logs())
	}
	const label = "`Carol Danvers &lt;carol.danvers@corp.com&gt;`"
	mustContain(t, replies[0].AllText(), "waiting for approval", label)
	msg, err := a.slack.WaitMessage(5*time.Second, func(m slackfake.Message) bool {
		return m.Via == "chat.postMessage" && m.Channel == chApprovals
	})
	if err != nil {
		t.Fatalf("no approval message: %v", err)
	}
	mustContain(t, msg.AllText(), "asks to run `disable-user` on "+label, "*Targets (1)*\n"+label)
	if strings.Contains(msg.AllText(), carol.ID) {
		t.Errorf("the approval message shows the Okta id, not who it is:\n%s", msg.AllText())
	}
	if w := oktaWrites(a.okta.Calls()[before:]); len(w) != 0 {
		t.Errorf("Okta received writes before approval: %+v", w)
	}

	a.click(uSec1, msg, "Approve")
	done := a.waitUpdate(msg, "and run")
	mustContain(t, done.AllText(), label, "*Carol Danvers* `carol.danvers@corp.com` — suspended")
	if s := a.userStatus("carol.danvers@corp.com"); s != "SUSPENDED" {
		t.Errorf("carol is %s", s)
	}
	mustContain(t, a.told(uAlice, "was approved by <@U0SECURE1> and run").AllText(), label)
	lines := a.waitAuditLines(1)
	if len(lines) != 1 {
		t.Fatalf("audit channel lines = %q", lines)
	}
	mustContain(t, lines[0], label, "approved by <@U0SECURE1>")
}

// A short login and a Slack mention are resolved when the request is made.
// The approved request acts on exactly those Okta users, although before
// approval a second "dave@…" makes the short login ambiguous and the
// mentioned person's Slack email changes.
func TestApprovalActsOnTheUsersResolvedWhenRequested(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	dave, _ := a.okta.User("dave@corp.com")
	carol, _ := a.okta.User("carol.danvers@corp.com")

	notice, msg := a.request(uAlice, `disable-user dave <@U0CAROL01|carol> --reason "INC-51"`)
	const daveLabel, carolLabel = "`Dave Example &lt;dave@corp.com&gt;`", "`Carol Danvers &lt;carol.danvers@corp.com&gt;`"
	mustContain(t, notice, daveLabel+" and "+carolLabel)
	mustContain(t, msg.AllText(), "*Targets (2)*\n"+daveLabel+", "+carolLabel)
	id := approvalID(t, msg)
	ap, err := a.store().GetApproval(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{dave.ID, carol.ID}; strings.Join(ap.Targets, ",") != strings.Join(want, ",") {
		t.Errorf("stored targets = %q, want the Okta ids %q", ap.Targets, want)
	}

	// Between request and approval: a second dave, and carol's Slack
	// profile now names someone else.
	dave2 := a.okta.AddUser(oktatest.User{Login: "dave@subsidiary.example", Email: "dave@subsidiary.example", FirstName: "Dave", LastName: "Other"})
	a.slack.AddUser(slackfake.User{ID: uCarol, Name: "carol", RealName: "Carol Danvers", Email: "erin@corp.com"})
	if got := a.reply(uSec1, "get-user dave"); !strings.Contains(got, "matches several Okta users") {
		t.Fatalf("the short login is not ambiguous now: %s", got)
	}

	before := a.okta.CallCount()
	a.click(uSec1, msg, "Approve")
	done := a.waitUpdate(msg, "and run")
	mustContain(t, done.AllText(), "*Dave Example* `dave@corp.com` — suspended", "*Carol Danvers* `carol.danvers@corp.com` — suspended")
	for login, want := range map[string]string{"dave@corp.com": "SUSPENDED", "carol.danvers@corp.com": "SUSPENDED", dave2.Login: "ACTIVE", "erin@corp.com": "ACTIVE"} {
		if s := a.userStatus(login); s != want {
			t.Errorf("%s is %s, want %s", login, s, want)
		}
	}
	if n := a.oktaOps("suspendUser"); n != 2 {
		t.Errorf("suspendUser calls = %d, want 2", n)
	}
	// Nothing was looked up again by name: only the approved ids (and
	// their admin roles, which the requester's policy roles may not touch),
	// besides the requester's own account, which no request may change.
	for _, c := range a.okta.Calls()[before:] {
		if c.Operation == "listAssignedRolesForUser" || (c.Method == "GET" && strings.HasSuffix(c.Path, "/alice@corp.com")) {
			continue
		}
		if c.Operation == "listUsers" || (c.Method == "GET" && !strings.HasSuffix(c.Path, "/"+dave.ID) && !strings.HasSuffix(c.Path, "/"+carol.ID)) {
			t.Errorf("after approval the bot resolved a target again: %s %s %v", c.Method, c.Path, c.Query)
		}
	}
	var outcomes []string
	for _, r := range a.auditOf(id) {
		if r.Event == "outcome" {
			outcomes = append(outcomes, r.Target+" "+r.Outcome)
		}
	}
	if want := []string{dave.ID + " changed", carol.ID + " changed"}; strings.Join(outcomes, ",") != strings.Join(want, ",") {
		t.Errorf("audited outcomes = %q, want %q (by Okta id)", outcomes, want)
	}
}

// A target that is not exactly one Okta user is found out when the request
// is made: the requester is told which and why, nothing is stored, posted
// for approval or written to Okta, and the refusal is audited.
func TestUnresolvableTargetsAreRefusedAtRequestTime(t *testing.T) {
	a := newApprovals(t, "1h")
	a.okta.AddUser(oktatest.User{Login: "dave@subsidiary.example", FirstName: "Dave", LastName: "Other"})
	a.start("bot")
	before := a.okta.CallCount()

	text := `disable-user nobody@corp.com dave @erin frank --reason "INC-52"`
	i := a.slack.SlashCommand(uAlice, chGen, "/okta", text)
	replies, err := i.WaitReplies(1, 5*time.Second)
	if err != nil {
		t.Fatalf("no answer: %v\n%s", err, a.logs())
	}
	got := replies[0].AllText()
	if !replies[0].Ephemeral() {
		t.Errorf("the refusal is not ephemeral")
	}
	mustContain(t, got, "Nothing was sent for approval", "3 targets of the 4",
		"`nobody@corp.com`", "`dave` — \"dave\" matches several Okta users", "`@erin` — @erin is not a Slack mention")
	if strings.Contains(got, "frank") {
		t.Errorf("the refusal names a target that resolved: %s", got)
	}
	// An approval message is posted before the requester is told it waits.
	if msgs := a.approvalMessages(); len(msgs) != 0 {
		t.Errorf("a refused request was posted for approval: %q", msgs[0].AllText())
	}
	if w := oktaWrites(a.okta.Calls()[before:]); len(w) != 0 {
		t.Errorf("Okta received writes: %+v", w)
	}
	var refused []store.AuditRecord
	for _, r := range a.audit() {
		switch r.Event {
		case "request.refused":
			refused = append(refused, r)
		case "approval.requested":
			t.Errorf("a refused request was recorded as requested: %+v", r)
		}
	}
	if len(refused) != 1 {
		t.Fatalf("request.refused records = %+v, want 1", refused)
	}
	r := refused[0]
	// What was typed is not kept for a refused request (it may hold what
	// should not have been typed): why, and how many.
	if r.Actor != uAlice || r.Action != "disable-user" || len(r.Targets) != 0 || len(r.Params) != 0 {
		t.Errorf("request.refused = %+v", r)
	}
	if want := "not sent for approval: 3 targets not resolved to one Okta user (1 not found, 1 ambiguous, 1 invalid input) (4 targets named, not recorded)"; r.Detail != want {
		t.Errorf("request.refused detail = %q, want %q", r.Detail, want)
	}
	lines := a.waitAuditLines(1)
	if len(lines) != 1 {
		t.Fatalf("audit channel lines = %q", lines)
	}
	mustContain(t, lines[0], "disable-user", "refused", "not sent for approval")
}

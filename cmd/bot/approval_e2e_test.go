package main

// Two-person approvals end to end: the real run (one or several, on one
// database), the Slack fake's approval channel and buttons, the Okta fake's
// calls, and the audit records each scenario leaves in the store and the
// JSON log.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"oktabot/okta/oktatest"
	"oktabot/slackfake"
	"oktabot/store"
	"oktabot/store/postgres/pgtest"
	"oktabot/store/storeopen"
)

// People and channels of the approval tests, beside e2e_test.go's.
const (
	uSec1       = "U0SECURE1" // security, listed by id
	uSec2       = "U0SECURE2" // security through the S0SECURITY user group
	uDesk       = "U0HELPDSK" // helpdesk: passwords, with approval
	chApprovals = "C0APPROVALS"
	chAudit     = "C0AUDIT"
)

// approvalPolicy is the example policy's shape: disables and passwords
// wait for security, with a reason; an audit channel.
func approvalPolicy(expire string) string {
	return `roles:
  oncall:
    members: [U0ALICE01, S0ONCALL01]
    actions: [ping, get-user, list-users, disable-user]
  helpdesk:
    members: [U0HELPDSK]
    actions: [get-user, reset-password, set-password]
  security:
    members: [U0SECURE1, S0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
approvals:
  - actions: [disable-user, set-password, reset-password]
    approvers: [security]
    channel: C0APPROVALS
    expire_after: ` + expire + `
    require_reason: true
audit:
  channel: C0AUDIT
`
}

// approvalIDRE is what store.NewID makes: the only thing a button carries.
var approvalIDRE = regexp.MustCompile(`^[A-Z2-7]{26}$`)

// ah is a harness for approvals: the fakes, one database and any number of
// bot processes (replicas) on them.
type ah struct {
	*harness
	t       *testing.T
	bots    []*replica
	st      store.Store
	secrets []string // must never be logged, stored or shown in public
}

// replica is one run of the bot.
type replica struct {
	name   string
	stdout *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

func newApprovals(t *testing.T, expire string) *ah {
	t.Helper()
	h := newHarness(t).setPolicy(approvalPolicy(expire))
	for _, u := range []slackfake.User{
		{ID: uSec1, Name: "sec1", RealName: "Sam Secure", Email: "sam@corp.com"},
		{ID: uSec2, Name: "sec2", RealName: "Sue Secure", Email: "sue@corp.com"},
		{ID: uDesk, Name: "desk", RealName: "Hal Desk", Email: "hal@corp.com"},
	} {
		h.slack.AddUser(u)
	}
	h.slack.AddUserGroup("S0SECURITY", uSec2)
	h.slack.AddChannel(chGen, "general", uAlice, uBob, uMallory, uSec1, uSec2, uDesk)
	h.slack.AddChannel(chApprovals, "approvals", uSec1, uSec2, uBob, uMallory)
	h.slack.AddChannel(chAudit, "audit", uSec1, uSec2)
	for _, n := range []string{"dave", "erin", "frank"} {
		h.okta.AddUser(oktatest.User{Login: n + "@corp.com", Email: n + "@corp.com", FirstName: strings.ToUpper(n[:1]) + n[1:], LastName: "Example"})
	}
	a := &ah{harness: h, t: t}
	t.Cleanup(a.checkSecrets) // after every replica has stopped
	return a
}

// start runs one more bot process and waits until it is connected.
func (a *ah) start(name string) *replica {
	a.t.Helper()
	want := a.slack.Connections() + 1
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{name: name, stdout: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- run(ctx, []string{"bot"}, lookup(a.env), r.stdout, &syncBuffer{}) }()
	a.bots = append(a.bots, r)
	a.t.Cleanup(func() { a.stopBot(r) })
	if err := a.slack.WaitConnections(want, 10*time.Second); err != nil {
		a.t.Fatalf("%s did not connect: %v\nlogs:\n%s", name, err, r.stdout)
	}
	return r
}

// stopBot stops a bot as SIGTERM would (it drains its work) and waits
// until Slack no longer counts its connection.
func (a *ah) stopBot(r *replica) {
	a.t.Helper()
	if r.cancel == nil {
		return
	}
	before := a.slack.Connections()
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			a.t.Errorf("%s: run returned %v after shutdown", r.name, err)
		}
	case <-time.After(30 * time.Second):
		a.t.Fatalf("%s did not stop within 30 s", r.name)
	}
	waitFor(a.t, 5*time.Second, fmt.Sprintf("%s's connection to close", r.name), func() bool { return a.slack.Connections() < before })
}

// waitFor polls cond until it holds, failing the test at the deadline.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// store opens the bots' database for the test to read (and, to model a
// crash, to write).
func (a *ah) store() store.Store {
	a.t.Helper()
	if a.st == nil {
		st, err := storeopen.Open(context.Background(), a.env["OKTABOT_DATABASE_URL"])
		if err != nil {
			a.t.Fatalf("open the bots' database: %v", err)
		}
		a.st = st
		a.t.Cleanup(func() { st.Close() })
	}
	return a.st
}

// approvalMessages are the approval messages posted so far.
func (a *ah) approvalMessages() []slackfake.Message { return a.posts(chApprovals) }

// posts are the messages the bot posted in channel with chat.postMessage.
func (a *ah) posts(channel string) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range a.slack.Messages() {
		if m.Via == "chat.postMessage" && m.Channel == channel {
			out = append(out, m)
		}
	}
	return out
}

// resetLinkRE finds a one-time reset link of the Okta fake in a message.
var resetLinkRE = regexp.MustCompile(`http://[^\s|>` + "`" + `]+/reset_password/[A-Za-z0-9_-]+`)

// request types a command in #general and returns the requester's reply
// and the approval message it posted.
func (a *ah) request(user, text string) (string, slackfake.Message) {
	a.t.Helper()
	seen := map[string]bool{}
	for _, m := range a.approvalMessages() {
		seen[m.TS] = true
	}
	i := a.slack.SlashCommand(user, chGen, "/okta", text)
	if _, err := i.WaitAck(3 * time.Second); err != nil {
		a.t.Fatalf("/okta %s: %v", text, err)
	}
	replies, err := i.WaitReplies(1, 5*time.Second)
	if err != nil {
		a.t.Fatalf("/okta %s: %v\n%s", text, err, a.logs())
	}
	msg, err := a.slack.WaitMessage(5*time.Second, func(m slackfake.Message) bool {
		return m.Via == "chat.postMessage" && m.Channel == chApprovals && !seen[m.TS]
	})
	if err != nil {
		a.t.Fatalf("/okta %s: no approval message: %v\nreply: %s", text, err, replies[0].AllText())
	}
	if !replies[0].Ephemeral() {
		a.t.Errorf("the requester's notice is not ephemeral")
	}
	return replies[0].AllText(), msg
}

// now is the message's current state.
func (a *ah) now(msg slackfake.Message) slackfake.Message {
	a.t.Helper()
	m, ok := a.slack.ChannelMessage(msg.Channel, msg.TS)
	if !ok {
		a.t.Fatalf("message %s/%s is gone", msg.Channel, msg.TS)
	}
	return m
}

// click is user clicking a button of the message as it is now; it returns
// once the bot acknowledged it.
func (a *ah) click(user string, msg slackfake.Message, button string) *slackfake.Interaction {
	a.t.Helper()
	i, err := a.slack.ClickButton(user, a.now(msg), button)
	if err != nil {
		a.t.Fatalf("%s clicks %q: %v", user, button, err)
	}
	if _, err := i.WaitAck(3 * time.Second); err != nil {
		a.t.Fatalf("%s clicks %q: %v", user, button, err)
	}
	return i
}

// clickReply is a click and the one ephemeral answer it gets.
func (a *ah) clickReply(user string, msg slackfake.Message, button string) string {
	a.t.Helper()
	i := a.click(user, msg, button)
	replies, err := i.WaitReplies(1, 5*time.Second)
	if err != nil {
		a.t.Fatalf("%s clicks %q: %v\n%s", user, button, err, a.logs())
	}
	if !replies[0].Ephemeral() || replies[0].ReplaceOriginal {
		a.t.Errorf("answer to a click is not an ephemeral new message: %+v", replies[0])
	}
	return replies[0].AllText()
}

// waitUpdate waits until the approval message was updated to show want.
// The wait is long: a large request runs hundreds of Okta calls first, and
// under -race on a loaded machine that takes seconds.
func (a *ah) waitUpdate(msg slackfake.Message, want string) slackfake.Message {
	a.t.Helper()
	m, err := a.slack.WaitMessage(30*time.Second, func(m slackfake.Message) bool {
		return m.Via == "chat.update" && m.Channel == msg.Channel && m.TS == msg.TS && strings.Contains(m.AllText(), want)
	})
	if err != nil {
		a.t.Fatalf("approval message never showed %q; now:\n%s\nlogs:\n%s", want, a.now(msg).AllText(), a.logs())
	}
	return m
}

// told waits for a private message to user (ephemeral, or direct: posted
// or updated in place) with want.
func (a *ah) told(user, want string) slackfake.Message {
	a.t.Helper()
	dm := "D" + user[1:]
	m, err := a.slack.WaitMessage(5*time.Second, func(m slackfake.Message) bool {
		private := (m.Ephemeral() && m.User == user) || (m.Channel == dm && (m.Via == "chat.postMessage" || m.Via == "chat.update"))
		return private && strings.Contains(m.AllText(), want)
	})
	if err != nil {
		a.t.Fatalf("%s was never told %q\nlogs:\n%s", user, want, a.logs())
	}
	return m
}

// runNow is the requester clicking "Run it now" in the direct message that
// asks them to run their approved request (its one-time secrets answer the
// click); it returns the click once acknowledged.
func (a *ah) runNow(user string) *slackfake.Interaction {
	a.t.Helper()
	dm := a.told(user, "Run it now")
	if dm.Channel != "D"+user[1:] || dm.Ephemeral() {
		a.t.Errorf("the run button did not come by direct message: %+v", dm)
	}
	i, err := a.slack.ClickButton(user, dm, "Run it now")
	if err != nil {
		a.t.Fatalf("%s clicks Run it now: %v", user, err)
	}
	if _, err := i.WaitAck(3 * time.Second); err != nil {
		a.t.Fatalf("%s clicks Run it now: %v", user, err)
	}
	return i
}

// approvalID is the id an approval message's buttons carry; it checks
// that they carry nothing else.
func approvalID(t *testing.T, msg slackfake.Message) string {
	t.Helper()
	var id string
	for _, b := range buttons(t, msg) {
		v, _ := b["value"].(string)
		if !approvalIDRE.MatchString(v) {
			t.Errorf("button %v carries %q, want only an approval id", b["action_id"], v)
		}
		if id != "" && v != id {
			t.Errorf("buttons carry different ids %q and %q", id, v)
		}
		id = v
	}
	if id == "" {
		t.Fatalf("approval message has no buttons:\n%s", msg.AllText())
	}
	return id
}

// buttons are the message's button elements as JSON objects.
func buttons(t *testing.T, msg slackfake.Message) []map[string]any {
	t.Helper()
	var blocks []map[string]any
	if err := json.Unmarshal(msg.Blocks, &blocks); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	var out []map[string]any
	for _, b := range blocks {
		els, _ := b["elements"].([]any)
		for _, e := range els {
			if m, ok := e.(map[string]any); ok && m["type"] == "button" {
				out = append(out, m)
			}
		}
	}
	return out
}

// oktaOps counts Okta calls of one operation (e.g. "suspendUser").
func (a *ah) oktaOps(op string) int {
	n := 0
	for _, c := range a.okta.Calls() {
		if c.Operation == op {
			n++
		}
	}
	return n
}

// oktaWrites are the calls among calls that could change Okta: all but
// reads. Before approval a request only reads, to resolve its users.
func oktaWrites(calls []oktatest.Call) []oktatest.Call {
	var out []oktatest.Call
	for _, c := range calls {
		if c.Method != http.MethodGet && c.Operation != "token" {
			out = append(out, c)
		}
	}
	return out
}

// userStatus is a user's status in the Okta fake.
func (a *ah) userStatus(login string) string {
	u, ok := a.okta.User(login)
	if !ok {
		a.t.Fatalf("no Okta user %s", login)
	}
	return u.Status
}

// audit is every audit record in the store, oldest first.
func (a *ah) audit() []store.AuditRecord {
	a.t.Helper()
	recs, err := a.store().ListAudit(context.Background(), store.AuditFilter{Limit: store.MaxAuditLimit})
	if err != nil {
		a.t.Fatal(err)
	}
	slices.Reverse(recs)
	return recs
}

// auditOf is the store's records about one approval, oldest first.
func (a *ah) auditOf(id string) []store.AuditRecord {
	var out []store.AuditRecord
	for _, r := range a.audit() {
		if r.ApprovalID == id {
			out = append(out, r)
		}
	}
	return out
}

func events(recs []store.AuditRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Event
	}
	return out
}

// loggedAudit is the audit events the bots' JSON logs hold for an approval.
func (a *ah) loggedAudit(id string) []string {
	var out []string
	for _, r := range a.bots {
		for _, line := range strings.Split(r.stdout.String(), "\n") {
			var rec struct {
				Message    string `json:"message"`
				Event      string `json:"event"`
				ApprovalID string `json:"approval_id"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Message == "audit" && rec.ApprovalID == id {
				out = append(out, rec.Event)
			}
		}
	}
	return out
}

// logged reports whether a bot's log has a line with this event.
func (r *replica) logged(event string) int {
	n := 0
	for _, line := range strings.Split(r.stdout.String(), "\n") {
		var rec struct{ Event string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Event == event {
			n++
		}
	}
	return n
}

func (a *ah) logs() string {
	var b strings.Builder
	for _, r := range a.bots {
		fmt.Fprintf(&b, "--- %s ---\n%s", r.name, r.stdout)
	}
	return b.String()
}

// waitAuditLines waits until the audit channel has at least n messages
// (the bot posts them from a queue of their own) and returns them all.
func (a *ah) waitAuditLines(n int) []string {
	a.t.Helper()
	var lines []string
	deadline := time.Now().Add(5 * time.Second)
	for {
		if lines = a.auditLines(); len(lines) >= n || time.Now().After(deadline) {
			return lines
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// auditLines are the messages in the audit channel.
func (a *ah) auditLines() []string {
	var out []string
	for _, m := range a.slack.Messages() {
		if m.Channel == chAudit {
			out = append(out, m.AllText())
		}
	}
	return out
}

// checkSecrets fails the test if a secret the test used appears in a log,
// in Slack outside the requester's private messages, in the store, or in
// the database's files.
func (a *ah) checkSecrets() {
	if len(a.secrets) == 0 {
		return
	}
	var logs strings.Builder
	for _, r := range a.bots {
		logs.WriteString(r.stdout.String())
	}
	var public strings.Builder
	for _, m := range a.slack.Messages() {
		if m.Ephemeral() || strings.HasPrefix(m.Channel, "D") {
			continue
		}
		public.WriteString(m.Text)
		public.Write(m.Blocks)
	}
	var stored strings.Builder
	if st, err := storeopen.Open(context.Background(), a.env["OKTABOT_DATABASE_URL"]); err == nil {
		recs, _ := st.ListAudit(context.Background(), store.AuditFilter{Limit: store.MaxAuditLimit})
		b, _ := json.Marshal(recs)
		stored.Write(b)
		st.Close()
	}
	var files bytes.Buffer
	if db := a.env["OKTABOT_DATABASE_URL"]; !strings.Contains(db, "://") {
		for _, f := range []string{db, db + "-wal", db + "-shm"} {
			b, _ := os.ReadFile(f)
			files.Write(b)
		}
	}
	for _, s := range a.secrets {
		for where, text := range map[string]string{"the logs": logs.String(), "a public Slack message": public.String(), "the audit records": stored.String(), "the database files": files.String()} {
			if strings.Contains(text, s) {
				a.t.Errorf("secret %q appears in %s", s, where)
			}
		}
	}
}

func TestApprovalMessageAndButtons(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	before := a.okta.CallCount()

	notice, msg := a.request(uAlice, `disable-user carol.danvers@corp.com --reason "INC-42 laptop stolen"`)
	mustContain(t, notice, "waiting for approval", "<#C0APPROVALS>", "Nothing was run")
	text := msg.AllText()
	mustContain(t, text, "Approval needed", "<@U0ALICE01>", "<#C0GENERAL>", "disable-user", "`Carol Danvers &lt;carol.danvers@corp.com&gt;`",
		"INC-42 laptop stolen", "`security`", "Expires", "`--deactivate` `false`")
	if got := msg.Buttons(); !slices.Equal(got, []string{"Approve", "Deny"}) {
		t.Errorf("buttons = %q, want Approve, Deny", got)
	}
	id := approvalID(t, msg)
	for _, b := range buttons(t, msg) {
		switch b["action_id"] {
		case "approval_approve":
			if b["style"] != "primary" || b["confirm"] == nil {
				t.Errorf("Approve button has no confirm dialog or style: %v", b)
			}
		case "approval_deny":
			if b["style"] != "danger" {
				t.Errorf("Deny button style = %v", b["style"])
			}
		default:
			t.Errorf("unexpected button %v", b)
		}
	}
	if w := oktaWrites(a.okta.Calls()[before:]); len(w) != 0 {
		t.Errorf("Okta received %d writes before approval: %+v", len(w), w)
	}

	ap, err := a.store().GetApproval(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	carol, _ := a.okta.User("carol.danvers@corp.com")
	if ap.Status != store.StatusPending || ap.RequesterID != uAlice || ap.RequesterChannel != chGen || ap.MessageTS != msg.TS ||
		!slices.Equal(ap.Targets, []string{carol.ID}) || !slices.Equal(ap.TargetLabels, []string{"Carol Danvers <carol.danvers@corp.com>"}) ||
		ap.Reason != "INC-42 laptop stolen" {
		t.Errorf("stored approval = %+v", ap)
	}
	recs := a.auditOf(id)
	if got := events(recs); !slices.Equal(got, []string{"approval.requested"}) {
		t.Fatalf("audit = %q", got)
	}
	if r := recs[0]; r.Actor != uAlice || r.Channel != chGen || r.Action != "disable-user" || r.Params["reason"] != "INC-42 laptop stolen" || r.Params["deactivate"] != "false" ||
		!slices.Equal(r.Targets, []string{carol.ID}) || r.Params["targets_as_typed"] != "carol.danvers@corp.com" || r.Params["target_labels"] != "Carol Danvers <carol.danvers@corp.com>" {
		t.Errorf("approval.requested record = %+v", r)
	}
	if got := a.loggedAudit(id); !slices.Equal(got, []string{"approval.requested"}) {
		t.Errorf("audit in the JSON log = %q", got)
	}

	// The rule requires a reason: without one, the form opens to ask.
	views := len(a.slack.Views())
	i := a.slack.SlashCommand(uAlice, chGen, "/okta", "disable-user carol.danvers@corp.com")
	if _, err := i.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	v, err := a.slack.WaitView(5*time.Second, func(v slackfake.View) bool { return v.User == uAlice && v.Via == "views.open" })
	if err != nil || len(a.slack.Views()) <= views {
		t.Fatalf("no form opened for a request without its required reason: %v", err)
	}
	if !strings.Contains(string(v.Blocks), `"block_id":"reason"`) || strings.Contains(reasonBlock(t, v), `"optional":true`) {
		t.Errorf("the form's reason is not required: %s", reasonBlock(t, v))
	}
}

func reasonBlock(t *testing.T, v slackfake.View) string {
	var blocks []json.RawMessage
	json.Unmarshal(v.Blocks, &blocks)
	for _, b := range blocks {
		if strings.Contains(string(b), `"block_id":"reason"`) {
			return string(b)
		}
	}
	return ""
}

func TestApprovalRefusesSelfApprovalAndNonApprovers(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	// A security member asks: they are an approver, but not for their own.
	_, msg := a.request(uSec1, `disable-user dave@corp.com --reason "leaver"`)
	id := approvalID(t, msg)

	mustContain(t, a.clickReply(uSec1, msg, "Approve"), "can't approve your own request", "Nothing was changed")
	mustContain(t, a.clickReply(uBob, msg, "Approve"), "can't decide this", "Nothing was changed")
	mustContain(t, a.clickReply(uMallory, msg, "Deny"), "can't decide this", "Nothing was changed")
	if views := a.slack.Views(); len(views) > 0 {
		t.Errorf("a non-approver's Deny opened a form: %+v", views)
	}
	if got := a.now(msg).Buttons(); !slices.Equal(got, []string{"Approve", "Deny"}) {
		t.Errorf("refused clicks changed the message: buttons %q", got)
	}
	if n := a.oktaOps("suspendUser"); n != 0 {
		t.Fatalf("Okta suspended someone after refused clicks (%d calls)", n)
	}
	ap, _ := a.store().GetApproval(context.Background(), id)
	if ap.Status != store.StatusPending {
		t.Fatalf("status after refused clicks = %s", ap.Status)
	}
	var refused []string
	for _, r := range a.auditOf(id) {
		if r.Event == "approval.refused" {
			refused = append(refused, r.Actor+": "+r.Detail)
		}
	}
	want := []string{
		uSec1 + ": requester cannot approve their own request",
		uBob + ": not an approver",
		uMallory + ": not an approver",
	}
	if !slices.Equal(refused, want) {
		t.Errorf("refusals audited = %q, want %q", refused, want)
	}

	// A member of security through a user group may.
	a.click(uSec2, msg, "Approve")
	a.waitUpdate(msg, "and run")
	if n := a.oktaOps("suspendUser"); n != 1 || a.userStatus("dave@corp.com") != "SUSPENDED" {
		t.Errorf("after approval: %d suspend calls, dave is %s", n, a.userStatus("dave@corp.com"))
	}
	a.told(uSec1, "approved by <@U0SECURE2>")
}

func TestApproveRunsOnceAndEveryoneLearnsTheOutcome(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	_, msg := a.request(uAlice, `disable-user carol.danvers@corp.com --reason "INC-43"`)
	id := approvalID(t, msg)

	a.click(uSec1, msg, "Approve")
	done := a.waitUpdate(msg, "and run")
	mustContain(t, done.AllText(), "Approved", "<@U0SECURE1>", "suspended", "carol.danvers@corp.com", "INC-43")
	if b := done.Buttons(); len(b) != 0 {
		t.Errorf("decided message still has buttons %q", b)
	}
	if n := a.oktaOps("suspendUser"); n != 1 {
		t.Errorf("suspendUser calls = %d, want 1", n)
	}
	if s := a.userStatus("carol.danvers@corp.com"); s != "SUSPENDED" {
		t.Errorf("carol is %s", s)
	}
	told := a.told(uAlice, "was approved by <@U0SECURE1> and run")
	if told.Channel != "D"+uAlice[1:] || told.Ephemeral() {
		t.Errorf("requester told %+v, want a direct message (it may come long after they asked)", told)
	}
	mustContain(t, told.AllText(), "suspended")

	ap, _ := a.store().GetApproval(context.Background(), id)
	if ap.Status != store.StatusDone || ap.DecidedBy != uSec1 || !strings.Contains(ap.Result, "suspended") {
		t.Errorf("stored approval = %+v", ap)
	}
	recs := a.auditOf(id)
	want := []string{"approval.requested", "approval.approved", "outcome"}
	if got := events(recs); !slices.Equal(got, want) {
		t.Fatalf("audit = %q, want %q", got, want)
	}
	if r := recs[1]; r.Actor != uSec1 || r.Channel != chApprovals || r.Params["requester"] != uAlice {
		t.Errorf("approval.approved = %+v", r)
	}
	carol, _ := a.okta.User("carol.danvers@corp.com")
	if r := recs[2]; r.Target != carol.ID || r.Outcome != "changed" || r.Detail != "suspended" || r.Actor != uAlice || r.Params["okta_user_id"] != carol.ID || r.Params["login"] != "carol.danvers@corp.com" {
		t.Errorf("outcome = %+v", r)
	}
	if got := a.loggedAudit(id); !slices.Equal(got, want) {
		t.Errorf("audit in the JSON log = %q, want %q", got, want)
	}
	lines := a.waitAuditLines(1)
	if len(lines) != 1 {
		t.Fatalf("audit channel lines = %q, want 1", lines)
	}
	mustContain(t, lines[0], "disable-user", "carol.danvers@corp.com", "<@U0ALICE01>", "approved by <@U0SECURE1>", "1 done")
}

func TestDoubleClickAndTwoApproversRunOnce(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")

	t.Run("double click", func(t *testing.T) {
		_, msg := a.request(uAlice, `disable-user carol.danvers@corp.com --reason "x"`)
		now := a.now(msg)
		i1, err := a.slack.ClickButton(uSec1, now, "Approve")
		if err != nil {
			t.Fatal(err)
		}
		i2, err := a.slack.ClickButton(uSec1, now, "Approve")
		if err != nil {
			t.Fatal(err)
		}
		a.waitUpdate(msg, "and run")
		mustContain(t, oneReply(t, i1, i2), "already approved by you")
		if n := a.oktaOps("suspendUser"); n != 1 {
			t.Errorf("suspendUser calls = %d, want 1", n)
		}
		if got := events(a.auditOf(approvalID(t, msg))); !slices.Equal(got, []string{"approval.requested", "approval.approved", "outcome"}) {
			t.Errorf("audit = %q", got)
		}
	})
	t.Run("two approvers at once", func(t *testing.T) {
		_, msg := a.request(uAlice, `disable-user dave@corp.com --reason "y"`)
		now := a.now(msg)
		i1, err := a.slack.ClickButton(uSec1, now, "Approve")
		if err != nil {
			t.Fatal(err)
		}
		i2, err := a.slack.ClickButton(uSec2, now, "Approve")
		if err != nil {
			t.Fatal(err)
		}
		a.waitUpdate(msg, "and run")
		mustContain(t, oneReply(t, i1, i2), "already approved by <@U0SECURE")
		if n := a.oktaOps("suspendUser"); n != 2 {
			t.Errorf("suspendUser calls = %d, want 2 (one per request)", n)
		}
		approvals := 0
		for _, r := range a.auditOf(approvalID(t, msg)) {
			if r.Event == "approval.approved" {
				approvals++
			}
		}
		if approvals != 1 {
			t.Errorf("%d approval.approved records, want 1", approvals)
		}
	})
}

// oneReply waits until exactly one of two clicks got an answer (the
// loser's "already approved") and returns it.
func oneReply(t *testing.T, is ...*slackfake.Interaction) string {
	t.Helper()
	var got []string
	waitFor(t, 5*time.Second, "the losing click's answer", func() bool {
		got = nil
		for _, i := range is {
			for _, m := range i.Replies() {
				got = append(got, m.AllText())
			}
		}
		return len(got) > 0
	})
	for _, i := range is {
		if _, err := i.WaitAck(time.Second); err != nil {
			t.Error(err)
		}
	}
	if len(got) != 1 {
		t.Errorf("clicks got %d answers, want 1: %q", len(got), got)
	}
	return got[0]
}

func TestDenyWithReasonRunsNothing(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	before := a.okta.CallCount()
	_, msg := a.request(uAlice, `disable-user carol.danvers@corp.com --reason "INC-44"`)
	id := approvalID(t, msg)

	a.click(uSec2, msg, "Deny")
	v, err := a.slack.WaitView(5*time.Second, func(v slackfake.View) bool { return v.User == uSec2 && v.CallbackID == "approval_deny" })
	if err != nil {
		t.Fatalf("Deny opened no form: %v", err)
	}
	mustContain(t, v.AllText(), "<@U0ALICE01>", "disable-user", "Why deny it?")
	si, err := a.slack.SubmitView(uSec2, v, map[string]map[string]any{"deny_reason": {"deny_reason": "not during the change freeze"}})
	if err != nil {
		t.Fatal(err)
	}
	if ack, err := si.WaitAck(3 * time.Second); err != nil || ack.Payload != nil {
		t.Fatalf("deny form ack = %+v, %v; want a plain ack that closes it", ack, err)
	}
	denied := a.waitUpdate(msg, "Denied")
	mustContain(t, denied.AllText(), "<@U0SECURE2>", "not during the change freeze", "Nothing was changed in Okta")
	if b := denied.Buttons(); len(b) != 0 {
		t.Errorf("denied message still has buttons %q", b)
	}
	mustContain(t, a.told(uAlice, "was denied").AllText(), "<@U0SECURE2>", "not during the change freeze", "Nothing was run")
	if w := oktaWrites(a.okta.Calls()[before:]); len(w) != 0 {
		t.Errorf("Okta received %d writes for a denied request: %+v", len(w), w)
	}
	if s := a.userStatus("carol.danvers@corp.com"); s != "ACTIVE" {
		t.Errorf("carol is %s", s)
	}
	recs := a.auditOf(id)
	if got := events(recs); !slices.Equal(got, []string{"approval.requested", "approval.denied"}) {
		t.Fatalf("audit = %q", got)
	}
	if r := recs[1]; r.Actor != uSec2 || r.Detail != "not during the change freeze" {
		t.Errorf("approval.denied = %+v", r)
	}
	lines := a.waitAuditLines(1)
	if len(lines) != 1 || !strings.Contains(lines[0], "denied by <@U0SECURE2>") {
		t.Errorf("audit channel lines = %q", lines)
	}

	// The requester may withdraw a request of their own.
	_, msg2 := a.request(uAlice, `disable-user dave@corp.com --reason "oops"`)
	a.click(uAlice, msg2, "Deny")
	v, err = a.slack.WaitView(5*time.Second, func(v slackfake.View) bool { return v.User == uAlice && v.CallbackID == "approval_deny" })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.slack.SubmitView(uAlice, v, map[string]map[string]any{"deny_reason": {"deny_reason": "wrong person"}}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, a.waitUpdate(msg2, "Withdrawn").AllText(), "wrong person")
	if w := oktaWrites(a.okta.Calls()[before:]); len(w) != 0 {
		t.Errorf("Okta received writes for a withdrawn request: %+v", w)
	}
}

func TestExpiredRequestsCannotBeApproved(t *testing.T) {
	a := newApprovals(t, "1s")
	a.start("bot")
	_, msg := a.request(uAlice, `disable-user carol.danvers@corp.com --reason "INC-45"`)
	id := approvalID(t, msg)
	template := a.click(uMallory, msg, "Deny") // refused; its payload is reused below
	if _, err := template.WaitReplies(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}

	expired := a.waitUpdate(msg, "Expired")
	mustContain(t, expired.AllText(), "Nothing was changed in Okta")
	if b := expired.Buttons(); len(b) != 0 {
		t.Errorf("expired message still has buttons %q", b)
	}
	a.told(uAlice, "expired without a decision")

	// An approver whose Slack still shows the old message clicks Approve.
	i := forge(t, a.slack, template, func(p map[string]any) {
		p["user"] = map[string]any{"id": uSec1, "name": "sec1", "username": "sec1", "team_id": a.slack.TeamID()}
		act := p["actions"].([]any)[0].(map[string]any)
		act["action_id"], act["value"] = "approval_approve", id
	})
	replies, err := i.WaitReplies(2, 5*time.Second) // the refusal, then this
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, replies[1].AllText(), "expired", "Nothing was run")
	if n := a.oktaOps("suspendUser"); n != 0 {
		t.Errorf("an expired request ran (%d suspend calls)", n)
	}
	var got []string
	for _, r := range a.auditOf(id) {
		if r.Event != "approval.refused" {
			got = append(got, r.Event)
		}
	}
	if !slices.Equal(got, []string{"approval.requested", "approval.expired"}) {
		t.Errorf("audit = %q", got)
	}
	if lines := a.waitAuditLines(1); len(lines) != 1 || !strings.Contains(lines[0], "expired") {
		t.Errorf("audit channel lines = %q", lines)
	}
}

// forge sends a copy of a real click with its payload changed and a new
// envelope id, as a tampered or stale client (or a replay) would.
func forge(t *testing.T, s *slackfake.Server, real *slackfake.Interaction, change func(map[string]any)) *slackfake.Interaction {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal(real.Payload, &p); err != nil {
		t.Fatal(err)
	}
	change(p)
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	f := *real
	f.EnvelopeID = "forged-" + strings.ToLower(rand.Text())
	f.Payload = b
	i := s.Redeliver(&f)
	if _, err := i.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	return i
}

func TestForgedButtonValuesChangeNothing(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	_, msgA := a.request(uAlice, `disable-user carol.danvers@corp.com --reason "A"`)
	_, msgB := a.request(uAlice, `disable-user dave@corp.com --reason "B"`)
	idA, idB := approvalID(t, msgA), approvalID(t, msgB)
	template := a.click(uMallory, msgA, "Deny") // a real click, refused
	if _, err := template.WaitReplies(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	asSec1Approving := func(value string) func(map[string]any) {
		return func(p map[string]any) {
			p["user"] = map[string]any{"id": uSec1, "name": "sec1", "username": "sec1", "team_id": a.slack.TeamID()}
			act := p["actions"].([]any)[0].(map[string]any)
			act["action_id"], act["value"] = "approval_approve", value
		}
	}
	cases := []struct {
		value, want string
	}{
		{"ZZZZZZZZZZZZZZZZZZZZZZZZZZ", "does not belong to any request"},
		{`{"action":"disable-user","targets":["alice@corp.com"]}`, "does not belong to any request"},
		{idB, "not on the approval message"}, // B's id on A's message
	}
	for n, c := range cases {
		i := forge(t, a.slack, template, asSec1Approving(c.value))
		replies, err := i.WaitReplies(n+2, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, replies[n+1].AllText(), c.want, "Nothing was changed")
	}
	for _, id := range []string{idA, idB} {
		if ap, _ := a.store().GetApproval(context.Background(), id); ap.Status != store.StatusPending {
			t.Errorf("approval %s is %s after forged clicks", id, ap.Status)
		}
	}
	if n := a.oktaOps("suspendUser"); n != 0 {
		t.Fatalf("forged clicks reached Okta (%d suspend calls)", n)
	}

	// A real approval, then a replay of it under a new envelope id.
	real := a.click(uSec1, msgA, "Approve")
	a.waitUpdate(msgA, "and run")
	replay := forge(t, a.slack, real, func(map[string]any) {})
	replies, err := replay.WaitReplies(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, replies[0].AllText(), "already approved by you")
	if n := a.oktaOps("suspendUser"); n != 1 {
		t.Errorf("suspendUser calls = %d, want 1", n)
	}
	if s := a.userStatus("alice@corp.com"); s != "ACTIVE" {
		t.Errorf("alice is %s", s)
	}
	var refused []string
	for _, r := range a.audit() {
		if r.Event == "approval.refused" {
			refused = append(refused, r.Detail)
		}
	}
	want := []string{"not an approver", "unknown approval id", "button value is not an approval id", "button is not on the request's approval message"}
	if !slices.Equal(refused, want) {
		t.Errorf("refusals audited = %q, want %q", refused, want)
	}
}

func TestRedeliveredEnvelopesAreHandledOnce(t *testing.T) {
	a := newApprovals(t, "1h")
	bot := a.start("bot")
	i := a.slack.SlashCommand(uAlice, chGen, "/okta", `disable-user carol.danvers@corp.com --reason "INC-46"`)
	if _, err := i.WaitReplies(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	again := a.slack.Redeliver(i)
	if _, err := again.WaitAck(3 * time.Second); err != nil {
		t.Fatalf("redelivered slash command not acknowledged: %v", err)
	}
	waitFor(t, 5*time.Second, "the duplicate to be noticed", func() bool { return bot.logged("envelope.duplicate") == 1 })
	msgs := a.approvalMessages()
	if len(msgs) != 1 {
		t.Fatalf("%d approval messages for one (redelivered) command", len(msgs))
	}
	msg := msgs[0]

	click := a.click(uSec1, msg, "Approve")
	a.waitUpdate(msg, "and run")
	again = a.slack.Redeliver(click)
	if _, err := again.WaitAck(3 * time.Second); err != nil {
		t.Fatalf("redelivered click not acknowledged: %v", err)
	}
	waitFor(t, 5*time.Second, "the duplicate click to be noticed", func() bool { return bot.logged("envelope.duplicate") == 2 })
	if n := a.oktaOps("suspendUser"); n != 1 {
		t.Errorf("suspendUser calls = %d, want 1", n)
	}
	if r := click.Replies(); len(r) != 0 {
		t.Errorf("the click (or its redelivery) got answers: %+v", r)
	}
	if got := events(a.auditOf(approvalID(t, a.approvalMessages()[0]))); !slices.Equal(got, []string{"approval.requested", "approval.approved", "outcome"}) {
		t.Errorf("audit = %q", got)
	}
}

// A command needing no approval, redelivered, runs and is answered and
// recorded once: a read redelivered while its first delivery runs (both
// read Okta; only one records and answers), and a write redelivered once
// it has answered (it does not write to Okta again).
func TestRedeliveredCommandsRunOnce(t *testing.T) {
	a := newApprovals(t, "1h")
	bot := a.start("bot")
	read := a.slack.SlashCommand(uAlice, chGen, "/okta", "get-user carol.danvers@corp.com")
	again := a.slack.Redeliver(read)
	for _, i := range []*slackfake.Interaction{read, again} {
		if _, err := i.WaitAck(3 * time.Second); err != nil {
			t.Fatalf("not acknowledged: %v", err)
		}
	}
	if _, err := read.WaitReplies(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the duplicate read to be noticed", func() bool { return bot.logged("envelope.duplicate") == 1 })

	write := a.slack.SlashCommand(uSec1, chGen, "/okta", "enable-user bob@corp.com")
	if _, err := write.WaitReplies(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := a.slack.Redeliver(write).WaitAck(3 * time.Second); err != nil {
		t.Fatalf("redelivered command not acknowledged: %v", err)
	}
	waitFor(t, 5*time.Second, "the duplicate write to be noticed", func() bool { return bot.logged("envelope.duplicate") == 2 })
	if n := a.oktaOps("unsuspendUser"); n != 1 {
		t.Errorf("unsuspendUser calls = %d, want 1", n)
	}
	if s := a.userStatus("bob@corp.com"); s != "ACTIVE" {
		t.Errorf("bob is %s", s)
	}
	for name, i := range map[string]*slackfake.Interaction{"get-user": read, "enable-user": write} {
		if r := i.Replies(); len(r) != 1 {
			t.Errorf("%s: %d replies, want 1: %+v", name, len(r), r)
		}
	}
	got := map[string]int{}
	for _, r := range a.audit() {
		got[r.Action+" "+r.Event]++
	}
	want := map[string]int{"get-user request.allowed": 1, "get-user outcome": 1, "enable-user request.allowed": 1, "enable-user outcome": 1}
	if !maps.Equal(got, want) {
		t.Errorf("audit = %v, want %v", got, want)
	}
}

func TestRestartBetweenRequestAndApproval(t *testing.T) {
	a := newApprovals(t, "1h")
	first := a.start("first")
	_, msg := a.request(uAlice, `disable-user carol.danvers@corp.com --reason "INC-47"`)
	a.stopBot(first)

	second := a.start("second")
	a.click(uSec1, msg, "Approve")
	a.waitUpdate(msg, "and run")
	if n := a.oktaOps("suspendUser"); n != 1 {
		t.Errorf("suspendUser calls = %d, want 1", n)
	}
	if second.logged("approval.approved") == 0 || first.logged("approval.approved") != 0 {
		t.Errorf("the approval was not handled by the restarted bot")
	}
	a.told(uAlice, "was approved by <@U0SECURE1> and run")
}

// A bot that stopped after an approval was recorded but before it ran it
// (or while it ran it, its lease then lapsing) leaves work that the next
// bot to start runs, once.
func TestRestartBetweenApprovalAndOktaCall(t *testing.T) {
	a := newApprovals(t, "1h")
	first := a.start("first")
	_, msgC := a.request(uAlice, `disable-user carol.danvers@corp.com --reason "C"`)
	_, msgD := a.request(uAlice, `disable-user dave@corp.com --reason "D"`)
	a.stopBot(first)

	// What the stopped bot left in the database: carol approved but not
	// claimed; dave claimed by a replica whose lease has lapsed.
	ctx := context.Background()
	st := a.store()
	if _, err := st.Approve(ctx, approvalID(t, msgC), uSec1, time.Now()); err != nil {
		t.Fatal(err)
	}
	idD := approvalID(t, msgD)
	if _, err := st.Approve(ctx, idD, uSec2, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Claim(ctx, idD, "dead-replica", time.Millisecond); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the dead replica's lease to lapse", func() bool {
		rec, err := st.Recoverable(ctx)
		return err == nil && len(rec) == 2
	})
	if n := a.oktaOps("suspendUser"); n != 0 {
		t.Fatalf("suspend calls before restart: %d", n)
	}

	second := a.start("second")
	a.waitUpdate(msgC, "and run")
	a.waitUpdate(msgD, "and run")
	if n := a.oktaOps("suspendUser"); n != 2 {
		t.Errorf("suspendUser calls = %d, want 2 (one per approved request)", n)
	}
	waitFor(t, 5*time.Second, "two recoveries in the log", func() bool { return second.logged("approval.recovered") == 2 })
	a.told(uAlice, "approved by <@U0SECURE2> and run")
	if got := events(a.auditOf(idD)); !slices.Equal(got, []string{"approval.requested", "outcome"}) {
		t.Errorf("audit = %q (the approval itself was written by the test)", got)
	}
}

func TestSetPasswordThroughApprovalNeverStoresThePassword(t *testing.T) {
	a := newApprovals(t, "1h")
	const password = "Corr3ct-Horse-Battery-Staple"
	a.secrets = append(a.secrets, password)
	a.start("bot")

	// The password is not asked for before approval: no form, no password.
	notice, msg := a.request(uDesk, `set-password carol.danvers@corp.com --reason "locked out, ticket 7"`)
	mustContain(t, notice, "waiting for approval", "ask you for the password")
	if len(a.slack.Views()) != 0 {
		t.Errorf("a form opened before approval")
	}
	id := approvalID(t, msg)
	a.click(uSec1, msg, "Approve")
	mustContain(t, a.waitUpdate(msg, "Approved").AllText(), "Waiting for <@U0HELPDSK> to type the new password")
	dm := a.told(uDesk, "Set the password")
	if dm.Via != "chat.postMessage" || dm.Channel != "D0HELPDSK" {
		t.Errorf("set-password button not sent by direct message: %+v", dm)
	}
	if n := a.oktaOps("updateUser"); n != 0 {
		t.Fatalf("Okta changed a password before it was typed (%d calls)", n)
	}

	// Only the requester may use the button.
	i, err := a.slack.ClickButton(uSec1, dm, "Set the password")
	if err != nil {
		t.Fatal(err)
	}
	r, err := i.WaitReplies(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, r[0].AllText(), "Only <@U0HELPDSK>", "Nothing was changed")

	i, err = a.slack.ClickButton(uDesk, dm, "Set the password")
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.slack.WaitView(5*time.Second, func(v slackfake.View) bool { return v.User == uDesk && v.CallbackID == "approval_password" })
	if err != nil {
		t.Fatalf("no password form: %v", err)
	}
	if _, err := a.slack.SubmitView(uDesk, v, map[string]map[string]any{"p_password": {"p_password": password}}); err != nil {
		t.Fatal(err)
	}
	a.waitUpdate(msg, "and run")
	carol, _ := a.okta.User("carol.danvers@corp.com")
	if n := a.oktaOps("updateUser"); n != 1 || !a.okta.PasswordIs(carol.ID, password) {
		t.Errorf("updateUser calls = %d, password set = %v", n, a.okta.PasswordIs(carol.ID, password))
	}
	// The result is shown privately where the form was opened: the
	// direct message with the button.
	if done := a.told(uDesk, "password set"); !done.Ephemeral() || done.Channel != "D0HELPDSK" {
		t.Errorf("the result is not an ephemeral message in the direct message: %+v", done)
	}

	// The form works once.
	i, err = a.slack.ClickButton(uDesk, dm, "Set the password")
	if err != nil {
		t.Fatal(err)
	}
	if r, err = i.WaitReplies(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	mustContain(t, r[0].AllText(), "can no longer be used")
	if n := a.oktaOps("updateUser"); n != 1 {
		t.Errorf("updateUser calls = %d, want 1", n)
	}
	ap, _ := a.store().GetApproval(context.Background(), id)
	if b, _ := json.Marshal(ap); bytes.Contains(b, []byte(password)) {
		t.Errorf("the stored approval holds the password")
	}
	if got := events(a.auditOf(id)); !slices.Equal(got, []string{"approval.requested", "approval.approved", "approval.refused", "outcome"}) {
		t.Errorf("audit = %q", got)
	}
}

// An approved set-password runs as its requester's when they type the
// password: the policy must still allow them set-password then. Here the
// helpdesk lost it between approval and the password form.
func TestSetPasswordRechecksThePolicyWhenThePasswordIsTyped(t *testing.T) {
	a := newApprovals(t, "1h")
	const password = "Sh0uld-N3ver-Be-Set"
	a.secrets = append(a.secrets, password)
	first := a.start("first")
	_, msg := a.request(uDesk, `set-password carol.danvers@corp.com --reason "ticket 10"`)
	id := approvalID(t, msg)
	a.click(uSec1, msg, "Approve")
	dm := a.told(uDesk, "Set the password")
	a.stopBot(first)

	withdrawn := strings.Replace(approvalPolicy("1h"), "actions: [get-user, reset-password, set-password]", "actions: [get-user, reset-password]", 1)
	if withdrawn == approvalPolicy("1h") {
		t.Fatal("the policy edit did not apply")
	}
	a.setPolicy(withdrawn)
	a.start("second")

	i, err := a.slack.ClickButton(uDesk, dm, "Set the password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := i.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	v, err := a.slack.WaitView(5*time.Second, func(v slackfake.View) bool { return v.User == uDesk && v.CallbackID == "approval_password" })
	if err != nil {
		t.Fatalf("no password form: %v", err)
	}
	if _, err := a.slack.SubmitView(uDesk, v, map[string]map[string]any{"p_password": {"p_password": password}}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, a.told(uDesk, "You may no longer run `set-password`").AllText(), "no password was set", "nothing was sent to Okta", "closed")
	failed := a.waitUpdate(msg, "did not complete")
	mustContain(t, failed.AllText(), "may no longer run set-password under the current policy")
	carol, _ := a.okta.User("carol.danvers@corp.com")
	if n := a.oktaOps("updateUser"); n != 0 || a.okta.PasswordIs(carol.ID, password) {
		t.Errorf("the password was set for a requester the policy no longer allows (%d updateUser calls)", n)
	}
	if ap, _ := a.store().GetApproval(context.Background(), id); ap.Status != store.StatusFailed {
		t.Errorf("approval is %s, want failed (closed)", ap.Status)
	}
	recs := a.auditOf(id)
	if got := events(recs); !slices.Equal(got, []string{"approval.requested", "approval.approved", "approval.refused", "outcome"}) {
		t.Fatalf("audit = %q", got)
	}
	if r := recs[2]; r.Actor != uDesk || r.Detail != "requester no longer allowed to run the action" {
		t.Errorf("approval.refused = %+v", r)
	}
	if r := recs[3]; r.Outcome != "failed" || r.ErrorKind != "forbidden" {
		t.Errorf("outcome = %+v", r)
	}

	// The form cannot be used again.
	i, err = a.slack.ClickButton(uDesk, dm, "Set the password")
	if err != nil {
		t.Fatal(err)
	}
	r, err := i.WaitReplies(1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, r[0].AllText(), "can no longer be used")
}

func TestResetLinkOfAnApprovedRequestGoesToTheRequesterOnly(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	_, msg := a.request(uDesk, `reset-password carol.danvers@corp.com --reason "ticket 8"`)
	a.click(uSec2, msg, "Approve")
	a.waitUpdate(msg, "Waiting for <@"+uDesk+"> to run it")
	if n := a.oktaOps("resetPassword"); n != 0 {
		t.Fatalf("Okta reset %d times before the requester ran it", n)
	}
	a.runNow(uDesk)
	a.waitUpdate(msg, "and run")
	told := a.told(uDesk, "one-time reset link")
	link := resetLinkRE.FindString(told.AllText())
	if link == "" {
		t.Fatalf("the requester did not get the reset link: %s", told.AllText())
	}
	if !told.Ephemeral() || told.User != uDesk {
		t.Errorf("reset link not private to the requester: %+v", told)
	}
	a.secrets = append(a.secrets, link, strings.TrimPrefix(link[strings.LastIndex(link, "/"):], "/"))
	mustContain(t, a.now(msg).AllText(), "sent to the requester only")
}

// twoReplicaDB is the database two replicas share: a fresh schema of the
// test PostgreSQL (OKTABOT_TEST_POSTGRES_URL), as CI runs it, or else one
// SQLite file.
func twoReplicaDB(t *testing.T, a *ah) {
	t.Helper()
	base, required := pgtest.URL()
	if base == "" {
		if required {
			t.Fatal("OKTABOT_TEST_POSTGRES_URL not set, and OKTABOT_REQUIRE_POSTGRES=1")
		}
		t.Log("OKTABOT_TEST_POSTGRES_URL not set: the replicas share a SQLite file")
		a.env["OKTABOT_DATABASE_URL"] = filepath.Join(t.TempDir(), "shared.db")
		return
	}
	a.env["OKTABOT_DATABASE_URL"] = pgtest.FreshSchema(t, base)
}

func TestTwoReplicas(t *testing.T) {
	a := newApprovals(t, "1h")
	twoReplicaDB(t, a)
	r1, r2 := a.start("replica-1"), a.start("replica-2")

	t.Run("requested through one, approved through the other", func(t *testing.T) {
		i := a.slack.SlashCommand(uAlice, chGen, "/okta", `disable-user carol.danvers@corp.com --reason "R1"`)
		if _, err := i.WaitReplies(1, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		msgs := a.approvalMessages()
		msg := msgs[len(msgs)-1]
		click := a.click(uSec1, msg, "Approve")
		if click.Conn == i.Conn {
			t.Fatalf("the click went to the connection of the request (%d); want the other replica", i.Conn)
		}
		a.waitUpdate(msg, "and run")
		if n := a.oktaOps("suspendUser"); n != 1 {
			t.Errorf("suspendUser calls = %d, want 1", n)
		}
		if (r1.logged("approval.requested") > 0) == (r1.logged("approval.approved") > 0) {
			t.Errorf("one replica should have taken the request and the other the approval\n%s", a.logs())
		}
	})
	t.Run("two approvers at once on two replicas", func(t *testing.T) {
		_, msg := a.request(uAlice, `disable-user dave@corp.com --reason "R2"`)
		now := a.now(msg)
		i1, err := a.slack.ClickButton(uSec1, now, "Approve")
		if err != nil {
			t.Fatal(err)
		}
		i2, err := a.slack.ClickButton(uSec2, now, "Approve")
		if err != nil {
			t.Fatal(err)
		}
		a.waitUpdate(msg, "and run")
		oneReply(t, i1, i2)
		if i1.Conn == i2.Conn {
			t.Errorf("both clicks went to one connection")
		}
		if n := a.oktaOps("suspendUser"); n != 2 {
			t.Errorf("suspendUser calls = %d, want 2", n)
		}
	})
	t.Run("a replica stops with work in flight", func(t *testing.T) {
		// erin waits for approval while replica 1 stops; frank's approval
		// is running on some replica when it stops.
		_, msgE := a.request(uAlice, `disable-user erin@corp.com --reason "R3"`)
		_, msgF := a.request(uAlice, `disable-user frank@corp.com --reason "R4"`)
		a.okta.SetLatency(700 * time.Millisecond)
		ran1, ran2 := r1.logged("approval.running"), r2.logged("approval.running")
		a.click(uSec1, msgF, "Approve")
		idF := approvalID(t, msgF)
		waitFor(t, 5*time.Second, "frank's request to run", func() bool {
			return r1.logged("approval.running") > ran1 || r2.logged("approval.running") > ran2
		})
		runner := r1
		if r2.logged("approval.running") > ran2 {
			runner = r2
		}
		a.stopBot(runner) // drains: the request in flight finishes
		a.okta.SetLatency(0)
		if ap, _ := a.store().GetApproval(context.Background(), idF); ap.Status != store.StatusDone {
			t.Errorf("frank's approval is %s after its replica drained", ap.Status)
		}
		a.waitUpdate(msgF, "and run")

		// The other replica takes erin's approval.
		a.click(uSec2, msgE, "Approve")
		a.waitUpdate(msgE, "and run")
		for _, who := range []string{"erin@corp.com", "frank@corp.com"} {
			if s := a.userStatus(who); s != "SUSPENDED" {
				t.Errorf("%s is %s", who, s)
			}
		}
		if n := a.oktaOps("suspendUser"); n != 4 {
			t.Errorf("suspendUser calls = %d, want 4 (one per request)", n)
		}
	})
}

// An approved request's one-time links all reach the requester, however
// many targets it had: beyond one message's rows they follow in more
// private messages.
func TestApprovedLinksForManyTargetsAllReachTheRequester(t *testing.T) {
	a := newApprovals(t, "1h")
	var logins []string
	for i := range 130 {
		u := a.okta.AddUser(oktatest.User{Login: fmt.Sprintf("many%03d@corp.com", i), FirstName: "Many", LastName: "Users"})
		logins = append(logins, u.Login)
	}
	a.start("bot")
	_, msg := a.request(uDesk, `reset-password `+strings.Join(logins, ",")+` --reason "ticket 9"`)
	a.click(uSec2, msg, "Approve")
	a.runNow(uDesk)
	a.waitUpdate(msg, "and run")
	deadline := time.Now().Add(5 * time.Second)
	var links []string
	for {
		links = links[:0]
		for _, m := range a.slack.Messages() {
			if (m.User == uDesk && m.Ephemeral()) || m.Channel == "D"+uDesk[1:] {
				links = append(links, resetLinkRE.FindAllString(m.AllText(), -1)...)
			}
		}
		if len(links) >= len(logins) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(links) != len(logins) {
		t.Fatalf("the requester got %d reset links for %d users", len(links), len(logins))
	}
	a.secrets = append(a.secrets, links...)
}

// A policy whose only approver may also request what the rule covers is
// accepted, with a warning at start naming the rule's line.
func TestStartWarnsOfARuleNobodyCanApprove(t *testing.T) {
	h := newHarness(t).setPolicy(`roles:
  security:
    members: [U0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
approvals:
  - actions: [disable-user]
    approvers: [security]
    channel: C0APPROVALS
`).start()
	h.reply(uSecurity, "ping")
	mustContain(t, h.stdout.String(), `"level":"warn"`, `"event":"policy.warning"`, `:7: U0SECURITY's requests for disable-user can never be approved`)
}

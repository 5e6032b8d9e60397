package main

// The audit trail end to end: what each kind of request leaves in the
// store, the JSON log and the audit channel, and /okta audit.

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"oktabot/store"
)

// reply is the one ephemeral answer to a command of the approvals harness.
func (a *ah) reply(user, text string) string {
	a.t.Helper()
	i := a.slack.SlashCommand(user, chGen, "/okta", text)
	msgs, err := i.WaitReplies(1, 5*time.Second)
	if err != nil {
		a.t.Fatalf("/okta %s: %v\n%s", text, err, a.logs())
	}
	if !msgs[0].Ephemeral() {
		a.t.Errorf("/okta %s: reply is not ephemeral", text)
	}
	return msgs[0].AllText()
}

func TestAuditTrailOfDirectAndRefusedRequests(t *testing.T) {
	a := newApprovals(t, "1h")
	bot := a.start("bot")

	mustContain(t, a.reply(uAlice, "get-user alice ghost"), "Alice Liddell")
	mustContain(t, a.reply(uMallory, `disable-user alice@corp.com --deactivate --reason "because"`), "not allowed")
	mustContain(t, a.reply(uAlice, "reset-password alice"), "not allowed")

	alice, _ := a.okta.User("alice@corp.com")
	type rec struct{ Event, Actor, Action, Target, Outcome, ErrorKind, Detail string }
	var got []rec
	for _, r := range a.audit() {
		got = append(got, rec{r.Event, r.Actor, r.Action, r.Target, r.Outcome, r.ErrorKind, r.Detail})
	}
	want := []rec{
		{"request.allowed", uAlice, "get-user", "", "", "", ""},
		{"outcome", uAlice, "get-user", "alice", "unchanged", "", ""},
		{"outcome", uAlice, "get-user", "ghost", "failed", "not found", `no Okta user "ghost"`},
		{"request.refused", uMallory, "disable-user", "", "", "", "not allowed by the policy (1 target named, not recorded)"},
		{"request.refused", uAlice, "reset-password", "", "", "", "not allowed by the policy (1 target named, not recorded)"},
	}
	if len(got) != len(want) {
		t.Fatalf("audit records:\n%+v\nwant:\n%+v", got, want)
	}
	for i := range want {
		// The not-found message is Okta's words through the okta package;
		// only its presence is checked.
		if want[i].Detail != "" && got[i].Detail != "" && want[i].Event == "outcome" {
			got[i].Detail = want[i].Detail
		}
		if got[i] != want[i] {
			t.Errorf("record %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	recs := a.audit()
	// The request's record lists every target; each outcome names its own.
	if r := recs[0]; !slices.Equal(r.Targets, []string{"alice", "ghost"}) {
		t.Errorf("request record = %+v", r)
	}
	if r := recs[1]; r.Params["okta_user_id"] != alice.ID || r.Channel != chGen || len(r.Targets) != 0 {
		t.Errorf("outcome record = %+v", r)
	}
	// Its records share the request's id; each request has its own.
	if recs[0].ApprovalID == "" || recs[1].ApprovalID != recs[0].ApprovalID || recs[2].ApprovalID != recs[0].ApprovalID {
		t.Errorf("a direct request's records do not share its id: %q %q %q", recs[0].ApprovalID, recs[1].ApprovalID, recs[2].ApprovalID)
	}
	// A refused command's text (targets, flags, reason) is not kept: it may
	// hold what should not have been typed. How many targets it named is.
	if r := recs[3]; len(r.Targets) != 0 || len(r.Params) != 0 || r.Detail != "not allowed by the policy (1 target named, not recorded)" {
		t.Errorf("refusal record = %+v", r)
	}

	// The JSON log has each record too.
	var logged []string
	for _, line := range strings.Split(bot.stdout.String(), "\n") {
		var l struct{ Message, Event, Actor string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Message == "audit" {
			logged = append(logged, l.Event+" "+l.Actor)
		}
	}
	wantLogged := []string{"request.allowed " + uAlice, "outcome " + uAlice, "outcome " + uAlice, "request.refused " + uMallory, "request.refused " + uAlice}
	if !slices.Equal(logged, wantLogged) {
		t.Errorf("audit in the JSON log = %q, want %q", logged, wantLogged)
	}

	// The audit channel has one line per refused write, none for reads.
	lines := a.waitAuditLines(2)
	if len(lines) != 2 {
		t.Fatalf("audit channel lines = %q, want 2", lines)
	}
	mustContain(t, lines[0], "disable-user", "<@U0MALLORY>", "1 target named", "refused")
	if strings.Contains(lines[0], "alice") {
		t.Errorf("the audit channel line repeats a refused command's targets: %q", lines[0])
	}
	mustContain(t, lines[1], "reset-password", "<@U0ALICE01>", "refused")
}

func TestAuditCommand(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	a.reply(uAlice, "get-user alice")
	a.reply(uMallory, "get-user alice")
	_, msg := a.request(uAlice, `disable-user carol.danvers@corp.com --reason "INC-48"`)
	a.click(uSec1, msg, "Approve")
	a.waitUpdate(msg, "and run")
	id := approvalID(t, msg)

	t.Run("everything, newest first", func(t *testing.T) {
		got := a.reply(uSec1, "audit")
		mustContain(t, got, "Audit trail", "records, newest first", "approval.approved", "<@U0SECURE1>", "request.refused", "<@U0MALLORY>", id, "→ changed")
		if strings.Index(got, "approval.approved") > strings.Index(got, "approval.requested") {
			t.Errorf("records are not newest first:\n%s", got)
		}
	})
	t.Run("by user", func(t *testing.T) {
		got := a.reply(uSec1, "audit --user <@U0MALLORY|mallory>")
		mustContain(t, got, "1 record", "<@U0MALLORY>", "request.refused")
		if strings.Contains(got, "<@U0ALICE01> ·") {
			t.Errorf("--user listed someone else's records:\n%s", got)
		}
		mustContain(t, a.reply(uSec1, "audit --user U0ALICE01,U0MALLORY --limit 200"), "request.refused", "approval.requested")
	})
	t.Run("by action, limited", func(t *testing.T) {
		got := a.reply(uSec1, "audit --action disable-user --limit 2")
		mustContain(t, got, "2 records", "action `disable-user`")
		if strings.Contains(got, "get-user") {
			t.Errorf("--action listed other actions:\n%s", got)
		}
	})
	t.Run("one request that ran at once", func(t *testing.T) {
		a.reply(uAlice, "get-user alice carol.danvers@corp.com")
		var req string
		for _, r := range a.audit() {
			if r.Event == "request.allowed" && r.Action == "get-user" && len(r.Targets) == 2 {
				req = r.ApprovalID
			}
		}
		if req == "" {
			t.Fatal("the two-target get-user has no request id")
		}
		i := a.slack.SlashCommand(uSec1, chGen, "/okta", "audit --request "+req)
		msgs, err := i.WaitReplies(2, 5*time.Second)
		if err != nil {
			t.Fatalf("audit --request: %v", err)
		}
		got := msgs[0].AllText()
		mustContain(t, got, "3 records", "request.allowed", "on `alice` and `carol.danvers@corp.com`")
		mustContain(t, msgs[1].AllText(), "Every target of request "+req+"* (2 in all)", "carol.danvers@corp.com")
		if strings.Contains(got, "<@U0MALLORY>") || strings.Count(got, "outcome") != 2 {
			t.Errorf("--request listed other requests' records:\n%s", got)
		}
		mustContain(t, a.reply(uSec1, "audit --request AAAAAAAAAAAAAAAAAAAAAAAAAA"), "There is no request")
	})
	t.Run("bad input", func(t *testing.T) {
		mustContain(t, a.reply(uSec1, "audit --user mallory"), "--user takes Slack user ids")
		mustContain(t, a.reply(uSec1, "audit --action disable-usr"), `no action "disable-usr"`)
	})
	t.Run("only for those the policy allows", func(t *testing.T) {
		mustContain(t, a.reply(uAlice, "audit"), "not allowed", "`audit`")
		mustContain(t, a.reply(uMallory, "audit --user U0ALICE01"), "not allowed")
	})
	// Looking at the audit trail is itself audited.
	n := 0
	for _, r := range a.audit() {
		if r.Event == "request.allowed" && r.Action == "audit" && r.Actor == uSec1 {
			n++
		}
	}
	if n < 5 {
		t.Errorf("%d audit lookups audited, want at least 5", n)
	}
	for _, r := range a.audit() {
		if r.Event == "request.refused" && r.Action == "audit" && r.Actor == uAlice {
			return
		}
	}
	t.Errorf("a refused audit lookup was not audited")
}

// An approved reset's outcome is audited without its one-time link, which
// only the requester gets.
func TestAuditOfAnApprovedResetHasNoLink(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	_, msg := a.request(uDesk, `reset-password carol.danvers@corp.com --reason "ticket 9"`)
	a.click(uSec1, msg, "Approve")
	a.runNow(uDesk)
	a.waitUpdate(msg, "and run")
	told := a.told(uDesk, "one-time reset link")
	token := told.AllText()[strings.Index(told.AllText(), "/reset_password/")+len("/reset_password/"):]
	token = token[:20]
	a.secrets = append(a.secrets, token)
	var outcome store.AuditRecord
	for _, r := range a.auditOf(approvalID(t, msg)) {
		if r.Event == "outcome" {
			outcome = r
		}
	}
	if outcome.Outcome != "changed" || !strings.Contains(outcome.Detail, "given to the requester only") {
		t.Errorf("outcome record = %+v", outcome)
	}
}

// A policy may put the audit listing itself behind an approval: the
// listing then goes to the requester once approved.
func TestAuditListingThroughApproval(t *testing.T) {
	a := newApprovals(t, "1h")
	a.setPolicy(`roles:
  security:
    members: [U0SECURE1, S0SECURITY]
    actions: ["*"]
    assignable_roles: ["*"]
approvals:
  - actions: [audit]
    approvers: [security]
    channel: C0APPROVALS
`)
	a.start("bot")
	_, msg := a.request(uSec1, "audit --action audit")
	a.click(uSec2, msg, "Approve")
	a.waitUpdate(msg, "and run")
	mustContain(t, a.told(uSec1, "was approved by <@U0SECURE2>").AllText(), "Audit trail", "approval.requested")
}

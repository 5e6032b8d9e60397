package main

// A request with more targets than one message can show: approvers see
// every one of them before they can decide, and /okta audit lists them all.

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"oktabot/okta/oktatest"
	"oktabot/slackfake"
)

func TestApproversSeeEveryTargetOfALargeRequest(t *testing.T) {
	a := newApprovals(t, "1h")
	const n = 500
	var short, labels []string
	for i := range n {
		login := fmt.Sprintf("mass%03d", i)
		a.okta.AddUser(oktatest.User{Login: login + "@corp.com", Email: login + "@corp.com", FirstName: "Mass", LastName: fmt.Sprintf("Target %03d", i)})
		short = append(short, login)
		labels = append(labels, fmt.Sprintf("Mass Target %03d <%s@corp.com>", i, login))
	}
	a.start("bot")

	notice, msg := a.request(uAlice, "disable-user "+strings.Join(short, " ")+` --reason "INC-500"`)
	mustContain(t, notice, "waiting for approval")
	// The message was first posted without buttons: nobody could decide
	// before every target was listed.
	if got := msg.Buttons(); len(got) != 0 {
		t.Errorf("the approval message was posted with buttons %q before its targets were all listed", got)
	}
	mustContain(t, msg.AllText(), "Targets (500)", "Listing every target in this message's thread")

	// The thread lists every target, and it was complete before the
	// buttons appeared.
	withButtons, err := a.slack.WaitMessage(20*time.Second, func(m slackfake.Message) bool {
		return m.Via == "chat.update" && m.TS == msg.TS && len(m.Buttons()) > 0
	})
	if err != nil {
		t.Fatalf("the approval message never got its buttons:\n%s", a.logs())
	}
	if got := withButtons.Buttons(); !slices.Equal(got, []string{"Approve", "Deny"}) {
		t.Errorf("buttons = %q", got)
	}
	mustContain(t, withButtons.AllText(), "of 500 targets here", "every target is listed in this message's thread")
	var thread strings.Builder
	for _, m := range a.slack.Messages() {
		if m.Channel == chApprovals && m.ThreadTS == msg.TS {
			if m.At.After(withButtons.At) {
				t.Errorf("a part of the target list was posted after the buttons appeared")
			}
			if len(m.Buttons()) > 0 {
				t.Errorf("a thread message has buttons: %q", m.Buttons())
			}
			thread.WriteString(m.AllText())
		}
	}
	for i, l := range labels {
		if want := fmt.Sprintf("%d. `%s`", i+1, strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(l)); !strings.Contains(thread.String(), want) {
			t.Fatalf("the thread does not list target %d: %q", i+1, want)
		}
	}

	// /okta audit --request lists every target too.
	id := approvalID(t, withButtons)
	i := a.slack.SlashCommand(uSec1, chGen, "/okta", "audit --request "+id)
	// The records, then the targets: as many as fit, and a CSV file of all.
	replies, err := i.WaitReplies(2, 20*time.Second)
	if err != nil {
		t.Fatalf("audit --request: %v\n%s", err, a.logs())
	}
	var listed strings.Builder
	for _, r := range replies {
		if !r.Ephemeral() {
			t.Errorf("an audit reply is not ephemeral")
		}
		listed.WriteString(r.AllText())
	}
	mustContain(t, listed.String(), "approval.requested", "Every target of request", "1. ", labels[0][:16], "Showing", "sent to you in a direct message")
	files := a.slack.Files()
	if len(files) != 1 {
		t.Fatalf("files = %+v, want the request's targets", files)
	}
	csv := string(files[0].Content)
	if lines := strings.Count(csv, "\n"); lines != n+1 {
		t.Errorf("the CSV has %d lines, want a header and %d targets", lines, n)
	}
	mustContain(t, csv, "500,00u", "Mass Target 499 <mass499@corp.com>")

	// /okta audit --record lists every target of a record.
	var rec int64
	for _, r := range a.auditOf(id) {
		if r.Event == "approval.requested" {
			rec = r.ID
		}
	}
	got := a.reply(uSec1, "audit --action disable-user --limit 200")
	mustContain(t, got, fmt.Sprintf("/okta audit --record %d", rec))
	i = a.slack.SlashCommand(uSec1, chGen, "/okta", fmt.Sprintf("audit --record #%d", rec))
	if replies, err = i.WaitReplies(2, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	listed.Reset()
	for _, r := range replies {
		listed.WriteString(r.AllText())
	}
	mustContain(t, listed.String(), fmt.Sprintf("Every target of record #%d", rec), "sent to you in a direct message")
	if files := a.slack.Files(); len(files) != 2 || !strings.Contains(string(files[1].Content), "500,00u") || !strings.Contains(string(files[1].Content), "Mass Target 499") {
		t.Errorf("the record's targets did not come whole as a file: %+v", files)
	}
	// Approving runs it on all of them.
	a.click(uSec1, withButtons, "Approve")
	a.waitUpdate(msg, "and run")
	if got := a.userStatus("mass499@corp.com"); got != "SUSPENDED" {
		t.Errorf("the last target is %s", got)
	}
}

package main

// Where answers go when a command is typed in a conversation oktabot is not
// part of: a direct message between two people. Slack lets the app answer
// there only through the command's response_url; every Web API call naming
// that conversation answers channel_not_found (the Slack fake does the
// same). The bot must then say where its answer went, never pretend.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"oktabot/okta/oktatest"
	"oktabot/slackfake"
)

// dmMessage waits for a message in user's direct message with the app
// that contains want.
func (h *harness) dmMessage(user, want string) slackfake.Message {
	h.t.Helper()
	dm := h.slack.AppDM(user)
	m, err := h.slack.WaitMessage(10*time.Second, func(m slackfake.Message) bool {
		return m.Channel == dm && m.Via == "chat.postMessage" && strings.Contains(m.AllText(), want)
	})
	if err != nil {
		h.t.Fatalf("%s got no direct message with %q\nlogs:\n%s", user, want, h.stdout)
	}
	return m
}

// inConversation are the messages shown in a conversation, and to whom.
func inConversation(s *slackfake.Server, channel string) []string {
	var out []string
	for _, m := range s.Messages() {
		if m.Channel == channel {
			out = append(out, fmt.Sprintf("%s %s→%s: %.80q", m.Via, m.ResponseType, m.User, m.AllText()))
		}
	}
	return out
}

func TestCommandsInADirectMessageBetweenPeople(t *testing.T) {
	h := newHarness(t).setPolicy(openPolicy).start()
	people := h.slack.AddDM(uSecurity, uBob)

	// A private answer: ephemeral, through the response_url, there.
	r := h.commandIn(uSecurity, people, "get-user carol.danvers@corp.com", 1)[0]
	if r.Via != "response_url" || !r.Ephemeral() || r.User != uSecurity || r.Channel != people {
		t.Errorf("private answer = %+v, want an ephemeral response_url reply in the DM", r)
	}
	mustContain(t, r.AllText(), "carol.danvers@corp.com")

	// --public: in the conversation, for both of them, through the
	// response_url (the app cannot post there any other way).
	r = h.commandIn(uSecurity, people, "get-user carol.danvers@corp.com --public", 1)[0]
	if r.Via != "response_url" || r.Ephemeral() || r.Channel != people {
		t.Errorf("public answer = %+v, want an in_channel response_url reply in the DM", r)
	}

	// The response_url fails (Slack lets it be used 5 times in 30 minutes):
	// a public answer cannot be posted there, and the caller hears so in
	// their direct message with the app, with the answer for them alone.
	shown := len(inConversation(h.slack, people))
	h.slack.InjectError("response_url", "expired_url")
	h.commandIn(uSecurity, people, "get-user carol.danvers@corp.com --public", 0)
	warn := h.dmMessage(uSecurity, "could not post this")
	mustContain(t, warn.AllText(), "--public", "nobody else has seen it")
	h.dmMessage(uSecurity, "carol.danvers@corp.com")
	if got := inConversation(h.slack, people); len(got) != shown {
		t.Errorf("messages in the people's DM after the failed public answer: %q", got[shown:])
	}

	// The same for a private answer: it comes by direct message.
	h.slack.InjectError("response_url", "expired_url")
	h.commandIn(uSecurity, people, "get-user bob@corp.com", 0)
	if m := h.dmMessage(uSecurity, "bob@corp.com"); strings.Contains(m.AllText(), "could not post") {
		t.Errorf("a private answer by direct message claims a public one failed: %s", m.AllText())
	}
	if got := inConversation(h.slack, people); len(got) != shown {
		t.Errorf("messages in the people's DM: %q", got[shown:])
	}
}

// A list too long for a message, asked for with --public in a DM between
// people: the list is answered there, and its CSV file, which cannot be
// shared in that DM, comes to the caller's direct message with the app,
// saying so.
func TestPublicCSVFromADirectMessageBetweenPeopleComesToTheCaller(t *testing.T) {
	h := newHarness(t).setPolicy(openPolicy).start()
	for i := range 600 {
		h.okta.AddUser(oktatest.User{Login: fmt.Sprintf("bulk%03d@corp.com", i), FirstName: "Bulk", LastName: "User"})
	}
	people := h.slack.AddDM(uSecurity, uAlice)
	r := h.commandIn(uSecurity, people, "list-users --limit 1000 --public", 1)[0]
	if r.Ephemeral() || r.Channel != people {
		t.Errorf("answer = %+v, want public in the DM", r)
	}
	mustContain(t, r.AllText(), "Showing", "of 604", "sent to you in a direct message", "cannot share files in the direct message you asked from")
	files := h.slack.Files()
	var done []slackfake.File
	for _, f := range files {
		if f.Completed {
			done = append(done, f)
		}
	}
	if len(done) != 1 || done[0].Channel != h.slack.AppDM(uSecurity) {
		t.Fatalf("files shared: %+v, want one, in the caller's DM with the app", done)
	}
	if lines := strings.Count(string(done[0].Content), "\n"); lines != 605 {
		t.Errorf("CSV has %d lines, want a header and 604 users", lines)
	}
}

// --public on a request that waits for approval, typed in a DM between
// people: the app will never be able to post there (the response_url is
// long gone by then), so the requester is told at once that the result will
// come to them alone, and it does, without a failed post.
func TestPublicApprovalFromADirectMessageBetweenPeopleIsHonest(t *testing.T) {
	a := newApprovals(t, "1h")
	people := a.slack.AddDM(uAlice, uBob)
	a.start("bot")

	i := a.slack.SlashCommand(uAlice, people, "/okta", `disable-user erin@corp.com --reason "INC-9" --public`)
	if _, err := i.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	replies, err := i.WaitReplies(1, 10*time.Second)
	if err != nil {
		t.Fatalf("no notice: %v\n%s", err, a.logs())
	}
	notice := replies[0].AllText()
	mustContain(t, notice, "waiting for approval", "--public", "the result will come to you alone")
	if strings.Contains(notice, "posted in this channel") {
		t.Errorf("the notice promises a public post the app cannot make:\n%s", notice)
	}
	msg, err := a.slack.WaitMessage(5*time.Second, func(m slackfake.Message) bool {
		return m.Via == "chat.postMessage" && m.Channel == chApprovals
	})
	if err != nil {
		t.Fatalf("no approval message: %v\n%s", err, a.logs())
	}
	a.click(uSec1, msg, "Approve")
	a.waitUpdate(msg, "and run")
	told := a.told(uAlice, "approved by")
	if told.Channel != a.slack.AppDM(uAlice) {
		t.Errorf("the outcome reached Alice in %s via %s, want her DM with the app", told.Channel, told.Via)
	}
	if got := a.userStatus("erin@corp.com"); got != "SUSPENDED" {
		t.Errorf("erin is %s, want SUSPENDED", got)
	}
	for _, m := range a.slack.Messages() {
		if strings.Contains(m.AllText(), "could not post the result") {
			t.Errorf("a post was tried and failed: %s", m.AllText())
		}
	}
	for _, c := range a.slack.Calls() {
		if c.Method == "chat.postMessage" && c.Params["channel"] == people {
			t.Errorf("the bot tried to post in the people's DM: %+v", c)
		}
	}
	if got := inConversation(a.slack, people); len(got) != 1 {
		t.Errorf("messages in the people's DM: %q, want only the notice", got)
	}
}

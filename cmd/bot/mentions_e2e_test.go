package main

// Slack @mentions as targets: each is a users.info call (Slack's Tier 4,
// about 100 a minute), so they are looked up a few at a time, each person
// once, at most handles.MaxMentions in one command; and a person from
// another organisation's Slack (Slack Connect) is never taken to be an
// Okta user through their Slack profile email.

import (
	"fmt"
	"oktabot/handlers"
	"oktabot/okta/oktatest"
	"oktabot/slackfake"
	"strings"
	"testing"
	"time"
)

// commandIn types a command in a conversation and returns its replies
// through the response_url (n of them).
func (h *harness) commandIn(user, channel, text string, n int) []slackfake.Message {
	h.t.Helper()
	i := h.slack.SlashCommand(user, channel, "/okta", text)
	if _, err := i.WaitAck(3 * time.Second); err != nil {
		h.t.Fatalf("/okta %s: no ack: %v", text, err)
	}
	if n == 0 {
		return nil
	}
	msgs, err := i.WaitReplies(n, 30*time.Second)
	if err != nil {
		h.t.Fatalf("/okta %s: %v\nlogs:\n%s", text, err, h.stdout)
	}
	return msgs
}

// addMentionable adds n Slack people (with Okta accounts) and returns their
// mentions as Slack writes them in command text.
func (h *harness) addMentionable(n int) []string {
	var out []string
	for i := range n {
		id := fmt.Sprintf("U0M%05d", i)
		email := fmt.Sprintf("m%05d@corp.com", i)
		h.slack.AddUser(slackfake.User{ID: id, Name: fmt.Sprintf("m%05d", i), RealName: "M Person", Email: email})
		h.okta.AddUser(oktatest.User{Login: email, Email: email, FirstName: "M", LastName: "Person"})
		out = append(out, "<@"+id+">")
	}
	return out
}

func TestManyMentionsAreLookedUpAFewAtATimeEachOnce(t *testing.T) {
	h := newHarness(t).setPolicy(openPolicy).start()
	ms := h.addMentionable(handlers.MaxMentions)
	h.slack.SetLatency("users.info", 40*time.Millisecond)

	// Every person mentioned once, the first twice more.
	text := "get-user " + strings.Join(ms, " ") + " " + ms[0] + " " + ms[0]
	replies := h.commandIn(uSecurity, chGen, text, 1)
	mustContain(t, replies[0].AllText(), "m00000@corp.com")
	if n := h.slack.CallCount("users.info"); n != handlers.MaxMentions {
		t.Errorf("users.info called %d times, want %d (each person once)", n, handlers.MaxMentions)
	}
	if n := h.slack.MaxInFlight("users.info"); n < 2 || n > 8 {
		t.Errorf("at most %d users.info calls at once, want between 2 and 8", n)
	}
}

func TestTooManyMentionsAreRefusedBeforeAnyLookup(t *testing.T) {
	h := newHarness(t) // testPolicy: disable-user waits for security's approval
	h.slack.AddChannel("C0APPROVALS", "approvals", uSecurity)
	h.start()
	ms := h.addMentionable(handlers.MaxMentions + 1)
	oktaBefore := h.okta.CallCount()

	got := h.reply(uSecurity, "get-user "+strings.Join(ms, " "))
	mustContain(t, got, fmt.Sprintf("mentions %d people", handlers.MaxMentions+1), fmt.Sprintf("at most %d", handlers.MaxMentions), "Nothing was run")
	got = h.reply(uAlice, `disable-user `+strings.Join(ms, ",")+` --reason "INC-1"`)
	mustContain(t, got, "Nothing was run", "Okta login or email")
	if n := h.slack.CallCount("users.info"); n != 0 {
		t.Errorf("users.info was called %d times for refused commands", n)
	}
	if n := h.okta.CallCount() - oktaBefore; n != 0 {
		t.Errorf("Okta got %d calls for refused commands", n)
	}
	for _, m := range h.slack.Messages() {
		if m.Channel == "C0APPROVALS" {
			t.Errorf("a refused request reached the approvers: %.200q", m.AllText())
		}
	}
	// Duplicates count once: the same person 150 times is one mention.
	many := strings.TrimSpace(strings.Repeat(ms[0]+" ", 150))
	mustContain(t, h.reply(uSecurity, "get-user "+many), "m00000@corp.com")
}

// A Slack Connect guest's profile is kept by their own organisation: its
// email, whatever it says, does not name an Okta user here.
func TestMentionsOfPeopleFromAnotherOrganisationAreRefused(t *testing.T) {
	h := newHarness(t)
	const (
		uGuest    = "U0GUEST01" // in a shared channel, from another workspace
		uStranger = "U0STRANGR" // from another organisation, is_stranger
	)
	// Both claim the email of someone in this Okta org.
	h.slack.AddUser(slackfake.User{ID: uGuest, Name: "eve", RealName: "Eve", Email: "carol.danvers@corp.com", TeamID: "T0OTHERORG"})
	h.slack.AddUser(slackfake.User{ID: uStranger, Name: "trudy", RealName: "Trudy", Email: "alice@corp.com", TeamID: "T0OTHERORG", IsStranger: true})
	h.slack.AddChannel("C0APPROVALS", "approvals", uSecurity)
	h.start()
	before := h.okta.CallCount()

	got := h.reply(uAlice, "get-user <@"+uGuest+"|eve> <@"+uStranger+"> bob@corp.com")
	mustContain(t, got, "@eve", "@trudy", "another organisation", "Okta login", "bob@corp.com")
	for _, c := range h.callsSince(before) {
		q := c.Path + " " + c.Query.Encode()
		if strings.Contains(q, "carol") || strings.Contains(q, "alice") {
			t.Errorf("Okta was asked about a guest's profile email: %s %s", c.Method, q)
		}
	}

	// Under approval, such a target stops the request before anyone is asked.
	got = h.reply(uAlice, `disable-user <@`+uGuest+`> --reason "INC-2"`)
	mustContain(t, got, "another organisation", "Nothing was")
	for _, m := range h.slack.Messages() {
		if m.Channel == "C0APPROVALS" {
			t.Errorf("the request reached the approvers: %.200q", m.AllText())
		}
	}
	if u, _ := h.okta.User("carol.danvers@corp.com"); u.Status != "ACTIVE" {
		t.Errorf("carol is %s", u.Status)
	}
}

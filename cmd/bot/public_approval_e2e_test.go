package main

// --public on a request that waits for approval: once approved and run, its
// result (never a secret) is posted in the channel it was asked from.

import (
	"strings"
	"testing"
	"time"

	"oktabot/slackfake"
)

func TestPublicResultOfAnApprovedRequestIsPostedInItsChannel(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")

	notice, msg := a.request(uDesk, `reset-password dave@corp.com --reason "ticket 9" --public`)
	mustContain(t, notice, "waiting for approval", "posted in this channel too")
	if n := len(a.posts(chGen)); n != 0 {
		t.Fatalf("%d messages in #general before approval", n)
	}
	if n := a.oktaOps("resetPassword"); n != 0 {
		t.Fatalf("Okta was asked to reset %d times before approval", n)
	}

	a.click(uSec1, msg, "Approve")
	a.runNow(uDesk)
	a.waitUpdate(msg, "and run")
	told := a.told(uDesk, "one-time reset link")
	link := resetLinkRE.FindString(told.AllText())
	if link == "" {
		t.Fatalf("the requester did not get the reset link: %s", told.AllText())
	}
	a.secrets = append(a.secrets, link, link[strings.LastIndex(link, "/")+1:])

	post, err := a.slack.WaitMessage(5*time.Second, func(m slackfake.Message) bool {
		return m.Via == "chat.postMessage" && m.Channel == chGen
	})
	if err != nil {
		t.Fatalf("the result was not posted in #general: %v\n%s", err, a.logs())
	}
	text := post.AllText()
	mustContain(t, text, "<@"+uDesk+">", "reset-password", "approved by <@"+uSec1+">", "dave@corp.com")
	if strings.Contains(text, "reset_password/") {
		t.Errorf("the public result carries the reset link:\n%s", text)
	}
	if n := a.oktaOps("resetPassword"); n != 1 {
		t.Errorf("Okta was asked to reset %d times, want 1", n)
	}
	// The public post is the run's last step: one post, no complaint.
	if n := len(a.posts(chGen)); n != 1 {
		t.Errorf("%d messages in #general, want 1", n)
	}
	for _, m := range a.slack.Messages() {
		if strings.Contains(m.AllText(), "could not post the result") {
			t.Errorf("the requester was told the post failed: %s", m.AllText())
		}
	}
}

func TestPublicResultInAChannelTheBotIsNotInIsReportedToTheRequester(t *testing.T) {
	a := newApprovals(t, "1h")
	const chPrivate = "C0PRIVATE1"
	a.slack.AddChannel(chPrivate, "private", uAlice)
	a.slack.SetBotMember(chPrivate, false)
	a.start("bot")

	i := a.slack.SlashCommand(uAlice, chPrivate, "/okta", `disable-user erin@corp.com --reason "INC-7" --public`)
	if _, err := i.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	replies, err := i.WaitReplies(1, 5*time.Second)
	if err != nil {
		t.Fatalf("no notice: %v\n%s", err, a.logs())
	}
	mustContain(t, replies[0].AllText(), "waiting for approval", "posted in this channel too")
	msg, err := a.slack.WaitMessage(5*time.Second, func(m slackfake.Message) bool {
		return m.Via == "chat.postMessage" && m.Channel == chApprovals
	})
	if err != nil {
		t.Fatalf("no approval message: %v", err)
	}

	a.click(uSec1, msg, "Approve")
	a.waitUpdate(msg, "and run")
	a.told(uAlice, "approved by")
	a.told(uAlice, "could not post the result")
	if got := a.userStatus("erin@corp.com"); got != "SUSPENDED" {
		t.Errorf("erin is %s, want SUSPENDED", got)
	}
	if n := len(a.posts(chPrivate)); n != 0 {
		t.Errorf("%d messages posted in a channel the bot is not in", n)
	}
}

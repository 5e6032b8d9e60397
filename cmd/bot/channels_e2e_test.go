package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// channelWarnings are the start-up warnings about the policy's channels.
func channelWarnings(log string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		var rec struct{ Event, Message, Level string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Event == "policy.channel" && rec.Level == "warn" {
			out = append(out, rec.Message)
		}
	}
	return out
}

func TestStartWarnsAboutPolicyChannels(t *testing.T) {
	a := newApprovals(t, "1h")
	// All in order: no warning.
	bot := a.start("first")
	if w := channelWarnings(bot.stdout.String()); len(w) != 0 {
		t.Errorf("warnings with every channel in order: %q", w)
	}
	n := 0
	for _, c := range a.slack.Calls() {
		if c.Method == "conversations.info" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d conversations.info calls, want one per channel (2)", n)
	}
	a.stopBot(bot)

	// The bot is not in the approvals channel, the audit channel is a
	// private channel it is not in (Slack shows it nothing).
	a.slack.SetBotMember(chApprovals, false)
	a.slack.AddPrivateChannel(chAudit, "audit", uSec1)
	a.slack.SetBotMember(chAudit, false)
	bot = a.start("second")
	w := channelWarnings(bot.stdout.String())
	if len(w) != 2 ||
		!strings.Contains(w[0], "oktabot is not a member of the policy's channel #approvals (C0APPROVALS, approval rule 1 (line 13)): posts there will fail. Invite it: /invite @oktabot") ||
		!strings.Contains(w[1], "the policy's channel C0AUDIT (audit) was not found") {
		t.Errorf("warnings: %q", w)
	}
	mustContain(t, a.reply(uAlice, "ping"), "Okta is reachable") // a warning, the bot runs
	a.stopBot(bot)

	// An archived channel.
	a.slack.SetBotMember(chApprovals, true)
	a.slack.ArchiveChannel(chApprovals)
	bot = a.start("third")
	if w := channelWarnings(bot.stdout.String()); len(w) != 2 || !strings.Contains(w[0], "the policy's channel #approvals (C0APPROVALS, approval rule 1 (line 13)) is archived") {
		t.Errorf("warnings: %q", w)
	}
}

func TestChannelCheckWithoutTheScope(t *testing.T) {
	h := newHarness(t)
	h.slack.InjectError("conversations.info", "missing_scope")
	h.start()
	waitFor(t, 5*time.Second, "the warning", func() bool { return len(channelWarnings(h.stdout.String())) > 0 })
	w := channelWarnings(h.stdout.String())
	if len(w) != 1 || !strings.Contains(w[0], "channels:read and groups:read") {
		t.Errorf("warnings: %q", w)
	}
}

package main

// Someone outside the policy floods the bot with commands while Slack
// rate-limits the audit channel: people in the policy are still served at
// once, the audit channel gets a handful of lines, and every refusal is
// recorded.

import (
	"strings"
	"sync"
	"testing"
	"time"

	"oktabot/slackfake"
)

func TestAFloodOfRefusedCommandsStarvesNobody(t *testing.T) {
	a := newApprovals(t, "1h")
	a.slack.LimitPosts(chAudit, time.Second)
	a.start("bot")

	const flood, pings = 100, 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	var pingReplies, floodReplies []string
	wg.Add(2)
	go func() { // 100 refused commands within 5 s
		defer wg.Done()
		var acks sync.WaitGroup
		for range flood {
			i := a.slack.SlashCommand(uMallory, chGen, "/okta", `disable-user erin <@U0CAROL01> --reason "x"`)
			acks.Add(1)
			go func() {
				defer acks.Done()
				if _, err := i.WaitAck(3 * time.Second); err != nil {
					t.Errorf("a flood command was not acknowledged: %v", err)
					return
				}
				if msgs, err := i.WaitReplies(1, 5*time.Second); err == nil {
					mu.Lock()
					floodReplies = append(floodReplies, msgs[0].AllText())
					mu.Unlock()
				}
			}()
			time.Sleep(40 * time.Millisecond)
		}
		acks.Wait()
	}()
	go func() { // meanwhile, someone in the policy runs 20 pings
		defer wg.Done()
		for range pings {
			i := a.slack.SlashCommand(uAlice, chGen, "/okta", "ping")
			if _, err := i.WaitAck(3 * time.Second); err != nil {
				t.Errorf("a ping was not acknowledged: %v", err)
				continue
			}
			msgs, err := i.WaitReplies(1, 5*time.Second)
			if err != nil {
				t.Errorf("a ping got no answer: %v", err)
				continue
			}
			mu.Lock()
			pingReplies = append(pingReplies, msgs[0].AllText())
			mu.Unlock()
			time.Sleep(150 * time.Millisecond)
		}
	}()
	wg.Wait()

	if len(pingReplies) != pings {
		t.Errorf("%d pings answered, want %d", len(pingReplies), pings)
	}
	for _, r := range pingReplies {
		if !strings.Contains(r, "Okta is reachable") {
			t.Errorf("a ping was answered %q", r)
		}
	}
	slowed := 0
	for _, r := range floodReplies {
		switch {
		case strings.Contains(r, "slow down"):
			slowed++
		case !strings.Contains(r, "not allowed"):
			t.Errorf("a flood command was answered %q", r)
		}
	}
	if slowed < flood-30 {
		t.Errorf("%d of %d flood commands were told to slow down, want at least %d (30 a minute are let through)", slowed, flood, flood-30)
	}

	// Every refusal is one record; the ones that took no worker are written
	// from a queue of their own.
	refused := func() int {
		n := 0
		for _, r := range a.audit() {
			if r.Event == "request.refused" && r.Actor == uMallory {
				n++
				if len(r.Targets) != 0 || len(r.Params) != 0 {
					t.Fatalf("a refusal keeps what was typed: %+v", r)
				}
			}
		}
		return n
	}
	waitFor(t, 5*time.Second, "100 refusals in the store", func() bool { return refused() >= flood })
	if n := refused(); n != flood {
		t.Errorf("%d refusals recorded, want %d", n, flood)
	}
	var limited int
	for _, r := range a.audit() {
		if r.Event == "request.refused" && r.Actor == uMallory && strings.Contains(r.Detail, "more than 30 commands a minute") {
			limited++
			if r.Action != "disable-user" {
				t.Errorf("a slowed-down refusal names action %q", r.Action)
			}
		}
	}
	if limited != slowed {
		t.Errorf("%d refusals say the person was too fast, %d were told so", limited, slowed)
	}

	// The audit channel got a handful of lines, and carol, mentioned in
	// every refused command, is in none of them.
	a.stopBot(a.bots[0])
	lines := a.auditLines()
	if len(lines) > 5 {
		t.Errorf("the flood made %d audit channel lines, want a handful:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	if len(lines) == 0 {
		t.Error("the flood left no line in the audit channel")
	}
	all := strings.Join(lines, "\n")
	mustContain(t, all, "<@U0MALLORY>", "refused")
	if strings.Contains(all, "U0CAROL01") || strings.Contains(all, "erin") {
		t.Errorf("an audit channel line repeats a refused command's targets:\n%s", all)
	}
}

// Someone in the policy only through a Slack user group is no outsider on
// their first command: the bot looks the policy's user groups up when it
// starts, and their work runs with the members', not beside a flood of
// outsiders'. (Okta holds the ping's call, so the worker it takes shows.)
func TestAUserGroupMemberWaitsWithTheMembersFromTheirFirstCommand(t *testing.T) {
	h := newHarness(t)
	h.start()
	waitGroupLookup(t, h.slack, "S0ONCALL01")
	addr := h.healthAddr()
	h.okta.HoldCalls()
	ping := h.slack.SlashCommand(uBob, chGen, "/okta", "ping") // bob is in the policy through S0ONCALL01 only
	h.okta.WaitHeld(1, 10*time.Second)
	got := scrape(t, addr)
	if m, o := value(got, `oktabot_workers_busy{pool="members"}`), value(got, `oktabot_workers_busy{pool="outsiders"}`); m != 1 || o != 0 {
		t.Errorf("bob's first command runs on a worker of the members' pool %v times, of the outsiders' %v; want the members'", m, o)
	}
	h.okta.StopHolding()
	msgs, err := ping.WaitReplies(1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, msgs[0].AllText(), "Okta is reachable")
}

// A click that waits for a worker (every one busy) is told, after 2 s,
// that it is queued and its place, as a command is; then it runs.
func TestAQueuedClickIsToldItWaits(t *testing.T) {
	a := newApprovals(t, "1h")
	a.env["OKTABOT_OKTA_CONCURRENCY"] = "1" // one request runs at a time
	a.start("bot")
	_, msg := a.request(uAlice, `disable-user carol.danvers@corp.com --reason "INC-43"`)
	a.okta.HoldCalls()
	ping := a.slack.SlashCommand(uAlice, chGen, "/okta", "ping") // takes the one worker
	a.okta.WaitHeld(1, 10*time.Second)
	click := a.click(uSec1, msg, "Approve")
	replies, err := click.WaitReplies(1, 10*time.Second)
	if err != nil {
		t.Fatalf("the queued click was told nothing: %v", err)
	}
	mustContain(t, replies[0].AllText(), "your click is queued", "1st in line")
	if !replies[0].Ephemeral() || replies[0].ReplaceOriginal {
		t.Errorf("the notice is not an ephemeral message of its own: %+v", replies[0])
	}
	a.okta.StopHolding()
	if _, err := ping.WaitReplies(1, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	mustContain(t, a.waitUpdate(msg, "and run").AllText(), "Approved", "suspended")
}

// waitGroupLookup waits until the bot has looked up a user group's
// members in Slack, and been answered.
func waitGroupLookup(t *testing.T, sf *slackfake.Server, group string) {
	t.Helper()
	waitFor(t, 10*time.Second, "the bot to look up user group "+group, func() bool {
		for _, c := range sf.Calls() {
			if c.Method == "usergroups.users.list" && c.Params["usergroup"] == group && c.Error == "" {
				return true
			}
		}
		return false
	})
}

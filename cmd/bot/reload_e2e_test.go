package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"oktabot/store"
)

// reloads counts the reloader's log lines with event (each is audited as
// well, in a line of its own).
func reloads(r *replica, event string) int {
	n := 0
	for _, line := range strings.Split(r.stdout.String(), "\n") {
		var rec struct{ Event, Message string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Event == event && rec.Message != "audit" {
			n++
		}
	}
	return n
}

// writePolicy replaces the policy file's content, as an editor or a
// ConfigMap update would.
func (h *harness) writePolicy(text string) {
	h.t.Helper()
	tmp := h.env["OKTABOT_POLICY_FILE"] + ".new"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		h.t.Fatal(err)
	}
	if err := os.Rename(tmp, h.env["OKTABOT_POLICY_FILE"]); err != nil {
		h.t.Fatal(err)
	}
}

// auditEvents are the store's records with event, oldest first.
func (a *ah) auditEvents(event string) []store.AuditRecord {
	var out []store.AuditRecord
	for _, r := range a.audit() {
		if r.Event == event {
			out = append(out, r)
		}
	}
	return out
}

func TestPolicyReloadsWhenTheFileChanges(t *testing.T) {
	a := newApprovals(t, "1h")
	bot := a.start("bot")
	mustContain(t, a.reply(uMallory, "ping"), "not allowed")

	// Mallory joins oncall: in force within a few polls, logged and audited.
	granted := strings.Replace(approvalPolicy("1h"), "members: [U0ALICE01, S0ONCALL01]", "members: [U0ALICE01, S0ONCALL01, U0MALLORY]", 1)
	a.writePolicy(granted)
	waitFor(t, 20*time.Second, "the policy to be reloaded", func() bool { return reloads(bot, "policy.reloaded") == 1 })
	mustContain(t, a.reply(uMallory, "ping"), "Okta is reachable")
	recs := a.auditEvents("policy.reloaded")
	if len(recs) != 1 || recs[0].Params["trigger"] != "file changed" || recs[0].Params["file"] != a.env["OKTABOT_POLICY_FILE"] ||
		len(recs[0].Params["sha256"]) != 12 || recs[0].Detail != "3 roles, 1 approval rule" {
		t.Errorf("audit of the reload: %+v", recs)
	}

	// An invalid policy is refused with the message the bot gives at
	// start, and the policy in force stays.
	a.writePolicy(strings.Replace(granted, "actions: [ping, get-user, list-users, disable-user]", "actions: [ping, get-usr]", 1))
	waitFor(t, 20*time.Second, "the invalid policy to be refused", func() bool { return reloads(bot, "policy.reload_refused") == 1 })
	mustContain(t, bot.stdout.String(), `policy: `+a.env["OKTABOT_POLICY_FILE"]+`:4: role \"oncall\": unknown action \"get-usr\" (did you mean \"get-user\"?)`)
	mustContain(t, a.reply(uMallory, "ping"), "Okta is reachable")
	mustContain(t, a.reply(uAlice, "get-user alice"), "alice@corp.com")
	refused := a.auditEvents("policy.reload_refused")
	if len(refused) != 1 || !strings.Contains(refused[0].Detail, ":4: role \"oncall\": unknown action \"get-usr\"") || refused[0].Outcome != "refused" {
		t.Errorf("audit of the refusal: %+v", refused)
	}

	// It is refused once, not at every poll; a fixed file is taken.
	time.Sleep(3 * policyPollInterval)
	if n := reloads(bot, "policy.reload_refused"); n != 1 {
		t.Errorf("the same invalid file was refused %d times", n)
	}
	a.writePolicy(approvalPolicy("1h"))
	waitFor(t, 20*time.Second, "the fixed policy to be reloaded", func() bool { return reloads(bot, "policy.reloaded") == 2 })
	mustContain(t, a.reply(uMallory, "ping"), "not allowed")
}

// TestPendingApprovalJudgedByPolicyInForce: an approval requested under
// one policy is decided under the one in force when the button is
// clicked.
func TestPendingApprovalJudgedByPolicyInForce(t *testing.T) {
	a := newApprovals(t, "1h")
	bot := a.start("bot")
	_, msg := a.request(uAlice, `disable-user dave@corp.com --reason "leaver"`)
	id := approvalID(t, msg)

	// uSec1 leaves security (listed by id); uSec2 stays through S0SECURITY.
	a.writePolicy(strings.Replace(approvalPolicy("1h"), "members: [U0SECURE1, S0SECURITY]", "members: [S0SECURITY]", 1))
	waitFor(t, 20*time.Second, "the policy to be reloaded", func() bool { return reloads(bot, "policy.reloaded") == 1 })

	mustContain(t, a.clickReply(uSec1, msg, "Approve"), "can't decide this", "Nothing was changed")
	if ap, _ := a.store().GetApproval(context.Background(), id); ap.Status != store.StatusPending {
		t.Fatalf("status after a removed approver's click = %s", ap.Status)
	}
	a.click(uSec2, msg, "Approve")
	a.waitUpdate(msg, "Approved by")
	waitFor(t, 30*time.Second, "dave to be suspended", func() bool { return a.userStatus("dave@corp.com") == "SUSPENDED" })

	// And a requester who lost the action sees their request refused when
	// it is approved.
	_, msg = a.request(uAlice, `disable-user erin@corp.com --reason "leaver"`)
	a.writePolicy(strings.Replace(approvalPolicy("1h"), "actions: [ping, get-user, list-users, disable-user]", "actions: [ping, get-user, list-users]", 1))
	waitFor(t, 20*time.Second, "the second policy to be reloaded", func() bool { return reloads(bot, "policy.reloaded") == 2 })
	a.click(uSec2, msg, "Approve")
	time.Sleep(time.Second)
	if got := a.userStatus("erin@corp.com"); got == "SUSPENDED" {
		t.Error("a request was run for a requester the policy in force no longer allows")
	}
}

// TestPolicyReloadsOnSIGHUP: the built binary reloads on SIGHUP (and is
// not stopped by it), logging and auditing it.
func TestPolicyReloadsOnSIGHUP(t *testing.T) {
	h := newHarness(t)
	cmd := h.startBinary()
	if err := h.slack.WaitConnections(1, 20*time.Second); err != nil {
		t.Fatalf("the binary did not connect: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "a reload on SIGHUP", func() bool {
		return strings.Contains(h.stdout.String(), `"event":"policy.reloaded","trigger":"SIGHUP"`)
	})
	// The reload is logged, then audited: the audit record follows.
	waitFor(t, 20*time.Second, "the reload's audit record", func() bool {
		return strings.Contains(h.stdout.String(), `"message":"audit"`)
	})
	mustContain(t, h.reply(uAlice, "ping"), "Okta is reachable")

	h.writePolicy("roles: {}\n")
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the invalid policy to be refused", func() bool {
		return strings.Contains(h.stdout.String(), `"event":"policy.reload_refused"`)
	})
	mustContain(t, h.reply(uAlice, "ping"), "Okta is reachable")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, h.stderr)
	}
}

// A user group a reloaded policy names is looked up at once: its members
// are no outsiders on their first command.
func TestReloadLooksTheNewPolicysUserGroupsUp(t *testing.T) {
	a := newApprovals(t, "1h")
	a.slack.AddUserGroup("S0NEWTEAM1", uMallory)
	bot := a.start("bot")
	a.writePolicy(strings.Replace(approvalPolicy("1h"), "members: [U0ALICE01, S0ONCALL01]", "members: [U0ALICE01, S0ONCALL01, S0NEWTEAM1]", 1))
	waitFor(t, 20*time.Second, "the policy to be reloaded", func() bool { return reloads(bot, "policy.reloaded") == 1 })
	waitGroupLookup(t, a.slack, "S0NEWTEAM1")
}

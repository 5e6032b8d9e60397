package main

// Approved work that a bot picks up later (recovery at start and by the
// periodic sweep), approvers removed from their user group, and replicas
// that lose the lease on work they are running: against each database the
// bot supports.

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"oktabot/okta/oktatest"
	"oktabot/slackfake"
	"oktabot/store"
	"oktabot/store/postgres/pgtest"
)

// eachDB runs f against a fresh SQLite file and, when the test server is
// set (OKTABOT_TEST_POSTGRES_URL, as CI sets it), a fresh PostgreSQL schema.
func eachDB(t *testing.T, expire string, f func(t *testing.T, a *ah)) {
	t.Run("sqlite", func(t *testing.T) {
		a := newApprovals(t, expire)
		a.env["OKTABOT_DATABASE_URL"] = filepath.Join(t.TempDir(), "oktabot.db")
		f(t, a)
	})
	t.Run("postgres", func(t *testing.T) {
		base, required := pgtest.URL()
		if base == "" {
			if required {
				t.Fatal("OKTABOT_TEST_POSTGRES_URL not set, and OKTABOT_REQUIRE_POSTGRES=1")
			}
			t.Skip("OKTABOT_TEST_POSTGRES_URL not set")
		}
		a := newApprovals(t, expire)
		a.env["OKTABOT_DATABASE_URL"] = pgtest.FreshSchema(t, base)
		f(t, a)
	})
}

// Approved work a stopped bot left behind is run by the next bot only if
// a fresh approval would be given now: its approver still an approver, its
// requester still allowed the action, and within the rule's expire_after
// of its approval. Otherwise it is closed unrun, the requester told and
// the audit saying why.
func TestRecoveredApprovalsAreCheckedAsAFreshApproval(t *testing.T) {
	eachDB(t, "1h", func(t *testing.T, a *ah) {
		first := a.start("first")
		_, msgOK := a.request(uAlice, `disable-user erin@corp.com --reason "still fine"`)
		_, msgApprover := a.request(uAlice, `disable-user carol.danvers@corp.com --reason "approver leaves"`)
		_, msgRequester := a.request(uBob, `disable-user frank@corp.com --reason "requester leaves"`)
		_, msgOld := a.request(uAlice, `disable-user dave@corp.com --reason "approved long ago"`)
		a.stopBot(first)

		// What the stopped bot left: four approvals, recorded but not run.
		ctx := context.Background()
		st := a.store()
		approve := func(msg slackfake.Message, by string, at time.Time) string {
			t.Helper()
			id := approvalID(t, msg)
			if _, err := st.Approve(ctx, id, by, at); err != nil {
				t.Fatal(err)
			}
			return id
		}
		approve(msgOK, uSec1, time.Now())
		idApprover := approve(msgApprover, uSec2, time.Now()) // security through S0SECURITY
		idRequester := approve(msgRequester, uSec1, time.Now())
		idOld := approve(msgOld, uSec1, time.Now().Add(-61*time.Minute)) // expire_after is 1h
		// Meanwhile sec2 leaves the security group, and bob on-call's.
		a.slack.AddUserGroup("S0SECURITY")
		a.slack.AddUserGroup("S0ONCALL01")

		a.start("second")
		a.waitUpdate(msgOK, "and run")
		a.waitUpdate(msgApprover, "did not complete")
		a.waitUpdate(msgRequester, "did not complete")
		a.waitUpdate(msgOld, "did not complete")
		for who, want := range map[string]string{"erin@corp.com": "SUSPENDED", "carol.danvers@corp.com": "ACTIVE", "frank@corp.com": "ACTIVE", "dave@corp.com": "ACTIVE"} {
			if s := a.userStatus(who); s != want {
				t.Errorf("%s is %s, want %s", who, s, want)
			}
		}
		if n := a.oktaOps("suspendUser"); n != 1 {
			t.Errorf("suspendUser calls = %d, want 1 (the approval that still holds)", n)
		}

		mustContain(t, a.told(uAlice, "who approved it, may no longer approve it").AllText(), "<@"+uSec2+">", "nothing was sent to Okta", "closed")
		mustContain(t, a.told(uBob, "You may no longer run `disable-user`").AllText(), "nothing was sent to Okta", "closed")
		mustContain(t, a.told(uAlice, "not started within 1h of its approval").AllText(), "closed unrun", "nothing was sent to Okta")

		for _, c := range []struct {
			id, actor, refused, detail string
		}{
			{idApprover, uSec2, "approver no longer allowed to approve it", "may no longer approve it"},
			{idRequester, uSec1, "requester no longer allowed to run the action", "may no longer run disable-user"},
			{idOld, "", "", "not started within 1h of its approval"},
		} {
			recs := a.auditOf(c.id)
			want := []string{"approval.requested", "approval.refused", "outcome"}
			if c.refused == "" {
				want = []string{"approval.requested", "outcome"}
			}
			if got := events(recs); !slices.Equal(got, want) {
				t.Errorf("%s: audit = %q, want %q", c.id, got, want)
				continue
			}
			if c.refused != "" && recs[1].Detail != c.refused {
				t.Errorf("%s: approval.refused says %q, want %q", c.id, recs[1].Detail, c.refused)
			}
			if out := recs[len(recs)-1]; out.Outcome != "failed" || !strings.Contains(out.Detail, c.detail) {
				t.Errorf("%s: outcome %s %q, want failed, saying %q", c.id, out.Outcome, out.Detail, c.detail)
			}
			if ap, _ := st.GetApproval(ctx, c.id); ap.Status != store.StatusFailed {
				t.Errorf("%s is %s, want failed (closed)", c.id, ap.Status)
			}
		}
	})
}

// Someone removed from an approver user group cannot approve or deny a
// moment later, although the bot caches user groups for a minute.
func TestRemovedApproverCannotDecideWithinTheCacheMinute(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	_, first := a.request(uAlice, `disable-user erin@corp.com --reason "one"`)
	_, second := a.request(uAlice, `disable-user frank@corp.com --reason "two"`)
	// sec2 is an approver through S0SECURITY: the bot has just seen so.
	a.click(uSec2, first, "Approve")
	a.waitUpdate(first, "and run")

	a.slack.AddUserGroup("S0SECURITY") // sec2 is removed
	mustContain(t, a.clickReply(uSec2, second, "Approve"), "can't decide this", "Nothing was changed")
	mustContain(t, a.clickReply(uSec2, second, "Deny"), "can't decide this", "Nothing was changed")
	if n := a.oktaOps("suspendUser"); n != 1 {
		t.Errorf("suspendUser calls = %d, want 1", n)
	}
	if ap, _ := a.store().GetApproval(context.Background(), approvalID(t, second)); ap.Status != store.StatusPending {
		t.Errorf("the request is %s, want still pending", ap.Status)
	}
}

// A bot that loses the lease on a request it is running (another replica
// took it over, as it may once the lease lapsed: the bot paused, or could
// not reach the database) stops before its next Okta write and records
// nothing: the work is the new holder's.
func TestReplicaThatLosesItsLeaseStops(t *testing.T) {
	defer func(l time.Duration) { executionLease = l }(executionLease)
	executionLease = 1500 * time.Millisecond // extended every 500 ms
	eachDB(t, "1h", func(t *testing.T, a *ah) {
		a.env["OKTABOT_OKTA_CONCURRENCY"] = "16" // 16 targets at a time
		var logins []string
		for i := range 100 {
			u := a.okta.AddUser(oktatest.User{Login: fmt.Sprintf("lease%03d@corp.com", i), FirstName: "Lease", LastName: "Test"})
			logins = append(logins, u.Login)
		}
		bot := a.start("bot")
		_, msg := a.request(uAlice, `disable-user `+strings.Join(logins, " ")+` --reason "many"`)
		id := approvalID(t, a.now(msg))
		a.okta.SetLatency(200 * time.Millisecond)
		defer a.okta.SetLatency(0)
		a.click(uSec1, msg, "Approve")
		waitFor(t, 30*time.Second, "the first suspension", func() bool { return a.oktaOps("suspendUser") > 0 })

		// Another replica holds the lease now.
		db, err := sql.Open(sqlDriver(a.env["OKTABOT_DATABASE_URL"]), a.env["OKTABOT_DATABASE_URL"])
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`UPDATE approvals SET lease_owner = 'another-replica' WHERE id = '` + id + `'`); err != nil {
			t.Fatalf("hand the lease to another replica: %v", err)
		}
		waitFor(t, 30*time.Second, "the bot to notice it lost the lease", func() bool { return strings.Contains(bot.stdout.String(), "lost the lease") })
		atLoss := a.oktaOps("suspendUser")
		time.Sleep(2 * time.Second) // calls in flight end; no new one may start
		after := a.oktaOps("suspendUser")
		if after > atLoss+16 || after >= len(logins) {
			t.Errorf("suspendUser calls: %d when the lease was lost, %d after (at most the 16 in flight may end); %d targets", atLoss, after, len(logins))
		}
		time.Sleep(time.Second)
		if n := a.oktaOps("suspendUser"); n != after {
			t.Errorf("suspendUser calls went on after the lease was lost: %d, then %d", after, n)
		}
		ap, err := a.store().GetApproval(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ap.Status != store.StatusRunning || ap.Owner != "another-replica" {
			t.Errorf("approval %s owned by %s, want still running under another-replica", ap.Status, ap.Owner)
		}
		if strings.Contains(a.now(msg).AllText(), "and run") {
			t.Errorf("the bot that lost the lease reported a result:\n%s", a.now(msg).AllText())
		}
		if bot.logged("approval.lease_lost") != 1 {
			t.Errorf("approval.lease_lost logged %d times, want once", bot.logged("approval.lease_lost"))
		}
		if got := events(a.auditOf(id)); slices.Contains(got, "outcome") {
			t.Errorf("the bot that lost the lease audited outcomes: %q", got)
		}
	})
}

// sqlDriver is the database/sql driver for a database URL as the bot reads
// it: PostgreSQL through pgx, else a SQLite file.
func sqlDriver(url string) string {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return "pgx"
	}
	return "sqlite"
}

// A request that waits for its requester to run it is checked again when
// they do, as a fresh approval: its approver, removed from the approver
// group since, no longer carries it.
func TestRunItNowRechecksTheApprover(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	_, msg := a.request(uDesk, `reset-password carol.danvers@corp.com --reason "ticket 11"`)
	a.click(uSec2, msg, "Approve")
	a.waitUpdate(msg, "Waiting for <@"+uDesk+"> to run it")
	a.slack.AddUserGroup("S0SECURITY") // sec2 is removed
	a.runNow(uDesk)
	mustContain(t, a.told(uDesk, "who approved it, may no longer approve it").AllText(), "nothing was sent to Okta", "closed")
	a.waitUpdate(msg, "did not complete")
	if n := a.oktaOps("resetPassword"); n != 0 {
		t.Errorf("resetPassword calls = %d, want 0", n)
	}
	if got := events(a.auditOf(approvalID(t, msg))); !slices.Equal(got, []string{"approval.requested", "approval.approved", "approval.refused", "outcome"}) {
		t.Errorf("audit = %q", got)
	}
}

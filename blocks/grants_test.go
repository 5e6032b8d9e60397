package blocks

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"oktabot/requests"
	"oktabot/store"
)

func roleGrant() store.Grant {
	return store.Grant{
		ID: "GRANTABCDEFGHIJKLMNOPQRSTU", Action: "assign-role", UserID: "00u1bob", UserLabel: "Bob Builder <bob@corp.com>",
		Role: "HELP_DESK_ADMIN", AssignmentID: "ra1", RequesterID: "U0ALICE01", RequesterChannel: "C0GENERAL",
		Reason: "INC-42", Duration: 2 * time.Hour, Status: store.GrantActive, CreatedAt: t0, EndsAt: t0.Add(2 * time.Hour),
	}
}

func groupGrant() store.Grant {
	g := roleGrant()
	g.ID, g.Action, g.Role, g.AssignmentID = "GRANTGROUPBCDEFGHIJKLMNOPQ", "add-to-group", "", ""
	g.GroupID, g.GroupName, g.UserLabel, g.RequesterID = "00g1oncall", "On-call <responders>", "carol.danvers@corp.com", "U0BOB0001"
	g.EndsAt = t0.Add(4 * time.Hour)
	return g
}

func TestGrantMessages(t *testing.T) {
	now := t0.Add(110 * time.Minute)
	failing := groupGrant()
	failing.Status, failing.Attempts, failing.LastError = store.GrantRevoking, 3, "Okta did not answer in time"
	golden(t, "grants-mine", Grants([]store.Grant{roleGrant()}, false, "", now))
	golden(t, "grants-all", Grants([]store.Grant{roleGrant(), failing}, true, "bob", now))
	golden(t, "grants-none", Grants(nil, false, "", now))
	golden(t, "grant-ending", GrantEnding(roleGrant(), now))

	revoked := roleGrant()
	revoked.Status, revoked.RevokedAt, revoked.Result = store.GrantRevoked, revoked.EndsAt.Add(time.Second), "removed HELP_DESK_ADMIN from Bob Builder <bob@corp.com>"
	golden(t, "grant-revoked", GrantRevoked(revoked))
	early := groupGrant()
	early.Status, early.EndedBy, early.RevokedAt, early.Result = store.GrantRevoked, "U0SECURE1", t0.Add(time.Hour), "removed carol.danvers@corp.com from On-call <responders>"
	golden(t, "grant-ended-early", GrantEndAnswer(early, requests.EndedNow))
	kept := groupGrant()
	kept.Status, kept.EndedBy, kept.RevokedAt, kept.Result = store.GrantRevoked, "U0SECURE1", t0.Add(time.Hour), store.KeptResult
	golden(t, "grant-kept", GrantRevoked(kept))

	if b := buttonsOf(GrantEnding(roleGrant(), now).Blocks); len(b) != 2 || b[0].ActionID != ActGrantExtend || b[1].ActionID != ActGrantEnd ||
		b[0].Value != roleGrant().ID || b[1].Value != roleGrant().ID || b[1].Confirm == nil {
		t.Errorf("ending buttons %+v", b)
	}
	for name, c := range map[string]struct {
		got  string
		want []string
	}{
		"revoked line": {GrantRevokedLine(revoked), []string{"`assign-role` grant `GRANTABCDEFGHIJKLMNOPQRSTU`", "`HELP_DESK_ADMIN` to `Bob Builder &lt;bob@corp.com&gt;`", "asked by <@U0ALICE01>", "ended <!date^"}},
		"late line":    {GrantRevokedLine(func() store.Grant { g := revoked; g.RevokedAt = g.EndsAt.Add(time.Hour); return g }()), []string{"(1h after its end, <!date^"}},
		"early line":   {GrantRevokedLine(early), []string{"the group `On-call &lt;responders&gt;`", "was ended early by <@U0SECURE1>"}},
		"giving answer": {allText(GrantEndAnswer(func() store.Grant { g := roleGrant(); g.Status, g.UpdatedAt = store.GrantGiving, t0; return g }(), requests.EndNotActive)),
			[]string{"is being given right now; nothing was changed", "it can be ended from <!date^" + strconv.FormatInt(t0.Add(store.GivingLapse).Unix(), 10)}},
		"kept line": {GrantRevokedLine(kept), []string{":pushpin:", "the group `On-call &lt;responders&gt;`", "was made permanent by <@U0SECURE1>", "its end removes nothing"}},
		"kept note": {strings.NewReplacer(`\u003c`, "<", `\u003e`, ">").Replace(allText(WithGrantNote(Approval(func() store.Approval {
			ap := pendingApproval()
			ap.Action, ap.Params, ap.Status = "add-to-group", map[string]string{"group": "On-call", "for": "2h"}, store.StatusDone
			return ap
		}(), requests.NoStep), store.Approval{Params: map[string]string{"for": "2h"}}, []store.Grant{kept}))), []string{"*Made permanent* ", "by <@U0SECURE1>", "its end removes nothing"}},
		"overdue line": {GrantOverdueLine(failing), []string{":rotating_light:", "could not remove it yet (3 failed attempts; last: Okta did not answer in time)"}},
	} {
		for _, w := range c.want {
			if !strings.Contains(c.got, w) {
				t.Errorf("%s: %q does not say %q", name, c.got, w)
			}
		}
	}
}

func TestApprovalWithGrantNote(t *testing.T) {
	ap := pendingApproval()
	ap.Action, ap.Params = "assign-role", map[string]string{"role": "HELP_DESK_ADMIN", "for": "2h"}
	golden(t, "approval-pending-grant", WithGrantNote(Approval(ap, requests.NoStep), ap, nil))

	// Run: until when each grant holds; ended: when and how.
	ap.Status, ap.DecidedBy, ap.DecidedAt = store.StatusDone, "U0SECURE1", t0.Add(10*time.Minute)
	given, ended := roleGrant(), groupGrant()
	ended.Status, ended.RevokedAt, ended.EndedBy = store.GrantRevoked, t0.Add(time.Hour), "U0SECURE1"
	golden(t, "approval-done-grants", WithGrantNote(Approval(ap, requests.NoStep), ap, []store.Grant{given, ended}))
	text := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(allText(WithGrantNote(Approval(ap, requests.NoStep), ap, []store.Grant{given, ended})))
	for _, w := range []string{"*Given until* ", "HELP_DESK_ADMIN to Bob Builder &lt;bob@corp.com&gt; (grant `GRANTABCDEFGHIJKLMNOPQRSTU`)",
		"*Removed* ", "ended early by <@U0SECURE1>: the group On-call &lt;responders&gt; to carol.danvers@corp.com"} {
		if !strings.Contains(text, w) {
			t.Errorf("the note does not say %q: %s", w, text)
		}
	}

	ap.Params = map[string]string{"role": "HELP_DESK_ADMIN"}
	if r := WithGrantNote(Approval(ap, requests.NoStep), ap, []store.Grant{given}); len(r.Blocks) != len(Approval(ap, requests.NoStep).Blocks) {
		t.Errorf("a request without --for got a note")
	}
}

package blocks

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"oktabot/requests"
	"oktabot/store"
)

// brokenGlass is pendingApproval whose requester broke glass after 15
// minutes, run.
func brokenGlass() store.Approval {
	a := pendingApproval()
	a.RemindAt, a.RemindedAt = t0.Add(10*time.Minute), t0.Add(10*time.Minute)
	a.BreakGlassAt, a.BreakGlassOfferedAt = t0.Add(15*time.Minute), t0.Add(15*time.Minute)
	a.Status, a.DecidedBy, a.DecidedAt = store.StatusDone, a.RequesterID, t0.Add(17*time.Minute)
	a.BrokenGlass, a.BreakGlassReason = true, "INC-42: *nobody* answers <!here>"
	a.Result = ":white_check_mark: `Bob Builder <bob@corp.com>`: deactivated"
	return a
}

func TestBreakGlassMessages(t *testing.T) {
	waiting := pendingApproval()
	waiting.RemindAt, waiting.RemindedAt = t0.Add(10*time.Minute), t0.Add(10*time.Minute)
	waiting.BreakGlassAt = t0.Add(15 * time.Minute)
	golden(t, "approval-pending-reminded", Approval(waiting, requests.NoStep))
	waiting.BreakGlassOfferedAt = t0.Add(15 * time.Minute)
	golden(t, "approval-pending-offered", Approval(waiting, requests.NoStep))

	b := brokenGlass()
	golden(t, "approval-broken-glass", Approval(b, requests.NoStep))
	reviewed := b
	reviewed.ReviewedBy, reviewed.ReviewedAt = "U0SECURE1", t0.Add(2*time.Hour)
	golden(t, "approval-broken-glass-reviewed", Approval(reviewed, requests.NoStep))
	running := b
	running.Status, running.Result = store.StatusRunning, ""
	if got := Approval(running, requests.NoStep).Text; got != "Break glass by U0ALICE01; running" {
		t.Errorf("running break glass text = %q", got)
	}

	golden(t, "break-glass-offer", BreakGlassOffer(waiting))
	golden(t, "break-glass-alert", BreakGlassAlert(b, Mentions([]string{"U0SECURE1"}, []string{"S0SECURITY"})))
	golden(t, "approval-reminder", ApprovalReminder(waiting, Mentions(nil, []string{"S0SECURITY"})))
	golden(t, "break-glass-unreviewed", UnreviewedReminder([]store.Approval{b, b}, Mentions(nil, []string{"S0SECURITY"})))
	failed := b
	failed.Status, failed.ID = store.StatusFailed, "ZYXWVUTSRQPONMLKJIHGFEDCBA"
	golden(t, "break-glass-list", BreakGlassList([]store.Approval{failed, b}))
	golden(t, "break-glass-list-empty", BreakGlassList(nil))
	collect := b
	collect.Action, collect.Params, collect.Status = "reset-password", map[string]string{"send-email": "false"}, store.StatusApproved
	golden(t, "break-glass-run-prompt", RequesterPrompt(collect, requests.CollectStep))

	// Buttons: Break glass in the offer, Reviewed on an unreviewed
	// break-glass run, each carrying the approval's id alone; none once
	// reviewed.
	for name, c := range map[string]struct {
		r    Reply
		want string
	}{
		"offer":      {BreakGlassOffer(waiting), ActBreakGlass},
		"unreviewed": {Approval(b, requests.NoStep), ActReviewed},
	} {
		bs := buttonsOf(c.r.Blocks)
		if len(bs) != 1 || bs[0].ActionID != c.want || bs[0].Value != b.ID {
			t.Errorf("%s: buttons %+v, want %s carrying %s", name, bs, c.want, b.ID)
		}
	}
	if bs := buttonsOf(Approval(reviewed, requests.NoStep).Blocks); len(bs) != 0 {
		t.Errorf("a reviewed run has buttons %+v", bs)
	}
	if bs := buttonsOf(Approval(waiting, requests.NoStep).Blocks); len(bs) != 2 {
		t.Errorf("a pending request's buttons %+v, want Approve and Deny", bs)
	}

	// The reason is the requester's text: escaped wherever it is shown.
	for name, r := range map[string]Reply{"message": Approval(b, requests.NoStep), "alert": BreakGlassAlert(b, ""), "list": BreakGlassList([]store.Approval{b})} {
		if text := allText(r); strings.Contains(text, "<!here>") {
			t.Errorf("%s shows the reason unescaped: %s", name, text)
		}
	}
	if f := BreakGlassForm(b); f.PrivateMetadata != b.ID || f.CallbackID != CallbackBreakGlass {
		t.Errorf("form %+v", f)
	}
	if got := Mentions([]string{"U0X"}, []string{"S0A", "not-a-group"}); got != "<!subteam^S0A> <@U0X>" {
		t.Errorf("Mentions = %q", got)
	}
	if got := DecidedBy(b); got != "run by <@U0ALICE01> with break glass, without approval" {
		t.Errorf("DecidedBy(broken glass) = %q", got)
	}
	b.Params = map[string]string{requests.StepUpParam: "push"}
	if got := DecidedBy(b); got != "run by <@U0ALICE01> with break glass with Okta Verify, without approval" {
		t.Errorf("DecidedBy(broken glass, step-up) = %q", got)
	}
	if got := WithStepUpNote(Approval(b, requests.NoStep), b, true); !strings.Contains(allText(got), ":closed_lock_with_key: Break glass by ") {
		t.Errorf("a stepped-up break glass's note: %s", allText(got))
	}
	b.BrokenGlass, b.DecidedBy = false, "U0SECURE1"
	if got := DecidedBy(b); got != "approved by <@U0SECURE1> with Okta Verify" {
		t.Errorf("DecidedBy(step-up) = %q", got)
	}
}

// allText is a reply's blocks as Slack receives them (JSON, with < and >
// as they are).
func allText(r Reply) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r.Blocks); err != nil {
		panic(err)
	}
	return b.String()
}

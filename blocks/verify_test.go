package blocks

import (
	"errors"
	"strings"
	"testing"
	"time"

	"oktabot/actions"
	"oktabot/requests"
	"oktabot/store"
)

func TestVerification(t *testing.T) {
	base := requests.Verification{Action: "reset-password", Label: "Bob Builder <bob@corp.com>", Device: "Bob's iPhone", Timeout: 2 * time.Minute}
	for _, tt := range []struct {
		name string
		edit func(v *requests.Verification)
	}{
		{"verify-sent", func(v *requests.Verification) { v.Outcome, v.Number = requests.VerifySent, actions.NewSecret("42") }},
		{"verify-approved", func(v *requests.Verification) { v.Outcome, v.Took = requests.VerifyApproved, 12*time.Second }},
		{"verify-rejected", func(v *requests.Verification) {
			v.Outcome, v.Took, v.Alerted = requests.VerifyRejected, 7*time.Second, true
		}},
		{"verify-rejected-no-audit-channel", func(v *requests.Verification) { v.Outcome, v.Took = requests.VerifyRejected, 7*time.Second }},
		{"verify-by-approval", func(v *requests.Verification) {
			v.Action, v.Outcome, v.Caller.Approval = "reset-factors", requests.VerifyByApproval, &store.Approval{DecidedBy: "U0SECURE1"}
		}},
		{"verify-by-approval-device-lost", func(v *requests.Verification) {
			v.Action, v.Outcome, v.DeviceLost, v.Caller.Approval = "reset-factors", requests.VerifyByApproval, true, &store.Approval{DecidedBy: "U0SECURE1"}
		}},
		{"verify-timed-out", func(v *requests.Verification) { v.Outcome = requests.VerifyTimedOut }},
		{"verify-no-factor", func(v *requests.Verification) { v.Outcome = requests.VerifyNoFactor }},
		{"verify-failed", func(v *requests.Verification) {
			v.Outcome, v.Err = requests.VerifyFailed, &actions.Error{Kind: actions.KindUnavailable, Message: "Okta did not answer", Err: errors.New("dial tcp")}
		}},
		{"verify-user-approved", func(v *requests.Verification) {
			v.Action, v.Outcome, v.Took = requests.VerifyUser, requests.VerifyApproved, 3*time.Second
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := base
			tt.edit(&v)
			golden(t, tt.name, Verification(v))
		})
	}
}

func TestApprovalWithVerifyNote(t *testing.T) {
	ap := store.Approval{ID: "2WJBH5FDRV4DLIQCMNGRS2XHCM", Action: "reset-factors", Targets: []string{"00u1"}, TargetLabels: []string{"Bob Builder <bob@corp.com>"},
		RequesterID: "U0HELPDSK", RequesterChannel: "C0GEN", ApproverRoles: []string{"security"}, ApprovalChannel: "C0APPROVALS",
		CreatedAt: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), ExpiresAt: time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC), Status: store.StatusPending}
	golden(t, "approval-pending-verify", WithVerifyNote(Approval(ap, requests.NoStep), ap, false))
	// With fallback: approval, the approvers see on whom their approval
	// stands in for the push; the stored list is not a parameter.
	mixed := ap
	mixed.Targets = []string{"00u1", "00u2"}
	mixed.TargetLabels = []string{"Bob Builder <bob@corp.com>", "Carol Lost <carol@corp.com>"}
	mixed.Params = map[string]string{requests.FallbackParam: "00u2", "device-lost": "false"}
	golden(t, "approval-pending-verify-fallback", WithVerifyNote(Approval(mixed, requests.NoStep), mixed, true))
	lost := ap
	lost.Params = map[string]string{"device-lost": "true"}
	golden(t, "approval-pending-verify-device-lost", WithVerifyNote(Approval(lost, requests.NoStep), lost, true))
}

func TestStepUp(t *testing.T) {
	ap := store.Approval{ID: "2WJBH5FDRV4DLIQCMNGRS2XHCM", Action: "disable-user", Targets: []string{"00u1"}, TargetLabels: []string{"Mallory Bad <mallory@corp.com>"},
		RequesterID: "U0ONCALL", RequesterChannel: "C0GEN", ApproverRoles: []string{"security"}, ApprovalChannel: "C0APPROVALS",
		Params:    map[string]string{requests.StepUpParam: "push"},
		CreatedAt: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), ExpiresAt: time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC), Status: store.StatusPending}
	base := requests.Verification{Caller: requests.Caller{ID: "U0SECURE1", Approval: &ap}, Action: "disable-user", Label: "Sam Secure <sam@corp.com>",
		Device: "Sam's iPhone", Timeout: 2 * time.Minute, StepUp: requests.ClickApprove, Alerted: true}
	for _, tt := range []struct {
		name string
		edit func(v *requests.Verification)
	}{
		{"stepup-sent", func(v *requests.Verification) { v.Outcome, v.Number = requests.VerifySent, actions.NewSecret("42") }},
		{"stepup-approved", func(v *requests.Verification) { v.Outcome, v.Took = requests.VerifyApproved, 4*time.Second }},
		{"stepup-rejected", func(v *requests.Verification) { v.Outcome, v.Took = requests.VerifyRejected, 6*time.Second }},
		{"stepup-timed-out-deny", func(v *requests.Verification) { v.Outcome, v.StepUp = requests.VerifyTimedOut, requests.ClickDeny }},
		{"stepup-no-factor-run", func(v *requests.Verification) { v.Outcome, v.StepUp = requests.VerifyNoFactor, requests.ClickRun }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := base
			tt.edit(&v)
			golden(t, tt.name, Verification(v))
			if v.Outcome == requests.VerifyRejected && !strings.Contains(VerificationAudit(v), "Okta Verify step-up rejected") {
				t.Errorf("audit line %q", VerificationAudit(v))
			}
			if v.Outcome == requests.VerifyApproved && VerificationAudit(v) != "" {
				t.Errorf("an approved step-up is told to the audit channel: %q", VerificationAudit(v))
			}
		})
	}
	golden(t, "approval-pending-stepup", WithStepUpNote(Approval(ap, requests.NoStep), ap, true))
	done := ap
	done.Status, done.DecidedBy, done.DecidedAt, done.Result = store.StatusDone, "U0SECURE1", ap.CreatedAt.Add(time.Minute), ":white_check_mark: `Mallory Bad <mallory@corp.com>`: suspended"
	golden(t, "approval-done-stepup", WithStepUpNote(Approval(done, requests.NoStep), done, true))
	// A request not asked under step_up never claims it.
	plain := done
	plain.Params = nil
	if got := WithStepUpNote(Approval(plain, requests.NoStep), plain, true); len(got.Blocks) != len(Approval(plain, requests.NoStep).Blocks) {
		t.Errorf("a decision not proven with Okta Verify is said to be")
	}
}

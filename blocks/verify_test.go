package blocks

import (
	"errors"
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

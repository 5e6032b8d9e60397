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
		{"verify-rejected", func(v *requests.Verification) { v.Outcome, v.Took = requests.VerifyRejected, 7*time.Second }},
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
	golden(t, "approval-pending-verify", WithVerifyNote(Approval(ap, requests.NoStep), ap))
}

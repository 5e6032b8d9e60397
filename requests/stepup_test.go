package requests

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/okta"
	"oktabot/okta/oktatest"
	"oktabot/store"
)

// slackDown is people whose Slack profile of one user cannot be read
// (Slack did not answer).
type slackDown struct {
	people
	down string
}

func (p slackDown) Whois(ctx context.Context, user string) Target {
	if user == p.down {
		return Target{Label: "<@" + user + ">", Err: &actions.Error{Kind: actions.KindUnavailable, Message: "Slack did not answer", Err: errors.New("timeout")}}
	}
	return p.people.Whois(ctx, user)
}

// A step-up fails closed: when the requester's Okta account cannot be
// looked up, nobody can be sure the clicker's is not theirs, so the click
// does not count and no push is sent.
func TestStepUpFailsClosedWithoutTheRequestersAccount(t *testing.T) {
	r := newRig(t)
	o := oktatest.New(t)
	svc := o.AddUser(oktatest.User{Login: "oktabot.svc@corp.com", Email: "oktabot.svc@corp.com", FirstName: "Okta", LastName: "Bot"})
	o.SetMe(svc.ID)
	sam := o.AddUser(oktatest.User{Login: "sam@corp.com", Email: "sam@corp.com", FirstName: "Sam", LastName: "Secure"})
	o.AddFactor(sam.ID, oktatest.Factor{FactorType: "push", Provider: "OKTA", DeviceName: "Sam's iPhone", Platform: "IOS"})
	dir, err := okta.New(context.Background(), okta.Config{OrgURL: o.URL, Token: actions.NewSecret(o.Token), CallTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	e := r.engine("a", 30*time.Second)
	e.Dir = dir
	e.People = slackDown{people: people{"U0SEC1": "sam@corp.com"}, down: "U0ALICE"}

	now := r.clock.Now()
	ap := store.Approval{ID: store.NewID(), Action: "disable-user", Targets: []string{"00ubob"}, RequesterID: "U0ALICE", RequesterChannel: "C0GEN",
		ApproverRoles: []string{"security"}, ApprovalChannel: "C0APPROVALS", CreatedAt: now, ExpiresAt: now.Add(time.Hour),
		Params: map[string]string{StepUpParam: auth.StepUpPush}}
	refused := e.StepUp(context.Background(), "U0SEC1", "C0APPROVALS", ap, ClickApprove)
	if refused == nil || !strings.Contains(refused.Err.Message, "could not look up the Okta account of U0ALICE") || refused.Shown {
		t.Fatalf("StepUp = %+v, want a refusal saying the requester's account could not be looked up", refused)
	}
	if n := len(o.PushTransactions(sam.ID)); n != 0 {
		t.Errorf("%d pushes sent", n)
	}
}

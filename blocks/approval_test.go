package blocks

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/requests"
	"oktabot/store"
)

func pendingApproval() store.Approval {
	return store.Approval{
		ID:               "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
		Action:           "disable-user",
		Targets:          []string{"00u1bob", "00u1carol"},
		TargetLabels:     []string{"Bob Builder <bob@corp.com>", "carol.danvers@corp.com"},
		Params:           map[string]string{"deactivate": "true", "send-email": "false"},
		Reason:           "INC-42 <laptop> & badge stolen",
		RequesterID:      "U0ALICE01",
		RequesterChannel: "C0GENERAL",
		ApproverRoles:    []string{"security"},
		ApprovalChannel:  "C0APPROVALS",
		MessageTS:        "1700000000.000100",
		Status:           store.StatusPending,
		CreatedAt:        t0,
		ExpiresAt:        t0.Add(time.Hour),
		UpdatedAt:        t0,
	}
}

func TestApprovalMessages(t *testing.T) {
	p := pendingApproval()
	golden(t, "approval-pending", Approval(p, requests.NoStep))

	done := p
	done.Status, done.DecidedBy, done.DecidedAt = store.StatusDone, "U0SECURE1", t0.Add(time.Minute)
	// It ran on the stored ids; the result names them by their labels.
	done.Result = ApprovalResult(actions.Result{Outcomes: LabelOutcomes(done, []actions.Outcome{
		{Target: "00u1bob", User: &actions.User{ID: "00u1bob", Login: "bob@corp.com", FirstName: "Bob"}, Done: "deactivated", Changed: true},
		{Target: "00u1carol", Err: actions.Errorf(actions.KindNotFound, "no Okta user %q", "00u1carol")},
	})}, nil)
	golden(t, "approval-done", Approval(done, requests.NoStep))

	denied := p
	denied.Status, denied.DecidedBy, denied.DecidedAt, denied.DenyReason = store.StatusDenied, "U0SECURE1", t0.Add(time.Minute), "not during the *freeze* <!channel>"
	golden(t, "approval-denied", Approval(denied, requests.NoStep))

	expired := p
	expired.Status = store.StatusExpired
	golden(t, "approval-expired", Approval(expired, requests.NoStep))

	waiting := p
	waiting.Action, waiting.Params = "set-password", map[string]string{"add-random-chars": "false"}
	waiting.Status, waiting.DecidedBy, waiting.DecidedAt = store.StatusApproved, "U0SECURE1", t0.Add(time.Minute)
	golden(t, "approval-waits-for-password", Approval(waiting, requests.PasswordStep))

	toRun := p
	toRun.Action, toRun.Params = "reset-password", map[string]string{"send-email": "false"}
	toRun.Status, toRun.DecidedBy, toRun.DecidedAt = store.StatusApproved, "U0SECURE1", t0.Add(time.Minute)
	if step := requests.StepOf(actions.Default().Lookup("reset-password"), toRun.Params); step != requests.CollectStep {
		t.Fatalf("a reset without --send-email waits for its requester: step %v", step)
	}
	golden(t, "approval-waits-for-requester", Approval(toRun, requests.CollectStep))
	golden(t, "approval-run-prompt", RequesterPrompt(toRun, requests.CollectStep))

	for name, a := range map[string]store.Approval{"done": done, "denied": denied, "expired": expired, "waiting": waiting} {
		if b := buttonsOf(Approval(a, requests.StepOf(actions.Default().Lookup(a.Action), a.Params)).Blocks); len(b) != 0 {
			t.Errorf("%s approval message has buttons %v", name, b)
		}
	}
	b := buttonsOf(Approval(p, requests.NoStep).Blocks)
	if len(b) != 2 || b[0].ActionID != ActApprove || b[1].ActionID != ActDeny || b[0].Value != p.ID || b[1].Value != p.ID || b[0].Confirm == nil {
		t.Fatalf("pending approval buttons = %+v", b)
	}
	// The last look before approving names what it touches, in plain
	// text (a confirmation dialog renders no mention): never a raw id.
	if got := b[0].Confirm.Text.Text; !strings.Contains(got, "Bob Builder <bob@corp.com> and carol.danvers@corp.com") || strings.Contains(got, p.RequesterID) {
		t.Errorf("the Approve confirmation says %q; want its targets by name, and no Slack id", got)
	}
	many := p
	many.Targets, many.TargetLabels = nil, nil
	for i := range 7 {
		many.Targets = append(many.Targets, fmt.Sprintf("00u%d", i))
		many.TargetLabels = append(many.TargetLabels, fmt.Sprintf("user%d@corp.com", i))
	}
	if got := buttonsOf(Approval(many, requests.NoStep).Blocks)[0].Confirm.Text.Text; !strings.Contains(got, "user0@corp.com, user1@corp.com, user2@corp.com and 4 more") {
		t.Errorf("the Approve confirmation of 7 targets says %q", got)
	}
}

// Approvers, requesters and the audit channel see whom a request touches
// by the labels resolved when it was made, as code (Okta's text cannot
// format or mention anything); requests stored without labels are shown
// by their targets, as typed.
func TestApprovalShowsTargetLabels(t *testing.T) {
	a := pendingApproval()
	a.TargetLabels[1] = "Mallory <!channel> *boss* <mallory@corp.com>"
	wantRef := "`Mallory &lt;!channel&gt; *boss* &lt;mallory@corp.com&gt;`"
	all := func(r Reply) string { b, _ := json.Marshal(r.Blocks); return string(b) }
	// The Approve confirmation is plain text, which Slack shows as it is
	// (no mention, no formatting): it names the label as typed.
	msg := Approval(a, requests.NoStep)
	confirm := buttonsOf(msg.Blocks)[0].Confirm
	if confirm.Text.Type != slack.PlainTextType || !strings.Contains(confirm.Text.Text, "Mallory <!channel> *boss* <mallory@corp.com>") {
		t.Errorf("the Approve confirmation: %+v", confirm.Text)
	}
	buttonsOf(msg.Blocks)[0].Confirm = nil
	for name, text := range map[string]string{
		"approval message": all(msg),
		"request line":     RequestLine(a),
		"audit line":       AuditRequest(a),
		"deny form":        fmt.Sprint(DenyForm(a).Blocks.BlockSet[0].(*slack.SectionBlock).Text.Text),
		"password prompt":  all(RequesterPrompt(a, requests.PasswordStep)),
		"run prompt":       all(RequesterPrompt(a, requests.CollectStep)),
	} {
		text = strings.ReplaceAll(text, `\u0026`, "&")
		text = strings.ReplaceAll(strings.ReplaceAll(text, `\u003c`, "<"), `\u003e`, ">")
		if !strings.Contains(text, "`Bob Builder &lt;bob@corp.com&gt;`") || !strings.Contains(text, wantRef) {
			t.Errorf("%s does not show the labels: %s", name, text)
		}
		if strings.Contains(text, "00u1bob") || strings.Contains(text, "<!channel>") {
			t.Errorf("%s shows an Okta id or an unescaped label: %s", name, text)
		}
	}

	old := pendingApproval()
	old.Targets, old.TargetLabels = []string{"bob", "<@U0CAROL01|carol>"}, nil
	if got := RequestLine(old); got != "`disable-user` on `bob` and <@U0CAROL01>" {
		t.Errorf("request line of a request without labels = %q", got)
	}
	many := pendingApproval()
	many.Targets, many.TargetLabels = nil, nil
	for i := range 8 {
		many.Targets = append(many.Targets, fmt.Sprintf("00u%d", i))
		many.TargetLabels = append(many.TargetLabels, fmt.Sprintf("user%d@corp.com", i))
	}
	if got := RequestLine(many); got != "`disable-user` on `user0@corp.com`, `user1@corp.com`, `user2@corp.com`, `user3@corp.com`, `user4@corp.com` and 3 more" {
		t.Errorf("request line of many = %q", got)
	}
}

func buttonsOf(blocks []slack.Block) []*slack.ButtonBlockElement {
	var out []*slack.ButtonBlockElement
	for _, b := range blocks {
		if a, ok := b.(*slack.ActionBlock); ok {
			for _, e := range a.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok {
					out = append(out, btn)
				}
			}
		}
	}
	return out
}

// A request for hundreds of long targets, with a result line each, still
// makes an approval message within Slack's limits.
func TestApprovalMessageLimits(t *testing.T) {
	a := pendingApproval()
	a.Targets, a.TargetLabels = nil, nil
	var outcomes []actions.Outcome
	for i := range actions.MaxTargets {
		login := fmt.Sprintf("someone.with.a.rather.long.name.number%03d@subsidiary.example.corp.com", i)
		id := fmt.Sprintf("00u%017d", i)
		a.Targets = append(a.Targets, id)
		a.TargetLabels = append(a.TargetLabels, fmt.Sprintf("Someone With A Rather Long Display Name, Number %03d <%s>", i, login))
		outcomes = append(outcomes, actions.Outcome{Target: id, Err: actions.Errorf(actions.KindNotFound, "no Okta user %q", id)})
	}
	a.Reason = strings.Repeat("why ", 200)
	for _, status := range []store.Status{store.StatusPending, store.StatusDone} {
		a.Status = status
		a.Result = ApprovalResult(actions.Result{Outcomes: LabelOutcomes(a, outcomes)}, nil)
		r := Approval(a, requests.NoStep)
		checkLimits(t, string(status), r.Blocks)
		all, _ := json.Marshal(r.Blocks)
		if !strings.Contains(string(all), "Showing") {
			t.Errorf("%s: a long request does not say that it shows part of it", status)
		}
	}
	for name, text := range map[string]string{"request line": RequestLine(a), "audit line": AuditRequest(a)} {
		if n := utf8.RuneCountInString(text); n > MaxSectionText/2 {
			t.Errorf("%s of a long request is %d characters", name, n)
		}
	}
}

func checkLimits(t *testing.T, name string, blocks []slack.Block) {
	t.Helper()
	if len(blocks) > MaxMessageBlocks {
		t.Errorf("%s: %d blocks, more than %d", name, len(blocks), MaxMessageBlocks)
	}
	for _, b := range blocks {
		s, ok := b.(*slack.SectionBlock)
		if !ok {
			continue
		}
		if s.Text != nil && utf8.RuneCountInString(s.Text.Text) > MaxSectionText {
			t.Errorf("%s: section text of %d characters", name, utf8.RuneCountInString(s.Text.Text))
		}
		if len(s.Fields) > maxFields {
			t.Errorf("%s: %d fields", name, len(s.Fields))
		}
		for _, f := range s.Fields {
			if utf8.RuneCountInString(f.Text) > maxFieldText {
				t.Errorf("%s: field of %d characters", name, utf8.RuneCountInString(f.Text))
			}
		}
	}
}

func TestApprovalResultTextHasNoSecrets(t *testing.T) {
	secret := actions.NewSecret("https://acme.okta.com/reset/SEKRIT")
	text := ApprovalResult(actions.Result{Outcomes: []actions.Outcome{
		{Target: "bob", User: &actions.User{Login: "bob@corp.com"}, Done: "password reset started", Changed: true, Secret: secret, SecretLabel: "one-time reset link"},
	}}, nil)
	if strings.Contains(text, "SEKRIT") {
		t.Fatalf("result shows the secret: %s", text)
	}
	if !strings.Contains(text, "one-time reset link sent to the requester only") {
		t.Errorf("result does not say where the link went: %s", text)
	}
}

func TestAuditListing(t *testing.T) {
	recs := []store.AuditRecord{
		{ID: 3, At: t0.Add(2 * time.Minute), Event: "outcome", Actor: "U0ALICE01", Channel: "C0GENERAL", Action: "disable-user",
			Targets: []string{"bob"}, Target: "bob", Outcome: "failed", ErrorKind: "forbidden", OktaRequestID: "req-1", Detail: "Okta said <no>", ApprovalID: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
		{ID: 2, At: t0.Add(time.Minute), Event: "approval.approved", Actor: "U0SECURE1", Channel: "C0APPROVALS", Action: "disable-user",
			Targets: []string{"bob", "<@U0CAROL01|carol>"}, ApprovalID: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
		{ID: 1, At: t0, Event: "request.refused", Actor: "U0MALLORY", Channel: "C0GENERAL", Action: "get-user", Targets: []string{"alice"}, Detail: "not allowed by the policy"},
	}
	golden(t, "audit-list", Audit(recs, store.AuditFilter{Actors: []string{"U0ALICE01"}, Action: "disable-user", Limit: 500}))
	golden(t, "audit-empty", Audit(nil, store.AuditFilter{}))
}

// When the approval message cannot name every target, the thread list
// does: every target, numbered, within Slack's limits; and the message is
// first posted without its buttons.
func TestTargetListPagesNameEveryTarget(t *testing.T) {
	a := pendingApproval()
	a.Targets, a.TargetLabels = nil, nil
	for i := range actions.MaxTargets {
		a.Targets = append(a.Targets, fmt.Sprintf("00u%017d", i))
		a.TargetLabels = append(a.TargetLabels, fmt.Sprintf("Someone With A Rather Long Display Name, Number %03d <someone.number%03d@subsidiary.example.corp.com>", i, i))
	}
	if AllTargetsShown(a) {
		t.Fatal("500 long targets fit in the approval message")
	}
	list := TargetList(a)
	var all strings.Builder
	for i, page := range append([]Reply{list}, list.More...) {
		checkLimits(t, fmt.Sprintf("page %d", i+1), page.Blocks)
		b, _ := json.Marshal(page.Blocks)
		all.Write(b)
	}
	for i, l := range a.TargetLabels {
		if !strings.Contains(all.String(), fmt.Sprintf("%d. `", i+1)+strings.ReplaceAll(strings.ReplaceAll(l, "<", `\u0026lt;`), ">", `\u0026gt;`)) {
			t.Fatalf("target %d (%s) is not listed", i+1, l)
		}
	}
	pending := WithoutDecision(Approval(a, requests.NoStep))
	if got := buttonsOf(pending.Blocks); len(got) != 0 {
		t.Errorf("the message posted before its thread list has buttons %v", got)
	}
	if got := buttonsOf(Approval(a, requests.NoStep).Blocks); len(got) != 2 {
		t.Errorf("the pending message has buttons %v, want Approve and Deny", got)
	}

	a.Targets, a.TargetLabels = a.Targets[:3], a.TargetLabels[:3]
	if !AllTargetsShown(a) {
		t.Error("3 targets do not fit in the approval message")
	}
}

package handlers

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/auth"
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
	golden(t, "approval-pending", renderApproval(p, noStep))

	done := p
	done.Status, done.DecidedBy, done.DecidedAt = store.StatusDone, "U0SECURE1", t0.Add(time.Minute)
	// It ran on the stored ids; the result names them by their labels.
	done.Result = approvalResultText(nil, labelled(done, performed{res: actions.Result{Outcomes: []actions.Outcome{
		{Target: "00u1bob", User: &actions.User{ID: "00u1bob", Login: "bob@corp.com", FirstName: "Bob"}, Done: "deactivated", Changed: true},
		{Target: "00u1carol", Err: actions.Errorf(actions.KindNotFound, "no Okta user %q", "00u1carol")},
	}}}))
	golden(t, "approval-done", renderApproval(done, noStep))

	denied := p
	denied.Status, denied.DecidedBy, denied.DecidedAt, denied.DenyReason = store.StatusDenied, "U0SECURE1", t0.Add(time.Minute), "not during the *freeze* <!channel>"
	golden(t, "approval-denied", renderApproval(denied, noStep))

	expired := p
	expired.Status = store.StatusExpired
	golden(t, "approval-expired", renderApproval(expired, noStep))

	waiting := p
	waiting.Action, waiting.Params = "set-password", map[string]string{"add-random-chars": "false"}
	waiting.Status, waiting.DecidedBy, waiting.DecidedAt = store.StatusApproved, "U0SECURE1", t0.Add(time.Minute)
	golden(t, "approval-waits-for-password", renderApproval(waiting, passwordStep))

	toRun := p
	toRun.Action, toRun.Params = "reset-password", map[string]string{"send-email": "false"}
	toRun.Status, toRun.DecidedBy, toRun.DecidedAt = store.StatusApproved, "U0SECURE1", t0.Add(time.Minute)
	if step := requesterStepOf(actions.Default().Lookup("reset-password"), toRun.Params); step != collectStep {
		t.Fatalf("a reset without --send-email waits for its requester: step %v", step)
	}
	golden(t, "approval-waits-for-requester", renderApproval(toRun, collectStep))
	golden(t, "approval-run-prompt", requesterPrompt(toRun, collectStep))

	for name, a := range map[string]store.Approval{"done": done, "denied": denied, "expired": expired, "waiting": waiting} {
		if b := buttonsOf(renderApproval(a, requesterStepOf(actions.Default().Lookup(a.Action), a.Params)).Blocks); len(b) != 0 {
			t.Errorf("%s approval message has buttons %v", name, b)
		}
	}
	b := buttonsOf(renderApproval(p, noStep).Blocks)
	if len(b) != 2 || b[0].ActionID != actApprove || b[1].ActionID != actDeny || b[0].Value != p.ID || b[1].Value != p.ID || b[0].Confirm == nil {
		t.Errorf("pending approval buttons = %+v", b)
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
	all := func(r reply) string { b, _ := json.Marshal(r.Blocks); return string(b) }
	for name, text := range map[string]string{
		"approval message": all(renderApproval(a, noStep)),
		"request line":     requestLine(a),
		"audit line":       auditRequestText(a),
		"deny form":        fmt.Sprint(denyModal(a).Blocks.BlockSet[0].(*slack.SectionBlock).Text.Text),
		"password prompt":  all(requesterPrompt(a, passwordStep)),
		"run prompt":       all(requesterPrompt(a, collectStep)),
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
	if got := requestLine(old); got != "`disable-user` on `bob` and <@U0CAROL01>" {
		t.Errorf("request line of a request without labels = %q", got)
	}
	many := pendingApproval()
	many.Targets, many.TargetLabels = nil, nil
	for i := range 8 {
		many.Targets = append(many.Targets, fmt.Sprintf("00u%d", i))
		many.TargetLabels = append(many.TargetLabels, fmt.Sprintf("user%d@corp.com", i))
	}
	if got := requestLine(many); got != "`disable-user` on `user0@corp.com`, `user1@corp.com`, `user2@corp.com`, `user3@corp.com`, `user4@corp.com` and 3 more" {
		t.Errorf("request line of many = %q", got)
	}
}

// The result of an approved request names its targets by their labels;
// the audit's outcomes (the performed result itself) keep the Okta ids.
func TestLabelledKeepsTheAuditsIds(t *testing.T) {
	a := pendingApproval()
	p := performed{res: actions.Result{Outcomes: []actions.Outcome{
		{Target: "00u1bob", Done: "suspended", Changed: true},
		{Target: "00u1carol", Err: actions.Errorf(actions.KindForbidden, "no")},
	}}}
	got := labelled(a, p)
	if got.res.Outcomes[0].Target != "Bob Builder <bob@corp.com>" || got.res.Outcomes[1].Target != "carol.danvers@corp.com" {
		t.Errorf("labelled outcomes = %+v", got.res.Outcomes)
	}
	if p.res.Outcomes[0].Target != "00u1bob" || p.res.Outcomes[1].Target != "00u1carol" {
		t.Errorf("labelling changed the audited outcomes: %+v", p.res.Outcomes)
	}
	a.TargetLabels = nil
	if got := labelled(a, p); got.res.Outcomes[0].Target != "00u1bob" {
		t.Errorf("a request without labels was relabelled: %+v", got.res.Outcomes)
	}
}

func TestUserLabel(t *testing.T) {
	for _, c := range []struct {
		u    actions.User
		want string
	}{
		{actions.User{ID: "00u1", Login: "carol.danvers@corp.com", FirstName: "Carol", LastName: "Danvers"}, "Carol Danvers <carol.danvers@corp.com>"},
		{actions.User{ID: "00u1", Login: "carol@corp.com", DisplayName: "Captain Marvel"}, "Captain Marvel <carol@corp.com>"},
		{actions.User{ID: "00u1", Login: "svc@corp.com"}, "svc@corp.com"},
		{actions.User{ID: "00u1"}, "00u1"},
	} {
		if got := userLabel(c.u); got != c.want {
			t.Errorf("userLabel(%+v) = %q, want %q", c.u, got, c.want)
		}
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
		a.Result = approvalResultText(nil, labelled(a, performed{res: actions.Result{Outcomes: outcomes}}))
		r := renderApproval(a, noStep)
		checkLimits(t, string(status), r.Blocks)
		all, _ := json.Marshal(r.Blocks)
		if !strings.Contains(string(all), "Showing") {
			t.Errorf("%s: a long request does not say that it shows part of it", status)
		}
	}
	for name, text := range map[string]string{"request line": requestLine(a), "audit line": auditRequestText(a)} {
		if n := utf8.RuneCountInString(text); n > maxSectionText/2 {
			t.Errorf("%s of a long request is %d characters", name, n)
		}
	}
}

func checkLimits(t *testing.T, name string, blocks []slack.Block) {
	t.Helper()
	if len(blocks) > maxMessageBlocks {
		t.Errorf("%s: %d blocks, more than %d", name, len(blocks), maxMessageBlocks)
	}
	for _, b := range blocks {
		s, ok := b.(*slack.SectionBlock)
		if !ok {
			continue
		}
		if s.Text != nil && utf8.RuneCountInString(s.Text.Text) > maxSectionText {
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
	text := approvalResultText(nil, performed{res: actions.Result{Outcomes: []actions.Outcome{
		{Target: "bob", User: &actions.User{Login: "bob@corp.com"}, Done: "password reset started", Changed: true, Secret: secret, SecretLabel: "one-time reset link"},
	}}})
	if strings.Contains(text, "SEKRIT") {
		t.Fatalf("result shows the secret: %s", text)
	}
	if !strings.Contains(text, "one-time reset link sent to the requester only") {
		t.Errorf("result does not say where the link went: %s", text)
	}
}

func TestNeedsForm(t *testing.T) {
	reg := actions.Default()
	rule := &auth.ApprovalRule{Actions: []string{"*"}, Approvers: []string{"security"}, Channel: "C0APPROVALS", RequireReason: true}
	approval := auth.Decision{Verdict: auth.NeedsApproval, Rule: rule}
	allow := auth.Decision{Verdict: auth.Allow}
	parse := func(text string) actions.Parsed {
		p, err := reg.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		text     string
		decision auth.Decision
		want     bool
	}{
		{`disable-user bob --reason "x"`, approval, false},
		{`disable-user bob`, approval, true},               // the rule wants a reason
		{`disable-user bob`, allow, false},                 // no rule, no reason needed
		{`disable-user --reason "x"`, approval, true},      // no targets
		{`set-password bob --reason "x"`, approval, false}, // the password is asked after approval
		{`set-password bob --reason "x"`, allow, true},     // the password is asked now
		{`get-user bob`, approval, true},                   // a read action's form asks for the rule's reason too
		{`get-user bob --reason "x"`, approval, false},
		{`get-user bob`, allow, false},
	} {
		if got := needsForm(parse(c.text), c.decision); got != c.want {
			t.Errorf("needsForm(%q, %v) = %v, want %v", c.text, c.decision.Verdict, got, c.want)
		}
	}
}

func TestStoredParamsNeverHoldAPassword(t *testing.T) {
	a := actions.Default().Lookup("set-password")
	got := storedParams(a, map[string]string{"password": "hunter2", "add-random-chars": "true"})
	if _, ok := got["password"]; ok || got["add-random-chars"] != "true" {
		t.Errorf("storedParams = %v", got)
	}
}

func TestValidApprovalID(t *testing.T) {
	if !validApprovalID(store.NewID()) {
		t.Error("a fresh id is not valid")
	}
	for _, s := range []string{"", strings.Repeat("A", 65), `{"action":"x"}`, "ABC DEF", "ABC\n"} {
		if validApprovalID(s) {
			t.Errorf("validApprovalID(%q) = true", s)
		}
	}
}

func TestSweepInterval(t *testing.T) {
	policy := func(expire string) Authorizer {
		p, err := auth.Parse("p.yml", []byte(`roles:
  r:
    members: [U0ALICE01]
    actions: ["*"]
    assignable_roles: ["*"]
approvals:
  - actions: [disable-user]
    approvers: [r]
    channel: C0APPROVALS
    expire_after: `+expire+"\n"), auth.Names{Actions: actions.Default().Names(), RoleTypes: actions.RoleTypes})
		if err != nil {
			t.Fatal(err)
		}
		return auth.New(p, nil)
	}
	for expire, want := range map[string]time.Duration{"1h": maxSweepInterval, "1m": 6 * time.Second, "1s": minSweepInterval} {
		if got := sweepInterval(policy(expire)); got != want {
			t.Errorf("sweepInterval(expire_after %s) = %v, want %v", expire, got, want)
		}
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
	golden(t, "audit-list", renderAudit(recs, store.AuditFilter{Actors: []string{"U0ALICE01"}, Action: "disable-user", Limit: 500}))
	golden(t, "audit-empty", renderAudit(nil, store.AuditFilter{}))
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
	if allTargetsShown(a) {
		t.Fatal("500 long targets fit in the approval message")
	}
	list := targetListPages(a)
	var all strings.Builder
	for i, page := range append([]reply{list}, list.More...) {
		checkLimits(t, fmt.Sprintf("page %d", i+1), page.Blocks)
		b, _ := json.Marshal(page.Blocks)
		all.Write(b)
	}
	for i, l := range a.TargetLabels {
		if !strings.Contains(all.String(), fmt.Sprintf("%d. `", i+1)+strings.ReplaceAll(strings.ReplaceAll(l, "<", `\u0026lt;`), ">", `\u0026gt;`)) {
			t.Fatalf("target %d (%s) is not listed", i+1, l)
		}
	}
	pending := withoutDecision(renderApproval(a, noStep))
	if got := buttonsOf(pending.Blocks); len(got) != 0 {
		t.Errorf("the message posted before its thread list has buttons %v", got)
	}
	if got := buttonsOf(renderApproval(a, noStep).Blocks); len(got) != 2 {
		t.Errorf("the pending message has buttons %v, want Approve and Deny", got)
	}

	a.Targets, a.TargetLabels = a.Targets[:3], a.TargetLabels[:3]
	if !allTargetsShown(a) {
		t.Error("3 targets do not fit in the approval message")
	}
}

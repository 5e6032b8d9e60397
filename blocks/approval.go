package blocks

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/requests"
	"oktabot/store"
)

// Action ids of the approval buttons, callback ids of the approval modals
// and their input block ids. A button's value is the approval's opaque id
// and nothing else: everything about the request is read from the store.
const (
	ActApprove     = "approval_approve"
	ActDeny        = "approval_deny"
	ActSetPassword = "approval_set_password"
	ActRunApproved = "approval_run"

	CallbackDeny        = "approval_deny"
	CallbackSetPassword = "approval_password"

	BlockDenyReason = "deny_reason"
	blockDecide     = "approval_decide"
)

// Block budgets of the approval message (Slack allows 50 blocks).
const (
	maxTargetBlocks = 12
	maxResultBlocks = 28
)

// paramsText lists an approval's parameters, one per line.
func paramsText(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if requests.InternalParam(k) {
			continue // the lifecycle's, said in notes of their own
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return "–"
	}
	sort.Strings(keys)
	var lines []string
	for _, k := range keys {
		lines = append(lines, fmt.Sprintf("`--%s` %s", Esc(k), Code(params[k])))
	}
	return strings.Join(lines, "\n")
}

// RolesText names the approver roles.
func RolesText(roles []string) string {
	if len(roles) == 0 {
		return "–"
	}
	var out []string
	for _, r := range roles {
		out = append(out, Code(r))
	}
	return strings.Join(out, ", ")
}

// Approval is the approval message in the rule's channel, for the
// approval's current state: with Approve and Deny buttons while it is
// pending, then who decided, when and (once run) the result per target.
// step says what the requester does after approval. It never holds a
// secret: the store has none.
func Approval(a store.Approval, step requests.Step) Reply {
	var head, text string
	switch a.Status {
	case store.StatusPending, "":
		head = fmt.Sprintf(":lock: *Approval needed:* %s asks to run %s. A member of %s must approve it before anything is changed in Okta; the requester cannot approve their own request.",
			Mention(a.RequesterID), RequestLine(a), RolesText(a.ApproverRoles))
		text = fmt.Sprintf("Approval needed: %s asks to run %s", a.RequesterID, a.Action)
	case store.StatusApproved:
		switch step {
		case requests.PasswordStep:
			head = fmt.Sprintf(":white_check_mark: *Approved* by %s on %s. Waiting for %s to type the new password (it is never stored); nothing has been changed in Okta yet.",
				Mention(a.DecidedBy), Date(a.DecidedAt), Mention(a.RequesterID))
		case requests.CollectStep:
			head = fmt.Sprintf(":white_check_mark: *Approved* by %s on %s. Waiting for %s to run it, so that its one-time links reach them while they are there; nothing has been changed in Okta yet.",
				Mention(a.DecidedBy), Date(a.DecidedAt), Mention(a.RequesterID))
		default:
			head = fmt.Sprintf(":white_check_mark: *Approved* by %s on %s. Running…", Mention(a.DecidedBy), Date(a.DecidedAt))
		}
		text = "Approved by " + a.DecidedBy
	case store.StatusRunning:
		head = fmt.Sprintf(":gear: *Approved* by %s on %s. Running…", Mention(a.DecidedBy), Date(a.DecidedAt))
		text = "Approved by " + a.DecidedBy + "; running"
	case store.StatusDone:
		head = fmt.Sprintf(":white_check_mark: *Approved* by %s on %s, and run. Result below.", Mention(a.DecidedBy), Date(a.DecidedAt))
		text = "Approved by " + a.DecidedBy + " and run"
	case store.StatusFailed:
		head = fmt.Sprintf(":x: *Approved* by %s on %s, but it did not complete. See below.", Mention(a.DecidedBy), Date(a.DecidedAt))
		text = "Approved by " + a.DecidedBy + "; failed"
	case store.StatusDenied:
		verb := "Denied"
		if a.DecidedBy == a.RequesterID {
			verb = "Withdrawn"
		}
		head = fmt.Sprintf(":no_entry_sign: *%s* by %s on %s: %s\nNothing was changed in Okta.", verb, Mention(a.DecidedBy), Date(a.DecidedAt), Esc(OrDash(a.DenyReason)))
		text = verb + " by " + a.DecidedBy
	case store.StatusExpired:
		head = fmt.Sprintf(":hourglass: *Expired* on %s without a decision. Nothing was changed in Okta; ask again if it is still needed.", Date(a.ExpiresAt))
		text = "Expired without a decision"
	}
	if a.BrokenGlass {
		head, text = brokenGlassHead(a)
	}
	blocks := []slack.Block{Section(head)}
	pairs := []string{
		"Requested by", Mention(a.RequesterID),
		"Where", ChannelRef(a.RequesterChannel),
		"Action", Code(a.Action),
		"Reason", Esc(OrDash(a.Reason)),
		"Parameters", paramsText(a.Params),
		"Approvers", "members of " + RolesText(a.ApproverRoles),
		"Requested", Date(a.CreatedAt),
		"Expires", Date(a.ExpiresAt),
	}
	refs := ApprovalTargetRefs(a)
	all := strings.Join(refs, ", ")
	label := fmt.Sprintf("Targets (%d)", len(a.Targets))
	if len([]rune(all)) <= maxFieldText-len(label)-8 {
		pairs = append(pairs, label, OrDash(all))
		blocks = append(blocks, slack.NewSectionBlock(nil, fields(pairs...), nil))
	} else {
		// Too many to list in a field: they are shown in sections of their
		// own, as many as fit; when not all fit, every one is listed in the
		// message's thread before anyone may decide (requestApproval).
		blocks = append(blocks, slack.NewSectionBlock(nil, fields(pairs...), nil))
		body, shown := packLines(refs, maxTargetBlocks)
		blocks = append(blocks, Section("*"+label+"*"))
		blocks = append(blocks, body...)
		if shown < len(refs) {
			blocks = append(blocks, Context(fmt.Sprintf(":thread: Showing %d of %d targets here; *every target is listed in this message's thread*, and `/okta audit --request %s` lists them too.", shown, len(refs), a.ID)))
		}
	}
	if a.Result != "" && (a.Status == store.StatusDone || a.Status == store.StatusFailed) {
		lines := strings.Split(a.Result, "\n")
		body, shown := packLines(lines, maxResultBlocks)
		blocks = append(blocks, slack.NewDividerBlock())
		blocks = append(blocks, body...)
		if shown < len(lines) {
			blocks = append(blocks, Context(fmt.Sprintf("Showing %d of %d result lines; the requester has them all.", shown, len(lines))))
		}
	}
	blocks = append(blocks, waitsBlocks(a)...)
	blocks = append(blocks, Context("Request "+Code(a.ID)))
	if b := reviewButton(a); b != nil {
		blocks = append(blocks, b)
	}
	if a.Status == store.StatusPending || a.Status == "" {
		confirm := slack.NewConfirmationBlockObject(
			Plain("Approve this request?"),
			Plain(Clip(fmt.Sprintf("%s runs against Okta as soon as you approve, on %s.", a.Action, plainTargets(a, 3)), 300)),
			Plain("Approve"), Plain("Cancel"))
		approve := slack.NewButtonBlockElement(ActApprove, a.ID, Plain("Approve")).WithStyle(slack.StylePrimary).WithConfirm(confirm)
		deny := slack.NewButtonBlockElement(ActDeny, a.ID, Plain("Deny")).WithStyle(slack.StyleDanger)
		blocks = append(blocks, slack.NewActionBlock(blockDecide, approve, deny))
	}
	return Reply{Text: Clip(text, 300), Blocks: blocks}
}

// AllTargetsShown reports whether the approval message itself names every
// target of a; when not, they are listed in its thread (TargetList).
func AllTargetsShown(a store.Approval) bool {
	refs := ApprovalTargetRefs(a)
	if len([]rune(strings.Join(refs, ", "))) <= maxFieldText-len(fmt.Sprintf("Targets (%d)", len(refs)))-8 {
		return true
	}
	_, shown := packLines(refs, maxTargetBlocks)
	return shown == len(refs)
}

// TargetList list every target of a request, numbered, as approvers
// are shown them, in as many messages as it takes: posted in the approval
// message's thread when the message cannot name them all.
func TargetList(a store.Approval) Reply {
	refs := ApprovalTargetRefs(a)
	lines := make([]string, len(refs))
	for i, r := range refs {
		lines[i] = fmt.Sprintf("%d. %s", i+1, r)
	}
	return Paged(fmt.Sprintf("*Every target of request %s* (%s %s, %d in all):", Code(a.ID), Code(a.Action), "by "+Mention(a.RequesterID), len(refs)), lines)
}

// WithoutDecision is an approval message without its Approve and Deny
// buttons, saying why: posted first when its targets are listed in its
// thread, so that nobody decides before they can see them all.
func WithoutDecision(r Reply) Reply {
	blocks := slices.DeleteFunc(slices.Clone(r.Blocks), func(b slack.Block) bool {
		ab, ok := b.(*slack.ActionBlock)
		return ok && ab.BlockID == blockDecide
	})
	r.Blocks = append(blocks, Context(":hourglass_flowing_sand: Listing every target in this message's thread; *Approve* and *Deny* appear here once they are all there."))
	return r
}

// DenyForm asks the approver why they deny a request.
func DenyForm(a store.Approval) slack.ModalViewRequest {
	in := slack.NewPlainTextInputBlockElement(Plain("e.g. not during the change freeze; talk to #security"), BlockDenyReason)
	in.Multiline = true
	in.MaxLength = 500
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CallbackDeny,
		Title:           Plain("Deny request"),
		Submit:          Plain("Deny"),
		Close:           Plain("Cancel"),
		PrivateMetadata: a.ID,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			Section(fmt.Sprintf("%s asks to run %s.", Mention(a.RequesterID), RequestLine(a))),
			slack.NewInputBlock(BlockDenyReason, Plain("Why deny it?"), Plain("The requester and the approval channel see this, and it is kept in the audit trail."), in),
		}},
	}
}

// PasswordForm asks the requester of an approved set-password for the
// new password. It is sent to Okta and nowhere else. channel is where they
// opened it from: the result is shown to them there.
func PasswordForm(a store.Approval, act *actions.Action, channel string) slack.ModalViewRequest {
	blocks := []slack.Block{
		Section(fmt.Sprintf("%s approved your %s. Type the new password: it goes to Okta once and is never stored, logged or shown.", Mention(a.DecidedBy), RequestLine(a))),
	}
	if p := requests.PasswordParam(act); p != nil {
		blocks = append(blocks, paramInput(*p, ""))
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CallbackSetPassword,
		Title:           Plain("Set the password"),
		Submit:          Plain("Set password"),
		Close:           Plain("Cancel"),
		PrivateMetadata: a.ID + " " + channel,
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// RequesterPrompt is the direct message that lets the requester of an
// approved request take their step: open the password form, or run it.
func RequesterPrompt(a store.Approval, step requests.Step) Reply {
	t := fmt.Sprintf(":white_check_mark: %s approved your %s. Nothing has been changed in Okta yet: set the password in the form (only you can open it; it is never stored).",
		Mention(a.DecidedBy), RequestLine(a))
	btn := slack.NewButtonBlockElement(ActSetPassword, a.ID, Plain("Set the password")).WithStyle(slack.StylePrimary)
	if step == requests.CollectStep {
		t = fmt.Sprintf(":white_check_mark: %s approved your %s. Nothing has been changed in Okta yet: run it when you are ready to receive its one-time links (only you can; they are shown to you once, here, and never stored).",
			Mention(a.DecidedBy), RequestLine(a))
		btn = slack.NewButtonBlockElement(ActRunApproved, a.ID, Plain("Run it now")).WithStyle(slack.StylePrimary)
	}
	if a.BrokenGlass {
		t = breakGlassStep(a, step)
	}
	return Reply{
		Text:   Fallback(t),
		Blocks: []slack.Block{Section(t), slack.NewActionBlock("approval_requester", btn)},
	}
}

// ApprovalTargetRefs are an approval's targets for people: the label of
// the Okta user each was resolved to when it was requested, or, for a
// request stored without labels (group targets, or stored before labels
// were kept), each target as typed. Labels are Okta's text, so they are
// shown as code: a name cannot format or mention anything.
func ApprovalTargetRefs(a store.Approval) []string {
	refs := make([]string, len(a.Targets))
	for i, t := range a.Targets {
		if label, ok := targetLabel(a, i); ok {
			refs[i] = Code(label)
		} else {
			refs[i] = TargetRef(t)
		}
	}
	return refs
}

// targetLabel is the label of a's i'th target, resolved when it was
// asked for, if it has one (requests stored before labels have none).
func targetLabel(a store.Approval, i int) (string, bool) {
	if len(a.TargetLabels) != len(a.Targets) || a.TargetLabels[i] == "" {
		return "", false
	}
	return a.TargetLabels[i], true
}

// plainTargets is an approval's targets in one line of plain text (a
// confirmation dialog's, which renders no formatting), the first show of
// them named by their labels.
func plainTargets(a store.Approval, show int) string {
	var names []string
	for i, t := range a.Targets[:min(len(a.Targets), show)] {
		if label, ok := targetLabel(a, i); ok {
			t = label
		}
		names = append(names, t)
	}
	return summarize(names, len(a.Targets))
}

// ApprovalTargets is an approval's targets in one line, the first show of
// them named.
func ApprovalTargets(a store.Approval, show int) string {
	refs := ApprovalTargetRefs(a)
	return summarize(refs[:min(len(refs), show)], len(refs))
}

// RequestLine is one line about what an approval asks for.
func RequestLine(a store.Approval) string {
	return fmt.Sprintf("%s on %s", Code(a.Action), ApprovalTargets(a, 5))
}

// ApprovalResult is an approved request's result as stored and shown in
// the approval channel: one mrkdwn line per target, never a secret (a
// secret is named as sent to the requester). err is the run's failure as
// a whole, if it failed.
func ApprovalResult(res actions.Result, err error) string {
	if err != nil {
		return Problem(err)
	}
	if len(res.Outcomes) == 0 {
		return ":white_check_mark: done"
	}
	lines := make([]string, len(res.Outcomes))
	for i, o := range res.Outcomes {
		secret := !o.Secret.IsZero()
		o.Secret = actions.Secret{}
		lines[i] = outcomeLine(o, false)
		if secret {
			lines[i] += fmt.Sprintf("\n      :key: %s sent to the requester only", Esc(o.SecretLabel))
		}
	}
	return strings.Join(lines, "\n")
}

// ApprovedOutcome is what the requester of an approved request is told:
// the full result, one-time secrets included (only they see it), or why
// it failed. orgURL is as for Result.
func ApprovedOutcome(act *actions.Action, ap store.Approval, res actions.Result, err error, orgURL string) Reply {
	if err != nil {
		r := ProblemReply(err)
		r.Blocks = append([]slack.Block{Section(fmt.Sprintf(":x: Your request %s was %s, but it failed:", RequestLine(ap), DecidedBy(ap)))}, r.Blocks...)
		return r
	}
	head := fmt.Sprintf(":white_check_mark: Your request %s was %s and run:", RequestLine(ap), DecidedBy(ap))
	r, _, _ := Result(act, res, orgURL, true)
	r.Blocks = append([]slack.Block{Section(head)}, r.Blocks...)
	r.Text = Fallback(head)
	return r
}

// LabelOutcomes names each outcome of an approved request by the label
// the approval has for its target rather than by the Okta id it ran on,
// for people; outcomes itself is left as it is (the audit keeps the ids).
// Outcomes that do not match the approval's targets one for one are
// returned as they are.
func LabelOutcomes(ap store.Approval, outcomes []actions.Outcome) []actions.Outcome {
	if len(ap.TargetLabels) != len(ap.Targets) || len(outcomes) != len(ap.Targets) {
		return outcomes
	}
	out := slices.Clone(outcomes)
	for i := range out {
		if ap.TargetLabels[i] != "" {
			out[i].Target = ap.TargetLabels[i]
		}
	}
	return out
}

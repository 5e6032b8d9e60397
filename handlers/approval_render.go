package handlers

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/store"
)

// Action ids of the approval buttons, callback ids of the approval modals
// and their input block ids. A button's value is the approval's opaque id
// and nothing else: everything about the request is read from the store.
const (
	actApprove     = "approval_approve"
	actDeny        = "approval_deny"
	actSetPassword = "approval_set_password"
	actRunApproved = "approval_run"

	cbDeny        = "approval_deny"
	cbSetPassword = "approval_password"

	blockDenyReason = "deny_reason"
	blockDecide     = "approval_decide"
)

// Block budgets of the approval message (Slack allows 50 blocks).
const (
	maxTargetBlocks = 12
	maxResultBlocks = 28
)

// paramsText lists an approval's parameters, one per line.
func paramsText(params map[string]string) string {
	if len(params) == 0 {
		return "–"
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var lines []string
	for _, k := range keys {
		lines = append(lines, fmt.Sprintf("`--%s` %s", esc(k), code(params[k])))
	}
	return strings.Join(lines, "\n")
}

// rolesText names the approver roles.
func rolesText(roles []string) string {
	if len(roles) == 0 {
		return "–"
	}
	var out []string
	for _, r := range roles {
		out = append(out, code(r))
	}
	return strings.Join(out, ", ")
}

// renderApproval is the approval message in the rule's channel, for the
// approval's current state: with Approve and Deny buttons while it is
// pending, then who decided, when and (once run) the result per target.
// step says what the requester does after approval. It never holds a
// secret: the store has none.
func renderApproval(a store.Approval, step requesterStep) reply {
	var head, text string
	switch a.Status {
	case store.StatusPending, "":
		head = fmt.Sprintf(":lock: *Approval needed:* %s asks to run %s. A member of %s must approve it before anything is changed in Okta; the requester cannot approve their own request.",
			mention(a.RequesterID), requestLine(a), rolesText(a.ApproverRoles))
		text = fmt.Sprintf("Approval needed: %s asks to run %s", a.RequesterID, a.Action)
	case store.StatusApproved:
		switch step {
		case passwordStep:
			head = fmt.Sprintf(":white_check_mark: *Approved* by %s on %s. Waiting for %s to type the new password (it is never stored); nothing has been changed in Okta yet.",
				mention(a.DecidedBy), slackDate(a.DecidedAt), mention(a.RequesterID))
		case collectStep:
			head = fmt.Sprintf(":white_check_mark: *Approved* by %s on %s. Waiting for %s to run it, so that its one-time links reach them while they are there; nothing has been changed in Okta yet.",
				mention(a.DecidedBy), slackDate(a.DecidedAt), mention(a.RequesterID))
		default:
			head = fmt.Sprintf(":white_check_mark: *Approved* by %s on %s. Running…", mention(a.DecidedBy), slackDate(a.DecidedAt))
		}
		text = "Approved by " + a.DecidedBy
	case store.StatusRunning:
		head = fmt.Sprintf(":gear: *Approved* by %s on %s. Running…", mention(a.DecidedBy), slackDate(a.DecidedAt))
		text = "Approved by " + a.DecidedBy + "; running"
	case store.StatusDone:
		head = fmt.Sprintf(":white_check_mark: *Approved* by %s on %s, and run. Result below.", mention(a.DecidedBy), slackDate(a.DecidedAt))
		text = "Approved by " + a.DecidedBy + " and run"
	case store.StatusFailed:
		head = fmt.Sprintf(":x: *Approved* by %s on %s, but it did not complete. See below.", mention(a.DecidedBy), slackDate(a.DecidedAt))
		text = "Approved by " + a.DecidedBy + "; failed"
	case store.StatusDenied:
		verb := "Denied"
		if a.DecidedBy == a.RequesterID {
			verb = "Withdrawn"
		}
		head = fmt.Sprintf(":no_entry_sign: *%s* by %s on %s: %s\nNothing was changed in Okta.", verb, mention(a.DecidedBy), slackDate(a.DecidedAt), esc(orDash(a.DenyReason)))
		text = verb + " by " + a.DecidedBy
	case store.StatusExpired:
		head = fmt.Sprintf(":hourglass: *Expired* on %s without a decision. Nothing was changed in Okta; ask again if it is still needed.", slackDate(a.ExpiresAt))
		text = "Expired without a decision"
	}
	blocks := []slack.Block{section(head)}
	pairs := []string{
		"Requested by", mention(a.RequesterID),
		"Where", channelRef(a.RequesterChannel),
		"Action", code(a.Action),
		"Reason", esc(orDash(a.Reason)),
		"Parameters", paramsText(a.Params),
		"Approvers", "members of " + rolesText(a.ApproverRoles),
		"Requested", slackDate(a.CreatedAt),
		"Expires", slackDate(a.ExpiresAt),
	}
	refs := approvalTargetRefs(a)
	all := strings.Join(refs, ", ")
	label := fmt.Sprintf("Targets (%d)", len(a.Targets))
	if len([]rune(all)) <= maxFieldText-len(label)-8 {
		pairs = append(pairs, label, orDash(all))
		blocks = append(blocks, slack.NewSectionBlock(nil, fields(pairs...), nil))
	} else {
		// Too many to list in a field: they are shown in sections of their
		// own, as many as fit; when not all fit, every one is listed in the
		// message's thread before anyone may decide (requestApproval).
		blocks = append(blocks, slack.NewSectionBlock(nil, fields(pairs...), nil))
		body, shown := packLines(refs, maxTargetBlocks)
		blocks = append(blocks, section("*"+label+"*"))
		blocks = append(blocks, body...)
		if shown < len(refs) {
			blocks = append(blocks, contextBlock(fmt.Sprintf(":thread: Showing %d of %d targets here; *every target is listed in this message's thread*, and `/okta audit --request %s` lists them too.", shown, len(refs), a.ID)))
		}
	}
	if a.Result != "" && (a.Status == store.StatusDone || a.Status == store.StatusFailed) {
		lines := strings.Split(a.Result, "\n")
		body, shown := packLines(lines, maxResultBlocks)
		blocks = append(blocks, slack.NewDividerBlock())
		blocks = append(blocks, body...)
		if shown < len(lines) {
			blocks = append(blocks, contextBlock(fmt.Sprintf("Showing %d of %d result lines; the requester has them all.", shown, len(lines))))
		}
	}
	blocks = append(blocks, contextBlock("Request "+code(a.ID)))
	if a.Status == store.StatusPending || a.Status == "" {
		confirm := slack.NewConfirmationBlockObject(
			plain("Approve this request?"),
			plain(clip(fmt.Sprintf("%s on %d target(s), asked for by %s, runs against Okta as soon as you approve.", a.Action, len(a.Targets), a.RequesterID), 300)),
			plain("Approve"), plain("Cancel"))
		approve := slack.NewButtonBlockElement(actApprove, a.ID, plain("Approve")).WithStyle(slack.StylePrimary).WithConfirm(confirm)
		deny := slack.NewButtonBlockElement(actDeny, a.ID, plain("Deny")).WithStyle(slack.StyleDanger)
		blocks = append(blocks, slack.NewActionBlock(blockDecide, approve, deny))
	}
	return reply{Text: clip(text, 300), Blocks: blocks}
}

// allTargetsShown reports whether the approval message itself names every
// target of a; when not, they are listed in its thread (targetListPages).
func allTargetsShown(a store.Approval) bool {
	refs := approvalTargetRefs(a)
	if len([]rune(strings.Join(refs, ", "))) <= maxFieldText-len(fmt.Sprintf("Targets (%d)", len(refs)))-8 {
		return true
	}
	_, shown := packLines(refs, maxTargetBlocks)
	return shown == len(refs)
}

// targetListPages list every target of a request, numbered, as approvers
// are shown them, in as many messages as it takes: posted in the approval
// message's thread when the message cannot name them all.
func targetListPages(a store.Approval) reply {
	refs := approvalTargetRefs(a)
	lines := make([]string, len(refs))
	for i, r := range refs {
		lines[i] = fmt.Sprintf("%d. %s", i+1, r)
	}
	return pagedReply(fmt.Sprintf("*Every target of request %s* (%s %s, %d in all):", code(a.ID), code(a.Action), "by "+mention(a.RequesterID), len(refs)), lines)
}

// withoutDecision is an approval message without its Approve and Deny
// buttons, saying why: posted first when its targets are listed in its
// thread, so that nobody decides before they can see them all.
func withoutDecision(r reply) reply {
	blocks := slices.DeleteFunc(slices.Clone(r.Blocks), func(b slack.Block) bool {
		ab, ok := b.(*slack.ActionBlock)
		return ok && ab.BlockID == blockDecide
	})
	r.Blocks = append(blocks, contextBlock(":hourglass_flowing_sand: Listing every target in this message's thread; *Approve* and *Deny* appear here once they are all there."))
	return r
}

// labelled is an approved request's result for people: each target's
// outcome named by the approval's label for it rather than by the Okta id
// it ran on. The audit keeps the ids (p itself).
func labelled(ap store.Approval, p performed) performed {
	if p.err != nil || len(ap.TargetLabels) != len(ap.Targets) || len(p.res.Outcomes) != len(ap.Targets) {
		return p
	}
	out := slices.Clone(p.res.Outcomes)
	for i := range out {
		if ap.TargetLabels[i] != "" {
			out[i].Target = ap.TargetLabels[i]
		}
	}
	p.res.Outcomes = out
	return p
}

// approvalResultText is an approved request's result as stored and shown
// in the approval channel: one mrkdwn line per target, never a secret (a
// secret is named as sent to the requester).
func approvalResultText(a *actions.Action, p performed) string {
	if p.err != nil {
		return problemText(p.err)
	}
	if len(p.res.Outcomes) == 0 {
		return ":white_check_mark: done"
	}
	lines := make([]string, len(p.res.Outcomes))
	for i, o := range p.res.Outcomes {
		secret := !o.Secret.IsZero()
		o.Secret = actions.Secret{}
		lines[i] = outcomeLine(o, false)
		if secret {
			lines[i] += fmt.Sprintf("\n      :key: %s sent to the requester only", esc(o.SecretLabel))
		}
	}
	return strings.Join(lines, "\n")
}

// denyModal asks the approver why they deny a request.
func denyModal(a store.Approval) slack.ModalViewRequest {
	in := slack.NewPlainTextInputBlockElement(plain("e.g. not during the change freeze; talk to #security"), blockDenyReason)
	in.Multiline = true
	in.MaxLength = 500
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      cbDeny,
		Title:           plain("Deny request"),
		Submit:          plain("Deny"),
		Close:           plain("Cancel"),
		PrivateMetadata: a.ID,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			section(fmt.Sprintf("%s asks to run %s.", mention(a.RequesterID), requestLine(a))),
			slack.NewInputBlock(blockDenyReason, plain("Why deny it?"), plain("The requester and the approval channel see this, and it is kept in the audit trail."), in),
		}},
	}
}

// passwordModal asks the requester of an approved set-password for the
// new password. It is sent to Okta and nowhere else. channel is where they
// opened it from: the result is shown to them there.
func passwordModal(a store.Approval, act *actions.Action, channel string) slack.ModalViewRequest {
	blocks := []slack.Block{
		section(fmt.Sprintf("%s approved your %s. Type the new password: it goes to Okta once and is never stored, logged or shown.", mention(a.DecidedBy), requestLine(a))),
	}
	if p := passwordParam(act); p != nil {
		blocks = append(blocks, paramInput(*p, ""))
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      cbSetPassword,
		Title:           plain("Set the password"),
		Submit:          plain("Set password"),
		Close:           plain("Cancel"),
		PrivateMetadata: a.ID + " " + channel,
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// requesterStep is what the requester of an approved request does before
// it runs, if anything.
type requesterStep int

const (
	// noStep: the request runs as soon as it is approved.
	noStep requesterStep = iota
	// passwordStep: the requester types the password (never stored).
	passwordStep
	// collectStep: the run returns one-time secrets for the requester,
	// which Slack can show only to someone present (an ephemeral message
	// to an absent user is lost): the requester runs it with a click and
	// gets them in the answer to that click.
	collectStep
)

// requesterStepOf says what the requester of an approved request of act
// with params does before it runs.
func requesterStepOf(act *actions.Action, params map[string]string) requesterStep {
	switch {
	case passwordParam(act) != nil:
		return passwordStep
	case act != nil && act.ReturnsSecrets(params):
		return collectStep
	}
	return noStep
}

// requesterPrompt is the direct message that lets the requester of an
// approved request take their step: open the password form, or run it.
func requesterPrompt(a store.Approval, step requesterStep) reply {
	t := fmt.Sprintf(":white_check_mark: %s approved your %s. Nothing has been changed in Okta yet: set the password in the form (only you can open it; it is never stored).",
		mention(a.DecidedBy), requestLine(a))
	btn := slack.NewButtonBlockElement(actSetPassword, a.ID, plain("Set the password")).WithStyle(slack.StylePrimary)
	if step == collectStep {
		t = fmt.Sprintf(":white_check_mark: %s approved your %s. Nothing has been changed in Okta yet: run it when you are ready to receive its one-time links (only you can; they are shown to you once, here, and never stored).",
			mention(a.DecidedBy), requestLine(a))
		btn = slack.NewButtonBlockElement(actRunApproved, a.ID, plain("Run it now")).WithStyle(slack.StylePrimary)
	}
	return reply{
		Text:   plainFallback(t),
		Blocks: []slack.Block{section(t), slack.NewActionBlock("approval_requester", btn)},
	}
}

// passwordParam is the action's Password parameter, or nil.
func passwordParam(a *actions.Action) *actions.Param {
	if a == nil {
		return nil
	}
	for i := range a.Params {
		if a.Params[i].Type == actions.Password {
			return &a.Params[i]
		}
	}
	return nil
}

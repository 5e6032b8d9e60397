package blocks

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"oktabot/requests"
	"oktabot/store"
)

// Action ids, callback id and input block of break-glass and its review.
// A button's value is the approval's opaque id and nothing else.
const (
	ActBreakGlass = "approval_break_glass"
	ActReviewed   = "approval_reviewed"

	CallbackBreakGlass   = "approval_break_glass"
	BlockBreakGlassWhy   = "break_glass_reason"
	blockBreakGlassOffer = "approval_break_glass"
	blockReview          = "approval_review"
)

// Mentions are Slack mentions of people and user groups, for a message
// that must reach them: "<!subteam^S…> <@U…>".
func Mentions(users, groups []string) string {
	var out []string
	for _, g := range groups {
		if IsSlackID(g, "S") {
			out = append(out, "<!subteam^"+g+">")
		}
	}
	for _, u := range users {
		out = append(out, Mention(u))
	}
	return strings.Join(out, " ")
}

// DecidedBy says who let a decided request run: "approved by @sam", or,
// when its requester broke glass, "run by @alice with break glass, without
// approval".
func DecidedBy(a store.Approval) string {
	mfa := ""
	if requests.SteppedUp(a) {
		mfa = " with Okta Verify"
	}
	if a.BrokenGlass {
		return fmt.Sprintf("run by %s with break glass%s, without approval", Mention(a.DecidedBy), mfa)
	}
	return "approved by " + Mention(a.DecidedBy) + mfa
}

// brokenGlassHead is the approval message's first line once its requester
// broke glass, for its status.
func brokenGlassHead(a store.Approval) (head, text string) {
	by := fmt.Sprintf(":rotating_light: *Break glass* by %s on %s, without approval, after nobody decided: %s\n", Mention(a.DecidedBy), Date(a.DecidedAt), Esc(OrDash(a.BreakGlassReason)))
	text = "Break glass by " + a.DecidedBy
	switch a.Status {
	case store.StatusDone:
		return by + "It ran; result below.", text + "; run"
	case store.StatusFailed:
		return by + "It did not complete; see below.", text + "; failed"
	case store.StatusApproved:
		return by + "Waiting for them to take their step; nothing has been changed in Okta yet.", text
	}
	return by + "Running…", text + "; running"
}

// waitsBlocks say what became of a request while it waited, and, once it
// broke glass, whether it was reviewed.
func waitsBlocks(a store.Approval) []slack.Block {
	var notes []string
	if !a.RemindedAt.IsZero() {
		notes = append(notes, ":bell: Approvers reminded on "+Date(a.RemindedAt))
	}
	if !a.BreakGlassAt.IsZero() && a.BreakGlassOfferedAt.IsZero() && (a.Status == store.StatusPending || a.Status == "") {
		notes = append(notes, fmt.Sprintf(":rotating_light: If nobody decides by %s, %s may break glass (when the policy's break_glass lets them)", Date(a.BreakGlassAt), Mention(a.RequesterID)))
	}
	if !a.BreakGlassOfferedAt.IsZero() && !a.BrokenGlass {
		notes = append(notes, fmt.Sprintf(":rotating_light: %s was offered to break glass on %s", Mention(a.RequesterID), Date(a.BreakGlassOfferedAt)))
	}
	var out []slack.Block
	if len(notes) > 0 {
		out = append(out, Context(strings.Join(notes, " · ")))
	}
	if a.BrokenGlass {
		if a.ReviewedBy != "" {
			out = append(out, Section(fmt.Sprintf(":white_check_mark: *Reviewed* by %s on %s.", Mention(a.ReviewedBy), Date(a.ReviewedAt))))
		} else {
			out = append(out, Section(fmt.Sprintf(":eyes: *Not reviewed yet.* A member of %s reviews this break-glass run (never %s); until then it is reminded daily here.", RolesText(a.ApproverRoles), Mention(a.RequesterID))))
		}
	}
	return out
}

// reviewButton is the Reviewed button of a broken-glass request nobody
// reviewed yet, or nil.
func reviewButton(a store.Approval) slack.Block {
	if !a.BrokenGlass || a.ReviewedBy != "" {
		return nil
	}
	confirm := slack.NewConfirmationBlockObject(Plain("Mark it reviewed?"),
		Plain(Clip(fmt.Sprintf("You looked at what %s ran with break glass, on %s, and why. The audit keeps who reviewed it.", a.Action, plainTargets(a, 3)), 300)),
		Plain("Reviewed"), Plain("Cancel"))
	return slack.NewActionBlock(blockReview, slack.NewButtonBlockElement(ActReviewed, a.ID, Plain("Reviewed")).WithStyle(slack.StylePrimary).WithConfirm(confirm))
}

// BreakGlassOffer is the direct message that offers the requester of a
// request nobody decided to break glass on it.
func BreakGlassOffer(a store.Approval) Reply {
	t := fmt.Sprintf(":rotating_light: Nobody has decided on your request %s since %s. You may *break glass*: run it now, without approval, saying why. Members of %s are told at once and review it afterwards, and the audit keeps it. It never applies to Okta admins. Otherwise it waits for an approver until %s.",
		RequestLine(a), Date(a.CreatedAt), RolesText(a.ApproverRoles), Date(a.ExpiresAt))
	btn := slack.NewButtonBlockElement(ActBreakGlass, a.ID, Plain("Break glass")).WithStyle(slack.StyleDanger)
	return Reply{Text: Fallback(t), Blocks: []slack.Block{Section(t), slack.NewActionBlock(blockBreakGlassOffer, btn), Context("Request " + Code(a.ID))}}
}

// BreakGlassForm asks the requester why they break glass.
func BreakGlassForm(a store.Approval) slack.ModalViewRequest {
	in := slack.NewPlainTextInputBlockElement(Plain("e.g. INC-1234: account takeover in progress; security paged twice"), BlockBreakGlassWhy)
	in.Multiline = true
	in.MaxLength = 500
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CallbackBreakGlass,
		Title:           Plain("Break glass"),
		Submit:          Plain("Run it now"),
		Close:           Plain("Cancel"),
		PrivateMetadata: a.ID,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			Section(fmt.Sprintf(":rotating_light: Run %s now, without approval. Members of %s are told at once and review it afterwards.", RequestLine(a), RolesText(a.ApproverRoles))),
			slack.NewInputBlock(BlockBreakGlassWhy, Plain("Why can it not wait?"), Plain("The approvers see this, and it is kept in the audit trail."), in),
		}},
	}
}

// BreakGlassAlert is the loud message in the approval channel when a
// requester broke glass: it mentions the approvers.
func BreakGlassAlert(a store.Approval, mentions string) Reply {
	t := fmt.Sprintf(":rotating_light: *Break glass* %s\n%s ran %s *without approval*, after nobody decided since %s: %s\nReview it with *Reviewed* on request %s's message here; `/okta audit --request %s` shows its records.",
		mentions, Mention(a.RequesterID), RequestLine(a), Date(a.CreatedAt), Esc(OrDash(a.BreakGlassReason)), Code(a.ID), a.ID)
	return Reply{Text: Fallback(t), Blocks: []slack.Block{Section(t)}}
}

// ApprovalReminder reminds the approvers, once, of a request that still
// waits (remind_after): posted in the thread of its approval message.
func ApprovalReminder(a store.Approval, mentions string) Reply {
	t := fmt.Sprintf(":bell: %s %s's request %s has waited since %s for a member of %s to decide; it expires %s.",
		mentions, Mention(a.RequesterID), RequestLine(a), Date(a.CreatedAt), RolesText(a.ApproverRoles), Date(a.ExpiresAt))
	return Reply{Text: Fallback(t), Blocks: []slack.Block{Section(t)}}
}

// breakGlassLine is one break-glass run in a list.
func breakGlassLine(a store.Approval) string {
	return fmt.Sprintf("%s %s by %s on %s (request %s, %s): %s", statusMark(a), RequestLine(a), Mention(a.RequesterID), Date(a.DecidedAt), Code(a.ID), a.Status, Esc(Clip(OrDash(a.BreakGlassReason), 200)))
}

func statusMark(a store.Approval) string {
	switch a.Status {
	case store.StatusDone:
		return ":white_check_mark:"
	case store.StatusFailed:
		return ":x:"
	}
	return ":gear:"
}

// UnreviewedReminder is the daily reminder, in an approval channel, of the
// break-glass runs nobody reviewed yet.
func UnreviewedReminder(aps []store.Approval, mentions string) Reply {
	lines := make([]string, len(aps))
	for i, a := range aps {
		lines[i] = "• " + breakGlassLine(a)
	}
	head := fmt.Sprintf(":rotating_light: %s %s not reviewed yet. Review each with *Reviewed* on its message here; `/okta audit --break-glass` lists them.",
		mentions, Plural(len(aps), "break-glass run is", "break-glass runs are"))
	return Paged(head, lines)
}

// BreakGlassList answers /okta audit --break-glass: the break-glass runs
// nobody reviewed yet, newest first.
func BreakGlassList(aps []store.Approval) Reply {
	lines := make([]string, len(aps))
	for i, a := range aps {
		lines[i] = breakGlassLine(a)
	}
	r, _, _ := List(fmt.Sprintf(":rotating_light: *Break-glass runs not reviewed yet* (%d), newest first:", len(aps)), lines, ":white_check_mark: No break-glass run is waiting for review.")
	return r
}

// breakGlassStep is the requester's prompt after they broke glass on a
// request that needs their step (RequesterPrompt's words for it).
func breakGlassStep(a store.Approval, step requests.Step) string {
	if step == requests.CollectStep {
		return fmt.Sprintf(":rotating_light: You broke glass on your %s. Nothing has been changed in Okta yet: run it when you are ready to receive its one-time links (only you can; they are shown to you once, here, and never stored).", RequestLine(a))
	}
	return fmt.Sprintf(":rotating_light: You broke glass on your %s. Nothing has been changed in Okta yet: set the password in the form (only you can open it; it is never stored).", RequestLine(a))
}

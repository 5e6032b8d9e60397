package blocks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/requests"
	"oktabot/store"
)

// Verification is a target's proof of ownership as its caller sees it:
// first the number to read out to the person ("ask them to tap 42"),
// then the answer. It is for the caller alone: only the first holds the
// number.
func Verification(v requests.Verification) Reply {
	if v.StepUp != "" {
		return stepUp(v)
	}
	who := Esc(v.Label)
	if v.Device != "" {
		who += " on " + Esc(v.Device)
	}
	var head, more string
	switch v.Outcome {
	case requests.VerifySent:
		num := v.Number.Reveal()
		if num == "" {
			head = fmt.Sprintf(":iphone: I sent an Okta Verify push to %s. Ask them to approve it on their own device.", who)
		} else {
			head = fmt.Sprintf(":iphone: I sent an Okta Verify push to %s. *Ask them to tap %s* on their own device.", who, num)
		}
		more = fmt.Sprintf("Waiting up to %s for their answer before %s runs on them. Do not tell anyone else the number.", actions.Took(v.Timeout), Code(v.Action))
	case requests.VerifyApproved:
		head = fmt.Sprintf(":white_check_mark: %s approved the Okta Verify push in %s.", Esc(v.Label), actions.Took(v.Took))
		if v.Action != requests.VerifyUser {
			more = fmt.Sprintf("%s now runs on them.", Code(v.Action))
		}
	case requests.VerifyRejected:
		head = fmt.Sprintf(":rotating_light: %s *rejected* the Okta Verify push after %s (a wrong number, or a tap on No).", Esc(v.Label), actions.Took(v.Took))
		more = "If the person on the line says it was them, they may have picked the wrong number; if not, someone may be impersonating them."
		if v.Alerted {
			more += " The security team was told."
		}
	case requests.VerifyTimedOut:
		head = fmt.Sprintf(":hourglass: %s did not answer the Okta Verify push within %s.", Esc(v.Label), actions.Took(v.Timeout))
	case requests.VerifyNoFactor:
		head = fmt.Sprintf(":no_entry: %s has no active Okta Verify push factor, so they cannot prove that the account is theirs.", Esc(v.Label))
	case requests.VerifyByApproval:
		why := "has no active Okta Verify push factor"
		if v.DeviceLost {
			why = "lost their device, the request says"
		}
		head = fmt.Sprintf(":ballot_box_with_check: No push for %s, who %s: %s's approval stands in for it (the policy's fallback).", Esc(v.Label), why, Mention(v.Caller.Approval.DecidedBy))
		more = fmt.Sprintf("%s now runs on them.", Code(v.Action))
	default:
		_, _, why := requests.ErrorFacts(v.Err)
		head = fmt.Sprintf(":warning: I could not verify %s: %s", Esc(v.Label), Esc(why))
	}
	if v.Outcome != requests.VerifySent && v.Outcome != requests.VerifyApproved && v.Outcome != requests.VerifyByApproval && v.Action != requests.VerifyUser {
		more = fmt.Sprintf("%s was not run on them. %s", Code(v.Action), more)
	}
	r := Reply{Text: Fallback(head), Blocks: []slack.Block{Section(head)}}
	if more != "" {
		r.Text += " " + Fallback(more)
		r.Blocks = append(r.Blocks, Context(more))
	}
	return r
}

// VerificationAudit is the audit channel's line about a target that did
// not prove ownership ("" for one that did, or a push just sent): who
// asked, for what, on whom, and what happened. Never the number.
func VerificationAudit(v requests.Verification) string {
	if v.StepUp != "" {
		return stepUpAudit(v)
	}
	what := fmt.Sprintf("%s asked %s for %s", Mention(v.Caller.ID), Code(v.Action), Esc(v.Label))
	if v.Caller.Approval != nil && v.Caller.Approval.ID != "" {
		what += " (request " + Code(v.Caller.Approval.ID) + ")"
	}
	notRun := ", so it was not run"
	if v.Action == requests.VerifyUser {
		notRun = ""
	}
	switch v.Outcome {
	case requests.VerifyRejected:
		return fmt.Sprintf(":rotating_light: *Okta Verify push rejected*: %s; the push to them was rejected after %s%s. If they did not ask for this, someone may be impersonating them.", what, actions.Took(v.Took), notRun)
	case requests.VerifyTimedOut:
		return fmt.Sprintf(":hourglass: %s; they did not answer the Okta Verify push within %s%s.", what, actions.Took(v.Timeout), notRun)
	case requests.VerifyNoFactor:
		return fmt.Sprintf(":no_entry: %s; they have no active Okta Verify push factor%s.", what, notRun)
	case requests.VerifyFailed:
		_, _, why := requests.ErrorFacts(v.Err)
		return fmt.Sprintf(":warning: %s; they could not be verified (%s)%s.", what, Esc(why), notRun)
	}
	return ""
}

// WithVerifyNote adds to a pending or approved request's message that each
// target proves who they are before it runs on them, and, when the verify
// rule falls back to approval (fallback), on whom the approval stands in
// for the push: every target when the requester says the device is lost,
// else those without a push factor (FallbackParam, when it was asked).
func WithVerifyNote(r Reply, a store.Approval, fallback bool) Reply {
	switch a.Status {
	case store.StatusPending, "", store.StatusApproved, store.StatusRunning:
	default:
		return r
	}
	text := ":iphone: Before it runs on each target, that person must approve an Okta Verify push (number matching) on their own device; it does not run on anyone who does not."
	switch {
	case fallback && a.Params[requests.DeviceLostParam] == "true":
		text = ":iphone: *No Okta Verify push is sent:* the requester says the targets' device is lost. Approving resets their factors on your approval alone (the policy's fallback): make sure it is really them."
	case fallback:
		text = ":iphone: Before it runs on each target, that person must approve an Okta Verify push (number matching) on their own device; it does not run on anyone who rejects it or does not answer."
		text += " A target without an active Okta Verify push factor is reset on your approval alone (the policy's fallback)"
		if ids := a.Params[requests.FallbackParam]; ids != "" {
			text += ": when asked, " + noPushLabels(a, strings.Split(ids, ","))
		}
		text += "."
	}
	note := Context(text)
	out := r
	out.Blocks = make([]slack.Block, 0, len(r.Blocks)+1)
	// Before the buttons, when there are any.
	placed := false
	for _, bl := range r.Blocks {
		if _, ok := bl.(*slack.ActionBlock); ok && !placed {
			out.Blocks = append(out.Blocks, note)
			placed = true
		}
		out.Blocks = append(out.Blocks, bl)
	}
	if !placed {
		out.Blocks = append(out.Blocks, note)
	}
	return out
}

// noPushLabels names the targets ids of an approval, as its approvers see
// them, at most five.
func noPushLabels(a store.Approval, ids []string) string {
	refs := ApprovalTargetRefs(a)
	var named []string
	for _, id := range ids {
		for i, t := range a.Targets {
			if t == id {
				named = append(named, refs[i])
				break
			}
		}
	}
	return summarize(named[:min(len(named), 5)], len(named))
}

// stepUp is a clicker's own push (requests.Engine.StepUp) as they see it:
// the number to pick on their device, then whether their click counts.
func stepUp(v requests.Verification) Reply {
	ap := v.Caller.Approval
	noun := v.StepUp.Noun()
	what := fmt.Sprintf("Your %s of %s (request %s)", noun, RequestLine(*ap), Code(ap.ID))
	switch v.StepUp {
	case requests.ClickRun:
		what = fmt.Sprintf("Running your approved %s (request %s)", RequestLine(*ap), Code(ap.ID))
	case requests.ClickBreakGlass:
		what = fmt.Sprintf("Breaking glass on your %s (request %s)", RequestLine(*ap), Code(ap.ID))
	}
	var head, more string
	switch v.Outcome {
	case requests.VerifySent:
		device := ""
		if v.Device != "" {
			device = " on " + Esc(v.Device)
		}
		tap := "*Approve it* on your own device."
		if n := v.Number.Reveal(); n != "" {
			tap = "*Tap " + n + "* on your own device."
		}
		head = fmt.Sprintf(":closed_lock_with_key: %s needs Okta Verify: I sent a push to your Okta account %s%s. %s", what, Code(v.Label), device, tap)
		more = fmt.Sprintf("Waiting up to %s; it counts only once you approve the push. If you did not click, reject it: someone else may be using your Slack.", actions.Took(v.Timeout))
	case requests.VerifyApproved:
		head = fmt.Sprintf(":white_check_mark: You approved the Okta Verify push in %s: your %s counts.", actions.Took(v.Took), noun)
		more = what + "."
	case requests.VerifyRejected:
		head = fmt.Sprintf(":rotating_light: You *rejected* the Okta Verify push (a wrong number, or a tap on No): your %s did not count, and nothing was changed.", noun)
		more = what + ". If you did not click, someone else may be using your Slack session."
		if v.Alerted {
			more += " The security team was told."
		}
	case requests.VerifyTimedOut:
		head = fmt.Sprintf(":hourglass: No answer to the Okta Verify push within %s: your %s did not count, and nothing was changed. Click again to retry.", actions.Took(v.Timeout), noun)
		more = what + "."
	case requests.VerifyNoFactor:
		head = fmt.Sprintf(":no_entry: Your Okta account %s has no active Okta Verify push factor, so your %s cannot be proven and did not count.", Code(v.Label), noun)
		more = what + " needs Okta Verify. Enroll Okta Verify, or ask someone else."
	default:
		_, _, why := requests.ErrorFacts(v.Err)
		head = fmt.Sprintf(":warning: I could not check your %s with Okta Verify (%s): it did not count, and nothing was changed. Click again to retry.", noun, Esc(why))
		more = what + "."
	}
	return Reply{Text: Fallback(head), Blocks: []slack.Block{Section(head), Context(more)}}
}

// stepUpAudit is the audit channel's line about a click that did not count
// because its clicker's push was not approved ("" for one that counts).
func stepUpAudit(v requests.Verification) string {
	ap := v.Caller.Approval
	what := fmt.Sprintf("%s's %s of %s (request %s) did not count", Mention(v.Caller.ID), v.StepUp.Noun(), RequestLine(*ap), Code(ap.ID))
	switch v.Outcome {
	case requests.VerifyRejected:
		return fmt.Sprintf(":rotating_light: *Okta Verify step-up rejected*: %s: the push to %s was rejected after %s. If they did not click, someone may be using their Slack session.", what, Code(v.Label), actions.Took(v.Took))
	case requests.VerifyTimedOut:
		return fmt.Sprintf(":hourglass: %s: no answer to the Okta Verify push to %s within %s.", what, Code(v.Label), actions.Took(v.Timeout))
	case requests.VerifyNoFactor:
		return fmt.Sprintf(":no_entry: %s: their Okta account %s has no active Okta Verify push factor.", what, Code(v.Label))
	case requests.VerifyFailed:
		_, _, why := requests.ErrorFacts(v.Err)
		return fmt.Sprintf(":warning: %s: it could not be checked with Okta Verify (%s).", what, Esc(why))
	}
	return ""
}

// WithStepUpNote adds to a request's message that its rule needs MFA
// (needed: its decisions count only with the clicker's Okta Verify push)
// while it is pending, and, once decided, that its decider proved it
// (requests.SteppedUp: it was asked under step_up, so every decision on it
// was proven).
func WithStepUpNote(r Reply, a store.Approval, needed bool) Reply {
	var text string
	switch a.Status {
	case store.StatusPending, "":
		if !needed {
			return r
		}
		text = ":closed_lock_with_key: *This rule needs MFA:* an Approve or Deny counts only once its clicker approves an Okta Verify push (number matching) on their own device."
	case store.StatusApproved, store.StatusRunning, store.StatusDone, store.StatusFailed:
		if !requests.SteppedUp(a) {
			return r
		}
		verb := "Approved"
		if a.BrokenGlass {
			verb = "Break glass"
		}
		text = fmt.Sprintf(":closed_lock_with_key: %s by %s with Okta Verify.", verb, Mention(a.DecidedBy))
	case store.StatusDenied:
		if !requests.SteppedUp(a) {
			return r
		}
		verb := "Denied"
		if a.DecidedBy == a.RequesterID {
			verb = "Withdrawn"
		}
		text = fmt.Sprintf(":closed_lock_with_key: %s by %s with Okta Verify.", verb, Mention(a.DecidedBy))
	default:
		return r
	}
	// Right under the message's first line.
	out := r
	out.Blocks = append(append(slices.Clone(r.Blocks[:1]), Context(text)), r.Blocks[1:]...)
	return out
}

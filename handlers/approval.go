package handlers

// Two-person approvals. A request whose action an approval rule covers is
// stored (store.Approval, never with a secret) and posted to the rule's
// channel with Approve and Deny buttons whose value is the approval's
// opaque id and nothing else. Its user targets are resolved to Okta users
// first: it stores their ids (what runs) and a label each (what people
// see), so that exactly the users approved are acted on. A click is
// checked against the policy as it is at that moment
// (Authorizer.CanApprove: a member of an approver role, never the
// requester) and decided in the store by compare-and-set, so of
// any number of clicks, redeliveries and replicas exactly one decision
// wins. The winner claims the execution with a lease (extended while it
// runs), runs the request against Okta once, records the result, updates
// the approval message in place and tells the requester. Should it lose the
// lease, it stops before its next Okta write. Approved work a dead replica
// left behind is claimed at start and periodically, once checked as a fresh
// approval is (requests.CheckApproval) and only within its rule's expire_after of its
// approval.
//
// set-password: its password is never stored. The request is stored
// without it; once approved, the requester gets a "Set the password"
// button (only they may use it) that opens a form bound to the approval;
// submitting it runs the approved request with that password, once, if
// the policy still allows the requester set-password then (otherwise the
// request is closed, unrun).

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/blocks"
	"oktabot/requests"
	"oktabot/store"
)

// requestApproval stores a request that needs a second person's approval,
// posts it to the rule's channel with Approve and Deny buttons, and tells
// the requester it waits. Okta is only read, to resolve user targets to the
// Okta users the approvers are shown and the request will act on; a target
// that is not exactly one user stops it before anything is stored or
// posted. Nothing is changed in Okta.
func (b *Bot) requestApproval(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request, decision auth.Decision, env actions.Env) {
	a, rule, st := req.Action, decision.Rule, b.cfg.Store
	if st == nil || rule == nil {
		log.Info().Str("event", "request.refused").Str("reason", "approval unsupported").Msg("action needs approval, but no store is configured")
		b.auditRefused(ctx, log, inv, req, "needs approval, but approvals are not configured")
		b.respond(ctx, log, inv, blocks.Notice(fmt.Sprintf(":lock: `%s` needs a second person's approval under the policy, and this installation of oktabot cannot ask for one. Nothing was run.", a.Name)))
		return
	}
	if requests.ReasonMissing(rule, req.Reason) {
		log.Info().Str("event", "request.incomplete").Msg("approval rule requires a reason")
		b.respond(ctx, log, inv, blocks.Notice(fmt.Sprintf(":memo: The policy asks for a reason for `%s`. Nothing was run; ask again with `--reason \"…\"` (a ticket number, say).", a.Name)))
		return
	}
	// Users are resolved now, before anyone is asked: approvers see whom it
	// touches, and exactly those Okta users are acted on once approved.
	targets, labels := req.Targets, []string(nil)
	if a.Targets == actions.UserTargets {
		var failed []actions.Outcome
		targets, labels, failed = b.eng.ResolveUsers(ctx, env, a, req.Targets)
		if len(failed) > 0 {
			b.refuseUnresolved(ctx, log, inv, req, failed)
			return
		}
		log = log.With().Strs("okta_user_ids", targets).Logger()
		// Nobody is asked to approve a grant that would be refused.
		if held := b.eng.GrantRefusals(ctx, req, targets, labels); len(held) > 0 {
			b.refuseHeld(ctx, log, inv, req, held)
			return
		}
	}
	publicNote := ""
	if req.Public && !b.canPostLater(ctx, log, inv) {
		req.Public = false
		publicNote = " You asked for `--public`, but oktabot is not part of this direct message and cannot post in it once the request has run, so the result will come to you alone."
	}
	// With the verify rule's fallback, approvers see on whom their
	// approval stands in for the push.
	noPush := b.eng.NoPushTargets(ctx, a.Name, req.Values, targets)
	asked, ap, err := b.eng.Request(ctx, requests.Pending{Requester: inv.caller, Channel: inv.channel, Request: req, Targets: targets, Labels: labels, Rule: rule, Public: req.Public, NoPush: noPush})
	var ns *requests.NotShown
	switch {
	case asked == requests.AskedRedelivered:
		return
	case asked == requests.AskedNotStored:
		b.respond(ctx, log, inv, blocks.Notice(":warning: I could not record your request for approval (the bot's database did not answer). Nothing was run; please try again."))
		return
	case errors.As(err, &ns) && !ns.Posted:
		b.respond(ctx, log, inv, blocks.Notice(fmt.Sprintf(":warning: I could not post your request to %s for approval (is oktabot a member of that channel?). Nothing was run; tell the bot's operators.", blocks.ChannelRef(ap.ApprovalChannel))))
		return
	case asked == requests.AskedNotShown:
		b.respond(ctx, log, inv, blocks.Notice(fmt.Sprintf(":warning: Your request names %d targets, more than one message can show, and I could not list them all for the approvers in %s. Nothing was run; ask again with fewer targets.", len(ap.Targets), blocks.ChannelRef(ap.ApprovalChannel))))
		return
	}
	extra := ""
	switch requests.StepOf(a, ap.Params) {
	case requests.PasswordStep:
		extra = " Once it is approved, I will ask you for the password: it is never stored."
	case requests.CollectStep:
		extra = " Once it is approved, I will ask you to run it, so that its one-time links reach you while you are here."
	}
	switch n := len(noPush); {
	case n > 0 && req.Values[requests.DeviceLostParam] == "true":
		extra += " You say their device is lost: no Okta Verify push is sent, and the approval stands in for it (the policy's fallback)."
	case n == 1:
		extra += " 1 target has no active Okta Verify push factor: for them the approval stands in for the push (the policy's fallback)."
	case n > 1:
		extra += fmt.Sprintf(" %d targets have no active Okta Verify push factor: for them the approval stands in for the push (the policy's fallback).", n)
	}
	if ap.PublicResult {
		extra += " Once it has run, its result is posted in this channel too (never a secret)."
	}
	if bg := b.cfg.Auth.Policy().BreakGlassFor(a.Name); bg != nil {
		extra += fmt.Sprintf(" If nobody decides within %s and you are a member of %s, I will offer you to break glass (run it without approval) by direct message.",
			requests.DurationText(bg.After), blocks.RolesText(bg.Roles))
	}
	extra += publicNote
	b.respond(ctx, log, inv, blocks.Notice(fmt.Sprintf(":hourglass_flowing_sand: Your request %s is waiting for approval in %s by a member of %s; it expires %s. Nothing was run yet. I will tell you here (or by direct message) when it is decided.%s",
		blocks.RequestLine(ap), blocks.ChannelRef(ap.ApprovalChannel), blocks.RolesText(ap.ApproverRoles), blocks.Date(ap.ExpiresAt), extra)))
}

// show posts a pending request to its approval channel; when the message
// cannot name every target, it is posted without its buttons, every target
// is listed in its thread, and only then do the buttons appear
// (requests.Notifier.Show).
func (b *Bot) show(ctx context.Context, ap store.Approval, remember func(ts string)) *requests.NotShown {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	msg := b.approvalView(ctx, ap)
	whole := blocks.AllTargetsShown(ap)
	first := msg
	if !whole {
		first = blocks.WithoutDecision(msg)
	}
	_, ts, err := b.cfg.Slack.PostMessageContext(ctx, ap.ApprovalChannel, slack.MsgOptionText(first.Text, false), slack.MsgOptionBlocks(first.Blocks...))
	if err != nil {
		return &requests.NotShown{Why: "the approval request could not be posted to " + ap.ApprovalChannel, Err: err}
	}
	remember(ts)
	if whole {
		return nil
	}
	listFailed := func(err error) *requests.NotShown {
		return &requests.NotShown{Posted: true, Why: "its targets could not all be listed in the approval message's thread", Err: err}
	}
	list := blocks.TargetList(ap)
	for _, m := range append([]blocks.Reply{list}, list.More...) {
		if _, _, err := b.cfg.Slack.PostMessageContext(ctx, ap.ApprovalChannel, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...), slack.MsgOptionTS(ts)); err != nil {
			return listFailed(err)
		}
	}
	if _, _, _, err := b.cfg.Slack.UpdateMessageContext(ctx, ap.ApprovalChannel, ts, slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks...)); err != nil {
		return listFailed(err)
	}
	return nil
}

// refuseUnresolved answers a request that needs approval but names targets
// that are not exactly one Okta user each: nothing was stored or posted.
func (b *Bot) refuseUnresolved(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request, failed []actions.Outcome) {
	// The audit counts them by why, never repeats them: a refused
	// command's text is not kept (auditRefused).
	kinds := map[string]int{}
	var order []string
	for _, o := range failed {
		k := actions.KindOf(o.Err).String()
		if kinds[k] == 0 {
			order = append(order, k)
		}
		kinds[k]++
	}
	var why []string
	for _, k := range order {
		why = append(why, fmt.Sprintf("%d %s", kinds[k], k))
	}
	log.Info().Str("event", "request.refused").Str("reason", "unresolved targets").Int("unresolved", len(failed)).Msg("targets could not be resolved; not sent for approval")
	b.auditRefused(ctx, log, inv, req, fmt.Sprintf("not sent for approval: %s not resolved to one Okta user (%s)",
		blocks.Plural(len(failed), "target", "targets"), strings.Join(why, ", ")))
	lines := make([]string, len(failed))
	for i, o := range failed {
		lines[i] = blocks.OutcomeError(o.Target, o.Err)
	}
	them := "them"
	if len(failed) == 1 {
		them = "it"
	}
	head := fmt.Sprintf(":no_entry_sign: *Nothing was sent for approval*, and nothing was run: %s of the %d you named could not be resolved to exactly one Okta user. Correct or remove %s and ask again.",
		blocks.Plural(len(failed), "target", "targets"), len(req.Targets), them)
	r, _, _ := blocks.List(head, lines, "")
	b.respond(ctx, log, inv, r)
}

// onBlockActions routes button clicks on messages: the approval buttons
// and the set-password button. Other clicks are only acknowledged.
func (b *Bot) onBlockActions(workCtx context.Context, sm *socketmode.Client, req *socketmode.Request, cb slack.InteractionCallback) {
	if len(cb.ActionCallback.BlockActions) == 0 || cb.ActionCallback.BlockActions[0] == nil {
		b.ack(sm, req, nil)
		return
	}
	act := *cb.ActionCallback.BlockActions[0]
	switch act.ActionID {
	case blocks.ActApprove, blocks.ActDeny, blocks.ActSetPassword, blocks.ActRunApproved, blocks.ActBreakGlass, blocks.ActReviewed:
		b.acceptNoting(workCtx, sm, req, cb.User.ID, cb.ResponseURL, "your click", nil, func(ctx context.Context) { b.approvalClicked(ctx, cb, act) })
	case blocks.ActGrantExtend, blocks.ActGrantEnd:
		b.acceptNoting(workCtx, sm, req, cb.User.ID, cb.ResponseURL, "your click", nil, func(ctx context.Context) { b.grantClicked(ctx, cb, act) })
	default:
		b.ack(sm, req, nil)
	}
}

// approvalViewSubmitted handles the Deny-reason, set-password and
// break-glass forms.
func (b *Bot) approvalViewSubmitted(workCtx context.Context, sm *socketmode.Client, req *socketmode.Request, cb slack.InteractionCallback) {
	switch cb.View.CallbackID {
	case blocks.CallbackBreakGlass:
		reason := breakGlassReason(cb)
		if reason == "" {
			b.ack(sm, req, slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.BlockBreakGlassWhy: "Say why it cannot wait."}))
			return
		}
		b.accept(workCtx, sm, req, cb.User.ID, slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.BlockBreakGlassWhy: "oktabot is busy right now; nothing was run. Please submit again in a moment."}),
			func(ctx context.Context) { b.breakGlassSubmitted(ctx, cb.User.ID, cb.View.PrivateMetadata, reason) })
	case blocks.CallbackDeny:
		reason := strings.TrimSpace(cb.View.State.Values[blocks.BlockDenyReason][blocks.BlockDenyReason].Value)
		if reason == "" {
			b.ack(sm, req, slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.BlockDenyReason: "Say why you deny it."}))
			return
		}
		b.accept(workCtx, sm, req, cb.User.ID, slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.BlockDenyReason: "oktabot is busy right now; nothing was changed. Please submit again in a moment."}),
			func(ctx context.Context) { b.denySubmitted(ctx, cb.User.ID, cb.View.PrivateMetadata, reason) })
	case blocks.CallbackSetPassword:
		pw := cb.View.State.Values[blocks.ParamPrefix+"password"][blocks.ParamPrefix+"password"].Value
		if pw == "" {
			b.ack(sm, req, slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.ParamPrefix + "password": "Type the new password."}))
			return
		}
		secret := actions.NewSecret(pw)
		b.accept(workCtx, sm, req, cb.User.ID, slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.ParamPrefix + "password": "oktabot is busy right now; nothing was run. Please submit again in a moment."}),
			func(ctx context.Context) {
				id, channel, _ := strings.Cut(cb.View.PrivateMetadata, " ")
				b.passwordSubmitted(ctx, cb.User.ID, id, channel, secret)
			})
	default:
		b.ack(sm, req, nil)
	}
}

// validApprovalID reports whether s can be an approval id (store.NewID),
// so that a forged value is neither looked up nor logged at length.
func validApprovalID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// approvalClicked handles Approve, Deny and Set-the-password clicks. The
// button's value is only a key into the store; the click's user is who
// decides, checked against the policy now.
func (b *Bot) approvalClicked(ctx context.Context, cb slack.InteractionCallback, act slack.BlockAction) {
	channel := cb.Container.ChannelID
	if channel == "" {
		channel = cb.Channel.ID
	}
	inv := invocation{caller: cb.User.ID, channel: channel, team: cb.Team.ID, responseURL: cb.ResponseURL, triggerID: cb.TriggerID}
	log := inv.logger(b.log).With().Str("button", act.ActionID).Logger()
	refuse := func(ap store.Approval, why, tell string) {
		log.Warn().Str("event", "approval.refused").Str("reason", why).Msg("approval button refused")
		b.record(ctx, requests.Transition{Event: requests.EventDecisionRefused, Actor: inv.caller, Channel: channel, Approval: &ap, Detail: why})
		b.respond(ctx, log, inv, blocks.Notice(tell))
	}
	if b.cfg.Store == nil {
		b.respond(ctx, log, inv, blocks.Notice(":warning: This installation of oktabot keeps no approvals. Nothing was changed."))
		return
	}
	if !validApprovalID(act.Value) {
		refuse(store.Approval{}, "button value is not an approval id", ":grey_question: This button does not belong to any request I know of. Nothing was changed.")
		return
	}
	ap, err := b.cfg.Store.GetApproval(ctx, act.Value)
	switch {
	case errors.Is(err, store.ErrNotFound):
		refuse(store.Approval{ID: act.Value}, "unknown approval id", ":grey_question: This button does not belong to any request I know of. Nothing was changed.")
		return
	case err != nil:
		log.Error().Err(err).Msg("could not read an approval")
		b.respond(ctx, log, inv, blocks.Notice(":warning: I could not look this request up (the bot's database did not answer). Nothing was changed; please try again."))
		return
	}
	log = log.With().Str("approval_id", ap.ID).Str("action", ap.Action).Logger()

	if act.ActionID == blocks.ActSetPassword || act.ActionID == blocks.ActRunApproved {
		b.requesterClicked(ctx, log, inv, ap, act.ActionID, refuse)
		return
	}
	if act.ActionID == blocks.ActBreakGlass {
		b.breakGlassClicked(ctx, log, inv, ap)
		return
	}
	// Decisions are made on the request's own approval message only.
	if channel != ap.ApprovalChannel || (ap.MessageTS != "" && cb.Container.MessageTs != ap.MessageTS) {
		refuse(ap, "button is not on the request's approval message", ":no_entry: This button is not on the approval message of that request. Nothing was changed.")
		return
	}
	if act.ActionID == blocks.ActReviewed {
		b.reviewClicked(ctx, log, inv, ap)
		return
	}
	rule := requests.RuleOf(b.cfg.Auth.Policy(), ap)
	if act.ActionID == blocks.ActDeny {
		// Deny asks why first; the form's submission decides.
		switch d, err := b.eng.MayDecide(ctx, inv.caller, channel, ap); d {
		case requests.DecisionMade:
			b.insiders.saw(inv.caller)
			b.openDenyForm(ctx, log, inv, ap)
		default:
			b.respond(ctx, log, inv, blocks.Notice(decisionText(d, "denied", ap, inv.caller, rule, err, log)))
		}
		return
	}
	// The approver's own push, and then its targets' (approving runs it
	// at once), get their time.
	ctx, cancel := b.longer(ctx, b.eng.StepUpTime(ap)+b.eng.VerifyTime(ap.Action, len(ap.Targets)))
	defer cancel()
	d, decided, err := b.eng.Approve(ctx, inv.caller, channel, ap)
	if d != requests.DecisionUnchecked && d != requests.DecisionNotApprover && d != requests.DecisionOwnRequest {
		b.insiders.saw(inv.caller)
	}
	if d != requests.DecisionMade && !stepUpShown(err) {
		b.respond(ctx, log, inv, blocks.Notice(decisionText(d, "approved", decided, inv.caller, rule, err, log)))
	}
}

// stepUpText tells a clicker why their click on ap did not count for
// want of their Okta Verify push ("" if err is not a step-up refusal);
// still says what the request still is.
func stepUpText(err error, still string, log zerolog.Logger) string {
	var r *requests.StepUpRefused
	if !errors.As(err, &r) {
		return ""
	}
	log.Info().Str("event", "approval.refused").Str("reason", "step-up").Msg("decision not counted")
	return ":no_entry: " + blocks.Esc(r.Err.Message) + ". Nothing was changed; " + still + "."
}

// stepUpShown reports whether err is a step-up refusal its clicker was
// already shown, in the status of their push.
func stepUpShown(err error) bool {
	var r *requests.StepUpRefused
	return errors.As(err, &r) && r.Shown
}

// decisionText tells a decider why their decision was not made (d is not
// DecisionMade).
func decisionText(d requests.Decided, verb string, ap store.Approval, decider string, rule *auth.ApprovalRule, err error, log zerolog.Logger) string {
	switch d {
	case requests.DecisionUnchecked:
		log.Error().Err(err).Msg("could not check the decision against the policy")
		return ":warning: I could not check whether you may decide this (Slack did not answer a membership lookup). Nothing was changed; please try again."
	case requests.DecisionNotApprover:
		log.Warn().Str("event", "approval.refused").Str("reason", "not an approver").Msg("decision refused")
		return fmt.Sprintf(":no_entry: You can't decide this request: only members of %s may approve or deny it, and never the person who asked. Nothing was changed.", blocks.RolesText(rule.Approvers))
	case requests.DecisionOwnRequest:
		log.Warn().Str("event", "approval.refused").Str("reason", "requester cannot approve their own request").Msg("decision refused")
		return fmt.Sprintf(":no_entry: You can't approve your own request: another member of %s must. Nothing was changed. (You may withdraw it with Deny.)", blocks.RolesText(rule.Approvers))
	case requests.DecisionRequesterRefused:
		log.Info().Str("event", "approval.refused").Str("reason", "requester no longer allowed").Msg("requester may no longer run the action")
		return fmt.Sprintf(":no_entry: %s may no longer run `%s` under the current policy, so this request cannot be approved. Nothing was changed; deny it to close it.", blocks.Mention(ap.RequesterID), blocks.Esc(ap.Action))
	case requests.DecisionExpired:
		return ":hourglass: This request expired before it was " + verb + ". Nothing was run."
	case requests.DecisionAlreadyDecided:
		return alreadyDecided(ap, decider)
	case requests.DecisionStepUpRefused:
		if t := stepUpText(err, "the request is still "+string(ap.Status), log); t != "" {
			return t
		}
	}
	return ":warning: I could not record your decision (the bot's database did not answer). Nothing was changed; please try again."
}

// alreadyDecided tells a late clicker what became of the request.
func alreadyDecided(ap store.Approval, clicker string) string {
	by := blocks.Mention(ap.DecidedBy)
	if ap.DecidedBy == clicker {
		by = "you"
	}
	switch {
	case ap.BrokenGlass:
		return fmt.Sprintf(":information_source: %s broke glass on this request: it ran without approval. Nothing more was done; an approver reviews it with *Reviewed*.", by)
	}
	switch ap.Status {
	case store.StatusApproved, store.StatusRunning, store.StatusDone, store.StatusFailed:
		return fmt.Sprintf(":information_source: This request was already approved by %s. Nothing more was done.", by)
	case store.StatusDenied:
		return fmt.Sprintf(":information_source: This request was already denied by %s. Nothing was changed.", by)
	case store.StatusExpired:
		return ":hourglass: This request has expired. Nothing was run."
	}
	return ":information_source: This request is no longer waiting for a decision. Nothing was changed."
}

// openDenyForm asks the approver (or the requester, withdrawing) for the
// reason; the form's submission denies.
func (b *Bot) openDenyForm(ctx context.Context, log zerolog.Logger, inv invocation, ap store.Approval) {
	if ap.Status != store.StatusPending {
		b.respond(ctx, log, inv, blocks.Notice(alreadyDecided(ap, inv.caller)))
		return
	}
	if _, err := b.cfg.Slack.OpenViewContext(ctx, inv.triggerID, blocks.DenyForm(ap)); err != nil {
		log.Error().Err(err).Msg("could not open the deny form")
		b.respond(ctx, log, inv, blocks.Notice(":warning: I could not open the form to deny this request (Slack allows only 3 seconds). Nothing was changed; click Deny again."))
	}
}

// submittedApproval reads the request a form about it was submitted for
// (id is the form's private metadata), with a log for button; when it
// cannot, the submitter is told so, with nothing ("Nothing was run.").
func (b *Bot) submittedApproval(ctx context.Context, user, id, button, nothing string) (store.Approval, zerolog.Logger, bool) {
	log := b.log.With().Str("user", user).Str("button", button).Logger()
	if b.cfg.Store == nil || !validApprovalID(id) {
		log.Warn().Msg("form without a valid approval id")
		return store.Approval{}, log, false
	}
	ap, err := b.cfg.Store.GetApproval(ctx, id)
	if err != nil {
		log.Error().Err(err).Str("approval_id", blocks.Clip(id, 64)).Msg("could not read the request a form was submitted for")
		b.tellUser(ctx, log, user, "", blocks.Notice(":warning: I could not find or read that request. "+nothing))
		return store.Approval{}, log, false
	}
	return ap, log.With().Str("approval_id", ap.ID).Str("action", ap.Action).Logger(), true
}

// denySubmitted denies a request with the reason given, after checking
// again that the person may.
func (b *Bot) denySubmitted(ctx context.Context, user, id, reason string) {
	ap, log, ok := b.submittedApproval(ctx, user, id, blocks.ActDeny, "Nothing was changed.")
	if !ok {
		return
	}
	ctx, cancel := b.longer(ctx, b.eng.StepUpTime(ap))
	defer cancel()
	d, decided, err := b.eng.Deny(ctx, user, ap.ApprovalChannel, ap, reason)
	if d != requests.DecisionMade && !stepUpShown(err) {
		text := decisionText(d, "denied", decided, user, requests.RuleOf(b.cfg.Auth.Policy(), ap), err, log)
		b.tellUser(ctx, log, user, ap.ApprovalChannel, blocks.Notice(text))
	}
}

// requesterClicked handles the requester's step after approval, for the
// requester alone: the set-password button opens the password form; the
// run button runs the request and answers the click with its result,
// one-time secrets included, while the requester is there to see them.
func (b *Bot) requesterClicked(ctx context.Context, log zerolog.Logger, inv invocation, ap store.Approval, button string, refuse func(store.Approval, string, string)) {
	act := b.cfg.Registry.Lookup(ap.Action)
	step := requests.StepOf(act, ap.Params)
	switch {
	case button == blocks.ActSetPassword && step != requests.PasswordStep:
		refuse(ap, "set-password button on a request without a password", ":grey_question: This request takes no password. Nothing was changed.")
	case button == blocks.ActRunApproved && step != requests.CollectStep:
		refuse(ap, "run button on a request that runs on approval", ":grey_question: This request does not wait for you to run it. Nothing was changed.")
	case inv.caller != ap.RequesterID && step == requests.PasswordStep:
		refuse(ap, "only the requester may set the password", fmt.Sprintf(":no_entry: Only %s, who asked, can set this password. Nothing was changed.", blocks.Mention(ap.RequesterID)))
	case inv.caller != ap.RequesterID:
		refuse(ap, "only the requester may run it", fmt.Sprintf(":no_entry: Only %s, who asked, can run this request: its one-time links are for them alone. Nothing was changed.", blocks.Mention(ap.RequesterID)))
	case ap.Status != store.StatusApproved:
		b.respond(ctx, log, inv, blocks.Notice(fmt.Sprintf(":information_source: This request is %s; this button can no longer be used. Nothing more was run.", ap.Status)))
	case requests.Late(b.cfg.Auth.Policy(), ap, b.cfg.Now()):
		b.respond(ctx, log, inv, blocks.Notice(":hourglass: It is too late to use this approval; ask again. Nothing was changed."))
	case step == requests.PasswordStep:
		if _, err := b.cfg.Slack.OpenViewContext(ctx, inv.triggerID, blocks.PasswordForm(ap, act, inv.channel)); err != nil {
			log.Error().Err(err).Msg("could not open the password form")
			b.respond(ctx, log, inv, blocks.Notice(":warning: I could not open the password form (Slack allows only 3 seconds). Click the button again."))
		}
	default:
		if !b.approvalStillHolds(ctx, log, ap, "click *Run it now* again", func(r blocks.Reply) { b.respond(ctx, log, inv, r) }) {
			return
		}
		ctx, cancel := b.longer(ctx, b.eng.StepUpTime(ap)+b.eng.VerifyTime(ap.Action, len(ap.Targets)))
		defer cancel()
		if r := b.eng.StepUp(ctx, inv.caller, inv.channel, ap, requests.ClickRun); r != nil {
			if !r.Shown {
				b.respond(ctx, log, inv, blocks.Notice(":no_entry: "+blocks.Esc(r.Err.Message)+". Nothing was run; the request is still approved."))
			}
			return
		}
		if !b.runApproved(ctx, ap, actions.Secret{}, &inv) {
			b.respond(ctx, log, inv, blocks.Notice(":information_source: This request was already run. Nothing more was run."))
		}
	}
}

// approvalStillHolds checks an approved request before it starts after its
// approval (the requester's step, or recovery): requests.CheckApproval of the
// recorded approval. When it no longer holds, the request is closed unrun,
// the refusal audited, and the requester told why; when the check fails,
// tell (if given) asks them to retry, retry saying how, and otherwise the
// next sweep retries.
func (b *Bot) approvalStillHolds(ctx context.Context, log zerolog.Logger, ap store.Approval, retry string, tell func(blocks.Reply)) bool {
	chk, err := b.eng.StillHolds(ctx, ap)
	if chk == requests.Unchecked {
		log.Error().Err(err).Msg("could not check the approval against the policy")
		if tell != nil {
			tell(blocks.Notice(":warning: I could not check whether you may still run this (Slack did not answer a membership lookup). Nothing was run; " + retry + " to retry."))
		}
	}
	return chk == requests.Holds
}

// askRequester sends the requester of an approved request the button for
// their step: open the password form, or run it. It goes by direct
// message, which stays until they are back (an ephemeral one may not).
func (b *Bot) askRequester(ctx context.Context, log zerolog.Logger, ap store.Approval, step requests.Step) {
	b.sendRequester(ctx, log, ap, blocks.RequesterPrompt(ap, step))
}

// sendRequester sends the requester of ap a message with a button of
// theirs by direct message, else ephemeral where they asked.
func (b *Bot) sendRequester(ctx context.Context, log zerolog.Logger, ap store.Approval, r blocks.Reply) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, _, err := b.cfg.Slack.PostMessageContext(ctx, ap.RequesterID, slack.MsgOptionText(r.Text, false), slack.MsgOptionBlocks(r.Blocks...))
	if err == nil {
		return
	}
	log.Warn().Err(err).Msg("could not send the requester their button by direct message; trying the requester's channel")
	if _, err := b.cfg.Slack.PostEphemeralContext(ctx, ap.RequesterChannel, ap.RequesterID, slack.MsgOptionText(r.Text, false), slack.MsgOptionBlocks(r.Blocks...)); err != nil {
		log.Error().Err(err).Msg("could not send the requester their button")
	}
}

// passwordSubmitted runs an approved set-password with the password its
// requester typed, once.
func (b *Bot) passwordSubmitted(ctx context.Context, user, id, channel string, pw actions.Secret) {
	ap, log, ok := b.submittedApproval(ctx, user, id, blocks.ActSetPassword, "Nothing was run.")
	if !ok {
		return
	}
	switch {
	case user != ap.RequesterID:
		log.Warn().Str("event", "approval.refused").Str("reason", "only the requester may set the password").Msg("password form refused")
		b.record(ctx, requests.Transition{Event: requests.EventDecisionRefused, Actor: user, Channel: "", Approval: &ap, Detail: "only the requester may set the password"})
		b.tellUser(ctx, log, user, "", blocks.Notice(":no_entry: Only the person who asked can set this password. Nothing was run."))
		return
	case ap.Status != store.StatusApproved:
		b.tellUser(ctx, log, user, ap.RequesterChannel, blocks.Notice(fmt.Sprintf(":information_source: This request is %s; the password form was already used or is closed. Nothing more was run.", ap.Status)))
		return
	case requests.Late(b.cfg.Auth.Policy(), ap, b.cfg.Now()):
		b.tellUser(ctx, log, user, ap.RequesterChannel, blocks.Notice(":hourglass: It is too late to set this password; ask again. Nothing was run."))
		return
	}
	// It runs as the requester's, on its approver's word: both must still
	// hold now, as when it was approved (the policy may have changed since).
	if !b.approvalStillHolds(ctx, log, ap, "click *Set the password* again", func(r blocks.Reply) { b.tellUser(ctx, log, user, ap.RequesterChannel, r) }) {
		return
	}
	// The result goes to them, privately, where they opened the form.
	to := &invocation{caller: user, channel: channel}
	if !blocks.IsSlackID(channel, "CGD") {
		to = nil
	}
	ctx, cancel := b.longer(ctx, b.eng.StepUpTime(ap)+b.eng.VerifyTime(ap.Action, len(ap.Targets)))
	defer cancel()
	if r := b.eng.StepUp(ctx, user, ap.RequesterChannel, ap, requests.ClickRun); r != nil {
		if !r.Shown {
			b.tellUser(ctx, log, user, ap.RequesterChannel, blocks.Notice(":no_entry: "+blocks.Esc(r.Err.Message)+". No password was set; open the form again to retry."))
		}
		return
	}
	if !b.runApproved(ctx, ap, pw, to) {
		b.tellUser(ctx, log, user, ap.RequesterChannel, blocks.Notice(":information_source: This password form was already used. Nothing more was run."))
	}
}

// tellUser sends one person a private message: ephemeral in channel when
// given (and the bot may post there), else a direct message.
func (b *Bot) tellUser(ctx context.Context, log zerolog.Logger, user, channel string, r blocks.Reply) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, m := range append([]blocks.Reply{r}, r.More...) {
		if m.File != nil {
			m.Blocks = append(m.Blocks, blocks.Context(b.sendCSV(ctx, log, invocation{caller: user}, m.File.Name, m.File.Content, false)))
		}
		b.tellUserOne(ctx, log, user, channel, m)
	}
}

func (b *Bot) tellUserOne(ctx context.Context, log zerolog.Logger, user, channel string, r blocks.Reply) {
	if channel != "" {
		_, err := b.cfg.Slack.PostEphemeralContext(ctx, channel, user, slack.MsgOptionText(r.Text, false), slack.MsgOptionBlocks(r.Blocks...))
		if err == nil {
			return
		}
		log.Info().Err(err).Msg("could not post an ephemeral message; sending a direct message instead")
	}
	if _, _, err := b.cfg.Slack.PostMessageContext(ctx, user, slack.MsgOptionText(r.Text, false), slack.MsgOptionBlocks(r.Blocks...)); err != nil {
		log.Error().Err(err).Msg("could not tell the user")
	}
}

// tellRequester tells the requester of an approval what became of it, by
// direct message: it comes later, when they may not be looking at the
// channel they asked from, where an ephemeral message would be lost. Only
// they see it.
func (b *Bot) tellRequester(ctx context.Context, log zerolog.Logger, ap store.Approval, r blocks.Reply) {
	b.tellUser(ctx, log, ap.RequesterID, "", r)
}

// approvalView is an approval's message, with a word that its targets
// will be verified when the policy's verify rule covers its action, and
// that its rule needs MFA (then: that its decider proved it).
func (b *Bot) approvalView(ctx context.Context, ap store.Approval) blocks.Reply {
	r := blocks.Approval(ap, requests.StepOf(b.cfg.Registry.Lookup(ap.Action), ap.Params))
	if rule := b.cfg.Auth.Policy().VerifyFor(ap.Action); rule != nil {
		r = blocks.WithVerifyNote(r, ap, rule.FallsBackToApproval(ap.Action))
	}
	r = blocks.WithStepUpNote(r, ap, requests.NeedsStepUp(b.cfg.Auth.Policy(), ap))
	return blocks.WithGrantNote(r, ap, b.grantsOf(ctx, ap))
}

// grantsOf are the grants ap's run gave (none before it ran).
func (b *Bot) grantsOf(ctx context.Context, ap store.Approval) []store.Grant {
	if ap.Params["for"] == "" || b.cfg.Store == nil || ap.Status == store.StatusPending || ap.Status == store.StatusDenied || ap.Status == store.StatusExpired {
		return nil
	}
	gs, err := b.cfg.Store.ListGrants(ctx, store.GrantFilter{ApprovalID: ap.ID})
	if err != nil {
		b.log.Error().Err(err).Str("approval_id", ap.ID).Msg("could not read a request's grants for its message")
	}
	return gs
}

// updateApprovalMessage shows the approval's current state in its message.
func (b *Bot) updateApprovalMessage(ctx context.Context, log zerolog.Logger, ap store.Approval) {
	if ap.MessageTS == "" || ap.ApprovalChannel == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	r := b.approvalView(ctx, ap)
	if _, _, _, err := b.cfg.Slack.UpdateMessageContext(ctx, ap.ApprovalChannel, ap.MessageTS, slack.MsgOptionText(r.Text, false), slack.MsgOptionBlocks(r.Blocks...)); err != nil {
		log.Error().Err(err).Str("status", string(ap.Status)).Msg("could not update the approval message")
	}
}

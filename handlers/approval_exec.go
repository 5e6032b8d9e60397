package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/blocks"
	"oktabot/requests"
	"oktabot/store"
)

// Bounds of the derived sweep interval (Config.SweepInterval).
const (
	minSweepInterval = 200 * time.Millisecond
	maxSweepInterval = 15 * time.Second
)

// sweepInterval is a tenth of the policy's shortest expire_after (or
// remind_after, or break_glass wait), so that an expired request is
// reported, and a reminder or break-glass offer sent, soon after its time,
// kept between
// minSweepInterval and maxSweepInterval.
func sweepInterval(az Authorizer) time.Duration {
	d := maxSweepInterval
	if az != nil && az.Policy() != nil {
		for _, r := range az.Policy().Rules() {
			d = min(d, r.ExpireAfter/10)
			if r.RemindAfter > 0 {
				d = min(d, r.RemindAfter/10)
			}
			if r.BreakGlass != nil {
				d = min(d, r.BreakGlass.After/10)
			}
		}
	}
	return max(d, minSweepInterval)
}

// sweepLoop expires due approvals and recovers approved work left behind,
// once at start and then every SweepInterval, until ctx is done. Work it
// starts runs under workCtx, so that shutdown can drain it.
func (b *Bot) sweepLoop(ctx, workCtx context.Context) {
	t := time.NewTimer(b.sweepEvery())
	defer t.Stop()
	for {
		b.sweep(workCtx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			t.Reset(b.sweepEvery())
		}
	}
}

// sweepEvery is Config.SweepInterval, or, when not set, derived from the
// policy in force now (sweepInterval), so that a reloaded policy's shorter
// expire_after is followed.
func (b *Bot) sweepEvery() time.Duration {
	if b.cfg.SweepInterval > 0 {
		return b.cfg.SweepInterval
	}
	return sweepInterval(b.cfg.Auth)
}

// sweep runs the lifecycle's sweep once (requests.Engine.Sweep): expiry,
// then approved work left behind.
func (b *Bot) sweep(ctx context.Context) { b.eng.Sweep(ctx) }

// runApproved claims an approved request and runs it (requests.Engine):
// false when another caller holds or finished it. The requester learns the
// outcome through to, the click they ran it with, when given, else
// privately.
func (b *Bot) runApproved(ctx context.Context, ap store.Approval, pw actions.Secret, to *invocation) bool {
	var via any
	if to != nil {
		via = *to
	}
	return b.eng.RunApproved(ctx, ap, pw, via)
}

// approvedRunner runs approved requests for the lifecycle.
type approvedRunner struct{ b *Bot }

// Run runs an approved request as its requester's (requests.Engine.RunAs).
// An approved audit listing runs nothing: it is read when it is delivered.
func (r approvedRunner) Run(ctx context.Context, ap store.Approval, pw actions.Secret) performed {
	if ap.Action == auditAction {
		return performed{}
	}
	return r.b.eng.RunAs(ctx, ap, pw)
}

// slackNotifier tells people in Slack what the lifecycle did.
type slackNotifier struct{ b *Bot }

func (n slackNotifier) log(ap store.Approval) zerolog.Logger {
	return n.b.log.With().Str("approval_id", ap.ID).Str("action", ap.Action).Logger()
}

// Changed updates the approval message in place.
func (n slackNotifier) Changed(ctx context.Context, ap store.Approval) {
	n.b.updateApprovalMessage(ctx, n.log(ap), ap)
}

// Expired tells the audit channel and the requester.
func (n slackNotifier) Expired(ctx context.Context, ap store.Approval) {
	b := n.b
	b.auditLine(b.cfg.Registry.Lookup(ap.Action), fmt.Sprintf(":hourglass: %s — expired without a decision; not run", blocks.AuditRequest(ap)))
	b.tellRequester(ctx, n.log(ap), ap, blocks.Notice(fmt.Sprintf(":hourglass: Your request %s expired without a decision. Nothing was run; ask again if it is still needed.", blocks.RequestLine(ap))))
}

// Closed tells the audit channel and the requester why approved work did
// not run.
func (n slackNotifier) Closed(ctx context.Context, ap store.Approval, c requests.Closure) {
	b := n.b
	b.auditLine(b.cfg.Registry.Lookup(ap.Action), fmt.Sprintf(":x: %s — %s — not run: %s", blocks.AuditRequest(ap), blocks.DecidedBy(ap), blocks.Esc(c.Why.Message)))
	notSet := ""
	if c.PasswordNotSet {
		notSet = "no password was set and "
	}
	var tell string
	switch c.Kind {
	case requests.ClosedRequesterRefused:
		tell = fmt.Sprintf(":no_entry: You may no longer run %s under the current policy, so your approved request %s did not run: %snothing was sent to Okta. The request is now closed; ask your Okta or security team if you need this.",
			blocks.Code(ap.Action), blocks.RequestLine(ap), notSet)
	case requests.ClosedBreakGlassRefused:
		tell = fmt.Sprintf(":no_entry: Your break-glass request %s did not run: the policy no longer lets you break glass on it, so %snothing was sent to Okta. The request is now closed; ask again if you still need this.",
			blocks.RequestLine(ap), notSet)
	case requests.ClosedApproverRefused:
		tell = fmt.Sprintf(":no_entry: Your approved request %s did not run: %s, who approved it, may no longer approve it under the current policy, so %snothing was sent to Okta. The request is now closed; ask again if you still need this.",
			blocks.RequestLine(ap), blocks.Mention(ap.DecidedBy), notSet)
	default:
		tell = fmt.Sprintf(":x: Your request %s was approved, but %s.", blocks.RequestLine(ap), blocks.Esc(c.Why.Message))
	}
	b.tellRequester(ctx, n.log(ap), ap, blocks.Notice(tell))
}

// Denied tells the audit channel and the requester; a requester who
// withdrew their own request is answered where they did.
func (n slackNotifier) Denied(ctx context.Context, ap store.Approval) {
	b, log := n.b, n.log(ap)
	act := b.cfg.Registry.Lookup(ap.Action)
	if ap.DecidedBy == ap.RequesterID {
		b.auditLine(act, fmt.Sprintf(":no_entry_sign: %s — withdrawn by the requester: %s", blocks.AuditRequest(ap), blocks.Esc(ap.DenyReason)))
		b.tellUser(ctx, log, ap.RequesterID, ap.ApprovalChannel, blocks.Notice(fmt.Sprintf(":no_entry_sign: You withdrew your request %s. Nothing was run.", blocks.RequestLine(ap))))
		return
	}
	b.auditLine(act, fmt.Sprintf(":no_entry_sign: %s — denied by %s: %s", blocks.AuditRequest(ap), blocks.Mention(ap.DecidedBy), blocks.Esc(ap.DenyReason)))
	b.tellRequester(ctx, log, ap, blocks.Notice(fmt.Sprintf(":no_entry_sign: Your request %s was denied by %s: %s\nNothing was run.", blocks.RequestLine(ap), blocks.Mention(ap.DecidedBy), blocks.Esc(ap.DenyReason))))
}

// Verified shows a target's verification to its caller alone, in one
// message updated in place as it goes (showLive: the number, then the
// answer), and tells the audit channel of one that did not prove it: a
// rejected push during a reset may be an attack.
func (n slackNotifier) Verified(ctx context.Context, v requests.Verification) any {
	b := n.b
	log := b.log.With().Str("user", v.Caller.ID).Str("action", v.Action).Str("target", v.User.ID).Logger()
	live, _ := v.Live.(*liveMessage)
	live = b.showLive(ctx, log, v.Caller.ID, v.Caller.Channel, live, blocks.Verification(v))
	if line := blocks.VerificationAudit(v); line != "" {
		b.auditCh.line(line)
	}
	if live == nil {
		return nil // a nil *liveMessage would be a non-nil any
	}
	return live
}

// Ask sends the requester of an approved request the button for their
// step.
func (n slackNotifier) Ask(ctx context.Context, ap store.Approval, step requests.Step) {
	n.b.askRequester(ctx, n.log(ap), ap, step)
}

// Show shows a pending request to its approvers (Bot.show).
func (n slackNotifier) Show(ctx context.Context, ap store.Approval, remember func(ts string)) *requests.NotShown {
	return n.b.show(ctx, ap, remember)
}

// Result is the result the approval message shows: each target named by
// the label approvers saw.
func (n slackNotifier) Result(ap store.Approval, p performed) string {
	if ap.Action == auditAction && p.Err == nil {
		return ":white_check_mark: audit records shown to the requester"
	}
	shown := labelled(ap, p)
	return blocks.ApprovalResult(shown.Res, shown.Err)
}

// Ran posts the audit channel's line, answers the requester with the
// result, one-time secrets included (the answer to their click when they
// ran it, else privately), and, when they asked with --public, posts it
// without secrets where they asked.
func (n slackNotifier) Ran(ctx context.Context, ap store.Approval, p performed, via any) {
	b, log := n.b, n.log(ap)
	act := b.cfg.Registry.Lookup(ap.Action)
	b.auditLine(act, fmt.Sprintf("%s %s — %s — %s", outcomeMark(p), blocks.AuditRequest(ap), blocks.DecidedBy(ap), outcomeSummary(p)))
	if act != nil && act.Name == auditAction && p.Err == nil {
		values := map[string]string{}
		for k, v := range ap.Params {
			values[k] = v
		}
		listing := b.auditListing(ctx, log, actions.Request{Action: act, Values: values})
		head := fmt.Sprintf(":white_check_mark: Your request %s was %s:", blocks.RequestLine(ap), blocks.DecidedBy(ap))
		listing.Blocks = append([]slack.Block{blocks.Section(head)}, listing.Blocks...)
		b.tellRequester(ctx, log, ap, listing)
		return
	}
	shown := labelled(ap, p) // for people; the audit keeps the ids
	answer := blocks.ApprovedOutcome(act, ap, shown.Res, shown.Err, b.cfg.OrgURL)
	to, clicked := via.(invocation)
	switch {
	case clicked && to.responseURL != "":
		// The requester ran it with a click: the answer to it reaches
		// them where they are, with its one-time secrets.
		b.respondAll(ctx, log, to, answer)
	case clicked:
		b.tellUser(ctx, log, ap.RequesterID, to.channel, answer)
	default:
		b.tellRequester(ctx, log, ap, answer)
	}
	if ap.PublicResult && p.Err == nil {
		b.postPublicResult(ctx, log, act, ap, requests.Redact(shown))
	}
}

// postPublicResult posts an approved request's result, without its
// secrets (requests.Redact), in the channel it was asked from, as the
// requester asked with --public. A channel the bot cannot post in is
// reported to the requester.
func (b *Bot) postPublicResult(ctx context.Context, log zerolog.Logger, act *actions.Action, ap store.Approval, p requests.Public) {
	head := fmt.Sprintf("%s's request %s, %s:", blocks.Mention(ap.RequesterID), blocks.RequestLine(ap), blocks.DecidedBy(ap))
	r, _, _ := blocks.Result(act, p.Result(), b.cfg.OrgURL, false)
	r.Blocks = append([]slack.Block{blocks.Section(head)}, r.Blocks...)
	r.Text = blocks.Fallback(head)
	for _, m := range append([]blocks.Reply{r}, r.More...) {
		if _, _, err := b.cfg.Slack.PostMessageContext(ctx, ap.RequesterChannel, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)); err != nil {
			log.Warn().Err(err).Str("channel", ap.RequesterChannel).Msg("could not post an approved request's result in its channel")
			b.tellRequester(ctx, log, ap, blocks.Notice(fmt.Sprintf(":warning: I could not post the result of %s in %s as you asked (is oktabot a member of that channel?); only you have seen it.", blocks.RequestLine(ap), blocks.ChannelRef(ap.RequesterChannel))))
			return
		}
	}
}

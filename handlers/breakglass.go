package handlers

// Waiting requests and break-glass in Slack (requests/breakglass.go is the
// lifecycle): the approvers' one reminder in the approval message's
// thread, the requester's Break glass button by direct message, its
// reason form, the loud message in the approval channel that mentions the
// approvers, the Reviewed button on the approval message, the daily
// reminder of unreviewed runs, and /okta audit --break-glass.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/blocks"
	"oktabot/requests"
	"oktabot/store"
)

// approverMentions mentions the approvers of ap, as the policy in force
// names them: their roles' user groups and the people listed by id.
func (b *Bot) approverMentions(ap store.Approval) string {
	users, groups := b.policyApprovers(ap)
	return blocks.Mentions(dedupe(users), dedupe(groups))
}

func dedupe(l []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range l {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// post posts r (and its More) in channel, in the thread of ts when given.
func (b *Bot) post(ctx context.Context, channel, ts string, r blocks.Reply) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, m := range append([]blocks.Reply{r}, r.More...) {
		opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(m.Blocks...)}
		if ts != "" {
			opts = append(opts, slack.MsgOptionTS(ts))
		}
		if _, _, err := b.cfg.Slack.PostMessageContext(ctx, channel, opts...); err != nil {
			return err
		}
	}
	return nil
}

// Remind reminds the approvers of a request that still waits, once, in
// its approval message's thread, mentioning them; the message shows it.
func (n slackNotifier) Remind(ctx context.Context, ap store.Approval) {
	b, log := n.b, n.log(ap)
	if err := b.post(ctx, ap.ApprovalChannel, ap.MessageTS, blocks.ApprovalReminder(ap, b.approverMentions(ap))); err != nil {
		log.Error().Err(err).Msg("could not remind the approvers of a waiting request")
	}
	b.updateApprovalMessage(ctx, log, ap)
}

// OfferBreakGlass sends the requester the Break glass button by direct
// message; the approval message says it was offered.
func (n slackNotifier) OfferBreakGlass(ctx context.Context, ap store.Approval) {
	b, log := n.b, n.log(ap)
	b.sendRequester(ctx, log, ap, blocks.BreakGlassOffer(ap))
	b.updateApprovalMessage(ctx, log, ap)
}

// BrokeGlass posts the loud message in the approval channel, mentioning
// the approvers, the audit channel's line, and tells the requester.
func (n slackNotifier) BrokeGlass(ctx context.Context, ap store.Approval) {
	b, log := n.b, n.log(ap)
	if err := b.post(ctx, ap.ApprovalChannel, "", blocks.BreakGlassAlert(ap, b.approverMentions(ap))); err != nil {
		log.Error().Err(err).Msg("could not tell the approval channel of a break glass")
	}
	b.auditLine(b.cfg.Registry.Lookup(ap.Action), fmt.Sprintf(":rotating_light: %s — break glass by %s, without approval: %s", blocks.AuditRequest(ap), blocks.Mention(ap.RequesterID), blocks.Esc(ap.BreakGlassReason)))
	b.tellRequester(ctx, log, ap, blocks.Notice(fmt.Sprintf(":rotating_light: You broke glass on your request %s: it runs now, without approval. Members of %s were told in %s and review it afterwards.",
		blocks.RequestLine(ap), blocks.RolesText(ap.ApproverRoles), blocks.ChannelRef(ap.ApprovalChannel))))
}

// Reviewed tells the audit channel and the requester.
func (n slackNotifier) Reviewed(ctx context.Context, ap store.Approval) {
	b, log := n.b, n.log(ap)
	b.auditLine(b.cfg.Registry.Lookup(ap.Action), fmt.Sprintf(":eyes: %s — break glass by %s reviewed by %s", blocks.AuditRequest(ap), blocks.Mention(ap.RequesterID), blocks.Mention(ap.ReviewedBy)))
	b.tellRequester(ctx, log, ap, blocks.Notice(fmt.Sprintf(":eyes: Your break-glass run %s was reviewed by %s.", blocks.RequestLine(ap), blocks.Mention(ap.ReviewedBy))))
}

// Unreviewed reminds each approval channel of its break-glass runs nobody
// reviewed yet, mentioning their approvers.
func (n slackNotifier) Unreviewed(ctx context.Context, aps []store.Approval) {
	b := n.b
	var channels []string
	by := map[string][]store.Approval{}
	for _, ap := range aps {
		if by[ap.ApprovalChannel] == nil {
			channels = append(channels, ap.ApprovalChannel)
		}
		by[ap.ApprovalChannel] = append(by[ap.ApprovalChannel], ap)
	}
	for _, ch := range channels {
		var users, groups []string
		for _, ap := range by[ch] {
			u, g := b.policyApprovers(ap)
			users, groups = append(users, u...), append(groups, g...)
		}
		r := blocks.UnreviewedReminder(by[ch], blocks.Mentions(dedupe(users), dedupe(groups)))
		if err := b.post(ctx, ch, "", r); err != nil {
			b.log.Error().Err(err).Str("channel", ch).Msg("could not remind the approvers of unreviewed break-glass runs")
		}
	}
}

// policyApprovers are the members of ap's approver roles in the policy in
// force.
func (b *Bot) policyApprovers(ap store.Approval) (users, groups []string) {
	p := b.cfg.Auth.Policy()
	for _, role := range requests.RuleOf(p, ap).Approvers {
		u, g := p.Members(role)
		users, groups = append(users, u...), append(groups, g...)
	}
	return users, groups
}

// breakGlassClicked answers the requester's Break glass click: checked
// (requests.Engine.MayBreakGlass, never trusting the button), then the
// form that asks why.
func (b *Bot) breakGlassClicked(ctx context.Context, log zerolog.Logger, inv invocation, ap store.Approval) {
	switch d, err := b.eng.MayBreakGlass(ctx, inv.caller, inv.channel, ap); d {
	case requests.DecisionMade:
		if _, err := b.cfg.Slack.OpenViewContext(ctx, inv.triggerID, blocks.BreakGlassForm(ap)); err != nil {
			log.Error().Err(err).Msg("could not open the break-glass form")
			b.respond(ctx, log, inv, blocks.Notice(":warning: I could not open the break-glass form (Slack allows only 3 seconds). Nothing was run; click *Break glass* again."))
		}
	default:
		b.respond(ctx, log, inv, blocks.Notice(b.breakGlassText(d, ap, inv.caller, err, log)))
	}
}

// breakGlassSubmitted breaks glass with the reason given, checking again.
func (b *Bot) breakGlassSubmitted(ctx context.Context, user, id, reason string) {
	ap, log, ok := b.submittedApproval(ctx, user, id, blocks.ActBreakGlass, "Nothing was run.")
	if !ok {
		return
	}
	// The requester's own push (under a step_up rule), then its targets'
	// (it runs at once), get their time.
	ctx, cancel := b.longer(ctx, b.eng.StepUpTime(ap)+b.eng.VerifyTime(ap.Action, len(ap.Targets)))
	defer cancel()
	if d, decided, err := b.eng.BreakGlass(ctx, user, "", ap, reason); d != requests.DecisionMade && !stepUpShown(err) {
		b.tellUser(ctx, log, user, "", blocks.Notice(b.breakGlassText(d, decided, user, err, log)))
	}
}

// breakGlassText tells a requester why they did not break glass.
func (b *Bot) breakGlassText(d requests.Decided, ap store.Approval, user string, err error, log zerolog.Logger) string {
	var ae *actions.Error
	switch {
	case d == requests.DecisionRefused && errors.As(err, &ae):
		log.Info().Str("event", "approval.refused").Str("reason", ae.Message).Msg("break glass refused")
		return ":no_entry: You can't break glass: " + blocks.Esc(ae.Message) + "."
	case d == requests.DecisionStepUpRefused:
		return stepUpText(err, "it still waits for an approver", log)
	case d == requests.DecisionUnchecked:
		log.Error().Err(err).Msg("could not check the break glass against the policy")
		return ":warning: I could not check whether you may break glass (Slack did not answer a membership lookup). Nothing was run; please try again."
	case d == requests.DecisionExpired:
		return ":hourglass: This request has expired. Nothing was run; ask again if it is still needed."
	case d == requests.DecisionAlreadyDecided:
		if ap.BrokenGlass {
			return ":information_source: You already broke glass on this request. Nothing more was run."
		}
		return alreadyDecided(ap, user)
	}
	return ":warning: I could not break glass (the bot's database did not answer). Nothing was run; please try again."
}

// reviewClicked records an approver's review of a break-glass run.
func (b *Bot) reviewClicked(ctx context.Context, log zerolog.Logger, inv invocation, ap store.Approval) {
	ctx, cancel := b.longer(ctx, b.eng.StepUpTime(ap)) // the reviewer's own push
	defer cancel()
	d, reviewed, err := b.eng.Review(ctx, inv.caller, inv.channel, ap)
	if d == requests.DecisionMade {
		b.insiders.saw(inv.caller)
		return
	}
	if stepUpShown(err) {
		return
	}
	var text string
	var ae *actions.Error
	rule := requests.RuleOf(b.cfg.Auth.Policy(), ap)
	switch {
	case d == requests.DecisionRefused && errors.As(err, &ae):
		text = ":grey_question: " + blocks.Esc(ae.Message) + "."
	case d == requests.DecisionStepUpRefused:
		text = stepUpText(err, "it is still not reviewed", log)
	case d == requests.DecisionOwnRequest:
		text = fmt.Sprintf(":no_entry: You can't review your own break-glass run: a member of %s must. Nothing was changed.", blocks.RolesText(rule.Approvers))
	case d == requests.DecisionNotApprover:
		text = fmt.Sprintf(":no_entry: Only members of %s may review this break-glass run. Nothing was changed.", blocks.RolesText(rule.Approvers))
	case d == requests.DecisionAlreadyDecided:
		who := blocks.Mention(reviewed.ReviewedBy)
		if reviewed.ReviewedBy == inv.caller {
			who = "you"
		}
		text = fmt.Sprintf(":information_source: This break-glass run was already reviewed by %s. Nothing was changed.", who)
	case d == requests.DecisionUnchecked:
		log.Error().Err(err).Msg("could not check the review against the policy")
		text = ":warning: I could not check whether you may review this (Slack did not answer a membership lookup). Nothing was changed; please try again."
	default:
		text = ":warning: I could not record your review (the bot's database did not answer). Nothing was changed; please try again."
	}
	b.respond(ctx, log, inv, blocks.Notice(text))
}

// breakGlassListing answers /okta audit --break-glass: the break-glass
// runs nobody reviewed yet.
func (b *Bot) breakGlassListing(ctx context.Context, log zerolog.Logger, limit int) blocks.Reply {
	aps, err := b.cfg.Store.ListBreakGlass(ctx, true, limit)
	if err != nil {
		log.Error().Err(err).Msg("could not list break-glass runs")
		return blocks.Notice(":warning: I could not read the break-glass runs (the bot's database did not answer). Please try again.")
	}
	return blocks.BreakGlassList(aps)
}

// breakGlassReason is the reason typed in the break-glass form.
func breakGlassReason(cb slack.InteractionCallback) string {
	return strings.TrimSpace(cb.View.State.Values[blocks.BlockBreakGlassWhy][blocks.BlockBreakGlassWhy].Value)
}

package handlers

// Time-boxed grants at Slack's edge: /okta grants and /okta revoke (served
// here: they read and end grants, which package actions does not know),
// the Extend and End now buttons of the message a requester gets before a
// grant ends, and what the lifecycle tells people of grants
// (requests.GrantNotifier). The lifecycle itself is requests' (grants.go).

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/blocks"
	"oktabot/requests"
	"oktabot/store"
)

// DefaultGrantSweep is how often grants are checked for their warning and
// their end when Config.GrantSweepInterval is not set.
const DefaultGrantSweep = 10 * time.Second

// grantLoop warns of grants about to end and removes those that ended,
// once at start (what a stopped bot left) and then every
// GrantSweepInterval, until ctx is done; the work runs under workCtx.
func (b *Bot) grantLoop(ctx, workCtx context.Context) {
	every := b.cfg.GrantSweepInterval
	if every <= 0 {
		every = DefaultGrantSweep
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		b.eng.SweepGrants(workCtx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// localGrantCommand serves grants and revoke, reporting false for any
// other action. They are not asked of the policy as other actions are:
// everyone may list and end their own grants, and only everyone's (--all)
// or others' need the policy; neither ever waits for approval.
func (b *Bot) localGrantCommand(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request) bool {
	switch req.Action.Name {
	case auth.GrantsAction:
		b.listGrants(ctx, log, inv, req)
	case auth.RevokeAction:
		b.revokeCommand(ctx, log, inv, req)
	default:
		return false
	}
	return true
}

func (b *Bot) noGrants(ctx context.Context, log zerolog.Logger, inv invocation) bool {
	if b.cfg.Store != nil {
		return false
	}
	b.respond(ctx, log, inv, blocks.Notice(":warning: This installation of oktabot keeps no grants: it gives nothing for a time (`--for`)."))
	return true
}

// listGrants answers /okta grants [--user USER] [--all]: the grants still
// on that the caller asked for, or, with --all and the policy's leave,
// everyone's.
func (b *Bot) listGrants(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request) {
	if b.noGrants(ctx, log, inv) {
		return
	}
	f := store.GrantFilter{Live: true, RequesterID: inv.caller}
	all := req.Bool("all")
	if all {
		ok, err := b.eng.MaySeeAllGrants(ctx, inv.caller, inv.channel)
		switch {
		case err != nil:
			log.Error().Err(err).Msg("could not check the caller against the policy")
			b.respond(ctx, log, inv, blocks.Notice(":warning: I could not check whether you may list everyone's grants (Slack did not answer a membership lookup). Please try again."))
			return
		case !ok:
			b.auditRefused(ctx, log, inv, req, "--all: not allowed by the policy")
			b.respond(ctx, log, inv, blocks.Notice(":no_entry: You may list the grants you asked for (leave out `--all`); everyone's need `grants` in oktabot's policy."))
			return
		}
		f.RequesterID = ""
	}
	user := strings.TrimSpace(req.Values["user"])
	if user != "" {
		id, failed := b.eng.GrantUser(ctx, user)
		if failed != nil {
			b.respond(ctx, log, inv, blocks.ProblemReply(failed))
			return
		}
		f.UserID = id
	}
	gs, err := b.cfg.Store.ListGrants(ctx, f)
	if err != nil {
		log.Error().Err(err).Msg("could not list grants")
		b.respond(ctx, log, inv, blocks.Notice(":warning: I could not read the grants (oktabot's database did not answer). Please try again."))
		return
	}
	b.record(ctx, requests.Transition{Event: requests.EventAllowed, Actor: inv.caller, Channel: inv.channel, Request: &req})
	r := blocks.Grants(gs, all, user, b.cfg.Now())
	r.Public = req.Public
	b.respondAll(ctx, log, inv, r)
}

// revokeCommand answers /okta revoke GRANT.
func (b *Bot) revokeCommand(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request) {
	if b.noGrants(ctx, log, inv) {
		return
	}
	if len(req.Targets) != 1 {
		b.respond(ctx, log, inv, blocks.Notice(":memo: Name the grant to end: `/okta revoke GRANT`, its id as `/okta grants` shows it. Nothing was changed."))
		return
	}
	b.endGrant(ctx, log, inv, req.Targets[0], &req)
}

// endGrant ends grant id for the caller (End now, or revoke) and answers
// them. req is the command, recorded when it ends anything.
func (b *Bot) endGrant(ctx context.Context, log zerolog.Logger, inv invocation, id string, req *actions.Request) {
	g, ok := b.lookupGrant(ctx, log, inv, id)
	if !ok {
		return
	}
	log = log.With().Str("grant", g.ID).Logger()
	ended, r, err := b.eng.EndGrant(ctx, inv.caller, inv.channel, g)
	switch r {
	case requests.EndRedelivered:
		return
	case requests.EndUnchecked:
		log.Error().Err(err).Msg("could not check the caller against the policy")
	case requests.EndRefused:
		log.Info().Str("event", "request.refused").Msg("may not end someone else's grant")
	case requests.EndedNow, requests.EndRetrying:
		b.insiders.saw(inv.caller)
		if req != nil {
			b.record(ctx, requests.Transition{Event: requests.EventAllowed, Actor: inv.caller, Channel: inv.channel, Request: req})
		}
	}
	b.respond(ctx, log, inv, blocks.GrantEndAnswer(ended, r))
}

// lookupGrant reads grant id, telling the caller when it cannot.
func (b *Bot) lookupGrant(ctx context.Context, log zerolog.Logger, inv invocation, id string) (store.Grant, bool) {
	id = strings.TrimSpace(id)
	if !validApprovalID(id) {
		b.respond(ctx, log, inv, blocks.Notice(fmt.Sprintf(":grey_question: %s is not a grant's id; `/okta grants` lists yours with their ids. Nothing was changed.", blocks.Code(blocks.Clip(id, 40)))))
		return store.Grant{}, false
	}
	g, err := b.cfg.Store.GetGrant(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		b.respond(ctx, log, inv, blocks.Notice(fmt.Sprintf(":grey_question: There is no grant %s. Nothing was changed.", blocks.Code(id))))
		return g, false
	case err != nil:
		log.Error().Err(err).Msg("could not read a grant")
		b.respond(ctx, log, inv, blocks.Notice(":warning: I could not look this grant up (oktabot's database did not answer). Nothing was changed; please try again."))
		return g, false
	}
	return g, true
}

// refuseHeld answers a time-boxed request that would be refused when it
// ran, because targets already have the access: nothing was sent for
// approval.
func (b *Bot) refuseHeld(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request, held []actions.Outcome) {
	log.Info().Str("event", "request.refused").Str("reason", "access already held").Int("held", len(held)).Msg("time-boxed access the targets already have; not sent for approval")
	b.auditRefused(ctx, log, inv, req, fmt.Sprintf("not sent for approval: %s already had the access, and not through a grant oktabot may extend", blocks.Plural(len(held), "target", "targets")))
	lines := make([]string, len(held))
	for i, o := range held {
		lines[i] = blocks.OutcomeError(o.Target, o.Err)
	}
	r, _, _ := blocks.List(":no_entry_sign: *Nothing was sent for approval*, and nothing was run: a time-boxed grant would take away at its end access it did not give.", lines, "")
	b.respond(ctx, log, inv, r)
}

// grantClicked handles Extend and End now.
func (b *Bot) grantClicked(ctx context.Context, cb slack.InteractionCallback, act slack.BlockAction) {
	channel := cb.Container.ChannelID
	if channel == "" {
		channel = cb.Channel.ID
	}
	inv := invocation{caller: cb.User.ID, channel: channel, team: cb.Team.ID, responseURL: cb.ResponseURL, triggerID: cb.TriggerID}
	log := inv.logger(b.log).With().Str("button", act.ActionID).Logger()
	if b.noGrants(ctx, log, inv) {
		return
	}
	if act.ActionID == blocks.ActGrantEnd {
		b.endGrant(ctx, log, inv, act.Value, nil)
		return
	}
	g, ok := b.lookupGrant(ctx, log, inv, act.Value)
	if !ok {
		return
	}
	if inv.caller != g.RequesterID {
		b.respond(ctx, log, inv, blocks.Notice(fmt.Sprintf(":no_entry: Only %s, who asked for this grant, can extend it this way; anyone else asks with `/okta %s … --for … --extend`. Nothing was changed.", blocks.Mention(g.RequesterID), g.Action)))
		return
	}
	req, err := requests.ExtendRequest(b.cfg.Registry, g)
	if err != nil {
		b.respond(ctx, log, inv, blocks.ProblemReply(err))
		return
	}
	// A new request, as if typed: the policy, the guards and any approval
	// apply as to any other.
	log = log.With().Str("action", req.Action.Name).Str("grant", g.ID).Logger()
	decision, ok := b.authorize(ctx, log, inv, req)
	if !ok {
		return
	}
	b.execute(ctx, log, inv, req, decision)
}

// slackGrants tells people in Slack of grants' ends.
type slackGrants struct{ b *Bot }

func (n slackGrants) log(g store.Grant) zerolog.Logger {
	return n.b.log.With().Str("grant", g.ID).Str("action", g.Action).Logger()
}

// GrantEnding sends the requester the Extend and End now message.
func (n slackGrants) GrantEnding(ctx context.Context, g store.Grant) {
	n.b.directMessage(ctx, n.log(g), g.RequesterID, blocks.GrantEnding(g, n.b.cfg.Now()))
}

// GrantRevoked tells the audit channel, in one line, and the requester,
// unless they ended it themselves (their click or command is answered).
func (n slackGrants) GrantRevoked(ctx context.Context, g store.Grant) {
	n.b.auditCh.line(blocks.GrantRevokedLine(g))
	if g.EndedBy != g.RequesterID {
		n.b.directMessage(ctx, n.log(g), g.RequesterID, blocks.GrantRevoked(g))
	}
	// The approval message it was given under says so, in place (a grant
	// of a request that ran at once has no such message).
	if g.ApprovalID != "" {
		if ap, err := n.b.cfg.Store.GetApproval(ctx, g.ApprovalID); err == nil {
			n.b.updateApprovalMessage(ctx, n.log(g), ap)
		}
	}
}

// GrantOverdue tells the audit channel.
func (n slackGrants) GrantOverdue(ctx context.Context, g store.Grant) {
	n.b.auditCh.line(blocks.GrantOverdueLine(g))
}

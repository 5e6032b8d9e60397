package handlers

// The audit trail: every request and decision (allowed, refused by policy,
// sent for approval, approved, denied, expired, and refused clicks) and
// every outcome per target, with who, when, where, action, targets,
// parameters and Okta's request id. Each record goes to the store, to the
// JSON log (message "audit"), and, for write actions that ran or were
// refused, as one line to the policy's audit channel. A record never holds
// a secret: passwords never reach it (they are not among a request's
// values) and one-time links stay in actions.Secret, which is not copied.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"oktabot/actions"
	"oktabot/blocks"
	"oktabot/requests"
	"oktabot/store"
)

// auditAction is the registry's audit listing, run here because it reads
// the store, which package actions may not know.
const auditAction = "audit"

// Audit records an event of the process itself (a policy reload, an audit
// retention sweep) as every other: in the store and the JSON log.
func (b *Bot) Audit(ctx context.Context, r store.AuditRecord) { b.eng.Append(ctx, r) }

// record writes the audit record(s) of a transition in a request's life
// (requests.Engine.Record: made in one place) and returns them.
func (b *Bot) record(ctx context.Context, t requests.Transition) []store.AuditRecord {
	return b.eng.Record(ctx, t)
}

// auditLine queues one line for the policy's audit channel, for write
// actions only. It never waits for Slack (auditChannel).
func (b *Bot) auditLine(act *actions.Action, text string) {
	if act == nil || !act.Writes {
		return
	}
	b.auditCh.line(text)
}

// invocationText is a direct request in an audit channel line.
func invocationText(inv invocation, req actions.Request) string {
	return blocks.AuditRequest(store.Approval{Action: req.Action.Name, Targets: req.Targets, RequesterID: inv.caller, RequesterChannel: inv.channel})
}

// outcomeMark is a glanceable mark for a result.
func outcomeMark(p performed) string {
	if p.Err != nil {
		return ":x:"
	}
	for _, o := range p.Res.Outcomes {
		if o.Err != nil {
			return ":warning:"
		}
	}
	return ":white_check_mark:"
}

// outcomeSummary counts a result's outcomes: "2 done · 1 failed".
func outcomeSummary(p performed) string {
	if p.Err != nil {
		kind, id, detail := requests.ErrorFacts(p.Err)
		s := "failed (" + kind + "): " + blocks.Esc(detail)
		if id != "" {
			s += " · Okta request " + blocks.Code(id)
		}
		return s
	}
	if t := blocks.Tally(p.Res.Outcomes); t != "" {
		return t
	}
	return "done"
}

// auditDirect posts the audit channel's line of a request that ran without
// approval, when it writes (its records are requests.Engine.RunDirect's).
func (b *Bot) auditDirect(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request, p performed) {
	b.auditLine(req.Action, fmt.Sprintf("%s %s — %s", outcomeMark(p), invocationText(inv, req), outcomeSummary(p)))
}

// auditRefused records a refused request, and posts its line to the audit
// channel when it writes. Nothing the caller typed is kept or posted (it
// may hold what they should not have typed, a password, or mention people
// who must not be notified): only who, where, the action, why, and how
// many targets it named.
func (b *Bot) auditRefused(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request, why string) {
	detail := b.eng.Refuse(ctx, inv.caller, inv.channel, req, why).Detail
	if req.Action.Writes {
		// One person's refusals are summed up, not posted one by one.
		b.auditCh.refused(inv.caller, req.Action.Name, fmt.Sprintf(":no_entry: %s by %s in %s — refused: %s", blocks.Code(req.Action.Name), blocks.Mention(inv.caller), blocks.ChannelRef(inv.channel), blocks.Esc(detail)))
	}
}

// showAudit answers /okta audit [--user U…] [--action A] [--limit N]: the
// newest audit records, for someone the policy allows to see them; with
// --break-glass, the break-glass runs nobody has reviewed yet.
func (b *Bot) showAudit(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request) {
	r := b.auditListing(ctx, log, req)
	r.Public = req.Public
	b.respondAll(ctx, log, inv, r)
}

// auditListing is the answer to an audit request: the records, or what is
// wrong with the request.
func (b *Bot) auditListing(ctx context.Context, log zerolog.Logger, req actions.Request) blocks.Reply {
	if b.cfg.Store == nil {
		return blocks.Notice(":warning: This installation of oktabot keeps no audit records.")
	}
	if req.Bool("break-glass") {
		limit, _ := strconv.Atoi(req.Values["limit"])
		return b.breakGlassListing(ctx, log, limit)
	}
	f := store.AuditFilter{Action: strings.ToLower(strings.TrimSpace(req.Values["action"]))}
	if n, err := strconv.Atoi(req.Values["limit"]); err == nil {
		f.Limit = n
	}
	for _, u := range req.List("user") {
		id := u
		if m := blocks.MentionRE.FindStringSubmatch(u); m != nil {
			id = m[1]
		}
		if !blocks.IsSlackID(id, "UW") {
			return blocks.ProblemReply(&actions.Error{Kind: actions.KindInvalid, Field: "user",
				Message: fmt.Sprintf("--user takes Slack user ids (U…) or @mentions picked from Slack's list, not %q", u)})
		}
		if !slices.Contains(f.Actors, id) {
			f.Actors = append(f.Actors, id)
		}
	}
	if f.Action != "" && b.cfg.Registry.Lookup(f.Action) == nil {
		return blocks.ProblemReply(&actions.Error{Kind: actions.KindInvalid, Field: "action",
			Message: fmt.Sprintf("there is no action %q", f.Action)})
	}
	if v := strings.TrimSpace(req.Values["record"]); v != "" {
		id, err := strconv.ParseInt(strings.TrimPrefix(v, "#"), 10, 64)
		if err != nil || id <= 0 {
			return blocks.ProblemReply(&actions.Error{Kind: actions.KindInvalid, Field: "record",
				Message: fmt.Sprintf("--record takes a record's number, as `/okta audit` shows it (#123), not %q", blocks.Clip(v, 40))})
		}
		f.ID = id
	}
	var ap *store.Approval
	if v := strings.TrimSpace(req.Values["request"]); v != "" {
		if !validApprovalID(v) {
			return blocks.ProblemReply(&actions.Error{Kind: actions.KindInvalid, Field: "request",
				Message: fmt.Sprintf("--request takes a request's id, as approval messages and `/okta audit` show it, not %q", blocks.Clip(v, 40))})
		}
		got, err := b.cfg.Store.GetApproval(ctx, v)
		switch {
		case errors.Is(err, store.ErrNotFound):
			// A request that ran at once: only its records know it.
			f.ApprovalID, f.Limit = v, store.MaxAuditLimit
		case err != nil:
			log.Error().Err(err).Msg("could not read an approval for the audit")
			return blocks.Notice(":warning: I could not read the audit trail (the bot's database did not answer). Please try again.")
		default:
			ap, f.ApprovalID, f.Limit = &got, got.ID, store.MaxAuditLimit
		}
	}
	recs, err := b.cfg.Store.ListAudit(ctx, f)
	if err != nil {
		log.Error().Err(err).Msg("could not list audit records")
		return blocks.Notice(":warning: I could not read the audit trail (the bot's database did not answer). Please try again.")
	}
	if f.ApprovalID != "" && ap == nil && len(recs) == 0 {
		return blocks.Notice(fmt.Sprintf(":grey_question: There is no request %s.", blocks.Code(f.ApprovalID)))
	}
	r := blocks.Audit(recs, f)
	switch {
	case ap != nil:
		// The request in full: every target, as approvers were shown them.
		labels := ap.TargetLabels
		if len(labels) != len(ap.Targets) {
			labels = nil
		}
		r = blocks.WithTargets(r, fmt.Sprintf("request %s", ap.ID), ap.Targets, labels, b.cfg.Now())
	case f.ApprovalID != "":
		// A request that ran at once: its targets are its request record's.
		for _, rec := range recs {
			if rec.Event == string(requests.EventAllowed) && len(rec.Targets) > 0 {
				r = b.withRecordTargets(r, "request "+f.ApprovalID, rec)
				break
			}
		}
	case f.ID != 0 && len(recs) == 1 && len(recs[0].Targets) > 0:
		r = b.withRecordTargets(r, fmt.Sprintf("record #%d", recs[0].ID), recs[0])
	}
	return r
}

// withRecordTargets adds to r every target of rec, a record that lists a
// request's targets, as what names.
func (b *Bot) withRecordTargets(r blocks.Reply, what string, rec store.AuditRecord) blocks.Reply {
	labels := strings.Split(rec.Params["target_labels"], "; ")
	if len(labels) != len(rec.Targets) {
		labels = nil
	}
	return blocks.WithTargets(r, what, rec.Targets, labels, b.cfg.Now())
}

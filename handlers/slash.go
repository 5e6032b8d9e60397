package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/auth"
)

// handleSlash answers one slash command. It runs on a worker, after the
// envelope was acknowledged.
func (b *Bot) handleSlash(ctx context.Context, cmd slack.SlashCommand) {
	start := b.cfg.Now()
	log := b.log.With().Str("user", cmd.UserID).Str("channel", cmd.ChannelID).Str("team", cmd.TeamID).Logger()
	respond := func(r reply) { b.respond(ctx, log, cmd.ResponseURL, r) }

	text := strings.TrimSpace(cmd.Text)
	first, rest, _ := strings.Cut(text, " ")
	if first == "" || strings.EqualFold(first, "help") {
		respond(b.help(ctx, log, cmd, strings.TrimSpace(rest)))
		return
	}

	parsed, err := b.cfg.Registry.Parse(text)
	if err != nil {
		// The command text is not logged: it may hold something the caller
		// should not have typed.
		log.Info().Str("event", "request.invalid").Msg("could not parse command")
		respond(renderProblem(err))
		return
	}
	req := parsed.Request
	a := req.Action
	log = log.With().Str("action", a.Name).Strs("targets", req.Targets).Logger()

	decision, err := b.cfg.Auth.Decide(ctx, cmd.UserID, a.Name, cmd.ChannelID)
	if err != nil {
		log.Error().Err(err).Str("event", "request.refused").Str("reason", "policy check failed").Msg("could not check the caller against the policy")
		respond(renderNotice(fmt.Sprintf(":warning: I could not check whether you may run `%s` (Slack did not answer a membership lookup). Nothing was run; please try again.", a.Name)))
		return
	}
	if decision.Verdict == auth.Deny {
		log.Info().Str("event", "request.refused").Str("reason", "policy").Msg("caller not allowed")
		respond(renderNotice(fmt.Sprintf(":no_entry: You are not allowed to run `%s`. Nothing was sent to Okta. Access is granted by the bot's policy; ask your Okta or security team if you need it.", a.Name)))
		return
	}
	if !a.Available() {
		log.Info().Str("event", "request.unavailable").Msg("action not available in this build")
		respond(renderNotice(fmt.Sprintf(":construction: `%s` is not available in this version of oktabot. Nothing was run.", a.Name)))
		return
	}
	if decision.Verdict == auth.NeedsApproval {
		// Approvals are not implemented yet: never run such a request.
		log.Info().Str("event", "request.refused").Str("reason", "approval unsupported").Msg("action needs approval")
		respond(renderNotice(fmt.Sprintf(":lock: `%s` needs a second person's approval under the policy, and this version of oktabot cannot ask for one yet. Nothing was run.", a.Name)))
		return
	}
	if len(parsed.Missing) > 0 {
		respond(renderNotice(fmt.Sprintf(":warning: `%s` needs %s.\nUsage: `%s`", a.Name, strings.Join(parsed.Missing, " and "), esc(usage(b.cfg.Command, a)))))
		return
	}

	targets := b.resolveTargets(ctx, a, req.Targets)
	req.Targets = targets.values()
	log.Info().Str("event", "request.allowed").Strs("roles", decision.Roles).Msg("running action")

	res, err := a.Run(ctx, actions.Env{Dir: b.cfg.Dir, Now: b.cfg.Now}, req)
	if err != nil {
		logOutcome(log, err, "action failed")
		respond(renderProblem(err))
		return
	}
	res.Outcomes = targets.merge(res.Outcomes)
	for _, o := range res.Outcomes {
		if o.Err != nil {
			logOutcome(log.With().Str("target", o.Target).Logger(), o.Err, "target failed")
		}
	}
	if req.Public {
		// The channel sees the result without secrets; secrets follow to
		// the caller alone.
		pub, _, _ := b.render(a, res, false)
		pub.Public = true
		respond(pub)
		if hasSecrets(res) {
			priv, _, _ := b.render(a, res, true)
			respond(priv)
		}
	} else {
		r, _, _ := b.render(a, res, true)
		respond(r)
	}
	log.Info().Str("event", "request.done").Dur("took", b.cfg.Now().Sub(start)).Int("outcomes", len(res.Outcomes)).Msg("answered")
}

// logOutcome logs a failure once, at a level that fits its kind.
func logOutcome(log zerolog.Logger, err error, msg string) {
	ev := log.Info()
	if k := actions.KindOf(err); k == actions.KindInternal || k == actions.KindUnavailable || k == actions.KindRateLimited {
		ev = log.Warn()
	}
	ev.Err(err).Str("kind", actions.KindOf(err).String()).Msg(msg)
}

func (b *Bot) help(ctx context.Context, log zerolog.Logger, cmd slack.SlashCommand, topic string) reply {
	permitted, err := b.cfg.Auth.Permitted(ctx, cmd.UserID, b.cfg.Registry.Names())
	if err != nil {
		log.Error().Err(err).Msg("could not check the caller against the policy for help")
		return renderNotice(":warning: I could not look up what you may run (Slack did not answer a membership lookup). Please try again.")
	}
	var only *actions.Action
	if topic != "" {
		if only = b.cfg.Registry.Lookup(strings.Fields(topic)[0]); only == nil {
			_, err := b.cfg.Registry.Parse(topic)
			return renderProblem(err)
		}
	}
	return renderHelp(b.cfg.Command, b.cfg.Registry, permitted, only)
}

// render turns an action's result into a reply. withSecrets says whether
// one-time secrets are written out (only ever in a reply to the caller
// alone). shown < total means a list did not fit in the message.
func (b *Bot) render(a *actions.Action, res actions.Result, withSecrets bool) (r reply, shown, total int) {
	switch {
	case res.Whoami != nil:
		return renderWhoami(*res.Whoami, b.cfg.OrgURL), 0, 0
	case res.Users != nil || a.Name == "list-users":
		r, shown = renderUserList(res)
		return r, shown, len(res.Users)
	case res.Providers != nil || a.Name == "list-providers":
		r, shown = renderProviders(res)
		return r, shown, len(res.Providers)
	case a.Name == "get-user":
		return renderUserOutcomes(res.Outcomes), 0, 0
	case a.Name == "list-user-groups" || a.Name == "list-roles":
		r, shown = renderNested(a, res.Outcomes)
		return r, shown, 0
	case a.Targets == actions.GroupTargets || a.Targets == actions.NameTarget:
		return renderGroups(a, res.Outcomes), 0, 0
	default:
		r, shown = renderOutcomes(a, res.Outcomes, withSecrets)
		return r, shown, len(res.Outcomes)
	}
}

// hasSecrets reports whether any outcome carries a one-time secret.
func hasSecrets(res actions.Result) bool {
	for _, o := range res.Outcomes {
		if !o.Secret.IsZero() {
			return true
		}
	}
	return false
}

// respond delivers a reply through the command's response_url: it works in
// any channel, even one the bot is not in, and is ephemeral unless the reply
// is public.
func (b *Bot) respond(ctx context.Context, log zerolog.Logger, responseURL string, r reply) {
	typ := slack.ResponseTypeEphemeral
	if r.Public {
		typ = slack.ResponseTypeInChannel
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, _, err := b.cfg.Slack.PostMessageContext(ctx, "",
		slack.MsgOptionResponseURL(responseURL, typ),
		slack.MsgOptionText(r.Text, false),
		slack.MsgOptionBlocks(r.Blocks...),
	)
	if err != nil {
		log.Error().Err(err).Msg("could not deliver the reply")
	}
}

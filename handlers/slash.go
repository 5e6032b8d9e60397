package handlers

import (
	"context"
	"fmt"
	"slices"
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

// invocation is who asked, where, and how to answer them.
type invocation struct {
	caller      string
	channel     string
	team        string
	responseURL string
	triggerID   string
}

func (inv invocation) logger(l zerolog.Logger) zerolog.Logger {
	return l.With().Str("user", inv.caller).Str("channel", inv.channel).Logger()
}

// handleSlash answers one slash command. It runs on a worker, after the
// envelope was acknowledged.
func (b *Bot) handleSlash(ctx context.Context, cmd slack.SlashCommand) {
	inv := invocation{caller: cmd.UserID, channel: cmd.ChannelID, team: cmd.TeamID, responseURL: cmd.ResponseURL, triggerID: cmd.TriggerID}
	log := inv.logger(b.log)

	text := strings.TrimSpace(commandText(cmd.Text))
	first, rest, _ := strings.Cut(text, " ")
	first, _, _ = strings.Cut(first, "\t")
	switch {
	case text == "":
		b.openPicker(ctx, log, inv)
		return
	case strings.EqualFold(first, "help"):
		b.respond(ctx, log, inv, b.help(ctx, log, inv.caller, strings.TrimSpace(rest)))
		return
	}

	parsed, err := b.cfg.Registry.Parse(text)
	if err != nil {
		// Nothing of the command text is logged, stored or posted: it may
		// hold something the caller should not have typed (a password).
		// Only the action's name, when it names one.
		ev := log.Info().Str("event", "request.invalid")
		if a := b.cfg.Registry.Lookup(strings.ToLower(first)); a != nil {
			ev = ev.Str("action", a.Name)
		}
		ev.Msg("could not parse command")
		b.respond(ctx, log, inv, blocks.ProblemReply(err))
		return
	}
	req := parsed.Request
	log = log.With().Str("action", req.Action.Name).Logger()
	if b.localGrantCommand(ctx, log, inv, req) {
		return
	}
	decision, ok := b.authorize(ctx, log, inv, req)
	if !ok {
		return
	}
	if req.Context != "" {
		// Only once the policy lets the caller run it is a message read.
		if req, ok = b.expandScope(ctx, log, inv, req, cmd.APIAppID); !ok {
			return
		}
	}
	// The targets are logged only once the policy lets the caller run it.
	log = log.With().Strs("targets", req.Targets).Logger()
	if requests.FormNeeded(parsed, decision) {
		b.openActionModal(ctx, log, inv, req, decision)
		return
	}
	b.execute(ctx, log, inv, req, decision)
}

// authorize asks the policy whether the caller may run req's action; when
// not, it tells them, audits the refusal and returns false. A refused
// request never reaches Okta.
func (b *Bot) authorize(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request) (auth.Decision, bool) {
	a := req.Action
	decision, err := b.cfg.Auth.Decide(ctx, inv.caller, a.Name, inv.channel)
	if err != nil {
		log.Error().Err(err).Str("event", "request.refused").Str("reason", "policy check failed").Msg("could not check the caller against the policy")
		b.auditRefused(ctx, log, inv, req, "the policy check failed (a Slack user group lookup)")
		b.respond(ctx, log, inv, blocks.Notice(fmt.Sprintf(":warning: I could not check whether you may run `%s` (Slack did not answer a membership lookup). Nothing was run; please try again.", a.Name)))
		return decision, false
	}
	if decision.Verdict == auth.Deny {
		log.Info().Str("event", "request.refused").Str("reason", "policy").Msg("caller not allowed")
		b.auditRefused(ctx, log, inv, req, "not allowed by the policy")
		b.respond(ctx, log, inv, blocks.Notice(fmt.Sprintf(":no_entry: You are not allowed to run `%s`. Nothing was sent to Okta. Access is granted by the bot's policy; ask your Okta or security team if you need it.", a.Name)))
		return decision, false
	}
	b.insiders.saw(inv.caller)
	if !a.Available() {
		log.Info().Str("event", "request.unavailable").Msg("action not available in this build")
		b.respond(ctx, log, inv, blocks.Notice(fmt.Sprintf(":construction: `%s` is not available in this version of oktabot. Nothing was run.", a.Name)))
		return decision, false
	}
	return decision, true
}

// execute runs an authorized, complete request and answers the caller, or,
// when the policy wants a second person's approval, asks for it instead.
func (b *Bot) execute(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request, decision auth.Decision) {
	if n := mentions(req.Action, req.Targets); n > MaxMentions {
		// Refused before Slack is asked about any of them.
		log.Info().Str("event", "request.refused").Str("reason", "too many mentions").Int("mentions", n).Msg("too many Slack mentions")
		b.auditRefused(ctx, log, inv, req, fmt.Sprintf("it mentions %d people in Slack; at most %d are looked up in one command", n, MaxMentions))
		b.respond(ctx, log, inv, blocks.Notice(fmt.Sprintf(":no_entry: Your command mentions %d people in Slack; I look up at most %d mentions in one command. Nothing was run. Split it, or name people by their Okta login or email.", n, MaxMentions)))
		return
	}
	if r := requests.FallbackRefusal(b.cfg.Auth.Policy(), req.Action.Name, req.Values, decision.Verdict); r != nil {
		log.Info().Str("event", "request.refused").Str("reason", "device lost, no fallback").Msg("a lost device and no approval to stand in for the push")
		b.auditRefused(ctx, log, inv, req, "the device is lost (--device-lost), and no approval can stand in for the push")
		b.respond(ctx, log, inv, blocks.ProblemReply(r))
		return
	}
	env, ok := b.guardRequest(ctx, log, inv, req, decision)
	if !ok {
		return
	}
	if decision.Verdict == auth.NeedsApproval {
		b.requestApproval(ctx, log, inv, req, decision, env)
		return
	}
	log.Info().Str("event", "request.allowed").Strs("roles", decision.Roles).Msg("running action")
	if req.Action.Name == auditAction {
		// Reading the audit trail is recorded, not its listing.
		b.record(ctx, requests.Transition{Event: requests.EventAllowed, Actor: inv.caller, Channel: inv.channel, Request: &req})
		b.showAudit(ctx, log, inv, req)
		return
	}
	req.ID = store.NewID() // its records share it; so do its pushes' and grants'
	caller := requests.Caller{ID: inv.caller, Channel: inv.channel, Via: inv, Request: &req}
	env = b.eng.Granting(b.eng.Verifier(env, caller, req.Action.Name), caller, req)
	// Its targets' pushes wait for their answer: the request has their
	// time beside its own.
	ctx, cancel := b.longer(ctx, b.eng.VerifyTime(req.Action.Name, len(req.Targets)))
	defer cancel()
	// A long listing goes page by page to a file, not whole into memory.
	spool := &csvSpool{log: log}
	defer spool.close()
	env.UserPages = spool.take
	res := b.eng.RunDirect(ctx, inv.caller, inv.channel, req, func(ctx context.Context) performed { return b.eng.Perform(ctx, log, req, env) })
	if !b.eng.Proceed(ctx) {
		return // a redelivery: the first delivery answers
	}
	b.auditDirect(ctx, log, inv, req, res)
	b.deliver(ctx, log, inv, req, res, spool)
}

// performed is an action's result, or the error that stopped it.
type performed = requests.Performed

// deliver answers the caller with a request's result. A public result goes
// to the channel without secrets; secrets follow to the caller alone. A
// list too long for one message comes whole as a CSV file: the one spool
// wrote while the listing ran, when it did.
func (b *Bot) deliver(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request, p performed, spool *csvSpool) {
	a := req.Action
	if p.Err != nil {
		b.respond(ctx, log, inv, blocks.ProblemReply(p.Err))
		return
	}
	res := p.Res
	if req.Public {
		res = requests.Redact(p).Result() // what the channel sees
	}
	r, shown, total := blocks.Result(a, res, b.cfg.OrgURL, !req.Public)
	if shown < total {
		name := fmt.Sprintf("%s-%s.csv", a.Name, b.cfg.Now().UTC().Format("20060102-150405"))
		note := csvFailed
		switch content, size, spooled, err := spool.content(); {
		case !spooled:
			note = b.sendCSV(ctx, log, inv, name, blocks.ResultCSV(a, res), req.Public)
		case err == nil:
			note = b.sendCSVFrom(ctx, log, inv, name, content, size, req.Public)
		default:
			log.Error().Err(err).Msg("could not finish a long listing's file; it is not sent")
		}
		spool.close() // sent or not, the file is no longer needed
		r.Blocks = append(r.Blocks, blocks.Context(note))
	}
	r.Public = req.Public
	b.respondAll(ctx, log, inv, r)
	if req.Public && hasSecrets(p.Res) {
		priv, _, _ := blocks.Result(a, p.Res, b.cfg.OrgURL, true)
		b.respondAll(ctx, log, inv, priv)
	}
}

// respondAll sends a reply and its continuations, each with its file. Once
// a public part could not be posted in the channel (respondOne), the rest
// comes to the caller alone, without saying so again.
func (b *Bot) respondAll(ctx context.Context, log zerolog.Logger, inv invocation, r blocks.Reply) {
	public := r.Public
	for _, m := range append([]blocks.Reply{r}, r.More...) {
		m.Public = public
		if m.File != nil {
			m.Blocks = append(m.Blocks, blocks.Context(b.sendCSV(ctx, log, inv, m.File.Name, m.File.Content, m.Public)))
		}
		if !b.respondOne(ctx, log, inv, m) {
			public = false
		}
	}
}

func (b *Bot) help(ctx context.Context, log zerolog.Logger, caller, topic string) blocks.Reply {
	permitted, err := b.cfg.Auth.Permitted(ctx, caller, b.cfg.Registry.Names())
	if err != nil {
		log.Error().Err(err).Msg("could not check the caller against the policy for help")
		return blocks.Notice(":warning: I could not look up what you may run (Slack did not answer a membership lookup). Please try again.")
	}
	var only *actions.Action
	if topic != "" {
		if only = b.cfg.Registry.Lookup(strings.Fields(topic)[0]); only == nil {
			_, err := b.cfg.Registry.Parse(topic)
			return blocks.ProblemReply(err)
		}
	}
	return blocks.Help(b.cfg.Command, b.cfg.Registry, permitted, only)
}

// openPicker opens the modal that lets the caller pick an action.
func (b *Bot) openPicker(ctx context.Context, log zerolog.Logger, inv invocation) {
	permitted, err := b.cfg.Auth.Permitted(ctx, inv.caller, b.cfg.Registry.Names())
	if err != nil {
		log.Error().Err(err).Msg("could not check the caller against the policy for the picker")
	}
	if !slices.ContainsFunc(permitted, func(n string) bool { a := b.cfg.Registry.Lookup(n); return a != nil && a.Available() }) {
		b.respond(ctx, log, inv, b.help(ctx, log, inv.caller, ""))
		return
	}
	view := blocks.PickerForm(b.cfg.Registry, permitted, blocks.FormMeta{Channel: inv.channel, ResponseURL: inv.responseURL})
	b.openView(ctx, log, inv, view)
}

// openActionModal asks for what a command left out, pre-filled with what
// it gave.
func (b *Bot) openActionModal(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request, decision auth.Decision) {
	view := blocks.ActionForm(formAction(req.Action, decision), req, blocks.FormMeta{Channel: inv.channel, ResponseURL: inv.responseURL, Context: req.Context}, decision.Rule)
	b.openView(ctx, log, inv, view)
}

func (b *Bot) openView(ctx context.Context, log zerolog.Logger, inv invocation, view slack.ModalViewRequest) {
	if !b.eng.Proceed(ctx) {
		return
	}
	if _, err := b.cfg.Slack.OpenViewContext(ctx, inv.triggerID, view); err != nil {
		log.Error().Err(err).Msg("could not open a modal")
		b.respond(ctx, log, inv, blocks.Notice(":warning: I could not open the form (Slack allows only 3 seconds to do so). Nothing was run; please try again, or give every value on the command line — `/okta help` shows how."))
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

// respond answers the caller: through the command's response_url when
// there is one (it works in any conversation, even one the bot is not part
// of), and otherwise, or when that fails, in the channel when the reply is
// public, else in the app's direct message with them. Ephemeral unless the
// reply is public.
func (b *Bot) respond(ctx context.Context, log zerolog.Logger, inv invocation, r blocks.Reply) {
	b.respondOne(ctx, log, inv, r)
}

// respondOne is respond; it returns false when a public reply could not be
// posted publicly and went to the caller alone, with a word that it did.
// A redelivered command's work says nothing (requests.Engine.Proceed).
func (b *Bot) respondOne(ctx context.Context, log zerolog.Logger, inv invocation, r blocks.Reply) (posted bool) {
	if !b.eng.Proceed(ctx) {
		return true
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if inv.responseURL != "" {
		typ := slack.ResponseTypeEphemeral
		if r.Public {
			typ = slack.ResponseTypeInChannel
		}
		_, _, err := b.cfg.Slack.PostMessageContext(ctx, "",
			slack.MsgOptionResponseURL(inv.responseURL, typ),
			slack.MsgOptionText(r.Text, false),
			slack.MsgOptionBlocks(r.Blocks...),
		)
		if err == nil {
			return true
		}
		log.Warn().Err(withoutURLPath(err)).Msg("could not blocks.Reply through the response_url; trying chat.postMessage")
	}
	if r.Public && inv.channel != "" {
		_, _, err := b.cfg.Slack.PostMessageContext(ctx, inv.channel, slack.MsgOptionText(r.Text, false), slack.MsgOptionBlocks(r.Blocks...))
		if err == nil {
			return true
		}
		// A direct message between people, or a channel oktabot is not
		// in: the caller hears so, and the reply comes to them alone.
		log.Warn().Err(err).Msg("could not post a public blocks.Reply in its channel; sending it to the caller alone")
		b.directMessage(ctx, log, inv.caller, blocks.Notice(fmt.Sprintf(":warning: I could not post this in %s as you asked with `--public` (oktabot cannot post there); nobody else has seen it. Here it is for you alone:", conversationRef(inv.channel))))
		b.directMessage(ctx, log, inv.caller, r)
		return false
	}
	b.directMessage(ctx, log, inv.caller, r)
	return true
}

// directMessage sends a message to the app's direct message with a user
// (posting to a user id lands there).
func (b *Bot) directMessage(ctx context.Context, log zerolog.Logger, user string, r blocks.Reply) {
	if _, _, err := b.cfg.Slack.PostMessageContext(ctx, user, slack.MsgOptionText(r.Text, false), slack.MsgOptionBlocks(r.Blocks...)); err != nil {
		log.Error().Err(err).Msg("could not deliver the blocks.Reply by direct message")
	}
}

// conversationRef names the conversation a command came from for its
// caller: a channel as a link; a direct message (the app's, or one between
// people) as such, since a link to it means nothing to others.
func conversationRef(channel string) string {
	if strings.HasPrefix(channel, "D") {
		return "the direct message you asked from"
	}
	return blocks.ChannelRef(channel)
}

// canPostLater reports whether oktabot can post in the conversation a
// command came from after its response_url is gone (an approved request's
// --public result). A direct message qualifies only when it is the caller's
// own with the app: one between people never exists for the app (Slack
// answers channel_not_found). A channel is not checked here: posting there
// says whether it works, and the caller is told when not.
func (b *Bot) canPostLater(ctx context.Context, log zerolog.Logger, inv invocation) bool {
	if !strings.HasPrefix(inv.channel, "D") {
		return true
	}
	ch, _, _, err := b.cfg.Slack.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{inv.caller}})
	if err != nil {
		log.Warn().Err(err).Msg("could not open the caller's direct message with the app")
		return false
	}
	return ch.ID == inv.channel
}

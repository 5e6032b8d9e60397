package handlers

// "Also run on scope", the Slack way: the people named in a message (a
// SIEM alert, a page, a colleague's note) become a request's targets,
// from the message shortcut or from /okta ACTION --scope LINK.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/blocks"
)

// MaxScopePeople is how many people one message may give a request.
const MaxScopePeople = 200

var (
	scopeMention = regexp.MustCompile(`<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>`)
	scopeMailto  = regexp.MustCompile(`<mailto:([^|>\s]+)(?:\|[^>]*)?>`)
	scopeEmail   = regexp.MustCompile(`[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
	scopeOktaID  = regexp.MustCompile(`\b00u[A-Za-z0-9]{17}\b`)
	scopeAny     = regexp.MustCompile(scopeMention.String() + `|` + scopeMailto.String() + `|` + scopeEmail.String() + `|` + scopeOktaID.String())
)

// messageTexts are the texts of a message people may be named in: its
// text, its blocks' section text and fields and context elements, and its
// attachments' text and fields, in reading order.
func messageTexts(m slack.Message) []string {
	out := []string{m.Text}
	for _, b := range m.Blocks.BlockSet {
		switch b := b.(type) {
		case *slack.SectionBlock:
			if b.Text != nil {
				out = append(out, b.Text.Text)
			}
			for _, f := range b.Fields {
				out = append(out, f.Text)
			}
		case *slack.ContextBlock:
			for _, e := range b.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					out = append(out, t.Text)
				}
			}
		}
	}
	for _, a := range m.Attachments {
		out = append(out, a.Pretext, a.Title, a.Text)
		for _, f := range a.Fields {
			out = append(out, f.Title, f.Value)
		}
	}
	return out
}

// scopeTargets are the people a message names, as targets ("<@U…>",
// emails and logins, Okta user ids), each once, in the order they appear.
func scopeTargets(m slack.Message) []string {
	var out []string
	seen := map[string]bool{}
	for _, text := range messageTexts(m) {
		for _, hit := range scopeAny.FindAllString(text, -1) {
			t := hit
			switch {
			case scopeMention.MatchString(hit):
				t = "<@" + scopeMention.FindStringSubmatch(hit)[1] + ">"
			case scopeMailto.MatchString(hit):
				t = scopeMailto.FindStringSubmatch(hit)[1]
			}
			if strings.HasPrefix(t, "<@") || scopeOktaID.MatchString(t) && !strings.Contains(t, "@") {
				// ids keep their case
			} else if !scopeEmail.MatchString(t) {
				continue
			} else {
				t = strings.ToLower(t)
			}
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// ownMessage reports whether m is one of oktabot's own messages (its
// app's: its bot_profile names the api_app_id of the payload that
// asked).
func ownMessage(m slack.Message, appID string) bool {
	return appID != "" && m.BotProfile != nil && m.BotProfile.AppID == appID
}

// scopePeople looks up the people a message names: at most
// MaxScopePeople, Slack mentions through the profile email (at most
// MaxMentions of them), then Okta, each Okta user once.
func (b *Bot) scopePeople(ctx context.Context, link string, m slack.Message) blocks.ScopePeople {
	all := scopeTargets(m)
	p := blocks.ScopePeople{Link: link, Found: len(all)}
	taken := all[:min(len(all), MaxScopePeople)]
	p.Taken = len(taken)
	var lookup []string
	mentions := 0
	for _, t := range taken {
		if strings.HasPrefix(t, "<@") {
			if mentions++; mentions > MaxMentions {
				p.Unresolved = append(p.Unresolved, actions.Outcome{Target: t, Err: actions.Errorf(actions.KindInvalid, "not looked up: I look up at most %d Slack mentions at a time", MaxMentions)})
				continue
			}
		}
		lookup = append(lookup, t)
	}
	getUser := b.cfg.Registry.Lookup("get-user")
	if getUser == nil || len(lookup) == 0 {
		return p
	}
	ids, labels, failed := b.eng.ResolveUsers(ctx, actions.Env{Dir: b.eng.Dir, Now: b.eng.Now}, getUser, lookup)
	p.IDs, p.Labels = ids, labels
	p.Unresolved = append(failed, p.Unresolved...)
	return p
}

// userActions are the actions on users the caller may run.
func (b *Bot) userActions(ctx context.Context, caller string) ([]string, error) {
	var names []string
	for _, a := range b.cfg.Registry.All() {
		if a.Targets == actions.UserTargets && a.Available() {
			names = append(names, a.Name)
		}
	}
	return b.cfg.Auth.Permitted(ctx, caller, names)
}

// onMessageShortcut opens the form of the people named in a message: at
// once (Slack allows 3 seconds), saying they are being looked up, then
// with them.
func (b *Bot) onMessageShortcut(ctx context.Context, cb slack.InteractionCallback) {
	inv := invocation{caller: cb.User.ID, channel: cb.Channel.ID, team: cb.Team.ID, responseURL: cb.ResponseURL, triggerID: cb.TriggerID}
	log := inv.logger(b.log).With().Str("via", "message shortcut").Logger()
	if ownMessage(cb.Message, cb.APIAppID) {
		b.respond(ctx, log, inv, blocks.Notice(":information_source: That is one of oktabot's own messages; I do not take people from them. Use the shortcut on the message that names them."))
		return
	}
	permitted, err := b.userActions(ctx, inv.caller)
	if err != nil {
		log.Error().Err(err).Msg("could not check the caller against the policy for the message shortcut")
		b.respond(ctx, log, inv, blocks.Notice(":warning: I could not look up what you may run (Slack did not answer a membership lookup). Nothing was run; please try again."))
		return
	}
	if len(permitted) == 0 {
		log.Info().Str("event", "request.refused").Str("reason", "policy").Msg("message shortcut by someone who may run no action on users")
		b.respond(ctx, log, inv, blocks.Notice(":no_entry: You may not run any action on people through oktabot. Access is granted by the bot's policy; ask your Okta or security team if you need it."))
		return
	}
	link := b.permalink(ctx, log, cb.Channel.ID, cb.Message.Timestamp)
	meta := blocks.FormMeta{Channel: inv.channel, ResponseURL: inv.responseURL}
	found := scopeTargets(cb.Message)
	looking := blocks.ScopePeople{Link: link, Found: len(found), Taken: min(len(found), MaxScopePeople), Looking: true}
	opened, err := b.cfg.Slack.OpenViewContext(ctx, inv.triggerID, blocks.ScopeForm(b.cfg.Registry, permitted, looking, meta))
	if err != nil {
		log.Error().Err(err).Msg("could not open the message shortcut's form")
		b.respond(ctx, log, inv, blocks.Notice(":warning: I could not open the form (Slack allows only 3 seconds to do so). Nothing was run; please try again."))
		return
	}
	people := b.scopePeople(ctx, link, cb.Message)
	log.Info().Str("event", "scope.found").Int("found", people.Found).Int("resolved", len(people.IDs)).Msg("people named in a message")
	if _, err := b.cfg.Slack.UpdateViewContext(ctx, blocks.ScopeForm(b.cfg.Registry, permitted, people, meta), "", opened.Hash, opened.ID); err != nil {
		log.Error().Err(err).Msg("could not show the people found in a message")
	}
}

// permalink is a message's link, for the record; when Slack gives none (a
// conversation oktabot cannot see), where it is.
func (b *Bot) permalink(ctx context.Context, log zerolog.Logger, channel, ts string) string {
	link, err := b.cfg.Slack.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: channel, Ts: ts})
	if err != nil || link == "" {
		log.Info().Err(err).Msg("no permalink for a message; recording where it is")
		return fmt.Sprintf("slack message %s in %s", ts, channel)
	}
	return link
}

// scopeSubmitted turns the message shortcut's form into the chosen
// action's form, its people pre-filled, if the policy lets the caller run
// it.
func (b *Bot) scopeSubmitted(ctx context.Context, cb slack.InteractionCallback) any {
	vals := cb.View.State.Values
	a := b.cfg.Registry.Lookup(vals[blocks.BlockPick][blocks.BlockPick].SelectedOption.Value)
	if a == nil || a.Targets != actions.UserTargets {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.BlockPick: "Choose one of the actions."})
	}
	var ids []string
	labels := map[string]string{}
	for _, o := range vals[blocks.BlockTargets][blocks.BlockTargets].SelectedOptions {
		ids = append(ids, o.Value)
		if o.Text != nil {
			labels[o.Value] = o.Text.Text
		}
	}
	if len(ids) == 0 {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.BlockTargets: "Keep at least one person."})
	}
	meta := blocks.DecodeFormMeta(cb.View.PrivateMetadata)
	ctx, cancel := context.WithTimeout(ctx, suggestTimeout)
	defer cancel()
	d, err := b.cfg.Auth.Decide(ctx, cb.User.ID, a.Name, meta.Channel)
	switch {
	case err != nil:
		return slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.BlockPick: "I could not check the policy just now. Please choose again in a moment."})
	case d.Verdict == auth.Deny:
		return slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.BlockPick: fmt.Sprintf("You are not allowed to run %s. Choose another action.", a.Name)})
	}
	view := blocks.LabelledActionForm(formAction(a, d), actions.Request{Action: a, Targets: ids, Values: map[string]string{}}, labels, meta, b.ruleFor(a.Name))
	return slack.NewUpdateViewSubmissionResponse(&view)
}

// scopeLink is a message permalink's conversation and message:
// https://TEAM.slack.com/archives/C…/p1700000000000100[?thread_ts=…].
func scopeLink(link string) (channel, ts, thread string, ok bool) {
	link = strings.Trim(strings.TrimSpace(link), "<>")
	link, _, _ = strings.Cut(link, "|")
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "https" || !strings.HasSuffix(u.Hostname(), ".slack.com") {
		return "", "", "", false
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 3 || parts[0] != "archives" || len(parts[2]) < 8 || parts[2][0] != 'p' {
		return "", "", "", false
	}
	digits := parts[2][1:]
	if strings.Trim(digits, "0123456789") != "" || len(digits) <= 6 {
		return "", "", "", false
	}
	return parts[1], digits[:len(digits)-6] + "." + digits[len(digits)-6:], u.Query().Get("thread_ts"), true
}

// expandScope adds the people of the message req.Context links to to
// req's targets (/okta ACTION --scope LINK), and keeps the message's
// permalink as the request's context. The caller hears what was taken
// and what left out; false: they heard why nothing can be.
func (b *Bot) expandScope(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request, appID string) (actions.Request, bool) {
	no := func(text string) (actions.Request, bool) {
		log.Info().Str("event", "request.refused").Str("reason", "scope").Msg("could not read the --scope message")
		b.auditRefused(ctx, log, inv, req, "its --scope message could not be used")
		b.respond(ctx, log, inv, blocks.Notice(text+" Nothing was run."))
		return req, false
	}
	channel, ts, thread, ok := scopeLink(req.Context)
	if !ok {
		return no(":no_entry: `--scope` needs a link to a Slack message (the message's ⋯ menu → *Copy link*).")
	}
	cannotRead := fmt.Sprintf(":no_entry: I cannot read the messages of %s: oktabot reads only channels it is a member of (invite it with `/invite @oktabot`), never direct messages between people. Or use the message's shortcut *Okta: act on people* there.", blocks.ChannelRef(channel))
	if strings.HasPrefix(channel, "D") {
		return no(cannotRead) // a direct message: oktabot has no scope to read one
	}
	msg, err := b.readMessage(ctx, inv.caller, channel, ts, thread)
	var se slack.SlackErrorResponse
	switch {
	case errors.As(err, &se) && (se.Err == "not_in_channel" || se.Err == "channel_not_found" || se.Err == "missing_scope"):
		// missing_scope: a group direct message, which oktabot has no
		// scope to read either.
		return no(cannotRead)
	case errors.Is(err, errNotMember):
		return no(fmt.Sprintf(":no_entry: You are not a member of %s, so I will not read its messages for you.", blocks.ChannelRef(channel)))
	case errors.Is(err, errNoMessage):
		return no(":no_entry: That link names no message I can find (it may have been deleted).")
	case err != nil:
		log.Error().Err(err).Msg("could not read the --scope message")
		return no(":warning: I could not read that message (Slack did not answer). Please try again.")
	}
	if ownMessage(msg, appID) {
		return no(":no_entry: That is one of oktabot's own messages; I do not take people from them.")
	}
	link := b.permalink(ctx, log, channel, msg.Timestamp)
	p := b.scopePeople(ctx, link, msg)
	log.Info().Str("event", "scope.found").Int("found", p.Found).Int("resolved", len(p.IDs)).Msg("people named in a message")
	if len(p.IDs) == 0 && len(req.Targets) == 0 {
		return no(fmt.Sprintf(":grey_question: I found no Okta user in %s.", scopeNote(p)))
	}
	if p.Taken < p.Found || len(p.Unresolved) > 0 {
		b.respond(ctx, log, inv, blocks.Notice(scopeNote(p)))
	}
	for _, id := range p.IDs {
		if !slices.Contains(req.Targets, id) {
			req.Targets = append(req.Targets, id)
		}
	}
	req.Context = link
	return req, true
}

// scopeNote tells the caller how many people a message named, how many
// were taken, and who was left out and why.
func scopeNote(p blocks.ScopePeople) string {
	s := fmt.Sprintf("the message (%d named, %d found in Okta)", p.Found, len(p.IDs))
	if p.Taken < p.Found {
		s += fmt.Sprintf(". It names %d people; only the first %d are taken", p.Found, p.Taken)
	}
	for _, o := range p.Unresolved {
		s += "\n" + blocks.OutcomeError(o.Target, o.Err)
	}
	return s
}

var (
	errNotMember = errors.New("the caller is not a member of the conversation")
	errNoMessage = errors.New("no such message")
)

// readMessage reads one message the caller can see: the bot reads it
// (conversations.history, or .replies in a thread) only in a conversation
// it is in, and from a private one only for a member of it.
func (b *Bot) readMessage(ctx context.Context, caller, channel, ts, thread string) (slack.Message, error) {
	info, err := b.cfg.Slack.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channel})
	if err != nil {
		return slack.Message{}, err
	}
	if info.IsPrivate || info.IsIM || info.IsMpIM {
		members, _, err := b.cfg.Slack.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: channel, Limit: 1000})
		if err != nil {
			return slack.Message{}, err
		}
		if !slices.Contains(members, caller) {
			return slack.Message{}, errNotMember
		}
	}
	var msgs []slack.Message
	if thread != "" && thread != ts {
		msgs, _, _, err = b.cfg.Slack.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: channel, Timestamp: thread, Latest: ts, Oldest: ts, Inclusive: true, Limit: 1})
	} else {
		var h *slack.GetConversationHistoryResponse
		h, err = b.cfg.Slack.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: channel, Latest: ts, Inclusive: true, Limit: 1})
		if h != nil {
			msgs = h.Messages
		}
	}
	if err != nil {
		return slack.Message{}, err
	}
	for _, m := range msgs {
		if m.Timestamp == ts {
			return m, nil
		}
	}
	return slack.Message{}, errNoMessage
}

package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/blocks"
	"oktabot/requests"
)

// suggestTimeout keeps type-ahead inside Slack's 3 seconds.
const suggestTimeout = 2 * time.Second

// onInteractive routes an interactive envelope. Modal submissions are
// validated here, without Okta, so that field errors go back in the ack;
// type-ahead must answer in its ack, so its worker sends the ack.
func (b *Bot) onInteractive(workCtx context.Context, sm *socketmode.Client, req *socketmode.Request, cb slack.InteractionCallback) {
	switch cb.Type {
	case slack.InteractionTypeViewSubmission:
		switch cb.View.CallbackID {
		case blocks.CallbackPicker:
			busy := slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.BlockPick: "oktabot is busy right now. Please choose again in a moment."})
			b.acceptDeferred(workCtx, sm, req, cb.User.ID, busy, func(ctx context.Context) any { return b.pickSubmitted(ctx, cb) })
		case blocks.CallbackScope:
			busy := slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.BlockPick: "oktabot is busy right now. Please choose again in a moment."})
			b.acceptDeferred(workCtx, sm, req, cb.User.ID, busy, func(ctx context.Context) any { return b.scopeSubmitted(ctx, cb) })
		case blocks.CallbackAction:
			b.actionSubmitted(workCtx, sm, req, cb)
		case blocks.CallbackDeny, blocks.CallbackSetPassword, blocks.CallbackBreakGlass:
			b.approvalViewSubmitted(workCtx, sm, req, cb)
		default:
			b.ack(sm, req, nil)
		}
	case slack.InteractionTypeMessageAction:
		if cb.CallbackID != blocks.CallbackScopeShortcut {
			b.ack(sm, req, nil)
			return
		}
		b.acceptNoting(workCtx, sm, req, cb.User.ID, cb.ResponseURL, "your request", nil, func(ctx context.Context) { b.onMessageShortcut(ctx, cb) })
	case slack.InteractionTypeBlockActions:
		b.onBlockActions(workCtx, sm, req, cb)
	case slack.InteractionTypeBlockSuggestion:
		b.acceptDeferred(workCtx, sm, req, cb.User.ID, slack.OptionsResponse{}, func(ctx context.Context) any {
			return b.suggest(ctx, cb)
		})
	default:
		b.ack(sm, req, nil)
	}
}

// pickSubmitted turns the picker into the chosen action's form, if the
// policy still lets the caller run it (it may have changed since the
// picker opened).
func (b *Bot) pickSubmitted(ctx context.Context, cb slack.InteractionCallback) any {
	choice := cb.View.State.Values[blocks.BlockPick][blocks.BlockPick].SelectedOption.Value
	a := b.cfg.Registry.Lookup(choice)
	if a == nil {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.BlockPick: "Choose one of the actions."})
	}
	meta := blocks.DecodeFormMeta(cb.View.PrivateMetadata)
	ctx, cancel := context.WithTimeout(ctx, suggestTimeout)
	defer cancel()
	d, err := b.cfg.Auth.Decide(ctx, cb.User.ID, a.Name, meta.Channel)
	switch {
	case err != nil:
		b.log.Warn().Err(err).Str("user", cb.User.ID).Str("action", a.Name).Msg("could not check the policy for a picked action")
		return slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.BlockPick: "I could not check the policy just now. Please choose again in a moment."})
	case d.Verdict == auth.Deny:
		b.log.Info().Str("event", "pick.refused").Str("user", cb.User.ID).Str("action", a.Name).Msg("picked an action the policy does not allow")
		return slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.BlockPick: fmt.Sprintf("You are not allowed to run %s. Choose another action.", a.Name)})
	}
	view := blocks.ActionForm(formAction(a, d), actions.Request{Action: a, Values: map[string]string{}}, meta, b.ruleFor(a.Name))
	return slack.NewUpdateViewSubmissionResponse(&view)
}

func (b *Bot) ruleFor(action string) *auth.ApprovalRule { return b.cfg.Auth.Policy().RuleFor(action) }

// formAction is a as its form offers it to a caller the policy decided d
// for: the role types it offers (assign-role's --role) are those d lets
// them assign, when it lets them assign any. What is submitted is checked
// against the policy all the same.
func formAction(a *actions.Action, d auth.Decision) *actions.Action {
	if d.RoleTypes.IsZero() {
		return a
	}
	out := *a
	out.Params = slices.Clone(a.Params)
	for i, p := range out.Params {
		if p.Name != "role" || p.Type != actions.Choice {
			continue
		}
		var allowed []string
		for _, c := range p.Choices {
			if d.RoleTypes.Allows(c) {
				allowed = append(allowed, c)
			}
		}
		if len(allowed) > 0 {
			out.Params[i].Choices = allowed
		}
	}
	return &out
}

// actionSubmitted validates a form and, when it is complete, closes it and
// runs the request on a worker.
func (b *Bot) actionSubmitted(workCtx context.Context, sm *socketmode.Client, req *socketmode.Request, cb slack.InteractionCallback) {
	meta := blocks.DecodeFormMeta(cb.View.PrivateMetadata)
	a := b.cfg.Registry.Lookup(meta.Action)
	if a == nil {
		b.ack(sm, req, nil)
		return
	}
	sub := blocks.ReadSubmission(a, cb.View.State.Values)
	parsed, err := b.cfg.Registry.Build(a, sub.Targets, sub.Raw, sub.Password, sub.Reason, sub.Public)
	if err != nil {
		var e *actions.Error
		block := ""
		if errors.As(err, &e) {
			block = blocks.FieldBlock(a, e.Field)
		}
		if block == "" {
			block = firstInput(a)
		}
		b.ack(sm, req, slack.NewErrorsViewSubmissionResponse(map[string]string{block: blocks.Clip(blocks.Fallback(blocks.ProblemBare(err)), 1000)}))
		return
	}
	parsed.Request.Context = meta.Context
	rule := b.ruleFor(a.Name)
	errs := map[string]string{}
	for _, m := range parsed.Missing {
		if p := a.Param(m); rule != nil && p != nil && p.Type == actions.Password {
			continue // asked for after approval
		}
		if blk := blocks.FieldBlock(a, m); blk != "" {
			errs[blk] = "Required."
		}
	}
	if len(errs) > 0 {
		b.ack(sm, req, slack.NewErrorsViewSubmissionResponse(errs))
		return
	}
	if requests.ReasonMissing(rule, sub.Reason) {
		b.ack(sm, req, slack.NewErrorsViewSubmissionResponse(map[string]string{blocks.BlockReason: "The policy asks for a reason for this action."}))
		return
	}
	if !b.limiter.allow(cb.User.ID) {
		b.ack(sm, req, slack.NewErrorsViewSubmissionResponse(map[string]string{firstInput(a): fmt.Sprintf("You have sent more than %d commands in the last minute; nothing was run. Slow down and submit again in a moment.", b.cfg.PerUserLimit)}))
		b.refuseUnrun(cb.User.ID, meta.Channel, a.Name, fmt.Sprintf("more than %d commands a minute from this person; not run", b.cfg.PerUserLimit))
		return
	}
	inv := invocation{caller: cb.User.ID, channel: meta.Channel, team: cb.Team.ID, responseURL: meta.ResponseURL, triggerID: cb.TriggerID}
	b.acceptNoting(workCtx, sm, req, cb.User.ID, meta.ResponseURL, "your form", slack.NewErrorsViewSubmissionResponse(map[string]string{firstInput(a): "oktabot is busy right now; nothing was run. Please submit again in a moment."}),
		func(ctx context.Context) {
			log := inv.logger(b.log).With().Str("action", a.Name).Str("via", "modal").Logger()
			if b.localGrantCommand(ctx, log, inv, parsed.Request) {
				return
			}
			decision, ok := b.authorize(ctx, log, inv, parsed.Request)
			if !ok {
				return
			}
			log = log.With().Strs("targets", parsed.Request.Targets).Logger()
			b.execute(ctx, log, inv, parsed.Request, decision)
		})
}

// firstInput is the block an error about the whole form is shown on.
func firstInput(a *actions.Action) string {
	if a.Targets != actions.NoTargets {
		return blocks.BlockTargets
	}
	for _, p := range a.Params {
		return blocks.ParamPrefix + p.Name
	}
	return blocks.BlockPublic
}

// suggest answers type-ahead in a form: users or groups from Okta that
// start with what was typed, only for someone allowed to run the form's
// action.
func (b *Bot) suggest(ctx context.Context, cb slack.InteractionCallback) slack.OptionsResponse {
	ctx, cancel := context.WithTimeout(ctx, suggestTimeout)
	defer cancel()
	meta := blocks.DecodeFormMeta(cb.View.PrivateMetadata)
	a := b.cfg.Registry.Lookup(meta.Action)
	typed := strings.TrimSpace(cb.Value)
	if a == nil || cb.ActionID != blocks.BlockTargets || len([]rune(typed)) < blocks.SuggestMinChars {
		return slack.OptionsResponse{}
	}
	var opts []*slack.OptionBlockObject
	for _, c := range b.eng.Suggest(ctx, cb.User.ID, meta.Channel, a, typed) {
		opts = append(opts, blocks.Option(c.ID, c.Text))
	}
	return slack.OptionsResponse{Options: opts}
}

package handlers

import (
	"context"
	"errors"

	"github.com/rs/zerolog"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/blocks"
	"oktabot/requests"
)

// guardRequest builds the Env an authorized request of the caller's runs
// with (requests.Engine.Guard). When the request cannot run at all (a role type the
// caller may not change, or their own Okta account cannot be told), it
// tells them, audits the refusal and returns false: nothing reaches Okta
// and nobody is asked to approve it.
func (b *Bot) guardRequest(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request, d auth.Decision) (actions.Env, bool) {
	env, err := b.eng.Guard(ctx, inv.caller, req, d)
	if err == nil {
		return env, true
	}
	why := "refused by a guard"
	var ge *requests.GuardError
	if errors.As(err, &ge) {
		why = ge.Audit
	}
	log.Info().Str("event", "request.refused").Str("reason", why).Msg("request refused before it reached Okta")
	b.auditRefused(ctx, log, inv, req, why)
	b.respond(ctx, log, inv, blocks.ProblemReply(err))
	return env, false
}

package handlers

import (
	"context"
	"fmt"

	"github.com/rs/zerolog"

	"oktabot/actions"
	"oktabot/auth"
)

// requestApproval is where a request that needs a second person's approval
// goes. Approvals are not built yet, so such a request is never run.
func (b *Bot) requestApproval(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request, decision auth.Decision) {
	log.Info().Str("event", "request.refused").Str("reason", "approval unsupported").Msg("action needs approval")
	b.respond(ctx, log, inv, renderNotice(fmt.Sprintf(":lock: `%s` needs a second person's approval under the policy, and this version of oktabot cannot ask for one yet. Nothing was run.", req.Action.Name)))
}

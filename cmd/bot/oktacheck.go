package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"oktabot/actions"
)

// oktaCheckTimeout bounds the start-up check of Okta.
const oktaCheckTimeout = 10 * time.Second

// oktaRefused is an Okta that answered but will not serve the bot: a
// refused credential, or something at the org URL that is not Okta.
// Waiting does not fix either.
type oktaRefused struct{ msg string }

func (e *oktaRefused) Error() string { return e.msg }

// checkOkta makes one cheap call (Whoami: GET /users/me, or the org's
// settings for a service app) to learn at start whether Okta takes the
// bot's credential. A refusal is returned: the bot must not start. An
// Okta that cannot be reached is a warning on the log and on /readyz, and
// the check is retried in the background until ctx is done; a refusal
// then calls fail.
func checkOkta(ctx context.Context, dir actions.Directory, cfg config, h *health, log zerolog.Logger, fail func(error)) error {
	problem, err := oktaProbe(ctx, dir, cfg)
	if err != nil {
		return err
	}
	if problem == "" {
		log.Info().Str("okta_org", cfg.OktaOrgURL).Msg("Okta is reachable")
		return nil
	}
	go func() {
		wait := 2 * time.Second
		for problem != "" {
			h.oktaProblem(problem)
			log.Warn().Str("problem", problem).Dur("retry_in", wait).Msg("could not reach Okta at " + cfg.OktaOrgURL + "; retrying")
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, time.Minute)
			if problem, err = oktaProbe(ctx, dir, cfg); err != nil {
				if ctx.Err() == nil {
					fail(err)
				}
				return
			}
		}
		h.oktaProblem("")
		log.Info().Str("okta_org", cfg.OktaOrgURL).Msg("Okta is reachable")
	}()
	return nil
}

// oktaProbe calls Okta once. It returns a problem worth retrying as text,
// or an *oktaRefused.
func oktaProbe(ctx context.Context, dir actions.Directory, cfg config) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, oktaCheckTimeout)
	defer cancel()
	_, err := dir.Whoami(cctx)
	if err == nil {
		return "", nil
	}
	msg := err.Error()
	var e *actions.Error
	if errors.As(err, &e) && e.Message != "" {
		msg = e.Message
		if e.Code != "" && !strings.Contains(msg, e.Code) {
			msg += " (" + e.Code + ")"
		}
	}
	switch actions.KindOf(err) {
	case actions.KindUnavailable, actions.KindRateLimited:
		return fmt.Sprintf("could not reach Okta at %s: %s", cfg.OktaOrgURL, msg), nil
	case actions.KindForbidden:
		if !strings.Contains(msg, "OKTA_CLIENT_") {
			if cfg.OktaOAuth != nil {
				msg += " (check OKTA_CLIENT_CLIENTID, OKTA_CLIENT_SCOPES, OKTA_CLIENT_PRIVATEKEY and the app in Okta)"
			} else {
				msg += " (check OKTA_CLIENT_TOKEN)"
			}
		}
		return "", &oktaRefused{fmt.Sprintf("Okta at %s refused the bot's login: %s", cfg.OktaOrgURL, msg)}
	}
	return "", &oktaRefused{fmt.Sprintf("OKTA_CLIENT_ORGURL: %s did not answer as an Okta org would (%s)", cfg.OktaOrgURL, msg)}
}

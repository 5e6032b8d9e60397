package actions

import (
	"context"
	"regexp"
	"strings"
	"time"
)

// factorIDPattern is the shape of an Okta factor id.
var factorIDPattern = regexp.MustCompile(`^[0-9A-Za-z]{20}$`)

// runVerifyUser has one user prove, on their own device, that they are the
// account's owner: an Okta Verify push with number matching (env.Verify,
// which shows the caller the number, polls the push and tells them how it
// went). Its outcome says approved and how long it took; a rejected or
// unanswered push, or none to send, is the target's error.
func runVerifyUser(ctx context.Context, env Env, req Request) (Result, error) {
	if len(req.Targets) != 1 {
		return Result{}, &Error{Kind: KindInvalid, Field: "targets", Message: "verify-user verifies one user at a time; name one user"}
	}
	factor := strings.TrimSpace(req.Values["factor"])
	if strings.EqualFold(factor, FactorPush) {
		factor = ""
	}
	if factor != "" && !factorIDPattern.MatchString(factor) {
		return Result{}, &Error{Kind: KindInvalid, Field: "factor", Message: "--factor takes push (their Okta Verify push) or the id of one of their push factors, from list-factors"}
	}
	if env.Verify == nil {
		return Result{}, Errorf(KindInternal, "verify-user cannot send a push from here")
	}
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		start := time.Now()
		if err := env.Verify(ctx, *o.User, factor); err != nil {
			o.Err = err
			return
		}
		o.Done = "approved the Okta Verify push in " + Took(time.Since(start))
	}), nil
}

// Took is a duration for people: "12s", "1m5s".
func Took(d time.Duration) string {
	if d < time.Second {
		return "under a second"
	}
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	return s
}

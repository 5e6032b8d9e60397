package actions

import (
	"context"
	"errors"
	"strings"
)

// The helpdesk's and incident responders' writes to an account: unlock,
// sessions, password expiry, factor resets and containment. Each works on
// one user at a time through forEachUser, so the guards (Okta admins, the
// caller's own account) are asked before the first write to a user.

// okta's errorCode for an unlock Okta has nothing to do for (an ACTIVE
// user whose sign-ins are not blocked).
const codeUnlockRefused = "E0000032"

// runUnlockUser unlocks a LOCKED_OUT user, and lifts the block on an
// ACTIVE user's sign-ins from unknown devices, which Okta does not show:
// for an ACTIVE user Okta is asked, and its refusal means there was
// nothing to unlock.
func runUnlockUser(ctx context.Context, env Env, req Request) (Result, error) {
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		u := o.User
		switch u.Status {
		case StatusLockedOut, StatusActive:
		case StatusSuspended:
			o.Err = Errorf(KindInvalid, "%s is SUSPENDED, not locked out; enable-user unsuspends them", u.Login)
			return
		default:
			o.Err = Errorf(KindInvalid, "%s is %s, not locked out; Okta unlocks only locked-out and active users", u.Login, u.Status)
			return
		}
		err := env.Dir.UnlockUser(ctx, u.ID)
		var ae *Error
		switch {
		case err != nil && u.Status == StatusActive && errors.As(err, &ae) && ae.Code == codeUnlockRefused:
			o.Done = "not locked out: nothing to unlock"
		case err != nil:
			o.Err = err
		case u.Status == StatusActive:
			o.Done, o.Changed = "unlocked: sign-ins from unknown devices were blocked", true
		default:
			o.Done, o.Changed = "unlocked", true
		}
	}), nil
}

// lower is an Okta status for a sentence: "password expired".
func lower(status string) string { return strings.ToLower(strings.ReplaceAll(status, "_", " ")) }

// runClearSessions ends every Okta session of each user and, unless
// --keep-tokens or --keep-devices, revokes their OAuth tokens and forgets
// their remembered devices (Okta's own defaults differ: both are sent).
func runClearSessions(ctx context.Context, env Env, req Request) (Result, error) {
	opts := ClearSessions{OAuthTokens: !req.Bool("keep-tokens"), ForgetDevices: !req.Bool("keep-devices")}
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		if err := env.Dir.ClearSessions(ctx, o.User.ID, opts); err != nil {
			o.Err = err
			return
		}
		o.Done, o.Changed = sessionsCleared(opts), true
	}), nil
}

// sessionsCleared says what clearing with opts did.
func sessionsCleared(opts ClearSessions) string {
	s := "sessions ended"
	if opts.OAuthTokens {
		s += "; OAuth tokens revoked"
	} else {
		s += "; OAuth tokens kept"
	}
	if opts.ForgetDevices {
		s += "; remembered devices forgotten"
	} else {
		s += "; remembered devices kept"
	}
	return s
}

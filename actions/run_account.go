package actions

import (
	"context"
	"errors"
	"slices"
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

// runExpirePassword expires each user's password, which Okta does for
// ACTIVE and PASSWORD_EXPIRED users only. With --temp-password Okta also
// replaces it by a temporary one, for the caller only; the user's sessions
// are left as they are (clear-sessions ends them).
func runExpirePassword(ctx context.Context, env Env, req Request) (Result, error) {
	temp := req.Bool("temp-password")
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		u := o.User
		switch {
		case u.Status == StatusPasswordExpired && !temp:
			o.Done = "password already expired"
			return
		case u.Status != StatusActive && u.Status != StatusPasswordExpired:
			o.Err = Errorf(KindInvalid, "%s is %s; Okta expires the passwords of active users only", u.Login, u.Status)
			return
		}
		if !temp {
			if err := env.Dir.ExpirePassword(ctx, u.ID); err != nil {
				o.Err = err
				return
			}
			o.Done, o.Changed = "password expired: they choose a new one at their next sign-in", true
			return
		}
		pw, err := env.Dir.ExpirePasswordWithTemp(ctx, u.ID, false)
		if err != nil {
			o.Err = err
			return
		}
		o.Done, o.Changed = "password expired and replaced by a temporary one: they choose a new one when they sign in with it", true
		o.Secret, o.SecretLabel = pw, "temporary password"
	}), nil
}

// runResetFactors unenrolls each user's factors: every one (Okta's
// reset_factors) or those named by --factor, by type or id, one by one.
// Reading the factors first tells a user with nothing enrolled, and names
// what was removed.
func runResetFactors(ctx context.Context, env Env, req Request) (Result, error) {
	wanted := req.List("factor")
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		u := o.User
		if u.Status == StatusDeprovisioned {
			o.Err = Errorf(KindInvalid, "%s is DEPROVISIONED; Okta keeps no factors to reset for deactivated users", u.Login)
			return
		}
		fs, err := env.Dir.ListFactors(ctx, u.ID)
		if err != nil {
			o.Err = err
			return
		}
		if len(fs) == 0 {
			o.Done = "no factors enrolled; nothing to reset"
			return
		}
		if len(wanted) == 0 {
			if err := env.Dir.ResetFactors(ctx, u.ID); err != nil {
				o.Err = err
				return
			}
			o.Factors = fs
			o.Done, o.Changed = "reset every factor ("+factorList(fs)+"): they enroll again at their next sign-in", true
			return
		}
		var removed, absent []string
		gone := map[string]bool{}
		for _, w := range wanted {
			matched := false
			for _, f := range fs {
				if f.ID != w && !strings.EqualFold(f.Type, w) {
					continue
				}
				matched = true
				if gone[f.ID] {
					continue
				}
				err := env.Dir.DeleteFactor(ctx, u.ID, f.ID)
				// Unenrolling Okta Verify removes its other factors too.
				if err != nil && !IsKind(err, KindNotFound) {
					o.Err = err
					o.Done = summary("removed", removed, "did not have", absent)
					o.Changed = len(removed) > 0
					return
				}
				gone[f.ID] = true
				o.Factors = append(o.Factors, f)
				removed = append(removed, f.Name())
			}
			if !matched {
				absent = append(absent, w)
			}
		}
		o.Done = summary("removed", removed, "did not have", absent)
		o.Changed = len(removed) > 0
	}), nil
}

// factorList names factors: "Okta Verify push, SMS".
func factorList(fs []Factor) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name()
	}
	return strings.Join(names, ", ")
}

// ContainPasswordNote is what contain says of the password: Okta expires
// the passwords of ACTIVE (and PASSWORD_EXPIRED) users only, and suspends
// ACTIVE users only, so a password cannot be expired once the account is
// suspended, nor the account suspended once its password is expired.
// Suspending comes first: it stops every sign-in at once, which expiring
// the password does not (the old password still signs in, to choose a new
// one).
const ContainPasswordNote = "password not expired: Okta does not expire a suspended user's password; run expire-password when you unsuspend them"

// runContain contains each user, in order: suspend (an already suspended
// user stays so), end every session and revoke their OAuth tokens (unless
// --keep-tokens) and remembered devices. A step that fails stops that
// user's later steps, and the answer says what was and was not done; the
// other users go on. The password is not expired (ContainPasswordNote).
func runContain(ctx context.Context, env Env, req Request) (Result, error) {
	opts := ClearSessions{OAuthTokens: !req.Bool("keep-tokens"), ForgetDevices: true}
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		u := o.User
		var done []string
		fail := func(step string, err error, left ...string) {
			o.Done, o.Changed = strings.Join(done, "; "), slices.Contains(done, "suspended")
			o.Err = stepFailed(step, err, left)
		}
		switch {
		case u.Status == StatusSuspended:
			done = append(done, "already suspended")
		case u.Status != StatusActive:
			fail("suspend", Errorf(KindInvalid, "%s is %s, and Okta suspends active users only", u.Login, u.Status), "clear sessions", "revoke tokens")
			return
		default:
			if err := env.Dir.SuspendUser(ctx, u.ID); err != nil {
				fail("suspend", err, "clear sessions", "revoke tokens")
				return
			}
			done = append(done, "suspended")
		}
		if err := env.Dir.ClearSessions(ctx, u.ID, opts); err != nil {
			fail("clear sessions", err)
			return
		}
		done = append(done, sessionsCleared(opts), ContainPasswordNote)
		o.Done, o.Changed = strings.Join(done, "; "), true
	}), nil
}

// stepFailed is a contain step's failure: what failed, why, and what was
// therefore not done, with the cause's kind and Okta code.
func stepFailed(step string, err error, left []string) error {
	out := &Error{Kind: KindOf(err), Err: err}
	why := out.Kind.String()
	var ae *Error
	if errors.As(err, &ae) {
		out.Code, out.RequestID, out.Causes = ae.Code, ae.RequestID, ae.Causes
		if ae.Message != "" {
			why = ae.Message
		}
	}
	out.Message = step + " failed: " + why
	if len(left) > 0 {
		out.Message += "; not done: " + strings.Join(left, ", ")
	}
	return out
}

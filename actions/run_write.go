package actions

import (
	"context"
	"crypto/rand"
	"math/big"
	"strings"
)

// runAddGroup creates the group. The duplicate check is Okta's own: its
// group names are unique across all group types, while a search before
// the create could miss a group made a moment ago (search lags writes).
func runAddGroup(ctx context.Context, env Env, req Request) (Result, error) {
	name := req.Targets[0]
	o := Outcome{Target: name}
	g, err := env.Dir.CreateGroup(ctx, name, req.Values["description"])
	switch {
	case IsKind(err, KindConflict):
		o.Err = err
		// Name the group that has it, when search already shows it.
		if existing, ferr := env.Dir.FindGroupsByName(ctx, name); ferr == nil && len(existing) > 0 {
			g := existing[0]
			o.Group = &g
			o.Err = Errorf(KindConflict, "a group named %q already exists (id %s); nothing was created", g.Name, g.ID)
		}
	case err != nil:
		o.Err = err
	default:
		o.Group, o.Done, o.Changed = &g, "created", true
	}
	return Result{Outcomes: []Outcome{o}}, nil
}

func runAssignRole(ctx context.Context, env Env, req Request) (Result, error) {
	types := req.List("role")
	for _, typ := range types {
		if err := env.mayChangeRole(typ); err != nil {
			return Result{}, err
		}
	}
	tb, err := timeboxOf(env, req)
	if err != nil {
		return Result{}, err
	}
	if tb != nil {
		return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
			assignFor(ctx, env, tb, types, o)
		}), nil
	}
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		var done, already []string
		for _, typ := range types {
			r, err := env.Dir.AssignRole(ctx, o.User.ID, typ)
			switch {
			case IsKind(err, KindConflict):
				already = append(already, typ)
			case err != nil:
				o.Err = err
				o.Done = summary("assigned", done, "already had", already)
				return
			default:
				o.Roles = append(o.Roles, r)
				done = append(done, typ)
			}
		}
		o.Done = summary("assigned", done, "already had", already)
		o.Changed = len(done) > 0
		for _, typ := range already {
			kept, err := keepHeld(ctx, env, Access{User: *o.User, Role: strings.ToUpper(typ)})
			if kept != "" {
				o.Done += "; " + kept
			}
			if err != nil {
				o.Err = err
				return
			}
		}
	}), nil
}

// assignFor assigns role types to one user for a time (--for): a type the
// user already holds directly is extended if a grant of oktabot's gave it
// and --extend was given, else refused; the others are given, each its
// own grant.
func assignFor(ctx context.Context, env Env, tb *Timebox, types []string, o *Outcome) {
	roles, err := env.Dir.ListRoles(ctx, o.User.ID)
	if err != nil {
		o.Err = err
		return
	}
	var parts []string
	defer func() { o.Done = joinDone(parts) }()
	for _, typ := range types {
		a := Access{User: *o.User, Role: strings.ToUpper(typ)}
		held := HoldsRole(roles, a.Role)
		raced := false
		assign := func() (string, error) {
			r, err := env.Dir.AssignRole(ctx, o.User.ID, a.Role)
			switch {
			case IsKind(err, KindConflict):
				raced = true // assigned by someone else since it was read
			case err == nil:
				o.Roles = append(o.Roles, r)
			}
			return r.ID, err
		}
		done, changed, err := timeboxed(ctx, env, tb, a, held, assign)
		if raced {
			done, changed, err = timeboxed(ctx, env, tb, a, true, nil)
		}
		if err != nil {
			o.Err = err
			return
		}
		parts = append(parts, done)
		o.Changed = o.Changed || changed
	}
}

func runUnassignRole(ctx context.Context, env Env, req Request) (Result, error) {
	wanted := req.List("role")
	byID := req.Bool("is-id")
	if !byID {
		for _, typ := range wanted {
			if err := env.mayChangeRole(typ); err != nil {
				return Result{}, err
			}
		}
	}
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		roles, err := env.Dir.ListRoles(ctx, o.User.ID)
		if err != nil {
			o.Err = err
			return
		}
		var done, absent, viaGroup []string
		var refused error
		for _, w := range wanted {
			matched := false
			for _, r := range roles {
				if (byID && r.ID == w) || (!byID && strings.EqualFold(r.Type, w)) {
					matched = true
					if r.AssignmentType != "" && r.AssignmentType != "USER" {
						viaGroup = append(viaGroup, w)
						continue
					}
					// By id, the type is known only now.
					if err := env.mayChangeRole(r.Type); err != nil {
						refused = err
						continue
					}
					if err := env.Dir.UnassignRole(ctx, o.User.ID, r.ID); err != nil {
						o.Err = err
						o.Done = summary("removed", done, "did not have", absent)
						return
					}
					o.Roles = append(o.Roles, r)
					done = append(done, label(r))
				}
			}
			if !matched {
				absent = append(absent, w)
			}
		}
		o.Done = summary("removed", done, "did not have", absent)
		switch {
		case refused != nil:
			o.Err = refused
		case len(viaGroup) > 0:
			o.Err = Errorf(KindInvalid, "%s assigned through a group, not to the user; remove it from the group instead", strings.Join(viaGroup, ", "))
		}
		o.Changed = len(done) > 0
	}), nil
}

func label(r Role) string {
	if r.Type != "" {
		return r.Type
	}
	return r.ID
}

// summary joins "assigned A, B" and "already had C" into one phrase.
func summary(didVerb string, did []string, notVerb string, not []string) string {
	var parts []string
	if len(did) > 0 {
		parts = append(parts, didVerb+" "+strings.Join(did, ", "))
	}
	if len(not) > 0 {
		parts = append(parts, notVerb+" "+strings.Join(not, ", "))
	}
	return strings.Join(parts, "; ")
}

// runEnableUser unsuspends a suspended user, unlocks a locked-out one, and,
// with --activate, activates a staged or deactivated one (or restarts the
// activation of a provisioned one, or of one in password recovery). Without --send-email the activation link
// comes back to the caller only.
func runEnableUser(ctx context.Context, env Env, req Request) (Result, error) {
	activate, sendEmail := req.Bool("activate"), req.Bool("send-email")
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		u := o.User
		switch transitionOf(*u) {
		case "activation":
			o.Done = "already being activated: Okta is finishing it (" + transitionText(*u) + ")"
			return
		case "deactivation":
			o.Err = Errorf(KindConflict, "%s is being deactivated (%s); Okta must finish that first", u.Login, transitionText(*u))
			return
		}
		var act Activation
		var err error
		switch u.Status {
		case StatusSuspended:
			err, o.Done = env.Dir.UnsuspendUser(ctx, u.ID), "unsuspended"
		case StatusLockedOut:
			err, o.Done = env.Dir.UnlockUser(ctx, u.ID), "unlocked"
		case StatusStaged, StatusDeprovisioned:
			if !activate {
				o.Err = Errorf(KindInvalid, "%s is %s, not suspended; add --activate to activate them", u.Login, u.Status)
				return
			}
			act, err = env.Dir.ActivateUser(ctx, u.ID, sendEmail)
			o.Done = "activated"
		case StatusProvisioned, StatusRecovery:
			if !activate {
				if u.Status == StatusRecovery {
					o.Done = "already enabled, with a password reset under way (RECOVERY); --activate restarts their activation instead"
				} else {
					o.Done = "already activated and waiting for the user to finish setting up; --activate sends the activation again"
				}
				return
			}
			act, err = env.Dir.ReactivateUser(ctx, u.ID, sendEmail)
			o.Done = "activation sent again"
		default:
			o.Done = "already " + strings.ToLower(strings.ReplaceAll(u.Status, "_", " "))
			return
		}
		if err != nil {
			o.Err, o.Done = err, ""
			return
		}
		o.Changed = true
		if o.Done == "activated" && settling(ctx, env, o) {
			o.Done = "activation started; Okta is finishing it (" + transitionText(*o.User) + ")"
		}
		if !act.URL.IsZero() {
			o.Secret, o.SecretLabel = act.URL, "one-time activation link"
		} else if sendEmail && o.Done != "unsuspended" && o.Done != "unlocked" {
			o.Done += "; Okta emailed the activation link to the user"
		}
	}), nil
}

// runDisableUser suspends an active user or, with --deactivate, deactivates
// any user.
func runDisableUser(ctx context.Context, env Env, req Request) (Result, error) {
	deactivate, sendEmail := req.Bool("deactivate"), req.Bool("send-email")
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		u := o.User
		switch transitionOf(*u) {
		case "deactivation":
			o.Done = "already being deactivated: Okta is finishing it (" + transitionText(*u) + ")"
			return
		case "activation":
			o.Err = Errorf(KindConflict, "%s is being activated (%s); Okta must finish that first", u.Login, transitionText(*u))
			return
		}
		var err error
		switch {
		case u.Status == StatusDeprovisioned:
			o.Done = "already deactivated"
			return
		case deactivate:
			err, o.Done = env.Dir.DeactivateUser(ctx, u.ID, sendEmail), "deactivated"
		case u.Status == StatusSuspended:
			o.Done = "already suspended"
			return
		case u.Status == StatusActive:
			err, o.Done = env.Dir.SuspendUser(ctx, u.ID), "suspended"
		default:
			o.Err = Errorf(KindInvalid, "%s is %s; Okta suspends only active users. Use --deactivate to deactivate them", u.Login, u.Status)
			return
		}
		if err != nil {
			o.Err, o.Done = err, ""
			return
		}
		o.Changed = true
		if o.Done == "deactivated" && settling(ctx, env, o) {
			o.Done = "deactivation started; Okta is finishing it (" + transitionText(*o.User) + ")"
		}
	}), nil
}

// transitionOf names the asynchronous change Okta is making to u, if any:
// "activation" or "deactivation" (transitioningToStatus).
func transitionOf(u User) string {
	switch u.Transition {
	case "":
		return ""
	case StatusDeprovisioned:
		return "deactivation"
	}
	return "activation" // ACTIVE, PROVISIONED
}

func transitionText(u User) string { return u.Status + " → " + u.Transition }

// settling reads the user back after an activation or deactivation, which
// Okta finishes asynchronously, and reports whether Okta is still at it
// (o.User then becomes the state read, transition included). A failed read
// changes nothing: Okta took the change.
func settling(ctx context.Context, env Env, o *Outcome) bool {
	u, err := env.Dir.FindUser(ctx, o.User.ID)
	if err != nil || u.Transition == "" {
		return false
	}
	o.User = &u
	return true
}

// runResetPassword starts a reset: without --send-email the one-time link
// is for the caller only; with it Okta emails the user.
func runResetPassword(ctx context.Context, env Env, req Request) (Result, error) {
	sendEmail := req.Bool("send-email")
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		link, err := env.Dir.ResetPassword(ctx, o.User.ID, sendEmail)
		if err != nil {
			o.Err = err
			return
		}
		o.Changed = true
		if sendEmail {
			o.Done = "password reset started; Okta emailed the reset link to the user"
		} else {
			o.Done = "password reset started"
			o.Secret, o.SecretLabel = link, "one-time reset link"
		}
	}), nil
}

// RandomSuffixLength is how many characters --add-random-chars appends.
const RandomSuffixLength = 10

// randomAlphabet avoids characters that Slack formatting or a shell would
// mangle, and mixes classes so password policies are met.
const randomAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+=?@"

// runSetPassword sets each user's password to the one typed in the form,
// or, with --add-random-chars, to it plus ten random characters drawn
// afresh for every user; those passwords come back to the caller only.
func runSetPassword(ctx context.Context, env Env, req Request) (Result, error) {
	if req.Password.IsZero() {
		return Result{}, Errorf(KindInvalid, "set-password needs the new password, typed in its form")
	}
	random := req.Bool("add-random-chars")
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		pw := req.Password
		if random {
			suffix, err := randomString(RandomSuffixLength)
			if err != nil {
				o.Err = &Error{Kind: KindInternal, Message: "could not draw random characters", Err: err}
				return
			}
			pw = NewSecret(req.Password.Reveal() + suffix)
		}
		if err := env.Dir.SetPassword(ctx, o.User.ID, pw); err != nil {
			o.Err = err
			return
		}
		o.Done, o.Changed = "password set", true
		if random {
			o.Secret, o.SecretLabel = pw, "new password (your text plus 10 random characters)"
		}
	}), nil
}

func randomString(n int) (string, error) {
	b := make([]byte, n)
	max := big.NewInt(int64(len(randomAlphabet)))
	for i := range b {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		b[i] = randomAlphabet[k.Int64()]
	}
	return string(b), nil
}

package handlers

// Guards: what a writing action may do beyond what the policy grants by
// action name. A request runs with an actions.Env whose guards say
//   - Okta admins: without admin_targets, no user who holds an Okta admin
//     role is acted on (adminGuard);
//   - one's own account: nobody enables, disables, unlocks, resets, sets
//     the password of, or changes the roles of their own Okta user through
//     the bot (selfGuard). The caller's Okta user is found as a mention of
//     them would be: their Slack profile's email, then Okta;
//   - role types: assign-role and unassign-role change only the Okta role
//     types the caller's policy roles list in assignable_roles.
// The same guards apply when a request is made (direct, or before it is
// sent for approval) and again when an approved request runs, with the
// policy and Okta as they are then.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rs/zerolog"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/blocks"
)

// changesRoles reports whether a is an action that assignable_roles
// governs.
func changesRoles(a *actions.Action) bool {
	return a != nil && (a.Name == auth.AssignRole || a.Name == auth.UnassignRole)
}

// guardRequest builds the Env an authorized request of the caller's runs
// with (guardedEnv). When the request cannot run at all (a role type the
// caller may not change, or their own Okta account cannot be told), it
// tells them, audits the refusal and returns false: nothing reaches Okta
// and nobody is asked to approve it.
func (b *Bot) guardRequest(ctx context.Context, log zerolog.Logger, inv invocation, req actions.Request, d auth.Decision) (actions.Env, bool) {
	env, err := b.guardedEnv(ctx, inv.caller, req, d)
	if err == nil {
		return env, true
	}
	why := "refused by a guard"
	var ge *guardError
	if errors.As(err, &ge) {
		why = ge.audit
	}
	log.Info().Str("event", "request.refused").Str("reason", why).Msg("request refused before it reached Okta")
	b.auditRefused(ctx, log, inv, req, why)
	b.respond(ctx, log, inv, blocks.ProblemReply(err))
	return env, false
}

// performAs runs an approved request as its requester: with the guards
// their policy roles, as they are now (d), and their Okta account call for.
func (b *Bot) performAs(ctx context.Context, log zerolog.Logger, requester string, req actions.Request, d auth.Decision) performed {
	env, err := b.guardedEnv(ctx, requester, req, d)
	if err != nil {
		logOutcome(log, err, "approved request refused before it reached Okta")
		return performed{Err: err}
	}
	return b.perform(ctx, log, req, env)
}

// guardError is a refusal by a guard: what the caller is told (an
// *actions.Error) and what the audit says, which never repeats what was
// typed.
type guardError struct {
	err   *actions.Error
	audit string
}

func (e *guardError) Error() string { return e.err.Error() }
func (e *guardError) Unwrap() error { return e.err }

// guardedEnv is the Env a request of caller's runs with under d. It fails
// when the request may not run at all: it changes a role type d does not
// allow, or it changes roles and the caller's Okta account cannot be told,
// or the caller's account could not be looked up.
func (b *Bot) guardedEnv(ctx context.Context, caller string, req actions.Request, d auth.Decision) (actions.Env, error) {
	a := req.Action
	env := actions.Env{Dir: b.cfg.Dir, Now: b.cfg.Now}
	if changesRoles(a) {
		env.RoleGuard = func(typ string) error {
			if e := roleRefusal(a, d.RoleTypes, typ); e != nil {
				return e
			}
			return nil
		}
		// Types are checked now; assignment ids once their type is known.
		if !req.Bool("is-id") {
			for _, typ := range req.List("role") {
				if e := roleRefusal(a, d.RoleTypes, strings.ToUpper(typ)); e != nil {
					return env, &guardError{err: e, audit: "a role type outside the caller's assignable_roles"}
				}
			}
		}
	}
	if !a.Writes || a.Targets != actions.UserTargets {
		return env, nil
	}
	self, unknown, err := b.callerAccount(ctx, caller)
	switch {
	case err != nil:
		return env, err
	case unknown != "" && changesRoles(a):
		return env, &guardError{
			err:   actions.Errorf(actions.KindForbidden, "I could not tell which Okta account is yours (%s), so I cannot make sure you are not changing your own roles: role changes are refused until the email of your Slack profile is that of your Okta account. Nothing was sent to Okta", unknown),
			audit: "the caller's own Okta account could not be told, and role changes need it",
		}
	}
	guards := []func(context.Context, actions.User) error{self.guard}
	if !d.AdminTargets {
		guards = append(guards, b.adminGuard)
	}
	env.Guard = func(ctx context.Context, u actions.User) error {
		for _, g := range guards {
			if err := g(ctx, u); err != nil {
				return err
			}
		}
		return nil
	}
	return env, nil
}

// roleRefusal refuses a role type (upper case) outside allowed, saying
// what the caller may change instead; nil when allowed.
func roleRefusal(a *actions.Action, allowed auth.RoleTypes, typ string) *actions.Error {
	if allowed.Allows(typ) {
		return nil
	}
	verb := "assign"
	if a.Name == auth.UnassignRole {
		verb = "remove"
	}
	msg := fmt.Sprintf("your roles in oktabot's policy do not let you %s %s (assignable_roles); you may assign and remove %s", verb, typ, allowed)
	if slices.Contains(auth.PrivilegedRoleTypes, typ) {
		msg += fmt.Sprintf(" (%s need a policy role with admin_targets: true)", strings.Join(auth.PrivilegedRoleTypes, " and "))
	}
	return &actions.Error{Kind: actions.KindForbidden, Message: msg + ". Nothing was sent to Okta for it"}
}

// account is what is known of a caller's own Okta account.
type account struct {
	email string // their Slack profile's email, or ""
	id    string // their Okta user id, or "" when none was found
}

// guard refuses to act on the caller's own Okta user: the one found for
// them, or any user whose login or email is their Slack email.
func (c account) guard(_ context.Context, u actions.User) error {
	self := (c.id != "" && u.ID == c.id) ||
		(c.email != "" && (strings.EqualFold(u.Login, c.email) || strings.EqualFold(u.Email, c.email)))
	if !self {
		return nil
	}
	return actions.Errorf(actions.KindForbidden, "%s is your own Okta account, and nobody changes their own account through oktabot; ask a colleague. Nothing was done to it", u.Login)
}

// callerAccount finds the caller's own Okta account, as a mention of them
// would be resolved: their Slack profile's email, then the Okta user with
// it. When it cannot be told (Slack shows no email, no single Okta user has
// it), unknown says why and the account holds what is known. A failed
// Slack or Okta lookup is an error: nothing should run.
func (b *Bot) callerAccount(ctx context.Context, caller string) (c account, unknown string, err error) {
	t := b.resolveMention(ctx, caller)
	var ae *actions.Error
	switch {
	case t.err != nil && errors.As(t.err, &ae) && ae.Err != nil:
		// Slack did not answer: the profile may well have an email.
		return c, "", &guardError{
			err:   &actions.Error{Kind: actions.KindUnavailable, Err: t.err, Message: "I could not check which Okta account is yours (" + messageOf(t.err) + "), and nobody may change their own account through oktabot, so nothing was done. Please try again"},
			audit: "the caller's own Okta account could not be looked up",
		}
	case t.err != nil:
		return c, messageOf(t.err), nil
	}
	c.email = t.value
	u, err := b.cfg.Dir.FindUser(ctx, t.value)
	switch {
	case err == nil:
		c.id = u.ID
		return c, "", nil
	case actions.IsKind(err, actions.KindNotFound), actions.IsKind(err, actions.KindAmbiguous):
		return c, "no single Okta user has the email of your Slack profile", nil
	}
	return c, "", &guardError{
		err: &actions.Error{Kind: actions.KindOf(err), Err: err,
			Message: "I could not check which Okta account is yours (" + messageOf(err) + "), and nobody may change their own account through oktabot, so nothing was done. Please try again"},
		audit: "the caller's own Okta account could not be looked up",
	}
}

// messageOf is an error's message for people, without its cause.
func messageOf(err error) string {
	var ae *actions.Error
	if errors.As(err, &ae) && ae.Message != "" {
		return ae.Message
	}
	return actions.KindOf(err).String()
}

// adminGuard refuses to act on an Okta user who holds admin roles. Okta's
// own help desk role may not touch admins either, and a reset link or a new
// password for a super admin is the whole org. It fails closed: a user
// whose roles cannot be read is refused.
func (b *Bot) adminGuard(ctx context.Context, u actions.User) error {
	roles, err := b.cfg.Dir.ListRoles(ctx, u.ID)
	if err != nil {
		why := ""
		var ae *actions.Error
		if errors.As(err, &ae) && ae.Message != "" {
			why = " (" + ae.Message + ")"
		}
		return &actions.Error{Kind: actions.KindOf(err), Err: err,
			Message: fmt.Sprintf("could not check whether %s holds Okta admin roles%s, so nothing was done to them", u.Login, why)}
	}
	if len(roles) == 0 {
		return nil
	}
	var types []string
	for _, r := range roles {
		if !slices.Contains(types, r.Type) {
			types = append(types, r.Type)
		}
	}
	return actions.Errorf(actions.KindForbidden, "%s holds Okta admin roles (%s), and your roles in oktabot's policy may not act on Okta admins (admin_targets); nothing was done to them",
		u.Login, strings.Join(types, ", "))
}

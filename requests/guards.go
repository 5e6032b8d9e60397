package requests

// Guards: what a writing action may do beyond what the policy grants by
// action name. A request runs with an actions.Env whose guards say
//   - Okta admins: without admin_targets, no user who holds an Okta admin
//     role is acted on (adminGuard);
//   - one's own account: nobody enables, disables, unlocks, resets, sets
//     the password of, or changes the roles of their own Okta user through
//     the bot (account.guard). The caller's Okta user is found as a mention
//     of them would be: their Slack profile's email (People.Whois), then
//     Okta;
//   - role types: assign-role and unassign-role change only the Okta role
//     types the caller's policy roles list in assignable_roles;
//   - admin groups: without admin_targets, add-to-group and
//     remove-from-group refuse a group that grants Okta admin roles
//     (adminGroupGuard).
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
)

// GuardError is a refusal by a guard: what the caller is told (an
// *actions.Error) and what the audit says, which never repeats what was
// typed.
type GuardError struct {
	Err   *actions.Error
	Audit string
}

func (e *GuardError) Error() string { return e.Err.Error() }

func (e *GuardError) Unwrap() error { return e.Err }

// guardedEnv is the Env a request of caller's runs with under d. It fails
// when the request may not run at all: it changes a role type d does not
// allow, or it changes roles and the caller's Okta account cannot be told,
// or the caller's account could not be looked up.
func (e *Engine) Guard(ctx context.Context, caller string, req actions.Request, d auth.Decision) (actions.Env, error) {
	a := req.Action
	env := actions.Env{Dir: e.Dir, Now: e.Now}
	if r := TimeboxRefusal(req, d); r != nil {
		return env, &GuardError{Err: r, Audit: "a --for the policy does not allow (max_duration, require_duration)"}
	}
	if grantFor(req) > 0 && e.Store == nil {
		return env, &GuardError{Err: actions.Errorf(actions.KindUnavailable, "this installation of oktabot keeps no grants, so it gives nothing for a time (--for). Nothing was run"),
			Audit: "--for without a store to keep grants"}
	}
	if changesRoles(a) {
		env.RoleGuard = func(typ string) error {
			if r := roleRefusal(a, d.RoleTypes, typ); r != nil {
				return r
			}
			return nil
		}
		// Types are checked now; assignment ids once their type is known.
		if !req.Bool("is-id") {
			for _, typ := range req.List("role") {
				if r := roleRefusal(a, d.RoleTypes, strings.ToUpper(typ)); r != nil {
					return env, &GuardError{Err: r, Audit: "a role type outside the caller's assignable_roles"}
				}
			}
		}
	}
	if changesMembers(a) && !d.AdminTargets {
		env.GroupGuard = func(ctx context.Context, g actions.Group) error {
			if r := e.adminGroupGuard(ctx, g); r != nil {
				return r
			}
			return nil
		}
		// Asked now too, so that nobody is asked to approve a change to an
		// admin group; the run asks again. A group that cannot be found is
		// left to the run, which says so.
		if g, err := actions.FindGroup(ctx, e.Dir, req.Values["group"]); err == nil {
			if r := e.adminGroupGuard(ctx, g); r != nil {
				return env, &GuardError{Err: r, Audit: "a group that grants Okta admin roles"}
			}
		}
	}
	if !a.Writes || a.Targets != actions.UserTargets {
		return env, nil
	}
	self, err := e.callerAccount(ctx, caller)
	switch {
	case err != nil:
		return env, err
	case self.User == nil && changesRoles(a):
		return env, &GuardError{
			Err:   actions.Errorf(actions.KindForbidden, "I could not tell which Okta account is yours (%s), so I cannot make sure you are not changing your own roles: role changes are refused until the email of your Slack profile is that of your Okta account. Nothing was sent to Okta", self.Unknown),
			Audit: "the caller's own Okta account could not be told, and role changes need it",
		}
	}
	guards := []func(context.Context, actions.User) error{self.guard}
	if !d.AdminTargets {
		guards = append(guards, e.adminGuard)
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

// Account is who a Slack user is in Okta, as far as it can be told.
type Account struct {
	Email string // their Slack profile's email, or ""
	// User is their Okta user; nil when it cannot be told (Unknown says
	// why).
	User    *actions.User
	Unknown string
}

// AccountOf finds a Slack user's own Okta account: the user with the login
// the policy's people: map gives them, which wins, else the Okta user
// whose login or primary email is their Slack profile's email (as a
// mention of them resolves). Slack is asked for the email either way. An
// error: Slack or Okta did not answer, so nothing is known.
func (e *Engine) AccountOf(ctx context.Context, user string) (Account, error) {
	var a Account
	t := e.People.Whois(ctx, user)
	var ae *actions.Error
	switch {
	case t.Err != nil && errors.As(t.Err, &ae) && ae.Err != nil:
		// Slack did not answer: the profile may well have an email.
		return a, &actions.Error{Kind: actions.KindUnavailable, Message: messageOf(t.Err), Err: t.Err}
	case t.Err == nil:
		a.Email = t.Value
	}
	login, mapped := e.Auth.Policy().OktaLogin(user)
	ref := login
	if !mapped {
		if t.Err != nil {
			a.Unknown = messageOf(t.Err)
			return a, nil
		}
		ref = a.Email
	}
	u, err := e.Dir.FindUser(ctx, ref)
	switch {
	case err != nil && !actions.IsKind(err, actions.KindNotFound) && !actions.IsKind(err, actions.KindAmbiguous):
		return a, err
	case mapped && (err != nil || !strings.EqualFold(u.Login, login)):
		a.Unknown = fmt.Sprintf("the policy's people: map gives %s as your Okta login, and no Okta user has exactly that login", login)
	case !mapped && (err != nil || !(strings.EqualFold(u.Login, a.Email) || strings.EqualFold(u.Email, a.Email))):
		a.Unknown = "no single Okta user has the email of your Slack profile"
	case !mapped && e.mappedToAnother(u.Login, user):
		// A Slack profile's email may be edited; the map is the policy's.
		a.Unknown = fmt.Sprintf("the Okta account with your Slack profile's email, %s, is another person's in the policy's people: map", u.Login)
	default:
		a.User = &u
	}
	return a, nil
}

// mappedToAnother reports whether the policy's people: map gives Okta
// login to someone other than user.
func (e *Engine) mappedToAnother(login, user string) bool {
	owner, ok := e.Auth.Policy().PersonOf(login)
	return ok && owner != user
}

// guard refuses to act on the caller's own Okta user: the one found for
// them, or any user whose login or email is their Slack email.
func (a Account) guard(_ context.Context, u actions.User) error {
	self := (a.User != nil && u.ID == a.User.ID) ||
		(a.Email != "" && (strings.EqualFold(u.Login, a.Email) || strings.EqualFold(u.Email, a.Email)))
	if !self {
		return nil
	}
	return actions.Errorf(actions.KindForbidden, "%s is your own Okta account, and nobody changes their own account through oktabot; ask a colleague. Nothing was done to it", u.Login)
}

// callerAccount finds the caller's own Okta account (AccountOf). A failed
// Slack or Okta lookup is a GuardError: nothing should run.
func (e *Engine) callerAccount(ctx context.Context, caller string) (Account, error) {
	a, err := e.AccountOf(ctx, caller)
	if err == nil {
		return a, nil
	}
	return a, &GuardError{
		Err: &actions.Error{Kind: actions.KindOf(err), Err: err,
			Message: "I could not check which Okta account is yours (" + messageOf(err) + "), and nobody may change their own account through oktabot, so nothing was done. Please try again"},
		Audit: "the caller's own Okta account could not be looked up",
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
func (e *Engine) adminGuard(ctx context.Context, u actions.User) error {
	roles, err := e.Dir.ListRoles(ctx, u.ID)
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
	return actions.Errorf(actions.KindForbidden, "%s holds Okta admin roles (%s), and your roles in oktabot's policy may not act on Okta admins (admin_targets); nothing was done to them",
		u.Login, strings.Join(roleTypesOf(roles), ", "))
}

// adminGroupGuard refuses to change the members of a group that grants
// Okta admin roles: its members are admins. It fails closed.
func (e *Engine) adminGroupGuard(ctx context.Context, g actions.Group) *actions.Error {
	roles, err := e.Dir.ListGroupRoles(ctx, g.ID)
	if err != nil {
		return &actions.Error{Kind: actions.KindOf(err), Err: err,
			Message: fmt.Sprintf("could not check whether the group %s grants Okta admin roles (%s), so its members were not changed", g.Name, messageOf(err))}
	}
	if len(roles) == 0 {
		return nil
	}
	return actions.Errorf(actions.KindForbidden, "the group %s grants Okta admin roles (%s) to its members, and your roles in oktabot's policy may not act on Okta admins (admin_targets); nothing was done",
		g.Name, strings.Join(roleTypesOf(roles), ", "))
}

// changesMembers reports whether a changes a group's members.
func changesMembers(a *actions.Action) bool {
	return a != nil && (a.Name == "add-to-group" || a.Name == "remove-from-group")
}

// changesRoles reports whether a is an action that assignable_roles
// governs.
func changesRoles(a *actions.Action) bool {
	return a != nil && (a.Name == auth.AssignRole || a.Name == auth.UnassignRole)
}

// PerformAs runs an approved request as its requester (c): with the guards
// their policy roles, as they are now (d), and their Okta account call for,
// and the targets' verification the policy's verify rule wants.
func (e *Engine) PerformAs(ctx context.Context, log zerolog.Logger, c Caller, req actions.Request, d auth.Decision) Performed {
	env, err := e.Guard(ctx, c.ID, req, d)
	if err != nil {
		LogOutcome(log, err, "approved request refused before it reached Okta")
		return Performed{Err: err}
	}
	return e.Perform(ctx, log, req, e.Granting(e.Verifier(env, c, req.Action.Name), c, req))
}

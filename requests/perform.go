package requests

import (
	"context"
	"strings"

	"github.com/rs/zerolog"

	"oktabot/actions"
	"oktabot/store"
)

// Perform runs a request against Okta with env (see guardedEnv): Slack
// mentions are resolved first, and each target's failure is logged once.
func (e *Engine) Perform(ctx context.Context, log zerolog.Logger, req actions.Request, env actions.Env) Performed {
	start := e.Now()
	a := req.Action
	targets := e.People.Resolve(ctx, a, req.Targets)
	req.Targets = targets.Values()
	res, err := a.Run(ctx, env, req)
	if err != nil {
		LogOutcome(log, err, "action failed")
		return Performed{Err: err}
	}
	res.Outcomes = targets.Merge(res.Outcomes)
	for _, o := range res.Outcomes {
		if o.Err != nil {
			LogOutcome(log.With().Str("target", o.Target).Logger(), o.Err, "target failed")
		}
	}
	log.Info().Str("event", "request.done").Dur("took", e.Now().Sub(start)).Int("outcomes", len(res.Outcomes)).Msg("action finished")
	return Performed{Res: res}
}

// LogOutcome logs a failure once, at a level that fits its kind.
func LogOutcome(log zerolog.Logger, err error, msg string) {
	ev := log.Info()
	if k := actions.KindOf(err); k == actions.KindInternal || k == actions.KindUnavailable || k == actions.KindRateLimited {
		ev = log.Warn()
	}
	ev.Err(err).Str("kind", actions.KindOf(err).String()).Msg(msg)
}

// ResolveUsers resolves a request's user targets to Okta users: Slack
// mentions through the mentioned person's Slack profile email
// (People.Resolve), then every target through Okta (FindUser). It returns
// the users' Okta ids and a label for each, in the order given (a user
// named twice, say by login and by email, once), or failed: an outcome per
// target that is not exactly one Okta user, named as the requester typed
// it, with why. env's guards apply, as they would when it runs.
func (e *Engine) ResolveUsers(ctx context.Context, env actions.Env, a *actions.Action, typed []string) (ids, labels []string, failed []actions.Outcome) {
	targets := e.People.Resolve(ctx, a, typed)
	seen := map[string]bool{}
	for _, o := range targets.Merge(actions.FindUsers(ctx, env, a, targets.Values())) {
		switch {
		case o.Err != nil:
			failed = append(failed, o)
		case o.User == nil || o.User.ID == "":
			failed = append(failed, actions.Outcome{Target: o.Target, Err: actions.Errorf(actions.KindInternal, "Okta did not say who %s is", o.Target)})
		case !seen[o.User.ID]:
			seen[o.User.ID] = true
			ids = append(ids, o.User.ID)
			labels = append(labels, UserLabel(*o.User))
		}
	}
	return ids, labels, failed
}

// UserLabel names an Okta user for people: "Carol Danvers
// <carol.danvers@corp.com>", or the login alone when Okta has no name.
func UserLabel(u actions.User) string {
	login := u.Login
	if login == "" {
		login = u.ID
	}
	if name := strings.TrimSpace(u.Name()); name != "" && name != login {
		return name + " <" + login + ">"
	}
	return login
}

// RunAs runs approved ap as its requester's: with their policy roles as
// they are now (a target may have become an Okta admin since the request;
// a failed check is a Deny: no admins, no role types) and their guards. Its
// targets are the Okta ids resolved when it was requested: it runs on
// exactly the users approved. A request whose requester broke glass never
// acts on an Okta admin, whatever their roles.
func (e *Engine) RunAs(ctx context.Context, ap store.Approval, pw actions.Secret) Performed {
	act := e.Registry.Lookup(ap.Action)
	values := map[string]string{}
	for k, v := range ap.Params {
		values[k] = v
	}
	req := actions.Request{Action: act, Targets: ap.Targets, Values: values, Password: pw, Reason: ap.Reason, Context: values[ContextParam]}
	// Not the action's parameters: what the approval keeps for itself.
	delete(values, ContextParam)
	for k := range values {
		if InternalParam(k) {
			delete(values, k)
		}
	}
	log := e.Log.With().Str("approval_id", ap.ID).Str("action", ap.Action).Logger()
	d, _ := e.Auth.Decide(ctx, ap.RequesterID, ap.Action, ap.RequesterChannel)
	if ap.BrokenGlass {
		// Break-glass never acts on Okta admins, whatever the roles.
		d.AdminTargets = false
	}
	return e.PerformAs(ctx, log, Caller{ID: ap.RequesterID, Channel: ap.RequesterChannel, Approval: &ap}, req, d)
}

package actions

import (
	"context"
	"regexp"
	"slices"
	"strings"
)

// groupIDPattern is the shape of an Okta group id: "00g" and 17 more
// letters and digits.
var groupIDPattern = regexp.MustCompile(`^00g[0-9A-Za-z]{17}$`)

// FindGroup resolves --group: an Okta group id, or a group's exact name.
func FindGroup(ctx context.Context, dir Directory, ref string) (Group, error) {
	if groupIDPattern.MatchString(ref) {
		return dir.GetGroup(ctx, ref)
	}
	gs, err := dir.FindGroupsByName(ctx, ref)
	switch {
	case err != nil:
		return Group{}, err
	case len(gs) == 0:
		return Group{}, &Error{Kind: KindNotFound, Field: "group", Message: "no Okta group is named " + quote(ref) + " (names are matched exactly; an Okta group id works too)"}
	case len(gs) > 1:
		ids := make([]string, len(gs))
		for i, g := range gs {
			ids[i] = g.ID
		}
		return Group{}, &Error{Kind: KindAmbiguous, Field: "group", Message: "several groups are named " + quote(ref) + ": " + strings.Join(ids, ", ") + "; give its id"}
	}
	return gs[0], nil
}

func quote(s string) string { return `"` + s + `"` }

// membershipGroup resolves --group and checks that the bot may change its
// members: an Okta group (OKTA_GROUP; Okta manages the others' members
// itself), and one that env.GroupGuard lets the caller change.
func membershipGroup(ctx context.Context, env Env, req Request) (Group, error) {
	g, err := FindGroup(ctx, env.Dir, req.Values["group"])
	if err != nil {
		return Group{}, err
	}
	if g.Type != "" && g.Type != "OKTA_GROUP" {
		return Group{}, &Error{Kind: KindInvalid, Field: "group", Message: g.Name + " is a " + g.Type + " group, whose members Okta or an app manages; only Okta groups (OKTA_GROUP) are changed here. Nothing was done"}
	}
	if env.GroupGuard != nil {
		if err := env.GroupGuard(ctx, g); err != nil {
			return Group{}, err
		}
	}
	return g, nil
}

// runAddToGroup adds each user to the group; a member already is an
// answer.
func runAddToGroup(ctx context.Context, env Env, req Request) (Result, error) {
	return changeMembership(ctx, env, req, true)
}

// runRemoveFromGroup removes each user from the group; one who is not in
// it is an answer.
func runRemoveFromGroup(ctx context.Context, env Env, req Request) (Result, error) {
	return changeMembership(ctx, env, req, false)
}

func changeMembership(ctx context.Context, env Env, req Request, add bool) (Result, error) {
	var tb *Timebox
	if add {
		var err error
		if tb, err = timeboxOf(env, req); err != nil {
			return Result{}, err
		}
	}
	g, err := membershipGroup(ctx, env, req)
	if err != nil {
		return Result{}, err
	}
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		o.Group = &g
		groups, err := env.Dir.ListUserGroups(ctx, o.User.ID)
		if err != nil {
			o.Err = err
			return
		}
		member := slices.ContainsFunc(groups, func(h Group) bool { return h.ID == g.ID })
		if tb != nil {
			// For a time (--for): a member already is extended or refused.
			o.Done, o.Changed, o.Err = timeboxed(ctx, env, tb, Access{User: *o.User, Group: &g}, member, func() (string, error) {
				return "", env.Dir.AddGroupMember(ctx, g.ID, o.User.ID)
			})
			return
		}
		switch {
		case add && member:
			o.Done = "already in " + g.Name
			kept, err := keepHeld(ctx, env, Access{User: *o.User, Group: &g})
			if kept != "" {
				o.Done += "; " + kept
			}
			o.Err = err
		case !add && !member:
			o.Done = "was not in " + g.Name
		case add:
			if o.Err = env.Dir.AddGroupMember(ctx, g.ID, o.User.ID); o.Err == nil {
				o.Done, o.Changed = "added to "+g.Name, true
			}
		default:
			if o.Err = env.Dir.RemoveGroupMember(ctx, g.ID, o.User.ID); o.Err == nil {
				o.Done, o.Changed = "removed from "+g.Name, true
			}
		}
	}), nil
}

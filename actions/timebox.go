package actions

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Time-boxed access: assign-role and add-to-group with --for give a role
// type or a group membership that is removed by itself at its end. The
// action decides what is new and what the user already has; the lifecycle
// (package requests) keeps the grants, through Env.Timebox.

// Access is one role type or group membership an action gives a user.
type Access struct {
	User User
	// Role is a role type (assign-role), or Group a group (add-to-group).
	Role  string
	Group *Group
}

// Name is the access for people: "HELP_DESK_ADMIN", "the group On-call".
func (a Access) Name() string {
	if a.Group != nil {
		return "the group " + a.Group.Name
	}
	return a.Role
}

// Timebox is what time-boxed access asks of the lifecycle.
type Timebox struct {
	// Held is asked when the user already has the access: it extends the
	// grant that gave it (--extend) and says until when, or refuses: a
	// grant would end access it did not give.
	Held func(ctx context.Context, a Access) (until time.Time, err error)
	// Give keeps the grant of new access before it is given (a refusal
	// gives nothing), and returns until when it lasts and settle, which
	// is told how giving it went: Okta's role assignment id, or the
	// error of the write.
	Give func(ctx context.Context, a Access) (until time.Time, settle func(assignmentID string, err error), err error)
}

// timeboxOf is the Timebox a request of an action that takes --for runs
// with: nil without --for. --for without env.Timebox fails: access asked
// for a time is never given for good.
func timeboxOf(env Env, req Request) (*Timebox, error) {
	if req.Values["for"] == "" {
		if req.Bool("extend") {
			return nil, &Error{Kind: KindInvalid, Field: "extend", Message: "--extend extends a time-boxed grant: give --for too, e.g. --for 2h --extend"}
		}
		return nil, nil
	}
	if env.Timebox == nil {
		return nil, Errorf(KindInternal, "this request cannot keep time-boxed grants, so nothing was given (--for)")
	}
	return env.Timebox, nil
}

// HoldsRole reports whether roles (a user's) assign them typ directly: the
// assignment a time-boxed assign-role would make and remove. One through a
// group is the group's, not the user's.
func HoldsRole(roles []Role, typ string) bool {
	return slices.ContainsFunc(roles, func(r Role) bool {
		return strings.EqualFold(r.Type, typ) && (r.AssignmentType == "" || r.AssignmentType == "USER")
	})
}

// Until is an end time as outcomes and the audit say it.
func Until(t time.Time) string { return "until " + t.UTC().Format("2006-01-02 15:04 UTC") }

// beforeWrite asks the guards (and the target's verification) about
// userID now, before anything is kept of a write that follows: a
// time-boxed grant is stored only once the write may go ahead.
func beforeWrite(ctx context.Context, env Env, userID string) error {
	if g, ok := env.Dir.(*guardedDir); ok {
		return g.mayWrite(ctx, userID)
	}
	return ctx.Err()
}

// timeboxed gives access a (held: the user already has it) for a time
// through tb and returns what became of it in a few words, and whether
// Okta was changed; give makes the write (the assignment id for a role).
func timeboxed(ctx context.Context, env Env, tb *Timebox, a Access, held bool, give func() (string, error)) (done string, changed bool, err error) {
	if held {
		// Extending keeps the access longer: the guards (Okta admins, the
		// target's verification) are asked as for new access, as they are
		// when an --extend is sent for approval.
		if err := beforeWrite(ctx, env, a.User.ID); err != nil {
			return "", false, err
		}
		until, err := tb.Held(ctx, a)
		if err != nil {
			return "", false, err
		}
		return "already had " + a.Name() + "; its grant now lasts " + Until(until), false, nil
	}
	if err := beforeWrite(ctx, env, a.User.ID); err != nil {
		return "", false, err
	}
	until, settle, err := tb.Give(ctx, a)
	if err != nil {
		return "", false, err
	}
	id, err := give()
	settle(id, err)
	if err != nil {
		return "", false, err
	}
	verb := "assigned "
	if a.Group != nil {
		verb = "added to "
		return verb + a.Group.Name + " " + Until(until), true, nil
	}
	return verb + a.Role + " " + Until(until), true, nil
}

// keepHeld asks env.Keep about access a the user already has, asked for
// without --for: the words to add to the outcome, or why it failed.
func keepHeld(ctx context.Context, env Env, a Access) (string, error) {
	if env.Keep == nil {
		return "", nil
	}
	return env.Keep(ctx, a, func() error { return beforeWrite(ctx, env, a.User.ID) })
}

// joinDone joins the few words of each role type's outcome.
func joinDone(parts []string) string { return strings.Join(parts, "; ") }

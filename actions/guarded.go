package actions

import (
	"context"
	"slices"
	"sync"
)

// guardedDir is the Directory a writing action's per-user work gets from
// forEachUser: before the first write it asks the guard about the target
// user (once), and before every write it checks that the request is still
// on (ctx), so a request stopped meanwhile writes nothing more. Reads pass
// through. A write for any other user is refused: the guard spoke for one.
type guardedDir struct {
	Directory
	guard   func(context.Context, User) error
	verify  func(context.Context, User, string) error // Env.Verify, or nil
	user    User
	asked   bool
	refused error // the guard's refusal, if it refused
}

func (g *guardedDir) mayWrite(ctx context.Context, userID string) error {
	if userID != g.user.ID {
		return &Error{Kind: KindInternal, Message: "a write for " + userID + " while working on " + g.user.ID + " was not sent"}
	}
	if !g.asked {
		g.asked = true
		g.refused = g.guard(ctx, g.user)
		if g.refused == nil && g.verify != nil {
			// The target's proof comes last: nobody is sent a push for
			// a write the guards refuse.
			g.refused = g.verify(ctx, g.user, "")
		}
	}
	if g.refused != nil {
		return g.refused
	}
	if err := ctx.Err(); err != nil {
		return notAttempted(err)
	}
	return nil
}

func (g *guardedDir) CreateGroup(ctx context.Context, name, description string) (Group, error) {
	if err := g.mayWrite(ctx, g.user.ID); err != nil {
		return Group{}, err
	}
	return g.Directory.CreateGroup(ctx, name, description)
}

func (g *guardedDir) AssignRole(ctx context.Context, userID, roleType string) (Role, error) {
	if err := g.mayWrite(ctx, userID); err != nil {
		return Role{}, err
	}
	return g.Directory.AssignRole(ctx, userID, roleType)
}

func (g *guardedDir) UnassignRole(ctx context.Context, userID, assignmentID string) error {
	if err := g.mayWrite(ctx, userID); err != nil {
		return err
	}
	return g.Directory.UnassignRole(ctx, userID, assignmentID)
}

func (g *guardedDir) ActivateUser(ctx context.Context, userID string, sendEmail bool) (Activation, error) {
	if err := g.mayWrite(ctx, userID); err != nil {
		return Activation{}, err
	}
	return g.Directory.ActivateUser(ctx, userID, sendEmail)
}

func (g *guardedDir) ReactivateUser(ctx context.Context, userID string, sendEmail bool) (Activation, error) {
	if err := g.mayWrite(ctx, userID); err != nil {
		return Activation{}, err
	}
	return g.Directory.ReactivateUser(ctx, userID, sendEmail)
}

func (g *guardedDir) UnsuspendUser(ctx context.Context, userID string) error {
	if err := g.mayWrite(ctx, userID); err != nil {
		return err
	}
	return g.Directory.UnsuspendUser(ctx, userID)
}

func (g *guardedDir) UnlockUser(ctx context.Context, userID string) error {
	if err := g.mayWrite(ctx, userID); err != nil {
		return err
	}
	return g.Directory.UnlockUser(ctx, userID)
}

func (g *guardedDir) DeactivateUser(ctx context.Context, userID string, sendEmail bool) error {
	if err := g.mayWrite(ctx, userID); err != nil {
		return err
	}
	return g.Directory.DeactivateUser(ctx, userID, sendEmail)
}

func (g *guardedDir) SuspendUser(ctx context.Context, userID string) error {
	if err := g.mayWrite(ctx, userID); err != nil {
		return err
	}
	return g.Directory.SuspendUser(ctx, userID)
}

func (g *guardedDir) ResetPassword(ctx context.Context, userID string, sendEmail bool) (Secret, error) {
	if err := g.mayWrite(ctx, userID); err != nil {
		return Secret{}, err
	}
	return g.Directory.ResetPassword(ctx, userID, sendEmail)
}

func (g *guardedDir) SetPassword(ctx context.Context, userID string, password Secret) error {
	if err := g.mayWrite(ctx, userID); err != nil {
		return err
	}
	return g.Directory.SetPassword(ctx, userID, password)
}

// targetReads is what has been read from Okta while one target of a
// request is worked on, for others working on the same target to reuse:
// the guard that protects Okta admins and unassign-role both need the
// user's roles, and read them once.
type targetReads struct {
	mu    sync.Mutex
	roles map[string][]Role // by user id
}

type targetReadsKey struct{}

func withTargetReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, targetReadsKey{}, &targetReads{roles: map[string][]Role{}})
}

type putOffKey struct{}

// putOff marks a context whose reads only a write needs are put off: the
// guard's first look at a user, before it is known that anything will be
// written to them.
func putOff(ctx context.Context) context.Context {
	return context.WithValue(ctx, putOffKey{}, true)
}

// RolesOnce returns userID's role assignments as read (by read) earlier in
// the work on the same target, or reads them now and keeps them for the
// rest of that work. Outside such work it just reads. A Directory's
// ListRoles goes through it; a change to the user's roles calls
// ForgetRoles. While the guard first looks at a user (see Env.Guard), it
// reads nothing and returns no roles: the guard is asked again, in full,
// before anything is written to them.
func RolesOnce(ctx context.Context, userID string, read func() ([]Role, error)) ([]Role, error) {
	if ctx.Value(putOffKey{}) != nil {
		return nil, nil
	}
	tr, _ := ctx.Value(targetReadsKey{}).(*targetReads)
	if tr == nil {
		return read()
	}
	tr.mu.Lock()
	r, ok := tr.roles[userID]
	tr.mu.Unlock()
	if ok {
		return slices.Clone(r), nil
	}
	r, err := read()
	if err != nil {
		return r, err
	}
	tr.mu.Lock()
	tr.roles[userID] = slices.Clone(r)
	tr.mu.Unlock()
	return r, nil
}

// ForgetRoles drops what RolesOnce kept of userID's roles.
func ForgetRoles(ctx context.Context, userID string) {
	if tr, _ := ctx.Value(targetReadsKey{}).(*targetReads); tr != nil {
		tr.mu.Lock()
		delete(tr.roles, userID)
		tr.mu.Unlock()
	}
}

func (g *guardedDir) ExpirePassword(ctx context.Context, userID string) error {
	if err := g.mayWrite(ctx, userID); err != nil {
		return err
	}
	return g.Directory.ExpirePassword(ctx, userID)
}

func (g *guardedDir) ExpirePasswordWithTemp(ctx context.Context, userID string, revokeSessions bool) (Secret, error) {
	if err := g.mayWrite(ctx, userID); err != nil {
		return Secret{}, err
	}
	return g.Directory.ExpirePasswordWithTemp(ctx, userID, revokeSessions)
}

func (g *guardedDir) DeleteFactor(ctx context.Context, userID, factorID string) error {
	if err := g.mayWrite(ctx, userID); err != nil {
		return err
	}
	return g.Directory.DeleteFactor(ctx, userID, factorID)
}

func (g *guardedDir) ResetFactors(ctx context.Context, userID string) error {
	if err := g.mayWrite(ctx, userID); err != nil {
		return err
	}
	return g.Directory.ResetFactors(ctx, userID)
}

func (g *guardedDir) SendPush(ctx context.Context, userID, factorID string) (PushChallenge, error) {
	if err := g.mayWrite(ctx, userID); err != nil {
		return PushChallenge{}, err
	}
	return g.Directory.SendPush(ctx, userID, factorID)
}

func (g *guardedDir) ClearSessions(ctx context.Context, userID string, o ClearSessions) error {
	if err := g.mayWrite(ctx, userID); err != nil {
		return err
	}
	return g.Directory.ClearSessions(ctx, userID, o)
}

func (g *guardedDir) RevokeGrants(ctx context.Context, userID string) error {
	if err := g.mayWrite(ctx, userID); err != nil {
		return err
	}
	return g.Directory.RevokeGrants(ctx, userID)
}

func (g *guardedDir) AddGroupMember(ctx context.Context, groupID, userID string) error {
	if err := g.mayWrite(ctx, userID); err != nil {
		return err
	}
	return g.Directory.AddGroupMember(ctx, groupID, userID)
}

func (g *guardedDir) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	if err := g.mayWrite(ctx, userID); err != nil {
		return err
	}
	return g.Directory.RemoveGroupMember(ctx, groupID, userID)
}

package actions

import (
	"context"
	"errors"
	"testing"
)

// Every writing method of the Directory asks the guard first: a refused
// user gets no write of any kind, the account actions' included.
func TestGuardedDirAsksBeforeEveryWrite(t *testing.T) {
	refused := errors.New("refused")
	ctx := context.Background()
	writes := map[string]func(Directory) error{
		"ExpirePassword":         func(d Directory) error { return d.ExpirePassword(ctx, "u1") },
		"ExpirePasswordWithTemp": func(d Directory) error { _, err := d.ExpirePasswordWithTemp(ctx, "u1", true); return err },
		"DeleteFactor":           func(d Directory) error { return d.DeleteFactor(ctx, "u1", "f1") },
		"ResetFactors":           func(d Directory) error { return d.ResetFactors(ctx, "u1") },
		"SendPush":               func(d Directory) error { _, err := d.SendPush(ctx, "u1", "f1"); return err },
		"ClearSessions":          func(d Directory) error { return d.ClearSessions(ctx, "u1", ClearSessions{}) },
		"RevokeGrants":           func(d Directory) error { return d.RevokeGrants(ctx, "u1") },
		"AddGroupMember":         func(d Directory) error { return d.AddGroupMember(ctx, "g1", "u1") },
		"RemoveGroupMember":      func(d Directory) error { return d.RemoveGroupMember(ctx, "g1", "u1") },
		"UnlockUser":             func(d Directory) error { return d.UnlockUser(ctx, "u1") },
	}
	for name, write := range writes {
		dir := statuses()
		g := &guardedDir{Directory: dir, user: *dir.users["u1"], guard: func(context.Context, User) error { return refused }}
		if err := write(g); !errors.Is(err, refused) {
			t.Errorf("%s: %v, want the guard's refusal", name, err)
		}
		if len(dir.calls) != 0 {
			t.Errorf("%s reached Okta past a refusing guard: %v", name, dir.calls)
		}
	}
}

package actions

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A contain step that fails stops that user's later steps; the outcome
// says what was done and what was not. (The test directory does not model
// sessions: clearing them fails.)
func TestContainStopsAUsersStepsAtTheFirstFailure(t *testing.T) {
	dir := statuses()
	p, err := Default().Parse("contain active suspended locked")
	if err != nil {
		t.Fatal(err)
	}
	res, err := runContain(context.Background(), Env{Dir: dir, Now: time.Now}, p.Request)
	if err != nil {
		t.Fatal(err)
	}
	active, suspended, locked := res.Outcomes[0], res.Outcomes[1], res.Outcomes[2]
	if active.Done != "suspended" || !active.Changed || active.Err == nil || !strings.Contains(active.Err.Error(), "clear sessions failed") {
		t.Errorf("active: %+v", active)
	}
	if suspended.Done != "already suspended" || suspended.Changed || suspended.Err == nil {
		t.Errorf("suspended: %+v", suspended)
	}
	if locked.Done != "" || locked.Changed || locked.Err == nil || !strings.Contains(locked.Err.Error(), "not done: clear sessions, revoke tokens") {
		t.Errorf("locked: %+v", locked)
	}
	if s := dir.users["u1"].Status; s != StatusSuspended {
		t.Errorf("the active user is %s", s)
	}
}

package actions

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Env.Verify is asked after the guard, once per user, just before the
// first write: a refusal leaves that user unchanged and the others run; a
// guard's refusal sends no push.
func TestVerifyBeforeTheFirstWrite(t *testing.T) {
	dir := statuses()
	var mu sync.Mutex
	asked := map[string]int{}
	env := Env{Dir: dir, Now: time.Now,
		Guard: func(_ context.Context, u User) error {
			if u.ID == "u1" {
				return Errorf(KindForbidden, "guarded")
			}
			return nil
		},
		Verify: func(_ context.Context, u User, factor string) error {
			mu.Lock()
			defer mu.Unlock()
			asked[u.ID]++
			if u.ID == "u5" {
				return Errorf(KindForbidden, "rejected the push")
			}
			return nil
		}}
	p, err := Default().Parse("unlock-user active@corp.com locked@corp.com")
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Request.Action.Run(context.Background(), env, p.Request)
	if err != nil {
		t.Fatal(err)
	}
	if asked["u5"] != 1 || asked["u1"] != 0 {
		t.Errorf("verify asked %v, want u5 once, not the guarded u1", asked)
	}
	if dir.users["u5"].Status != StatusLockedOut {
		t.Errorf("u5 %s: the rejected user was unlocked", dir.users["u5"].Status)
	}
	if o := res.Outcomes[1]; o.Err == nil || o.Err.Error() != "rejected the push" {
		t.Errorf("the rejected user's outcome = %+v", o)
	}
}

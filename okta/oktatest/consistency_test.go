package oktatest

import (
	"sync"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestSearchLagsWrites(t *testing.T) {
	clk := &testClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := New(t, WithClock(clk.now))
	alice := s.AddUser(User{Login: "alice@corp.com", Password: "Start-1234x"})
	s.SetSearchLag(30 * time.Second)
	s.AddGroup(Group{Name: "Seeded"}) // seeds are searchable at once
	ctx, c := sdk(t, s)

	searchGroups := func(name string) int {
		t.Helper()
		gs, _, err := c.Group.ListGroups(ctx, query.NewQueryParams(query.WithSearch(`profile.name eq "`+name+`"`)))
		if err != nil {
			t.Fatal(err)
		}
		return len(gs)
	}
	if n := searchGroups("Seeded"); n != 1 {
		t.Errorf("a seeded group: %d found, want 1", n)
	}
	if _, _, err := c.Group.CreateGroup(ctx, okta.Group{Profile: &okta.GroupProfile{Name: "New"}}); err != nil {
		t.Fatal(err)
	}
	if n := searchGroups("New"); n != 0 {
		t.Errorf("search saw a group created a moment ago")
	}
	// q and GET are consistent.
	if gs, _, err := c.Group.ListGroups(ctx, query.NewQueryParams(query.WithQ("New"))); err != nil || len(gs) != 1 {
		t.Errorf("q: %d groups, %v; want the new one", len(gs), err)
	}
	// The duplicate check is Okta's, not search's.
	_, _, err := c.Group.CreateGroup(ctx, okta.Group{Profile: &okta.GroupProfile{Name: "new"}})
	wantCode(t, err, "E0000001")

	if _, err := c.User.SuspendUser(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	users, _, err := c.User.ListUsers(ctx, query.NewQueryParams(query.WithSearch(`profile.login eq "alice@corp.com"`)))
	if err != nil || len(users) != 1 || users[0].Status != "ACTIVE" {
		t.Errorf("search right after suspend: %d users, %v; want the stale ACTIVE user", len(users), err)
	}
	if u, _, err := c.User.GetUser(ctx, alice.ID); err != nil || u.Status != "SUSPENDED" {
		t.Errorf("GET right after suspend: %v", err)
	}

	clk.add(31 * time.Second)
	if n := searchGroups("New"); n != 1 {
		t.Errorf("search after the lag: %d found, want 1", n)
	}
	users, _, _ = c.User.ListUsers(ctx, query.NewQueryParams(query.WithSearch(`profile.login eq "alice@corp.com"`)))
	if len(users) != 1 || users[0].Status != "SUSPENDED" {
		t.Errorf("search after the lag: %+v, want SUSPENDED", users)
	}
}

func TestGroupNamesAreUniqueAcrossTypes(t *testing.T) {
	s := New(t)
	s.AddGroup(Group{Name: "AD Admins", Type: "APP_GROUP"})
	s.AddGroup(Group{Name: "Everyone", Type: "BUILT_IN"})
	ctx, c := sdk(t, s)
	for _, name := range []string{"AD Admins", "everyone"} {
		_, _, err := c.Group.CreateGroup(ctx, okta.Group{Profile: &okta.GroupProfile{Name: name}})
		e := oktaErr(t, err)
		if e.ErrorCode != "E0000001" || e.ErrorSummary != "Api validation failed: name" || len(e.ErrorCauses) != 1 ||
			e.ErrorCauses[0]["errorSummary"] != "name: An object with this field already exists in the current organization" {
			t.Errorf("create %q: %+v", name, e)
		}
	}
}

func TestActivateAndDeactivateTakeAWhile(t *testing.T) {
	clk := &testClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := New(t, WithClock(clk.now))
	u := s.AddUser(User{Login: "dana@corp.com", Password: "Start-1234x"})
	staged := s.AddUser(User{Login: "sam@corp.com", Status: "STAGED"})
	s.SetTransitionTime(5 * time.Second)
	ctx, c := sdk(t, s)

	if _, err := c.User.DeactivateUser(ctx, u.ID, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := c.User.GetUser(ctx, u.ID)
	if err != nil || got.Status != "ACTIVE" || got.TransitioningToStatus != "DEPROVISIONED" {
		t.Fatalf("during deactivation: %+v, %v; want ACTIVE → DEPROVISIONED", got, err)
	}
	_, err = c.User.SuspendUser(ctx, u.ID)
	wantCode(t, err, "E0000038")
	_, err = c.User.DeactivateUser(ctx, u.ID, nil)
	wantCode(t, err, "E0000038")

	if _, _, err := c.User.ActivateUser(ctx, staged.ID, query.NewQueryParams(query.WithSendEmail(false))); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.User(staged.ID); got.Status != "STAGED" || got.Transition != "PROVISIONED" {
		t.Errorf("during activation without a password: %+v", got)
	}

	clk.add(6 * time.Second)
	got, _, err = c.User.GetUser(ctx, u.ID)
	if err != nil || got.Status != "DEPROVISIONED" || got.TransitioningToStatus != "" {
		t.Errorf("after the transition: %+v, %v; want DEPROVISIONED", got, err)
	}
	if got, _ := s.User(staged.ID); got.Status != "PROVISIONED" || got.Transition != "" {
		t.Errorf("after activation: %+v", got)
	}
}

package actions

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// memDir is a small in-memory Directory for the actions' own logic; the
// end-to-end tests run the same actions against the Okta fake.
type memDir struct {
	mu    sync.Mutex
	users map[string]*User // by id
	roles map[string][]Role
	calls []string
	pw    map[string]string
}

func newMemDir(users ...User) *memDir {
	d := &memDir{users: map[string]*User{}, roles: map[string][]Role{}, pw: map[string]string{}}
	for i := range users {
		u := users[i]
		d.users[u.ID] = &u
	}
	return d
}

func (d *memDir) call(s string) { d.mu.Lock(); d.calls = append(d.calls, s); d.mu.Unlock() }

func (d *memDir) Whoami(context.Context) (Whoami, error) {
	return Whoami{User: User{ID: "00uadmin", Login: "admin@corp.com"}}, nil
}
func (d *memDir) FindUser(_ context.Context, ref string) (User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, u := range d.users {
		if u.ID == ref || u.Login == ref || strings.TrimSuffix(u.Login, "@corp.com") == ref {
			return *u, nil
		}
	}
	return User{}, Errorf(KindNotFound, "no Okta user matches %q", ref)
}
func (d *memDir) SearchUsers(context.Context, string, int) ([]User, error) { return nil, nil }

// ListUsers hands over the directory's users in pages of two, by id.
func (d *memDir) ListUsers(_ context.Context, q UserQuery, page func([]User) error) error {
	d.mu.Lock()
	var all []User
	for _, u := range d.users {
		all = append(all, *u)
	}
	d.mu.Unlock()
	slices.SortFunc(all, func(a, b User) int { return strings.Compare(a.ID, b.ID) })
	for p := range slices.Chunk(all[:min(len(all), q.Limit)], 2) {
		if err := page(p); err != nil {
			return err
		}
	}
	return nil
}
func (d *memDir) ListUserGroups(context.Context, string) ([]Group, error) { return nil, nil }
func (d *memDir) GetGroup(context.Context, string) (Group, error)         { return Group{}, nil }
func (d *memDir) FindGroupsByName(_ context.Context, name string) ([]Group, error) {
	if name == "Staff" {
		return []Group{{ID: "00gstaff", Name: name, Type: "OKTA_GROUP"}}, nil
	}
	return nil, nil
}
func (d *memDir) SearchGroups(context.Context, string, int) ([]Group, error) { return nil, nil }
func (d *memDir) CreateGroup(context.Context, string, string) (Group, error) { return Group{}, nil }
func (d *memDir) ListIdentityProviders(context.Context, IdentityProviderQuery) ([]IdentityProvider, error) {
	return nil, nil
}
func (d *memDir) ListRoles(_ context.Context, id string) ([]Role, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Role(nil), d.roles[id]...), nil
}
func (d *memDir) AssignRole(_ context.Context, id, typ string) (Role, error) {
	d.call("assign " + id + " " + typ)
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range d.roles[id] {
		if r.Type == typ && r.AssignmentType != "GROUP" {
			return Role{}, Errorf(KindConflict, "already assigned")
		}
	}
	r := Role{ID: "ra" + typ, Type: typ, AssignmentType: "USER"}
	d.roles[id] = append(d.roles[id], r)
	return r, nil
}
func (d *memDir) UnassignRole(_ context.Context, id, rid string) error {
	d.call("unassign " + id + " " + rid)
	d.mu.Lock()
	defer d.mu.Unlock()
	rs := d.roles[id][:0]
	for _, r := range d.roles[id] {
		if r.ID != rid {
			rs = append(rs, r)
		}
	}
	d.roles[id] = rs
	return nil
}
func (d *memDir) setStatus(id, call, status string) error {
	d.call(call + " " + id)
	d.mu.Lock()
	d.users[id].Status = status
	d.mu.Unlock()
	return nil
}
func (d *memDir) ActivateUser(_ context.Context, id string, send bool) (Activation, error) {
	d.setStatus(id, "activate", StatusActive)
	if send {
		return Activation{}, nil
	}
	return Activation{URL: NewSecret("https://acme.okta.com/activate/tok-" + id)}, nil
}
func (d *memDir) ReactivateUser(ctx context.Context, id string, send bool) (Activation, error) {
	return d.ActivateUser(ctx, id, send)
}
func (d *memDir) UnsuspendUser(_ context.Context, id string) error {
	return d.setStatus(id, "unsuspend", StatusActive)
}
func (d *memDir) UnlockUser(_ context.Context, id string) error {
	return d.setStatus(id, "unlock", StatusActive)
}
func (d *memDir) DeactivateUser(_ context.Context, id string, _ bool) error {
	return d.setStatus(id, "deactivate", StatusDeprovisioned)
}
func (d *memDir) SuspendUser(_ context.Context, id string) error {
	return d.setStatus(id, "suspend", StatusSuspended)
}
func (d *memDir) ResetPassword(_ context.Context, id string, send bool) (Secret, error) {
	d.call("reset " + id)
	if send {
		return Secret{}, nil
	}
	return NewSecret("https://acme.okta.com/reset/tok-" + id), nil
}
func (d *memDir) SetPassword(_ context.Context, id string, pw Secret) error {
	d.call("setpw " + id)
	d.mu.Lock()
	d.pw[id] = pw.Reveal()
	d.mu.Unlock()
	return nil
}

var _ Directory = (*memDir)(nil)

func run(t *testing.T, d Directory, text string) Result {
	t.Helper()
	p, err := Default().Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Request.Action.Run(context.Background(), Env{Dir: d, Now: time.Now}, p.Request)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func statuses() *memDir {
	return newMemDir(
		User{ID: "u1", Login: "active@corp.com", Status: StatusActive},
		User{ID: "u2", Login: "suspended@corp.com", Status: StatusSuspended},
		User{ID: "u3", Login: "staged@corp.com", Status: StatusStaged},
		User{ID: "u4", Login: "gone@corp.com", Status: StatusDeprovisioned},
		User{ID: "u5", Login: "locked@corp.com", Status: StatusLockedOut},
		User{ID: "u6", Login: "provisioned@corp.com", Status: StatusProvisioned},
		User{ID: "u7", Login: "recovery@corp.com", Status: StatusRecovery},
	)
}

func outcomeSummary(o Outcome) string {
	if o.Err != nil {
		return "error: " + o.Err.Error()
	}
	return o.Done
}

func TestLifecycle(t *testing.T) {
	tests := []struct {
		cmd  string
		want []string // per target, in order: active suspended staged gone locked provisioned recovery
	}{
		{"disable-user active suspended staged gone locked provisioned recovery", []string{
			"suspended", "already suspended", "error: staged@corp.com is STAGED; Okta suspends only active users",
			"already deactivated", "error: locked@corp.com is LOCKED_OUT", "error: provisioned@corp.com is PROVISIONED",
			"error: recovery@corp.com is RECOVERY"}},
		{"disable-user active suspended staged gone locked provisioned recovery --deactivate", []string{
			"deactivated", "deactivated", "deactivated", "already deactivated", "deactivated", "deactivated", "deactivated"}},
		{"enable-user active suspended staged gone locked provisioned recovery", []string{
			"already active", "unsuspended", "error: staged@corp.com is STAGED, not suspended; add --activate",
			"error: gone@corp.com is DEPROVISIONED, not suspended", "unlocked", "already activated and waiting",
			"already enabled, with a password reset under way"}},
		{"enable-user active suspended staged gone locked provisioned recovery --activate --send-email", []string{
			"already active", "unsuspended", "activated; Okta emailed the activation link to the user",
			"activated; Okta emailed", "unlocked", "activation sent again; Okta emailed", "activation sent again; Okta emailed"}},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			res := run(t, statuses(), tt.cmd)
			if len(res.Outcomes) != len(tt.want) {
				t.Fatalf("%d outcomes", len(res.Outcomes))
			}
			for i, o := range res.Outcomes {
				if got := outcomeSummary(o); !strings.HasPrefix(got, tt.want[i]) {
					t.Errorf("%s: got %q, want prefix %q", o.Target, got, tt.want[i])
				}
			}
		})
	}
}

func TestActivateWithoutEmailReturnsTheLinkAsASecret(t *testing.T) {
	res := run(t, statuses(), "enable-user staged --activate")
	o := res.Outcomes[0]
	if o.Secret.Reveal() != "https://acme.okta.com/activate/tok-u3" || !o.Changed {
		t.Errorf("outcome = %+v", o)
	}
}

func TestResetPassword(t *testing.T) {
	res := run(t, statuses(), "reset-password active")
	if o := res.Outcomes[0]; o.Secret.Reveal() != "https://acme.okta.com/reset/tok-u1" || o.SecretLabel == "" {
		t.Errorf("without --send-email: %+v", o)
	}
	res = run(t, statuses(), "reset-password active --send-email")
	if o := res.Outcomes[0]; !o.Secret.IsZero() || !strings.Contains(o.Done, "emailed") {
		t.Errorf("with --send-email: %+v", o)
	}
}

func TestSetPasswordRandomCharsAreFreshPerUser(t *testing.T) {
	d := statuses()
	p, err := Default().Parse("set-password active suspended --add-random-chars")
	if err != nil {
		t.Fatal(err)
	}
	p.Request.Password = NewSecret("Base-Passw0rd")
	res, err := p.Request.Action.Run(context.Background(), Env{Dir: d, Now: time.Now}, p.Request)
	if err != nil {
		t.Fatal(err)
	}
	a, b := d.pw["u1"], d.pw["u2"]
	for _, pw := range []string{a, b} {
		if len(pw) != len("Base-Passw0rd")+RandomSuffixLength || !strings.HasPrefix(pw, "Base-Passw0rd") {
			t.Errorf("password %q is not the base plus %d characters (not cumulative)", pw, RandomSuffixLength)
		}
	}
	if a == b {
		t.Error("two users got the same random suffix")
	}
	if res.Outcomes[0].Secret.Reveal() != a || res.Outcomes[1].Secret.Reveal() != b {
		t.Error("the caller is not given each generated password")
	}
	// Without --add-random-chars the caller's own password is not echoed.
	p, _ = Default().Parse("set-password active")
	p.Request.Password = NewSecret("Base-Passw0rd")
	res, _ = p.Request.Action.Run(context.Background(), Env{Dir: d, Now: time.Now}, p.Request)
	if !res.Outcomes[0].Secret.IsZero() {
		t.Error("the typed password is echoed back")
	}
	// Without a password nothing runs.
	p, _ = Default().Parse("set-password active")
	if _, err := p.Request.Action.Run(context.Background(), Env{Dir: d, Now: time.Now}, p.Request); !IsKind(err, KindInvalid) {
		t.Errorf("no password: err = %v", err)
	}
}

func TestRoles(t *testing.T) {
	d := statuses()
	d.roles["u1"] = []Role{{ID: "raHELP", Type: "HELP_DESK_ADMIN", AssignmentType: "USER"}, {ID: "raGRP", Type: "READ_ONLY_ADMIN", AssignmentType: "GROUP"}}
	res := run(t, d, "assign-role active --role USER_ADMIN,HELP_DESK_ADMIN")
	if got := outcomeSummary(res.Outcomes[0]); got != "assigned USER_ADMIN; already had HELP_DESK_ADMIN" {
		t.Errorf("assign: %q", got)
	}
	res = run(t, d, "unassign-role active --role USER_ADMIN,SUPER_ADMIN")
	if got := outcomeSummary(res.Outcomes[0]); got != "removed USER_ADMIN; did not have SUPER_ADMIN" {
		t.Errorf("unassign by type: %q", got)
	}
	res = run(t, d, "unassign-role active --role raHELP --is-id")
	if got := outcomeSummary(res.Outcomes[0]); got != "removed HELP_DESK_ADMIN" {
		t.Errorf("unassign by id: %q", got)
	}
	res = run(t, d, "unassign-role active --role READ_ONLY_ADMIN")
	if o := res.Outcomes[0]; o.Err == nil || !strings.Contains(o.Err.Error(), "through a group") {
		t.Errorf("group-assigned role: %+v", o)
	}
}

// RoleGuard is asked about every role type before it is assigned or
// removed: a refused type stops assign-role and unassign-role by type
// before anything is sent, and refuses a removal by id once the type is
// known.
func TestRoleGuard(t *testing.T) {
	d := statuses()
	d.roles["u1"] = []Role{{ID: "raSUPER", Type: "SUPER_ADMIN", AssignmentType: "USER"}, {ID: "raHELP", Type: "HELP_DESK_ADMIN", AssignmentType: "USER"}}
	var asked []string
	env := Env{Dir: d, Now: time.Now, RoleGuard: func(typ string) error {
		asked = append(asked, typ)
		if typ == "SUPER_ADMIN" {
			return Errorf(KindForbidden, "you may not change SUPER_ADMIN")
		}
		return nil
	}}
	runWith := func(text string) (Result, error) {
		t.Helper()
		p, err := Default().Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		return p.Request.Action.Run(context.Background(), env, p.Request)
	}
	before := len(d.calls)
	if _, err := runWith("assign-role active suspended --role help_desk_admin,super_admin"); !IsKind(err, KindForbidden) {
		t.Errorf("assign SUPER_ADMIN: err = %v, want forbidden", err)
	}
	if _, err := runWith("unassign-role active --role HELP_DESK_ADMIN,SUPER_ADMIN"); !IsKind(err, KindForbidden) {
		t.Errorf("unassign SUPER_ADMIN by type: err = %v, want forbidden", err)
	}
	if got := d.calls[before:]; len(got) != 0 {
		t.Errorf("refused requests reached the directory: %q", got)
	}
	if !slices.Contains(asked, "HELP_DESK_ADMIN") || !slices.Contains(asked, "SUPER_ADMIN") {
		t.Errorf("RoleGuard was asked %q, want upper-case types", asked)
	}
	res, err := runWith("unassign-role active --role raSUPER,raHELP --is-id")
	if err != nil {
		t.Fatal(err)
	}
	o := res.Outcomes[0]
	if !IsKind(o.Err, KindForbidden) || o.Done != "removed HELP_DESK_ADMIN" {
		t.Errorf("unassign by id: done %q, err %v; want HELP_DESK_ADMIN removed and SUPER_ADMIN refused", o.Done, o.Err)
	}
	if rs, _ := d.ListRoles(context.Background(), "u1"); len(rs) != 1 || rs[0].Type != "SUPER_ADMIN" {
		t.Errorf("roles left: %+v", rs)
	}
}

func TestManyTargetsKeepOrderAndFailIndependently(t *testing.T) {
	d := statuses()
	res := run(t, d, "get-user active ghost suspended")
	want := []string{"active", "ghost", "suspended"}
	for i, o := range res.Outcomes {
		if o.Target != want[i] {
			t.Errorf("outcome %d is for %q, want %q", i, o.Target, want[i])
		}
	}
	if res.Outcomes[1].Err == nil || !IsKind(res.Outcomes[1].Err, KindNotFound) || res.Outcomes[0].Err != nil || res.Outcomes[2].Err != nil {
		t.Errorf("outcomes = %+v", res.Outcomes)
	}
}

// Secrets (ReturnsSecrets) is what says a run may hand back one-time
// secrets: every user action, with every combination of its switches, on
// users in every status, returns a secret only where it says so.
func TestReturnsSecretsCoversEverySecret(t *testing.T) {
	all := "active suspended staged gone locked provisioned recovery"
	for _, a := range Default().All() {
		if a.Targets != UserTargets || a.Run == nil {
			continue
		}
		var switches []string
		for _, p := range a.Params {
			// --extend goes with --for, whose grants are the lifecycle's.
			if p.Type == Bool && p.Name != "extend" {
				switches = append(switches, p.Name)
			}
		}
		for mask := 0; mask < 1<<len(switches); mask++ {
			text := a.Name + " " + all
			if a.Name == "user-activity" || a.Name == "verify-user" { // one user at a time
				text = a.Name + " active"
			}
			if a.Param("role") != nil {
				text += " --role USER_ADMIN"
			}
			if a.Param("group") != nil {
				text += " --group Staff"
			}
			for i, s := range switches {
				if mask&(1<<i) != 0 {
					text += " --" + s
				}
			}
			p, err := Default().Parse(text)
			if err != nil {
				t.Fatalf("%s: %v", text, err)
			}
			p.Request.Password = NewSecret("Base-Passw0rd")
			verified := func(context.Context, User, string) error { return nil }
			res, err := a.Run(context.Background(), Env{Dir: statuses(), Now: time.Now, Verify: verified}, p.Request)
			if err != nil {
				t.Fatalf("%s: %v", text, err)
			}
			secrets := 0
			for _, o := range res.Outcomes {
				if !o.Secret.IsZero() {
					secrets++
				}
			}
			if says := a.ReturnsSecrets(p.Request.Values); secrets > 0 && !says {
				t.Errorf("%s: %d secrets, but ReturnsSecrets says none", text, secrets)
			} else if says && secrets == 0 {
				t.Errorf("%s: ReturnsSecrets says secrets, but none on users in any status", text)
			}
		}
	}
}

// Env.Guard is asked before a writing action acts on a user, and refuses
// that user only; reading actions never ask it.
func TestGuardRefusesUsersOfWritingActions(t *testing.T) {
	asked := map[string]int{}
	var mu sync.Mutex
	reads := map[string]int{} // of roles, as the admin check reads them
	env := Env{Dir: statuses(), Now: time.Now, Guard: func(ctx context.Context, u User) error {
		_, _ = RolesOnce(ctx, u.ID, func() ([]Role, error) {
			mu.Lock()
			reads[u.ID]++
			mu.Unlock()
			return nil, nil
		})
		mu.Lock()
		asked[u.ID]++
		mu.Unlock()
		if u.ID == "u1" {
			return Errorf(KindForbidden, "%s is protected", u.Login)
		}
		return nil
	}}
	runWith := func(text string) Result {
		p, err := Default().Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Request.Action.Run(context.Background(), env, p.Request)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := runWith("disable-user active suspended")
	if got := outcomeSummary(res.Outcomes[0]); got != "error: active@corp.com is protected" {
		t.Errorf("guarded user: %q", got)
	}
	if got := outcomeSummary(res.Outcomes[1]); got != "already suspended" {
		t.Errorf("other user: %q", got)
	}
	if env.Dir.(*memDir).users["u1"].Status != StatusActive {
		t.Error("the guarded user was suspended")
	}
	// A user already as wanted gets no write, so the guard reads nothing
	// that only a write needs (their roles, for the admin check).
	if id := res.Outcomes[1].User.ID; asked[id] != 1 || reads[id] != 0 {
		t.Errorf("the guard was asked %d times about a user already suspended, reading their roles %d times; want once, no reads",
			asked[id], reads[id])
	}
	env.Dir.(*memDir).users["u9"] = &User{ID: "u9", Login: "active2@corp.com", Status: StatusActive}
	res = runWith("disable-user active2")
	if id := res.Outcomes[0].User.ID; res.Outcomes[0].Done != "suspended" || reads[id] != 1 {
		t.Errorf("%+v; roles read %d times before the write, want once", res.Outcomes[0], reads[id])
	}
	before := asked["u1"]
	if res := runWith("get-user active"); res.Outcomes[0].Err != nil || asked["u1"] != before {
		t.Errorf("a reading action asked the guard or failed: %+v", res.Outcomes[0])
	}
}

// A request stopped while its users were being looked up (its replica lost
// the lease on it) makes no Okta write after that.
func TestStoppedRequestWritesNothingMore(t *testing.T) {
	dir := statuses()
	ctx, stop := context.WithCancel(context.Background())
	env := Env{Dir: dir, Now: time.Now, Guard: func(context.Context, User) error {
		stop() // the lease is lost while the targets are checked
		return nil
	}}
	p, err := Default().Parse("disable-user active locked --deactivate")
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Request.Action.Run(ctx, env, p.Request)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range res.Outcomes {
		if got := outcomeSummary(o); !strings.Contains(got, "not attempted: the request was stopped") {
			t.Errorf("%s: %q, want not attempted", o.Target, got)
		}
	}
	for _, c := range dir.calls {
		if !strings.HasPrefix(c, "find") && !strings.HasPrefix(c, "roles") {
			t.Errorf("Okta write after the request was stopped: %s", c)
		}
	}
	if dir.users["u1"].Status != StatusActive {
		t.Error("the user was changed after the request was stopped")
	}
}

// The Directory a writing action works with for one user writes to that
// user only, and asks the guard once however many writes follow.
func TestGuardedDirWritesToItsUserOnly(t *testing.T) {
	dir := statuses()
	asked := 0
	g := &guardedDir{Directory: dir, user: *dir.users["u1"], guard: func(context.Context, User) error { asked++; return nil }}
	ctx := context.Background()
	if err := g.SuspendUser(ctx, "u2"); !IsKind(err, KindInternal) {
		t.Errorf("a write for another user: %v, want refused", err)
	}
	if err := g.SuspendUser(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if err := g.UnsuspendUser(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if asked != 1 {
		t.Errorf("guard asked %d times, want once", asked)
	}
}

// list-users keeps every user in its result, unless Env.UserPages takes
// the listing page by page: then the result keeps the first page only and
// counts them all.
func TestListUsersHandsPagesOn(t *testing.T) {
	var users []User
	for _, id := range []string{"00u1", "00u2", "00u3", "00u4", "00u5"} {
		users = append(users, User{ID: id, Login: id + "@corp.com"})
	}
	dir := newMemDir(users...)
	a := Default().Lookup("list-users")
	p, err := Default().Build(a, nil, map[string]string{"limit": "10"}, Secret{}, "", false)
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Run(context.Background(), Env{Dir: dir}, p.Request)
	if err != nil || len(res.Users) != 5 || res.ListedUsers() != 5 {
		t.Fatalf("whole: %d users (%d listed), %v", len(res.Users), res.ListedUsers(), err)
	}
	var pages [][]User
	res, err = a.Run(context.Background(), Env{Dir: dir, UserPages: func(p []User) error {
		pages = append(pages, p)
		return nil
	}}, p.Request)
	if err != nil || len(res.Users) != 2 || res.UsersListed != 5 || res.ListedUsers() != 5 || len(pages) != 3 {
		t.Errorf("paged: %d users kept, %d listed, %d pages, %v; want the first 2, 5 and 3", len(res.Users), res.UsersListed, len(pages), err)
	}
}

// concurrentDir is a Directory that takes n calls at once.
type concurrentDir struct {
	*memDir
	n int
}

func (d concurrentDir) Concurrency() int { return d.n }

// A request works on as many targets at once as its Directory takes calls
// (the Okta client's concurrency), else on MaxConcurrentTargets.
func TestTargetsAtOnceFollowTheDirectory(t *testing.T) {
	if got := parallel(newMemDir()); got != MaxConcurrentTargets {
		t.Errorf("a Directory that does not say: %d at once, want %d", got, MaxConcurrentTargets)
	}
	if got := parallel(concurrentDir{newMemDir(), 75}); got != 75 {
		t.Errorf("a Directory of 75 calls at once: %d targets at once", got)
	}
}

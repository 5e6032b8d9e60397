package actions

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// tbLog is a Timebox that keeps grants in memory and logs what it is
// asked, in order.
type tbLog struct {
	log     []string
	until   time.Time
	refuse  map[string]bool // Held refuses these role types
	giveErr error
}

func (l *tbLog) timebox() *Timebox {
	return &Timebox{
		Held: func(_ context.Context, a Access) (time.Time, error) {
			l.log = append(l.log, "held "+a.User.ID+" "+a.Name())
			if l.refuse[a.Role] {
				return time.Time{}, Errorf(KindConflict, "%s already holds %s", a.User.Login, a.Name())
			}
			return l.until, nil
		},
		Give: func(_ context.Context, a Access) (time.Time, func(string, error), error) {
			l.log = append(l.log, "give "+a.User.ID+" "+a.Name())
			if l.giveErr != nil {
				return time.Time{}, nil, l.giveErr
			}
			return l.until, func(id string, err error) {
				l.log = append(l.log, "settle "+id+" "+errText(err))
			}, nil
		},
	}
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

func TestAssignRoleFor(t *testing.T) {
	until := time.Date(2025, 3, 14, 11, 0, 0, 0, time.UTC)
	d := newMemDir(User{ID: "u1", Login: "alice@corp.com", Status: StatusActive}, User{ID: "u2", Login: "bob@corp.com", Status: StatusActive})
	d.roles["u1"] = []Role{{ID: "raold", Type: "READ_ONLY_ADMIN", AssignmentType: "USER"}, {ID: "rag", Type: "USER_ADMIN", AssignmentType: "GROUP"}}
	l := &tbLog{until: until, refuse: map[string]bool{"READ_ONLY_ADMIN": true}}
	run := func(text string) Result {
		t.Helper()
		p, err := Default().Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Request.Action.Run(context.Background(), Env{Dir: d, Now: time.Now, Timebox: l.timebox()}, p.Request)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// Bob has nothing: both given, each its own grant, kept before Okta
	// is asked.
	res := run("assign-role bob@corp.com --role HELP_DESK_ADMIN,USER_ADMIN --for 2h")
	o := res.Outcomes[0]
	if o.Err != nil || !o.Changed || o.Done != "assigned HELP_DESK_ADMIN until 2025-03-14 11:00 UTC; assigned USER_ADMIN until 2025-03-14 11:00 UTC" {
		t.Errorf("bob: %+v", o)
	}
	want := []string{"give u2 HELP_DESK_ADMIN", "settle raHELP_DESK_ADMIN ok", "give u2 USER_ADMIN", "settle raUSER_ADMIN ok"}
	if !slices.Equal(l.log, want) {
		t.Errorf("asked %q, want %q", l.log, want)
	}
	// Alice holds READ_ONLY_ADMIN directly (not ours: refused) and
	// USER_ADMIN through a group (a direct assignment is new access).
	l.log = nil
	res = run("assign-role alice@corp.com --role USER_ADMIN,READ_ONLY_ADMIN --for 2h")
	o = res.Outcomes[0]
	if o.Err == nil || !strings.Contains(o.Err.Error(), "already holds READ_ONLY_ADMIN") || o.Done != "assigned USER_ADMIN until 2025-03-14 11:00 UTC" || !o.Changed {
		t.Errorf("alice: %+v", o)
	}
	want = []string{"give u1 USER_ADMIN", "settle raUSER_ADMIN ok", "held u1 READ_ONLY_ADMIN"}
	if !slices.Equal(l.log, want) {
		t.Errorf("asked %q, want %q", l.log, want)
	}
	// Held and ours: extended, nothing sent to Okta.
	l.log, l.refuse = nil, nil
	calls := len(d.calls)
	o = run("assign-role alice@corp.com --role READ_ONLY_ADMIN --for 4h --extend").Outcomes[0]
	if o.Err != nil || o.Changed || o.Done != "already had READ_ONLY_ADMIN; its grant now lasts until 2025-03-14 11:00 UTC" || len(d.calls) != calls {
		t.Errorf("extend: %+v, calls %v", o, d.calls[calls:])
	}
	// The grant cannot be kept: nothing is given.
	l.giveErr = Errorf(KindUnavailable, "the database did not answer")
	o = run("assign-role bob@corp.com --role ORG_ADMIN --for 1h").Outcomes[0]
	if o.Err == nil || slices.Contains(d.calls, "assign u2 ORG_ADMIN") {
		t.Errorf("a grant not kept was given: %+v %v", o, d.calls)
	}
}

// --for is never run as a permanent assignment, and --extend needs it.
func TestForNeedsTheLifecycle(t *testing.T) {
	d := newMemDir(User{ID: "u2", Login: "bob@corp.com", Status: StatusActive})
	for text, kind := range map[string]Kind{
		"assign-role bob@corp.com --role HELP_DESK_ADMIN --for 2h": KindInternal,
		"add-to-group bob@corp.com --group Staff --for 2h":         KindInternal,
		"assign-role bob@corp.com --role HELP_DESK_ADMIN --extend": KindInvalid,
		"add-to-group bob@corp.com --group Staff --extend":         KindInvalid,
	} {
		p, err := Default().Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Request.Action.Run(context.Background(), Env{Dir: d, Now: time.Now}, p.Request)
		var e *Error
		if !errors.As(err, &e) || e.Kind != kind {
			t.Errorf("%s: %v, want %v", text, err, kind)
		}
	}
	if len(d.calls) != 0 {
		t.Errorf("Okta was asked %v", d.calls)
	}
}

func TestDurationParam(t *testing.T) {
	for in, want := range map[string]string{"2h": "2h", "90m": "1h30m", "7d": "7d", "48h": "2d"} {
		p, err := Default().Parse("assign-role bob --role HELP_DESK_ADMIN --for " + in)
		if err != nil || p.Request.Values["for"] != want {
			t.Errorf("--for %s: %q %v, want %q", in, p.Request.Values["for"], err, want)
		}
	}
	for _, in := range []string{"2", "soon", "0h", "1x"} {
		_, err := Default().Parse("assign-role bob --role HELP_DESK_ADMIN --for " + in)
		if err == nil || !strings.Contains(err.Error(), "--for takes a duration such as 30m, 2h or 7d") {
			t.Errorf("--for %s: %v", in, err)
		}
	}
}

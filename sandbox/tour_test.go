package sandbox

import (
	"slices"
	"strings"
	"testing"
	"time"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/okta/oktatest"
)

func demo(t *testing.T) (*auth.Policy, *oktatest.Server) {
	t.Helper()
	p, err := auth.Parse("sandbox-policy.yml", []byte(demoPolicy), auth.Names{Actions: actions.Default().Names(), RoleTypes: actions.RoleTypes})
	if err != nil {
		t.Fatal(err)
	}
	o := oktatest.New(t)
	seedOkta(o, demoPeople, time.Now())
	return p, o
}

// Every step of the walkthrough can be done as written: its person exists
// and the policy lets them run its command, which parses, on people the
// org has; its place exists; its skip is one the clock takes.
func TestTourCanBeDone(t *testing.T) {
	p, o := demo(t)
	reg := actions.Default()
	people := map[string]Person{}
	for _, pp := range demoPeople {
		people[pp.ID] = pp
	}
	places := map[string]bool{chIncident: true, chApprovals: true, chAudit: true, "dm": true, "home": true}
	steps := 0
	for _, st := range demoTour {
		for _, s := range st.Steps {
			steps++
			who, ok := people[s.As]
			if !ok {
				t.Errorf("%s: no person %q", st.Title, s.As)
				continue
			}
			if !places[s.Channel] {
				t.Errorf("%s: no place %q", st.Title, s.Channel)
			}
			if s.Text == "" || (s.Command != "" && s.Skip != "") {
				t.Errorf("%s: step %+v: a text, and a command or a skip (or neither: a place to look)", st.Title, s)
			}
			if s.Skip != "" {
				if d, err := time.ParseDuration(s.Skip); err != nil || d < minSkip || d > maxSkip {
					t.Errorf("%s: skip %q (%v)", st.Title, s.Skip, err)
				}
			}
			if s.Command == "" {
				continue
			}
			text, ok := strings.CutPrefix(s.Command, "/okta ")
			if !ok {
				t.Errorf("%s: %q is not an /okta command", st.Title, s.Command)
				continue
			}
			if text == "help" {
				continue // the bot's own, for everyone
			}
			parsed, err := reg.Parse(text)
			if err != nil {
				t.Errorf("%s: %q: %v", st.Title, s.Command, err)
				continue
			}
			action := parsed.Request.Action.Name
			x := p.Explain(who.ID, who.Groups, []string{action})
			if who.Role == "not in the policy" {
				if len(x.Grants) > 0 {
					t.Errorf("%s: %s, outside the policy, may run %s", st.Title, who.Name, action)
				}
			} else if len(x.Grants) == 0 {
				t.Errorf("%s: the policy does not let %s run %s", st.Title, who.Name, action)
			}
			for _, target := range parsed.Request.Targets {
				if _, ok := o.User(target + "@" + domain); !ok {
					t.Errorf("%s: %q: the org has no %s", st.Title, s.Command, target)
				}
			}
		}
	}
	if steps < 15 {
		t.Errorf("the tour has %d steps", steps)
	}
}

// The org has what each story needs.
func TestSeedHasTheStories(t *testing.T) {
	p, o := demo(t)
	user := func(login string) oktatest.User {
		t.Helper()
		u, ok := o.User(login)
		if !ok {
			t.Fatalf("no %s", login)
		}
		return u
	}
	hasPush := func(u oktatest.User) bool {
		return slices.ContainsFunc(o.Factors(u.ID), func(f oktatest.Factor) bool { return f.FactorType == "push" && f.Status == "ACTIVE" })
	}
	isAdmin := func(u oktatest.User) bool { return len(o.Roles(u.ID)) > 0 }

	// The people of the page: their own accounts, found by their Slack
	// email, with Okta Verify for step-up; Sam's admin account, the
	// people: map's.
	for _, pp := range demoPeople {
		if u := user(emailOf(pp)); !hasPush(u) || len(o.Sessions(u.ID)) == 0 {
			t.Errorf("%s: push %v, sessions %d", u.Login, hasPush(u), len(o.Sessions(u.ID)))
		}
	}
	login, ok := p.OktaLogin("U0SAM")
	if admin := user(login); !ok || !hasPush(admin) || !isAdmin(admin) || isAdmin(user(emailOf(demoPeople[1]))) {
		t.Errorf("Sam's admin account %q: push %v, admin %v; his everyday account admin: %v", login, hasPush(admin), isAdmin(admin), isAdmin(user(emailOf(demoPeople[1]))))
	}

	if u := user(loginLockedOut); u.Status != "LOCKED_OUT" || !hasPush(u) {
		t.Errorf("%s is %s, push %v", u.Login, u.Status, hasPush(u))
	}
	if u := user(loginLockedNoPush); u.Status != "LOCKED_OUT" || hasPush(u) {
		t.Errorf("%s is %s, push %v", u.Login, u.Status, hasPush(u))
	}
	for _, l := range []string{loginLostPhone, loginCover, loginResponder, "sophia.moreau@" + domain, "olivia.anderson@" + domain} {
		if u := user(l); u.Status != "ACTIVE" || isAdmin(u) || (l != loginCover && l != loginResponder && !hasPush(u)) {
			t.Errorf("%s is %s, admin %v, push %v", l, u.Status, isAdmin(u), hasPush(u))
		}
	}
	ravi := user(loginCompromised)
	var denied, frankfurt int
	for _, e := range o.LogEvents() {
		if e.ActorID != ravi.ID {
			continue
		}
		if e.EventType == "user.mfa.okta_verify.deny_push" {
			denied++
		}
		if e.EventType == "user.session.start" && e.ClientIP == ipAttacker {
			frankfurt++
		}
	}
	if ravi.Status != "ACTIVE" || denied < 5 || frankfurt != 1 || len(o.Sessions(ravi.ID)) == 0 || len(o.UserTokens(ravi.ID)) == 0 {
		t.Errorf("the MFA fatigue story: %s, %d denied pushes, %d sign-ins from the attacker, %d sessions, %d tokens",
			ravi.Status, denied, frankfurt, len(o.Sessions(ravi.ID)), len(o.UserTokens(ravi.ID)))
	}
	if !slices.ContainsFunc(o.Groups(), func(g oktatest.Group) bool { return g.Name == groupResponders && g.Type == "OKTA_GROUP" }) {
		t.Errorf("no %s group", groupResponders)
	}
}

// The demo policy shows every part of a policy, and nothing in it is a
// warning.
func TestDemoPolicyShowsEverything(t *testing.T) {
	p, _ := demo(t)
	if w := p.Warnings(); len(w) > 0 {
		t.Errorf("warnings: %q", w)
	}
	maria := p.Explain("U0MARIA", []string{grpHelpdesk}, actions.Default().Names())
	var desk []string
	for _, g := range maria.Grants {
		desk = append(desk, g.Action)
	}
	for _, a := range []string{"unlock-user", "list-factors", "reset-factors", "verify-user", "expire-password", "user-activity", "set-password", "reset-password"} {
		if !slices.Contains(desk, a) {
			t.Errorf("the helpdesk may not run %s: %q", a, desk)
		}
	}
	priya := p.Explain("U0PRIYA", []string{grpOncall}, actions.Default().Names())
	var oncall []string
	for _, g := range priya.Grants {
		oncall = append(oncall, g.Action)
	}
	for _, a := range []string{"contain", "clear-sessions", "add-to-group", "remove-from-group", "user-activity", "disable-user"} {
		if !slices.Contains(oncall, a) {
			t.Errorf("on-call may not run %s: %q", a, oncall)
		}
	}
	if v := p.VerifyFor("reset-password"); v == nil {
		t.Error("no verify rule for reset-password")
	}
	if v := p.VerifyFor("reset-factors"); v == nil || v.Fallback == "" {
		t.Errorf("reset-factors' verify rule: %+v", v)
	}
	if r := p.RuleFor("assign-role"); r == nil || !r.NeedsStepUp() || !r.RequireDuration || r.MaxDuration == 0 {
		t.Errorf("assign-role's rule: %+v", r)
	}
	if r := p.RuleFor("reset-factors"); r == nil || !r.NeedsStepUp() {
		t.Errorf("reset-factors' rule: %+v", r)
	}
	if bg := p.BreakGlassFor("contain"); bg == nil || !slices.Contains(bg.Roles, "oncall") || p.RuleFor("contain").RemindAfter == 0 {
		t.Errorf("contain's break glass: %+v", bg)
	}
	if _, ok := p.OktaLogin("U0SAM"); !ok {
		t.Error("no people: map")
	}
}

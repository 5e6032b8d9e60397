package main

// The bot against an Okta that is not one consistent store: search results
// that lag writes, and activation and deactivation that take a while.

import (
	"strings"
	"testing"
	"time"

	"oktabot/okta/oktatest"
)

// add-group's duplicate check is Okta's own uniqueness rule, not a search
// that may not show a group created a moment ago, and it covers every
// group type.
func TestAddGroupDoesNotTrustALaggingSearch(t *testing.T) {
	h := newHarness(t).setPolicy(openPolicy).start()
	h.okta.AddGroup(oktatest.Group{Name: "AD Admins", Type: "APP_GROUP"})
	h.okta.SetSearchLag(time.Hour)

	mustContain(t, h.reply(uSecurity, `add-group "Incident commanders"`), "created")
	before := len(h.okta.Groups())
	for _, name := range []string{"Incident commanders", "incident COMMANDERS", "AD Admins"} {
		got := h.reply(uSecurity, `add-group "`+name+`"`)
		mustContain(t, got, ":information_source:", "already exists", "nothing was created")
		if strings.Contains(got, "rejected") {
			t.Errorf("a duplicate name reported as a bad request:\n%s", got)
		}
	}
	if n := len(h.okta.Groups()); n != before {
		t.Errorf("%d groups after the duplicates, want %d", n, before)
	}
}

// A user found by email (a search) is read back by id before anything is
// shown or done: a lagging search must not show an old status, nor make a
// second disable-user fail.
func TestLookupByEmailDoesNotTrustALaggingSearch(t *testing.T) {
	h := newHarness(t).setPolicy(openPolicy).start()
	h.okta.AddUser(oktatest.User{Login: "e.smith@corp.com", Email: "erin@corp.com", FirstName: "Erin", LastName: "Smith"})
	h.okta.SetSearchLag(time.Hour)

	mustContain(t, h.reply(uSecurity, `disable-user erin@corp.com --reason "INC-1"`), "suspended")
	got := h.reply(uSecurity, "get-user erin@corp.com")
	mustContain(t, got, "Erin Smith", "SUSPENDED")
	if strings.Contains(got, "ACTIVE") {
		t.Errorf("get-user shows the lagging search's status:\n%s", got)
	}
	got = h.reply(uSecurity, `disable-user erin@corp.com --reason "INC-1"`)
	mustContain(t, got, "already suspended")
	if u, _ := h.okta.User("e.smith@corp.com"); u.Status != "SUSPENDED" {
		t.Errorf("erin is %s in Okta", u.Status)
	}
}

// Okta's activate and deactivate finish asynchronously; the bot says a
// change is under way rather than done, shows the transition, and does
// not fail nor contradict itself on a follow-up.
func TestActivationAndDeactivationInProgress(t *testing.T) {
	h := newHarness(t).setPolicy(openPolicy).start()
	h.okta.AddUser(oktatest.User{Login: "dana@corp.com", FirstName: "Dana", LastName: "Scully", Password: "Trust-No1-x"})
	h.okta.AddUser(oktatest.User{Login: "new.hire@corp.com", FirstName: "New", LastName: "Hire", Status: "STAGED"})
	h.okta.SetTransitionTime(time.Hour)

	got := h.reply(uSecurity, `disable-user dana --deactivate --reason "INC-2"`)
	mustContain(t, got, "deactivation started", "Okta is finishing it")
	mustContain(t, h.reply(uSecurity, "get-user dana"), "ACTIVE → DEPROVISIONED")
	for _, cmd := range []string{`disable-user dana --deactivate --reason "again"`, `disable-user dana --reason "suspend"`} {
		got := h.reply(uSecurity, cmd)
		mustContain(t, got, "being deactivated")
		if strings.Contains(got, "refused") || strings.Contains(got, ":no_entry:") {
			t.Errorf("/okta %s during deactivation failed:\n%s", cmd, got)
		}
	}
	got = h.reply(uSecurity, `enable-user dana --reason "oops"`)
	mustContain(t, got, "being deactivated")
	if strings.Contains(got, "already active") {
		t.Errorf("enable-user during deactivation says the user is active:\n%s", got)
	}

	got = h.reply(uSecurity, `enable-user new.hire --activate --send-email --reason "start"`)
	mustContain(t, got, "activation started")
	got = h.reply(uSecurity, `enable-user new.hire --activate --send-email --reason "again"`)
	mustContain(t, got, "being activated")
	if strings.Contains(got, "refused") {
		t.Errorf("a second activation during the first failed:\n%s", got)
	}

	if u, _ := h.okta.User("dana@corp.com"); u.Status != "ACTIVE" || u.Transition != "DEPROVISIONED" {
		t.Errorf("dana in Okta: %s → %s", u.Status, u.Transition)
	}
}

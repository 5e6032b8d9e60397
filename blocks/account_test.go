package blocks

import (
	"strings"
	"testing"
	"time"

	"oktabot/actions"
)

func TestRenderFactors(t *testing.T) {
	a := alice()
	bob := actions.User{ID: "00u2bbbbbbbbbbbbbbb2", Status: actions.StatusSuspended, Login: "bob@corp.com", FirstName: "Bob", LastName: "Builder"}
	r, _, _ := Result(actions.Default().Lookup("list-factors"), actions.Result{Outcomes: []actions.Outcome{
		{Target: "alice", User: &a, Factors: []actions.Factor{
			{ID: "opf1", Type: "push", Provider: "OKTA", Status: "ACTIVE", Device: "Alice's iPhone", Platform: "IOS", Created: t0, LastVerified: t0.Add(72 * 3600e9)},
			{ID: "mbl1", Type: "sms", Provider: "OKTA", Status: "ACTIVE", Device: "•••0142", Created: t0},
			{ID: "ost1", Type: "token:software:totp", Provider: "GOOGLE", Status: "PENDING_ACTIVATION"},
			{ID: "xyz1", Type: "claims_provider", Provider: "CUSTOM", Status: "ACTIVE"},
		}},
		{Target: "bob", User: &bob, Factors: []actions.Factor{}},
		{Target: "ghost", Err: actions.Errorf(actions.KindNotFound, `no Okta user matches "ghost"`)},
	}}, "", false)
	golden(t, "list-factors", r)
}

func TestRenderAccountWrites(t *testing.T) {
	a := alice()
	bob := actions.User{ID: "00u2bbbbbbbbbbbbbbb2", Status: actions.StatusSuspended, Login: "bob@corp.com", FirstName: "Bob", LastName: "Builder"}
	reg := actions.Default()
	r, _, _ := Result(reg.Lookup("unlock-user"), actions.Result{Outcomes: []actions.Outcome{
		{Target: "alice", User: &a, Done: "unlocked", Changed: true},
		{Target: "carol", User: &a, Done: "not locked out: nothing to unlock"},
		{Target: "bob", User: &bob, Err: actions.Errorf(actions.KindInvalid, "bob@corp.com is SUSPENDED, not locked out; enable-user unsuspends them")},
	}}, "", false)
	golden(t, "unlock-user", r)
	r, _, _ = Result(reg.Lookup("clear-sessions"), actions.Result{Outcomes: []actions.Outcome{
		{Target: "alice", User: &a, Done: "sessions ended; OAuth tokens revoked; remembered devices forgotten", Changed: true},
		{Target: "root", Err: actions.Errorf(actions.KindForbidden, "root@corp.com holds Okta admin roles (SUPER_ADMIN), and your roles in oktabot's policy may not act on Okta admins (admin_targets); nothing was done to them")},
	}}, "", false)
	golden(t, "clear-sessions", r)
	exp := []actions.Outcome{{Target: "alice", User: &a, Done: "password expired and replaced by a temporary one: they choose a new one when they sign in with it", Changed: true,
		Secret: actions.NewSecret("Temp-PASS-42"), SecretLabel: "temporary password"}}
	r, _, _ = Result(reg.Lookup("expire-password"), actions.Result{Outcomes: exp}, "", true)
	golden(t, "expire-password-private", r)
	exp[0].Secret = actions.Secret{} // as requests.Redact leaves it
	r, _, _ = Result(reg.Lookup("expire-password"), actions.Result{Outcomes: exp}, "", false)
	golden(t, "expire-password-public", r)
	g := actions.Group{ID: "00g2", Name: "On-call", Type: "OKTA_GROUP"}
	r, _, _ = Result(reg.Lookup("add-to-group"), actions.Result{Outcomes: []actions.Outcome{
		{Target: "alice", User: &a, Group: &g, Done: "added to On-call", Changed: true},
		{Target: "bob", User: &bob, Group: &g, Done: "already in On-call"},
	}}, "", false)
	golden(t, "add-to-group", r)
	r, _, _ = Result(reg.Lookup("reset-factors"), actions.Result{Outcomes: []actions.Outcome{
		{Target: "alice", User: &a, Done: "reset every factor (Okta Verify push, SMS): they enroll again at their next sign-in", Changed: true},
		{Target: "bob", User: &bob, Done: "removed SMS; did not have webauthn", Changed: true},
	}}, "", false)
	golden(t, "reset-factors", r)
}

func TestRenderContain(t *testing.T) {
	a := alice()
	bob := actions.User{ID: "00u2bbbbbbbbbbbbbbb2", Status: actions.StatusLockedOut, Login: "bob@corp.com", FirstName: "Bob", LastName: "Builder"}
	r, _, _ := Result(actions.Default().Lookup("contain"), actions.Result{Outcomes: []actions.Outcome{
		{Target: "alice", User: &a, Done: "suspended; sessions ended; OAuth tokens revoked; remembered devices forgotten; " + actions.ContainPasswordNote, Changed: true},
		{Target: "carol", User: &a, Done: "suspended", Changed: true, Err: &actions.Error{Kind: actions.KindUnavailable, Message: "clear sessions failed: Okta did not answer in time", Code: "E0000009"}},
		{Target: "bob", User: &bob, Err: actions.Errorf(actions.KindInvalid, "suspend failed: bob@corp.com is LOCKED_OUT, and Okta suspends active users only; not done: clear sessions, revoke tokens")},
	}}, "", false)
	golden(t, "contain", r)
}

func TestRenderActivity(t *testing.T) {
	a := alice()
	act := actions.Default().Lookup("user-activity")
	evs := []actions.LogEvent{
		{ID: "e1", Published: t0.Add(2 * time.Hour), Type: "user.session.start", Message: "User login to Okta", Outcome: "SUCCESS",
			ClientIP: "203.0.113.7", City: "Lisbon", Country: "Portugal", UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)"},
		{ID: "e2", Published: t0.Add(time.Hour), Type: "user.authentication.auth_via_mfa", Message: "Authentication of user via MFA", Outcome: "FAILURE",
			Reason: "INVALID_CREDENTIALS", ClientIP: "198.51.100.9", Actor: actions.LogActor{Login: "alice@corp.com"}},
	}
	r, _, _ := Result(act, actions.Result{Query: "last 24h", Outcomes: []actions.Outcome{{Target: "alice", User: &a, Events: evs}}}, "", false)
	golden(t, "user-activity", r)
	r, _, _ = Result(act, actions.Result{Query: "last 7d, user.session.start only", Outcomes: []actions.Outcome{{Target: "alice", User: &a, Events: []actions.LogEvent{}}}}, "", false)
	golden(t, "user-activity-empty", r)
	csv := string(ResultCSV(act, actions.Result{Outcomes: []actions.Outcome{{Target: "alice", User: &a, Events: evs}}}))
	if !strings.Contains(csv, "user.authentication.auth_via_mfa,FAILURE,INVALID_CREDENTIALS") || !strings.HasPrefix(csv, "published,event_type") {
		t.Errorf("CSV:\n%s", csv)
	}
}

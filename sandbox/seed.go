package sandbox

import (
	"fmt"
	"strings"
	"time"

	"oktabot/okta/oktatest"
	"oktabot/slackfake"
)

// The demo company: Lumen Labs, lumenlabs.example (an .example domain, so
// no address in it reaches anyone).
const (
	domain      = "lumenlabs.example"
	chIncident  = "C0INCIDENT"
	chApprovals = "C0APPROVALS"
	chAudit     = "C0AUDIT"
	grpHelpdesk = "S0HELPDESK"
	grpOncall   = "S0ONCALL"
)

// Person is someone to be in the page.
type Person struct {
	ID, Name, RealName, Title string
	// Role says what the sandbox policy makes of them; with --policy, the
	// policy roles naming them.
	Role   string
	Groups []string // Slack user groups (S…)
	Email  string
	// OktaLogin is an Okta account of their own that the policy's people:
	// map names (an admin account, say), beside the one of their email.
	OktaLogin string
}

// The five people of the sandbox policy.
var demoPeople = []Person{
	{ID: "U0PRIYA", Name: "priya", RealName: "Priya Natarajan", Title: "Site Reliability Engineer", Role: "on-call engineer (oncall; may break glass)", Groups: []string{grpOncall}},
	{ID: "U0SAM", Name: "sam", RealName: "Sam Okafor", Title: "Security Engineer", Role: "security engineer (security, approves; Okta Verify on his admin account)", OktaLogin: "sam.okafor.admin@" + domain},
	{ID: "U0JORDAN", Name: "jordan", RealName: "Jordan Lee", Title: "Security Engineer", Role: "security engineer (security, approves)"},
	{ID: "U0MARIA", Name: "maria", RealName: "Maria Gomez", Title: "IT Helpdesk Agent", Role: "helpdesk agent (helpdesk; resets need the person's Okta Verify)", Groups: []string{grpHelpdesk}},
	{ID: "U0ALEX", Name: "alex", RealName: "Alex Kim", Title: "Marketing Manager", Role: "not in the policy"},
}

// demoPolicy shows every part of a policy on the five people: roles with
// the helpdesk's and incident responders' actions, approvals with a
// reminder and break glass, step-up for admin roles and MFA resets,
// time-boxed access, proof of ownership before a reset, the people: map
// and an audit channel. Its waits are real ones: the page's clock skips
// ahead to them.
const demoPolicy = `# The sandbox's policy (oktabot sandbox --policy FILE runs yours instead).
roles:
  oncall:
    members: [S0ONCALL]
    actions: [ping, get-user, list-users, list-user-groups, get-group, list-roles, list-providers, list-factors,
              user-activity, clear-sessions, disable-user, contain, add-to-group, remove-from-group, grants]
    max_duration: 12h          # on-call gives group memberships for a shift at most,
    require_duration: true     # and always for a time (add-to-group needs --for)
  helpdesk:
    members: [S0HELPDESK]
    actions: [ping, get-user, list-users, list-user-groups, enable-user, reset-password, set-password,
              unlock-user, list-factors, reset-factors, verify-user, expire-password, user-activity]
  security:
    members: [U0SAM, U0JORDAN]
    actions: ["*"]
    admin_targets: true
    assignable_roles: ["*"]

approvals:
  # Suspending people waits for security. Nobody answers? The approvers are
  # reminded after 5 minutes, and on-call may break glass after 10.
  - actions: [disable-user, contain]
    approvers: [security]
    channel: C0APPROVALS
    expire_after: 1h
    require_reason: true
    remind_after: 5m
    break_glass: {after: 10m, roles: [oncall]}
  # Admin roles and MFA resets: the approver proves it is them with Okta
  # Verify on their own phone, and admin roles are only given for a time.
  - actions: [assign-role, unassign-role, reset-factors]
    approvers: [security]
    channel: C0APPROVALS
    expire_after: 1h
    require_reason: true
    max_duration: 8h
    require_duration: true
    step_up: push

verify:
  # A reset runs only once its person approves an Okta Verify push: the
  # caller reads them the number to tap.
  - actions: [reset-password, set-password, unlock-user]
    method: push
    timeout: 2m
  # Someone who lost their phone cannot; the approval stands in.
  - actions: [reset-factors]
    fallback: approval

# Sam approves with the Okta Verify of his admin account; Jordan's account
# is the one of his Slack email.
people:
  U0SAM: sam.okafor.admin@lumenlabs.example

audit:
  channel: C0AUDIT
`

func emailOf(p Person) string {
	if p.Email != "" {
		return p.Email
	}
	first, last, _ := strings.Cut(strings.ToLower(p.RealName), " ")
	if last == "" {
		return first + "@" + domain
	}
	return first + "." + strings.ReplaceAll(last, " ", "") + "@" + domain
}

// seedSlack adds the people, their user groups and the channels.
func seedSlack(s *slackfake.Server, people []Person, channels map[string]string) {
	groups := map[string][]string{}
	var all []string
	for _, p := range people {
		s.AddUser(slackfake.User{ID: p.ID, Name: p.Name, RealName: p.RealName, DisplayName: p.Name, Email: emailOf(p)})
		for _, g := range p.Groups {
			groups[g] = append(groups[g], p.ID)
		}
		all = append(all, p.ID)
	}
	for g, m := range groups {
		s.AddUserGroup(g, m...)
	}
	for id, name := range channels {
		s.AddChannel(id, name, all...)
	}
}

var (
	firstNames = strings.Fields("Olivia Liam Emma Noah Ava Elijah Sophia Mateo Isabella Lucas Mia Levi Amelia Ethan Harper Aiden Evelyn Kai Abigail Leo Ella Yusuf Aaliyah Hiro Chloe Omar Zoe Ravi Nora Diego Lina Tomas Hana Felix Iris Arjun Maya Jonas Leila Marco")
	lastNames  = strings.Fields("Anderson Brennan Chen Dubois Eriksen Fischer Garcia Haddad Ito Jensen Kowalski Larsen Moreau Nakamura Okoye Petrov Quinn Rossi Sato Tanaka Umar Varga Weber Xu Yilmaz Zhang Alvarez Bauer Costa Dias")
	depts      = []struct {
		name, group string
		titles      []string
	}{
		{"Engineering", "Engineering", []string{"Software Engineer", "Senior Software Engineer", "Staff Engineer", "Engineering Manager", "QA Engineer"}},
		{"Infrastructure", "Engineering", []string{"Site Reliability Engineer", "Platform Engineer", "Network Engineer"}},
		{"Security", "Security", []string{"Security Engineer", "Security Analyst"}},
		{"IT", "IT", []string{"IT Helpdesk Agent", "Systems Administrator"}},
		{"Sales", "Sales", []string{"Account Executive", "Sales Development Rep", "Sales Engineer"}},
		{"Marketing", "Marketing", []string{"Marketing Manager", "Content Strategist", "Designer"}},
		{"Finance", "Finance", []string{"Accountant", "Financial Analyst", "Controller"}},
		{"People", "People", []string{"Recruiter", "People Partner"}},
		{"Support", "Support", []string{"Support Engineer", "Customer Success Manager"}},
	}
)

// The demo's stories: the people the walkthrough (tour.go) acts on.
const (
	// Locked out after too many attempts, with Okta Verify: unlock-user
	// after his push.
	loginLockedOut = "noah.varga@" + domain
	// Locked out too, without Okta Verify: unlock-user is not run on him.
	loginLockedNoPush = "mateo.tanaka@" + domain
	// The victim of an MFA fatigue attack an hour ago: denied pushes, then
	// a sign-in from a new country; still signed in there.
	loginCompromised = "ravi.jensen@" + domain
	// Lost his phone: reset-factors --device-lost.
	loginLostPhone = "lucas.dubois@" + domain
	// Covers the helpdesk for a while: assign-role --for.
	loginCover = "zoe.nakamura@" + domain
	// Helps with an incident for a while: add-to-group --for.
	loginResponder = "hana.zhang@" + domain
)

// The incident group on-call adds people to for a time.
const groupResponders = "Incident Responders"

// Addresses of documentation ranges (RFC 5737): the office, and the
// attacker of the MFA fatigue story.
const (
	ipOffice   = "203.0.113.10"
	ipAttacker = "198.51.100.23"
	browser    = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15"
)

// seedOkta fills the org: the bot's own admin account, the people of the
// page (and an admin account of their own the policy's people: map names),
// about a hundred colleagues (enough for a list-users too long for one
// message), groups, admins, identity providers, factors (Okta Verify
// pushes, which the page's phones answer), sessions, sign-ins in the
// System Log, and accounts in every interesting state.
func seedOkta(o *oktatest.Server, people []Person, now time.Time) {
	day := 24 * time.Hour
	founded := now.Add(-3 * 365 * day).Truncate(time.Hour)
	svc := o.AddUser(oktatest.User{Login: "oktabot.svc@" + domain, FirstName: "oktabot", LastName: "Service",
		Created: founded, LastLogin: now.Add(-time.Hour), Profile: map[string]any{"title": "Service account", "department": "IT"}})
	o.SetMe(svc.ID)
	o.AddRole(svc.ID, oktatest.Role{Type: "SUPER_ADMIN"})

	everyone := o.AddGroup(oktatest.Group{Name: "Everyone", Type: "BUILT_IN", Description: "All users in your organization", Created: founded})
	groups := map[string]oktatest.Group{}
	for _, d := range depts {
		if _, ok := groups[d.group]; !ok {
			groups[d.group] = o.AddGroup(oktatest.Group{Name: d.group, Description: d.group + " department", Created: founded})
		}
	}
	oncall := o.AddGroup(oktatest.Group{Name: "On-call", Description: "Engineers on the on-call rotation", Created: founded})
	contractors := o.AddGroup(oktatest.Group{Name: "Contractors", Description: "Temporary staff; access reviewed monthly", Created: founded})
	o.AddGroup(oktatest.Group{Name: groupResponders, Description: "Access to the incident tooling; given for an incident, never for good", Created: founded})
	o.AddGroup(oktatest.Group{Name: "Salesforce Users", Type: "APP_GROUP", Description: "Assigned by the Salesforce app", Created: founded})
	portal := o.AddOAuthClient(oktatest.OAuthClient{ID: "0oaportal", Name: "Lumen Portal", URI: "https://portal.lumenlabs.example"})

	add := func(u oktatest.User, group string) oktatest.User {
		u = o.AddUser(u)
		o.AddGroupMember(everyone.ID, u.ID)
		if g, ok := groups[group]; ok {
			o.AddGroupMember(g.ID, u.ID)
		}
		return u
	}
	// Their last sign-in is in the System Log (user-activity), from the
	// office.
	signedIn := func(u oktatest.User) {
		if !u.LastLogin.IsZero() {
			o.AddLogEvent(oktatest.LogEvent{Published: u.LastLogin, EventType: "user.session.start", DisplayMessage: "User login to Okta",
				ActorID: u.ID, Outcome: "SUCCESS", ClientIP: ipOffice, UserAgent: browser, City: "Austin", Country: "United States"})
		}
	}
	// The people of the page are in Okta too, so @mentions resolve and an
	// approver's step-up finds them by email; each has Okta Verify.
	for i, p := range people {
		first, last, _ := strings.Cut(p.RealName, " ")
		if last == "" {
			last = "Person"
		}
		created := founded.Add(time.Duration(i*11) * day)
		dept := deptOf(p.Title)
		u := add(oktatest.User{Login: emailOf(p), FirstName: first, LastName: last, Created: created,
			LastLogin: now.Add(-time.Duration(i+1) * 3 * time.Hour), PasswordChanged: created.Add(90 * day),
			Profile: map[string]any{"title": p.Title, "department": dept}}, groupOfDept(dept))
		o.AddFactor(u.ID, oktatest.Factor{FactorType: "push", DeviceName: first + "'s iPhone", Created: created})
		o.AddSession(u.ID)
		signedIn(u)
		// Admin roles go on the account of the people: map when there is
		// one: an admin account of their own.
		admin := u
		if p.OktaLogin != "" && !strings.EqualFold(p.OktaLogin, u.Login) {
			if _, taken := o.User(p.OktaLogin); !taken {
				admin = o.AddUser(oktatest.User{Login: p.OktaLogin, FirstName: first, LastName: last, Created: created.Add(day),
					LastLogin: now.Add(-2 * day), Profile: map[string]any{"title": p.Title + " (admin account)", "department": dept}})
				o.AddGroupMember(everyone.ID, admin.ID)
				o.AddFactor(admin.ID, oktatest.Factor{FactorType: "push", DeviceName: first + "'s iPhone", Created: created.Add(day)})
			}
		}
		if strings.Contains(p.Role, "security") {
			o.AddRole(admin.ID, oktatest.Role{Type: "SUPER_ADMIN"})
		}
		if strings.Contains(p.Role, "helpdesk") {
			o.AddRole(admin.ID, oktatest.Role{Type: "HELP_DESK_ADMIN"})
		}
		if strings.Contains(p.Role, "on-call") {
			o.AddGroupMember(oncall.ID, u.ID)
		}
	}

	// Everyone else, deterministically.
	for i := 0; i < 115; i++ {
		first := firstNames[i%len(firstNames)]
		last := lastNames[(i*7+i/len(firstNames))%len(lastNames)]
		login := strings.ToLower(first + "." + last + "@" + domain)
		if _, taken := o.User(login); taken {
			continue
		}
		d := depts[i%len(depts)]
		created := founded.Add(time.Duration(i*9) * day)
		u := oktatest.User{Login: login, FirstName: first, LastName: last, Created: created,
			LastLogin: now.Add(-time.Duration(i%40+1) * 5 * time.Hour), PasswordChanged: created.Add(time.Duration(30+i%200) * day),
			Profile: map[string]any{"title": d.titles[i%len(d.titles)], "department": d.name}}
		switch i {
		case 8: // suspended while on leave
			u.Status = "SUSPENDED"
		case 13: // a new hire starting Monday
			u.Status, u.LastLogin, u.PasswordChanged = "STAGED", time.Time{}, time.Time{}
			u.Created = now.Add(-2 * day)
		case 17: // activated, has not set a password yet
			u.Status, u.LastLogin, u.PasswordChanged = "PROVISIONED", time.Time{}, time.Time{}
		case 21: // left the company
			u.Status = "DEPROVISIONED"
		case 26: // password expired
			u.Status = "PASSWORD_EXPIRED"
		}
		u = add(u, d.group)
		signedIn(u)
		switch {
		case i%3 == 0:
			o.AddFactor(u.ID, oktatest.Factor{FactorType: "push", DeviceName: first + "'s " + phones[i%len(phones)], Created: created})
		case i%3 == 1:
			o.AddFactor(u.ID, oktatest.Factor{FactorType: "token:software:totp", Provider: "GOOGLE", Created: created})
		}
		if i%4 == 0 {
			o.AddFactor(u.ID, oktatest.Factor{FactorType: "sms", PhoneNumber: fmt.Sprintf("+1 512-555-%04d", 100+i), Created: created})
		}
		if u.Status == "ACTIVE" && i%4 == 1 {
			o.AddSession(u.ID)
		}
		if d.name == "Infrastructure" && i%2 == 1 {
			o.AddGroupMember(oncall.ID, u.ID)
		}
		if i%11 == 5 {
			o.AddGroupMember(contractors.ID, u.ID)
		}
		switch i {
		case 12: // IT's admins
			o.AddRole(u.ID, oktatest.Role{Type: "ORG_ADMIN"})
		case 30:
			o.AddRole(u.ID, oktatest.Role{Type: "READ_ONLY_ADMIN"})
		case 24: // in Finance
			o.AddRole(u.ID, oktatest.Role{Type: "REPORT_ADMIN"})
		}
		switch u.Login {
		case loginLockedOut, loginLockedNoPush:
			o.LockOut(u.ID) // too many attempts, in the System Log
		case loginCompromised:
			seedFatigue(o, u, portal.ID, now)
		}
	}
	o.AddIdentityProvider(oktatest.IdentityProvider{Name: "Google Workspace", Type: "GOOGLE", Created: founded})
	o.AddIdentityProvider(oktatest.IdentityProvider{Name: "Microsoft Entra ID", Type: "MICROSOFT", Created: founded.Add(200 * day)})
	o.AddIdentityProvider(oktatest.IdentityProvider{Name: "Partner SSO (Acme Logistics)", Type: "SAML2", Created: founded.Add(400 * day)})
	o.AddIdentityProvider(oktatest.IdentityProvider{Name: "Legacy LDAP bridge", Type: "SAML2", Status: "INACTIVE", Created: founded.Add(30 * day)})
}

var phones = []string{"iPhone", "Pixel 8", "Galaxy S24"}

// seedFatigue is an MFA fatigue attack on u an hour ago: a password that
// works from an unknown place, push after push denied, then one approved,
// a session there, and a token for the portal.
func seedFatigue(o *oktatest.Server, u oktatest.User, client string, now time.Time) {
	attacker := func(at time.Duration, typ, msg, outcome, reason string) {
		o.AddLogEvent(oktatest.LogEvent{Published: now.Add(-at), EventType: typ, DisplayMessage: msg, ActorID: u.ID,
			TargetIDs: []string{u.ID}, Outcome: outcome, Reason: reason, ClientIP: ipAttacker,
			UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0", City: "Frankfurt am Main", Country: "Germany"})
	}
	attacker(72*time.Minute, "user.authentication.auth_via_mfa", "Authentication of user via MFA", "FAILURE", "Verification timed out")
	for m := 70; m > 52; m -= 3 {
		attacker(time.Duration(m)*time.Minute, "user.mfa.okta_verify.deny_push", "User rejected Okta push verify", "FAILURE", "User rejected Okta push verify")
	}
	attacker(49*time.Minute, "user.authentication.auth_via_mfa", "Authentication of user via MFA", "SUCCESS", "")
	attacker(49*time.Minute-20*time.Second, "user.session.start", "User login to Okta", "SUCCESS", "")
	attacker(31*time.Minute, "app.oauth2.as.token.grant.access_token", "OAuth2 access token is granted", "SUCCESS", "")
	o.AddSession(u.ID)
	o.AddUserToken(u.ID, client, "openid", "profile", "offline_access")
	o.RememberDevice(u.ID, "Windows PC (Frankfurt)")
}

func deptOf(title string) string {
	for _, d := range depts {
		for _, t := range d.titles {
			if t == title {
				return d.name
			}
		}
	}
	return "Operations"
}

func groupOfDept(dept string) string {
	for _, d := range depts {
		if d.name == dept {
			return d.group
		}
	}
	return ""
}

// describeGroup is a person's line for a user group of a policy.
func describeGroup(id string) string { return fmt.Sprintf("member of %s", id) }

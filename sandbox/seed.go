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
}

// The five people of the sandbox policy.
var demoPeople = []Person{
	{ID: "U0PRIYA", Name: "priya", RealName: "Priya Natarajan", Title: "Site Reliability Engineer", Role: "on-call engineer (oncall)", Groups: []string{grpOncall}},
	{ID: "U0SAM", Name: "sam", RealName: "Sam Okafor", Title: "Security Engineer", Role: "security engineer (security, approves)"},
	{ID: "U0JORDAN", Name: "jordan", RealName: "Jordan Lee", Title: "Security Engineer", Role: "security engineer (security, approves)"},
	{ID: "U0MARIA", Name: "maria", RealName: "Maria Gomez", Title: "IT Helpdesk Agent", Role: "helpdesk agent (helpdesk)", Groups: []string{grpHelpdesk}},
	{ID: "U0ALEX", Name: "alex", RealName: "Alex Kim", Title: "Marketing Manager", Role: "not in the policy"},
}

// demoPolicy gives the five people sensible roles, one approval rule and
// an audit channel.
const demoPolicy = `# The sandbox's policy (oktabot sandbox --policy FILE runs yours instead).
roles:
  oncall:
    members: [S0ONCALL]
    actions: [ping, get-user, list-users, list-user-groups, get-group, list-roles, list-providers, disable-user]
  helpdesk:
    members: [S0HELPDESK]
    actions: [ping, get-user, list-users, reset-password, enable-user, set-password]
  security:
    members: [U0SAM, U0JORDAN]
    actions: ["*"]
    admin_targets: true
    assignable_roles: ["*"]

approvals:
  - actions: [disable-user, assign-role, unassign-role]
    approvers: [security]
    channel: C0APPROVALS
    expire_after: 1h
    require_reason: true

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

// seedOkta fills the org: the bot's own admin account, the people of the
// page, about a hundred colleagues (enough for a list-users too long for
// one message), groups, admins, identity providers, factors, and accounts
// in every interesting state.
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
	o.AddGroup(oktatest.Group{Name: "Salesforce Users", Type: "APP_GROUP", Description: "Assigned by the Salesforce app", Created: founded})

	add := func(u oktatest.User, group string) oktatest.User {
		u = o.AddUser(u)
		o.AddGroupMember(everyone.ID, u.ID)
		if g, ok := groups[group]; ok {
			o.AddGroupMember(g.ID, u.ID)
		}
		return u
	}
	// The people of the page are in Okta too, so @mentions resolve.
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
		o.AddFactor(u.ID, oktatest.Factor{FactorType: "push", Created: created})
		if strings.Contains(p.Role, "security") {
			o.AddRole(u.ID, oktatest.Role{Type: "SUPER_ADMIN"})
		}
		if strings.Contains(p.Role, "helpdesk") {
			o.AddRole(u.ID, oktatest.Role{Type: "HELP_DESK_ADMIN"})
		}
		if strings.Contains(p.Role, "on-call") {
			o.AddGroupMember(oncall.ID, u.ID)
		}
	}

	// Everyone else, deterministically.
	n := 0
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
		case 3: // locked out after too many attempts
			u.Status = "LOCKED_OUT"
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
		n++
		switch {
		case i%3 == 0:
			o.AddFactor(u.ID, oktatest.Factor{FactorType: "push", Created: created})
		case i%3 == 1:
			o.AddFactor(u.ID, oktatest.Factor{FactorType: "token:software:totp", Provider: "GOOGLE", Created: created})
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
	}
	o.AddIdentityProvider(oktatest.IdentityProvider{Name: "Google Workspace", Type: "GOOGLE", Created: founded})
	o.AddIdentityProvider(oktatest.IdentityProvider{Name: "Microsoft Entra ID", Type: "MICROSOFT", Created: founded.Add(200 * day)})
	o.AddIdentityProvider(oktatest.IdentityProvider{Name: "Partner SSO (Acme Logistics)", Type: "SAML2", Created: founded.Add(400 * day)})
	o.AddIdentityProvider(oktatest.IdentityProvider{Name: "Legacy LDAP bridge", Type: "SAML2", Status: "INACTIVE", Created: founded.Add(30 * day)})
	_ = n
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

package auth

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// The policy, read back for people: `oktabot policy explain`. Nothing here
// asks Slack: a person's user groups are given, so the answers are what the
// policy says for those memberships.

// Grant is what the policy gives one person for one action.
type Grant struct {
	Action string
	// Roles are the person's roles that grant the action, in policy order.
	Roles []string
	// Rule is the approval rule the action waits on; nil: it runs at once.
	Rule *ApprovalRule
	// AdminTargets: one of Roles says admin_targets: true.
	AdminTargets bool
	// RoleTypes, for assign-role and unassign-role, are the Okta role types
	// Roles let them assign and unassign.
	RoleTypes RoleTypes
	// Timebox, for the time-boxed actions (Timeboxed), is what Roles and
	// Rule say of --for; nil for the others.
	Timebox *Timebox
}

// RoleMembers is one role and who is in it.
type RoleMembers struct {
	Role         string
	Users        []string // Slack user ids, sorted
	Groups       []string // Slack user group ids, in file order
	AdminTargets bool
	RoleTypes    RoleTypes // its assignable_roles
	// MaxDuration and RequireDuration are its max_duration (0: none) and
	// require_duration.
	MaxDuration     time.Duration
	RequireDuration bool
}

// Explanation is what the policy gives one person.
type Explanation struct {
	// Roles are the person's roles, in policy order.
	Roles []string
	// Grants are the actions they may run, in the order asked.
	Grants []Grant
	// Approves are the approval rules whose requests they may approve
	// (never their own), in file order.
	Approves []ApprovalRule
}

// Explain says what user (a Slack user id), a member of the Slack user
// groups groups, may run of actions (the registry's names, in the order
// to list them), and whose requests they may approve. Membership is only
// what is given: user is a member of a role that lists them or one of
// groups.
func (p *Policy) Explain(user string, groups []string, actions []string) Explanation {
	var x Explanation
	member := map[string]bool{}
	for _, r := range p.roles {
		if r.users[user] || slices.ContainsFunc(r.groups, func(g string) bool { return slices.Contains(groups, g) }) {
			member[r.name] = true
			x.Roles = append(x.Roles, r.name)
		}
	}
	for _, a := range actions {
		if !p.known[a] {
			continue
		}
		g := Grant{Action: a}
		var granting []*role
		for _, r := range p.roles {
			if member[r.name] && r.allows(a) {
				granting = append(granting, r)
				g.Roles = append(g.Roles, r.name)
				g.AdminTargets = g.AdminTargets || r.adminTargets
				if changesRoles(a) {
					g.RoleTypes = g.RoleTypes.with(r.assignable)
				}
			}
		}
		if len(g.Roles) == 0 {
			continue
		}
		g.Rule = p.RuleFor(a)
		if Timeboxed(a) {
			tb := timebox(granting, g.Rule)
			g.Timebox = &tb
		}
		x.Grants = append(x.Grants, g)
	}
	for _, rule := range p.rules {
		if slices.ContainsFunc(rule.Approvers, func(name string) bool { return member[name] }) {
			x.Approves = append(x.Approves, *rule.clone())
		}
	}
	return x
}

// Access is who the policy lets run one action, and who approves it.
type Access struct {
	Action string
	// Runners are the roles that grant the action, in policy order.
	Runners []RoleMembers
	// Rule is the approval rule it waits on; nil: it runs at once.
	Rule *ApprovalRule
	// Approvers are the rule's approver roles, in the rule's order.
	Approvers []RoleMembers
}

// Access says who may run action and who may approve it; false when the
// policy does not know the action.
func (p *Policy) Access(action string) (Access, bool) {
	if !p.known[action] {
		return Access{}, false
	}
	acc := Access{Action: action, Rule: p.RuleFor(action)}
	for _, r := range p.roles {
		if r.allows(action) {
			acc.Runners = append(acc.Runners, r.members())
		}
	}
	if acc.Rule != nil {
		for _, name := range acc.Rule.Approvers {
			if r := p.byName[name]; r != nil {
				acc.Approvers = append(acc.Approvers, r.members())
			}
		}
	}
	return acc, true
}

func (r *role) members() RoleMembers {
	m := RoleMembers{Role: r.name, Groups: slices.Clone(r.groups), AdminTargets: r.adminTargets, RoleTypes: r.assignable,
		MaxDuration: r.maxDuration, RequireDuration: r.requireDuration}
	for u := range r.users {
		m.Users = append(m.Users, u)
	}
	sort.Strings(m.Users)
	return m
}

// Channels are the Slack channel ids the policy posts to: each approval
// rule's channel, then the audit channel, each once, with what uses it
// ("approval rule 1 (line 12)", "audit").
func (p *Policy) Channels() []ChannelUse {
	var out []ChannelUse
	add := func(id, use string) {
		for i := range out {
			if out[i].ID == id {
				out[i].Uses = append(out[i].Uses, use)
				return
			}
		}
		out = append(out, ChannelUse{ID: id, Uses: []string{use}})
	}
	for i, r := range p.rules {
		if r.Channel != "" {
			add(r.Channel, fmt.Sprintf("approval rule %d (line %d)", i+1, r.Line))
		}
	}
	if p.audit != "" {
		add(p.audit, "audit")
	}
	return out
}

// ChannelUse is a channel the policy names, and what for.
type ChannelUse struct {
	ID   string
	Uses []string
}

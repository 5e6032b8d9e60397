package auth

import "sort"

// Groups are the user group ids the policy's roles name, each once, in
// file order.
func (p *Policy) Groups() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range p.roles {
		for _, g := range r.groups {
			if !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	return out
}

// Members are a role's Slack user ids (sorted) and user group ids (in file
// order), or nothing for an unknown role.
func (p *Policy) Members(role string) (users, groups []string) {
	r := p.byName[role]
	if r == nil {
		return nil, nil
	}
	for u := range r.users {
		users = append(users, u)
	}
	sort.Strings(users)
	return users, append([]string(nil), r.groups...)
}

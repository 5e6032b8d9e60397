package auth

import "sort"

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

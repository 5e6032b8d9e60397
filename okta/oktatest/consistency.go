package oktatest

import (
	"maps"
	"slices"
	"time"
)

// Okta is not one consistent store, and the fake can say so:
//
//   - search (GET /users?search=, GET /groups?search=) is "sourced from an
//     eventually consistent datasource and may not reflect the latest
//     information" (the spec): with SetSearchLag(d) search answers from
//     the org as it was d ago, while GET by id or login, filter and q see
//     every write at once;
//   - activate and deactivate are asynchronous: with SetTransitionTime(d)
//     the user keeps its old status, with transitioningToStatus set to the
//     new one, for d after the call.

// searchSnap is the org as search sees it from at on.
type searchSnap struct {
	at     time.Time
	users  []*user
	groups []*group
}

// SetSearchLag makes search results lag writes made through the API by d
// (0 turns it off). Users and groups seeded by the test (AddUser,
// AddGroup) are searchable at once, as if they were there before.
func (s *Server) SetSearchLag(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.searchLag = d
	s.searchSnaps = nil
	if d > 0 {
		s.snapshotLocked(s.now())
	}
}

// SetTransitionTime makes activate and deactivate asynchronous, as Okta's
// are: for d after the call the user keeps its status and carries
// transitioningToStatus (ACTIVE, PROVISIONED for a user without a password,
// or DEPROVISIONED); then the change is done.
// Lifecycle calls and password changes for a user in transition are
// refused (403 E0000038; Okta's exact answer is unconfirmed). 0 turns it
// off; transitions under way still finish.
func (s *Server) SetTransitionTime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.transitionTime = d
}

// snapshotLocked records the org as search will see it lag after now.
func (s *Server) snapshotLocked(now time.Time) {
	snap := searchSnap{at: now, users: make([]*user, 0, len(s.users)), groups: make([]*group, 0, len(s.groups))}
	for _, u := range s.users {
		snap.users = append(snap.users, u.clone())
	}
	for _, g := range s.groups {
		snap.groups = append(snap.groups, g.clone())
	}
	s.searchSnaps = append(s.searchSnaps, snap)
}

// seededLocked makes a seeded user or group searchable at once.
func (s *Server) seededLocked(u *user, g *group) {
	for i := range s.searchSnaps {
		if u != nil {
			s.searchSnaps[i].users = append(s.searchSnaps[i].users, u.clone())
		}
		if g != nil {
			s.searchSnaps[i].groups = append(s.searchSnaps[i].groups, g.clone())
		}
	}
}

// searchView is what search sees at now: the users and groups.
func (s *Server) searchView(now time.Time) ([]*user, []*group) {
	if s.searchLag <= 0 || len(s.searchSnaps) == 0 {
		return s.users, s.groups
	}
	i := 0
	for j, snap := range s.searchSnaps {
		if !snap.at.After(now.Add(-s.searchLag)) {
			i = j
		}
	}
	s.searchSnaps = s.searchSnaps[i:] // older ones are never seen again
	return s.searchSnaps[0].users, s.searchSnaps[0].groups
}

// settleLocked finishes the transitions whose time is up, and settles push
// verifications (answers due, lifetimes over).
func (s *Server) settleLocked(now time.Time) {
	s.settlePushesLocked(now)
	for _, u := range s.users {
		if u.transitioning == "" || now.Before(u.transitionDone) {
			continue
		}
		to := u.transitioning
		u.transitioning = ""
		if u.status != to {
			u.status, u.statusChanged = to, u.transitionDone
		}
		u.lastUpdated = u.transitionDone
	}
}

func (u *user) clone() *user {
	c := *u
	c.profile = maps.Clone(u.profile)
	c.groups = maps.Clone(u.groups)
	c.history = slices.Clone(u.history)
	return &c
}

func (g *group) clone() *group {
	c := *g
	c.profile = maps.Clone(g.profile)
	c.members = slices.Clone(g.members)
	return &c
}

// startTransition changes u's status to status: at once, or, with a
// transition time set, after it (transitioningToStatus meanwhile).
func (s *Server) startTransition(u *user, c *reqCtx, status string) {
	if s.transitionTime <= 0 {
		s.setStatus(u, c, status)
		return
	}
	u.transitioning, u.transitionDone = status, c.now.Add(s.transitionTime)
	u.lastUpdated = c.now
}

// changingUser is userByPathID for a write: a user in transition is
// refused.
func (s *Server) changingUser(c *reqCtx) (*user, *apiError) {
	u, aerr := s.userByPathID(c)
	if aerr == nil && u.transitioning != "" {
		return nil, errStatus()
	}
	return u, aerr
}

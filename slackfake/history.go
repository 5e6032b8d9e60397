package slackfake

import (
	"slices"
	"strings"
)

// Channel is a conversation as a member's sidebar lists it.
type Channel struct {
	ID, Name string
	// IsDM: a direct message, the app's with one person (AppDM) or
	// between people (AddDM).
	IsDM bool
	// DMUser is, for the app's direct message, the person in it.
	DMUser  string
	Members []string
}

// ChannelsOf are the channels user is a member of (in name order) and
// then their direct messages.
func (s *Server) ChannelsOf(user string) []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var chans, dms []Channel
	for _, id := range sortedKeys(s.channels) {
		ch := s.channels[id]
		isDM := ch.kind == kindAppDM || ch.kind == kindPeopleDM
		c := Channel{ID: ch.id, Name: ch.name, IsDM: isDM, DMUser: ch.dmUser, Members: sortedKeys(ch.members)}
		switch {
		case ch.kind == kindAppDM && ch.dmUser == user:
			dms = append(dms, c)
		case ch.kind == kindPeopleDM && ch.members[user]:
			dms = append(dms, c)
		case !isDM && ch.members[user]:
			chans = append(chans, c)
		}
	}
	slices.SortFunc(chans, func(a, b Channel) int { return strings.Compare(a.Name, b.Name) })
	return append(chans, dms...)
}

// History is what viewer sees in a channel now: every message that exists
// (after updates, replacements and deletions), ephemeral ones only when
// shown to viewer, thread replies included, in timestamp order. Via is
// "bot" or "user" (the author), as in ChannelMessage.
func (s *Server) History(channelID, viewer string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, p := range s.posts {
		if p.channel != channelID || p.deleted || (p.ephemeralTo != "" && p.ephemeralTo != viewer) {
			continue
		}
		out = append(out, p.message(s.cfg.botUserID))
	}
	slices.SortFunc(out, func(a, b Message) int { return compareTS(a.TS, b.TS) })
	return out
}

// compareTS orders Slack timestamps ("1700000000.000100").
func compareTS(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// UserInfo is a workspace member by id.
func (s *Server) UserInfo(id string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	return u, ok
}

// GroupsOf are the user groups (S…) user is a member of, sorted.
func (s *Server) GroupsOf(user string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, id := range sortedKeys(s.groups) {
		if slices.Contains(s.groups[id], user) {
			out = append(out, id)
		}
	}
	return out
}

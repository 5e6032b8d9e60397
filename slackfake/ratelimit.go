package slackfake

import "time"

// LimitPosts makes chat.postMessage into channelID succeed at most once
// every every, as Slack limits posting to about one message a second per
// channel: a post sooner is answered HTTP 429, ratelimited, Retry-After 1.
// Zero lifts the limit.
func (s *Server) LimitPosts(channelID string, every time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.channels[channelID]; ok {
		ch.postEvery = every
	}
}

// postLimitLocked answers ratelimited when ch's post limit is reached, and
// otherwise counts a post.
func (s *Server) postLimitLocked(ch *channel) *apiErr {
	if ch.postEvery <= 0 {
		return nil
	}
	now := s.now()
	if !ch.lastPost.IsZero() && now.Sub(ch.lastPost) < ch.postEvery {
		return errResp("ratelimited")
	}
	ch.lastPost = now
	return nil
}

package handlers

import (
	"sync"
	"time"
)

// DefaultPerUserLimit is how many commands one person may send a minute
// (Config.PerUserLimit).
const DefaultPerUserLimit = 30

// personLimiter counts each person's commands over the last minute: a
// person past the limit is told to slow down, and their excess commands
// take no worker.
type personLimiter struct {
	per    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	sent  map[string][]time.Time // by Slack user id: times of admitted commands, oldest first
	swept time.Time
}

func newPersonLimiter(per int, now func() time.Time) *personLimiter {
	return &personLimiter{per: per, window: time.Minute, now: now, sent: map[string][]time.Time{}}
}

// allow reports whether user may send one more command now, and counts it
// when they may. A limiter with no limit allows everything.
func (l *personLimiter) allow(user string) bool {
	if l == nil || l.per <= 0 {
		return true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.window {
		// Forget people who have been quiet for a window.
		for u, ts := range l.sent {
			if now.Sub(ts[len(ts)-1]) >= l.window {
				delete(l.sent, u)
			}
		}
		l.swept = now
	}
	ts := l.sent[user]
	for len(ts) > 0 && now.Sub(ts[0]) >= l.window {
		ts = ts[1:]
	}
	if len(ts) >= l.per {
		l.sent[user] = ts
		return false
	}
	l.sent[user] = append(ts, now)
	return true
}

// insiders remembers who the policy recently let run something, so that
// their work is not queued behind the work of people outside the policy
// (Bot.slotsFor). It decides nothing: every request is still checked.
type insiders struct {
	ttl time.Duration
	now func() time.Time

	mu   sync.Mutex
	seen map[string]time.Time
}

func newInsiders(now func() time.Time) *insiders {
	return &insiders{ttl: time.Hour, now: now, seen: map[string]time.Time{}}
}

// saw records that the policy let user run or decide something.
func (i *insiders) saw(user string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.seen[user] = i.now()
	if len(i.seen) > 10000 {
		for u, at := range i.seen {
			if i.now().Sub(at) > i.ttl {
				delete(i.seen, u)
			}
		}
	}
}

// known reports whether the policy let user run or decide something within
// the last ttl.
func (i *insiders) known(user string) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	at, ok := i.seen[user]
	return ok && i.now().Sub(at) <= i.ttl
}

package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"oktabot/blocks"
)

// Defaults of the audit channel's pacing.
const (
	// auditChannelEvery is how often a line may be posted, after a burst
	// of auditChannelBurst: Slack lets an app post about one message a
	// second in a channel, allowing short bursts.
	auditChannelEvery = time.Second
	auditChannelBurst = 3
	// refusalWindow is how long one person's refusals are summed up in one
	// line after the first is posted on its own.
	refusalWindow = time.Minute
	// auditChannelQueue bounds the lines waiting to be posted; past it,
	// lines are dropped (and counted in the log): every record is in the
	// store and the JSON log anyway.
	auditChannelQueue = 1000
)

// auditChannel posts lines to the policy's audit channel from its own
// goroutine, paced by Slack's limit and waiting out its 429s, so that
// posting never holds a request's worker. One person's refusals are not
// posted one by one: the first of a window is, and the rest are summed up
// in one line when the window closes ("U… was refused 37 more times …"),
// so that nobody can flood the channel, or the bot, by being refused.
type auditChannel struct {
	post    func(ctx context.Context, channel, text string) error
	channel func() string
	now     func() time.Time
	log     zerolog.Logger
	every   time.Duration
	burst   int
	window  time.Duration

	lines chan string

	mu       sync.Mutex
	tallies  map[string]*refusals // by Slack user id
	dropped  int
	stopping bool
}

// refusals are one person's refusals in a window, after its first line.
type refusals struct {
	since    time.Time
	n        int
	byAction map[string]int
	order    []string
}

func newAuditChannel(post func(ctx context.Context, channel, text string) error, channel func() string, now func() time.Time, log zerolog.Logger) *auditChannel {
	return &auditChannel{
		post: post, channel: channel, now: now, log: log,
		every: auditChannelEvery, burst: auditChannelBurst, window: refusalWindow,
		lines:   make(chan string, auditChannelQueue),
		tallies: map[string]*refusals{},
	}
}

// line queues text to be posted. It never blocks.
func (c *auditChannel) line(text string) {
	if c.channel() == "" {
		return
	}
	select {
	case c.lines <- text:
	default:
		c.mu.Lock()
		c.dropped++
		n := c.dropped
		c.mu.Unlock()
		if n == 1 || n%100 == 0 {
			c.log.Warn().Int("dropped", n).Msg("the audit channel's queue is full; lines are dropped (the records are in the store and the log)")
		}
	}
}

// refused queues the line of a refusal of user's request for action, or,
// when user was refused less than a window ago, counts it in their summary.
func (c *auditChannel) refused(user, action, text string) {
	if c.channel() == "" {
		return
	}
	now := c.now()
	c.mu.Lock()
	t := c.tallies[user]
	if t != nil && now.Sub(t.since) < c.window {
		t.n++
		if action == "" {
			action = "unreadable commands"
		}
		if t.byAction[action] == 0 {
			t.order = append(t.order, action)
		}
		t.byAction[action]++
		c.mu.Unlock()
		return
	}
	summary := c.summaryLocked(user, t)
	c.tallies[user] = &refusals{since: now, byAction: map[string]int{}}
	c.mu.Unlock()
	if summary != "" {
		c.line(summary)
	}
	c.line(text)
}

// summaryLocked is the line that sums up t, user's refusals after the first
// of a window, or "" when there were none.
func (c *auditChannel) summaryLocked(user string, t *refusals) string {
	if t == nil || t.n == 0 {
		return ""
	}
	order := slices.Clone(t.order)
	slices.SortStableFunc(order, func(a, b string) int { return t.byAction[b] - t.byAction[a] })
	parts := make([]string, len(order))
	for i, a := range order {
		name := a
		if a != "unreadable commands" {
			name = blocks.Code(a)
		}
		parts[i] = fmt.Sprintf("%s ×%d", name, t.byAction[a])
	}
	within := "in the minute after the refusal above"
	if c.window != time.Minute {
		within = "within " + c.window.String() + " of the refusal above"
	}
	return fmt.Sprintf(":no_entry: %s was refused %s more %s; nothing was run: %s",
		blocks.Mention(user), blocks.Plural(t.n, "time", "times"), within, strings.Join(parts, ", "))
}

// flush queues the summaries of windows that have closed; all of them
// when final.
func (c *auditChannel) flush(final bool) {
	now := c.now()
	var out []string
	c.mu.Lock()
	for user, t := range c.tallies {
		if final || now.Sub(t.since) >= c.window {
			if s := c.summaryLocked(user, t); s != "" {
				out = append(out, s)
			}
			delete(c.tallies, user)
		}
	}
	c.mu.Unlock()
	slices.Sort(out)
	for _, s := range out {
		c.line(s)
	}
}

// run posts queued lines, c.burst at once and then one every c.every,
// until ctx is done; then it sums up what is left and posts what it can
// within drain. Slack's own 429s are waited out by the Slack client.
func (c *auditChannel) run(ctx context.Context, drain time.Duration) {
	tick := time.NewTicker(min(c.window/4, 15*time.Second))
	defer tick.Stop()
	tokens, last := float64(c.burst), time.Now()
	send := func(text string, deadline context.Context) {
		now := time.Now()
		tokens = min(float64(c.burst), tokens+float64(now.Sub(last))/float64(c.every))
		last = now
		if tokens < 1 {
			t := time.NewTimer(time.Duration((1 - tokens) * float64(c.every)))
			select {
			case <-t.C:
			case <-deadline.Done():
				t.Stop()
				return
			}
			tokens, last = 1, time.Now()
		}
		tokens--
		pctx, cancel := context.WithTimeout(deadline, 30*time.Second)
		defer cancel()
		if err := c.post(pctx, c.channel(), blocks.Clip(text, blocks.MaxSectionText)); err != nil {
			c.log.Error().Err(err).Str("audit_channel", c.channel()).Msg("could not post to the audit channel")
		}
	}
	for {
		select {
		case <-ctx.Done():
			c.flush(true)
			dctx, cancel := context.WithTimeout(context.Background(), drain)
			defer cancel()
			for {
				select {
				case text := <-c.lines:
					send(text, dctx)
				default:
					return
				}
				if dctx.Err() != nil {
					if n := len(c.lines); n > 0 {
						c.log.Warn().Int("unposted", n).Msg("stopped before every audit channel line was posted (the records are in the store and the log)")
					}
					return
				}
			}
		case <-tick.C:
			c.flush(false)
		case text := <-c.lines:
			send(text, ctx)
		}
	}
}

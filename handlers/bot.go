// Package handlers is everything Slack-shaped: it takes Socket Mode
// envelopes, acknowledges them at once, and does the work on a bounded pool
// (a bounded queue, round robin by person, in front of it):
// parsing commands against the action registry, asking the policy, running
// actions against Okta, and rendering and delivering the answers.
package handlers

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/blocks"
	"oktabot/metrics"
	"oktabot/requests"
	"oktabot/store"
)

// Authorizer is the policy as the handlers need it.
type Authorizer interface {
	Decide(ctx context.Context, caller, action, channel string) (auth.Decision, error)
	Permitted(ctx context.Context, caller string, all []string) ([]string, error)
	CanApprove(ctx context.Context, approver, requester string, rule *auth.ApprovalRule) (bool, error)
	InRoles(ctx context.Context, user string, roles []string) (bool, error)
	Policy() *auth.Policy
	// Known tells a member of the policy (by id, or through a user group
	// as last seen) from an outsider, without asking Slack; Warm looks
	// the policy's user groups up.
	Known(user string) bool
	Warm(ctx context.Context) error
}

var _ Authorizer = (*auth.Authorizer)(nil)

// Config is what a Bot needs. Zero durations take the defaults.
type Config struct {
	// Command is the slash command, "/okta".
	Command  string
	OrgURL   string
	Registry *actions.Registry
	Dir      actions.Directory
	Auth     Authorizer
	Slack    *slack.Client
	Logger   zerolog.Logger
	Now      func() time.Time

	// Workers bounds how many requests run at once: as many as calls
	// may be in flight to Okta at once (cmd/bot gives it the Okta
	// client's cap, OKTABOT_OKTA_CONCURRENCY), so that a burst waits in
	// the queue, where it is served round robin by person and told its
	// place, rather than at Okta's door. Zero: DefaultWorkers.
	Workers int
	// QueueLength bounds how many requests may wait for a worker; only a
	// request that finds the queue full is told oktabot is busy. People
	// outside the policy wait in their own queue, a tenth as long (at
	// least 10). Zero: DefaultQueueLength.
	QueueLength int
	// RequestTimeout bounds one request's work against Okta.
	RequestTimeout time.Duration
	// DrainTimeout bounds how long shutdown waits for requests in flight.
	DrainTimeout time.Duration
	// AckTimeout bounds how long an acknowledgement may wait to be sent.
	AckTimeout time.Duration

	// Store keeps pending approvals, processed envelope ids and the audit
	// log. Without one, requests that need approval are refused, envelopes
	// are not de-duplicated and audit records go to the log only.
	Store store.Store
	// Replica names this process in execution leases (Store.Claim); it
	// must differ between replicas sharing a database. Empty: random.
	Replica string
	// Lease is how long an approved request's execution lease lasts; it is
	// extended while the request runs, and another replica may take the
	// request over once it lapses (this one died).
	Lease time.Duration
	// SweepInterval is how often pending approvals are checked for expiry
	// and approved work left behind is recovered. Zero: a tenth of the
	// shortest expire_after of the policy in force (a reloaded policy
	// included), between 200 ms and 15 s.
	SweepInterval time.Duration
	// GrantSweepInterval is how often time-boxed grants are checked for
	// their warning and their end. Zero: DefaultGrantSweep.
	GrantSweepInterval time.Duration
	// VerifyPoll is how often a target's Okta Verify push is polled
	// (requests.DefaultVerifyPoll when 0); tests make it short.
	VerifyPoll time.Duration
	// DeliveryTTL is how long an envelope id is remembered, so that Slack's
	// redeliveries are not acted on twice.
	DeliveryTTL time.Duration
	// TeamID and EnterpriseID are the bot's Slack workspace and its
	// Enterprise Grid organisation (empty when it has none), as auth.test
	// says; a mentioned user from elsewhere (Slack Connect) is not resolved
	// through their Slack profile. Empty TeamID: asked of auth.test.
	TeamID, EnterpriseID string
	// PerUserLimit is how many commands one person may send a minute;
	// past it they are told to slow down and their commands take no
	// worker. Zero: DefaultPerUserLimit; negative: no limit.
	PerUserLimit int

	// ConnectionError, when set, is told of each failed attempt to connect
	// to Slack that the Socket Mode client is about to retry, with its
	// cause; the caller decides whether it is worth retrying.
	ConnectionError func(error)

	// Metrics counts requests, acknowledgements, reconnects and the
	// workers' load; nil counts nothing.
	Metrics *metrics.Metrics
}

// Bot handles Socket Mode envelopes.
type Bot struct {
	cfg   Config
	log   zerolog.Logger
	ready atomic.Bool

	// work runs the requests of people the policy knows (Bot.insider);
	// outsiders have their own few workers and their own short queue, so
	// that people outside the policy never take a worker or a place in
	// the queue from people in it.
	work      *workQueue
	outsiders *workQueue
	wg        sync.WaitGroup

	// eng is the request lifecycle: approved work, its records.
	eng *requests.Engine

	limiter  *personLimiter
	insiders *insiders
	// auditCh posts the audit channel's lines from its own goroutine;
	// auditQ records refusals of commands that take no worker.
	auditCh *auditChannel
	auditQ  chan store.AuditRecord

	teamMu sync.Mutex // guards cfg.TeamID and cfg.EnterpriseID (workspace)

	// received holds when each envelope waiting for its acknowledgement
	// arrived (by *socketmode.Request), for the ack latency metric.
	received sync.Map
	// connected is set at the first Socket Mode connection: later ones
	// are reconnects.
	connected atomic.Bool
}

// New returns a Bot.
func New(cfg Config) *Bot {
	if cfg.Command == "" {
		cfg.Command = "/okta"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 2 * time.Minute
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 25 * time.Second
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = 2 * time.Second
	}
	if cfg.Replica == "" {
		cfg.Replica = "oktabot-" + store.NewID()[:10]
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.DeliveryTTL <= 0 {
		cfg.DeliveryTTL = time.Hour
	}
	if cfg.PerUserLimit == 0 {
		cfg.PerUserLimit = DefaultPerUserLimit
	}
	if cfg.QueueLength <= 0 {
		cfg.QueueLength = DefaultQueueLength
	}
	b := &Bot{
		cfg: cfg, log: cfg.Logger,
		// Waiting is timed by the real clock: Slack's deadlines are real.
		work:      newWorkQueue(cfg.Workers, cfg.QueueLength, time.Now),
		outsiders: newWorkQueue(max(2, cfg.Workers/4), max(10, cfg.QueueLength/10), time.Now),
		limiter:   newPersonLimiter(cfg.PerUserLimit, cfg.Now),
		insiders:  newInsiders(cfg.Now),
		auditQ:    make(chan store.AuditRecord, 10000),
	}
	b.auditCh = newAuditChannel(b.postAuditLine, func() string { return b.cfg.Auth.Policy().AuditChannel() }, cfg.Now,
		cfg.Logger.With().Str("component", "audit_channel").Logger())
	b.eng = &requests.Engine{
		Registry: cfg.Registry, Auth: cfg.Auth, Store: cfg.Store,
		Notify: slackNotifier{b}, Runner: approvedRunner{b},
		Dir: cfg.Dir, People: slackPeople{b},
		Now: cfg.Now, Replica: cfg.Replica, Lease: cfg.Lease, RequestTimeout: cfg.RequestTimeout, VerifyPoll: cfg.VerifyPoll,
		Log: cfg.Logger, Metrics: cfg.Metrics,
	}
	b.eng.GrantNotify = slackGrants{b}
	cfg.Metrics.Pool("members", b.work.workers, b.work.limit, b.work.load)
	cfg.Metrics.Pool("outsiders", b.outsiders.workers, b.outsiders.limit, b.outsiders.load)
	return b
}

// postAuditLine posts one line to the audit channel (auditChannel.run).
func (b *Bot) postAuditLine(ctx context.Context, channel, text string) error {
	_, _, err := b.cfg.Slack.PostMessageContext(ctx, channel, slack.MsgOptionText(text, false))
	return err
}

// insider reports whether the policy knows user: it lists them by id, or
// let them run or decide something lately. Their work takes the main
// workers; everyone else's, the outsiders' few.
func (b *Bot) insider(user string) bool {
	return b.cfg.Auth.Known(user) || b.insiders.known(user)
}

func (b *Bot) queueFor(user string) *workQueue {
	if b.insider(user) {
		return b.work
	}
	return b.outsiders
}

// Ready reports whether the Socket Mode connection is up.
func (b *Bot) Ready() bool { return b.ready.Load() }

// Run connects sm and handles its envelopes until ctx is done. Then it stops
// taking work, lets requests in flight finish (up to DrainTimeout), and
// returns nil. It returns an error if the connection fails for good (a
// revoked or wrong app token).
func (b *Bot) Run(ctx context.Context, sm *socketmode.Client) error {
	// Work outlives ctx so that shutdown can drain it; it is cancelled only
	// when draining takes too long.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	connCtx, stopConn := context.WithCancel(ctx)
	defer stopConn()

	// The policy's user groups, looked up before their members' first
	// requests: those wait with the members', never with outsiders'.
	go func() {
		if err := b.cfg.Auth.Warm(workCtx); err != nil {
			b.log.Warn().Err(err).Msg("could not look up a user group of the policy; its members count as outsiders until their first request")
		}
	}()
	connErr := make(chan error, 1)
	go func() { connErr <- sm.RunContext(connCtx) }()

	// The audit channel's poster and the recorder of refusals that take
	// no worker run until the work is drained.
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { defer bg.Done(); b.auditCh.run(bgCtx, 5*time.Second) }()
	go func() { defer bg.Done(); b.recordQueued(bgCtx) }()
	defer func() {
		stopBackground()
		bg.Wait()
	}()

	// Expiry and recovery: at once (approved work a previous run left
	// unfinished), then every SweepInterval until shutdown.
	// The sweep stops with the connection loop, whatever ends it: a
	// connection that failed for good must not keep the process alive.
	sweepCtx, stopSweep := context.WithCancel(ctx)
	defer stopSweep()
	if b.cfg.Store != nil {
		b.wg.Add(2)
		go func() {
			defer b.wg.Done()
			b.sweepLoop(sweepCtx, workCtx)
		}()
		// Grants end on their own loop: approved work the sweep runs
		// never holds up a grant's end.
		go func() {
			defer b.wg.Done()
			b.grantLoop(sweepCtx, workCtx)
		}()
	}

	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-connErr:
			if err != nil && !errors.Is(err, context.Canceled) {
				runErr = err
			}
			break loop
		case evt := <-sm.Events:
			b.dispatch(workCtx, sm, evt)
		}
	}
	b.ready.Store(false)
	stopConn()
	stopSweep()
	b.log.Info().Msg("stopped taking work; finishing requests in flight")

	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(b.cfg.DrainTimeout):
		b.log.Warn().Dur("drain_timeout", b.cfg.DrainTimeout).Msg("requests still in flight at the drain deadline; cancelling them")
		cancelWork()
		<-done
	}
	return runErr
}

func (b *Bot) dispatch(workCtx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	if evt.Request != nil && b.cfg.Metrics != nil {
		switch evt.Type {
		case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI:
			b.received.Store(evt.Request, arrival{envelopeType: string(evt.Type), at: time.Now()})
		}
	}
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.ready.Store(false)
		b.log.Info().Msg("connecting to Slack")
	case socketmode.EventTypeConnected:
		b.ready.Store(true)
		if b.connected.Swap(true) {
			b.cfg.Metrics.SlackReconnect()
		}
		b.log.Info().Msg("connected to Slack")
	case socketmode.EventTypeHello:
		b.ready.Store(true)
	case socketmode.EventTypeConnectionError:
		b.ready.Store(false)
		if e, ok := evt.Data.(*slack.ConnectionErrorEvent); ok && b.cfg.ConnectionError != nil {
			b.cfg.ConnectionError(e.ErrorObj)
		} else {
			b.log.Warn().Msg("Slack connection failed; retrying")
		}
	case socketmode.EventTypeInvalidAuth:
		b.ready.Store(false)
		b.log.Error().Msg("Slack refused the app token (invalid_auth)")
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok || evt.Request == nil {
			return
		}
		if !b.limiter.allow(cmd.UserID) {
			b.ack(sm, evt.Request, slowDownMessage(b.cfg.PerUserLimit))
			b.refuseUnrun(cmd.UserID, cmd.ChannelID, cmd.Text, fmt.Sprintf("more than %d commands a minute from this person; not run", b.cfg.PerUserLimit))
			return
		}
		b.acceptSlash(workCtx, sm, evt.Request, cmd)
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok || evt.Request == nil {
			return
		}
		b.onInteractive(workCtx, sm, evt.Request, cb)
	case socketmode.EventTypeEventsAPI:
		if evt.Request == nil {
			return
		}
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		home, isHome := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
		if !ok || !isHome || home.Tab != "home" {
			// Nothing else is acted on; acknowledge so Slack does not
			// redeliver.
			b.ack(sm, evt.Request, nil)
			return
		}
		b.admit(workCtx, sm, evt.Request, admission{user: home.User, work: func(ctx context.Context) { b.publishHome(ctx, home.User) }})
	}
}

// accept acknowledges an envelope from user and starts its work on a
// worker, or queues it until one is free; when even the queue is full it
// acknowledges with busy instead and reports false. The acknowledgement
// is always sent before any work starts, so no Okta call can delay it.
// Work that waited too long is not run, and user is told so by direct
// message.
func (b *Bot) accept(workCtx context.Context, sm *socketmode.Client, req *socketmode.Request, user string, busy any, work func(context.Context)) bool {
	return b.acceptNoting(workCtx, sm, req, user, "", "", busy, work)
}

// acceptNoting is accept for work with a response URL: one that waits
// more than queuedNoticeAfter for a worker is told there that it is
// queued, and its place (what names it: "your click").
func (b *Bot) acceptNoting(workCtx context.Context, sm *socketmode.Client, req *socketmode.Request, user, responseURL, what string, busy any, work func(context.Context)) bool {
	log := b.log.With().Str("user", user).Str("envelope_id", req.EnvelopeID).Logger()
	return b.admit(workCtx, sm, req, admission{user: user, busy: busy, work: work,
		queued: b.queuedNotice(workCtx, log, responseURL, what),
		unrun: func(ctx context.Context, waited time.Duration, stopping bool) {
			log := b.log.With().Str("user", user).Str("envelope_id", req.EnvelopeID).Logger()
			b.tellUser(ctx, log, user, "", blocks.Notice(unrunText("What you clicked or submitted", waited, stopping)))
		}})
}

// acceptSlash admits a slash command. One that waits more than
// queuedNoticeAfter for a worker is told it is queued, and its place; one
// that was not run after all (it waited too long, or oktabot stopped) is
// told so and recorded as refused.
func (b *Bot) acceptSlash(workCtx context.Context, sm *socketmode.Client, req *socketmode.Request, cmd slack.SlashCommand) {
	inv := invocation{caller: cmd.UserID, channel: cmd.ChannelID, team: cmd.TeamID, responseURL: cmd.ResponseURL}
	log := b.log.With().Str("user", cmd.UserID).Str("envelope_id", req.EnvelopeID).Logger()
	admitted := b.admit(workCtx, sm, req, admission{user: cmd.UserID, busy: busyMessage(), claimLater: true,
		work:   func(ctx context.Context) { b.handleSlash(ctx, cmd) },
		queued: b.queuedNotice(workCtx, log, inv.responseURL, "your command"),
		unrun: func(ctx context.Context, waited time.Duration, stopping bool) {
			b.respond(ctx, log, inv, blocks.Notice(unrunText("Your command", waited, stopping)))
			why := fmt.Sprintf("waited %s for a worker; not run", waited.Round(time.Second))
			if stopping {
				why = "oktabot was stopping before a worker took it; not run"
			}
			b.refuseUnrun(cmd.UserID, cmd.ChannelID, cmd.Text, why)
		}})
	if !admitted {
		b.refuseUnrun(cmd.UserID, cmd.ChannelID, cmd.Text, "the queue was full; not run")
	}
}

const (
	// queuedNoticeAfter is how long a slash command waits for a worker
	// before its caller is told it is queued.
	queuedNoticeAfter = 2 * time.Second
	// staleAfter is how long work may wait for a worker before it is no
	// longer run: a command's response_url, which carries its answer,
	// lasts 30 minutes, and an answer long after the question helps
	// nobody. (A trigger_id lasts 3 seconds: a form that could not be
	// opened in time is answered as such by the work itself.)
	staleAfter = 25 * time.Minute
	// Work whose answer is its acknowledgement (type-ahead, the picker)
	// must start within deferredStartBy and finish within deferredBudget
	// of its arrival: Slack waits 3 seconds for it.
	deferredStartBy = 1500 * time.Millisecond
	deferredBudget  = 2500 * time.Millisecond
)

// admission is one envelope's work as admit takes it.
type admission struct {
	user string
	// busy is the acknowledgement when the queue is full.
	busy any
	work func(context.Context)
	// queued, when set, is told the work's place in the queue when it has
	// waited queuedNoticeAfter.
	queued func(position int)
	// unrun, when set, is told that the work was not run: it waited
	// staleAfter, or oktabot is stopping.
	unrun func(ctx context.Context, waited time.Duration, stopping bool)
	// claimLater: the work claims its delivery itself, with its first
	// durable write (a command: requests.WithDelivery); otherwise it is
	// claimed before the work starts.
	claimLater bool
}

// admit is accept for an admission; see accept.
func (b *Bot) admit(workCtx context.Context, sm *socketmode.Client, req *socketmode.Request, a admission) bool {
	q := b.queueFor(a.user)
	received := q.now()
	acked := make(chan struct{})
	var notice *time.Timer
	noticeDone := make(chan struct{})
	// waitNotice lets a notice being sent finish first, so that it never
	// comes after the work's own answer.
	waitNotice := func() {
		<-acked
		if notice != nil && !notice.Stop() {
			<-noticeDone
		}
	}
	unrun := func(waited time.Duration, stopping bool) {
		b.log.Warn().Str("envelope_id", req.EnvelopeID).Str("user", a.user).Dur("waited", waited).Bool("stopping", stopping).Msg("work not run: it waited too long for a worker, or oktabot is stopping")
		if a.unrun != nil {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(workCtx), 15*time.Second)
			defer cancel()
			b.safely(req.EnvelopeID, func() { a.unrun(ctx, waited, stopping) })
		}
	}
	j := &job{user: a.user, received: received, deadline: received.Add(staleAfter)}
	j.run = func() {
		defer b.wg.Done()
		waitNotice()
		if workCtx.Err() != nil {
			unrun(q.now().Sub(received), true)
			return
		}
		// Workers are as many as Okta's concurrent calls: a request that
		// waited long for one, or while others do, leaves its optional
		// reads (actions.Optional).
		ctx := actions.Queued(actions.OnBehalfOf(workCtx, a.user), q.now().Sub(received), q.oldestWait)
		ctx, cancel := context.WithTimeout(ctx, b.cfg.RequestTimeout)
		defer cancel()
		ctx = context.WithValue(ctx, workTimeKey{}, workTime{work: workCtx, deadline: time.Now().Add(b.cfg.RequestTimeout)})
		b.safely(req.EnvelopeID, func() {
			ctx := b.withDelivery(ctx, req.EnvelopeID)
			if a.claimLater || b.eng.Proceed(ctx) {
				a.work(ctx)
			}
		})
	}
	j.expire = func(waited time.Duration) {
		defer b.wg.Done()
		waitNotice()
		unrun(waited, false)
	}
	b.wg.Add(1)
	if !q.submit(j) {
		b.wg.Done()
		b.log.Warn().Str("envelope_id", req.EnvelopeID).Int("queue", q.limit).Bool("outside_policy", q == b.outsiders).Msg("the queue is full; told the user to try again")
		b.ack(sm, req, a.busy)
		return false
	}
	b.ack(sm, req, nil)
	if a.queued != nil && q.position(j) > 0 {
		notice = time.AfterFunc(queuedNoticeAfter, func() {
			defer close(noticeDone)
			if pos := q.position(j); pos > 0 {
				a.queued(pos)
			}
		})
	}
	close(acked)
	return true
}

// workTime is what admitted work's context was made from: the context
// that shutdown cancels, and the request's own deadline (RequestTimeout
// from when it started), for longer to extend.
type workTime struct {
	work     context.Context
	deadline time.Time
}

type workTimeKey struct{}

// longer is admitted work's ctx with extra time beyond its deadline, for
// work that waits on people (an Okta Verify push's answer); shutdown still
// ends it as it ends ctx. Without extra time, or outside admitted work, it
// is ctx.
func (b *Bot) longer(ctx context.Context, extra time.Duration) (context.Context, context.CancelFunc) {
	wt, ok := ctx.Value(workTimeKey{}).(workTime)
	if !ok || extra <= 0 {
		return ctx, func() {}
	}
	longer, cancel := context.WithDeadline(context.WithoutCancel(ctx), wt.deadline.Add(extra))
	stop := context.AfterFunc(wt.work, cancel)
	return longer, func() { stop(); cancel() }
}

// safely runs one envelope's work, turning a panic into an error log line
// (with the stack) instead of a crash that would drop every request in
// flight with it.
func (b *Bot) safely(envelopeID string, f func()) (panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			panicked = true
			b.log.Error().Str("envelope_id", envelopeID).Str("panic", fmt.Sprint(r)).Bytes("stack", debug.Stack()).Msg("a request's work panicked; it was abandoned")
		}
	}()
	f()
	return false
}

// withDelivery is ctx carrying its envelope's delivery, so that an
// envelope Slack redelivers (same envelope id) is acknowledged again but
// not acted on twice, by this replica or another: the first durable write
// of its work claims it (requests.WithDelivery), after the
// acknowledgement. When the store cannot say, the envelope is handled:
// decisions on approvals are compare-and-set in the store anyway.
func (b *Bot) withDelivery(ctx context.Context, envelopeID string) context.Context {
	if b.cfg.Store == nil || envelopeID == "" {
		return ctx
	}
	return requests.WithDelivery(ctx, store.Delivery{Key: "envelope:" + envelopeID, Now: b.cfg.Now(), TTL: b.cfg.DeliveryTTL},
		b.log.With().Str("envelope_id", envelopeID).Logger())
}

// acceptDeferred starts work whose result is the acknowledgement itself
// (type-ahead options must travel in the ack), or queues it briefly: work
// that cannot start within deferredStartBy, or finds the queue full, is
// acknowledged with fallback, since Slack waits only 3 seconds for it.
func (b *Bot) acceptDeferred(workCtx context.Context, sm *socketmode.Client, req *socketmode.Request, user string, fallback any, work func(context.Context) any) {
	q := b.queueFor(user)
	received := q.now()
	j := &job{user: user, received: received, deadline: received.Add(deferredStartBy)}
	j.run = func() {
		defer b.wg.Done()
		ctx, cancel := context.WithDeadline(actions.OnBehalfOf(workCtx, user), received.Add(deferredBudget))
		defer cancel()
		payload := fallback
		b.safely(req.EnvelopeID, func() { payload = work(ctx) })
		b.ack(sm, req, payload)
	}
	j.expire = func(waited time.Duration) {
		defer b.wg.Done()
		b.log.Warn().Str("envelope_id", req.EnvelopeID).Dur("waited", waited).Msg("no worker in time for an answer Slack waits 3 seconds for; answered without it")
		b.ack(sm, req, fallback)
	}
	b.wg.Add(1)
	if !q.submit(j) {
		b.wg.Done()
		b.ack(sm, req, fallback)
	}
}

func (b *Bot) ack(sm *socketmode.Client, req *socketmode.Request, payload any) {
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.AckTimeout)
	defer cancel()
	err := sm.AckCtx(ctx, req.EnvelopeID, payload)
	if err != nil {
		b.log.Error().Err(err).Str("envelope_id", req.EnvelopeID).Msg("could not acknowledge envelope")
	}
	if a, ok := b.received.LoadAndDelete(req); ok && err == nil {
		a := a.(arrival)
		b.cfg.Metrics.Ack(a.envelopeType, time.Since(a.at))
	}
}

// arrival is when an envelope of a type arrived.
type arrival struct {
	envelopeType string
	at           time.Time
}

func slowDownMessage(limit int) map[string]any {
	return map[string]any{
		"response_type": slack.ResponseTypeEphemeral,
		"text":          fmt.Sprintf(":snail: You have sent more than %d commands in the last minute. This one was not run; slow down and try again in a moment.", limit),
	}
}

// refuseUnrun records a command that was refused before any worker took
// it (too many from this person, or no worker free), without a worker:
// its record is written by recordQueued and its line is counted in the
// person's audit channel summary. Only the action's name is kept of the
// command text.
func (b *Bot) refuseUnrun(user, channel, text, why string) {
	// Of the text, only the action it names is kept.
	var req actions.Request
	if f := strings.Fields(commandText(text)); len(f) > 0 {
		req.Action = b.cfg.Registry.Lookup(strings.ToLower(f[0]))
	}
	rec := requests.Records(requests.Transition{Event: requests.EventRefused, Actor: user, Channel: channel, Request: &req, Detail: why})[0]
	rec.At = b.cfg.Now()
	action := rec.Action
	select {
	case b.auditQ <- rec:
	default:
		b.log.Error().Str("event", rec.Event).Str("actor", user).Str("action", action).Str("detail", why).Msg("audit: the queue of refusals is full; this one is only in the log")
	}
	line := fmt.Sprintf(":no_entry: %s by %s in %s — refused: %s", blocks.Code(blocks.OrDash(action)), blocks.Mention(user), blocks.ChannelRef(channel), blocks.Esc(why))
	b.auditCh.refused(user, action, line)
}

// recordQueued writes the records refuseUnrun queued, until ctx is done
// and the queue is empty.
func (b *Bot) recordQueued(ctx context.Context) {
	for {
		select {
		case rec := <-b.auditQ:
			b.eng.Append(ctx, rec)
		case <-ctx.Done():
			for {
				select {
				case rec := <-b.auditQ:
					b.eng.Append(context.WithoutCancel(ctx), rec)
				default:
					return
				}
			}
		}
	}
}

func busyMessage() map[string]any {
	return map[string]any{
		"response_type": slack.ResponseTypeEphemeral,
		"text":          ":hourglass: oktabot is busy with other requests right now, and its queue is full. Nothing was run; please try again in a moment.",
	}
}

// queuedText tells a caller their command waits its turn.
func queuedText(what string, position int) string {
	return fmt.Sprintf(":hourglass_flowing_sand: oktabot is busy with other requests; %s is queued (%s in line) and will run in its turn. Nothing more to do.", what, ordinal(position))
}

// queuedNotice tells, through responseURL, that work (what: "your
// command") waits for a worker, and its place: only this one notice, so
// that the answer itself still has the response URL's other uses. Nil
// without a response URL.
func (b *Bot) queuedNotice(workCtx context.Context, log zerolog.Logger, responseURL, what string) func(position int) {
	if responseURL == "" {
		return nil
	}
	return func(position int) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(workCtx), 5*time.Second)
		defer cancel()
		if _, _, err := b.cfg.Slack.PostMessageContext(ctx, "", slack.MsgOptionResponseURL(responseURL, slack.ResponseTypeEphemeral),
			slack.MsgOptionText(queuedText(what, position), false)); err != nil {
			log.Info().Err(withoutURLPath(err)).Msg("could not say that a request is queued")
		}
	}
}

// unrunText tells a caller that what they asked was not run after all.
func unrunText(what string, waited time.Duration, stopping bool) string {
	if stopping {
		return fmt.Sprintf(":warning: %s was not run: oktabot was stopping before its turn came. Nothing was run or changed; please try again in a moment.", what)
	}
	return fmt.Sprintf(":hourglass: %s waited %s in oktabot's queue and was not run: an answer this late would help nobody. Nothing was run or changed; please try again.", what, waited.Round(time.Minute))
}

// ordinal is "1st", "2nd", "3rd", "11th", "22nd".
func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

// Package metrics is every Prometheus series oktabot exports, defined in
// one place (the README's list is this file's), on a registry its caller
// gives: nothing here touches the client library's global default
// registry, so each run of the bot, and each test, has its own.
//
// No label ever holds a person, a target or free text: actions are the
// registry's names (anything else is "other"), Okta operations are
// method and path template with every id replaced, Slack methods and
// error codes are checked against the shape of Slack's own identifiers,
// statuses are codes. Every method is safe on a nil *Metrics, which
// counts nothing: packages and tests that need no metrics pass none.
package metrics

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Request outcomes (oktabot_requests_total's outcome label).
const (
	Allowed       = "allowed"        // runs at once, no approval needed
	Refused       = "refused"        // the policy, a guard or a limit said no
	NeedsApproval = "needs_approval" // stored, waiting for an approver
	Done          = "done"           // it ran (each target's outcome apart)
	Failed        = "failed"         // it failed as a whole, or was closed unrun
)

// Options are what New needs besides the registry.
type Options struct {
	// Actions are the action names a label may hold (the registry's);
	// any other is counted as "other", none as "none".
	Actions []string
	// Version, Revision and GoVersion label oktabot_build_info.
	Version, Revision, GoVersion string
}

// Metrics holds oktabot's series. The zero value is not usable: New.
type Metrics struct {
	actions map[string]bool

	requests       *prometheus.CounterVec
	targets        *prometheus.CounterVec
	decisions      *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	ack            *prometheus.HistogramVec
	oktaCalls      *prometheus.CounterVec
	oktaDuration   *prometheus.HistogramVec
	oktaLimit      *prometheus.GaugeVec
	oktaRemaining  *prometheus.GaugeVec
	oktaLimited    *prometheus.CounterVec
	oktaLeft       *prometheus.CounterVec
	slackErrors    *prometheus.CounterVec
	slackReconnect prometheus.Counter
	pushes         *prometheus.CounterVec
	grants         *prometheus.CounterVec

	state *stateCollector
}

// New registers oktabot's series on reg and returns them. It panics if
// reg already holds them (two Metrics on one registry is a wiring bug).
func New(reg prometheus.Registerer, o Options) *Metrics {
	m := &Metrics{
		actions: map[string]bool{},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oktabot_requests_total",
			Help: "Requests by action and outcome: allowed (ran with no approval), refused, needs_approval (sent for approval), then done or failed.",
		}, []string{"action", "outcome"}),
		targets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oktabot_target_outcomes_total",
			Help: "Per-target outcomes of requests that ran: changed, unchanged or failed.",
		}, []string{"action", "outcome"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oktabot_approval_decisions_total",
			Help: "Approval requests decided: approved, denied (or withdrawn) or expired.",
		}, []string{"action", "decision"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "oktabot_request_duration_seconds",
			Help:    "How long a request took to run against Okta, from its start (at once, or once approved) to its result.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"action", "outcome"}),
		ack: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "oktabot_ack_duration_seconds",
			Help:    "How long a Socket Mode envelope waited for its acknowledgement (Slack waits 3 s), by envelope type.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2, 3, 5},
		}, []string{"type"}),
		oktaCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oktabot_okta_requests_total",
			Help: "HTTP requests sent to Okta (each attempt) by operation (method and path template) and status (HTTP code, or the transport error's class).",
		}, []string{"operation", "status"}),
		oktaDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "oktabot_okta_request_duration_seconds",
			Help:    "How long Okta took to answer one HTTP request, by operation.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation"}),
		oktaLimit: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "oktabot_okta_rate_limit_limit",
			Help: "Okta's X-Rate-Limit-Limit in its last answer, by operation (rate-limit bucket).",
		}, []string{"operation"}),
		oktaRemaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "oktabot_okta_rate_limit_remaining",
			Help: "Okta's X-Rate-Limit-Remaining in its last answer, by operation (rate-limit bucket).",
		}, []string{"operation"}),
		oktaLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oktabot_okta_rate_limited_total",
			Help: "HTTP 429 answers from Okta, by operation.",
		}, []string{"operation"}),
		oktaLeft: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oktabot_okta_calls_left_total",
			Help: "Optional reads (get-user's factor types) left unread because Okta was busy (not made, or answered 429 and not retried): someone waited a second for their turn, every call it allows at once was in flight, or its rate limit was spent; by operation.",
		}, []string{"operation"}),
		slackErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "oktabot_slack_api_errors_total",
			Help: "Slack Web API calls that failed, by method and Slack's error code (http_NNN for an HTTP error, network when Slack was not reached).",
		}, []string{"method", "error"}),
		slackReconnect: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "oktabot_slack_reconnects_total",
			Help: "Socket Mode connections made after the first one.",
		}),
		state: &stateCollector{pools: map[string]pool{}},
	}
	for _, a := range o.Actions {
		m.actions[a] = true
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "oktabot_build_info",
		Help: "Always 1; labelled with the version, VCS revision and Go version oktabot was built from.",
		ConstLabels: prometheus.Labels{
			"version": orUnknown(o.Version), "revision": orUnknown(o.Revision), "goversion": orUnknown(o.GoVersion),
		},
	})
	build.Set(1)
	m.pushes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "oktabot_okta_verify_total",
		Help: "Okta Verify proofs by purpose (target: a verify: rule or verify-user; step_up: a decider's own) and outcome: approved, rejected, timed_out, no_push_factor, no_okta_account, requesters_account, approval_instead, failed.",
	}, []string{"purpose", "outcome"})
	m.grants = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "oktabot_grants_total",
		Help: "Time-boxed grants' moves: given, extended, revoked, revoke_failed (retried), kept (made permanent), overdue.",
	}, []string{"action", "event"})
	reg.MustRegister(m.requests, m.targets, m.decisions, m.duration, m.ack, m.oktaCalls, m.oktaDuration,
		m.oktaLimit, m.oktaRemaining, m.oktaLimited, m.oktaLeft, m.slackErrors, m.slackReconnect, m.pushes, m.grants, build, m.state)
	return m
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// action is a registry action's name, "none" or "other".
func (m *Metrics) action(a string) string {
	switch {
	case a == "":
		return "none"
	case m.actions[a]:
		return a
	}
	return "other"
}

// Request counts a request's move: Allowed, Refused, NeedsApproval, Done
// or Failed.
func (m *Metrics) Request(action, outcome string) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(m.action(action), outcome).Inc()
}

// Target counts one target's outcome: changed, unchanged or failed.
func (m *Metrics) Target(action, outcome string) {
	if m == nil {
		return
	}
	switch outcome {
	case "changed", "unchanged", "failed":
	default:
		outcome = "other"
	}
	m.targets.WithLabelValues(m.action(action), outcome).Inc()
}

// Okta Verify purposes (oktabot_okta_verify_total's purpose label).
const (
	VerifyTarget = "target"  // a target proves the account is theirs
	VerifyStepUp = "step_up" // a decider proves the click is theirs
)

// Verify counts one Okta Verify proof of purpose (VerifyTarget or
// VerifyStepUp) by its outcome, as the audit records it ("timed out"
// is counted as timed_out).
func (m *Metrics) Verify(purpose, outcome string) {
	if m == nil {
		return
	}
	if purpose != VerifyTarget && purpose != VerifyStepUp {
		purpose = "other"
	}
	switch o := strings.NewReplacer(" ", "_", "'", "").Replace(outcome); o {
	case "approved", "rejected", "timed_out", "no_push_factor", "no_okta_account", "requesters_account", "approval_instead", "failed":
		outcome = o
	default:
		outcome = "other"
	}
	m.pushes.WithLabelValues(purpose, outcome).Inc()
}

// Grant counts a time-boxed grant's move: given, extended, revoked,
// revoke_failed, kept (made permanent) or overdue.
func (m *Metrics) Grant(action, event string) {
	if m == nil {
		return
	}
	switch event {
	case "given", "extended", "revoked", "revoke_failed", "kept", "overdue":
	default:
		event = "other"
	}
	m.grants.WithLabelValues(m.action(action), event).Inc()
}

// Decision counts an approval request decided: approved, denied,
// expired, or broke_glass (run without approval by its requester).
func (m *Metrics) Decision(action, decision string) {
	if m == nil {
		return
	}
	m.decisions.WithLabelValues(m.action(action), decision).Inc()
}

// RequestDuration observes how long a request ran (outcome Done or
// Failed).
func (m *Metrics) RequestDuration(action, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.duration.WithLabelValues(m.action(action), outcome).Observe(d.Seconds())
}

// Ack observes how long an envelope of a type (slash_commands,
// interactive, events_api) waited for its acknowledgement.
func (m *Metrics) Ack(envelopeType string, d time.Duration) {
	if m == nil {
		return
	}
	m.ack.WithLabelValues(envelopeType).Observe(d.Seconds())
}

// oktaOperation is an Okta rate-limit bucket's shape: "GET
// /api/v1/users/{id}". Logins and emails (with @), query strings and
// anything with upper case in its path cannot pass.
var oktaOperation = regexp.MustCompile(`^[A-Z]{3,7} /[a-z0-9_./{}*-]{0,100}$`)

func operation(op string) string {
	if oktaOperation.MatchString(op) {
		return op
	}
	return "other"
}

// OktaCall counts one HTTP attempt to Okta: operation is the method and
// path template ("GET /api/v1/users/{id}"), status the HTTP status or the
// class of the transport error.
func (m *Metrics) OktaCall(op, status string, d time.Duration) {
	if m == nil {
		return
	}
	op = operation(op)
	m.oktaCalls.WithLabelValues(op, status).Inc()
	m.oktaDuration.WithLabelValues(op).Observe(d.Seconds())
}

// OktaRateLimit records the rate-limit headers of an answer.
func (m *Metrics) OktaRateLimit(op string, limit, remaining int) {
	if m == nil {
		return
	}
	op = operation(op)
	m.oktaLimit.WithLabelValues(op).Set(float64(limit))
	m.oktaRemaining.WithLabelValues(op).Set(float64(remaining))
}

// OktaRateLimited counts a 429 from Okta.
func (m *Metrics) OktaRateLimited(op string) {
	if m == nil {
		return
	}
	m.oktaLimited.WithLabelValues(operation(op)).Inc()
}

// OktaCallLeft counts an optional call to Okta not made because Okta was
// busy (actions.Optional).
func (m *Metrics) OktaCallLeft(op string) {
	if m == nil {
		return
	}
	m.oktaLeft.WithLabelValues(operation(op)).Inc()
}

var (
	slackMethod = regexp.MustCompile(`^[a-z]+(\.[a-zA-Z]+){1,3}$`)
	slackCode   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
)

// SlackError counts a failed Slack Web API call: method as Slack names
// it (chat.postMessage; "response_url", "other"), code Slack's error
// code, "http_NNN" or "network".
func (m *Metrics) SlackError(method, code string) {
	if m == nil {
		return
	}
	if method != "response_url" && !slackMethod.MatchString(method) {
		method = "other"
	}
	if !slackCode.MatchString(code) {
		code = "other"
	}
	m.slackErrors.WithLabelValues(method, code).Inc()
}

// SlackReconnect counts a Socket Mode connection after the first.
func (m *Metrics) SlackReconnect() {
	if m == nil {
		return
	}
	m.slackReconnect.Inc()
}

// Pool reports a worker pool on every scrape: its size, capacity of its
// queue, and load, which says how many workers are busy and how many
// requests wait. A pool of the same name replaces the last.
func (m *Metrics) Pool(name string, workers, queueCapacity int, load func() (busy, queued int)) {
	if m == nil {
		return
	}
	m.state.mu.Lock()
	defer m.state.mu.Unlock()
	m.state.pools[name] = pool{workers: workers, capacity: queueCapacity, load: load}
}

// OktaLoad reports, on every scrape, how many calls the bot lets itself
// have at Okta at once, how many are in flight and how many wait (the
// Okta client's).
func (m *Metrics) OktaLoad(load func() (capacity, inflight, waiting int)) {
	if m == nil {
		return
	}
	m.state.mu.Lock()
	defer m.state.mu.Unlock()
	m.state.okta = load
}

// PendingApprovals reports, on every scrape, how many approval requests
// wait for a decision (in the database, so every replica agrees); a
// scrape when count fails leaves the series out.
func (m *Metrics) PendingApprovals(count func(context.Context) (int, error)) {
	if m == nil {
		return
	}
	m.state.mu.Lock()
	defer m.state.mu.Unlock()
	m.state.pending = count
}

type pool struct {
	workers, capacity int
	load              func() (busy, queued int)
}

// stateCollector reads the state of the worker pools and the pending
// approvals when scraped.
type stateCollector struct {
	mu      sync.Mutex
	pools   map[string]pool
	pending func(context.Context) (int, error)
	okta    func() (capacity, inflight, waiting int)
}

var (
	descWorkers  = prometheus.NewDesc("oktabot_workers", "Workers of a pool: at most this many requests run at once (members: people the policy knows; outsiders: everyone else).", []string{"pool"}, nil)
	descBusy     = prometheus.NewDesc("oktabot_workers_busy", "Workers of a pool running a request now.", []string{"pool"}, nil)
	descQueue    = prometheus.NewDesc("oktabot_queue_length", "Requests waiting for a worker of a pool.", []string{"pool"}, nil)
	descQueueCap = prometheus.NewDesc("oktabot_queue_capacity", "Requests that may wait for a worker of a pool before more are told oktabot is busy.", []string{"pool"}, nil)
	descPending  = prometheus.NewDesc("oktabot_approvals_pending", "Approval requests waiting for a decision, in the database all replicas share.", nil, nil)
	descOktaCap  = prometheus.NewDesc("oktabot_okta_concurrency", "Calls the bot lets itself have at Okta at once: OKTABOT_OKTA_CONCURRENCY, or less for a while after Okta refused calls for its concurrent-request limit.", nil, nil)
	descOktaIn   = prometheus.NewDesc("oktabot_okta_calls_in_flight", "Calls at Okta now.", nil, nil)
	descOktaWait = prometheus.NewDesc("oktabot_okta_calls_waiting", "Calls waiting for one of the calls the bot lets itself have at Okta at once.", nil, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descWorkers, descBusy, descQueue, descQueueCap, descPending, descOktaCap, descOktaIn, descOktaWait} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	pools := make(map[string]pool, len(c.pools))
	for k, v := range c.pools {
		pools[k] = v
	}
	pending, okta := c.pending, c.okta
	c.mu.Unlock()
	if okta != nil {
		capacity, inflight, waiting := okta()
		ch <- prometheus.MustNewConstMetric(descOktaCap, prometheus.GaugeValue, float64(capacity))
		ch <- prometheus.MustNewConstMetric(descOktaIn, prometheus.GaugeValue, float64(inflight))
		ch <- prometheus.MustNewConstMetric(descOktaWait, prometheus.GaugeValue, float64(waiting))
	}
	for name, p := range pools {
		busy, queued := p.load()
		ch <- prometheus.MustNewConstMetric(descWorkers, prometheus.GaugeValue, float64(p.workers), name)
		ch <- prometheus.MustNewConstMetric(descBusy, prometheus.GaugeValue, float64(busy), name)
		ch <- prometheus.MustNewConstMetric(descQueue, prometheus.GaugeValue, float64(queued), name)
		ch <- prometheus.MustNewConstMetric(descQueueCap, prometheus.GaugeValue, float64(p.capacity), name)
	}
	if pending != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if n, err := pending(ctx); err == nil {
			ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(n))
		}
	}
}

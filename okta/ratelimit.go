package okta

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"oktabot/actions"
	"oktabot/metrics"
)

const (
	// DefaultMaxInFlight caps concurrent requests to Okta: Okta's
	// default concurrent-request limit for Workforce Identity and Customer
	// Identity orgs (an Integrator Free plan org's is 35). The limit is
	// the org's, shared with every other integration; Okta's refusals for
	// it lower the cap for a while (gate).
	DefaultMaxInFlight = 75
	// maxReserve is the most calls of a bucket the bot leaves unused in a
	// window for other integrations; small limits get a smaller reserve
	// (limit/20).
	maxReserve = 10
	// maxAttempts bounds 429 retries of one request even when the deadline
	// would allow more.
	maxAttempts = 8
	// fallbackWait is how long to wait after a 429 that names no reset.
	fallbackWait = time.Second
	// maxJitter spreads the calls that wake at the end of a one-minute
	// window (jitterFor).
	maxJitter = 200 * time.Millisecond
	// maxProbeWait is the longest a call waits for another call's answer
	// to learn a bucket (the probe of an unknown bucket, or the first call
	// of a refilled one) before it goes out anyway; it never waits more
	// than half of the time its own deadline leaves. A slow Okta must not
	// make one caller's call time out while queued behind another's.
	maxProbeWait = 2 * time.Second
	// maxWindow caps how far ahead the limiter believes a reset to lie:
	// Okta's rate-limit windows are one minute, so a reset further off (a
	// wrong clock, a proxy's header) would block a bucket locally for no
	// reason.
	maxWindow = time.Minute
)

// limiter is the bot's own http.RoundTripper between the SDK and the
// network. It
//   - keeps per-bucket rate-limit state (bucket = method + path template)
//     from X-Rate-Limit-Limit/Remaining/Reset (reset taken relative to the
//     response's Date, so clock skew does not matter), counting the calls
//     it admits against remaining before Okta answers; sends one call
//     alone to a bucket it knows nothing of yet; and delays a call while
//     its bucket is at or below a small reserve, until the bucket resets,
//     as far as the request's context allows;
//   - waits for a probe's (or a refilled bucket's first) answer at most
//     maxProbeWait and never more than half of the time the call's own
//     deadline leaves, then sends the call anyway: waiting on a slow call
//     is not a rate limit;
//   - believes a reset at most maxWindow (Okta's one-minute window) ahead;
//   - on 429 waits for the reset (plus jitter) and retries, and when the
//     context does not allow the wait returns a *rateLimitError, never the
//     429 (the SDK would turn it into errors.New("too many requests"));
//   - caps concurrent requests, sharing them fairly between the people
//     they are made for (gate); a 429 for Okta's concurrent-request limit
//     (X-Rate-Limit-Limit 0) touches no bucket: it lowers the cap and the
//     call is retried once another call finishes or at the reset Okta
//     suggests;
//   - turns io.EOF into errConnClosed and 1xx/3xx into *statusError;
//   - drops Link values the SDK's parser would panic on;
//   - logs one debug line per attempt: method, path template, status,
//     duration, request id. Never a query, header or body.
type limiter struct {
	next   http.RoundTripper
	now    func() time.Time
	sleep  func(ctx context.Context, until time.Time) error // by now's clock
	jitter func() time.Duration
	gate   *gate
	log    zerolog.Logger
	// metrics counts each attempt by bucket (operation) and status, and
	// keeps each bucket's last rate-limit headers; nil counts nothing.
	metrics *metrics.Metrics

	mu       sync.Mutex
	buckets  map[string]*bucket
	inflight map[string]int // admitted and not yet finished, per bucket
	clock    oktaClock      // Okta's clock, from Date headers
	noInfer  bool           // Okta's windows proved not to be inferEnd's
}

// bucket is what the limiter knows of one rate-limit bucket.
type bucket struct {
	state     bucketState
	limit     int       // 0: unknown (a 429 without headers)
	remaining int       // calls left in the window, less those admitted since
	reset     time.Time // local clock; when known
	epoch     int64     // X-Rate-Limit-Reset of the known window (Okta's clock); 0 if none
	open      *opening  // the call that opened the known window, if seen
	inferred  bool      // reset is inferEnd's, earlier than epoch
	// window is how long the bucket's windows last, once inferEnd could
	// tell (they last the same every time); 0 until then.
	window  time.Duration
	changed chan struct{} // closed when a call of the bucket finishes
}

type bucketState int

const (
	// probing: nothing known yet; one call goes out alone to learn the
	// bucket, the others wait for its answer (a shared org limit may be
	// nearly spent by other integrations).
	probing bucketState = iota
	// free: Okta's answers carry no rate-limit headers; nothing to go by.
	free
	// known: limit, remaining and reset from Okta's headers.
	known
	// guessed: the known window is over and the bucket assumed full again,
	// but no answer has told the new window's reset yet.
	guessed
)

func newLimiter(next http.RoundTripper, now func() time.Time, maxInFlight int, log zerolog.Logger) *limiter {
	if next == nil {
		next = http.DefaultTransport
	}
	if maxInFlight <= 0 {
		maxInFlight = DefaultMaxInFlight
	}
	l := &limiter{
		next:     next,
		now:      now,
		jitter:   func() time.Duration { return rand.N(maxJitter) },
		gate:     newGate(maxInFlight),
		log:      log,
		buckets:  make(map[string]*bucket),
		inflight: make(map[string]int),
	}
	l.sleep = l.sleepUntil
	return l
}

func (l *limiter) sleepUntil(ctx context.Context, until time.Time) error {
	d := until.Sub(l.now())
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (l *limiter) RoundTrip(req *http.Request) (_ *http.Response, err error) {
	ctx := req.Context()
	tmpl := pathTemplate(req.URL.EscapedPath())
	key := req.Method + " " + tmpl
	if actions.IsOptional(ctx) {
		defer func() {
			var left *actions.LeftError
			if errors.As(err, &left) {
				l.metrics.OktaCallLeft(key)
			}
		}()
	}

	// Buffer the body so a 429 can be retried with the same bytes.
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}

	if actions.IsOptional(ctx) {
		if err := actions.LeaveOptional(ctx); err != nil {
			return nil, err
		}
	}
	lastID := "" // of the last 429, for the error if admit gives up
	for attempt := 1; ; attempt++ {
		if err := l.admit(ctx, key); err != nil {
			var rl *rateLimitError
			if errors.As(err, &rl) && rl.RequestID == "" {
				rl.RequestID = lastID
			}
			return nil, err
		}
		who := actions.BehalfOf(ctx)
		if err := l.gate.acquire(ctx, who); err != nil {
			l.done(key)
			return nil, err
		}
		r := req.Clone(ctx)
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		start := l.now()
		resp, err := l.next.RoundTrip(r)
		concurrent := resp != nil && concurrencyRefusal(resp)
		l.gate.release(who, concurrent)
		dur := l.now().Sub(start)
		var reset time.Time // of a 429
		if resp != nil {
			reset = l.record(key, resp, start, start.Add(dur))
		}
		l.done(key)
		l.count(key, resp, err, dur)
		if err != nil {
			l.log.Debug().Str("method", req.Method).Str("path", tmpl).Int("attempt", attempt).
				Dur("duration", dur).Str("error", errorClass(err)).Msg("okta call failed")
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, errConnClosed
			}
			return nil, err
		}
		reqID := resp.Header.Get("X-Okta-Request-Id")
		l.log.Debug().Str("method", req.Method).Str("path", tmpl).Int("status", resp.StatusCode).
			Int("attempt", attempt).Dur("duration", dur).Str("request_id", reqID).Msg("okta call")

		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			drain(resp.Body)
			if actions.IsOptional(ctx) {
				if concurrent {
					return nil, actions.ErrLeftBusy
				}
				return nil, actions.ErrLeftRateLimit
			}
			if attempt >= maxAttempts {
				return nil, &rateLimitError{RequestID: reqID, Reset: reset}
			}
			lastID = reqID
			if concurrent {
				l.log.Debug().Str("method", req.Method).Str("path", tmpl).Str("request_id", reqID).
					Msg("okta concurrent-request limit hit; retrying once another call finishes")
				if err := l.gate.waitRefused(ctx, reset, l.now); err != nil {
					return nil, &rateLimitError{RequestID: reqID, Reset: reset, Err: err}
				}
				continue
			}
			l.log.Debug().Str("method", req.Method).Str("path", tmpl).Str("request_id", reqID).
				Time("reset", reset).Msg("okta rate limit hit; waiting for reset")
			continue
		case resp.StatusCode < 200 || (resp.StatusCode >= 300 && resp.StatusCode < 400):
			drain(resp.Body)
			return nil, &statusError{Status: resp.StatusCode, RequestID: reqID}
		}
		sanitizeLinks(resp.Header)
		return resp, nil
	}
}

// admit returns when a call to the bucket may be sent, and counts it in
// flight. Unknown buckets let one call through to learn the limits; a
// known bucket above its reserve admits at once; at or below it, calls
// wait for the reset if the context allows the wait, and when it does not
// a call still goes out while the bucket has any calls left (the reserve
// is for exactly such moments) and an empty bucket gives a
// *rateLimitError. A refilled bucket spent before any answer from the new
// window waits for the next answer, which tells the new reset. Waiting for
// another call's answer lasts at most probeWait(ctx); then the call goes.
func (l *limiter) admit(ctx context.Context, key string) error {
	var probeTimer *time.Timer
	waitedOut := false
	for {
		l.mu.Lock()
		b := l.buckets[key]
		if b == nil {
			b = &bucket{state: probing}
			l.buckets[key] = b
		}
		now := l.now()
		if b.state == known && !now.Before(b.reset) {
			if b.limit <= 0 {
				b.state = probing
			} else {
				// Calls still in flight may land in the new window.
				b.state, b.remaining = guessed, max(b.limit-l.inflight[key], 0)
			}
		}
		switch {
		case b.state == free,
			b.state == probing && l.inflight[key] == 0,
			b.state == guessed && l.inflight[key] == 0 && b.remaining <= Reserve(b.limit):
			// The last: nobody in flight will tell the new window; this
			// call will.
			l.inflight[key]++
			l.mu.Unlock()
			return nil
		case b.state != probing && b.remaining > Reserve(b.limit):
			b.remaining--
			l.inflight[key]++
			l.mu.Unlock()
			return nil
		case b.state == probing || b.state == guessed:
			if waitedOut {
				// The call that should tell us about the bucket is
				// slow; go without its answer rather than time out
				// behind it.
				if b.state == guessed && b.remaining > 0 {
					b.remaining--
				}
				l.inflight[key]++
				l.mu.Unlock()
				return nil
			}
			if b.changed == nil {
				b.changed = make(chan struct{})
			}
			ch := b.changed
			l.mu.Unlock()
			if probeTimer == nil {
				probeTimer = time.NewTimer(probeWait(ctx))
				defer probeTimer.Stop()
			}
			select {
			case <-ch:
				continue
			case <-probeTimer.C:
				waitedOut = true
				continue
			case <-ctx.Done():
				// Not a rate limit: another call was slow.
				return ctx.Err()
			}
		}
		// known, at or below the reserve
		if actions.IsOptional(ctx) {
			// The reserve is for calls their requests cannot do without.
			l.mu.Unlock()
			return actions.ErrLeftRateLimit
		}
		reset := b.reset
		until := reset.Add(l.jitterFor(b))
		if dl, ok := ctx.Deadline(); ok && until.After(dl) {
			if b.remaining > 0 {
				b.remaining--
				l.inflight[key]++
				l.mu.Unlock()
				return nil
			}
			l.mu.Unlock()
			return &rateLimitError{Reset: reset}
		}
		l.mu.Unlock()
		actions.NoteWaited(ctx, until.Sub(now))
		l.log.Debug().Str("bucket", key).Dur("wait", until.Sub(now)).Msg("okta rate limit reserve reached; delaying call")
		if err := l.sleep(ctx, until); err != nil {
			return &rateLimitError{Reset: reset, Err: err}
		}
	}
}

// jitterFor is how long after b's window ends a waiting call wakes: a
// random part of maxJitter, scaled to the window's length (Okta's windows
// are a minute; a second's window, as tests and benchmarks set, spreads
// its calls over 3 ms, not 200), so that the calls that waited are spread
// out without leaving a short window idle. Call with l.mu held.
func (l *limiter) jitterFor(b *bucket) time.Duration {
	j := l.jitter()
	if b.open != nil {
		if win := b.reset.Sub(b.open.sent); win > 0 && win < maxWindow {
			j = time.Duration(float64(j) * float64(win) / float64(maxWindow))
		}
	}
	return j
}

// probeWait is how long a call may wait for another call's answer:
// maxProbeWait, or half of what its deadline leaves if that is less.
func probeWait(ctx context.Context) time.Duration {
	d := maxProbeWait
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, time.Until(dl)/2)
	}
	return max(d, 0)
}

// done ends an admitted call and wakes those waiting for news of the
// bucket.
func (l *limiter) done(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inflight[key]--; l.inflight[key] <= 0 {
		delete(l.inflight, key)
	}
	if b := l.buckets[key]; b != nil && b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
}

// Reserve is how many calls of a rate-limit window of limit calls the bot
// leaves unused for other integrations: limit/20, at most maxReserve.
func Reserve(limit int) int {
	return min(maxReserve, limit/20)
}

// record takes in what an answer says of its bucket (sent and received
// by the local clock) and, for a 429, returns when the bucket resets.
// Answers from the current window can only lower remaining (they race
// with each other); a later X-Rate-Limit-Reset starts a new window;
// answers from an earlier window are ignored. Windows are told apart by
// the header itself (Okta's epoch second), so no guess about clocks
// enters that comparison.
func (l *limiter) record(key string, resp *http.Response, sent, recv time.Time) (retry time.Time) {
	limit, err1 := strconv.Atoi(resp.Header.Get("X-Rate-Limit-Limit"))
	remaining, err2 := strconv.Atoi(resp.Header.Get("X-Rate-Limit-Remaining"))
	epoch, err3 := strconv.ParseInt(resp.Header.Get("X-Rate-Limit-Reset"), 10, 64)
	date, err4 := http.ParseTime(resp.Header.Get("Date"))
	is429 := resp.StatusCode == http.StatusTooManyRequests
	l.mu.Lock()
	defer l.mu.Unlock()
	if err4 == nil {
		l.clock.observe(date, sent, recv)
	}
	if concurrencyRefusal(resp) {
		// Okta's concurrent-request limit, not this bucket's: its reset
		// is a guess at when enough calls will have finished.
		if err3 != nil || epoch <= 0 {
			return l.now().Add(fallbackWait)
		}
		reset, _ := l.localReset(epoch, sent, nil, nil)
		return reset
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{state: probing}
		l.buckets[key] = b
	}
	if err3 != nil || epoch <= 0 {
		// No usable reset.
		if is429 {
			// Wait a moment (or give up if the deadline is too near).
			retry = l.now().Add(fallbackWait)
			if b.state != known || b.reset.Before(retry) {
				b.state, b.remaining, b.reset, b.inferred = known, 0, retry, false
			}
		} else if b.state == probing || b.state == guessed {
			b.state = free // nothing to go by
		}
		return retry
	}
	if is429 {
		early := b.state == guessed && b.inferred && epoch == b.epoch
		if early {
			// The window did not end when its opening call said it
			// would: this Okta's windows are not what inferEnd assumes.
			// Wait for X-Rate-Limit-Reset's second from now on.
			l.noInfer = true
			l.log.Debug().Str("bucket", key).Msg("okta rate-limit window outlived its inferred end; using X-Rate-Limit-Reset only")
		}
		reset, _ := l.localReset(epoch, sent, nil, nil)
		switch {
		case (b.state == known || b.state == guessed) && epoch < b.epoch,
			b.state == guessed && epoch == b.epoch && !early:
			// From a window already over (a call sent before its end).
		default:
			b.state, b.remaining, b.reset, b.epoch, b.open, b.inferred = known, 0, reset, epoch, nil, false
			if limit > 0 && err1 == nil {
				b.limit = limit
			}
		}
		return reset
	}
	if err1 != nil || err2 != nil || limit <= 0 {
		if b.state == probing || b.state == guessed {
			b.state = free // nothing to go by
		}
		return retry
	}
	var open *opening
	if remaining == limit-1 {
		// This call was the first of its window.
		open = &opening{sent: sent, recv: recv}
	}
	switch {
	case b.state == probing, b.state == free, b.state == known && epoch > b.epoch:
		// The first word on the bucket, or a new window we had not noticed.
		b.state, b.limit, b.remaining, b.epoch, b.open = known, limit, remaining, epoch, open
	case b.state == guessed:
		if epoch <= b.epoch {
			return retry // from the window before the refill
		}
		// The first word on the refilled window. remaining counts the
		// calls admitted since the refill, some still in flight and
		// unknown to Okta: keep the lower.
		b.state, b.limit, b.remaining, b.epoch, b.open = known, limit, min(b.remaining, remaining), epoch, open
	case epoch < b.epoch:
		return retry // from an earlier window, overtaken by newer answers
	default: // known, the same window
		b.limit = limit
		b.remaining = min(b.remaining, remaining)
		if open != nil {
			b.open = open
		}
	}
	// Every answer may sharpen the estimate of Okta's clock, and so the
	// window's end.
	b.reset, b.inferred = l.localReset(b.epoch, sent, b.open, &b.window)
	return retry
}

// opening is when the call that opened a window was sent and answered.
type opening struct{ sent, recv time.Time }

// localReset is the local time at which a window that Okta says resets at
// epoch (X-Rate-Limit-Reset) is over: the latest local time at which
// Okta's clock can read epoch, by l.clock's bounds (by the local clock
// when no Date was seen), or, when the window's opening call is known,
// the end inferEnd gives, when earlier (inferred; window is the bucket's
// window length as inferEnd learns it). It is never more than Okta's
// one-minute window (and a second) after sent. Call with l.mu held.
func (l *limiter) localReset(epoch int64, sent time.Time, open *opening, window *time.Duration) (reset time.Time, inferred bool) {
	at := time.Unix(epoch, 0) // by Okta's clock
	if l.clock.ok {
		at = at.Add(-l.clock.lo)
	}
	if open != nil && window != nil && !l.noInfer && l.clock.ok {
		if end, ok := l.inferEnd(epoch, open, window); ok && end.Before(at) {
			at, inferred = end, true
		}
	}
	// A reset further off than Okta's one-minute windows is not to be
	// believed (a wrong clock, a proxy's header).
	return sent.Add(min(max(at.Sub(sent), 0), maxWindow+time.Second)), inferred
}

// inferEnd narrows down a window's end from the call that opened it.
// X-Rate-Limit-Reset is whole seconds, rounded up: the window ends in the
// second before it. Okta's windows (one minute; the fake's, whatever it
// is set to) last whole seconds from the call that opens them, so the
// end is that call's arrival plus the window's length: by the local
// clock, no later than the call's answer came back plus the length, what
// ever Okta's clock reads. The length is told from the epoch and the
// call's arrival by Okta's clock (somewhere between its sending and its
// answer, by l.clock's bounds) when that is known closely enough to name
// the whole number of seconds; it is then kept in *window, since a
// bucket's windows all last as long, and used again when a later
// window's arrival is not known as closely (but still fits). Without a
// length, ok is false. Should an Okta answer 429 in a window past its
// inferred end, the limiter stops inferring (noInfer) and waits for the
// header's second.
func (l *limiter) inferEnd(epoch int64, open *opening, window *time.Duration) (end time.Time, ok bool) {
	reset := time.Unix(epoch, 0)
	earliest := open.sent.Add(l.clock.lo) // arrival, by Okta's clock
	latest := open.recv.Add(l.clock.hi)
	// reset is the arrival plus the length, rounded up to a second.
	if k := reset.Sub(latest).Truncate(time.Second); k >= time.Second && reset.Sub(earliest).Truncate(time.Second) == k {
		*window = k
	} else if k := *window; k > 0 && (reset.Sub(earliest) < k || reset.Sub(latest) >= k+time.Second) {
		*window = 0 // this window does not fit the length kept
	}
	if *window == 0 {
		return time.Time{}, false
	}
	return open.recv.Add(*window), true
}

// oktaClock bounds the offset of Okta's clock from the local one (Okta's
// minus local) from the Date headers of answers. Date is whole seconds,
// truncated, and was stamped between sending and receiving: an answer
// dated D sent at s and received at r says the offset is in
// [D - r, D + 1s - s). Answers on either side of Date's ticking over
// close the bounds in on the offset, to about a round trip or better.
type oktaClock struct {
	lo, hi time.Duration
	since  time.Time // local; when this estimate began
	ok     bool
}

// clockEstimateLife is how long one estimate of Okta's clock is kept
// before it starts over: clocks drift, and Okta's may be stepped.
const clockEstimateLife = 10 * time.Minute

func (c *oktaClock) observe(date, sent, recv time.Time) {
	// date has no monotonic reading: these are wall-clock differences.
	lo, hi := date.Sub(recv), date.Add(time.Second).Sub(sent)
	if !c.ok || lo >= c.hi || hi <= c.lo || recv.Sub(c.since) > clockEstimateLife {
		// The first answer, one that contradicts the estimate (Okta's
		// clock stepped, or another of its servers answered), or an old
		// estimate: start over.
		*c = oktaClock{lo: lo, hi: hi, since: recv, ok: true}
		return
	}
	c.lo, c.hi = max(c.lo, lo), min(c.hi, hi)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}

// sanitizeLinks drops Link values whose URL does not parse: the SDK's
// paging code dereferences the parse result unchecked and would panic.
func sanitizeLinks(h http.Header) {
	links := h.Values("Link")
	if len(links) == 0 {
		return
	}
	var keep []string
	for _, v := range links {
		raw, _, _ := strings.Cut(v, ";")
		raw = strings.TrimSpace(raw)
		raw = strings.TrimSuffix(strings.TrimPrefix(raw, "<"), ">")
		if _, err := url.Parse(raw); err == nil {
			keep = append(keep, v)
		}
	}
	h.Del("Link")
	for _, v := range keep {
		h.Add("Link", v)
	}
}

// pathTemplate reduces an escaped request path to its rate-limit bucket
// and log name: ids become {id}, everything under lifecycle/ is one
// bucket. /api/v1/users/a%2Fb/lifecycle/suspend → /api/v1/users/{id}/lifecycle/*.
// The token endpoint is its own bucket, /oauth2/v1/token.
func pathTemplate(p string) string {
	if p == tokenPath {
		return tokenPath
	}
	segs := strings.Split(strings.Trim(p, "/"), "/")
	if len(segs) < 3 || segs[0] != "api" {
		return "/other"
	}
	out := []string{"", segs[0], segs[1], segs[2]}
	for i := 3; i < len(segs); i++ {
		if (i-3)%2 == 0 {
			out = append(out, "{id}")
			continue
		}
		if segs[i] == "lifecycle" {
			out = append(out, "lifecycle", "*")
			break
		}
		out = append(out, segs[i])
	}
	return strings.Join(out, "/")
}

// count counts one attempt of a bucket in the metrics: its status (the
// HTTP code, or the transport error's class), a 429, and the rate-limit
// headers of the answer.
func (l *limiter) count(key string, resp *http.Response, err error, dur time.Duration) {
	if l.metrics == nil {
		return
	}
	if err != nil || resp == nil {
		l.metrics.OktaCall(key, strings.ReplaceAll(errorClass(err), " ", "_"), dur)
		return
	}
	l.metrics.OktaCall(key, strconv.Itoa(resp.StatusCode), dur)
	if resp.StatusCode == http.StatusTooManyRequests {
		l.metrics.OktaRateLimited(key)
	}
	limit, err1 := strconv.Atoi(resp.Header.Get("X-Rate-Limit-Limit"))
	remaining, err2 := strconv.Atoi(resp.Header.Get("X-Rate-Limit-Remaining"))
	if err1 == nil && err2 == nil {
		l.metrics.OktaRateLimit(key, limit, remaining)
	}
}

// concurrencyRefusal reports whether resp is Okta's refusal of a call for
// the org's concurrent-request limit: a 429 whose X-Rate-Limit-Limit and
// X-Rate-Limit-Remaining report the concurrent values, 0, instead of a
// bucket's.
func concurrencyRefusal(resp *http.Response) bool {
	return resp.StatusCode == http.StatusTooManyRequests &&
		resp.Header.Get("X-Rate-Limit-Limit") == "0" && resp.Header.Get("X-Rate-Limit-Remaining") == "0"
}

// errorClass names a transport error for the log without its text, which
// holds the URL.
func errorClass(err error) string {
	var ue *url.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.As(err, &ue) && ue.Timeout():
		return "timeout"
	}
	return "transport error"
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// health is what the health endpoints report: whether the bot is
// connected to Slack (and since when it is not), why its last attempt to
// connect failed, and whether its Okta check at start has passed.
type health struct {
	now   func() time.Time
	limit time.Duration // not connected to Slack for longer: /healthz fails

	mu        sync.Mutex
	connected func() bool // nil until the bot exists
	up        bool
	downSince time.Time // start, or when the connection was seen lost
	slackErr  string    // the last failed attempt to reach Slack
	oktaErr   string    // why Okta could not be checked; "" once it was
}

func newHealth(limit time.Duration, now func() time.Time) *health {
	return &health{now: now, limit: limit, downSince: now()}
}

// setConnected tells health how to see whether Slack is connected.
func (h *health) setConnected(f func() bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.connected = f
}

// slackFailed records why the last attempt to reach Slack failed.
func (h *health) slackFailed(problem string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.slackErr = problem
}

// oktaProblem records why Okta could not be checked; "" clears it.
func (h *health) oktaProblem(problem string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.oktaErr = problem
}

// observe notes whether Slack is connected now; it is called often
// enough (by watch) that a lost connection is timed from when it was lost.
func (h *health) observe() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.observeLocked()
}

func (h *health) observeLocked() {
	up := h.connected != nil && h.connected()
	switch {
	case up:
		h.up, h.slackErr = true, ""
	case h.up:
		h.up, h.downSince = false, h.now()
	}
}

// watch observes every interval until ctx is done.
func (h *health) watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.observe()
		}
	}
}

// live answers /healthz: alive, unless Slack has been out of reach for
// longer than the limit, which a restart may cure (or at least show).
func (h *health) live() (int, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.observeLocked()
	if h.up {
		return http.StatusOK, "ok\n"
	}
	down := h.now().Sub(h.downSince).Round(time.Second)
	why := ""
	if h.slackErr != "" {
		why = ": " + h.slackErr
	}
	if down > h.limit {
		return http.StatusServiceUnavailable, fmt.Sprintf("not connected to Slack for %v (limit %v)%s\n", down, h.limit, why)
	}
	return http.StatusOK, fmt.Sprintf("ok, but not connected to Slack for %v%s\n", down, why)
}

// ready answers /readyz: connected to Slack, and Okta checked.
func (h *health) ready() (int, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.observeLocked()
	switch {
	case !h.up && h.slackErr != "":
		return http.StatusServiceUnavailable, "not connected to Slack: " + h.slackErr + "\n"
	case !h.up:
		return http.StatusServiceUnavailable, "not connected to Slack\n"
	case h.oktaErr != "":
		return http.StatusServiceUnavailable, h.oktaErr + "\n"
	}
	return http.StatusOK, "ready\n"
}

// serveHealth serves /healthz (alive: see health.live), /readyz
// (connected to Slack and Okta checked) and /metrics (Prometheus) on addr.
func serveHealth(addr string, h *health, metrics http.Handler, log zerolog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("OKTABOT_HTTP_ADDR: cannot listen on %s: %v", addr, err)
	}
	mux := http.NewServeMux()
	answer := func(f func() (int, string)) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			code, body := f()
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(code)
			io.WriteString(w, body)
		}
	}
	mux.HandleFunc("GET /healthz", answer(h.live))
	mux.HandleFunc("GET /readyz", answer(h.ready))
	mux.Handle("GET /metrics", metrics)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	go h.watch(ctx, 250*time.Millisecond)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error().Err(err).Msg("health server stopped")
		}
	}()
	log.Info().Str("addr", ln.Addr().String()).Msg("health endpoints listening")
	return func() {
		cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// healthcheck is `oktabot healthcheck`: it asks the bot running with the
// same environment for /healthz, so that a container image without a
// shell or curl can have a HEALTHCHECK. It returns nil when the bot
// answers 200, and says why otherwise.
func healthcheck(lookupEnv func(string) (string, bool), stdout io.Writer) error {
	addr, set := lookupEnv("OKTABOT_HTTP_ADDR")
	if !set {
		addr = defaultHTTPAddr
	}
	if addr == "" {
		return errors.New("healthcheck: OKTABOT_HTTP_ADDR is empty, so the health endpoints are off")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("healthcheck: OKTABOT_HTTP_ADDR must be host:port or :port, not %q", addr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1" // listening on every address: ask over loopback
	}
	url := "http://" + net.JoinHostPort(host, port) + "/healthz"
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return fmt.Errorf("healthcheck: no answer from %s: %s", url, netCause(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: unhealthy (HTTP %d): %s", resp.StatusCode, body)
	}
	_, err = stdout.Write(body)
	return err
}

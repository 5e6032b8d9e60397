// Command bot runs oktabot: a Slack app, connected over Socket Mode, that
// lets allowed people run Okta administration from Slack.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/handlers"
	"oktabot/okta"
	"oktabot/store/storeopen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.LookupEnv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "oktabot:", oneLine(err))
		os.Exit(1)
	}
}

// oneLine keeps a start-up failure to the one line an operator reads.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// run starts the bot and blocks until ctx is cancelled (SIGINT, SIGTERM),
// then drains requests in flight and returns nil. It returns an error when
// the bot cannot start or its Slack connection fails for good. lookupEnv
// behaves like os.LookupEnv: OKTABOT_HTTP_ADDR set to empty turns the health
// endpoints off, which os.Getenv could not tell from unset. JSON logs go to
// stdout.
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	if len(args) > 1 {
		return fmt.Errorf("unexpected arguments %q: oktabot is configured by environment variables only", args[1:])
	}
	cfg, err := loadConfig(lookupEnv)
	if err != nil {
		return err
	}
	log := zerolog.New(stdout).Level(cfg.LogLevel).With().Timestamp().Str("service", "oktabot").Logger()

	reg := actions.Default()
	policy, err := auth.Load(cfg.PolicyFile, reg.Names())
	if err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	for _, w := range policy.Warnings() {
		log.Warn().Str("event", "policy.warning").Msg(w)
	}

	// The store holds pending approvals, processed envelope ids and the
	// audit trail; its URL may carry a password, so only Describe is logged.
	st, err := storeopen.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("OKTABOT_DATABASE_URL (%s): %w", storeopen.Describe(cfg.DatabaseURL), err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error().Err(err).Msg("closing the database")
		}
	}()
	log.Info().Str("database", storeopen.Describe(cfg.DatabaseURL)).Msg("database open")

	dir, err := okta.New(ctx, okta.Config{
		OrgURL: cfg.OktaOrgURL,
		Token:  cfg.OktaToken,
		OAuth:  cfg.OktaOAuth,
		Logger: log.With().Str("component", "okta").Logger(),
	})
	if err != nil {
		return fmt.Errorf("okta: %w", err)
	}

	api := slack.New(cfg.SlackBotToken.Reveal(),
		slack.OptionAPIURL(cfg.SlackAPIURL),
		slack.OptionAppLevelToken(cfg.SlackAppToken.Reveal()),
		slack.OptionHTTPClient(&http.Client{Timeout: 15 * time.Second}),
		// Slack answers a call over its rate limit with HTTP 429 and
		// Retry-After: wait it out (bounded by each request's context)
		// rather than fail, say, an approval request's post.
		slack.OptionRetryConfig(slack.RetryConfig{
			MaxRetries:         2,
			RetryAfterDuration: 2 * time.Second,
			RetryAfterJitter:   250 * time.Millisecond,
		}),
	)
	who, err := api.AuthTestContext(ctx)
	if err != nil {
		return fmt.Errorf("SLACK_BOT_TOKEN was not accepted by Slack at %s: %s", cfg.SlackAPIURL, slackErr(err))
	}
	oktaLogin := "api token"
	if cfg.OktaOAuth != nil {
		oktaLogin = "oauth service app " + cfg.OktaOAuth.ClientID
	}
	log.Info().Str("bot_user", who.UserID).Str("team", who.TeamID).Str("okta_org", cfg.OktaOrgURL).
		Str("okta_login", oktaLogin).Int("policy_roles", len(policy.Roles())).Msg("starting")

	authorizer := auth.New(policy, handlers.SlackMembers{Slack: api})
	bot := handlers.New(handlers.Config{
		OrgURL:   cfg.OktaOrgURL,
		Registry: reg,
		Dir:      dir,
		Auth:     authorizer,
		Slack:    api,
		Logger:   log,
		Store:    st,
		Replica:  replicaName(),
		Lease:    executionLease,

		TeamID:       who.TeamID,
		EnterpriseID: who.EnterpriseID,

		PerUserLimit: cfg.PerUserLimit,
	})

	if cfg.HTTPAddr != "" {
		stopHealth, err := serveHealth(cfg.HTTPAddr, bot.Ready, log)
		if err != nil {
			return err
		}
		defer stopHealth()
	}

	sm := socketmode.New(api, socketmode.OptionLog(logAdapter{log}))
	if err := bot.Run(ctx, sm); err != nil {
		return fmt.Errorf("slack connection: %s (check SLACK_APP_TOKEN)", slackErr(err))
	}
	log.Info().Msg("stopped")
	return nil
}

// executionLease is how long an approved request's execution lease lasts
// (zero: the handlers' default, 30 s); the tests shorten it.
var executionLease time.Duration

// replicaName names this process in execution leases: the host, the
// process id and a random part, so that replicas sharing a database (or
// two runs in one process, as the tests do) never share a name.
func replicaName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "oktabot"
	}
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:8])
}

// slackErr names a Slack failure without echoing anything but Slack's code.
func slackErr(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return err.Error()
}

// serveHealth serves /healthz (the process is alive) and /readyz (the
// Socket Mode connection is up) on addr.
func serveHealth(addr string, ready func() bool, log zerolog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("OKTABOT_HTTP_ADDR: cannot listen on %s: %v", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready() {
			http.Error(w, "not connected to Slack", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error().Err(err).Msg("health server stopped")
		}
	}()
	log.Info().Str("addr", ln.Addr().String()).Msg("health endpoints listening")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// logAdapter sends slack-go's socketmode logging to our JSON log at debug.
type logAdapter struct{ log zerolog.Logger }

func (l logAdapter) Output(_ int, s string) error {
	l.log.Debug().Str("component", "socketmode").Msg(strings.TrimSpace(s))
	return nil
}

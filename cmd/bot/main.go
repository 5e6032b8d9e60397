// Command bot runs oktabot: a Slack app, connected over Socket Mode, that
// lets allowed people run Okta administration from Slack.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/handlers"
	"oktabot/okta"
	"oktabot/sandbox"
	"oktabot/store/storeopen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.LookupEnv, os.Stdout, os.Stderr); err != nil {
		var full errReported
		if errors.As(err, &full) {
			fmt.Fprintln(os.Stderr, "oktabot:", err)
		} else {
			fmt.Fprintln(os.Stderr, "oktabot:", oneLine(err))
		}
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
	return runOn(ctx, args, lookupEnv, stdout, stderr, botClock{Now: clock, SweepInterval: sweepEvery, GrantSweepInterval: grantSweep})
}

// botClock is the bot's clock and how often it looks for what became
// due: production's (zero fields) but for a program that runs the bot on
// a clock of its own, as the sandbox does (its page moves time forward).
type botClock struct {
	Now                               func() time.Time // nil: time.Now
	SweepInterval, GrantSweepInterval time.Duration    // 0: the handlers' defaults
}

// runOn is run on the clock bc.
func runOn(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer, bc botClock) error {
	version := readBuildVersion()
	if len(args) > 1 {
		switch args[1] {
		case "-version", "--version", "version":
			fmt.Fprintln(stdout, version)
			return nil
		case "-help", "--help", "-h", "help":
			printHelp(stdout, version)
			return nil
		case "healthcheck":
			if len(args) == 2 {
				return healthcheck(lookupEnv, stdout)
			}
		case "sandbox":
			return sandbox.Main(ctx, args[2:], sandboxBot, stdout)
		case "policy":
			return policyCommand(args[2:], lookupEnv, stdout, stderr)
		case "audit":
			return auditCommand(ctx, args[2:], lookupEnv, time.Now, stdout, stderr)
		case "bench":
			return benchCommand(ctx, args[2:], stdout, stderr)
		}
		return fmt.Errorf("unexpected arguments %q: oktabot is configured by environment variables (see oktabot -help)", args[1:])
	}
	cfg, err := loadConfig(lookupEnv)
	if err != nil {
		return err
	}
	log := zerolog.New(stdout).Level(cfg.LogLevel).With().Timestamp().Str("service", "oktabot").Logger()
	log.Info().Str("version", version.Version).Str("revision", version.Revision).Bool("modified", version.Modified).
		Str("go", version.Go).Msg("oktabot " + version.Version)

	// SIGHUP reloads the policy; caught from here on, so that one sent
	// while the bot starts does not stop it.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	reg := actions.Default()
	policy, policySum, err := loadPolicy(cfg.PolicyFile, policyNames(reg))
	if err != nil {
		return err
	}
	for _, w := range policy.Warnings() {
		log.Warn().Str("event", "policy.warning").Msg(w)
	}

	// The store holds pending approvals, processed envelope ids and the
	// audit trail; its URL may carry a password, so only Describe is logged.
	dbURL := absDatabaseURL(cfg.DatabaseURL)
	st, err := storeopen.Open(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("OKTABOT_DATABASE_URL (%s): %w", storeopen.Describe(dbURL), err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error().Err(err).Msg("closing the database")
		}
	}()
	log.Info().Str("database", storeopen.Describe(dbURL)).Msg("database open")

	// The health endpoints (and /metrics) come up first, so that an
	// orchestrator sees a bot waiting for Slack for what it is.
	met, metricsHandler := newMetrics(reg, version)
	met.PendingApprovals(st.CountPending)
	hl := newHealth(cfg.SlackUnreachableLimit, time.Now)
	if cfg.HTTPAddr != "" {
		stopHealth, err := serveHealth(cfg.HTTPAddr, hl, metricsHandler, log)
		if err != nil {
			return err
		}
		defer stopHealth()
	}

	dir, err := okta.New(ctx, okta.Config{
		OrgURL:      cfg.OktaOrgURL,
		Token:       cfg.OktaToken,
		OAuth:       cfg.OktaOAuth,
		Logger:      log.With().Str("component", "okta").Logger(),
		Metrics:     met,
		MaxInFlight: cfg.OktaConcurrency,
	})
	if err != nil {
		return fmt.Errorf("okta: %w", err)
	}

	api := slack.New(cfg.SlackBotToken.Reveal(),
		slack.OptionAPIURL(cfg.SlackAPIURL),
		slack.OptionAppLevelToken(cfg.SlackAppToken.Reveal()),
		slack.OptionHTTPClient(&http.Client{Timeout: 15 * time.Second,
			Transport: slackCounter{next: http.DefaultTransport, apiURL: cfg.SlackAPIURL, metrics: met}}),
		// Slack answers a call over its rate limit with HTTP 429 and
		// Retry-After: wait it out (bounded by each request's context)
		// rather than fail, say, an approval request's post.
		slack.OptionRetryConfig(slack.RetryConfig{
			MaxRetries:         2,
			RetryAfterDuration: 2 * time.Second,
			RetryAfterJitter:   250 * time.Millisecond,
		}),
	)
	who, err := slackWhoami(ctx, api, cfg.SlackAPIURL, hl, log)
	if err != nil || who == nil {
		return err // who is nil when stopped while waiting for Slack
	}
	oktaLogin := "api token"
	if cfg.OktaOAuth != nil {
		oktaLogin = "oauth service app " + cfg.OktaOAuth.ClientID
	}
	log.Info().Str("bot_user", who.UserID).Str("team", who.TeamID).Str("okta_org", cfg.OktaOrgURL).
		Str("okta_login", oktaLogin).Int("policy_roles", len(policy.Roles())).Msg("starting")

	// runCtx ends with ctx (a signal) or with a problem waiting cannot
	// fix, found while running: its cause is then the error to exit with.
	runCtx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	if err := checkOkta(runCtx, dir, cfg, hl, log, fail); err != nil {
		return err
	}

	checkChannels(runCtx, api, policy, log)
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
		// The push's answer is polled every VerifyPoll.
		VerifyPoll:     verifyPoll,
		RequestTimeout: requestTimeout,
		// All nil and zero but in the tests and the sandbox.
		Now:                bc.Now,
		SweepInterval:      bc.SweepInterval,
		GrantSweepInterval: bc.GrantSweepInterval,

		TeamID:       who.TeamID,
		EnterpriseID: who.EnterpriseID,

		PerUserLimit: cfg.PerUserLimit,
		QueueLength:  cfg.QueueLength,
		// As many requests run as calls may be at Okta at once; more
		// wait in the queue, in turn, and are told their place.
		Workers: cfg.OktaConcurrency,
		Metrics: met,

		// slack-go retries every failure to connect but a few refusals;
		// a refusal it would retry (missing_scope, ...) stops the bot.
		ConnectionError: func(err error) {
			p := classifySlack(err, cfg.SlackAPIURL, "apps.connections.open", "SLACK_APP_TOKEN")
			if p.permanent {
				fail(p)
				return
			}
			hl.slackFailed(p.msg)
			log.Warn().Str("problem", p.msg).Msg("could not connect to Slack; retrying")
		},
	})
	hl.setConnected(bot.Ready)
	// Background work ends with runCtx, before the store closes.
	var bg sync.WaitGroup
	defer func() { fail(nil); bg.Wait() }()
	reloader := newPolicyReloader(cfg.PolicyFile, policyNames(reg), authorizer, policySum, log, bot.Audit,
		func(ctx context.Context, p *auth.Policy) { checkChannels(ctx, api, p, log) })
	bg.Go(func() { reloader.watch(runCtx, hup) })
	if cfg.AuditRetention > 0 {
		bg.Go(func() {
			retentionLoop(runCtx, st, cfg.AuditRetention, cfg.AuditRetentionText, time.Now, bot.Audit, log)
		})
	} else {
		log.Info().Msg("audit records are kept forever (OKTABOT_AUDIT_RETENTION is not set)")
	}

	sm := socketmode.New(api, socketmode.OptionLog(logAdapter{log}))
	err = bot.Run(runCtx, sm)
	if err == nil && ctx.Err() == nil {
		err = context.Cause(runCtx)
	}
	if err != nil {
		if refused := (*oktaRefused)(nil); !errors.As(err, &refused) {
			err = classifySlack(err, cfg.SlackAPIURL, "apps.connections.open", "SLACK_APP_TOKEN")
		}
		log.Error().Str("problem", err.Error()).Msg("stopped")
		return err
	}
	log.Info().Msg("stopped")
	return nil
}

// slackWhoami checks the bot token with auth.test. A refusal is returned;
// a Slack that cannot be reached is waited for, with backoff, until ctx is
// done (then it returns nil, nil).
func slackWhoami(ctx context.Context, api *slack.Client, apiURL string, hl *health, log zerolog.Logger) (*slack.AuthTestResponse, error) {
	wait := time.Second
	for {
		who, err := api.AuthTestContext(ctx)
		if err == nil {
			return who, nil
		}
		if ctx.Err() != nil {
			return nil, nil
		}
		p := classifySlack(err, apiURL, "auth.test", "SLACK_BOT_TOKEN")
		if p.permanent {
			return nil, p
		}
		hl.slackFailed(p.msg)
		log.Warn().Str("problem", p.msg).Dur("retry_in", wait).Msg("could not check the bot token with Slack; retrying")
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// executionLease is how long an approved request's execution lease lasts
// (zero: the handlers' default, 30 s); the tests shorten it.
var executionLease time.Duration

// verifyPoll is how often a target's Okta Verify push is polled (0:
// requests.DefaultVerifyPoll); the tests make it short.
var verifyPoll time.Duration

// clock is the bot's clock (nil: time.Now); the tests set a fake one, to
// reach a request's reminder, break-glass and expiry without waiting.
var clock func() time.Time

// sweepEvery is how often approvals are swept (0: derived from the
// policy); the tests make it short.
var sweepEvery time.Duration

// requestTimeout bounds one request's own work (0: the handlers' default,
// 2 minutes); the tests shorten it.
var requestTimeout time.Duration

// grantSweep is how often time-boxed grants are checked for their end (0:
// the handlers' default); the tests make it short.
var grantSweep time.Duration

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

// logAdapter sends slack-go's socketmode logging to our JSON log at debug.
type logAdapter struct{ log zerolog.Logger }

func (l logAdapter) Output(_ int, s string) error {
	l.log.Debug().Str("component", "socketmode").Msg(strings.TrimSpace(s))
	return nil
}

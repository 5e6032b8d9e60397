package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/caarlos0/env/v10"
	"github.com/rs/zerolog"

	"oktabot/actions"
)

// rawConfig is the environment as PRODUCT.md's table defines it. Tokens are
// read as strings here and wrapped in actions.Secret at once.
type rawConfig struct {
	SlackAppToken string `env:"SLACK_APP_TOKEN"`
	SlackBotToken string `env:"SLACK_BOT_TOKEN"`
	SlackAPIURL   string `env:"SLACK_API_URL" envDefault:"https://slack.com/api/"`
	OktaOrgURL    string `env:"OKTA_CLIENT_ORGURL"`
	OktaToken     string `env:"OKTA_CLIENT_TOKEN"`
	PolicyFile    string `env:"OKTABOT_POLICY_FILE" envDefault:"policy.yml"`
	DatabaseURL   string `env:"OKTABOT_DATABASE_URL" envDefault:"oktabot.db"`
	// HTTPAddr has no envDefault: env treats empty like unset, and here
	// empty means "off"; the default is applied in loadConfig.
	HTTPAddr string `env:"OKTABOT_HTTP_ADDR"`
	LogLevel string `env:"LOG_LEVEL" envDefault:"info"`
}

const defaultHTTPAddr = ":8080"

// config is the validated configuration.
type config struct {
	SlackAppToken actions.Secret
	SlackBotToken actions.Secret
	SlackAPIURL   string
	OktaOrgURL    string
	OktaToken     actions.Secret
	PolicyFile    string
	DatabaseURL   string
	HTTPAddr      string // empty: health endpoints off
	LogLevel      zerolog.Level
}

// loadConfig reads and validates the environment through lookupEnv (which
// behaves like os.LookupEnv). Its error is one line that names every
// variable at fault and never repeats a token's value.
func loadConfig(lookupEnv func(string) (string, bool)) (config, error) {
	var raw rawConfig
	params, err := env.GetFieldParams(&raw)
	if err != nil {
		return config{}, err
	}
	environ := map[string]string{}
	for _, p := range params {
		if v, ok := lookupEnv(p.Key); ok {
			environ[p.Key] = v
		}
	}
	if err := env.ParseWithOptions(&raw, env.Options{Environment: environ}); err != nil {
		// Only plain strings are parsed, so this is not expected; the
		// message names fields, never values.
		return config{}, fmt.Errorf("configuration: %w", err)
	}

	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	c := config{
		PolicyFile:  raw.PolicyFile,
		DatabaseURL: raw.DatabaseURL,
	}
	c.SlackAppToken = token(bad, "SLACK_APP_TOKEN", raw.SlackAppToken, "xapp-", "the app-level token for Socket Mode")
	c.SlackBotToken = token(bad, "SLACK_BOT_TOKEN", raw.SlackBotToken, "xoxb-", "the bot token")

	if u, err := checkURL(raw.SlackAPIURL); err != nil {
		bad("SLACK_API_URL %v", err)
	} else {
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		c.SlackAPIURL = u
	}

	switch u, err := checkURL(raw.OktaOrgURL); {
	case strings.TrimSpace(raw.OktaOrgURL) == "":
		bad("OKTA_CLIENT_ORGURL is required (your Okta org, e.g. https://acme.okta.com)")
	case err != nil:
		bad("OKTA_CLIENT_ORGURL %v", err)
	case hasPath(u):
		bad("OKTA_CLIENT_ORGURL must be the org's base URL, e.g. https://acme.okta.com, without a path")
	default:
		c.OktaOrgURL = strings.TrimRight(u, "/")
	}
	if strings.TrimSpace(raw.OktaToken) == "" {
		bad("OKTA_CLIENT_TOKEN is required (an Okta API token)")
	} else {
		c.OktaToken = actions.NewSecret(strings.TrimSpace(raw.OktaToken))
	}

	if strings.TrimSpace(raw.PolicyFile) == "" {
		bad("OKTABOT_POLICY_FILE is empty (the policy file's path; default policy.yml)")
	}
	if err := checkDatabaseURL(raw.DatabaseURL); err != nil {
		bad("OKTABOT_DATABASE_URL %v", err)
	}

	if _, set := environ["OKTABOT_HTTP_ADDR"]; set {
		c.HTTPAddr = raw.HTTPAddr
	} else {
		c.HTTPAddr = defaultHTTPAddr
	}
	if c.HTTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
			bad("OKTABOT_HTTP_ADDR must be host:port or :port (empty turns the health endpoints off), not %q", c.HTTPAddr)
		}
	}

	switch strings.ToLower(strings.TrimSpace(raw.LogLevel)) {
	case "debug":
		c.LogLevel = zerolog.DebugLevel
	case "info":
		c.LogLevel = zerolog.InfoLevel
	case "warn", "warning":
		c.LogLevel = zerolog.WarnLevel
	case "error":
		c.LogLevel = zerolog.ErrorLevel
	default:
		bad("LOG_LEVEL must be debug, info, warn or error, not %q", raw.LogLevel)
	}

	if len(problems) > 0 {
		return config{}, errors.New("configuration: " + strings.Join(problems, "; "))
	}
	return c, nil
}

// token checks a Slack token's presence and prefix without ever putting its
// value in a message.
func token(bad func(string, ...any), name, v, prefix, what string) actions.Secret {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		bad("%s is required (%s, %s…)", name, what, prefix)
	case !strings.HasPrefix(v, prefix):
		bad("%s must be %s, starting with %s (the value is not shown)", name, what, prefix)
	default:
		return actions.NewSecret(v)
	}
	return actions.Secret{}
}

// checkURL accepts https URLs, and http URLs only for loopback hosts: a
// token must never cross a network in clear text.
func checkURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", errors.New("must be an absolute https:// URL")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("must not carry credentials, a query or a fragment")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return "", fmt.Errorf("must use https:// (http:// is allowed only for loopback hosts, not %q)", u.Hostname())
	}
	return u.String(), nil
}

func hasPath(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Path != "" && u.Path != "/"
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkDatabaseURL accepts a file path (embedded SQLite) or a postgres URL.
func checkDatabaseURL(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return errors.New("is empty (a file path for the embedded database, or a postgres:// URL)")
	}
	if strings.HasPrefix(raw, "postgres://") || strings.HasPrefix(raw, "postgresql://") {
		if _, err := url.Parse(raw); err != nil {
			return errors.New("is not a valid postgres:// URL (the value is not shown: it may hold a password)")
		}
	}
	return nil
}

package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/caarlos0/env/v10"
	"github.com/rs/zerolog"

	"oktabot/actions"
	"oktabot/okta"
)

// rawConfig is the environment as PRODUCT.md's table defines it. Tokens are
// read as strings here and wrapped in actions.Secret at once.
type rawConfig struct {
	SlackAppToken string `env:"SLACK_APP_TOKEN"`
	SlackBotToken string `env:"SLACK_BOT_TOKEN"`
	SlackAPIURL   string `env:"SLACK_API_URL" envDefault:"https://slack.com/api/"`
	OktaOrgURL    string `env:"OKTA_CLIENT_ORGURL"`
	OktaToken     string `env:"OKTA_CLIENT_TOKEN"`
	// OAuth 2.0 service-app login, under the names the Okta SDKs read.
	// The mode has no envDefault: empty means SSWS.
	OktaAuthMode     string `env:"OKTA_CLIENT_AUTHORIZATIONMODE"`
	OktaClientID     string `env:"OKTA_CLIENT_CLIENTID"`
	OktaScopes       string `env:"OKTA_CLIENT_SCOPES"`
	OktaPrivateKey   string `env:"OKTA_CLIENT_PRIVATEKEY"`
	OktaPrivateKeyID string `env:"OKTA_CLIENT_PRIVATEKEYID"`
	PolicyFile       string `env:"OKTABOT_POLICY_FILE" envDefault:"policy.yml"`
	DatabaseURL      string `env:"OKTABOT_DATABASE_URL" envDefault:"oktabot.db"`
	// HTTPAddr has no envDefault: env treats empty like unset, and here
	// empty means "off"; the default is applied in loadConfig.
	HTTPAddr string `env:"OKTABOT_HTTP_ADDR"`
	LogLevel string `env:"LOG_LEVEL" envDefault:"info"`
	// PerUserLimit is read as text so that its error names the variable.
	PerUserLimit string `env:"OKTABOT_PER_USER_LIMIT" envDefault:"30"`
	// QueueLength is read as text so that its error names the variable.
	QueueLength string `env:"OKTABOT_QUEUE_LENGTH" envDefault:"1000"`
	// OktaConcurrency is read as text so that its error names the
	// variable; empty is okta.DefaultMaxInFlight.
	OktaConcurrency string `env:"OKTABOT_OKTA_CONCURRENCY"`
	// SlackUnreachableLimit is read as text so that its error names the
	// variable.
	SlackUnreachableLimit string `env:"OKTABOT_SLACK_UNREACHABLE_LIMIT" envDefault:"5m"`
	// AuditRetention is empty for "keep forever".
	AuditRetention string `env:"OKTABOT_AUDIT_RETENTION"`
}

const defaultHTTPAddr = ":8080"

// config is the validated configuration.
type config struct {
	SlackAppToken actions.Secret
	SlackBotToken actions.Secret
	SlackAPIURL   string
	OktaOrgURL    string
	OktaToken     actions.Secret // zero when OktaOAuth is set
	OktaOAuth     *okta.OAuth    // nil with an API token
	PolicyFile    string
	DatabaseURL   string
	HTTPAddr      string // empty: health endpoints off
	LogLevel      zerolog.Level
	PerUserLimit  int // commands a minute per person; negative: no limit
	QueueLength   int // requests that may wait for a worker
	// OktaConcurrency is the most calls in flight to Okta at once, and
	// the most requests run at once.
	OktaConcurrency int
	// SlackUnreachableLimit is how long the bot may be without a Slack
	// connection before /healthz fails.
	SlackUnreachableLimit time.Duration
	// AuditRetention is how long audit records are kept; zero: forever.
	AuditRetention     time.Duration
	AuditRetentionText string // as given, for messages
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
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	fromFile := readSecretFiles(bad, environ, lookupEnv)
	if err := env.ParseWithOptions(&raw, env.Options{Environment: environ}); err != nil {
		// Only plain strings are parsed, so this is not expected; the
		// message names fields, never values.
		return config{}, fmt.Errorf("configuration: %w", err)
	}

	c := config{
		PolicyFile:  raw.PolicyFile,
		DatabaseURL: raw.DatabaseURL,
	}
	c.SlackAppToken = token(bad, fromFile("SLACK_APP_TOKEN"), raw.SlackAppToken, "xapp-", "the app-level token for Socket Mode")
	c.SlackBotToken = token(bad, fromFile("SLACK_BOT_TOKEN"), raw.SlackBotToken, "xoxb-", "the bot token")

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
	c.OktaToken, c.OktaOAuth = oktaLogin(bad, raw)

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

	switch n, err := strconv.Atoi(strings.TrimSpace(raw.PerUserLimit)); {
	case err != nil || n < 0:
		bad("OKTABOT_PER_USER_LIMIT must be a whole number of commands a minute per person (0 turns the limit off), not %q", raw.PerUserLimit)
	case n == 0:
		c.PerUserLimit = -1
	default:
		c.PerUserLimit = n
	}

	if n, err := strconv.Atoi(strings.TrimSpace(raw.QueueLength)); err != nil || n <= 0 {
		bad("OKTABOT_QUEUE_LENGTH must be a whole number of requests above 0, not %q", raw.QueueLength)
	} else {
		c.QueueLength = n
	}

	c.OktaConcurrency = okta.DefaultMaxInFlight
	if v := strings.TrimSpace(raw.OktaConcurrency); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n <= 0 {
			bad("OKTABOT_OKTA_CONCURRENCY must be a whole number of calls above 0 (Okta's concurrent-request limit is 75 for Workforce and Customer Identity orgs, 35 on the Integrator Free plan), not %q", raw.OktaConcurrency)
		} else {
			c.OktaConcurrency = n
		}
	}

	if d, err := time.ParseDuration(strings.TrimSpace(raw.SlackUnreachableLimit)); err != nil || d <= 0 {
		bad("OKTABOT_SLACK_UNREACHABLE_LIMIT must be a positive duration such as 5m or 90s, not %q", raw.SlackUnreachableLimit)
	} else {
		c.SlackUnreachableLimit = d
	}

	if d, err := parseRetention(raw.AuditRetention); err != nil {
		bad("OKTABOT_AUDIT_RETENTION %v", err)
	} else {
		c.AuditRetention, c.AuditRetentionText = d, strings.TrimSpace(raw.AuditRetention)
	}

	checkSDKVars(bad, lookupEnv)

	if len(problems) > 0 {
		return config{}, errors.New("configuration: " + strings.Join(problems, "; "))
	}
	return c, nil
}

// secretFileVars are the variables whose value may instead be read from
// a file named by NAME_FILE: the convention of Docker secrets and of
// Kubernetes Secrets mounted as files.
var secretFileVars = []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "OKTA_CLIENT_TOKEN", "OKTA_CLIENT_PRIVATEKEY", "OKTABOT_DATABASE_URL"}

// maxSecretFile bounds a secret file read into memory.
const maxSecretFile = 64 << 10

// readSecretFiles puts into environ the value of each of secretFileVars
// whose NAME_FILE is set: the file's content without its final line
// break. Setting both NAME and NAME_FILE is refused: which one is in
// force must never be a guess. Messages name the file, never its content.
// The returned func names a variable for a message, saying when its value
// came from a file.
func readSecretFiles(bad func(string, ...any), environ map[string]string, lookupEnv func(string) (string, bool)) func(string) string {
	from := map[string]bool{}
	for _, name := range secretFileVars {
		path, ok := lookupEnv(name + "_FILE")
		if !ok {
			continue
		}
		if _, both := environ[name]; both {
			bad("%s and %s_FILE are both set: set one of them (the value is not shown)", name, name)
			continue
		}
		if strings.TrimSpace(path) == "" {
			bad("%s_FILE is empty (the path of a file holding %s)", name, name)
			continue
		}
		b, err := readSecretFile(path)
		if err != nil {
			bad("%s_FILE: cannot read %s: %v", name, path, err)
			continue
		}
		v := strings.TrimSuffix(string(b), "\n")
		environ[name] = strings.TrimSuffix(v, "\r")
		from[name] = true
	}
	return func(name string) string {
		if from[name] {
			return name + " (read from " + name + "_FILE)"
		}
		return name
	}
}

// sdkTypedVars are the OKTA_* variables the Okta SDK itself reads from the
// environment as switches (bits 0) or whole numbers, whatever the bot is
// told; the bot sets everything the SDK uses, so their values never
// matter. A malformed one, though, makes the SDK print a bare "error
// parsing" line to stdout, among the JSON logs: it is refused by name.
var sdkTypedVars = []struct {
	name string
	bits int
}{
	{"OKTA_CLIENT_CACHE_ENABLED", 0},
	{"OKTA_TESTING_DISABLE_HTTPS_CHECK", 0},
	{"OKTA_CLIENT_CACHE_DEFAULT_TTL", 32},
	{"OKTA_CLIENT_CACHE_DEFAULT_TTI", 32},
	{"OKTA_CLIENT_PROXY_PORT", 32},
	{"OKTA_CLIENT_RATE_LIMIT_MAX_RETRIES", 32},
	{"OKTA_CLIENT_CONNECTION_TIMEOUT", 64},
	{"OKTA_CLIENT_REQUEST_TIMEOUT", 64},
	{"OKTA_CLIENT_RATE_LIMIT_MAX_BACKOFF", 64},
}

// checkSDKVars reports each of sdkTypedVars that is set but would not parse
// as the SDK parses it.
func checkSDKVars(bad func(string, ...any), lookupEnv func(string) (string, bool)) {
	for _, v := range sdkTypedVars {
		s, set := lookupEnv(v.name)
		if !set {
			continue
		}
		var err error
		want := "a whole number"
		if v.bits == 0 {
			_, err = strconv.ParseBool(s)
			want = "true or false"
		} else {
			_, err = strconv.ParseInt(s, 0, v.bits)
		}
		if err != nil {
			bad("%s must be %s: the Okta SDK reads it, although oktabot does not need it; fix or unset it", v.name, want)
		}
	}
}

// Okta's authorization modes, as OKTA_CLIENT_AUTHORIZATIONMODE spells them.
const (
	modeSSWS       = "SSWS"
	modePrivateKey = "PrivateKey"
)

// scopeName is an Okta API scope as the bot accepts it (okta.users.read).
var scopeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$`)

// oktaLogin reads how the bot logs in to Okta: an SSWS API token
// (OKTA_CLIENT_TOKEN, the default mode) or an OAuth 2.0 service app with a
// private key JWT (OKTA_CLIENT_AUTHORIZATIONMODE=PrivateKey with
// OKTA_CLIENT_CLIENTID, OKTA_CLIENT_SCOPES, OKTA_CLIENT_PRIVATEKEY and,
// optionally, OKTA_CLIENT_PRIVATEKEYID). Settings of the mode not chosen
// are refused rather than ignored: which credential the bot uses must
// never be a guess. No value except the mode is ever put in a message.
func oktaLogin(report func(string, ...any), raw rawConfig) (actions.Secret, *okta.OAuth) {
	bad := report
	token := strings.TrimSpace(raw.OktaToken)
	var oauthSet []string
	for _, v := range []struct{ name, value string }{
		{"OKTA_CLIENT_CLIENTID", raw.OktaClientID},
		{"OKTA_CLIENT_SCOPES", raw.OktaScopes},
		{"OKTA_CLIENT_PRIVATEKEY", raw.OktaPrivateKey},
		{"OKTA_CLIENT_PRIVATEKEYID", raw.OktaPrivateKeyID},
	} {
		if strings.TrimSpace(v.value) != "" {
			oauthSet = append(oauthSet, v.name)
		}
	}

	mode := strings.TrimSpace(raw.OktaAuthMode)
	switch {
	case mode == "" || strings.EqualFold(mode, modeSSWS):
		switch {
		case len(oauthSet) > 0:
			bad("%s set, but OKTA_CLIENT_AUTHORIZATIONMODE is SSWS (the default): set it to PrivateKey to log in as an OAuth service app, or unset them",
				strings.Join(oauthSet, ", "))
		case token == "":
			bad("OKTA_CLIENT_TOKEN is required (an Okta API token), unless OKTA_CLIENT_AUTHORIZATIONMODE=PrivateKey logs in as an OAuth service app")
		default:
			return actions.NewSecret(token), nil
		}
		return actions.Secret{}, nil
	case strings.EqualFold(mode, modePrivateKey):
	default:
		bad("OKTA_CLIENT_AUTHORIZATIONMODE must be SSWS (an API token) or PrivateKey (an OAuth service app with a private key JWT), not %q",
			clip(mode, 20))
		return actions.Secret{}, nil
	}

	failed := false
	bad = func(format string, args ...any) { failed = true; report(format, args...) }
	const with = "with OKTA_CLIENT_AUTHORIZATIONMODE=PrivateKey"
	if token != "" {
		bad("OKTA_CLIENT_TOKEN must not be set %s: the bot logs in one way only; unset it (the value is not shown)", with)
	}
	o := &okta.OAuth{}
	switch id := strings.TrimSpace(raw.OktaClientID); {
	case id == "":
		bad("OKTA_CLIENT_CLIENTID is required %s (the service app's client id, 0oa…)", with)
	case !printableID(id):
		bad("OKTA_CLIENT_CLIENTID must be the service app's client id, without spaces (the value is not shown)")
	default:
		o.ClientID = id
	}
	o.Scopes = scopes(bad, raw.OktaScopes, with)
	o.PrivateKey = privateKey(bad, raw.OktaPrivateKey, with)
	if kid := strings.TrimSpace(raw.OktaPrivateKeyID); kid != "" {
		if printableID(kid) {
			o.KeyID = kid
		} else {
			bad("OKTA_CLIENT_PRIVATEKEYID must be the key's id (kid) in Okta, without spaces (the value is not shown)")
		}
	}
	if failed {
		return actions.Secret{}, nil
	}
	return actions.Secret{}, o
}

// scopes splits OKTA_CLIENT_SCOPES on commas and white space.
func scopes(bad func(string, ...any), raw, with string) []string {
	var out []string
	for _, s := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		switch {
		case !scopeName.MatchString(s):
			bad("OKTA_CLIENT_SCOPES holds something that is not a scope name; scopes look like okta.users.read, separated by commas or spaces (the value is not shown)")
			return nil
		case !strings.HasPrefix(s, "okta."):
			bad("OKTA_CLIENT_SCOPES: %q is not an Okta API scope (they look like okta.users.read)", s)
			return nil
		case !slices.Contains(out, s):
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		bad("OKTA_CLIENT_SCOPES is required %s: the Okta API scopes granted to the service app, e.g. okta.users.read,okta.users.manage", with)
	}
	return out
}

// privateKey reads OKTA_CLIENT_PRIVATEKEY: the PEM itself (a literal \n
// may stand for each line break, as in the Okta SDKs) or, as the Okta SDK
// and Terraform provider also allow, the path of a PEM file — handy for a
// key mounted as a file from a secret store. The key must parse.
func privateKey(bad func(string, ...any), raw, with string) actions.Secret {
	v := strings.TrimSpace(raw)
	if v == "" {
		bad("OKTA_CLIENT_PRIVATEKEY is required %s: the service app's RSA private key in PEM, or the path of a PEM file", with)
		return actions.Secret{}
	}
	what := "OKTA_CLIENT_PRIVATEKEY"
	if !strings.Contains(v, "-----BEGIN") {
		what = "the file OKTA_CLIENT_PRIVATEKEY names"
		b, err := readSecretFile(v)
		if err != nil {
			bad("OKTA_CLIENT_PRIVATEKEY is neither a PEM key (-----BEGIN …) nor the path of a readable key file: %s (the value is not shown)", err)
			return actions.Secret{}
		}
		v = string(b)
	}
	if _, err := okta.ParsePrivateKey(v); err != nil {
		bad("%s: %v", what, err)
		return actions.Secret{}
	}
	return actions.NewSecret(v)
}

// readSecretFile reads a file that holds a secret, saying what is wrong
// without naming the file or quoting it.
func readSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, errors.New("no such file")
	case errors.Is(err, fs.ErrPermission):
		return nil, errors.New("permission denied")
	case err != nil:
		return nil, errors.New("it cannot be opened")
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	switch {
	case err != nil:
		return nil, errors.New("it cannot be read")
	case len(b) > maxSecretFile:
		return nil, errors.New("the file is too large to hold a secret")
	}
	return b, nil
}

// printableID reports whether s is printable ASCII without spaces, at most
// 200 bytes: a client id or key id.
func printableID(s string) bool {
	if len(s) > 200 {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r >= 0x7f {
			return false
		}
	}
	return true
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
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

// minRetention is the shortest OKTABOT_AUDIT_RETENTION: anything shorter
// is surely a unit mistaken (30m for 30 days).
const minRetention = 24 * time.Hour

// parseRetention reads OKTABOT_AUDIT_RETENTION: empty for "keep forever",
// else a number of days (400d) or a Go duration (9600h), at least a day.
func parseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		if err == nil && (n <= 0 || n > 100*366) {
			err = errors.New("out of range")
		}
		d = time.Duration(n) * minRetention
	} else {
		d, err = time.ParseDuration(s)
	}
	switch {
	case err != nil:
		return 0, fmt.Errorf("must be a number of days such as 400d, or hours such as 9600h (unset keeps records forever), not %q", s)
	case d < minRetention:
		return 0, fmt.Errorf("%q is shorter than a day: give days, such as 400d (unset keeps records forever)", s)
	}
	return d, nil
}

// loadDatabaseURL reads OKTABOT_DATABASE_URL (or its _FILE) alone, for the
// commands that only need the database (oktabot audit export).
func loadDatabaseURL(lookupEnv func(string) (string, bool)) (string, error) {
	only := func(k string) (string, bool) {
		if k == "OKTABOT_DATABASE_URL" || k == "OKTABOT_DATABASE_URL_FILE" {
			return lookupEnv(k)
		}
		return "", false
	}
	environ := map[string]string{}
	if v, ok := only("OKTABOT_DATABASE_URL"); ok {
		environ["OKTABOT_DATABASE_URL"] = v
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	readSecretFiles(bad, environ, only)
	u, ok := environ["OKTABOT_DATABASE_URL"]
	if !ok {
		u = "oktabot.db"
	}
	if len(problems) == 0 {
		if err := checkDatabaseURL(u); err != nil {
			bad("OKTABOT_DATABASE_URL %v", err)
		}
	}
	if len(problems) > 0 {
		return "", errors.New("configuration: " + strings.Join(problems, "; "))
	}
	return absDatabaseURL(u), nil
}

// absDatabaseURL makes a relative SQLite path absolute, so that logs and
// errors name the real place: the image's default is oktabot.db in its
// working directory, /data.
func absDatabaseURL(u string) string {
	if strings.Contains(u, "://") || filepath.IsAbs(u) {
		return u
	}
	if abs, err := filepath.Abs(u); err == nil {
		return abs
	}
	return u
}

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"oktabot/okta"
)

const (
	appToken  = "xapp-1-A0TEST-123-secretappvalue"
	botToken  = "xoxb-123-456-secretbotvalue"
	oktaToken = "00secretoktatokenvalue"
)

func baseEnv() map[string]string {
	return map[string]string{
		"SLACK_APP_TOKEN":    appToken,
		"SLACK_BOT_TOKEN":    botToken,
		"OKTA_CLIENT_ORGURL": "https://acme.okta.com",
		"OKTA_CLIENT_TOKEN":  oktaToken,
	}
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestLoadConfigDefaults(t *testing.T) {
	c, err := loadConfig(lookup(baseEnv()))
	if err != nil {
		t.Fatal(err)
	}
	if c.SlackAPIURL != "https://slack.com/api/" || c.PolicyFile != "policy.yml" || c.DatabaseURL != "oktabot.db" ||
		c.HTTPAddr != ":8080" || c.LogLevel != zerolog.InfoLevel || c.OktaOrgURL != "https://acme.okta.com" || c.PerUserLimit != 30 || c.QueueLength != 1000 ||
		c.SlackUnreachableLimit != 5*time.Minute || c.OktaConcurrency != 75 {
		t.Errorf("defaults = %+v", c)
	}
	if c.SlackBotToken.Reveal() != botToken || c.SlackAppToken.Reveal() != appToken || c.OktaToken.Reveal() != oktaToken {
		t.Error("tokens not carried")
	}
}

func TestLoadConfigValues(t *testing.T) {
	env := baseEnv()
	env["SLACK_API_URL"] = "http://127.0.0.1:9999/api"
	env["OKTA_CLIENT_ORGURL"] = "http://localhost:8081/"
	env["OKTABOT_HTTP_ADDR"] = ""
	env["LOG_LEVEL"] = "DEBUG"
	env["OKTABOT_DATABASE_URL"] = "postgres://bot@db:5432/oktabot"
	env["OKTABOT_PER_USER_LIMIT"] = "0"
	env["OKTABOT_OKTA_CONCURRENCY"] = " 35 "
	// Well-formed variables the Okta SDK reads are accepted (and ignored).
	env["OKTA_CLIENT_CACHE_ENABLED"] = "true"
	env["OKTA_CLIENT_REQUEST_TIMEOUT"] = "30"
	c, err := loadConfig(lookup(env))
	if err != nil {
		t.Fatal(err)
	}
	if c.SlackAPIURL != "http://127.0.0.1:9999/api/" {
		t.Errorf("SlackAPIURL = %q, want a trailing slash added", c.SlackAPIURL)
	}
	if c.PerUserLimit >= 0 {
		t.Errorf("OKTABOT_PER_USER_LIMIT=0 gives PerUserLimit %d, want no limit (negative)", c.PerUserLimit)
	}
	if c.OktaConcurrency != 35 {
		t.Errorf("OKTABOT_OKTA_CONCURRENCY=35 gives %d", c.OktaConcurrency)
	}
	if c.OktaOrgURL != "http://localhost:8081" {
		t.Errorf("OktaOrgURL = %q", c.OktaOrgURL)
	}
	if c.HTTPAddr != "" {
		t.Errorf("HTTPAddr = %q, want empty (set to empty turns it off)", c.HTTPAddr)
	}
	if c.LogLevel != zerolog.DebugLevel {
		t.Errorf("LogLevel = %v", c.LogLevel)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		set  map[string]string
		drop []string
		want []string
	}{
		{name: "missing bot token", drop: []string{"SLACK_BOT_TOKEN"}, want: []string{"SLACK_BOT_TOKEN is required"}},
		{name: "missing app token", drop: []string{"SLACK_APP_TOKEN"}, want: []string{"SLACK_APP_TOKEN is required"}},
		{name: "tokens swapped", set: map[string]string{"SLACK_APP_TOKEN": botToken, "SLACK_BOT_TOKEN": appToken},
			want: []string{"SLACK_APP_TOKEN must be", "SLACK_BOT_TOKEN must be"}},
		{name: "missing org", drop: []string{"OKTA_CLIENT_ORGURL"}, want: []string{"OKTA_CLIENT_ORGURL is required"}},
		{name: "missing okta token", drop: []string{"OKTA_CLIENT_TOKEN"}, want: []string{"OKTA_CLIENT_TOKEN is required"}},
		{name: "http okta", set: map[string]string{"OKTA_CLIENT_ORGURL": "http://acme.okta.com"}, want: []string{"OKTA_CLIENT_ORGURL must use https://", `"acme.okta.com"`}},
		{name: "http slack", set: map[string]string{"SLACK_API_URL": "http://slack.example.com/api/"}, want: []string{"SLACK_API_URL must use https://"}},
		{name: "not a url", set: map[string]string{"OKTA_CLIENT_ORGURL": "acme.okta.com"}, want: []string{"OKTA_CLIENT_ORGURL must be an absolute https:// URL"}},
		{name: "org with path", set: map[string]string{"OKTA_CLIENT_ORGURL": "https://acme.okta.com/api/v1"}, want: []string{"OKTA_CLIENT_ORGURL must be the org's base URL"}},
		{name: "bad log level", set: map[string]string{"LOG_LEVEL": "loud"}, want: []string{`LOG_LEVEL must be debug, info, warn or error, not "loud"`}},
		{name: "bad addr", set: map[string]string{"OKTABOT_HTTP_ADDR": "8080"}, want: []string{"OKTABOT_HTTP_ADDR must be host:port"}},
		{name: "bad per-user limit", set: map[string]string{"OKTABOT_PER_USER_LIMIT": "lots"}, want: []string{`OKTABOT_PER_USER_LIMIT must be a whole number`, `"lots"`}},
		{name: "negative per-user limit", set: map[string]string{"OKTABOT_PER_USER_LIMIT": "-1"}, want: []string{`OKTABOT_PER_USER_LIMIT must be a whole number`}},
		{name: "bad queue length", set: map[string]string{"OKTABOT_QUEUE_LENGTH": "lots"}, want: []string{`OKTABOT_QUEUE_LENGTH must be a whole number`, `"lots"`}},
		{name: "zero queue length", set: map[string]string{"OKTABOT_QUEUE_LENGTH": "0"}, want: []string{`OKTABOT_QUEUE_LENGTH must be a whole number`}},
		{name: "bad okta concurrency", set: map[string]string{"OKTABOT_OKTA_CONCURRENCY": "-3"}, want: []string{`OKTABOT_OKTA_CONCURRENCY must be a whole number of calls above 0`, `35 on the Integrator Free plan`, `"-3"`}},
		{name: "bad unreachable limit", set: map[string]string{"OKTABOT_SLACK_UNREACHABLE_LIMIT": "5"}, want: []string{`OKTABOT_SLACK_UNREACHABLE_LIMIT must be a positive duration`, `"5"`}},
		{name: "zero unreachable limit", set: map[string]string{"OKTABOT_SLACK_UNREACHABLE_LIMIT": "0s"}, want: []string{`OKTABOT_SLACK_UNREACHABLE_LIMIT must be a positive duration`}},
		{name: "empty policy", set: map[string]string{"OKTABOT_POLICY_FILE": " "}, want: []string{"OKTABOT_POLICY_FILE is empty"}},
		{name: "SDK switch the SDK cannot parse", set: map[string]string{"OKTA_CLIENT_CACHE_ENABLED": "yes"},
			want: []string{"OKTA_CLIENT_CACHE_ENABLED must be true or false", "the Okta SDK reads it"}},
		{name: "SDK numbers the SDK cannot parse", set: map[string]string{"OKTA_CLIENT_REQUEST_TIMEOUT": "30s", "OKTA_CLIENT_PROXY_PORT": ""},
			want: []string{"OKTA_CLIENT_REQUEST_TIMEOUT must be a whole number", "OKTA_CLIENT_PROXY_PORT must be a whole number"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := baseEnv()
			for k, v := range tt.set {
				env[k] = v
			}
			for _, k := range tt.drop {
				delete(env, k)
			}
			configError(t, env, tt.want, nil, []string{"secretappvalue", "secretbotvalue", "secretoktatoken"})
		})
	}
}

// configError checks that env stops the bot with one line that says each of
// want, none of not, and no secret.
func configError(t *testing.T, env map[string]string, want, not, secrets []string) {
	t.Helper()
	_, err := loadConfig(lookup(env))
	if err == nil {
		t.Fatal("loadConfig succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans lines: %q", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not contain %q", msg, w)
		}
	}
	for _, n := range not {
		if strings.Contains(msg, n) {
			t.Errorf("error %q contains %q", msg, n)
		}
	}
	for _, s := range secrets {
		if strings.Contains(msg, s) {
			t.Errorf("error echoes a secret (%.12s…): %q", s, msg)
		}
	}
}

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

// rsaKey is one 2048-bit key per test binary, for the OAuth service app.
func rsaKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if testKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return testKey
}

func pemPKCS8(t testing.TB, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func pemPKCS1(key *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
}

// keyLines are the base64 lines of a PEM key: none may appear in a message.
func keyLines(pemText string) []string {
	var out []string
	for _, l := range strings.Split(pemText, "\n") {
		if l != "" && !strings.HasPrefix(l, "-----") {
			out = append(out, l)
		}
	}
	return out
}

func oauthEnv(t testing.TB) map[string]string {
	env := baseEnv()
	delete(env, "OKTA_CLIENT_TOKEN")
	env["OKTA_CLIENT_AUTHORIZATIONMODE"] = "PrivateKey"
	env["OKTA_CLIENT_CLIENTID"] = "0oa1botapp0000000001"
	env["OKTA_CLIENT_SCOPES"] = "okta.users.read,okta.users.manage"
	env["OKTA_CLIENT_PRIVATEKEY"] = pemPKCS8(t, rsaKey(t))
	return env
}

func TestLoadConfigOAuth(t *testing.T) {
	key := rsaKey(t)
	file := filepath.Join(t.TempDir(), "okta.pem")
	if err := os.WriteFile(file, []byte(pemPKCS1(key)), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, set := range map[string]map[string]string{
		"PKCS#8 in the variable": {},
		"literal \\n, lower-case mode, scopes by spaces and commas, a kid": {
			"OKTA_CLIENT_AUTHORIZATIONMODE": "privatekey",
			"OKTA_CLIENT_PRIVATEKEY":        strings.ReplaceAll(pemPKCS8(t, key), "\n", `\n`),
			"OKTA_CLIENT_SCOPES":            " okta.users.read okta.users.manage,okta.users.read ",
			"OKTA_CLIENT_PRIVATEKEYID":      "kid-2024",
		},
		"PKCS#1 in a file": {"OKTA_CLIENT_PRIVATEKEY": file},
	} {
		t.Run(name, func(t *testing.T) {
			env := oauthEnv(t)
			for k, v := range set {
				env[k] = v
			}
			c, err := loadConfig(lookup(env))
			if err != nil {
				t.Fatal(err)
			}
			if !c.OktaToken.IsZero() || c.OktaOAuth == nil {
				t.Fatalf("token set %v, OAuth %v", !c.OktaToken.IsZero(), c.OktaOAuth)
			}
			o := c.OktaOAuth
			if o.ClientID != "0oa1botapp0000000001" || o.KeyID != set["OKTA_CLIENT_PRIVATEKEYID"] {
				t.Errorf("client id %q, kid %q", o.ClientID, o.KeyID)
			}
			if diff := cmp.Diff([]string{"okta.users.read", "okta.users.manage"}, o.Scopes); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
			got, err := okta.ParsePrivateKey(o.PrivateKey.Reveal())
			if err != nil || !got.Equal(key) {
				t.Errorf("the key carried does not parse back to the key: %v", err)
			}
			if s := fmt.Sprintf("%v %+v", c, c); strings.Contains(s, keyLines(pemPKCS1(key))[3]) || strings.Contains(s, keyLines(pemPKCS8(t, key))[3]) {
				t.Errorf("printing the config shows the key: %s", s)
			}
		})
	}

	// The default mode is SSWS, and saying so is fine.
	env := baseEnv()
	env["OKTA_CLIENT_AUTHORIZATIONMODE"] = "SSWS"
	if c, err := loadConfig(lookup(env)); err != nil || c.OktaOAuth != nil || c.OktaToken.Reveal() != oktaToken {
		t.Errorf("SSWS: %v, OAuth %v", err, c.OktaOAuth)
	}
}

func TestLoadConfigOAuthErrors(t *testing.T) {
	key := rsaKey(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(certFile, []byte("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUJ0==\n-----END CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pkcs8 := pemPKCS8(t, key)
	mangled := strings.Join(keyLines(pkcs8), "") // the key without its PEM lines
	secrets := append(keyLines(pkcs8), keyLines(pemPKCS8(t, ec))...)
	secrets = append(secrets, keyLines(pemPKCS1(key))...)

	tests := []struct {
		name string
		set  map[string]string
		drop []string
		ssws bool // start from the SSWS environment
		want []string
		not  []string
	}{
		{name: "unknown mode", set: map[string]string{"OKTA_CLIENT_AUTHORIZATIONMODE": "Bearer"},
			want: []string{"OKTA_CLIENT_AUTHORIZATIONMODE must be SSWS", "or PrivateKey", `not "Bearer"`}},
		{name: "OAuth settings without the mode", ssws: true, drop: []string{"OKTA_CLIENT_TOKEN"},
			set:  map[string]string{"OKTA_CLIENT_CLIENTID": "0oa1", "OKTA_CLIENT_PRIVATEKEY": pkcs8},
			want: []string{"OKTA_CLIENT_CLIENTID, OKTA_CLIENT_PRIVATEKEY set, but OKTA_CLIENT_AUTHORIZATIONMODE is SSWS"},
			not:  []string{"OKTA_CLIENT_TOKEN is required"}},
		{name: "a token and OAuth settings", ssws: true, set: map[string]string{"OKTA_CLIENT_SCOPES": "okta.users.read"},
			want: []string{"OKTA_CLIENT_SCOPES set, but OKTA_CLIENT_AUTHORIZATIONMODE is SSWS"}},
		{name: "PrivateKey with a token too", set: map[string]string{"OKTA_CLIENT_TOKEN": oktaToken},
			want: []string{"OKTA_CLIENT_TOKEN must not be set with OKTA_CLIENT_AUTHORIZATIONMODE=PrivateKey"}},
		{name: "no client id", drop: []string{"OKTA_CLIENT_CLIENTID"}, want: []string{"OKTA_CLIENT_CLIENTID is required with OKTA_CLIENT_AUTHORIZATIONMODE=PrivateKey"}},
		{name: "client id with a space", set: map[string]string{"OKTA_CLIENT_CLIENTID": "0oa 1"}, want: []string{"OKTA_CLIENT_CLIENTID must be the service app's client id"}},
		{name: "no scopes", drop: []string{"OKTA_CLIENT_SCOPES"}, want: []string{"OKTA_CLIENT_SCOPES is required"}},
		{name: "only separators", set: map[string]string{"OKTA_CLIENT_SCOPES": " , ,"}, want: []string{"OKTA_CLIENT_SCOPES is required"}},
		{name: "not an Okta scope", set: map[string]string{"OKTA_CLIENT_SCOPES": "okta.users.read,users.manage"}, want: []string{`"users.manage" is not an Okta API scope`}},
		{name: "the key in the scopes", set: map[string]string{"OKTA_CLIENT_SCOPES": pkcs8}, want: []string{"OKTA_CLIENT_SCOPES holds something that is not a scope name"}},
		{name: "no key", drop: []string{"OKTA_CLIENT_PRIVATEKEY"}, want: []string{"OKTA_CLIENT_PRIVATEKEY is required with OKTA_CLIENT_AUTHORIZATIONMODE=PrivateKey"}},
		{name: "no such key file", set: map[string]string{"OKTA_CLIENT_PRIVATEKEY": "/run/secrets/nope/okta.pem"},
			want: []string{"OKTA_CLIENT_PRIVATEKEY is neither a PEM key", "no such file"}, not: []string{"/run/secrets"}},
		{name: "a key without its PEM lines", set: map[string]string{"OKTA_CLIENT_PRIVATEKEY": mangled},
			want: []string{"OKTA_CLIENT_PRIVATEKEY is neither a PEM key"}},
		{name: "a directory", set: map[string]string{"OKTA_CLIENT_PRIVATEKEY": dir}, want: []string{"not a regular file"}, not: []string{dir}},
		{name: "a certificate file", set: map[string]string{"OKTA_CLIENT_PRIVATEKEY": certFile},
			want: []string{"the file OKTA_CLIENT_PRIVATEKEY names: no private key among the PEM blocks (found CERTIFICATE)"}, not: []string{certFile}},
		{name: "an ECDSA key", set: map[string]string{"OKTA_CLIENT_PRIVATEKEY": pemPKCS8(t, ec)}, want: []string{"OKTA_CLIENT_PRIVATEKEY: the key is an ECDSA key, not RSA"}},
		{name: "mislabelled PEM", set: map[string]string{"OKTA_CLIENT_PRIVATEKEY": strings.ReplaceAll(pkcs8, "PRIVATE KEY", "RSA PRIVATE KEY")},
			want: []string{"OKTA_CLIENT_PRIVATEKEY: the RSA PRIVATE KEY block does not parse"}},
		{name: "kid with a space", set: map[string]string{"OKTA_CLIENT_PRIVATEKEYID": "kid 1"}, want: []string{"OKTA_CLIENT_PRIVATEKEYID must be"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := oauthEnv(t)
			if tt.ssws {
				env = baseEnv()
			}
			for k, v := range tt.set {
				env[k] = v
			}
			for _, k := range tt.drop {
				delete(env, k)
			}
			configError(t, env, tt.want, tt.not, append(secrets, "secretoktatoken", mangled[:40]))
		})
	}
}

// writeSecret writes a secret file as a mounted secret would be.
func writeSecret(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(content), 0o400); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadConfigSecretsFromFiles(t *testing.T) {
	key := pemPKCS8(t, rsaKey(t))
	env := baseEnv()
	for _, k := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "OKTA_CLIENT_TOKEN"} {
		delete(env, k)
	}
	env["SLACK_APP_TOKEN_FILE"] = writeSecret(t, appToken+"\n")
	env["SLACK_BOT_TOKEN_FILE"] = writeSecret(t, botToken+"\r\n")
	env["OKTA_CLIENT_TOKEN_FILE"] = writeSecret(t, oktaToken)
	env["OKTABOT_DATABASE_URL_FILE"] = writeSecret(t, "postgres://bot:s3cret@db:5432/oktabot\n")
	c, err := loadConfig(lookup(env))
	if err != nil {
		t.Fatal(err)
	}
	if c.SlackAppToken.Reveal() != appToken || c.SlackBotToken.Reveal() != botToken || c.OktaToken.Reveal() != oktaToken {
		t.Error("tokens from files not read, or their line breaks kept")
	}
	if c.DatabaseURL != "postgres://bot:s3cret@db:5432/oktabot" {
		t.Errorf("DatabaseURL = %q", c.DatabaseURL)
	}

	// The service app's key, PEM in the file.
	env = baseEnv()
	delete(env, "OKTA_CLIENT_TOKEN")
	env["OKTA_CLIENT_AUTHORIZATIONMODE"] = "PrivateKey"
	env["OKTA_CLIENT_CLIENTID"] = "0oa1oktabotsvcapp001"
	env["OKTA_CLIENT_SCOPES"] = "okta.users.read"
	env["OKTA_CLIENT_PRIVATEKEY_FILE"] = writeSecret(t, key)
	c, err = loadConfig(lookup(env))
	if err != nil {
		t.Fatal(err)
	}
	if c.OktaOAuth == nil || c.OktaOAuth.PrivateKey.Reveal() != strings.TrimSuffix(key, "\n") {
		t.Errorf("the private key from OKTA_CLIENT_PRIVATEKEY_FILE was not read")
	}
}

func TestLoadConfigSecretFileErrors(t *testing.T) {
	dir := t.TempDir()
	wrongPrefix := writeSecret(t, "xoxp-secretuservalue\n")
	secrets := []string{"secretappvalue", "secretbotvalue", "secretoktatoken", "secretuservalue"}
	tests := []struct {
		name string
		set  map[string]string
		drop []string
		want []string
	}{
		{name: "both set", set: map[string]string{"SLACK_BOT_TOKEN_FILE": writeSecret(t, botToken)},
			want: []string{"SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE are both set"}},
		{name: "both set, one empty", set: map[string]string{"OKTA_CLIENT_TOKEN": "", "OKTA_CLIENT_TOKEN_FILE": writeSecret(t, oktaToken)},
			want: []string{"OKTA_CLIENT_TOKEN and OKTA_CLIENT_TOKEN_FILE are both set"}},
		{name: "database both set", set: map[string]string{"OKTABOT_DATABASE_URL": "x.db", "OKTABOT_DATABASE_URL_FILE": writeSecret(t, "postgres://bot:pw@db/x")},
			want: []string{"OKTABOT_DATABASE_URL and OKTABOT_DATABASE_URL_FILE are both set"}},
		{name: "missing file", drop: []string{"SLACK_APP_TOKEN"}, set: map[string]string{"SLACK_APP_TOKEN_FILE": filepath.Join(dir, "nope")},
			want: []string{"SLACK_APP_TOKEN_FILE: cannot read " + filepath.Join(dir, "nope") + ": no such file"}},
		{name: "a directory", drop: []string{"SLACK_APP_TOKEN"}, set: map[string]string{"SLACK_APP_TOKEN_FILE": dir},
			want: []string{"SLACK_APP_TOKEN_FILE: cannot read " + dir + ": not a regular file"}},
		{name: "empty path", drop: []string{"OKTA_CLIENT_TOKEN"}, set: map[string]string{"OKTA_CLIENT_TOKEN_FILE": ""},
			want: []string{"OKTA_CLIENT_TOKEN_FILE is empty"}},
		{name: "empty file", drop: []string{"SLACK_BOT_TOKEN"}, set: map[string]string{"SLACK_BOT_TOKEN_FILE": writeSecret(t, "\n")},
			want: []string{"SLACK_BOT_TOKEN (read from SLACK_BOT_TOKEN_FILE) is required"}},
		{name: "wrong token in the file", drop: []string{"SLACK_BOT_TOKEN"}, set: map[string]string{"SLACK_BOT_TOKEN_FILE": wrongPrefix},
			want: []string{"SLACK_BOT_TOKEN (read from SLACK_BOT_TOKEN_FILE) must be the bot token, starting with xoxb-"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := baseEnv()
			for _, k := range tt.drop {
				delete(env, k)
			}
			for k, v := range tt.set {
				env[k] = v
			}
			configError(t, env, tt.want, nil, secrets)
		})
	}

	t.Run("unreadable", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads every file")
		}
		path := writeSecret(t, botToken)
		os.Chmod(path, 0)
		env := baseEnv()
		delete(env, "SLACK_BOT_TOKEN")
		env["SLACK_BOT_TOKEN_FILE"] = path
		configError(t, env, []string{"SLACK_BOT_TOKEN_FILE: cannot read " + path + ": permission denied"}, nil, secrets)
	})
}

package main

// The bot logged in to Okta as an OAuth 2.0 service app (private key JWT)
// instead of with an API token, end to end.

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"oktabot/okta/oktatest"
)

const botApp = "0oa1oktabotsvcapp001"

// oauthHarness is the usual harness with the bot configured as the
// service app: the key from a file (as a mounted secret would be) and the
// scopes given.
func oauthHarness(t *testing.T, granted []string, scopes string) *harness {
	t.Helper()
	h := newHarness(t)
	key := rsaKey(t)
	h.okta.AddServiceApp(oktatest.ServiceApp{ClientID: botApp, PublicKey: &key.PublicKey, KeyID: "kid-1", Scopes: granted})
	file := filepath.Join(t.TempDir(), "okta-key.pem")
	if err := os.WriteFile(file, []byte(pemPKCS8(t, key)), 0o600); err != nil {
		t.Fatal(err)
	}
	delete(h.env, "OKTA_CLIENT_TOKEN")
	h.env["OKTA_CLIENT_AUTHORIZATIONMODE"] = "PrivateKey"
	h.env["OKTA_CLIENT_CLIENTID"] = botApp
	h.env["OKTA_CLIENT_SCOPES"] = scopes
	h.env["OKTA_CLIENT_PRIVATEKEY"] = file
	h.env["OKTA_CLIENT_PRIVATEKEYID"] = "kid-1"
	return h
}

// assertNoOAuthSecrets checks that neither the key, nor a client
// assertion (a JWT: eyJ…), nor an access token reached the log or Slack.
func (h *harness) assertNoOAuthSecrets() {
	h.t.Helper()
	var sent strings.Builder
	for _, m := range h.slack.Messages() {
		sent.WriteString(m.Text)
		sent.Write(m.Blocks)
	}
	secrets := map[string]string{"client assertion": "eyJ"}
	for i, l := range keyLines(pemPKCS8(h.t, rsaKey(h.t))) {
		secrets["private key line "+string(rune('a'+i%26))] = l
	}
	for _, tok := range h.okta.IssuedTokens() {
		secrets["access token"] = tok.Token
	}
	for what, s := range secrets {
		for where, text := range map[string]string{"stdout": h.stdout.String(), "stderr": h.stderr.String(), "Slack messages": sent.String()} {
			if strings.Contains(text, s) {
				h.t.Errorf("the %s appears in %s", what, where)
			}
		}
	}
}

func TestOAuthServiceAppEndToEnd(t *testing.T) {
	h := oauthHarness(t, []string{"okta.users.read", "okta.users.manage", "okta.orgs.read", "okta.roles.read"}, "okta.users.read,okta.orgs.read,okta.roles.read").start()

	got := h.reply(uAlice, "ping")
	mustContain(t, got, "Okta is reachable", h.okta.URL, "OAuth service app", botApp, "oktatest", "okta.users.read", "okta.orgs.read", "okta.roles.read", " ms")
	if strings.Contains(got, "oktabot.svc@corp.com") {
		t.Errorf("ping names the API token's user although the bot logs in as a service app:\n%s", got)
	}

	got = h.reply(uAlice, "get-user alice")
	mustContain(t, got, "Alice Liddell", "alice@corp.com", "ACTIVE")

	// Asked for without okta.users.manage: Okta refuses the write, and the
	// answer says which scope is missing and where to add it.
	got = h.reply(uSecurity, "enable-user bob@corp.com")
	mustContain(t, got, "okta.users.manage", "OKTA_CLIENT_SCOPES")
	if u, _ := h.okta.User("bob@corp.com"); u.Status != "SUSPENDED" {
		t.Errorf("bob is %s", u.Status)
	}

	tokens, api := 0, 0
	for _, c := range h.okta.Calls() {
		switch {
		case c.Operation == "token":
			tokens++
			if c.Status != 200 || c.Query.Get("scope") != "okta.users.read okta.orgs.read okta.roles.read" {
				t.Errorf("token request answered %d for scope %q", c.Status, c.Query.Get("scope"))
			}
		case c.Status < 300:
			api++
			if c.Client != botApp {
				t.Errorf("%s %s was answered without the app's access token", c.Method, c.Path)
			}
		}
	}
	if tokens != 1 || api < 2 {
		t.Errorf("%d token requests and %d API calls; want one token for all", tokens, api)
	}
	if !strings.Contains(h.stdout.String(), `"okta_login":"oauth service app `+botApp+`"`) {
		t.Errorf("the start-up log does not say how the bot logs in to Okta")
	}
	h.assertNoOAuthSecrets()
}

// A service app Okta refuses stops the bot at start: Okta is checked
// before the bot takes any command.
func TestOAuthLoginRefusedEndToEnd(t *testing.T) {
	h := oauthHarness(t, []string{"okta.users.read"}, "okta.users.read okta.users.manage")
	err := run(context.Background(), []string{"bot"}, lookup(h.env), h.stdout, h.stderr)
	if err == nil {
		t.Fatal("the bot started although Okta refused its login")
	}
	mustContain(t, err.Error(), "refused the bot's login", "okta.users.manage", "OKTA_CLIENT_SCOPES")
	if n := h.slack.Connections(); n != 0 {
		t.Errorf("%d Socket Mode connections although Okta refused the login", n)
	}
	h.assertNoSecretsLeaked()
	h.assertNoOAuthSecrets()
}

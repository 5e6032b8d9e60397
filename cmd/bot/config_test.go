package main

import (
	"strings"
	"testing"

	"github.com/rs/zerolog"
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
		c.HTTPAddr != ":8080" || c.LogLevel != zerolog.InfoLevel || c.OktaOrgURL != "https://acme.okta.com" {
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
	c, err := loadConfig(lookup(env))
	if err != nil {
		t.Fatal(err)
	}
	if c.SlackAPIURL != "http://127.0.0.1:9999/api/" {
		t.Errorf("SlackAPIURL = %q, want a trailing slash added", c.SlackAPIURL)
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
		{name: "empty policy", set: map[string]string{"OKTABOT_POLICY_FILE": " "}, want: []string{"OKTABOT_POLICY_FILE is empty"}},
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
			_, err := loadConfig(lookup(env))
			if err == nil {
				t.Fatal("loadConfig succeeded")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			for _, secret := range []string{"secretappvalue", "secretbotvalue", "secretoktatoken"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error echoes a token: %q", msg)
				}
			}
		})
	}
}

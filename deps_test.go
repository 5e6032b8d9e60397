package oktabot_test

// The package table of DESIGN.md, kept true: each package imports only what
// its row allows, and only package okta talks to the Okta SDK.

import (
	"os/exec"
	"strings"
	"testing"
)

// allowed lists, per package, the non-standard import path prefixes it may
// use besides the standard library.
var allowed = map[string][]string{
	"oktabot/actions":           {"oktabot/internal/suggest", "oktabot/internal/duration"},
	"oktabot/blocks":            {"github.com/slack-go/slack", "oktabot/actions", "oktabot/auth", "oktabot/store", "oktabot/requests"},
	"oktabot/auth":              {"github.com/goccy/go-yaml", "oktabot/internal/suggest", "oktabot/internal/duration"},
	"oktabot/internal/suggest":  {},
	"oktabot/internal/duration": {},
	// The metrics package is the only one (with cmd/bot, which makes the
	// registry and serves it) that imports the Prometheus client library.
	"oktabot/metrics":       {"github.com/prometheus/client_golang/prometheus"},
	"oktabot/okta":          {"github.com/okta/okta-sdk-golang/v2", "github.com/go-jose/go-jose/v3", "oktabot/actions", "github.com/rs/zerolog", "oktabot/metrics"},
	"oktabot/okta/oktatest": {"github.com/getkin/kin-openapi"},
	"oktabot/requests":      {"github.com/rs/zerolog", "oktabot/actions", "oktabot/auth", "oktabot/store", "oktabot/metrics"},
	"oktabot/handlers":      {"github.com/slack-go/slack", "github.com/rs/zerolog", "oktabot/actions", "oktabot/auth", "oktabot/blocks", "oktabot/requests", "oktabot/store", "oktabot/metrics"},
	"oktabot/slackfake":     {"github.com/gorilla/websocket", "github.com/slack-go/slack"},
	// The sandbox runs the bot it is given (cmd/bot's run), never its
	// parts: it knows the stand-ins and the policy, nothing else.
	"oktabot/sandbox": {"oktabot/actions", "oktabot/auth", "oktabot/okta/oktatest", "oktabot/slackfake"},
}

func TestPackageDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		for _, imp := range strings.Fields(imports) {
			if std(imp) {
				continue
			}
			if strings.HasPrefix(imp, "github.com/okta/okta-sdk-golang") && pkg != "oktabot/okta" {
				t.Errorf("%s imports the Okta SDK (%s); only oktabot/okta may", pkg, imp)
			}
			if strings.HasPrefix(imp, "github.com/prometheus/") && pkg != "oktabot/metrics" && pkg != "oktabot/cmd/bot" {
				t.Errorf("%s imports the Prometheus client (%s); only oktabot/metrics (and cmd/bot, which serves it) may", pkg, imp)
			}
			if imp == "oktabot/blocks" && pkg != "oktabot/handlers" {
				t.Errorf("%s imports oktabot/blocks; only oktabot/handlers, Slack's edge, may", pkg)
			}
			rules, ok := allowed[pkg]
			if !ok {
				continue // cmd/bot and the store drivers wire things together
			}
			if !hasPrefix(imp, rules) {
				t.Errorf("%s imports %s, which DESIGN.md's package table does not allow", pkg, imp)
			}
		}
	}
}

func std(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".") && first != "oktabot"
}

func hasPrefix(imp string, prefixes []string) bool {
	for _, p := range prefixes {
		if imp == p || strings.HasPrefix(imp, p+"/") {
			return true
		}
	}
	return false
}

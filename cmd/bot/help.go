package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"
)

// buildVersion is what the binary knows of its own build, from
// debug.ReadBuildInfo: the module version (a tag, a pseudo-version made
// from the commit, or "(devel)"), the VCS revision and time, and whether
// the tree had uncommitted changes.
type buildVersion struct {
	Version, Revision, Time, Go string
	Modified                    bool
}

func readBuildVersion() buildVersion {
	v := buildVersion{Version: "(unknown)"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Go = bi.GoVersion
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// String is the version line: `oktabot v1.2.3 (revision 0123456789ab,
// 2026-12-01T10:00:00Z, modified) go1.26.0`.
func (v buildVersion) String() string {
	var parts []string
	if v.Revision != "" {
		parts = append(parts, "revision "+v.Revision)
	}
	if v.Time != "" {
		parts = append(parts, v.Time)
	}
	if v.Modified {
		parts = append(parts, "modified")
	}
	s := "oktabot " + v.Version
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	if v.Go != "" {
		s += " " + v.Go
	}
	return s
}

// envDoc documents one environment variable for -help; TestHelpListsEveryVariable
// keeps it in step with rawConfig and the README.
type envDoc struct {
	name, def, meaning string
}

var envDocs = []envDoc{
	{"SLACK_APP_TOKEN", "required", "the app-level token (xapp-…) for Socket Mode, with the connections:write scope"},
	{"SLACK_BOT_TOKEN", "required", "the bot token (xoxb-…)"},
	{"SLACK_API_URL", "https://slack.com/api/", "Slack's Web API base URL"},
	{"OKTA_CLIENT_ORGURL", "required", "your Okta org, e.g. https://acme.okta.com (http:// only for loopback hosts)"},
	{"OKTA_CLIENT_TOKEN", "required with SSWS", "an Okta API token"},
	{"OKTA_CLIENT_AUTHORIZATIONMODE", "SSWS", "SSWS (the API token) or PrivateKey (an OAuth 2.0 service app with a private key JWT)"},
	{"OKTA_CLIENT_CLIENTID", "required with PrivateKey", "the service app's client id (0oa…)"},
	{"OKTA_CLIENT_SCOPES", "required with PrivateKey", "the Okta API scopes to ask for, separated by commas or spaces"},
	{"OKTA_CLIENT_PRIVATEKEY", "required with PrivateKey", "the service app's RSA private key in PEM, or the path of a PEM file"},
	{"OKTA_CLIENT_PRIVATEKEYID", "none", "the key's id (kid) in Okta"},
	{"OKTABOT_POLICY_FILE", "policy.yml", "the allow-list and approval policy (YAML)"},
	{"OKTABOT_DATABASE_URL", "oktabot.db", "a file path (embedded SQLite) or a postgres:// URL (several replicas)"},
	{"OKTABOT_HTTP_ADDR", ":8080", "the health endpoints /healthz and /readyz, and Prometheus metrics at /metrics; empty turns them off"},
	{"OKTABOT_SLACK_UNREACHABLE_LIMIT", "5m", "how long without a Slack connection before /healthz fails"},
	{"OKTABOT_PER_USER_LIMIT", "30", "commands a minute one person may send; 0 turns the limit off"},
	{"OKTABOT_AUDIT_RETENTION", "keep forever", "how long audit records are kept, in days (400d) or hours (9600h), at least 1d; older ones are deleted once a day"},
	{"OKTABOT_OKTA_CONCURRENCY", "75", "the most calls at Okta at once, and requests run at once: at most the org's concurrent-request limit (75 Workforce and Customer Identity, 35 Integrator Free)"},
	{"OKTABOT_QUEUE_LENGTH", "1000", "requests that may wait for their turn before more are told oktabot is busy"},
	{"LOG_LEVEL", "info", "debug, info, warn or error"},
}

// printHelp writes -help: what oktabot is, how to run it, and every
// variable it reads with its default.
func printHelp(w io.Writer, v buildVersion) {
	fmt.Fprintf(w, `%s

oktabot lets allowed people run Okta administration from Slack, safely: it
connects to Slack over Socket Mode and answers the /okta command. Every
caller is checked against the policy (deny by default), risky actions wait
for a second person's approval, and every request is audited. No token or
secret is ever logged, stored or posted.

Usage:
  oktabot              run the bot, configured by the environment below
  oktabot healthcheck  ask the bot running with this environment for /healthz (at
                       OKTABOT_HTTP_ADDR): exit 0 if healthy, 1 if not; for a
                       container HEALTHCHECK
  oktabot sandbox [--policy FILE] [--addr 127.0.0.1:8080] [--data DIR]
                       try it on this machine, in a browser, against stand-ins
                       for Slack and Okta (no tokens needed)
  oktabot policy check [-strict] [FILE]
                       validate the policy (FILE, else OKTABOT_POLICY_FILE):
                       FILE:LINE: PROBLEM for each problem, exit 1 if any
  oktabot policy explain [FILE] -user U… [-groups S…,S…]
  oktabot policy explain [FILE] -action ACTION
                       what a person may run and approve; who may run and
                       approve an action
  oktabot audit export [-since DURATION] [-format jsonl|csv]
                       write the audit records (of the last DURATION: 30d, 12h)
                       oldest first to stdout, for a SIEM; reads only
                       OKTABOT_DATABASE_URL
  oktabot bench [-bot PATH]... [-short]
                       measure bots (default this one) against stand-ins for
                       Slack and Okta; prints the README's performance table
  oktabot -version     print the version and exit
  oktabot -help        print this help and exit

Environment (default in brackets):
`, v)
	for _, d := range envDocs {
		name := d.name
		if slices.Contains(secretFileVars, name) {
			name += " or " + name + "_FILE"
		}
		fmt.Fprintf(w, "  %s [%s]\n      %s\n", name, d.def, d.meaning)
	}
	fmt.Fprint(w, `
NAME_FILE: the value of NAME is read from that file (a Docker or Kubernetes
secret mounted as a file), its final line break dropped; setting both NAME
and NAME_FILE is an error.
`)
	fmt.Fprint(w, `
A missing or malformed value stops the bot at start with one line naming the
variable; values of secrets are never printed. See README.md for details.
`)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/slack-go/slack"
)

// slackProblem is a failed call to Slack told truthfully: Slack refused
// the call (a permanent problem: waiting will not fix a wrong or revoked
// token, nor a missing scope) or Slack could not be reached or was
// overloaded (transient: worth retrying).
type slackProblem struct {
	permanent bool
	msg       string
}

func (p *slackProblem) Error() string { return p.msg }

// Slack's error codes that are worth retrying: everything else Slack
// answers with ok:false is a refusal.
var slackTransient = map[string]bool{
	"ratelimited":         true,
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
	"team_added_to_org":   true, // a workspace migration in progress
}

// slackTokenHint says what to do about a refused token.
var slackTokenHint = map[string]string{
	"SLACK_APP_TOKEN": "an app-level token (xapp-…) with the connections:write scope, from the app's Basic Information page",
	"SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-…) from the app's Install App page",
}

// classifySlack explains err from calling method on Slack at apiURL with
// the token in variable tokenVar. Its message never holds a token.
func classifySlack(err error, apiURL, method, tokenVar string) *slackProblem {
	var p *slackProblem
	if errors.As(err, &p) {
		return p
	}
	var se slack.SlackErrorResponse
	var sc slack.StatusCodeError
	var rl *slack.RateLimitedError
	switch {
	case errors.As(err, &rl):
		return &slackProblem{msg: fmt.Sprintf("Slack rate-limited %s (retry after %v)", method, rl.RetryAfter)}
	case errors.As(err, &se) && slackTransient[se.Err]:
		return &slackProblem{msg: fmt.Sprintf("Slack could not serve %s for now (%s)", method, se.Err)}
	case errors.As(err, &se):
		msg := fmt.Sprintf("Slack refused %s (%s) when the bot called %s", tokenVar, se.Err, method)
		switch {
		case se.Err == "missing_scope" && method == "apps.connections.open":
			msg += ": the app-level token lacks the connections:write scope; generate one with it on the app's Basic Information page"
		case se.Err == "missing_scope":
			msg += ": the bot token lacks a scope; reinstall the app from manifest.yml"
		default:
			msg += "; set it to " + slackTokenHint[tokenVar]
		}
		return &slackProblem{permanent: true, msg: msg}
	case errors.As(err, &sc) && (sc.Code >= 500 || sc.Code == http.StatusTooManyRequests):
		return &slackProblem{msg: fmt.Sprintf("Slack at %s answered %s with HTTP %d", apiURL, method, sc.Code)}
	case errors.As(err, &sc):
		return &slackProblem{permanent: true, msg: fmt.Sprintf(
			"Slack at %s answered %s with HTTP %d: check SLACK_API_URL (normally https://slack.com/api/)", apiURL, method, sc.Code)}
	}
	return &slackProblem{msg: fmt.Sprintf("could not reach Slack at %s (%s)", apiURL, netCause(err))}
}

// netCause names a network failure without the URL (which the message
// gives already) and without a query string.
func netCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "timed out"
	case errors.As(err, &dns):
		return "DNS: " + dns.Err + " for " + dns.Name
	case errors.As(err, &op) && op.Err != nil:
		return op.Op + ": " + innermost(op.Err).Error()
	}
	s := err.Error()
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i] // never a ticket or a token from a URL
	}
	return s
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

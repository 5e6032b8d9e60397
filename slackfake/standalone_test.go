package slackfake

import (
	"strings"
	"testing"
	"time"
)

// A server made by Start keeps what New would fail a test on.
func TestStartKeepsProblemsWithoutATest(t *testing.T) {
	s := Start(WithDeliveryTimeout(10 * time.Millisecond))
	defer s.Close()
	s.AddUser(User{ID: "U1", Name: "one"})
	s.AddChannel("C1", "general", "U1")
	s.SlashCommand("U1", "C1", "/okta", "ping") // no bot connected: not delivered
	s.SlashCommand("U2", "C1", "/okta", "ping") // an unknown user
	got := strings.Join(s.Problems(), "\n")
	if !strings.Contains(got, `unknown user "U2"`) {
		t.Errorf("Problems() = %q, want the unknown user", got)
	}
}

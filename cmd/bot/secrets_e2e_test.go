package main

// A password typed where it must not be, in every spelling a person may
// type it, never leaves the caller's own screen: not to the logs, the
// database (with its -wal and -shm files), any Slack call (messages,
// views, uploads, replies) or any Okta request.

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// typedPassword is the value every spelling below carries.
const typedPassword = "S3cret-111-Zq"

// passwordSpellings are ways to type a password on a command line: "--"
// and the dashes Slack's clients and phones make of it, quoted, other flag
// names, any casing, as a flag's value and among comma-separated targets.
var passwordSpellings = []string{
	"--password=" + typedPassword,
	"--password " + typedPassword,
	"--PASSWORD=" + typedPassword,
	"—password=" + typedPassword,  // em dash
	"–password=" + typedPassword,  // en dash
	"––password=" + typedPassword, // two en dashes
	"——password " + typedPassword, // two em dashes
	"−−password=" + typedPassword, // minus signs
	"‒password=" + typedPassword,  // figure dash
	"―password=" + typedPassword,  // horizontal bar
	"-password=" + typedPassword,
	`"--password=` + typedPassword + `"`,
	`“—password=` + typedPassword + `”`,
	"--pass=" + typedPassword,
	"--Pass " + typedPassword,
	"--new-password=" + typedPassword,
	"—new-password " + typedPassword,
	"--newPassword=" + typedPassword,
	"--pwd=" + typedPassword,
	"--reason=--password=" + typedPassword,
	"bob,--password=" + typedPassword,
}

// assertTypedPasswordNowhere fails if typedPassword reached the logs, the
// database files, any call the bot made to Slack (response_url replies
// included) or any request Okta received.
func assertTypedPasswordNowhere(t *testing.T, a *ah) {
	t.Helper()
	places := map[string]string{"the logs": a.logs()}
	var files bytes.Buffer
	db := a.env["OKTABOT_DATABASE_URL"]
	for _, f := range []string{db, db + "-wal", db + "-shm"} {
		b, _ := os.ReadFile(f)
		files.Write(b)
	}
	places["the database files"] = files.String()
	for _, c := range a.slack.Calls() {
		b, _ := json.Marshal(c.Params)
		places["Slack "+c.Method] += string(b)
	}
	for _, v := range a.slack.Views() {
		places["a Slack view"] += string(v.Blocks) + v.PrivateMetadata
	}
	for _, f := range a.slack.Files() {
		places["a Slack file"] += string(f.Content) + f.Name
	}
	for _, c := range a.okta.Calls() {
		places["an Okta request"] += c.Method + " " + c.Path + "?" + c.Query.Encode() + " " + string(c.Body)
	}
	for where, text := range places {
		if strings.Contains(text, typedPassword) {
			t.Errorf("the password typed on a command line reached %s", where)
		}
	}
}

func TestPasswordOnTheCommandLineIsRefusedInEverySpelling(t *testing.T) {
	a := newApprovals(t, "1h")
	a.env["OKTABOT_PER_USER_LIMIT"] = "0" // hundreds of commands a minute
	a.start("bot")
	erin, _ := a.okta.User("erin@corp.com")
	before := a.okta.CallCount()
	for _, spelling := range passwordSpellings {
		for _, tc := range []struct{ who, text string }{
			{uDesk, "set-password erin " + spelling},                        // needs approval
			{uDesk, "set-password " + spelling},                             // would open the form
			{uSec1, "set-password erin@corp.com " + spelling + " --public"}, // security
			{uSec1, "get-user erin " + spelling},                            // runs at once
			{uAlice, "disable-user erin " + spelling + ` --reason "INC-1"`},
			{uMallory, "disable-user erin " + spelling}, // outside the policy
			{uSec1, "help " + spelling},
			{uSec1, spelling},
		} {
			got := a.reply(tc.who, tc.text)
			mustContain(t, got, "A password is accepted only in")
			if strings.Contains(got, typedPassword) {
				t.Errorf("/okta %s: the reply repeats the password: %s", tc.text, got)
			}
		}
	}
	if n := a.okta.CallCount(); n != before {
		t.Errorf("Okta received %d requests for refused commands: %+v", n-before, a.okta.Calls()[before:])
	}
	if msgs := a.approvalMessages(); len(msgs) != 0 {
		t.Errorf("a refused command was sent for approval: %q", msgs[0].AllText())
	}
	if v := a.slack.Views(); len(v) != 0 {
		t.Errorf("a refused command opened a form: %+v", v[0])
	}
	if u, _ := a.okta.User(erin.ID); u.Status != "ACTIVE" {
		t.Errorf("erin is %s", u.Status)
	}
	a.stopBot(a.bots[0])
	assertTypedPasswordNowhere(t, a)
	// Nothing of a refused command is kept, only that it was refused.
	for _, r := range a.audit() {
		if r.Event != "request.refused" {
			t.Errorf("audit record %+v for a command that did not parse", r)
		}
	}
}

// A password typed into a form's text field (reason, name, description)
// as a flag is refused on that field, in the form, and goes nowhere.
func TestPasswordFlagTypedIntoAFormIsRefused(t *testing.T) {
	a := newApprovals(t, "1h")
	a.env["OKTABOT_PER_USER_LIMIT"] = "0" // hundreds of forms a minute
	a.start("bot")
	erin, _ := a.okta.User("erin@corp.com")
	before := a.okta.CallCount()
	for _, spelling := range passwordSpellings {
		for _, tc := range []struct {
			who, text, block string
			values           map[string]map[string]any
		}{
			// set-password under approval: the password field comes later;
			// a password typed as the reason is refused.
			{uDesk, "set-password erin", "reason", map[string]map[string]any{"reason": {"reason": spelling}}},
			{uSec1, "add-group", "targets", map[string]map[string]any{"targets": {"targets": spelling}}},
			{uSec1, "add-group", "p_description", map[string]map[string]any{"targets": {"targets": "Ops"}, "p_description": {"p_description": spelling}}},
			{uAlice, "disable-user erin", "reason", map[string]map[string]any{"targets": {"targets": []string{erin.ID}}, "reason": {"reason": "INC-1 " + spelling}}},
		} {
			views := len(a.slack.Views())
			cmd := a.slack.SlashCommand(tc.who, chGen, "/okta", tc.text)
			if _, err := cmd.WaitAck(time.Second); err != nil {
				t.Fatal(err)
			}
			form := a.openedView(tc.who, "okta_action", views)
			sub, err := a.slack.SubmitView(tc.who, form, tc.values)
			if err != nil {
				t.Fatalf("%s: %v", tc.text, err)
			}
			ack, err := sub.WaitAck(time.Second)
			if err != nil {
				t.Fatal(err)
			}
			var resp struct {
				Action string            `json:"response_action"`
				Errors map[string]string `json:"errors"`
			}
			json.Unmarshal(ack.Payload, &resp)
			if resp.Action != "errors" || !strings.Contains(resp.Errors[tc.block], "A password is accepted only in") {
				t.Errorf("%s with %q in %s: ack = %s, want an error on %s", tc.text, spelling, tc.block, ack.Payload, tc.block)
			}
			if strings.Contains(string(ack.Payload), typedPassword) {
				t.Errorf("the form's error repeats the password: %s", ack.Payload)
			}
		}
	}
	if w := oktaWrites(a.okta.Calls()[before:]); len(w) != 0 {
		t.Errorf("Okta received writes: %+v", w)
	}
	if msgs := a.approvalMessages(); len(msgs) != 0 {
		t.Errorf("a refused form was sent for approval: %q", msgs[0].AllText())
	}
	a.stopBot(a.bots[0])
	// The fake records the submitted view state; the bot never repeated it.
	for _, c := range a.slack.Calls() {
		b, _ := json.Marshal(c.Params)
		if strings.Contains(string(b), typedPassword) {
			t.Errorf("the password typed into a form reached Slack %s", c.Method)
		}
	}
	for _, c := range a.okta.Calls() {
		if strings.Contains(c.Path+c.Query.Encode()+string(c.Body), typedPassword) {
			t.Errorf("the password typed into a form reached Okta: %s %s", c.Method, c.Path)
		}
	}
	if strings.Contains(a.logs(), typedPassword) {
		t.Error("the password typed into a form is in the logs")
	}
}

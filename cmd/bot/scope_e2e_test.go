package main

// "Also run on scope": the people a Slack message names (a SIEM alert, a
// page) become a request's targets, through the message shortcut or
// /okta ACTION --scope LINK, and run exactly as a command would.

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"oktabot/okta/oktatest"
	"oktabot/slackfake"
)

const chSIEM = "C0SIEMALRT"

// siemAlert is a SIEM's message naming two people by email (one in
// Slack's mailto form), one by mention and one by Okta id, in blocks and
// attachments, beside a vendor address that is nobody in Okta.
func siemAlert(a *ah, carolSlack, frankID string) slackfake.Message {
	blocksJSON := fmt.Sprintf(`[
	 {"type":"section","text":{"type":"mrkdwn","text":"*Impossible travel* for <mailto:dave@corp.com|dave@corp.com>"},
	  "fields":[{"type":"mrkdwn","text":"*Also seen:* Erin@corp.com"},{"type":"mrkdwn","text":"*Source:* 203.0.113.9"}]},
	 {"type":"context","elements":[{"type":"mrkdwn","text":"escalated by <@%s>"}]}]`, carolSlack)
	attach := fmt.Sprintf(`[{"text":"Rule 4711, see https://siem.example/alerts/9, sent by noreply@siem.example","fields":[{"title":"Okta user","value":"%s","short":true},{"title":"Reporter","value":"dave@corp.com","short":true}]}]`, frankID)
	a.slack.AddChannel(chSIEM, "siem-alerts", uAlice, uSec1, uSec2)
	return a.slack.PostAs("U0SIEMBOT", chSIEM, slackfake.Post{Text: "SIEM alert", BotID: "B0SIEM", Blocks: json.RawMessage(blocksJSON), Attachments: json.RawMessage(attach)})
}

// initialOptions are the people a scope form lists.
func initialOptions(v slackfake.View) map[string]string {
	var blocks []struct {
		BlockID string `json:"block_id"`
		Element struct {
			Initial []struct {
				Value string
				Text  struct{ Text string }
			} `json:"initial_options"`
		}
	}
	json.Unmarshal(v.Blocks, &blocks)
	out := map[string]string{}
	for _, b := range blocks {
		if b.BlockID == "targets" {
			for _, o := range b.Element.Initial {
				out[o.Value] = o.Text.Text
			}
		}
	}
	return out
}

// scopeForm runs the message shortcut on msg and waits for its form to
// list the people found.
func (a *ah) scopeForm(user string, msg slackfake.Message) slackfake.View {
	a.t.Helper()
	i, err := a.slack.MessageShortcut(user, msg, "okta_message_people")
	if err != nil {
		a.t.Fatal(err)
	}
	if _, err := i.WaitAck(3 * time.Second); err != nil {
		a.t.Fatal(err)
	}
	v := a.openedView(user, "okta_scope", 0)
	var cur slackfake.View
	waitFor(a.t, 10*time.Second, "the people to be looked up", func() bool {
		cur, _ = a.slack.CurrentView(v.ID)
		return !strings.Contains(cur.AllText(), "Looking them up")
	})
	return cur
}

func TestMessageShortcutActsOnThePeopleOfASIEMAlert(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	dave, _ := a.okta.User("dave@corp.com")
	erin, _ := a.okta.User("erin@corp.com")
	frank, _ := a.okta.User("frank@corp.com")
	carol, _ := a.okta.User("carol.danvers@corp.com")
	msg := siemAlert(a, uCarol, frank.ID)

	form := a.scopeForm(uAlice, msg)
	got := initialOptions(form)
	want := map[string]string{dave.ID: "Dave Example <dave@corp.com>", erin.ID: "Erin Example <erin@corp.com>", frank.ID: "Frank Example <frank@corp.com>", carol.ID: "Carol Danvers <carol.danvers@corp.com>"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("form lists %v, want %v\n%s", got, want, form.AllText())
	}
	mustContain(t, form.AllText(), "People named in", "5 people", "noreply@siem.example")

	// Picking disable-user opens its form with them; submitting it sends
	// it for approval, as the command would, with the message as context.
	sub, err := a.slack.SubmitView(uAlice, form, map[string]map[string]any{"pick": {"pick": "disable-user"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	action, ok := a.slack.CurrentView(form.ID)
	if !ok || action.CallbackID != "okta_action" {
		t.Fatalf("after picking: %+v", action)
	}
	mustContain(t, action.AllText(), "Dave Example <dave@corp.com>")
	run, err := a.slack.SubmitView(uAlice, action, map[string]map[string]any{"reason": {"reason": "INC-77 impossible travel"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	ap, err := a.slack.WaitMessage(10*time.Second, func(m slackfake.Message) bool {
		return m.Via == "chat.postMessage" && m.Channel == chApprovals
	})
	if err != nil {
		t.Fatalf("no approval message: %v\n%s", err, a.logs())
	}
	mustContain(t, ap.AllText(), "disable-user", "Dave Example", "Erin Example", "Frank Example", "Carol Danvers")
	link, err := a.slack.Permalink(chSIEM, msg.TS)
	if err != nil {
		t.Fatal(err)
	}
	var requested bool
	for _, r := range a.audit() {
		if r.Event == "approval.requested" {
			requested = true
			if r.Params["context"] != link || len(r.Targets) != 4 {
				t.Errorf("approval.requested record: %+v, want context %s and 4 targets", r, link)
			}
		}
	}
	if !requested {
		t.Fatalf("no approval.requested record:\n%s", a.logs())
	}
	// Approved, it runs on exactly those four, and its outcome keeps the
	// context too.
	a.click(uSec1, a.now(ap), "Approve")
	waitFor(t, 10*time.Second, "the four to be suspended", func() bool {
		return a.userStatus("dave@corp.com") == "SUSPENDED" && a.userStatus("erin@corp.com") == "SUSPENDED" &&
			a.userStatus("frank@corp.com") == "SUSPENDED" && a.userStatus("carol.danvers@corp.com") == "SUSPENDED"
	})

	// oktabot's own messages (this approval message names them all) are
	// not a source of people.
	own, err := a.slack.MessageShortcut(uSec1, a.now(ap), "okta_message_people")
	if err != nil {
		t.Fatal(err)
	}
	replies, err := own.WaitReplies(1, 5*time.Second)
	if err != nil {
		t.Fatalf("no answer to a shortcut on oktabot's own message: %v", err)
	}
	mustContain(t, replies[0].AllText(), "one of oktabot's own messages")
}

// A message naming 250 people gives 200 of them, and the caller is told.
func TestScopeTakesAtMost200People(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	var lines []string
	for i := range 250 {
		lines = append(lines, fmt.Sprintf("p%03d@corp.com", i))
	}
	for i := range 5 {
		a.okta.AddUser(oktatest.User{Login: fmt.Sprintf("p%03d@corp.com", i), Email: fmt.Sprintf("p%03d@corp.com", i), FirstName: "P", LastName: fmt.Sprint(i)})
	}
	a.slack.AddChannel(chSIEM, "siem-alerts", uAlice)
	msg := a.slack.PostAs(uAlice, chSIEM, slackfake.Post{Text: strings.Join(lines, " ")})
	form := a.scopeForm(uAlice, msg)
	mustContain(t, form.AllText(), "250 people", "Only the first 200 are taken", "Left out (195)")
	if n := len(initialOptions(form)); n != 5 {
		t.Errorf("form lists %d people, want the 5 in Okta", n)
	}
}

// An Okta admin named in a message is refused for a role without
// admin_targets, as in a command.
func TestScopeRefusesOktaAdminsWithoutAdminTargets(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	root := a.okta.AddUser(oktatest.User{Login: "root@corp.com", Email: "root@corp.com", FirstName: "Root", LastName: "Admin"})
	a.okta.AddRole(root.ID, oktatest.Role{Type: "SUPER_ADMIN"})
	a.slack.AddChannel(chSIEM, "siem-alerts", uAlice)
	msg := a.slack.PostAs(uAlice, chSIEM, slackfake.Post{Text: "suspicious: root@corp.com"})
	link, err := a.slack.Permalink(chSIEM, msg.TS)
	if err != nil {
		t.Fatal(err)
	}
	got := a.reply(uAlice, "disable-user --scope "+link+" --reason INC-9")
	mustContain(t, got, "root@corp.com holds Okta admin roles (SUPER_ADMIN)", "admin_targets")
	if a.userStatus("root@corp.com") != "ACTIVE" {
		t.Error("an Okta admin was suspended")
	}
}

// --scope with a link to a channel oktabot is not in says so, and reads
// nothing; a link to a message oktabot can read adds its people.
func TestScopeFromACommand(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	a.slack.AddChannel(chSIEM, "siem-alerts", uAlice)
	a.slack.SetBotMember(chSIEM, false)
	msg := a.slack.PostAs(uAlice, chSIEM, slackfake.Post{Text: "erin@corp.com"})
	link := "https://fake.slack.com/archives/" + chSIEM + "/p" + strings.ReplaceAll(msg.TS, ".", "")
	got := a.reply(uAlice, "get-user --scope "+link)
	mustContain(t, got, "cannot read the messages of", "member of", "/invite @oktabot", "Nothing was run")

	a.slack.SetBotMember(chSIEM, true)
	got = a.reply(uAlice, "get-user --scope "+link)
	mustContain(t, got, "erin@corp.com")
	var found bool
	for _, r := range a.audit() {
		if r.Event == "request.allowed" && r.Action == "get-user" && r.Params["context"] == link {
			found = true
		}
	}
	if !found {
		t.Errorf("no request.allowed record with the context %s", link)
	}
}

// A link to a direct message (the app's own, whose history the app may
// not read: Slack answers missing_scope) is refused as any direct message
// is, saying why, not as if Slack had failed.
func TestScopeFromADirectMessageSaysWhy(t *testing.T) {
	a := newApprovals(t, "1h")
	a.start("bot")
	dm := a.slack.AppDM(uAlice)
	link := "https://fake.slack.com/archives/" + dm + "/p1700000000000100"
	got := a.reply(uAlice, "get-user --scope "+link)
	mustContain(t, got, "cannot read the messages of", "never direct messages between people", "Nothing was run")
	if strings.Contains(got, "did not answer") {
		t.Errorf("a refusal for a scope oktabot lacks is told as Slack not answering: %s", got)
	}
}

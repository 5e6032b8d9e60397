package blocks

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"oktabot/actions"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares a reply, as the JSON Slack receives, with
// testdata/<name>.golden.
func golden(t *testing.T, name string, r Reply) {
	t.Helper()
	goldenJSON(t, name, struct {
		Text   string `json:"text"`
		Public bool   `json:"public,omitempty"`
		Blocks any    `json:"blocks"`
	}{r.Text, r.Public, r.Blocks})
	if n := len(r.Blocks); n > MaxMessageBlocks {
		t.Errorf("%s has %d blocks, more than Slack's %d", name, n, MaxMessageBlocks)
	}
}

// goldenJSON compares v, as indented JSON, with testdata/NAME.golden (a
// form: the whole view).
func goldenJSON(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./blocks -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); run go test ./blocks -update if the change is intended:\n%s", path, diff)
	}
}

var t0 = time.Date(2022, 7, 11, 6, 7, 55, 0, time.UTC)

func alice() actions.User {
	return actions.User{
		ID: "00u1abcdefghijklmn0", Status: actions.StatusActive, Login: "alice@corp.com", Email: "alice@corp.com",
		FirstName: "Alice", LastName: "Liddell",
		Created: t0, Activated: t0.Add(time.Hour), StatusChanged: t0.Add(time.Hour),
		LastLogin: t0.Add(48 * time.Hour), PasswordChanged: t0.Add(2 * time.Hour),
	}
}

func TestRenderWhoami(t *testing.T) {
	golden(t, "ping", Whoami(actions.Whoami{User: alice(), RTT: 123 * time.Millisecond}, "https://acme.okta.com"))
	golden(t, "ping-oauth", Whoami(actions.Whoami{App: &actions.ServiceApp{
		ClientID: "0oa1serviceapp0000x7", Scopes: []string{"okta.users.read", "okta.users.manage"}, Org: "Acme <Corp>",
	}, RTT: 45 * time.Millisecond}, "https://acme.okta.com"))
	golden(t, "ping-oauth-no-org", Whoami(actions.Whoami{App: &actions.ServiceApp{
		ClientID: "0oa1serviceapp0000x7", Scopes: []string{"okta.users.read"}, OrgNote: "not readable without the okta.orgs.read scope",
	}, RTT: 45 * time.Millisecond}, "https://acme.okta.com"))
}

func TestRenderUserOutcomes(t *testing.T) {
	a := alice()
	mallory := actions.User{ID: "00u9zzzzzzzzzzzzzz9", Status: actions.StatusSuspended, Login: "mallory@corp.com",
		FirstName: "<!channel>", LastName: "*bold* & `tick`", Created: t0}
	golden(t, "get-user-one", UserCards([]actions.Outcome{{Target: "alice", User: &a, Factors: []actions.Factor{
		{Type: "push", Provider: "OKTA", Status: "ACTIVE"}, {Type: "token:software:totp", Provider: "GOOGLE", Status: "PENDING_ACTIVATION"}}}}))
	locked := a
	locked.Status = actions.StatusLockedOut
	golden(t, "get-user-mixed", UserCards([]actions.Outcome{
		{Target: "alice@corp.com", User: &locked, Factors: []actions.Factor{}},
		{Target: "bob", Err: actions.Errorf(actions.KindNotFound, `no Okta user matches "bob"`)},
		{Target: "@mallory", User: &mallory},
		{Target: "alice", User: &a, FactorsUnread: &actions.Error{Kind: actions.KindUnavailable, Err: actions.ErrLeftWaiting}},
		{Target: "al", Err: actions.Errorf(actions.KindAmbiguous, `"al" matches several users: alice@corp.com, alan@corp.com`)},
		{Target: "carol", Err: &actions.Error{Kind: actions.KindUnavailable, Code: "E0000009", RequestID: "req-1"}},
	}))
}

// A name from Okta can never ping a channel or break out of its text.
func TestRenderEscapesOktaText(t *testing.T) {
	u := actions.User{ID: "00u1", Login: "x@corp.com", FirstName: "<!channel>", LastName: "<@U123>"}
	r := UserCards([]actions.Outcome{{Target: "x@corp.com", User: &u}})
	b, _ := json.Marshal(r.Blocks)
	if strings.Contains(string(b), "<!channel>") || strings.Contains(string(b), "<@U123>") {
		t.Errorf("unescaped Slack control sequence in %s", b)
	}
}

func TestRenderManyUsersStaysWithinLimits(t *testing.T) {
	var outs []actions.Outcome
	for range 200 {
		u := alice()
		u.FirstName = strings.Repeat("A", 5000)
		outs = append(outs, actions.Outcome{Target: "alice", User: &u})
	}
	r := UserCards(outs)
	if len(r.Blocks) > MaxMessageBlocks {
		t.Fatalf("%d blocks, want at most %d", len(r.Blocks), MaxMessageBlocks)
	}
	b, _ := json.Marshal(r.Blocks)
	if !strings.Contains(string(b), "Showing 24 of 200") {
		t.Errorf("no 'showing N of M' note")
	}
	for _, blk := range r.Blocks {
		bb, _ := json.Marshal(blk)
		var s struct {
			Text   *struct{ Text string }  `json:"text"`
			Fields []struct{ Text string } `json:"fields"`
		}
		json.Unmarshal(bb, &s)
		if s.Text != nil && len([]rune(s.Text.Text)) > MaxSectionText {
			t.Errorf("section text of %d characters", len([]rune(s.Text.Text)))
		}
		for _, f := range s.Fields {
			if len([]rune(f.Text)) > maxFieldText {
				t.Errorf("field of %d characters", len([]rune(f.Text)))
			}
		}
	}
}

func TestRenderHelp(t *testing.T) {
	reg := actions.Default()
	golden(t, "help-oncall", Help("/okta", reg, []string{"ping", "get-user", "list-users", "disable-user"}, nil))
	golden(t, "help-nothing", Help("/okta", reg, nil, nil))
	golden(t, "help-get-user", Help("/okta", reg, []string{"get-user"}, reg.Lookup("get-user")))
	golden(t, "help-assign-role", Help("/okta", reg, []string{"get-user"}, reg.Lookup("assign-role")))
}

func TestProblemText(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{actions.Errorf(actions.KindNotFound, `no Okta user matches "bob"`), `:grey_question: no Okta user matches "bob"`},
		{&actions.Error{Kind: actions.KindInvalid, Message: "Api validation failed: password", Causes: []string{"Password requirements were not met."}, Code: "E0000001"},
			":warning: Api validation failed: password\n• Password requirements were not met.\n_Okta E0000001_"},
		{&actions.Error{Kind: actions.KindUnavailable, Err: os.ErrDeadlineExceeded}, ":electric_plug: Okta could not be reached in time; try again shortly"},
		{os.ErrPermission, ":warning: Something went wrong on our side."},
	}
	for _, tt := range tests {
		if got := Problem(tt.err); !strings.HasPrefix(got, tt.want) {
			t.Errorf("Problem(%v) = %q, want prefix %q", tt.err, got, tt.want)
		}
	}
	// The underlying error's text never reaches the user.
	err := &actions.Error{Kind: actions.KindInternal, Err: os.ErrNotExist}
	if got := Problem(err); strings.Contains(got, os.ErrNotExist.Error()) {
		t.Errorf("problemText leaks the wrapped error: %q", got)
	}
}

func TestUsage(t *testing.T) {
	reg := actions.Default()
	tests := map[string]string{
		"ping":         "/okta ping",
		"get-user":     "/okta get-user USER…",
		"assign-role":  "/okta assign-role USER… --role ROLE [--for DURATION] [--extend]",
		"revoke":       "/okta revoke GRANT",
		"grants":       "/okta grants [--user USER] [--all]",
		"list-users":   "/okta list-users [--query QUERY] [--filter FILTER] [--search SEARCH] [--limit N]",
		"set-password": "/okta set-password USER… [--add-random-chars]",
		"add-group":    "/okta add-group NAME [--description DESCRIPTION]",
	}
	for name, want := range tests {
		if got := Usage("/okta", reg.Lookup(name)); got != want {
			t.Errorf("Usage(%s) = %q, want %q", name, got, want)
		}
	}
}

// Esc runs for every name and line oktabot shows; it must not build its
// replacer anew each time (that was 3.7% of the CPU of a burst).
func TestEscAllocatesOnlyItsResult(t *testing.T) {
	if got := Esc("<!channel> & <@U1>"); got != "&lt;!channel&gt; &amp; &lt;@U1&gt;" {
		t.Errorf("Esc = %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = Esc("Alice <alice@corp.com> & co") }); n > 2 {
		t.Errorf("Esc makes %v allocations a call, want at most 2 (its result and a buffer)", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = Esc("no escaping needed") }); n > 0 {
		t.Errorf("Esc of text with nothing to escape makes %v allocations", n)
	}
}

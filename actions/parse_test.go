package actions

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	reg := Default()
	tests := []struct {
		text    string
		action  string
		targets []string
		values  map[string]string
		reason  string
		public  bool
		missing []string
	}{
		{text: "ping", action: "ping", values: map[string]string{}},
		{text: "get-user alice", action: "get-user", targets: []string{"alice"}, values: map[string]string{}},
		{text: "GET-USER alice,bob  carol@corp.com", action: "get-user", targets: []string{"alice", "bob", "carol@corp.com"}, values: map[string]string{}},
		{text: "get-user alice Alice", action: "get-user", targets: []string{"alice"}, values: map[string]string{}},
		{text: "get-user", action: "get-user", values: map[string]string{}, missing: []string{"targets"}},
		{text: "get-user <@U123|alice> --public", action: "get-user", targets: []string{"<@U123|alice>"}, values: map[string]string{}, public: true},
		// Slack's escaping is undone once, by the caller, before Parse: what
		// reaches Parse is what was typed, and it is not decoded again.
		{text: "get-user &lt;@U123&gt;", action: "get-user", targets: []string{"&lt;@U123&gt;"}, values: map[string]string{}},
		{text: `add-group "R&amp;D" --description &quot;x&quot;`, action: "add-group", targets: []string{"R&amp;D"}, values: map[string]string{"description": "&quot;x&quot;"}},
		// Dashes Slack clients and phones make of "--" start a flag too.
		{
			text:   "disable-user alice —deactivate –send-email −−reason=INC-1 ——public",
			action: "disable-user", targets: []string{"alice"}, values: map[string]string{"deactivate": "true", "send-email": "true"},
			reason: "INC-1", public: true,
		},
		{text: "list-users ‒limit 5 ―query=al", action: "list-users", values: map[string]string{"limit": "5", "query": "al"}},
		{text: "list-users -limit 7", action: "list-users", values: map[string]string{"limit": "7"}},
		{text: `get-user "—alice"`, action: "get-user", targets: []string{"—alice"}, values: map[string]string{}},
		{
			text: `list-users --search "profile.department eq \"Sales\"" --limit 5`, action: "list-users",
			values: map[string]string{"search": `profile.department eq "Sales"`, "limit": "5"},
		},
		{
			text: `list-users --filter 'status eq "ACTIVE" and profile.lastName eq "O'Brien"'`, action: "list-users",
			values: map[string]string{"filter": `status eq "ACTIVE" and profile.lastName eq "O'Brien"`},
		},
		{
			text: `list-users --search ‘profile.login sw "a"’`, action: "list-users",
			values: map[string]string{"search": `profile.login sw "a"`},
		},
		{text: `get-user o'brien d’arcy`, action: "get-user", targets: []string{"o'brien", "d’arcy"}, values: map[string]string{}},
		{
			text: `list-users --filter=status`, action: "list-users",
			values: map[string]string{"filter": "status", "limit": "200"},
		},
		{
			text: `disable-user alice --deactivate --send-email=false --reason “INC-42 laptop stolen”`, action: "disable-user",
			targets: []string{"alice"}, values: map[string]string{"deactivate": "true", "send-email": "false"}, reason: "INC-42 laptop stolen",
		},
		{
			text: `assign-role alice --role user_admin,HELP_DESK_ADMIN`, action: "assign-role",
			targets: []string{"alice"}, values: map[string]string{"role": "USER_ADMIN,HELP_DESK_ADMIN"},
		},
		{text: `assign-role alice`, action: "assign-role", targets: []string{"alice"}, values: map[string]string{}, missing: []string{"role"}},
		{
			text: `add-group "On-call rota" --description "Who is on call"`, action: "add-group",
			targets: []string{"On-call rota"}, values: map[string]string{"description": "Who is on call"},
		},
		{text: `set-password alice`, action: "set-password", targets: []string{"alice"}, values: map[string]string{"add-random-chars": "false"}, missing: []string{"password"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			p, err := reg.Parse(tt.text)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			r := p.Request
			if r.Action.Name != tt.action {
				t.Errorf("action = %q, want %q", r.Action.Name, tt.action)
			}
			if diff := cmp.Diff(tt.targets, r.Targets); diff != "" {
				t.Errorf("targets (-want +got):\n%s", diff)
			}
			for k, v := range tt.values {
				if r.Values[k] != v {
					t.Errorf("value %s = %q, want %q", k, r.Values[k], v)
				}
			}
			if r.Reason != tt.reason || r.Public != tt.public {
				t.Errorf("reason, public = %q, %v; want %q, %v", r.Reason, r.Public, tt.reason, tt.public)
			}
			if diff := cmp.Diff(tt.missing, p.Missing); diff != "" {
				t.Errorf("missing (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDefaults(t *testing.T) {
	p, err := Default().Parse("list-providers")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Request.Values["limit"]; got != "20" {
		t.Errorf("list-providers limit default = %q, want 20", got)
	}
	p, err = Default().Parse("enable-user alice")
	if err != nil {
		t.Fatal(err)
	}
	if p.Request.Bool("activate") || p.Request.Bool("send-email") {
		t.Errorf("enable-user defaults = %v, want activate and send-email false", p.Request.Values)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		text string
		want string // in the message
	}{
		{"", "no action"},
		{"get-usr alice", "did you mean `get-user`"},
		{"frobnicate", `no action "frobnicate"`},
		{"get-user alice --sned-email", "no flag --sned-email"},
		{"disable-user alice --sned-email", "did you mean `--send-email`"},
		{"ping alice", "takes no targets"},
		{`get-user "alice`, "quote is not closed"},
		{"list-users --limit 0", "at least 1"},
		{"list-users --limit many", "whole number"},
		{"list-users --limit 100000", "at most"},
		{"assign-role alice --role MOBILE_ADMIN", `"MOBILE_ADMIN" is not a valid --role`},
		{"assign-role alice --role CUSTOM", `"CUSTOM" is not a valid --role`},
		{"disable-user alice --deactivate=maybe", "is a switch"},
		{"list-users --query", "needs a value"},
		{"list-users --query a --query b", "given twice"},
		{"add-group one two", "takes one name"},
		{"get-user alice --reason", "--reason needs a value"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			_, err := Default().Parse(tt.text)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want error containing %q", tt.text, tt.want)
			}
			if KindOf(err) != KindInvalid {
				t.Errorf("kind = %v, want invalid input", KindOf(err))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// PasswordSpellings are the ways a person may type a password on a command
// line: every one must be refused. The secrets tests of cmd/bot use them
// too.
var passwordSpellings = []string{
	"--password=Hunter2-Secret!",
	"--password Hunter2-Secret!",
	"--PASSWORD=Hunter2-Secret!",
	"--Password=Hunter2-Secret!",
	"—password=Hunter2-Secret!",  // em dash
	"–password=Hunter2-Secret!",  // en dash
	"––password=Hunter2-Secret!", // two en dashes
	"——password Hunter2-Secret!", // two em dashes
	"−−password=Hunter2-Secret!", // minus signs
	"‒password=Hunter2-Secret!",  // figure dash
	"―password=Hunter2-Secret!",  // horizontal bar
	"-password=Hunter2-Secret!",
	"－－password=Hunter2-Secret!", // fullwidth
	`"--password=Hunter2-Secret!"`,
	`“—password=Hunter2-Secret!”`,
	`'--password=Hunter2-Secret!'`,
	"--pass=Hunter2-Secret!",
	"--pass Hunter2-Secret!",
	"--passwd=Hunter2-Secret!",
	"--pwd=Hunter2-Secret!",
	"--pw=Hunter2-Secret!",
	"--new-password=Hunter2-Secret!",
	"--new_password=Hunter2-Secret!",
	"--newPassword=Hunter2-Secret!",
	"—new-password=Hunter2-Secret!",
	"--NEW-PASS=Hunter2-Secret!",
	"--reason=--password=Hunter2-Secret!",
	`--reason "--password=Hunter2-Secret!"`,
	"bob,--password=Hunter2-Secret!",
}

// A password typed on the command line is refused, in any spelling, for
// any action, and never repeated back.
func TestParseRefusesPasswordWithoutEchoing(t *testing.T) {
	for _, spelling := range passwordSpellings {
		for _, action := range []string{"set-password alice", "get-user alice", "ping", "nosuch-action", ""} {
			text := strings.TrimSpace(action + " " + spelling)
			_, err := Default().Parse(text)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", text)
			}
			if KindOf(err) != KindInvalid {
				t.Errorf("Parse(%q): kind = %v, want invalid input", text, KindOf(err))
			}
			if strings.Contains(err.Error(), "Hunter2") {
				t.Errorf("Parse(%q): error repeats the password: %q", text, err)
			}
			want := "accepted only in a form"
			if strings.HasPrefix(action, "set-password") {
				want = "only in the set-password form"
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Parse(%q): error = %q, want it to contain %q", text, err, want)
			}
		}
	}
}

// Words that merely mention passwords, and flags that are not passwords,
// are not refused.
func TestParseKeepsWordsThatAreNotPasswordFlags(t *testing.T) {
	for _, text := range []string{
		`add-group "Password resets" --description "Self-service password help"`,
		`get-user passmore@corp.com`,
		`list-users --query pass`,
		`reset-password alice --send-email`,
	} {
		if _, err := Default().Parse(text); err != nil {
			t.Errorf("Parse(%q): %v", text, err)
		}
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret("https://acme.okta.com/reset/abc123")
	type holder struct {
		url Secret
		URL Secret
	}
	h := holder{url: s, URL: s}
	for _, got := range []string{
		s.String(), s.GoString(),
		sprintf("%v", s), sprintf("%+v", h), sprintf("%#v", h), sprintf("%s", s), sprintf("%q", s), sprintf("%x", s),
	} {
		if strings.Contains(got, "abc123") {
			t.Errorf("secret printed: %s", got)
		}
	}
	b, _ := s.MarshalJSON()
	if strings.Contains(string(b), "abc123") {
		t.Errorf("secret marshalled: %s", b)
	}
	if s.Reveal() != "https://acme.okta.com/reset/abc123" {
		t.Errorf("Reveal = %q", s.Reveal())
	}
}

// A form's text fields refuse a password flag as the command line does, on
// the field it was typed in.
func TestBuildRefusesPasswordFlagsInFields(t *testing.T) {
	reg := Default()
	for _, spelling := range passwordSpellings {
		for _, tc := range []struct {
			action, field string
			targets       []string
			raw           map[string]string
			reason        string
		}{
			{action: "add-group", field: "targets", targets: []string{spelling}},
			{action: "add-group", field: "description", targets: []string{"Ops"}, raw: map[string]string{"description": spelling}},
			{action: "disable-user", field: "reason", targets: []string{"00u1"}, reason: spelling},
			{action: "set-password", field: "reason", targets: []string{"00u1"}, reason: "INC-1 " + spelling},
		} {
			_, err := reg.Build(reg.Lookup(tc.action), tc.targets, tc.raw, Secret{}, tc.reason, false)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%s with %s in %s: err = %v, want refused", tc.action, spelling, tc.field, err)
			}
			if e.Field != tc.field || strings.Contains(e.Error(), "Hunter2") {
				t.Errorf("%s with %s in %s: field %q, error %q", tc.action, spelling, tc.field, e.Field, e)
			}
		}
	}
}

// --scope names a message whose people join the targets: only for actions
// on users, once, and it stands in for the targets a command needs.
func TestParseScope(t *testing.T) {
	r := Default()
	p, err := r.Parse(`disable-user --scope https://acme.slack.com/archives/C1/p1700000000000100 --reason x`)
	if err != nil {
		t.Fatal(err)
	}
	if p.Request.Context != "https://acme.slack.com/archives/C1/p1700000000000100" || len(p.Missing) != 0 {
		t.Errorf("context %q, missing %v", p.Request.Context, p.Missing)
	}
	for _, bad := range []string{"get-group --scope L", "disable-user --scope", "disable-user --scope A --scope B"} {
		if _, err := r.Parse(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

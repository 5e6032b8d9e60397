package slackfake

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

const form = "application/x-www-form-urlencoded"

// A method the bot token has the scope of works; users.info shows the
// email only with users:read.email.
func TestGrantedScopesWork(t *testing.T) {
	s := newFake(t, WithScopes("chat:write", "users:read", "users:read.email"))
	api := newAPI(s)
	if _, _, err := api.PostMessageContext(t.Context(), "C1OPS", slack.MsgOptionText("hi", false)); err != nil {
		t.Errorf("chat.postMessage with chat:write: %v", err)
	}
	u, err := api.GetUserInfoContext(t.Context(), "U1ALICE")
	if err != nil || u.Profile.Email != "alice@corp.example" {
		t.Errorf("users.info with users:read and users:read.email: %+v %v, want alice's email", u, err)
	}
	if got := s.MissingScopes(); len(got) != 0 {
		t.Errorf("MissingScopes = %q, want none", got)
	}

	s = newFake(t, WithScopes("users:read"))
	u, err = newAPI(s).GetUserInfoContext(t.Context(), "U1ALICE")
	if err != nil || u.Profile.Email != "" || u.Name != "alice" {
		t.Errorf("users.info without users:read.email: %+v %v, want alice without her email", u, err)
	}
}

// A method called without its scope answers as Slack does: HTTP 200,
// missing_scope, the scope needed and the scopes the token has. A
// conversations.* method needs the scope of the conversation's type, or
// any of the family when the app cannot see the conversation. It is an
// answer, not a violation: an install without a scope is the workspace's
// state, which the bot must cope with.
func TestMissingScopeAnswersNeededAndProvided(t *testing.T) {
	s := newFake(t, WithScopes("commands", "groups:history", "im:write"))
	s.AddPrivateChannel("G1TEAM", "team", "U1ALICE")
	dm := s.AppDM("U1ALICE")
	tok := "token=" + s.BotToken() + "&"
	for _, c := range []struct {
		method, body, needed string
	}{
		{"chat.postMessage", "channel=C1OPS&text=hi", "chat:write"},
		{"users.info", "user=U1ALICE", "users:read"},
		{"usergroups.users.list", "usergroup=S1SEC", "usergroups:read"},
		{"files.getUploadURLExternal", "filename=x.csv&length=3", "files:write"},
		{"conversations.history", "channel=C1OPS", "channels:history"},
		{"conversations.replies", "channel=" + dm + "&ts=1.000001", "im:history"},
		{"conversations.info", "channel=G1TEAM", "groups:read"},
		{"conversations.members", "channel=C404", "channels:read,groups:read,mpim:read,im:read"},
	} {
		status, body := post(t, s, c.method, form, tok+c.body, "")
		want := map[string]any{"ok": false, "error": "missing_scope", "needed": c.needed, "provided": "commands,groups:history,im:write"}
		if status != http.StatusOK || !cmp.Equal(body, want) {
			t.Errorf("%s without its scope: HTTP %d %v, want 200 %v", c.method, status, body, want)
		}
	}
	// Granted, or needing no scope: answered as usual.
	for _, c := range []struct{ method, body string }{
		{"conversations.history", "channel=G1TEAM"},
		{"conversations.open", "users=U2BOB"},
		{"auth.test", ""},
	} {
		if _, body := post(t, s, c.method, form, tok+c.body, ""); body["ok"] != true {
			t.Errorf("%s: %v, want ok", c.method, body)
		}
	}
	// slack-go sees Slack's error.
	if _, _, err := newAPI(s).PostMessageContext(t.Context(), "C1OPS", slack.MsgOptionText("hi", false)); slackErr(err) != "missing_scope" {
		t.Errorf("slack-go chat.postMessage: %v, want missing_scope", err)
	}
	// An injected missing_scope is not the token's.
	s.InjectError("auth.test", "missing_scope")
	post(t, s, "auth.test", form, tok, "")
	want := []string{
		"chat.postMessage needs chat:write", "users.info needs users:read", "usergroups.users.list needs usergroups:read",
		"files.getUploadURLExternal needs files:write", "conversations.history needs channels:history",
		"conversations.replies needs im:history", "conversations.info needs groups:read",
		"conversations.members needs channels:read,groups:read,mpim:read,im:read", "chat.postMessage needs chat:write",
	}
	if diff := cmp.Diff(want, s.MissingScopes()); diff != "" {
		t.Errorf("MissingScopes (-want +got):\n%s", diff)
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("violations = %q, want none", v)
	}
}

// By default the bot token has exactly the bot scopes of the repository's
// manifest.yml, so every test runs with the scopes a real install gets.
func TestDefaultScopesAreTheManifests(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "manifest.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		OAuthConfig struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.OAuthConfig.Scopes.Bot) == 0 {
		t.Fatal("manifest.yml has no bot scopes")
	}
	if diff := cmp.Diff(m.OAuthConfig.Scopes.Bot, New(t).Scopes()); diff != "" {
		t.Errorf("the fake's default scopes are not manifest.yml's bot scopes (-manifest +fake):\n%s", diff)
	}
	s := Start()
	defer s.Close()
	if diff := cmp.Diff(m.OAuthConfig.Scopes.Bot, s.Scopes()); diff != "" {
		t.Errorf("Start's default scopes are not manifest.yml's bot scopes (-manifest +fake):\n%s", diff)
	}
}

// Every Web API method handleAPI implements says which scopes it needs.
func TestEveryMethodHasItsScopes(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "webapi.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var implemented []string
	ast.Inspect(f, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "handleAPI" {
			return true
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			sw, ok := n.(*ast.SwitchStmt)
			if !ok {
				return true
			}
			if id, _ := sw.Tag.(*ast.Ident); id == nil || id.Name != "method" {
				return true
			}
			for _, st := range sw.Body.List {
				for _, e := range st.(*ast.CaseClause).List {
					if lit, ok := e.(*ast.BasicLit); ok {
						m, _ := strconv.Unquote(lit.Value)
						implemented = append(implemented, m)
					}
				}
			}
			return false
		})
		return false
	})
	if len(implemented) < 10 {
		t.Fatalf("found %d methods in handleAPI's switch: %q", len(implemented), implemented)
	}
	for _, m := range implemented {
		if _, ok := methodScopes[m]; !ok {
			t.Errorf("%s is implemented but methodScopes does not say which scopes it needs", m)
		}
	}
	for m := range methodScopes {
		if !slices.Contains(implemented, m) {
			t.Errorf("methodScopes names %s, which handleAPI does not implement", m)
		}
	}
}

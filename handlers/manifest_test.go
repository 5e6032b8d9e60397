package handlers

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"oktabot/actions"
	"oktabot/blocks"
)

// manifest is the part of manifest.yml the bot depends on.
type manifest struct {
	Features struct {
		Shortcuts []struct {
			Type       string `yaml:"type"`
			CallbackID string `yaml:"callback_id"`
		} `yaml:"shortcuts"`
		SlashCommands []struct {
			Command      string `yaml:"command"`
			UsageHint    string `yaml:"usage_hint"`
			ShouldEscape bool   `yaml:"should_escape"`
		} `yaml:"slash_commands"`
		AppHome struct {
			HomeTabEnabled bool `yaml:"home_tab_enabled"`
		} `yaml:"app_home"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		SocketModeEnabled bool `yaml:"socket_mode_enabled"`
		Interactivity     struct {
			IsEnabled bool `yaml:"is_enabled"`
		} `yaml:"interactivity"`
	} `yaml:"settings"`
}

func readManifest(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "manifest.yml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// slackSchema compiles Slack's own manifest schema (slackapi/manifest-schema,
// MIT, copied under testdata/slack).
func slackSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "slack", "manifest.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(lookaheadRegexp)
	if err := c.AddResource("manifest.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("manifest.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// lookaheadRegexp compiles the schema's patterns with Go's regexp, which
// lacks lookahead; the one form the schema uses, a leading negative
// lookahead "^(?!A)B", is checked as "not ^A and ^B".
func lookaheadRegexp(pattern string) (jsonschema.Regexp, error) {
	if rest, ok := strings.CutPrefix(pattern, "^(?!"); ok {
		if i := strings.Index(rest, ")"); i > 0 {
			not, err := regexp.Compile("^" + rest[:i])
			if err != nil {
				return nil, err
			}
			must, err := regexp.Compile("^" + rest[i+1:])
			if err != nil {
				return nil, err
			}
			return negLookahead{pattern, not, must}, nil
		}
	}
	return regexp.Compile(pattern)
}

type negLookahead struct {
	src       string
	not, must *regexp.Regexp
}

func (r negLookahead) MatchString(s string) bool {
	return !r.not.MatchString(s) && r.must.MatchString(s)
}
func (r negLookahead) String() string { return r.src }

func validateManifest(t *testing.T, yml []byte) error {
	t.Helper()
	js, err := yaml.YAMLToJSON(yml)
	if err != nil {
		t.Fatalf("manifest is not valid YAML: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return slackSchema(t).Validate(doc)
}

// manifest.yml must be a manifest Slack accepts.
func TestManifestMatchesSlackSchema(t *testing.T) {
	if err := validateManifest(t, readManifest(t)); err != nil {
		t.Errorf("manifest.yml does not match Slack's manifest schema:\n%v", err)
	}
}

// The schema check must be able to fail.
func TestManifestSchemaRejectsABadManifest(t *testing.T) {
	for _, bad := range []string{
		strings.Replace(string(readManifest(t)), "command: /okta", "command: okta-without-slash", 1),
		strings.Replace(string(readManifest(t)), "socket_mode_enabled: true", "socket_mode_enabled: yes please", 1),
		string(readManifest(t)) + "unknown_top_level_key: 1\n",
	} {
		if validateManifest(t, []byte(bad)) == nil {
			t.Errorf("a broken manifest passed the schema:\n%s", bad)
		}
	}
}

func TestManifestAgreesWithTheRegistry(t *testing.T) {
	var m manifest
	if err := yaml.Unmarshal(readManifest(t), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Features.SlashCommands) != 1 {
		t.Fatalf("manifest has %d slash commands, want 1", len(m.Features.SlashCommands))
	}
	cmd := m.Features.SlashCommands[0]
	if cmd.Command != "/okta" {
		t.Errorf("command = %q, want /okta", cmd.Command)
	}
	if len(m.Features.Shortcuts) != 1 || m.Features.Shortcuts[0].Type != "message" || m.Features.Shortcuts[0].CallbackID != blocks.CallbackScopeShortcut {
		t.Errorf("shortcuts = %+v, want the message shortcut %s", m.Features.Shortcuts, blocks.CallbackScopeShortcut)
	}
	if want := blocks.UsageHint(actions.Default()); cmd.UsageHint != want {
		t.Errorf("usage_hint = %q\nwant        %q (from the registry)", cmd.UsageHint, want)
	}
	if !cmd.ShouldEscape {
		t.Error("should_escape must be true: mentions must arrive as user ids, not names")
	}
	if !m.Settings.SocketModeEnabled || !m.Settings.Interactivity.IsEnabled || !m.Features.AppHome.HomeTabEnabled {
		t.Errorf("socket mode, interactivity and the home tab must be enabled: %+v", m)
	}
	for _, s := range []string{"commands", "chat:write", "users:read", "users:read.email", "usergroups:read", "im:write", "files:write"} {
		if !slices.Contains(m.OAuthConfig.Scopes.Bot, s) {
			t.Errorf("bot scope %s missing", s)
		}
	}
}

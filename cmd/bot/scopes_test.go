package main

import (
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/goccy/go-yaml"
)

// manifestBotScopes reads the bot scopes of the repository's manifest.yml
// once: the scopes the Slack fake grants the bot in these tests, so that a
// Web API call the manifest does not allow fails as it would in Slack.
var manifestBotScopes = sync.OnceValues(func() ([]string, error) {
	b, err := os.ReadFile(filepath.Join("..", "..", "manifest.yml"))
	if err != nil {
		return nil, err
	}
	var m struct {
		OAuthConfig struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m.OAuthConfig.Scopes.Bot, nil
})

func botScopes(t testing.TB) []string {
	t.Helper()
	scopes, err := manifestBotScopes()
	if err != nil {
		t.Fatalf("manifest.yml: %v", err)
	}
	if len(scopes) == 0 {
		t.Fatal("manifest.yml grants the bot no scopes")
	}
	return slices.Clone(scopes)
}

// The sandbox's Slack grants the bot what a real install of manifest.yml
// does.
func TestSandboxSlackHasTheManifestScopes(t *testing.T) {
	sb := startSandbox(t)
	if got, want := sb.Slack.Scopes(), botScopes(t); !slices.Equal(got, want) {
		t.Errorf("the sandbox's Slack grants %q, manifest.yml %q", got, want)
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caarlos0/env/v10"
)

// Every variable the bot reads is in -help with the default it really
// has, and in the README's table.
func TestHelpListsEveryVariable(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"oktabot", "-help"}, lookup(nil), &out, &out); err != nil {
		t.Fatal(err)
	}
	help := out.String()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]envDoc{}
	for _, d := range envDocs {
		docs[d.name] = d
	}
	params, err := env.GetFieldParams(&rawConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range params {
		d, ok := docs[p.Key]
		switch {
		case !ok:
			t.Errorf("%s is read but not in envDocs", p.Key)
			continue
		case p.DefaultValue != "" && d.def != p.DefaultValue:
			t.Errorf("-help gives %s the default %q, the bot uses %q", p.Key, d.def, p.DefaultValue)
		}
		listed := p.Key
		if slices.Contains(secretFileVars, p.Key) {
			listed += " or " + p.Key + "_FILE"
		}
		if !strings.Contains(help, "  "+listed+" ["+d.def+"]") {
			t.Errorf("-help does not list %s [%s]", listed, d.def)
		}
		if !bytes.Contains(readme, []byte("| `"+p.Key+"` |")) {
			t.Errorf("README's table does not list %s", p.Key)
		}
		delete(docs, p.Key)
	}
	for name := range docs {
		t.Errorf("envDocs lists %s, which the bot does not read", name)
	}
	for _, d := range envDocs {
		if d.name == "OKTABOT_HTTP_ADDR" && d.def != defaultHTTPAddr {
			t.Errorf("-help gives OKTABOT_HTTP_ADDR the default %q, the bot uses %q", d.def, defaultHTTPAddr)
		}
	}
	mustContain(t, help, "Socket Mode", "Usage:", "oktabot -version", "oktabot -help")
}

func TestVersionLine(t *testing.T) {
	v := buildVersion{Version: "v1.2.3", Revision: "0123456789abcdef", Time: "2026-12-01T10:00:00Z", Modified: true, Go: "go1.26.0"}
	if got, want := v.String(), "oktabot v1.2.3 (revision 0123456789abcdef, 2026-12-01T10:00:00Z, modified) go1.26.0"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := (buildVersion{Version: "(devel)", Go: "go1.26.0"}).String(), "oktabot (devel) go1.26.0"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// The built binary answers -version and -help without any configuration,
// and logs its version first when it runs.
func TestBinaryVersionAndHelp(t *testing.T) {
	h := newHarness(t)
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{"-version", "--version", "-help", "--help", "-h"} {
		cmd := exec.Command(bin, arg)
		cmd.Env = []string{}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Errorf("oktabot %s: %v, stderr %q", arg, err, stderr.String())
		}
		out := stdout.String()
		switch {
		case strings.Contains(arg, "version"):
			if !strings.HasPrefix(out, "oktabot ") || strings.Count(out, "\n") != 1 || !strings.Contains(out, runtime.Version()) {
				t.Errorf("oktabot %s = %q, want one line: oktabot VERSION … %s", arg, out, runtime.Version())
			}
		default:
			mustContain(t, out, "Usage:", "SLACK_APP_TOKEN", "OKTABOT_DATABASE_URL or OKTABOT_DATABASE_URL_FILE [oktabot.db]")
		}
	}

	cmd := exec.Command(bin, "-verbose")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil || !strings.Contains(stderr.String(), "oktabot -help") {
		t.Errorf("oktabot -verbose: %v %q, want a failure pointing at -help", err, stderr.String())
	}

	h.startBinary()
	if err := h.slack.WaitConnections(1, 20*time.Second); err != nil {
		t.Fatalf("the binary did not connect: %v", err)
	}
	first, _, _ := strings.Cut(h.stdout.String(), "\n")
	mustContain(t, first, `"version":`, `"go":"`+runtime.Version()+`"`, `"message":"oktabot `)
}

package main

// The built binary, as an operator runs it: configured by the environment
// alone, pointed at the two fakes, stopped by a signal.

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binDir holds the built binary; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildOnce builds ./cmd/bot once per test binary run.
var buildOnce = sync.OnceValues(func() (string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	dir, err := os.MkdirTemp("", "oktabot-bin")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "oktabot")
	cmd := exec.Command(goCmd, "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", errors.New(err.Error() + ": " + string(out))
	}
	return bin, nil
})

// startBinary runs the built bot with h.env as its whole configuration
// (plus PATH and HOME) and its output in h.stdout and h.stderr.
func (h *harness) startBinary() *exec.Cmd {
	h.t.Helper()
	if testing.Short() {
		h.t.Skip("builds the binary; skipped with -short")
	}
	bin, err := buildOnce()
	if err != nil {
		h.t.Fatalf("go build: %v", err)
	}
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + h.t.TempDir()}
	for k, v := range h.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = h.stdout, h.stderr
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		h.assertNoSecretsLeaked()
	})
	return cmd
}

func TestBuiltBinaryAnswersAndStopsOnSIGTERM(t *testing.T) {
	h := newHarness(t)
	cmd := h.startBinary()
	if err := h.slack.WaitConnections(1, 20*time.Second); err != nil {
		t.Fatalf("the binary did not connect: %v\nstdout:\n%s\nstderr:\n%s", err, h.stdout, h.stderr)
	}

	// command waits at most 3 s for each reply.
	mustContain(t, h.reply(uAlice, "ping"), "oktabot.svc@corp.com")
	mustContain(t, h.reply(uAlice, "get-user alice"), "Alice Liddell", "alice@corp.com", "ACTIVE")
	mustContain(t, h.reply(uMallory, "get-user alice"), "not allowed")

	// A request with Okta when SIGTERM arrives is still answered, then the
	// process exits 0.
	h.okta.SetLatency(time.Second)
	i := h.slack.SlashCommand(uAlice, chGen, "/okta", "get-user carol.danvers")
	if _, err := i.WaitAck(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	h.okta.WaitCalls(h.okta.CallCount()+1, 3*time.Second) // the request is with Okta
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("after SIGTERM the binary exited with %v, want 0\nstderr:\n%s", err, h.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the binary did not exit within 30 s of SIGTERM")
	}
	msgs, err := i.WaitReplies(1, time.Second)
	if err != nil {
		t.Fatalf("the request in flight was not answered before exit: %v", err)
	}
	mustContain(t, msgs[0].AllText(), "Carol Danvers")

	// Every line on stdout is a JSON log record.
	for _, line := range strings.Split(strings.TrimSpace(h.stdout.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("stdout line is not JSON: %s", line)
		}
	}
}

func TestBuiltBinaryRefusesAMissingTokenInOneLine(t *testing.T) {
	h := newHarness(t)
	delete(h.env, "SLACK_BOT_TOKEN")
	cmd := h.startBinary()
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit = %v, want status 1", err)
	}
	got := strings.TrimSpace(h.stderr.String())
	if strings.Contains(got, "\n") || !strings.HasPrefix(got, "oktabot: ") || !strings.Contains(got, "SLACK_BOT_TOKEN") {
		t.Errorf("stderr = %q, want one line naming SLACK_BOT_TOKEN", got)
	}
	if n := h.slack.Connections(); n != 0 {
		t.Errorf("%d connections to Slack without a bot token", n)
	}
}

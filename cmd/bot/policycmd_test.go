package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs oktabot with args in process and returns its output.
func runCmd(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = run(context.Background(), append([]string{"oktabot"}, args...), lookup(env), &o, &e)
	return o.String(), e.String(), err
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const badPolicy = `roles:
  oncall:
    members: [U0ALICE01, alice]
    actions: [ping, disable-usr]
approvals:
  - actions: [ping]
    approvers: [security]
    channel: "#approvals"
`

// A policy whose only approver may request: a start-time warning.
const lonelyPolicy = `roles:
  admins:
    members: [U0ALICE01]
    actions: ["*"]
    assignable_roles: [HELP_DESK_ADMIN]
approvals:
  - actions: [disable-user]
    approvers: [admins]
    channel: C0APPROVALS
`

func TestPolicyCheck(t *testing.T) {
	good := writeFile(t, "policy.yml", strings.Replace(testPolicy, "members: [U0SECURITY]", "members: [U0SECURITY, S0SECURITY]", 1))
	out, errOut, err := runCmd(t, nil, "policy", "check", good)
	if err != nil || errOut != "" {
		t.Fatalf("policy check of a good policy: %v, stderr %q", err, errOut)
	}
	mustContain(t, out, good+": valid: 2 roles, 1 approval rule")

	// The file comes from OKTABOT_POLICY_FILE when not given.
	out, _, err = runCmd(t, map[string]string{"OKTABOT_POLICY_FILE": good}, "policy", "check")
	if err != nil || !strings.Contains(out, good) {
		t.Errorf("policy check with OKTABOT_POLICY_FILE: %v, %q", err, out)
	}

	bad := writeFile(t, "bad.yml", badPolicy)
	_, errOut, err = runCmd(t, nil, "policy", "check", bad)
	if !errors.As(err, new(errReported)) {
		t.Fatalf("policy check of a bad policy: %v, want errReported", err)
	}
	mustContain(t, errOut,
		bad+`:3: role "oncall": member "alice" is not a Slack user id`,
		bad+`:4: role "oncall": unknown action "disable-usr" (did you mean "disable-user"?)`,
		bad+`:7: approval rule 1: approver "security" is not a role of this policy`,
		bad+`:8: approval rule 1: channel "#approvals" is not a Slack channel id`)
	if n := strings.Count(errOut, "\n"); n != 4 {
		t.Errorf("%d lines, want one per problem:\n%s", n, errOut)
	}
	mustContain(t, err.Error(), "not valid (4 problems)")

	// The start-time warnings are printed; -strict fails on them.
	lonely := writeFile(t, "lonely.yml", lonelyPolicy)
	out, errOut, err = runCmd(t, nil, "policy", "check", lonely)
	if err != nil {
		t.Fatalf("policy check with a warning: %v", err)
	}
	mustContain(t, errOut, "warning: "+lonely+":7: U0ALICE01's requests for disable-user can never be approved")
	mustContain(t, out, "valid")
	_, _, err = runCmd(t, nil, "policy", "check", "-strict", lonely)
	if err == nil || !strings.Contains(err.Error(), "1 warning (-strict)") {
		t.Errorf("policy check -strict with a warning: %v", err)
	}

	_, _, err = runCmd(t, nil, "policy", "check", filepath.Join(t.TempDir(), "missing.yml"))
	if err == nil || !strings.Contains(err.Error(), "missing.yml") {
		t.Errorf("policy check of a missing file: %v", err)
	}
	if _, _, err := runCmd(t, nil, "policy", "frobnicate"); err == nil {
		t.Error("policy frobnicate: no error")
	}
}

// TestPolicyCheckBinary: the exit status and lines a CI job sees.
func TestPolicyCheckBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	bad := writeFile(t, "bad.yml", badPolicy)
	cmd := exec.Command(bin, "policy", "check", bad)
	cmd.Env = []string{}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit %v, want status 1", err)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], bad+":3: ") || lines[4] != "oktabot: policy check: "+bad+" is not valid (4 problems)" {
		t.Errorf("stderr:\n%s", stderr.String())
	}

	good := writeFile(t, "good.yml", testPolicy)
	cmd = exec.Command(bin, "policy", "check", good)
	cmd.Env = []string{}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("good policy: %v %s", err, out)
	}
}

func TestPolicyExplainUser(t *testing.T) {
	file := writeFile(t, "policy.yml", testPolicy)
	env := map[string]string{"OKTABOT_POLICY_FILE": file}

	out, _, err := runCmd(t, env, "policy", "explain", "-user", uAlice)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, out,
		"Roles: oncall\n",
		"  disable-user  after approval by a member of security (never the requester), asked in C0APPROVALS, expiring after 1h; a reason is required  [oncall]\n",
		"  ping          at once  [oncall]\n",
		"Okta admins: may not act on Okta users who hold an admin role",
		"May approve: nothing.")
	mustNotContain(t, out, "reset-password", "May approve (")

	// Bob holds oncall through a user group: only when it is given.
	out, _, _ = runCmd(t, env, "policy", "explain", "-user", uBob)
	mustContain(t, out, "No role: they may run nothing (deny by default).", "-groups S…")
	out, _, _ = runCmd(t, env, "policy", "explain", file, "-user", uBob, "-groups", "S0ONCALL01,S0OTHER01")
	mustContain(t, out, uBob+" (in user groups S0ONCALL01, S0OTHER01)", "Roles: oncall", "  get-user ")

	out, _, _ = runCmd(t, env, "policy", "explain", "-user", uSecurity)
	mustContain(t, out, "Roles: security",
		"  reset-password     at once  [security]",
		"  assign-role        at once  [security]\n                     Okta role types: every role type except SUPER_ADMIN and ORG_ADMIN",
		"May approve (never their own requests):\n  disable-user  (approval rule at line 11, in C0APPROVALS)",
		"Okta admins: may not act")

	for _, args := range [][]string{
		{"-user", "alice"},
		{"-user", uAlice, "-action", "ping"},
		{},
		{"-action", "ping", "-groups", "S0ONCALL01"},
		{"-user", uAlice, "-groups", "oncall"},
	} {
		if _, _, err := runCmd(t, env, append([]string{"policy", "explain"}, args...)...); err == nil {
			t.Errorf("policy explain %q: no error", args)
		}
	}
}

func TestPolicyExplainAction(t *testing.T) {
	file := writeFile(t, "policy.yml", `roles:
  oncall:
    members: [U0ALICE01, S0ONCALL01]
    actions: [ping, disable-user]
  security:
    members: [U0SECURITY, U0SEC2]
    actions: ["*"]
    admin_targets: true
    assignable_roles: ["*"]
approvals:
  - actions: [disable-user]
    approvers: [security]
    channel: C0APPROVALS
    expire_after: 30m
`)
	out, _, err := runCmd(t, nil, "policy", "explain", file, "-action", "disable-user")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, out, file+": disable-user (changes Okta)\n",
		"May run it:\n  oncall: U0ALICE01, user group S0ONCALL01\n  security: U0SEC2, U0SECURITY (may act on Okta admins: admin_targets: true)\n",
		"Waits for approval (rule at line 11): after approval by a member of security (never the requester), asked in C0APPROVALS, expiring after 30m.\n",
		"May approve it (never their own request):\n  security: U0SEC2, U0SECURITY\n")

	out, _, _ = runCmd(t, nil, "policy", "explain", file, "-action", "ping")
	mustContain(t, out, "Runs at once: no approval rule covers it.")
	mustNotContain(t, out, "changes Okta")

	out, _, _ = runCmd(t, nil, "policy", "explain", file, "-action", "assign-role")
	mustContain(t, out, "  security: U0SEC2, U0SECURITY (may act on Okta admins: admin_targets: true) (Okta role types: every role type)")

	out, _, _ = runCmd(t, nil, "policy", "explain", file, "-action", "reset-password")
	mustNotContain(t, out, "oncall")

	_, _, err = runCmd(t, nil, "policy", "explain", file, "-action", "disable-usr")
	if err == nil || !strings.Contains(err.Error(), `did you mean "disable-user"?`) {
		t.Errorf("unknown action: %v", err)
	}
}

func mustNotContain(t *testing.T, got string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(got, u) {
			t.Errorf("got %q, which contains %q", got, u)
		}
	}
}

func TestPolicyExplainSaysTimeBoxes(t *testing.T) {
	file := writeFile(t, "policy.yml", `roles:
  oncall:
    members: [U0ALICE01]
    actions: [ping, add-to-group, assign-role]
    assignable_roles: [HELP_DESK_ADMIN]
    max_duration: 4h
  security:
    members: [U0SECURITY, U0SEC2]
    actions: ["*"]
    assignable_roles: ["*"]
approvals:
  - actions: [assign-role]
    approvers: [security]
    channel: C0APPROVALS
    expire_after: 30m
    max_duration: 2h
    require_duration: true
`)
	out, stderr, err := runCmd(t, nil, "policy", "explain", file, "-user", uAlice)
	if err != nil {
		t.Fatal(err, stderr)
	}
	mustContain(t, out,
		"expiring after 30m; --for is required, at most 2h  [oncall]",
		"  add-to-group  at once  [oncall]\n                --for: optional, at most 4h (role \"oncall\")\n",
		"                --for: required, at most 2h (the approval rule on line 12)\n")

	out, _, _ = runCmd(t, nil, "policy", "explain", file, "-user", uSecurity)
	mustContain(t, out, "  add-to-group       at once  [security]\n                     --for: optional, at most 30d\n")

	out, _, _ = runCmd(t, nil, "policy", "explain", file, "-action", "add-to-group")
	mustContain(t, out, "  oncall: U0ALICE01 (--for at most 4h)\n", "  security: U0SEC2, U0SECURITY\n")
	out, _, _ = runCmd(t, nil, "policy", "explain", file, "-action", "ping")
	mustNotContain(t, out, "--for")
}

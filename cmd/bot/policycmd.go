package main

// `oktabot policy check` and `oktabot policy explain`: the policy tools,
// for the repository that holds the policy (its CI) and for people asking
// "what may she run?" without Slack. Neither reads Slack or Okta: user
// group membership is what --groups says.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"oktabot/actions"
	"oktabot/auth"
	"oktabot/internal/suggest"
)

// errReported is returned when the problem was already written out in
// full; main exits 1 without another line.
type errReported struct{ msg string }

func (e errReported) Error() string { return e.msg }

// policyNames is what a policy may refer to: the registry's actions and
// the Okta role types assign-role takes. The bot loads its policy with
// the same.
func policyNames(reg *actions.Registry) auth.Names {
	return auth.Names{Actions: reg.Names(), RoleTypes: actions.RoleTypes}
}

const policyUsage = `Usage:
  oktabot policy check [-strict] [FILE]
      validate the policy (FILE, else OKTABOT_POLICY_FILE, else policy.yml):
      every problem as FILE:LINE: PROBLEM, exit 1 if there is any; warnings
      (what the bot also logs at start) are printed too, and fail with -strict
  oktabot policy explain [FILE] -user U… [-groups S…,S…]
      what that person may run, what waits for whose approval, whether they
      may act on Okta admins, and whose requests they may approve; their
      Slack user groups are only those given with -groups
  oktabot policy explain [FILE] -action ACTION
      who may run ACTION, and who may approve it
`

// policyCommand runs `oktabot policy …` (args after "policy").
func policyCommand(args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, policyUsage)
		return errReported{"policy: say check or explain"}
	}
	switch args[0] {
	case "check":
		return policyCheck(args[1:], lookupEnv, stdout, stderr)
	case "explain":
		return policyExplain(args[1:], lookupEnv, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, policyUsage)
		return nil
	}
	fmt.Fprint(stderr, policyUsage)
	return errReported{fmt.Sprintf("policy: unknown subcommand %q: say check or explain", args[0])}
}

// parseInterspersed parses fs from args, allowing flags after positional
// arguments (oktabot policy explain policy.yml -user U1), and returns the
// positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// policyFile is the file a policy command reads: the one given, else
// OKTABOT_POLICY_FILE, else the default.
func policyFile(pos []string, lookupEnv func(string) (string, bool)) (string, error) {
	switch len(pos) {
	case 0:
		if f, ok := lookupEnv("OKTABOT_POLICY_FILE"); ok && strings.TrimSpace(f) != "" {
			return f, nil
		}
		return "policy.yml", nil
	case 1:
		return pos[0], nil
	}
	return "", fmt.Errorf("policy: one policy file at most, not %q", pos)
}

func policyCheck(args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("oktabot policy check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	strict := fs.Bool("strict", false, "fail on warnings too")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return errReported{"policy check: " + err.Error()}
	}
	file, err := policyFile(pos, lookupEnv)
	if err != nil {
		return err
	}
	reg := actions.Default()
	p, err := auth.Load(file, policyNames(reg))
	if err != nil {
		// One problem a line, as the bot says at start ("policy: …").
		n := 0
		for _, line := range strings.Split(err.Error(), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				fmt.Fprintln(stderr, line)
				n++
			}
		}
		return errReported{fmt.Sprintf("policy check: %s is not valid (%d %s)", file, n, plural(n, "problem", "problems"))}
	}
	warnings := p.Warnings()
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning: "+w)
	}
	if *strict && len(warnings) > 0 {
		return errReported{fmt.Sprintf("policy check: %s is valid but has %d %s (-strict)", file, len(warnings), plural(len(warnings), "warning", "warnings"))}
	}
	fmt.Fprintf(stdout, "%s: valid: %d %s, %d approval %s\n", file, len(p.Roles()), plural(len(p.Roles()), "role", "roles"),
		len(p.Rules()), plural(len(p.Rules()), "rule", "rules"))
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// groupList collects -groups: S… ids separated by commas or spaces, and
// repeated flags add up.
type groupList []string

func (g *groupList) String() string { return strings.Join(*g, ",") }

func (g *groupList) Set(s string) error {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if !auth.IsUserGroupID(f) {
			return fmt.Errorf("%q is not a Slack user group id (S…)", f)
		}
		*g = append(*g, f)
	}
	return nil
}

func policyExplain(args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("oktabot policy explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	user := fs.String("user", "", "the person's Slack user id (U… or W…)")
	action := fs.String("action", "", "an action name")
	var groups groupList
	fs.Var(&groups, "groups", "the person's Slack user group ids (S…), separated by commas")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return errReported{"policy explain: " + err.Error()}
	}
	switch {
	case (*user == "") == (*action == ""):
		return errors.New("policy explain: give either -user U… (with -groups S…,S… for their user groups) or -action ACTION")
	case *user != "" && !auth.IsUserID(*user):
		return fmt.Errorf("policy explain: -user %q is not a Slack user id (U… or W…)", *user)
	case *action != "" && len(groups) > 0:
		return errors.New("policy explain: -groups goes with -user")
	}
	file, err := policyFile(pos, lookupEnv)
	if err != nil {
		return err
	}
	reg := actions.Default()
	p, err := auth.Load(file, policyNames(reg))
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				fmt.Fprintln(stderr, line)
			}
		}
		return errReported{fmt.Sprintf("policy explain: %s is not valid; see oktabot policy check", file)}
	}
	if *user != "" {
		explainUser(stdout, reg, p, *user, groups)
		return nil
	}
	return explainAction(stdout, reg, p, *action)
}

// ruleText says how an approval rule makes an action wait.
func ruleText(r *auth.ApprovalRule) string {
	s := fmt.Sprintf("after approval by a member of %s (never the requester), asked in %s, expiring after %s", strings.Join(r.Approvers, " or "), r.Channel, shortDuration(r.ExpireAfter))
	if r.RequireReason {
		s += "; a reason is required"
	}
	if r.RemindAfter > 0 {
		s += "; the approvers are reminded after " + shortDuration(r.RemindAfter)
	}
	if bg := r.BreakGlass; bg != nil {
		s += fmt.Sprintf("; after %s, a requester in %s may break glass (run it without approval, reviewed afterwards)", shortDuration(bg.After), strings.Join(bg.Roles, " or "))
	}
	if r.NeedsStepUp() {
		s += "; each decision counts only with its clicker's Okta Verify push (step_up)"
	}
	if f := forText(r.RequireDuration, r.MaxDuration); f != "" {
		s += "; " + f
	}
	return s
}

// forText says what a max_duration (0: none) and require_duration say of
// --for: "--for is required, at most 2h"; "" when they say nothing.
func forText(required bool, most time.Duration) string {
	switch {
	case required && most > 0:
		return "--for is required, at most " + auth.DurationText(most)
	case required:
		return "--for is required"
	case most > 0:
		return "--for at most " + auth.DurationText(most)
	}
	return ""
}

// timeboxText says what a person's --for may be.
func timeboxText(tb auth.Timebox) string {
	at := "at most " + auth.DurationText(tb.Max)
	if tb.MaxFrom != "" {
		at += " (" + tb.MaxFrom + ")"
	}
	switch {
	case !tb.Required:
		return "optional, " + at
	case tb.RequiredBy == tb.MaxFrom:
		return "required, " + at
	}
	return "required (" + tb.RequiredBy + "), " + at
}

func explainUser(w io.Writer, reg *actions.Registry, p *auth.Policy, user string, groups []string) {
	x := p.Explain(user, groups, reg.Names())
	who := user
	if len(groups) > 0 {
		who += " (in user groups " + strings.Join(groups, ", ") + ")"
	}
	fmt.Fprintf(w, "%s: %s\n", p.File(), who)
	if len(x.Roles) == 0 {
		fmt.Fprintln(w, "No role: they may run nothing (deny by default).")
		if len(groups) == 0 {
			fmt.Fprintln(w, "Roles held through Slack user groups count only when given: -groups S…,S….")
		}
		return
	}
	fmt.Fprintf(w, "Roles: %s\n", strings.Join(x.Roles, ", "))
	fmt.Fprintln(w, "May run:")
	width := 0
	for _, g := range x.Grants {
		width = max(width, len(g.Action))
	}
	var admins, noAdmins []string
	for _, g := range x.Grants {
		when := "at once"
		if g.Rule != nil {
			when = ruleText(g.Rule)
		}
		fmt.Fprintf(w, "  %-*s  %s  [%s]\n", width, g.Action, when, strings.Join(g.Roles, ", "))
		if actsOnUsers(reg, g.Action) {
			if g.AdminTargets {
				admins = append(admins, g.Action)
			} else {
				noAdmins = append(noAdmins, g.Action)
			}
		}
		if g.Action == auth.AssignRole || g.Action == auth.UnassignRole {
			fmt.Fprintf(w, "  %-*s  Okta role types: %s\n", width, "", g.RoleTypes)
		}
		if g.Timebox != nil {
			fmt.Fprintf(w, "  %-*s  --for: %s\n", width, "", timeboxText(*g.Timebox))
		}
	}
	switch {
	case len(admins) == 0 && len(noAdmins) == 0:
		fmt.Fprintln(w, "Okta admins: they may run no action that changes Okta users.")
	case len(admins) == 0:
		fmt.Fprintln(w, "Okta admins: may not act on Okta users who hold an admin role (no role of theirs says admin_targets: true).")
	default:
		fmt.Fprintf(w, "Okta admins: may act on Okta users who hold an admin role with %s (admin_targets: true)", strings.Join(admins, ", "))
		if len(noAdmins) > 0 {
			fmt.Fprintf(w, "; not with %s", strings.Join(noAdmins, ", "))
		}
		fmt.Fprintln(w, ".")
	}
	fmt.Fprintln(w, "Nobody changes their own Okta account through the bot, whatever their roles.")
	if len(x.Approves) == 0 {
		fmt.Fprintln(w, "May approve: nothing.")
		return
	}
	fmt.Fprintln(w, "May approve (never their own requests):")
	for _, r := range x.Approves {
		fmt.Fprintf(w, "  %s  (approval rule at line %d, in %s)\n", strings.Join(r.Actions, ", "), r.Line, r.Channel)
	}
}

func explainAction(w io.Writer, reg *actions.Registry, p *auth.Policy, action string) error {
	acc, ok := p.Access(action)
	if !ok {
		msg := fmt.Sprintf("policy explain: unknown action %q", action)
		if s := suggest.Closest(action, reg.Names()); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return errors.New(msg)
	}
	what := ""
	if a := reg.Lookup(action); a != nil && a.Writes {
		what = " (changes Okta)"
	}
	protected := actsOnUsers(reg, action)
	fmt.Fprintf(w, "%s: %s%s\n", p.File(), action, what)
	if len(acc.Runners) == 0 {
		fmt.Fprintln(w, "Nobody may run it: no role lists it.")
	} else {
		fmt.Fprintln(w, "May run it:")
		for _, r := range acc.Runners {
			extra := ""
			if protected && r.AdminTargets {
				extra = " (may act on Okta admins: admin_targets: true)"
			}
			if action == auth.AssignRole || action == auth.UnassignRole {
				extra += fmt.Sprintf(" (Okta role types: %s)", r.RoleTypes)
			}
			if f := forText(r.RequireDuration, r.MaxDuration); f != "" && auth.Timeboxed(action) {
				extra += " (" + f + ")"
			}
			fmt.Fprintf(w, "  %s: %s%s\n", r.Role, membersText(r), extra)
		}
	}
	if acc.Rule == nil {
		fmt.Fprintln(w, "Runs at once: no approval rule covers it.")
		return nil
	}
	fmt.Fprintf(w, "Waits for approval (rule at line %d): %s.\n", acc.Rule.Line, ruleText(acc.Rule))
	fmt.Fprintln(w, "May approve it (never their own request):")
	for _, r := range acc.Approvers {
		fmt.Fprintf(w, "  %s: %s\n", r.Role, membersText(r))
	}
	return nil
}

func membersText(r auth.RoleMembers) string {
	parts := append([]string(nil), r.Users...)
	for _, g := range r.Groups {
		parts = append(parts, "user group "+g)
	}
	return strings.Join(parts, ", ")
}

// actsOnUsers reports whether action changes Okta users: those actions
// refuse Okta admins as targets unless a role says admin_targets: true.
func actsOnUsers(reg *actions.Registry, action string) bool {
	a := reg.Lookup(action)
	return a != nil && a.Writes && a.Targets == actions.UserTargets
}

// shortDuration writes a duration as people do: 1h for 1h0m0s, 90m for
// 1h30m0s, else Go's form.
func shortDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

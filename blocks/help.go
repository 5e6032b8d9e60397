package blocks

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"oktabot/actions"
)

// Usage is an action's command line, derived from the registry.
func Usage(command string, a *actions.Action) string {
	parts := []string{command, a.Name}
	switch a.Targets {
	case actions.UserTargets:
		parts = append(parts, "USER…")
	case actions.GroupTargets:
		parts = append(parts, "GROUP…")
	case actions.NameTarget:
		name := "NAME"
		if a.TargetName != "" {
			name = strings.ToUpper(a.TargetName)
		}
		parts = append(parts, name)
	}
	for _, p := range a.Params {
		if p.Type == actions.Password {
			continue
		}
		f := "--" + p.Name
		switch p.Type {
		case actions.String, actions.Choice:
			f += " " + strings.ToUpper(strings.ReplaceAll(p.Name, "-", "_"))
		case actions.Int:
			f += " N"
		case actions.Duration:
			f += " DURATION"
		}
		if !p.Required {
			f = "[" + f + "]"
		}
		parts = append(parts, f)
	}
	return strings.Join(parts, " ")
}

// Help lists the actions this caller may run, or explains one.
func Help(command string, reg *actions.Registry, permitted []string, only *actions.Action) Reply {
	may := map[string]bool{}
	for _, n := range permitted {
		may[n] = true
	}
	if only != nil {
		return renderActionHelp(command, only, may[only.Name])
	}
	var lines []string
	for _, a := range reg.All() {
		if !may[a.Name] || !a.Available() {
			continue
		}
		lines = append(lines, fmt.Sprintf("`%s %s` — %s", command, a.Name, Esc(a.Summary)))
	}
	if len(lines) == 0 {
		t := ":lock: You may not run any oktabot actions. Access is granted by the bot's policy file; ask your Okta or security team if you need it."
		return Reply{Text: Fallback(t), Blocks: []slack.Block{Section(t)}}
	}
	blocks := []slack.Block{
		Section(fmt.Sprintf("*What you may run* (%s)", Plural(len(lines), "action", "actions"))),
	}
	// Several lines per section keep long lists well under the block limit.
	for len(lines) > 0 {
		n := min(len(lines), 10)
		blocks = append(blocks, Section(strings.Join(lines[:n], "\n")))
		lines = lines[n:]
	}
	blocks = append(blocks, Context(fmt.Sprintf("Targets are Okta ids, logins, short logins, emails or @mentions, separated by spaces or commas. `%s help ACTION` explains one action. Replies are visible only to you unless you add `--public`.", command)))
	return Reply{Text: "What you may run", Blocks: blocks}
}

func renderActionHelp(command string, a *actions.Action, allowed bool) Reply {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* — %s\n`%s`", a.Name, Esc(a.Summary), Esc(Usage(command, a)))
	for _, p := range a.Params {
		fmt.Fprintf(&b, "\n• `--%s`", p.Name)
		if p.Type == actions.Password {
			b.WriteString(" (in the form only)")
		}
		if p.Help != "" {
			b.WriteString(": " + Esc(p.Help))
		}
		if p.Default != "" && p.Type != actions.Bool {
			fmt.Fprintf(&b, " (default %s)", Esc(p.Default))
		}
		if p.Required {
			b.WriteString(" (required)")
		}
		if p.Type == actions.Choice && len(p.Choices) <= 15 {
			b.WriteString(" — one of " + Esc(strings.Join(p.Choices, ", ")))
		}
	}
	if a.Targets == actions.UserTargets {
		b.WriteString("\n• `--scope LINK`: also act on the people named in a Slack message (its ⋯ menu → Copy link): emails, @mentions, Okta logins and ids; at most 200. The message's shortcut *Okta: act on people* does the same from the message.")
	}
	blocks := []slack.Block{Section(b.String())}
	switch {
	case !a.Available():
		blocks = append(blocks, Context(":construction: Not available in this version of oktabot."))
	case !allowed:
		blocks = append(blocks, Context(":lock: You are not allowed to run this action."))
	}
	return Reply{Text: a.Name + ": " + a.Summary, Blocks: blocks}
}

// UsageHint is the slash command's usage hint in the app manifest, derived
// from the registry (a test keeps manifest.yml in step).
func UsageHint(reg *actions.Registry) string {
	var names []string
	for _, a := range reg.All() {
		names = append(names, a.Name)
	}
	return "help | ACTION [TARGET…] [--FLAG…] — " + strings.Join(names, ", ")
}

package handlers

import (
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"oktabot/actions"
)

// Lines of a list are packed into sections of at most linesPerSection lines
// (and maxSectionText characters), so hundreds of rows need few blocks.
const (
	linesPerSection = 20
	// maxListBlocks leaves room for a heading and notes under Slack's 50.
	maxListBlocks = 45
	// maxPageLines is how many rows one message shows: more is hard to
	// read in Slack and makes a message too heavy. Longer lists come whole
	// as a CSV file; lists with secrets come in several messages.
	maxPageLines = 100
)

// packLines puts lines into as few sections as fit, at most maxBlocks of
// them, and reports how many lines made it in.
func packLines(lines []string, maxBlocks int) (blocks []slack.Block, shown int) {
	if len(lines) > maxPageLines {
		lines = lines[:maxPageLines]
	}
	var cur []string
	size := 0
	flush := func() {
		if len(cur) > 0 {
			blocks = append(blocks, section(strings.Join(cur, "\n")))
			cur, size = nil, 0
		}
	}
	for _, l := range lines {
		l = clip(l, maxSectionText/2)
		if len(cur) == linesPerSection || size+len(l)+1 > maxSectionText {
			flush()
		}
		if len(blocks) == maxBlocks {
			break
		}
		cur = append(cur, l)
		size += len(l) + 1
		shown++
	}
	if len(blocks) < maxBlocks {
		flush()
	} else if len(cur) > 0 {
		shown -= len(cur)
	}
	return blocks, shown
}

// listReply is a heading, packed lines and, when they do not all fit, a
// "showing N of M" note. The caller offers the whole list as a file.
func listReply(heading string, lines []string, empty string) (r reply, shown, total int) {
	blocks := []slack.Block{section(heading)}
	if len(lines) == 0 {
		blocks = append(blocks, contextBlock(empty))
		return reply{Text: plainFallback(heading), Blocks: blocks}, 0, 0
	}
	body, shown := packLines(lines, maxListBlocks)
	blocks = append(blocks, body...)
	if shown < len(lines) {
		blocks = append(blocks, contextBlock(fmt.Sprintf("Showing %d of %d.", shown, len(lines))))
	}
	return reply{Text: plainFallback(heading), Blocks: blocks}, shown, len(lines)
}

// pagedReply shows every line, in as many messages as it takes; the
// first is the reply, the rest its More. It is for results that must not
// be cut short, such as one-time secrets.
func pagedReply(heading string, lines []string) reply {
	var pages []reply
	for len(lines) > 0 || len(pages) == 0 {
		body, n := packLines(lines, maxListBlocks)
		h := heading
		if len(pages) > 0 {
			h += fmt.Sprintf(" (continued, part %d)", len(pages)+1)
		}
		pages = append(pages, reply{Text: plainFallback(h), Blocks: append([]slack.Block{section(h)}, body...)})
		if n == 0 {
			break
		}
		lines = lines[n:]
	}
	first := pages[0]
	first.More = pages[1:]
	return first
}

func userLine(u actions.User) string {
	return fmt.Sprintf("%s *%s* %s · %s · %s", statusEmoji(u.Status), esc(u.Name()), code(u.Login), esc(u.Status), code(u.ID))
}

func renderUserList(res actions.Result) (reply, int, int) {
	heading := fmt.Sprintf("*%s*", plural(len(res.Users), "user", "users"))
	if res.Query != "" {
		heading += " matching " + code(res.Query)
	}
	lines := make([]string, len(res.Users))
	for i, u := range res.Users {
		lines[i] = userLine(u)
	}
	return listReply(heading, lines, "No users match.")
}

func renderProviders(res actions.Result) (reply, int, int) {
	heading := fmt.Sprintf("*%s*", plural(len(res.Providers), "identity provider", "identity providers"))
	if res.Query != "" {
		heading += " matching " + code(res.Query)
	}
	lines := make([]string, len(res.Providers))
	for i, p := range res.Providers {
		mark := ":large_green_circle:"
		if p.Status != "ACTIVE" {
			mark = ":white_circle:"
		}
		lines[i] = fmt.Sprintf("%s *%s* · %s · %s · %s", mark, esc(p.Name), esc(p.Type), esc(p.Status), code(p.ID))
	}
	return listReply(heading, lines, "No identity providers match.")
}

func groupLine(g actions.Group) string {
	l := fmt.Sprintf("*%s* · %s · %s", esc(g.Name), esc(g.Type), code(g.ID))
	if g.Description != "" {
		l += " — " + esc(clip(g.Description, 200))
	}
	return l
}

func roleLine(r actions.Role) string {
	l := fmt.Sprintf("*%s* (%s) · assignment %s", esc(orDash(r.Label)), esc(r.Type), code(r.ID))
	if r.AssignmentType != "" && r.AssignmentType != "USER" {
		l += " · via " + esc(strings.ToLower(r.AssignmentType))
	}
	if r.Status != "" && r.Status != "ACTIVE" {
		l += " · " + esc(r.Status)
	}
	return l
}

func groupCard(target, done string, g actions.Group) slack.Block {
	head := fmt.Sprintf(":busts_in_silhouette: *%s*", esc(g.Name))
	if done != "" {
		head = fmt.Sprintf(":white_check_mark: Group *%s* %s.", esc(g.Name), esc(done))
	}
	if target != g.Name && target != g.ID {
		head += " · asked as " + code(target)
	}
	return slack.NewSectionBlock(mrkdwn(head), fields(
		"Description", esc(orDash(g.Description)),
		"Type", esc(orDash(g.Type)),
		"Okta id", code(g.ID),
		"Created", when(g.Created),
		"Last updated", when(g.LastUpdated),
		"Membership changed", when(g.LastMembershipUpdated),
	), nil)
}

// who names the user an outcome is about, or the target as typed.
func who(o actions.Outcome) string {
	if o.User == nil {
		return code(o.Target)
	}
	return fmt.Sprintf("*%s* %s", esc(o.User.Name()), code(o.User.Login))
}

// outcomeLine is one target's result in a list: what happened, or why not.
func outcomeLine(o actions.Outcome, withSecret bool) string {
	var b strings.Builder
	switch {
	case o.Err != nil && o.Done != "":
		b.WriteString(":warning: " + who(o) + " — " + esc(o.Done) + "; then: " + strings.TrimPrefix(problemTextBare(o.Err), " "))
	case o.Err != nil:
		return outcomeError(o.Target, o.Err)
	case o.Changed:
		b.WriteString(":white_check_mark: " + who(o) + " — " + esc(o.Done))
	default:
		b.WriteString(":information_source: " + who(o) + " — " + esc(o.Done))
	}
	if !o.Secret.IsZero() {
		if withSecret {
			b.WriteString(fmt.Sprintf("\n      :key: %s: %s", esc(o.SecretLabel), code(o.Secret.Reveal())))
		} else {
			b.WriteString(fmt.Sprintf("\n      :key: %s sent to you privately", esc(o.SecretLabel)))
		}
	}
	return b.String()
}

// tally counts outcomes for a heading: "2 done · 1 unchanged · 1 failed",
// or "" when there are none.
func tally(outcomes []actions.Outcome) string {
	changed, same, failed := 0, 0, 0
	for _, o := range outcomes {
		switch {
		case o.Err != nil:
			failed++
		case o.Changed:
			changed++
		default:
			same++
		}
	}
	var parts []string
	if changed > 0 {
		parts = append(parts, fmt.Sprintf("%d done", changed))
	}
	if same > 0 {
		parts = append(parts, fmt.Sprintf("%d unchanged", same))
	}
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", failed))
	}
	return strings.Join(parts, " · ")
}

// renderOutcomes is the per-target result list of a write action.
func renderOutcomes(a *actions.Action, outcomes []actions.Outcome, withSecrets bool) (reply, int, int) {
	lines := make([]string, len(outcomes))
	for i, o := range outcomes {
		lines[i] = outcomeLine(o, withSecrets)
	}
	heading := fmt.Sprintf("*%s* · %s", a.Name, tally(outcomes))
	if withSecrets && slices.ContainsFunc(outcomes, func(o actions.Outcome) bool { return !o.Secret.IsZero() }) {
		return pagedReply(heading, lines), len(lines), len(lines)
	}
	return listReply(heading, lines, "Nothing to do.")
}

// renderNested is list-user-groups and list-roles: per user, their groups
// or roles.
func renderNested(a *actions.Action, outcomes []actions.Outcome) (reply, int, int) {
	var lines []string
	for _, o := range outcomes {
		if o.Err != nil {
			lines = append(lines, outcomeError(o.Target, o.Err))
			continue
		}
		var items []string
		noun := "group"
		if o.Groups != nil {
			for _, g := range o.Groups {
				items = append(items, "      • "+groupLine(g))
			}
		} else {
			noun = "admin role"
			for _, r := range o.Roles {
				items = append(items, "      • "+roleLine(r))
			}
		}
		lines = append(lines, fmt.Sprintf("%s %s — %s", statusEmoji(o.User.Status), who(o), plural(len(items), noun, noun+"s")))
		lines = append(lines, items...)
	}
	return listReply("*"+a.Name+"*", lines, "Nothing to show.")
}

// renderGroups is get-group and add-group: a card per group.
func renderGroups(a *actions.Action, outcomes []actions.Outcome) reply {
	found := 0
	for _, o := range outcomes {
		if o.Err == nil {
			found++
		}
	}
	return reply{
		Text:   fmt.Sprintf("%s: %s", a.Name, plural(found, "group", "groups")),
		Blocks: cards(outcomes, "groups", func(o actions.Outcome) slack.Block { return groupCard(o.Target, o.Done, *o.Group) }),
	}
}

package blocks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"oktabot/actions"
)

// Lines of a list are packed into sections of at most linesPerSection lines
// (and MaxSectionText characters), so hundreds of rows need few blocks.
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
			blocks = append(blocks, Section(strings.Join(cur, "\n")))
			cur, size = nil, 0
		}
	}
	for _, l := range lines {
		l = Clip(l, MaxSectionText/2)
		if len(cur) == linesPerSection || size+len(l)+1 > MaxSectionText {
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

// List is a heading, packed lines and, when they do not all fit, a
// "showing N of M" note. The caller offers the whole list as a file.
func List(heading string, lines []string, empty string) (r Reply, shown, total int) {
	return listOf(heading, lines, len(lines), empty)
}

// listOf is List for the first lines of a list of total.
func listOf(heading string, lines []string, total int, empty string) (r Reply, shown, _ int) {
	blocks := []slack.Block{Section(heading)}
	if total == 0 {
		blocks = append(blocks, Context(empty))
		return Reply{Text: Fallback(heading), Blocks: blocks}, 0, 0
	}
	body, shown := packLines(lines, maxListBlocks)
	blocks = append(blocks, body...)
	if shown < total {
		blocks = append(blocks, Context(fmt.Sprintf("Showing %d of %d.", shown, total)))
	}
	return Reply{Text: Fallback(heading), Blocks: blocks}, shown, total
}

// Paged shows every line, in as many messages as it takes; the
// first is the reply, the rest its More. It is for results that must not
// be cut short, such as one-time secrets.
func Paged(heading string, lines []string) Reply {
	var pages []Reply
	for len(lines) > 0 || len(pages) == 0 {
		body, n := packLines(lines, maxListBlocks)
		h := heading
		if len(pages) > 0 {
			h += fmt.Sprintf(" (continued, part %d)", len(pages)+1)
		}
		pages = append(pages, Reply{Text: Fallback(h), Blocks: append([]slack.Block{Section(h)}, body...)})
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
	return fmt.Sprintf("%s *%s* %s · %s · %s", statusEmoji(u.Status), Esc(u.Name()), Code(u.Login), Esc(u.Status), Code(u.ID))
}

// UserList is list-users: one line per user (of those the result holds,
// when it holds only the first page of a longer listing).
func UserList(res actions.Result) (Reply, int, int) {
	total := res.ListedUsers()
	heading := fmt.Sprintf("*%s*", Plural(total, "user", "users"))
	if res.Query != "" {
		heading += " matching " + Code(res.Query)
	}
	users := res.Users[:min(len(res.Users), maxPageLines)]
	lines := make([]string, len(users))
	for i, u := range users {
		lines[i] = userLine(u)
	}
	return listOf(heading, lines, total, "No users match.")
}

// Providers is list-providers: one line per identity provider.
func Providers(res actions.Result) (Reply, int, int) {
	heading := fmt.Sprintf("*%s*", Plural(len(res.Providers), "identity provider", "identity providers"))
	if res.Query != "" {
		heading += " matching " + Code(res.Query)
	}
	lines := make([]string, len(res.Providers))
	for i, p := range res.Providers {
		mark := ":large_green_circle:"
		if p.Status != "ACTIVE" {
			mark = ":white_circle:"
		}
		lines[i] = fmt.Sprintf("%s *%s* · %s · %s · %s", mark, Esc(p.Name), Esc(p.Type), Esc(p.Status), Code(p.ID))
	}
	return List(heading, lines, "No identity providers match.")
}

func groupLine(g actions.Group) string {
	l := fmt.Sprintf("*%s* · %s · %s", Esc(g.Name), Esc(g.Type), Code(g.ID))
	if g.Description != "" {
		l += " — " + Esc(Clip(g.Description, 200))
	}
	return l
}

func roleLine(r actions.Role) string {
	l := fmt.Sprintf("*%s* (%s) · assignment %s", Esc(OrDash(r.Label)), Esc(r.Type), Code(r.ID))
	if r.AssignmentType != "" && r.AssignmentType != "USER" {
		l += " · via " + Esc(strings.ToLower(r.AssignmentType))
	}
	if r.Status != "" && r.Status != "ACTIVE" {
		l += " · " + Esc(r.Status)
	}
	return l
}

func groupCard(target, done string, g actions.Group) slack.Block {
	head := fmt.Sprintf(":busts_in_silhouette: *%s*", Esc(g.Name))
	if done != "" {
		head = fmt.Sprintf(":white_check_mark: Group *%s* %s.", Esc(g.Name), Esc(done))
	}
	if target != g.Name && target != g.ID {
		head += " · asked as " + Code(target)
	}
	return slack.NewSectionBlock(mrkdwn(head), fields(
		"Description", Esc(OrDash(g.Description)),
		"Type", Esc(OrDash(g.Type)),
		"Okta id", Code(g.ID),
		"Created", When(g.Created),
		"Last updated", When(g.LastUpdated),
		"Membership changed", When(g.LastMembershipUpdated),
	), nil)
}

// who names the user an outcome is about, or the target as typed.
func who(o actions.Outcome) string {
	if o.User == nil {
		return Code(o.Target)
	}
	return fmt.Sprintf("*%s* %s", Esc(o.User.Name()), Code(o.User.Login))
}

// outcomeLine is one target's result in a list: what happened, or why not.
func outcomeLine(o actions.Outcome, withSecret bool) string {
	var b strings.Builder
	switch {
	case o.Err != nil && o.Done != "":
		b.WriteString(":warning: " + who(o) + " — " + Esc(o.Done) + "; then: " + strings.TrimPrefix(ProblemBare(o.Err), " "))
	case o.Err != nil:
		return OutcomeError(o.Target, o.Err)
	case o.Changed:
		b.WriteString(":white_check_mark: " + who(o) + " — " + Esc(o.Done))
	default:
		b.WriteString(":information_source: " + who(o) + " — " + Esc(o.Done))
	}
	switch {
	case withSecret && !o.Secret.IsZero():
		b.WriteString(fmt.Sprintf("\n      :key: %s: %s", Esc(o.SecretLabel), Code(o.Secret.Reveal())))
	case !withSecret && (o.SecretLabel != "" || !o.Secret.IsZero()):
		// A redacted result (requests.Redact) keeps the label only.
		b.WriteString(fmt.Sprintf("\n      :key: %s sent to you privately", Esc(o.SecretLabel)))
	}
	return b.String()
}

// Tally counts outcomes for a heading: "2 done · 1 unchanged · 1 failed",
// or "" when there are none.
func Tally(outcomes []actions.Outcome) string {
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

// Outcomes is the per-target result list of a write action.
func Outcomes(a *actions.Action, outcomes []actions.Outcome, withSecrets bool) (Reply, int, int) {
	lines := make([]string, len(outcomes))
	for i, o := range outcomes {
		lines[i] = outcomeLine(o, withSecrets)
	}
	heading := fmt.Sprintf("*%s* · %s", a.Name, Tally(outcomes))
	if withSecrets && slices.ContainsFunc(outcomes, func(o actions.Outcome) bool { return !o.Secret.IsZero() }) {
		return Paged(heading, lines), len(lines), len(lines)
	}
	return List(heading, lines, "Nothing to do.")
}

// Nested is list-user-groups and list-roles: per user, their groups
// or roles.
func Nested(a *actions.Action, outcomes []actions.Outcome) (Reply, int, int) {
	var lines []string
	for _, o := range outcomes {
		if o.Err != nil {
			lines = append(lines, OutcomeError(o.Target, o.Err))
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
		lines = append(lines, fmt.Sprintf("%s %s — %s", statusEmoji(o.User.Status), who(o), Plural(len(items), noun, noun+"s")))
		lines = append(lines, items...)
	}
	return List("*"+a.Name+"*", lines, "Nothing to show.")
}

// Groups is get-group and add-group: a card per group.
func Groups(a *actions.Action, outcomes []actions.Outcome) Reply {
	found := 0
	for _, o := range outcomes {
		if o.Err == nil {
			found++
		}
	}
	return Reply{
		Text:   fmt.Sprintf("%s: %s", a.Name, Plural(found, "group", "groups")),
		Blocks: cards(outcomes, "groups", func(o actions.Outcome) slack.Block { return groupCard(o.Target, o.Done, *o.Group) }),
	}
}

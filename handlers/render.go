package handlers

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"oktabot/actions"
)

// Block Kit limits this package designs for (reference/slack.md §4).
const (
	maxMessageBlocks = 50
	maxSectionText   = 3000
	maxFieldText     = 2000
	maxFields        = 10
	// maxCards is how many per-target cards fit in one message: a summary
	// block, two blocks per card and a "showing N of M" note stay under 50.
	maxCards = 24
)

// reply is a rendered message: Text is the notification and fallback text,
// Blocks what people see. Public replies go to the channel; secrets are
// never in a public reply.
type reply struct {
	Text   string
	Blocks []slack.Block
	Public bool
	// More are further messages of the same reply, in order.
	More []reply
	// File, when set, is a list too long for messages, sent beside the
	// reply as a CSV file (sendCSV); the reply then says where it went.
	File *csvFile
}

// csvFile is a CSV file to send with a reply. It never holds a secret.
type csvFile struct {
	Name    string
	Content []byte
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, clip(s, maxSectionText), false, false)
}

func section(s string) *slack.SectionBlock { return slack.NewSectionBlock(mrkdwn(s), nil, nil) }

func contextBlock(s string) *slack.ContextBlock {
	return slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, clip(s, maxSectionText), false, false))
}

func fields(pairs ...string) []*slack.TextBlockObject {
	var out []*slack.TextBlockObject
	for i := 0; i+1 < len(pairs) && len(out) < maxFields; i += 2 {
		out = append(out, slack.NewTextBlockObject(slack.MarkdownType, clip("*"+pairs[i]+"*\n"+pairs[i+1], maxFieldText), false, false))
	}
	return out
}

// statusEmoji gives each Okta user status a glanceable mark.
func statusEmoji(status string) string {
	switch status {
	case actions.StatusActive:
		return ":large_green_circle:"
	case actions.StatusSuspended:
		return ":large_orange_circle:"
	case actions.StatusDeprovisioned:
		return ":black_circle:"
	case actions.StatusLockedOut:
		return ":lock:"
	case actions.StatusRecovery, actions.StatusPasswordExpired:
		return ":large_yellow_circle:"
	default:
		return ":white_circle:"
	}
}

// renderWhoami is ping's answer.
func renderWhoami(w actions.Whoami, orgURL string) reply {
	u := w.User
	ms := w.RTT.Milliseconds()
	head := fmt.Sprintf(":white_check_mark: *Okta is reachable.* %s answered in %d ms.", esc(orgURL), ms)
	if app := w.App; app != nil {
		org := esc(app.Org)
		if org == "" {
			org = "_" + esc(app.OrgNote) + "_"
		}
		var scopes []string
		for _, s := range app.Scopes {
			scopes = append(scopes, code(s))
		}
		if len(scopes) == 0 {
			scopes = []string{"–"}
		}
		return reply{
			Text: fmt.Sprintf("Okta is reachable (%d ms)", ms),
			Blocks: []slack.Block{
				section(head),
				slack.NewSectionBlock(nil, fields(
					"Logged in as", "OAuth service app\n"+code(app.ClientID),
					"Org", org,
					"Granted scopes", strings.Join(scopes, "\n"),
					"Round trip", fmt.Sprintf("%d ms", ms),
				), nil),
			},
		}
	}
	return reply{
		Text: fmt.Sprintf("Okta is reachable (%d ms)", ms),
		Blocks: []slack.Block{
			section(head),
			slack.NewSectionBlock(nil, fields(
				"API token belongs to", esc(u.Name())+"\n"+code(u.Login),
				"Their status", statusEmoji(u.Status)+" "+esc(u.Status),
				"Okta id", code(u.ID),
				"Round trip", fmt.Sprintf("%d ms", ms),
			), nil),
		},
	}
}

// renderUserOutcomes renders get-user: one card per target, in the order
// asked, with not-found and other failures as answers beside the found.
func renderUserOutcomes(outcomes []actions.Outcome) reply {
	var found, missing, failed int
	for _, o := range outcomes {
		switch {
		case o.Err == nil:
			found++
		case actions.IsKind(o.Err, actions.KindNotFound):
			missing++
		default:
			failed++
		}
	}
	parts := []string{plural(found, "user found", "users found")}
	if missing > 0 {
		parts = append(parts, strconv.Itoa(missing)+" not found")
	}
	if failed > 0 {
		parts = append(parts, strconv.Itoa(failed)+" could not be looked up")
	}
	summary := strings.Join(parts, " · ")
	var blocks []slack.Block
	if len(outcomes) > 1 {
		blocks = append(blocks, contextBlock("*get-user* · "+summary))
	}
	blocks = append(blocks, cards(outcomes, "users", func(o actions.Outcome) slack.Block { return userCard(o.Target, *o.User) })...)
	return reply{Text: "get-user: " + summary, Blocks: blocks}
}

// cards renders one card per outcome, divided, failures as answers in
// place, at most maxCards of them and a note if there are more.
func cards(outcomes []actions.Outcome, noun string, card func(actions.Outcome) slack.Block) []slack.Block {
	var blocks []slack.Block
	for i, o := range outcomes {
		if i == maxCards {
			blocks = append(blocks, contextBlock(fmt.Sprintf("Showing %d of %d. Ask for fewer %s at once to see the rest.", maxCards, len(outcomes), noun)))
			break
		}
		if i > 0 {
			blocks = append(blocks, slack.NewDividerBlock())
		}
		if o.Err != nil {
			blocks = append(blocks, section(outcomeError(o.Target, o.Err)))
			continue
		}
		blocks = append(blocks, card(o))
	}
	return blocks
}

func userCard(target string, u actions.User) slack.Block {
	head := fmt.Sprintf("%s *%s*", statusEmoji(u.Status), esc(u.Name()))
	if !strings.EqualFold(target, u.Login) && target != u.ID {
		head += " · asked as " + code(target)
	}
	status := esc(u.Status)
	if u.Transition != "" {
		status += " → " + esc(u.Transition)
	}
	return slack.NewSectionBlock(mrkdwn(head), fields(
		"Status", status,
		"Login", code(u.Login),
		"Email", esc(orDash(u.Email)),
		"Created", when(u.Created),
		"Activated", when(u.Activated),
		"Last login", when(u.LastLogin),
		"Password changed", when(u.PasswordChanged),
		"Status changed", when(u.StatusChanged),
		"Okta id", code(u.ID),
	), nil)
}

// renderProblem is a reply that only says what went wrong.
func renderProblem(err error) reply {
	t := problemText(err)
	return reply{Text: plainFallback(t), Blocks: []slack.Block{section(t)}}
}

// renderNotice is a short informational reply.
func renderNotice(mrkdwnText string) reply {
	return reply{Text: plainFallback(mrkdwnText), Blocks: []slack.Block{section(mrkdwnText)}}
}

// plainFallback turns a mrkdwn line into notification text.
func plainFallback(s string) string {
	// Entities stay escaped: the fallback text is mrkdwn too.
	s = strings.NewReplacer("*", "", "`", "").Replace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return clip(s, 300)
}

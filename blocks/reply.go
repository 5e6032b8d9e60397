package blocks

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"oktabot/actions"
)

// Block Kit limits this package designs for (reference/slack.md §4).
const (
	MaxMessageBlocks = 50
	MaxSectionText   = 3000
	maxFieldText     = 2000
	maxFields        = 10
	// maxCards is how many per-target cards fit in one message: a summary
	// block, two blocks per card and a "showing N of M" note stay under 50.
	maxCards = 24
)

// Reply is a rendered message: Text is the notification and fallback text,
// Blocks what people see. Public replies go to the channel; secrets are
// never in a public reply.
type Reply struct {
	Text   string
	Blocks []slack.Block
	Public bool
	// More are further messages of the same reply, in order.
	More []Reply
	// File, when set, is a list too long for messages, sent beside the
	// reply as a CSV file (sendCSV); the reply then says where it went.
	File *CSVFile
}

// CSVFile is a CSV file to send with a reply. It never holds a secret.
type CSVFile struct {
	Name    string
	Content []byte
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, Clip(s, MaxSectionText), false, false)
}

// Section is a section block of mrkdwn text, clipped to Slack's limit.
func Section(s string) *slack.SectionBlock { return slack.NewSectionBlock(mrkdwn(s), nil, nil) }

// Context is a context block (small grey text) of mrkdwn, clipped to
// Slack's limit.
func Context(s string) *slack.ContextBlock {
	return slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, Clip(s, MaxSectionText), false, false))
}

func fields(pairs ...string) []*slack.TextBlockObject {
	var out []*slack.TextBlockObject
	for i := 0; i+1 < len(pairs) && len(out) < maxFields; i += 2 {
		out = append(out, slack.NewTextBlockObject(slack.MarkdownType, Clip("*"+pairs[i]+"*\n"+pairs[i+1], maxFieldText), false, false))
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

// Whoami is ping's answer.
func Whoami(w actions.Whoami, orgURL string) Reply {
	u := w.User
	ms := w.RTT.Milliseconds()
	head := fmt.Sprintf(":white_check_mark: *Okta is reachable.* %s answered in %d ms.", Esc(orgURL), ms)
	if app := w.App; app != nil {
		org := Esc(app.Org)
		if org == "" {
			org = "_" + Esc(app.OrgNote) + "_"
		}
		var scopes []string
		for _, s := range app.Scopes {
			scopes = append(scopes, Code(s))
		}
		if len(scopes) == 0 {
			scopes = []string{"–"}
		}
		return Reply{
			Text: fmt.Sprintf("Okta is reachable (%d ms)", ms),
			Blocks: []slack.Block{
				Section(head),
				slack.NewSectionBlock(nil, fields(
					"Logged in as", "OAuth service app\n"+Code(app.ClientID),
					"Org", org,
					"Granted scopes", strings.Join(scopes, "\n"),
					"Round trip", fmt.Sprintf("%d ms", ms),
				), nil),
			},
		}
	}
	return Reply{
		Text: fmt.Sprintf("Okta is reachable (%d ms)", ms),
		Blocks: []slack.Block{
			Section(head),
			slack.NewSectionBlock(nil, fields(
				"API token belongs to", Esc(u.Name())+"\n"+Code(u.Login),
				"Their status", statusEmoji(u.Status)+" "+Esc(u.Status),
				"Okta id", Code(u.ID),
				"Round trip", fmt.Sprintf("%d ms", ms),
			), nil),
		},
	}
}

// UserCards renders get-user: one card per target, in the order
// asked, with not-found and other failures as answers beside the found.
func UserCards(outcomes []actions.Outcome) Reply {
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
	parts := []string{Plural(found, "user found", "users found")}
	if missing > 0 {
		parts = append(parts, strconv.Itoa(missing)+" not found")
	}
	if failed > 0 {
		parts = append(parts, strconv.Itoa(failed)+" could not be looked up")
	}
	summary := strings.Join(parts, " · ")
	var blocks []slack.Block
	if len(outcomes) > 1 {
		blocks = append(blocks, Context("*get-user* · "+summary))
	}
	blocks = append(blocks, cards(outcomes, "users", func(o actions.Outcome) slack.Block { return userCard(o) })...)
	return Reply{Text: "get-user: " + summary, Blocks: blocks}
}

// cards renders one card per outcome, divided, failures as answers in
// place, at most maxCards of them and a note if there are more.
func cards(outcomes []actions.Outcome, noun string, card func(actions.Outcome) slack.Block) []slack.Block {
	var blocks []slack.Block
	for i, o := range outcomes {
		if i == maxCards {
			blocks = append(blocks, Context(fmt.Sprintf("Showing %d of %d. Ask for fewer %s at once to see the rest.", maxCards, len(outcomes), noun)))
			break
		}
		if i > 0 {
			blocks = append(blocks, slack.NewDividerBlock())
		}
		if o.Err != nil {
			blocks = append(blocks, Section(OutcomeError(o.Target, o.Err)))
			continue
		}
		blocks = append(blocks, card(o))
	}
	return blocks
}

// userCard is one user (o.User): their status (and whether they are
// locked out), login, dates and enrolled factor types (o.Factors nil: not
// read, o.FactorsUnread says why).
func userCard(o actions.Outcome) slack.Block {
	target, u := o.Target, *o.User
	head := fmt.Sprintf("%s *%s*", statusEmoji(u.Status), Esc(u.Name()))
	if !strings.EqualFold(target, u.Login) && target != u.ID {
		head += " · asked as " + Code(target)
	}
	status := Esc(u.Status)
	if u.Transition != "" {
		status += " → " + Esc(u.Transition)
	}
	if u.Status == actions.StatusLockedOut {
		status += "\n:lock: locked out: `unlock-user` unlocks"
	}
	mfa := "could not be read"
	var left *actions.LeftError
	switch {
	case o.Factors != nil:
		mfa = factorTypes(o.Factors)
	case errors.As(o.FactorsUnread, &left):
		mfa = "left unread: " + Esc(left.Why) + " · " + Code("list-factors "+u.Login) + " reads them"
	}
	return slack.NewSectionBlock(mrkdwn(head), fields(
		"Status", status,
		"Login", Code(u.Login),
		"Email", Esc(OrDash(u.Email)),
		"Created", When(u.Created),
		"Activated", When(u.Activated),
		"Last login", When(u.LastLogin),
		"Password changed", When(u.PasswordChanged),
		"Status changed", When(u.StatusChanged),
		"MFA factors", mfa,
		"Okta id", Code(u.ID),
	), nil)
}

// ProblemReply is a reply that only says what went wrong.
func ProblemReply(err error) Reply {
	t := Problem(err)
	return Reply{Text: Fallback(t), Blocks: []slack.Block{Section(t)}}
}

// Notice is a short informational reply.
func Notice(mrkdwnText string) Reply {
	return Reply{Text: Fallback(mrkdwnText), Blocks: []slack.Block{Section(mrkdwnText)}}
}

// emphasisStripper drops mrkdwn's bold and code marks (Fallback); built
// once.
var emphasisStripper = strings.NewReplacer("*", "", "`", "")

// Fallback turns a mrkdwn line into notification text.
func Fallback(s string) string {
	// Entities stay escaped: the fallback text is mrkdwn too.
	s = emphasisStripper.Replace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return Clip(s, 300)
}

// Result turns an action's result into a reply. withSecrets says whether
// one-time secrets are written out (only ever in a reply to the caller
// alone). shown < total means a list did not fit in the message. orgURL
// is the Okta org ping names.
func Result(a *actions.Action, res actions.Result, orgURL string, withSecrets bool) (r Reply, shown, total int) {
	switch {
	case res.Whoami != nil:
		return Whoami(*res.Whoami, orgURL), 0, 0
	case res.Users != nil || a.Name == "list-users":
		return UserList(res)
	case res.Providers != nil || a.Name == "list-providers":
		return Providers(res)
	case a.Name == "get-user":
		return UserCards(res.Outcomes), 0, 0
	case a.Name == "user-activity":
		return Activity(a, res)
	case a.Name == "list-factors":
		return Factors(a, res.Outcomes)
	case a.Name == "list-user-groups" || a.Name == "list-roles":
		return Nested(a, res.Outcomes)
	case a.Targets == actions.GroupTargets || a.Targets == actions.NameTarget:
		return Groups(a, res.Outcomes), 0, 0
	default:
		return Outcomes(a, res.Outcomes, withSecrets)
	}
}

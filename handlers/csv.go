package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"oktabot/actions"
	"oktabot/blocks"
)

// csvTime formats a timestamp for a spreadsheet; never is empty.
func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// cell neutralises spreadsheet formulas: a value from Okta such as
// "=HYPERLINK(…)" must stay text when the file is opened.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// resultCSV is the whole of a result as CSV, for lists too long for a
// message. It never holds a secret.
func resultCSV(a *actions.Action, res actions.Result) []byte {
	var rows [][]string
	switch {
	case res.Users != nil:
		rows = append(rows, []string{"id", "status", "login", "email", "first_name", "last_name", "created", "activated", "last_login", "password_changed", "status_changed"})
		for _, u := range res.Users {
			rows = append(rows, []string{u.ID, u.Status, u.Login, u.Email, u.FirstName, u.LastName,
				csvTime(u.Created), csvTime(u.Activated), csvTime(u.LastLogin), csvTime(u.PasswordChanged), csvTime(u.StatusChanged)})
		}
	case res.Providers != nil:
		rows = append(rows, []string{"id", "name", "type", "status", "created", "last_updated"})
		for _, p := range res.Providers {
			rows = append(rows, []string{p.ID, p.Name, p.Type, p.Status, csvTime(p.Created), csvTime(p.LastUpdated)})
		}
	default:
		rows = append(rows, []string{"target", "user_id", "login", "status", "result", "item", "item_id", "error"})
		for _, o := range res.Outcomes {
			base := []string{o.Target, "", "", ""}
			if o.User != nil {
				base = []string{o.Target, o.User.ID, o.User.Login, o.User.Status}
			}
			errText := ""
			if o.Err != nil {
				errText = plainFallback(blocks.ProblemBare(o.Err))
			}
			switch {
			case o.Groups != nil:
				for _, g := range o.Groups {
					rows = append(rows, append(append([]string{}, base...), "group", g.Name, g.ID, ""))
				}
			case o.Roles != nil && !o.Changed:
				for _, r := range o.Roles {
					rows = append(rows, append(append([]string{}, base...), "role", r.Type, r.ID, ""))
				}
			}
			if o.Groups == nil && (o.Roles == nil || o.Changed) || o.Err != nil {
				rows = append(rows, append(base, o.Done, "", "", errText))
			}
		}
	}
	return csvRows(rows)
}

// csvRows writes rows as CSV, each cell neutralised (cell).
func csvRows(rows [][]string) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, r := range rows {
		for i := range r {
			r[i] = cell(r[i])
		}
		w.Write(r)
	}
	w.Flush()
	return buf.Bytes()
}

// sendCSV uploads a list to the caller's direct message with the app (or,
// for a public request, to the channel) and says where it went. A file
// the channel does not take (a direct message between people, a channel
// oktabot is not in) goes to the caller's direct message instead.
func (b *Bot) sendCSV(ctx context.Context, log zerolog.Logger, inv invocation, name string, content []byte, public bool) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	const failed = "The whole list could not be sent as a file; narrow the request to see the rest."
	instead := ""
	if public && inv.channel != "" {
		err := b.uploadCSV(ctx, inv.channel, name, content)
		if err == nil {
			return fmt.Sprintf("The whole list is in `%s`, sent in this channel.", name)
		}
		log.Warn().Err(withoutURLPath(err)).Msg("could not share the CSV file in the channel; sending it by direct message")
		instead = fmt.Sprintf(", as oktabot cannot share files in %s", conversationRef(inv.channel))
	}
	ch, _, _, err := b.cfg.Slack.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{inv.caller}})
	if err != nil {
		log.Error().Err(err).Msg("could not open a direct message for the CSV file")
		return failed
	}
	if err := b.uploadCSV(ctx, ch.ID, name, content); err != nil {
		log.Error().Err(withoutURLPath(err)).Msg("could not upload the CSV file")
		return failed
	}
	return fmt.Sprintf("The whole list is in `%s`, sent to you in a direct message%s.", name, instead)
}

func (b *Bot) uploadCSV(ctx context.Context, channel, name string, content []byte) error {
	_, err := b.cfg.Slack.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename: name, Title: name, Content: string(content), FileSize: len(content), Channel: channel,
		SnippetType: "csv",
	})
	return err
}

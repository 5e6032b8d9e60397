package blocks

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"io"
	"strings"
	"time"

	"oktabot/actions"
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

// ResultCSV is the whole of a result as CSV, for lists too long for a
// message. It never holds a secret.
func ResultCSV(a *actions.Action, res actions.Result) []byte {
	var rows [][]string
	switch {
	case res.Users != nil:
		rows = append(rows, userCSVHeader())
		for _, u := range res.Users {
			rows = append(rows, userCSVRow(u))
		}
	case res.Providers != nil:
		rows = append(rows, []string{"id", "name", "type", "status", "created", "last_updated"})
		for _, p := range res.Providers {
			rows = append(rows, []string{p.ID, p.Name, p.Type, p.Status, csvTime(p.Created), csvTime(p.LastUpdated)})
		}
	case len(res.Outcomes) > 0 && res.Outcomes[0].Events != nil:
		rows = append(rows, []string{"published", "event_type", "outcome", "reason", "message", "actor", "targets", "client_ip", "city", "country", "user_agent", "uuid"})
		for _, o := range res.Outcomes {
			for _, e := range o.Events {
				var targets []string
				for _, t := range e.Targets {
					targets = append(targets, cmp.Or(t.Login, t.Name, t.ID))
				}
				rows = append(rows, []string{csvTime(e.Published), e.Type, e.Outcome, e.Reason, e.Message, e.Actor.Login,
					strings.Join(targets, "; "), e.ClientIP, e.City, e.Country, e.UserAgent, e.ID})
			}
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
				errText = Fallback(ProblemBare(o.Err))
			}
			switch {
			case o.Groups != nil:
				for _, g := range o.Groups {
					rows = append(rows, append(append([]string{}, base...), "group", g.Name, g.ID, ""))
				}
			case o.Factors != nil:
				for _, f := range o.Factors {
					rows = append(rows, append(append([]string{}, base...), "factor", f.Name(), f.ID, ""))
				}
			case o.Roles != nil && !o.Changed:
				for _, r := range o.Roles {
					rows = append(rows, append(append([]string{}, base...), "role", r.Type, r.ID, ""))
				}
			}
			if o.Groups == nil && o.Factors == nil && (o.Roles == nil || o.Changed) || o.Err != nil {
				rows = append(rows, append(base, o.Done, "", "", errText))
			}
		}
	}
	return CSV(rows)
}

func userCSVHeader() []string {
	return []string{"id", "status", "login", "email", "first_name", "last_name", "created", "activated", "last_login", "password_changed", "status_changed"}
}

func userCSVRow(u actions.User) []string {
	return []string{u.ID, u.Status, u.Login, u.Email, u.FirstName, u.LastName,
		csvTime(u.Created), csvTime(u.Activated), csvTime(u.LastLogin), csvTime(u.PasswordChanged), csvTime(u.StatusChanged)}
}

// UsersCSV writes a user listing as CSV, page by page, as ResultCSV would
// write it whole: a long listing need never be held at once.
type UsersCSV struct {
	w       *csv.Writer
	started bool
}

// NewUsersCSV writes to w; Flush when done.
func NewUsersCSV(w io.Writer) *UsersCSV { return &UsersCSV{w: csv.NewWriter(w)} }

// Write adds users, after the header on the first call.
func (c *UsersCSV) Write(users []actions.User) error {
	if !c.started {
		c.started = true
		writeRow(c.w, userCSVHeader())
	}
	for _, u := range users {
		writeRow(c.w, userCSVRow(u))
	}
	return c.w.Error()
}

// Flush writes out what is buffered and reports any error writing.
func (c *UsersCSV) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// CSV writes rows as CSV, each cell neutralised (cell).
func CSV(rows [][]string) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, r := range rows {
		writeRow(w, r)
	}
	w.Flush()
	return buf.Bytes()
}

// writeRow writes one row, each cell neutralised (cell).
func writeRow(w *csv.Writer, r []string) {
	for i := range r {
		r[i] = cell(r[i])
	}
	_ = w.Write(r) // w.Error() reports it
}

package blocks

import (
	"bytes"
	"cmp"
	"encoding/csv"
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

// CSV writes rows as CSV, each cell neutralised (cell).
func CSV(rows [][]string) []byte {
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

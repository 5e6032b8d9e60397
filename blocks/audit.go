package blocks

import (
	"fmt"
	"strings"
	"time"

	"oktabot/store"
)

// AuditRequest is a request in an audit channel line.
func AuditRequest(ap store.Approval) string {
	return fmt.Sprintf("%s on %s by %s in %s", Code(ap.Action), ApprovalTargets(ap, 10), Mention(ap.RequesterID), ChannelRef(ap.RequesterChannel))
}

// WithTargets adds every target of a request or record to an audit
// answer, numbered, with the label approvers saw beside each when there is
// one: in a message of their own when they fit, else as a CSV file.
func WithTargets(r Reply, of string, targets, labels []string, now time.Time) Reply {
	lines := make([]string, len(targets))
	for i, t := range targets {
		lines[i] = fmt.Sprintf("%d. %s", i+1, TargetRef(t))
		if labels != nil && labels[i] != "" {
			lines[i] += " " + Code(labels[i])
		}
	}
	list, shown, total := List(fmt.Sprintf("*Every target of %s* (%d in all):", of, len(targets)), lines, "No targets.")
	if shown < total {
		rows := [][]string{{"n", "target", "label"}}
		for i, t := range targets {
			label := ""
			if labels != nil {
				label = labels[i]
			}
			rows = append(rows, []string{fmt.Sprint(i + 1), t, label})
		}
		name := fmt.Sprintf("targets-%s-%s.csv", strings.NewReplacer(" ", "-", "#", "").Replace(of), now.UTC().Format("20060102-150405"))
		list.File = &CSVFile{Name: name, Content: CSV(rows)}
	}
	r.More = append(r.More, list)
	return r
}

// Audit lists audit records, newest first, one line each.
func Audit(recs []store.AuditRecord, f store.AuditFilter) Reply {
	var filters []string
	for _, a := range f.Actors {
		filters = append(filters, "by "+Mention(a))
	}
	if f.Action != "" {
		filters = append(filters, "action "+Code(f.Action))
	}
	if f.ApprovalID != "" {
		filters = append(filters, "request "+Code(f.ApprovalID))
	}
	if f.ID != 0 {
		filters = append(filters, fmt.Sprintf("record #%d", f.ID))
	}
	heading := fmt.Sprintf("*Audit trail* · %s, newest first", Plural(len(recs), "record", "records"))
	if len(filters) > 0 {
		heading += " · " + strings.Join(filters, ", ")
	}
	if f.Limit > store.MaxAuditLimit {
		heading += fmt.Sprintf(" · at most %d at a time", store.MaxAuditLimit)
	}
	lines := make([]string, len(recs))
	for i, r := range recs {
		lines[i] = auditRecordLine(r)
	}
	rep, _, _ := List(heading, lines, "No audit records match.")
	return rep
}

// auditRecordLine is one audit record for people.
func auditRecordLine(r store.AuditRecord) string {
	parts := []string{fmt.Sprintf("#%d", r.ID), "`" + r.At.UTC().Format("2006-01-02 15:04:05Z") + "`", "*" + Esc(r.Event) + "*"}
	if r.Actor != "" {
		parts = append(parts, Mention(r.Actor))
	}
	if r.Action != "" {
		parts = append(parts, Code(r.Action))
	}
	switch {
	case r.Target != "":
		parts = append(parts, "on "+TargetRef(r.Target))
	case len(r.Targets) > 3:
		parts = append(parts, fmt.Sprintf("on %s (`/okta audit --record %d` lists them all)", TargetsSummary(r.Targets, 3), r.ID))
	case len(r.Targets) > 0:
		parts = append(parts, "on "+TargetsSummary(r.Targets, 3))
	}
	if r.Channel != "" {
		parts = append(parts, "in "+ChannelRef(r.Channel))
	}
	if r.Outcome != "" {
		o := Esc(r.Outcome)
		if r.ErrorKind != "" {
			o += " (" + Esc(r.ErrorKind) + ")"
		}
		parts = append(parts, "→ "+o)
	}
	if r.Detail != "" {
		parts = append(parts, "_"+Esc(Clip(strings.ReplaceAll(r.Detail, "\n", " "), 200))+"_")
	}
	if r.OktaRequestID != "" {
		parts = append(parts, "Okta request "+Code(r.OktaRequestID))
	}
	if r.ApprovalID != "" {
		parts = append(parts, "request "+Code(r.ApprovalID))
	}
	return strings.Join(parts, " · ")
}

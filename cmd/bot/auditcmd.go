package main

// The audit trail for operators: `oktabot audit export` for a SIEM, and the
// daily retention sweep (OKTABOT_AUDIT_RETENTION).

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"oktabot/store"
	"oktabot/store/storeopen"
)

const auditUsage = `Usage:
  oktabot audit export [-since DURATION] [-format jsonl|csv]
      write the audit records, oldest first, to stdout: every record, or
      those of the last DURATION (30d, 12h); jsonl (default) is one JSON
      object a line, csv has a header row. Reads OKTABOT_DATABASE_URL (or
      OKTABOT_DATABASE_URL_FILE) only.
`

// auditCommand runs `oktabot audit …` (args after "audit").
func auditCommand(ctx context.Context, args []string, lookupEnv func(string) (string, bool), now func() time.Time, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "export" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, auditUsage)
			return nil
		}
		fmt.Fprint(stderr, auditUsage)
		return errReported{"audit: say export"}
	}
	fs := flag.NewFlagSet("oktabot audit export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sinceText := fs.String("since", "", "only records of the last DURATION: 30d, 12h, 90m")
	format := fs.String("format", "jsonl", "jsonl or csv")
	if err := fs.Parse(args[1:]); err != nil {
		return errReported{"audit export: " + err.Error()}
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("audit export: unexpected arguments %q", fs.Args())
	}
	var since time.Time
	if *sinceText != "" {
		d, err := parseSince(*sinceText)
		if err != nil {
			return fmt.Errorf("audit export: -since %w", err)
		}
		since = now().Add(-d)
	}
	var write func(store.AuditRecord) error
	var flush func() error
	bw := bufio.NewWriter(stdout)
	switch *format {
	case "jsonl":
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		write = func(r store.AuditRecord) error { return enc.Encode(exportRecord(r)) }
		flush = bw.Flush
	case "csv":
		cw := csv.NewWriter(bw)
		if err := cw.Write(csvHeader); err != nil {
			return err
		}
		write = func(r store.AuditRecord) error { return cw.Write(csvRecord(r)) }
		flush = func() error {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			return bw.Flush()
		}
	default:
		return fmt.Errorf("audit export: -format must be jsonl or csv, not %q", *format)
	}

	dbURL, err := loadDatabaseURL(lookupEnv)
	if err != nil {
		return err
	}
	st, err := storeopen.Open(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("OKTABOT_DATABASE_URL (%s): %w", storeopen.Describe(dbURL), err)
	}
	defer st.Close()
	if err := store.ExportAll(ctx, st, since, write); err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	return flush()
}

// parseSince reads -since: days (30d) or a Go duration (12h, 90m).
func parseSince(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err = fmt.Sscanf(days, "%d", &n); err == nil && fmt.Sprint(n) == days {
			d = time.Duration(n) * 24 * time.Hour
		} else {
			err = fmt.Errorf("bad days")
		}
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("must be a positive duration such as 30d, 12h or 90m, not %q", s)
	}
	return d, nil
}

// exported is an audit record as export writes it: snake_case names, a
// UTC time, empty fields left out.
type exported struct {
	ID            int64             `json:"id"`
	At            string            `json:"at"`
	Event         string            `json:"event"`
	Actor         string            `json:"actor,omitempty"`
	Channel       string            `json:"channel,omitempty"`
	Action        string            `json:"action,omitempty"`
	Targets       []string          `json:"targets,omitempty"`
	Params        map[string]string `json:"params,omitempty"`
	ApprovalID    string            `json:"approval_id,omitempty"`
	Target        string            `json:"target,omitempty"`
	Outcome       string            `json:"outcome,omitempty"`
	ErrorKind     string            `json:"error_kind,omitempty"`
	OktaRequestID string            `json:"okta_request_id,omitempty"`
	Detail        string            `json:"detail,omitempty"`
}

func exportRecord(r store.AuditRecord) exported {
	return exported{ID: r.ID, At: r.At.UTC().Format(time.RFC3339Nano), Event: r.Event, Actor: r.Actor, Channel: r.Channel,
		Action: r.Action, Targets: r.Targets, Params: r.Params, ApprovalID: r.ApprovalID, Target: r.Target,
		Outcome: r.Outcome, ErrorKind: r.ErrorKind, OktaRequestID: r.OktaRequestID, Detail: r.Detail}
}

var csvHeader = []string{"id", "at", "event", "actor", "channel", "action", "targets", "params", "approval_id",
	"target", "outcome", "error_kind", "okta_request_id", "detail"}

// csvRecord is one CSV row: targets separated by spaces, params as a JSON
// object, and every text cell kept from being read as a spreadsheet
// formula.
func csvRecord(r store.AuditRecord) []string {
	params := ""
	if len(r.Params) > 0 {
		b, _ := json.Marshal(r.Params)
		params = string(b)
	}
	row := []string{fmt.Sprint(r.ID), r.At.UTC().Format(time.RFC3339Nano), r.Event, r.Actor, r.Channel, r.Action,
		strings.Join(r.Targets, " "), params, r.ApprovalID, r.Target, r.Outcome, r.ErrorKind, r.OktaRequestID, r.Detail}
	for i := 2; i < len(row); i++ {
		row[i] = noFormula(row[i])
	}
	return row
}

// noFormula prefixes a value a spreadsheet would run as a formula with '.
func noFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Retention sweep timing: the first sweep runs at start, then one a day;
// a failed sweep is retried sooner.
var (
	retentionEvery = 24 * time.Hour
	retentionRetry = time.Hour
)

// retentionLoop deletes audit records older than keep, at start and then
// daily, until ctx is done: the one deletion the store allows. Each sweep
// that deletes anything is audited (audit) with how many records and the
// cutoff.
func retentionLoop(ctx context.Context, st store.Store, keep time.Duration, text string, now func() time.Time,
	audit func(context.Context, store.AuditRecord), log zerolog.Logger) {
	log = log.With().Str("component", "audit-retention").Logger()
	for {
		wait := retentionEvery
		cutoff := now().Add(-keep).UTC()
		sctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		n, err := st.DeleteAuditBefore(sctx, cutoff)
		cancel()
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			log.Error().Err(err).Int64("deleted", n).Msg("audit retention sweep failed; retrying in an hour")
			wait = retentionRetry
		default:
			log.Info().Str("event", "audit.retention").Int64("deleted", n).Time("cutoff", cutoff).Msg("audit retention sweep")
		}
		if n > 0 {
			outcome := "ok"
			if err != nil {
				outcome = "failed part way"
			}
			audit(ctx, store.AuditRecord{Event: "audit.retention", Outcome: outcome,
				Params: map[string]string{"retention": text, "cutoff": cutoff.Format(time.RFC3339)},
				Detail: fmt.Sprintf("deleted %d audit %s older than %s (OKTABOT_AUDIT_RETENTION=%s)", n, plural(int(n), "record", "records"), cutoff.Format(time.RFC3339), text)})
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

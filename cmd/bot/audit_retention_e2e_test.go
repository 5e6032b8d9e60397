package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"oktabot/store"
	"oktabot/store/storeopen"
)

func TestParseRetention(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"": 0, "  ": 0, "400d": 400 * 24 * time.Hour, "1d": 24 * time.Hour, "9600h": 9600 * time.Hour, "24h": 24 * time.Hour,
	} {
		if got, err := parseRetention(in); err != nil || got != want {
			t.Errorf("parseRetention(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"30m", "23h", "0d", "-5d", "1.5d", "forever", "400", "d", "400days"} {
		if _, err := parseRetention(in); err == nil {
			t.Errorf("parseRetention(%q): no error", in)
		}
	}
	env := baseEnv()
	env["OKTABOT_AUDIT_RETENTION"] = "30m"
	_, err := loadConfig(lookup(env))
	if err == nil || !strings.Contains(err.Error(), `OKTABOT_AUDIT_RETENTION "30m" is shorter than a day`) {
		t.Errorf("loadConfig with 30m: %v", err)
	}
}

// seedAudit appends records to the database at url before the bot runs.
func seedAudit(t *testing.T, url string, recs ...store.AuditRecord) {
	t.Helper()
	st, err := storeopen.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, r := range recs {
		if _, err := st.AppendAudit(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditRetentionSweep(t *testing.T) {
	a := newApprovals(t, "1h")
	a.env["OKTABOT_AUDIT_RETENTION"] = "400d"
	now := time.Now()
	seedAudit(t, a.env["OKTABOT_DATABASE_URL"],
		store.AuditRecord{At: now.Add(-500 * 24 * time.Hour), Event: "request.allowed", Actor: uAlice, Action: "ping"},
		store.AuditRecord{At: now.Add(-401 * 24 * time.Hour), Event: "request.allowed", Actor: uAlice, Action: "ping"},
		store.AuditRecord{At: now.Add(-399 * 24 * time.Hour), Event: "request.allowed", Actor: uBob, Action: "ping"},
	)
	bot := a.start("bot")
	waitFor(t, 20*time.Second, "the retention sweep", func() bool { return bot.logged("audit.retention") >= 2 })

	recs := a.audit()
	if len(recs) != 2 || recs[0].Actor != uBob || recs[1].Event != "audit.retention" {
		t.Fatalf("records after the sweep: %+v", recs)
	}
	sweep := recs[1]
	if !strings.HasPrefix(sweep.Detail, "deleted 2 audit records older than ") || !strings.HasSuffix(sweep.Detail, "(OKTABOT_AUDIT_RETENTION=400d)") ||
		sweep.Params["retention"] != "400d" || sweep.Outcome != "ok" {
		t.Errorf("the sweep's record: %+v", sweep)
	}
	cutoff, err := time.Parse(time.RFC3339, sweep.Params["cutoff"])
	if err != nil || cutoff.Before(now.Add(-400*24*time.Hour-time.Minute)) || cutoff.After(time.Now().Add(-400*24*time.Hour)) {
		t.Errorf("cutoff %q, want 400 days before the sweep", sweep.Params["cutoff"])
	}
}

func TestAuditKeptForeverByDefault(t *testing.T) {
	a := newApprovals(t, "1h")
	seedAudit(t, a.env["OKTABOT_DATABASE_URL"], store.AuditRecord{At: time.Now().AddDate(-20, 0, 0), Event: "request.allowed"})
	bot := a.start("bot")
	mustContain(t, bot.stdout.String(), "audit records are kept forever")
	a.stopBot(bot)
	if recs := a.audit(); len(recs) != 1 {
		t.Errorf("%d records, want the old one kept", len(recs))
	}
}

func TestAuditExport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "oktabot.db")
	now := time.Now()
	seedAudit(t, db,
		store.AuditRecord{At: now.Add(-48 * time.Hour), Event: "request.allowed", Actor: uAlice, Channel: chGen, Action: "get-user", Targets: []string{"alice"}},
		store.AuditRecord{At: now.Add(-time.Hour), Event: "outcome", Actor: uSecurity, Action: "disable-user", Targets: []string{"00u1", "00u2"},
			Params: map[string]string{"reason": "=HYPERLINK(\"x\")"}, Target: "00u1", Outcome: "ok", OktaRequestID: "XkZ", Detail: "suspended, \"quoted\"\nnext line"},
	)
	env := map[string]string{"OKTABOT_DATABASE_URL": db}

	out, _, err := runCmd(t, env, "audit", "export")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("jsonl: %d lines, want 2:\n%s", len(lines), out)
	}
	var first, second map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal([]byte(lines[1]), &second)
	if first["event"] != "request.allowed" || first["actor"] != uAlice || first["id"] != 1.0 || first["detail"] != nil {
		t.Errorf("first record: %s", lines[0])
	}
	if at, err := time.Parse(time.RFC3339Nano, first["at"].(string)); err != nil || !at.Equal(now.Add(-48*time.Hour).Truncate(time.Microsecond)) {
		t.Errorf("at %v: %v", first["at"], err)
	}
	if second["okta_request_id"] != "XkZ" || second["params"].(map[string]any)["reason"] != `=HYPERLINK("x")` {
		t.Errorf("second record: %s", lines[1])
	}

	out, _, err = runCmd(t, env, "audit", "export", "-since", "1d", "-format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, out)
	}
	if len(rows) != 2 || strings.Join(rows[0], ",") != "id,at,event,actor,channel,action,targets,params,approval_id,target,outcome,error_kind,okta_request_id,detail" {
		t.Fatalf("csv rows: %q", rows)
	}
	if r := rows[1]; r[0] != "2" || r[6] != "00u1 00u2" || r[7] != `{"reason":"=HYPERLINK(\"x\")"}` || r[13] != "suspended, \"quoted\"\nnext line" {
		t.Errorf("csv row: %q", r)
	}

	// A formula at the start of a cell is neutralised for spreadsheets.
	seedAudit(t, db, store.AuditRecord{At: now, Event: "outcome", Detail: "=cmd()"})
	out, _, _ = runCmd(t, env, "audit", "export", "--since=10m", "--format=csv")
	mustContain(t, out, ",'=cmd()\n")

	for _, args := range [][]string{
		{"audit"}, {"audit", "import"}, {"audit", "export", "-format", "xml"}, {"audit", "export", "-since", "yesterday"},
		{"audit", "export", "extra"},
	} {
		if _, _, err := runCmd(t, env, args...); err == nil {
			t.Errorf("oktabot %q: no error", args)
		}
	}

	// The database URL may come from a file, like the bot's.
	f := filepath.Join(t.TempDir(), "db-url")
	os.WriteFile(f, []byte(db+"\n"), 0o600)
	out, _, err = runCmd(t, map[string]string{"OKTABOT_DATABASE_URL_FILE": f}, "audit", "export")
	if err != nil || strings.Count(out, "\n") != 3 {
		t.Errorf("export with OKTABOT_DATABASE_URL_FILE: %v\n%s", err, out)
	}
	_, _, err = runCmd(t, map[string]string{"OKTABOT_DATABASE_URL_FILE": f, "OKTABOT_DATABASE_URL": db}, "audit", "export")
	if err == nil || !strings.Contains(err.Error(), "both set") {
		t.Errorf("both set: %v", err)
	}
}

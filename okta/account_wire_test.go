package okta

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"oktabot/actions"
)

func TestAccountPathsAreEscaped(t *testing.T) {
	w := newWire(t, func(rw http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodDelete:
			rw.WriteHeader(http.StatusNoContent)
		case strings.HasSuffix(r.URL.Path, "/factors"), strings.HasSuffix(r.URL.Path, "/roles"), strings.HasSuffix(r.URL.Path, "/clients"):
			writeJSON(rw, 200, []any{})
		case strings.Contains(r.URL.Path, "/transactions/"):
			writeJSON(rw, 200, map[string]any{"factorResult": "WAITING"})
		default:
			writeJSON(rw, 200, map[string]any{})
		}
	})
	c := wireClient(t, w, nil)
	ctx := context.Background()
	const u, f, g, tx = "a/b?c", "f#1", "g 1", "t/1"
	if _, err := c.ListFactors(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteFactor(ctx, u, f); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PushResult(ctx, actions.PushChallenge{UserID: u, FactorID: f, Transaction: actions.NewSecret(tx)}); err != nil {
		t.Fatal(err)
	}
	if err := c.ClearSessions(ctx, u, actions.ClearSessions{OAuthTokens: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveGroupMember(ctx, g, u); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListGroupRoles(ctx, g); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListClients(ctx, u); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, call := range w.Calls() {
		got = append(got, call.Method+" "+call.Path)
	}
	e := url.PathEscape
	want := []string{
		"GET /api/v1/users/" + e(u) + "/factors",
		"DELETE /api/v1/users/" + e(u) + "/factors/" + e(f),
		"GET /api/v1/users/" + e(u) + "/factors/" + e(f) + "/transactions/" + e(tx),
		"DELETE /api/v1/users/" + e(u) + "/sessions",
		"DELETE /api/v1/groups/" + e(g) + "/users/" + e(u),
		"GET /api/v1/groups/" + e(g) + "/roles",
		"GET /api/v1/users/" + e(u) + "/clients",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"", ".", "..", "me"} {
		if _, err := c.ListFactors(ctx, bad); !actions.IsKind(err, actions.KindInvalid) {
			t.Errorf("ListFactors(%q) = %v, want invalid", bad, err)
		}
		if err := c.DeleteFactor(ctx, "00u1", bad); bad != "me" && !actions.IsKind(err, actions.KindInvalid) {
			t.Errorf("DeleteFactor(factor %q) = %v, want invalid", bad, err)
		}
	}
}

func TestAccountSecretsStayOutOfLogsAndErrors(t *testing.T) {
	const (
		temp = "TEMP-PASSWORD-SECRET"
		tx   = "v2mst.TRANSACTION-SECRET"
	)
	w := newWire(t, func(rw http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/expire_password_with_temp_password"):
			writeJSON(rw, 200, map[string]any{"tempPassword": temp})
		case strings.HasSuffix(r.URL.Path, "/verify"):
			writeJSON(rw, 201, map[string]any{
				"factorResult": "WAITING",
				"_embedded":    map[string]any{"challenge": map[string]any{"correctAnswer": 87}},
				"_links": map[string]any{"poll": map[string]any{
					"href": "http://" + r.Host + "/api/v1/users/00u1/factors/opf1/transactions/" + tx}},
			})
		case strings.Contains(r.URL.Path, "/transactions/"):
			// An error that names the transaction, as Okta's do.
			writeJSON(rw, 403, oktaErr(codeForbidden, "You do not have permission: "+tx, "transaction "+tx))
		default: // the factor
			writeJSON(rw, 200, map[string]any{"id": "opf1", "factorType": "push", "provider": "OKTA", "status": "ACTIVE",
				"profile": map[string]any{"name": "Pat's iPhone", "credentialId": "pat@corp.com",
					"keys": []any{map[string]any{"kty": "EC", "x": "KEY-MATERIAL"}}}})
		}
	})
	var logs bytes.Buffer
	c := wireClient(t, w, func(cfg *Config) { cfg.Logger = zerolog.New(&logs).Level(zerolog.DebugLevel) })
	ctx := context.Background()

	secret, err := c.ExpirePasswordWithTemp(ctx, "00u1", false)
	if err != nil || secret.Reveal() != temp {
		t.Fatalf("ExpirePasswordWithTemp = %v, %v", secret, err)
	}
	ch, err := c.SendPush(ctx, "00u1", "opf1")
	if err != nil || ch.Number.Reveal() != "87" || ch.Transaction.Reveal() != tx {
		t.Fatalf("SendPush = %+v, %v", ch, err)
	}
	if body := w.Calls()[2].Body; !strings.Contains(body, `"useNumberMatchingChallenge":true`) {
		t.Errorf("verify body %q asks for no number matching", body)
	}
	_, err = c.PushResult(ctx, ch)
	if !actions.IsKind(err, actions.KindForbidden) {
		t.Fatalf("PushResult: %v, want forbidden", err)
	}
	var ae *actions.Error
	if !errors.As(err, &ae) {
		t.Fatalf("%T is not an *actions.Error", err)
	}
	shown := fmt.Sprintf("%v %+v %#v %v %v", err, err, err, ch, ae.Causes)
	out := logs.String()
	for _, s := range []string{temp, tx, "TRANSACTION-SECRET", "87", "KEY-MATERIAL"} {
		// The number is matched as a word: %#v prints pointers, whose hex
		// digits may hold "87".
		if regexp.MustCompile(`\b`+regexp.QuoteMeta(s)+`\b`).MatchString(shown) || strings.Contains(shown, s) && s != "87" {
			t.Errorf("an error or a printed challenge holds %q: %s", s, shown)
		}
		// (A two-digit number may appear in a log line's duration.)
		if s != "87" && strings.Contains(out, s) {
			t.Errorf("the log holds %q:\n%s", s, out)
		}
	}
	f, err := c.GetFactor(ctx, "00u1", "opf1")
	if err != nil || f.Device != "Pat's iPhone" {
		t.Errorf("GetFactor = %+v, %v", f, err)
	}
	if s := fmt.Sprintf("%+v", f); strings.Contains(s, "KEY-MATERIAL") || strings.Contains(s, "pat@corp.com") {
		t.Errorf("a factor carries its credential: %s", s)
	}
}

func TestPushWithoutNumberMatching(t *testing.T) {
	w := newWire(t, func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/verify") {
			writeJSON(rw, 201, map[string]any{"factorResult": "WAITING", "_links": map[string]any{"poll": map[string]any{
				"href": "http://" + r.Host + "/api/v1/users/00u1/factors/opf1/transactions/v2mst.x"}}})
			return
		}
		writeJSON(rw, 200, map[string]any{"id": "opf1", "factorType": "push", "provider": "OKTA", "status": "ACTIVE"})
	})
	c := wireClient(t, w, nil)
	ch, err := c.SendPush(context.Background(), "00u1", "opf1")
	if err != nil || !ch.Number.IsZero() || ch.Transaction.Reveal() != "v2mst.x" {
		t.Errorf("SendPush = %+v, %v; want no number", ch, err)
	}
}

package sandbox

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"oktabot/okta/oktatest"
)

// phoneSandbox is a sandbox's page API over the Okta stand-in alone (no
// bot): enough for its phones and clock.
func phoneSandbox(t *testing.T) (*Sandbox, http.Handler) {
	t.Helper()
	c := &clock{base: time.Now}
	s := &Sandbox{clock: c, Okta: oktatest.New(t, oktatest.WithClock(c.Now))}
	return s, s.handler()
}

// push sends user an Okta Verify push with number matching, as the bot
// does, through Okta's API.
func push(t *testing.T, o *oktatest.Server, userID, factorID string) {
	t.Helper()
	req, _ := http.NewRequest("POST", o.URL+"/api/v1/users/"+userID+"/factors/"+factorID+"/verify", strings.NewReader(`{"useNumberMatchingChallenge":true}`))
	req.Header.Set("Authorization", "SSWS "+o.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "oktabot-test")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := o.Client().Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("verify: %s", resp.Status)
	}
}

func call(t *testing.T, h http.Handler, method, path, body string, out any) int {
	t.Helper()
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if out != nil {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, w.Body)
		}
	}
	return w.Code
}

type phonesReply struct {
	Pushes []struct {
		ID        string `json:"id"`
		Login     string `json:"login"`
		Device    string `json:"device"`
		Result    string `json:"result"`
		Choices   []int  `json:"choices"`
		ExpiresIn int    `json:"expires_in"`
	} `json:"pushes"`
}

// A push shows on its owner's phone with the three numbers (and nothing
// that says which is right, nor Okta's transaction id); the right number
// approves it, a wrong one rejects it, as in Okta; a push answered or
// timed out is answered no more.
func TestPhonesAnswerPushes(t *testing.T) {
	s, h := phoneSandbox(t)
	noah := s.Okta.AddUser(oktatest.User{Login: "noah@" + domain, FirstName: "Noah", LastName: "Varga"})
	erin := s.Okta.AddUser(oktatest.User{Login: "erin@" + domain, FirstName: "Erin", LastName: "Ito"})
	nf := s.Okta.AddFactor(noah.ID, oktatest.Factor{FactorType: "push", DeviceName: "Noah's iPhone"})
	ef := s.Okta.AddFactor(erin.ID, oktatest.Factor{FactorType: "push"})

	var r phonesReply
	if call(t, h, "GET", "/api/phones", "", &r); len(r.Pushes) != 0 {
		t.Fatalf("phones before any push: %+v", r.Pushes)
	}
	push(t, s.Okta, noah.ID, nf.ID)
	push(t, s.Okta, erin.ID, ef.ID)
	raw := httptest.NewRecorder()
	h.ServeHTTP(raw, httptest.NewRequest("GET", "/api/phones", nil))
	json.Unmarshal(raw.Body.Bytes(), &r)
	if len(r.Pushes) != 2 {
		t.Fatalf("phones: %+v", r.Pushes)
	}
	txNoah, txErin := s.Okta.PushTransactions(noah.ID)[0], s.Okta.PushTransactions(erin.ID)[0]
	for _, secret := range []string{txNoah.ID, txErin.ID, `"correct`} {
		if strings.Contains(raw.Body.String(), secret) {
			t.Errorf("the page is told %q: %s", secret, raw.Body)
		}
	}
	byLogin := map[string]int{}
	for i, p := range r.Pushes {
		byLogin[p.Login] = i
		if p.Result != "WAITING" || len(p.Choices) != 3 || p.ExpiresIn < 290 {
			t.Errorf("push %+v", p)
		}
	}
	pn, pe := r.Pushes[byLogin[noah.Login]], r.Pushes[byLogin[erin.Login]]
	if pn.Device != "Noah's iPhone" || !slices.Equal(pn.Choices, txNoah.Choices) {
		t.Errorf("Noah's phone shows %+v, want the choices %v", pn, txNoah.Choices)
	}

	// A number the push does not offer is refused, and changes nothing.
	if code := call(t, h, "POST", "/api/phones/answer", `{"id":"`+pn.ID+`","number":100}`, nil); code != http.StatusBadRequest {
		t.Errorf("a number not offered: %d", code)
	}
	var ans struct{ Result, Error string }
	call(t, h, "POST", "/api/phones/answer", `{"id":"`+pn.ID+`","number":`+itoa(txNoah.CorrectAnswer)+`}`, &ans)
	if ans.Result != "SUCCESS" || s.Okta.PushTransactions(noah.ID)[0].Result != "SUCCESS" {
		t.Errorf("the right number: %+v, Okta says %s", ans, s.Okta.PushTransactions(noah.ID)[0].Result)
	}
	wrong := txErin.Choices[0]
	if wrong == txErin.CorrectAnswer {
		wrong = txErin.Choices[1]
	}
	call(t, h, "POST", "/api/phones/answer", `{"id":"`+pe.ID+`","number":`+itoa(wrong)+`}`, &ans)
	if ans.Result != "REJECTED" {
		t.Errorf("a wrong number: %+v", ans)
	}
	if code := call(t, h, "POST", "/api/phones/answer", `{"id":"`+pe.ID+`","number":`+itoa(txErin.CorrectAnswer)+`}`, &ans); code != http.StatusConflict || !strings.Contains(ans.Error, "no longer waiting") {
		t.Errorf("a second answer: %d %+v", code, ans)
	}
	if code := call(t, h, "POST", "/api/phones/answer", `{"id":"push-99","deny":true}`, nil); code != http.StatusNotFound {
		t.Errorf("an unknown push: %d", code)
	}

	// Answered pushes stay on the phone, with their answer, for a while.
	call(t, h, "GET", "/api/phones", "", &r)
	if len(r.Pushes) != 2 || r.Pushes[0].Result == "WAITING" || r.Pushes[1].Result == "WAITING" {
		t.Errorf("answered pushes: %+v", r.Pushes)
	}

	// "No, it's not me"; then the clock moves on and the phone is clear.
	push(t, s.Okta, noah.ID, nf.ID)
	call(t, h, "GET", "/api/phones", "", &r)
	call(t, h, "POST", "/api/phones/answer", `{"id":"`+r.Pushes[0].ID+`","deny":true}`, &ans)
	if ans.Result != "REJECTED" {
		t.Errorf("No, it's not me: %+v", ans)
	}
	call(t, h, "POST", "/api/clock", `{"skip":"5m"}`, nil)
	if call(t, h, "GET", "/api/phones", "", &r); len(r.Pushes) != 0 {
		t.Errorf("pushes five minutes later: %+v", r.Pushes)
	}
}

// A push nobody answers times out when the clock skips past its lifetime.
func TestPhonesTimeOutWithTheClock(t *testing.T) {
	s, h := phoneSandbox(t)
	u := s.Okta.AddUser(oktatest.User{Login: "kai@" + domain, FirstName: "Kai", LastName: "Dias"})
	f := s.Okta.AddFactor(u.ID, oktatest.Factor{FactorType: "push"})
	push(t, s.Okta, u.ID, f.ID)
	var r phonesReply
	call(t, h, "GET", "/api/phones", "", &r)
	id := r.Pushes[0].ID
	var c clockJSON
	call(t, h, "POST", "/api/clock", `{"skip":"5m"}`, &c)
	if c.Ahead != 300 {
		t.Errorf("clock %+v, want 300 s ahead", c)
	}
	if got := s.Okta.PushTransactions(u.ID)[0].Result; got != "TIMEOUT" {
		t.Errorf("the push is %s five minutes later", got)
	}
	var ans struct{ Error string }
	if code := call(t, h, "POST", "/api/phones/answer", `{"id":"`+id+`","number":0}`, &ans); code != http.StatusConflict || !strings.Contains(ans.Error, "timeout") {
		t.Errorf("answering a timed-out push: %d %+v", code, ans)
	}
}

func TestClockSkipsForwardOnly(t *testing.T) {
	_, h := phoneSandbox(t)
	for _, bad := range []string{`{"skip":"-5m"}`, `{"skip":"30s"}`, `{"skip":"200h"}`, `{"skip":"soon"}`, `{}`} {
		var e struct{ Error string }
		if code := call(t, h, "POST", "/api/clock", bad, &e); code != http.StatusBadRequest || e.Error == "" {
			t.Errorf("%s: %d %q", bad, code, e.Error)
		}
	}
	var c clockJSON
	call(t, h, "POST", "/api/clock", `{"skip":"1h"}`, &c)
	call(t, h, "POST", "/api/clock", `{"skip":"24h"}`, &c)
	if c.Ahead != 25*3600 || time.Until(c.Now) < 25*time.Hour-time.Minute {
		t.Errorf("after 1h and 24h: %+v", c)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// The Okta panel lists the calls the bot made, and the bot polls a push
// at its transaction's link: the page sees where it polled, never which
// transaction (the phones name pushes by handles of their own).
func TestOktaPanelHidesTransactionIDs(t *testing.T) {
	s, h := phoneSandbox(t)
	s.logs = newRing(10)
	u := s.Okta.AddUser(oktatest.User{Login: "ada@" + domain, FirstName: "Ada", LastName: "Ruiz"})
	f := s.Okta.AddFactor(u.ID, oktatest.Factor{FactorType: "push"})
	push(t, s.Okta, u.ID, f.ID)
	tx := s.Okta.PushTransactions(u.ID)[0]
	req, _ := http.NewRequest("GET", s.Okta.URL+"/api/v1/users/"+u.ID+"/factors/"+f.ID+"/transactions/"+tx.ID, nil)
	req.Header.Set("Authorization", "SSWS "+s.Okta.Token)
	req.Header.Set("Accept", "application/json")
	resp, err := s.Okta.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("poll: %s", resp.Status)
	}
	raw := httptest.NewRecorder()
	h.ServeHTTP(raw, httptest.NewRequest("GET", "/api/okta", nil))
	if raw.Code != http.StatusOK {
		t.Fatalf("/api/okta: %d %s", raw.Code, raw.Body)
	}
	if strings.Contains(raw.Body.String(), tx.ID) {
		t.Errorf("the Okta panel shows the push's transaction id %q: %s", tx.ID, raw.Body)
	}
	if !strings.Contains(raw.Body.String(), "/transactions/") {
		t.Errorf("the Okta panel does not show the poll at all: %s", raw.Body)
	}
}

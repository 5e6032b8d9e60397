package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"oktabot/okta/oktatest"
)

// The phones: every Okta Verify push the bot sends (a verify: rule's to
// its target, step_up's to an approver, verify-user's) shows on the page
// as it would on its owner's phone, with the three numbers to pick from
// (never which one is right: the caller reads it out, as in real life),
// and is answered through the Okta stand-in as its owner's tap.

// pushHandles names the pushes the page shows by handles of the sandbox's
// own, so that no Okta transaction id reaches the page. Guarded by
// Sandbox.mu.
type pushHandles struct {
	next     int
	byTx     map[string]string // transaction id → handle
	byHandle map[string]pushRef
}

type pushRef struct{ txID, userID string }

// handle is the page's name for a push.
func (h *pushHandles) handle(tx oktatest.PushTransaction) string {
	if h.byTx == nil {
		h.byTx, h.byHandle = map[string]string{}, map[string]pushRef{}
	}
	if id, ok := h.byTx[tx.ID]; ok {
		return id
	}
	h.next++
	id := fmt.Sprintf("push-%d", h.next)
	h.byTx[tx.ID], h.byHandle[id] = id, pushRef{txID: tx.ID, userID: tx.UserID}
	return id
}

// How long an answered or timed-out push stays on its phone.
const pushShownAfter = 2 * time.Minute

type pushJSON struct {
	ID     string `json:"id"`
	Name   string `json:"name"`   // whose phone
	Login  string `json:"login"`  // their Okta login
	Device string `json:"device"` // the push factor's device
	// Result is WAITING, SUCCESS, REJECTED or TIMEOUT.
	Result string `json:"result"`
	// Choices are the numbers the phone offers (none: a push without
	// number matching, answered Approve or Deny).
	Choices   []int     `json:"choices"`
	Client    string    `json:"client"` // what the phone says asks: browser and IP
	At        time.Time `json:"at"`
	ExpiresIn int       `json:"expires_in"` // seconds, while WAITING
}

// phones lists the pushes waiting for an answer, then those answered or
// timed out in the last two minutes, newest first.
func (s *Sandbox) phones() []pushJSON {
	now := s.clock.Now()
	var waiting, done []pushJSON
	for _, u := range s.Okta.Users() {
		txs := s.Okta.PushTransactions(u.ID)
		if len(txs) == 0 {
			continue
		}
		devices := map[string]string{}
		for _, f := range s.Okta.Factors(u.ID) {
			devices[f.ID] = f.DeviceName
		}
		for _, tx := range txs {
			ended := tx.Answered
			if tx.Result == "TIMEOUT" {
				ended = tx.ExpiresAt
			}
			if tx.Result != "WAITING" && now.Sub(ended) > pushShownAfter {
				continue
			}
			s.mu.Lock()
			id := s.pushes.handle(tx)
			s.mu.Unlock()
			p := pushJSON{ID: id, Name: strings.TrimSpace(u.FirstName + " " + u.LastName), Login: u.Login, Device: devices[tx.FactorID],
				Result: tx.Result, Choices: []int{}, Client: strings.TrimSpace(tx.UserAgent + " · " + tx.ClientIP), At: tx.Created}
			if p.Device == "" {
				p.Device = "phone"
			}
			if tx.Result == "WAITING" {
				p.Choices = slices.Clone(tx.Choices)
				p.ExpiresIn = max(0, int(tx.ExpiresAt.Sub(now).Seconds()))
				waiting = append(waiting, p)
			} else {
				done = append(done, p)
			}
		}
	}
	for _, l := range [][]pushJSON{waiting, done} {
		sort.SliceStable(l, func(i, j int) bool { return l[i].At.After(l[j].At) })
	}
	return append(waiting, done...)
}

func (s *Sandbox) apiPhones(w http.ResponseWriter, _ *http.Request) {
	out := s.phones()
	if out == nil {
		out = []pushJSON{}
	}
	writeJSON(w, map[string]any{"pushes": out})
}

type answerReq struct {
	ID     string `json:"id"`
	Number int    `json:"number"` // the number picked; 0 with Approve on a push without numbers
	Deny   bool   `json:"deny"`   // "No, it's not me"
}

// apiPhoneAnswer is the phone's owner answering a push: the number they
// picked (the right one approves it, another rejects it, as Okta does) or
// "No, it's not me".
func (s *Sandbox) apiPhoneAnswer(w http.ResponseWriter, r *http.Request) {
	var req answerReq
	if err := readJSON(r, &req); err != nil {
		fail(w, http.StatusBadRequest, "bad answer request")
		return
	}
	s.mu.Lock()
	ref, ok := s.pushes.byHandle[req.ID]
	s.mu.Unlock()
	if !ok {
		fail(w, http.StatusNotFound, "no such push %q", req.ID)
		return
	}
	var tx oktatest.PushTransaction
	for _, t := range s.Okta.PushTransactions(ref.userID) {
		if t.ID == ref.txID {
			tx = t
		}
	}
	if tx.ID == "" {
		fail(w, http.StatusNotFound, "no such push %q", req.ID)
		return
	}
	if tx.Result != "WAITING" {
		fail(w, http.StatusConflict, "this push is no longer waiting (%s)", strings.ToLower(tx.Result))
		return
	}
	answer := oktatest.PushReject
	switch {
	case req.Deny:
	case tx.CorrectAnswer == 0 && req.Number == 0:
		answer = oktatest.PushApprove
	case req.Number == tx.CorrectAnswer:
		answer = oktatest.PushApprove
	case slices.Contains(tx.Choices, req.Number):
		answer = oktatest.PushWrongNumber
	default:
		fail(w, http.StatusBadRequest, "%d is not one of the numbers this push offers", req.Number)
		return
	}
	after, err := s.Okta.TryAnswerPush(ref.txID, answer)
	if err != nil {
		fail(w, http.StatusConflict, "this push is no longer waiting (%s)", strings.ToLower(after.Result))
		return
	}
	writeJSON(w, map[string]string{"result": after.Result})
}

package oktatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Factors (the spec's UserFactor operations):
//
//	GET    /users/{userId}/factors                  every enrolled factor
//	GET    /users/{userId}/factors/{factorId}       one; another user's factor is 404
//	DELETE /users/{userId}/factors/{factorId}       unenroll; unenrolling Okta Verify
//	                                                (push or signed_nonce) also removes the
//	                                                user's other Okta Verify factors (push,
//	                                                signed_nonce, OKTA totp), as the spec says;
//	                                                a DEPROVISIONED user is 403 E0000038
//	POST   /users/{id}/lifecycle/reset_factors      every factor removed (handlers_lifecycle.go)
//	POST   /users/{userId}/factors/{factorId}/verify
//	GET    /users/{userId}/factors/{factorId}/transactions/{transactionId}
//
// Verifying a push factor needs a User-Agent header (the spec says so; the
// device shows it) and answers 201 WAITING with a poll link to a
// transaction. With {"useNumberMatchingChallenge": true} (Okta Verify push
// only) the answer and every WAITING poll carry
// _embedded.challenge.correctAnswer, the number the device owner must pick
// among the three their phone shows. The transaction stays WAITING until
// the device owner answers (AnswerPush, AnswerPushes) or its lifetime ends
// (tokenLifetimeSeconds, default 300 s, or SetPushLifetime): then polls say
// SUCCESS, REJECTED (tapped "No, it's not me", or picked a wrong number) or
// TIMEOUT. The number and the transaction id appear in no recorded Call.
//
// Other factor types: sms, call and email without a passCode send a code
// (200 CHALLENGE); with one, and for totp, hotp and token factors, a
// passCode is checked against the factor's current code (PassCode): 200
// SUCCESS or 403 E0000068. question checks the answer (Factor.Answer).
// u2f and webauthn signatures cannot be checked here: without a body they
// are challenged, with one they fail with E0000068.
//
// Only ACTIVE factors verify (else 400 E0000001), and only for users who
// can sign in: ACTIVE, PASSWORD_EXPIRED, LOCKED_OUT or RECOVERY (else 403
// E0000038; Okta's exact answer for the others is unconfirmed).

// Factor is an enrolled MFA factor of a user, as a test seeds it and reads
// it back.
type Factor struct {
	ID, FactorType, Provider, VendorName, Status string
	Created, LastUpdated                         time.Time
	// LastVerified is when the factor was last verified (zero: never).
	LastVerified time.Time

	// Profile, by factor type: push (Okta Verify): DeviceName (default
	// "iPhone"), Platform (IOS), DeviceType (SmartPhone_IPhone); sms and
	// call: PhoneNumber; email: Email (the user's); webauthn:
	// AuthenticatorName; question: Question.
	DeviceName, Platform, DeviceType string
	PhoneNumber, Email               string
	AuthenticatorName, Question      string
	// Answer is a question factor's answer, for seeding only (stored
	// hashed, never read back).
	Answer string
}

// PushAnswer is what the device owner does with a push.
type PushAnswer int

const (
	// PushIgnore: the owner never answers; the push times out.
	PushIgnore PushAnswer = iota
	// PushApprove: the owner taps Yes (with number matching: picks the
	// right number).
	PushApprove
	// PushReject: the owner taps "No, it's not me".
	PushReject
	// PushWrongNumber: the owner picks a wrong number (number matching),
	// which Okta takes as a rejection; on a push without number matching
	// it is a rejection too.
	PushWrongNumber
)

func (a PushAnswer) String() string {
	switch a {
	case PushApprove:
		return "approve"
	case PushReject:
		return "reject"
	case PushWrongNumber:
		return "wrong number"
	}
	return "ignore"
}

// PushTransaction is a push verification as a test sees it.
type PushTransaction struct {
	ID, UserID, FactorID string
	// Result is WAITING, SUCCESS, REJECTED or TIMEOUT.
	Result string
	// CorrectAnswer is the number to pick (0 without number matching);
	// Choices are the three numbers the device shows.
	CorrectAnswer int
	Choices       []int
	// UserAgent and ClientIP are what the device shows about the request.
	UserAgent, ClientIP string
	Created, ExpiresAt  time.Time
	Answered            time.Time // zero while WAITING or after TIMEOUT
}

type factor struct {
	Factor
	seq    int64
	code   string      // the current passcode (sms, call, email, totp, ...)
	answer *secretHash // question
}

type pushTx struct {
	PushTransaction
	seq int64
}

// autoAnswer is AnswerPushes' standing instruction for a user.
type autoAnswer struct {
	answer PushAnswer
	after  time.Duration
}

// factorIDPrefixes are the id prefixes Okta uses by factor type.
var factorIDPrefixes = map[string]string{
	"push": "opf", "sms": "mbl", "call": "clf", "email": "emf", "token:software:totp": "ost",
	"webauthn": "fwf", "u2f": "fuf", "question": "ufs", "token": "rsa", "token:hardware": "ykf",
	"token:hotp": "chf", "web": "wbf", "signed_nonce": "osn",
}

// AddFactor enrolls an MFA factor for a user (by id). Empty ID, Provider
// (OKTA), VendorName, Status (ACTIVE), times and the profile fields of its
// type are filled in; FactorType is required (sms, push,
// token:software:totp, webauthn, ...). It returns what is stored.
func (s *Server) AddFactor(userID string, f Factor) Factor {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userByID[userID]
	if u == nil {
		s.t.Fatalf("oktatest: AddFactor: no user %q", userID)
	}
	if err := s.checkSchema("UserFactorType", f.FactorType); err != nil {
		s.t.Fatalf("oktatest: AddFactor: %v", err)
	}
	if f.Status != "" {
		if err := s.checkSchema("UserFactorStatus", f.Status); err != nil {
			s.t.Fatalf("oktatest: AddFactor: %v", err)
		}
	}
	now := s.now()
	if f.ID == "" {
		prefix := factorIDPrefixes[f.FactorType]
		if prefix == "" {
			prefix = "uft"
		}
		f.ID = s.newID(prefix)
	}
	if f.Provider == "" {
		f.Provider = "OKTA"
	}
	if f.VendorName == "" {
		f.VendorName = f.Provider
	}
	if f.Status == "" {
		f.Status = "ACTIVE"
	}
	if f.Created.IsZero() {
		f.Created = now
	}
	if f.LastUpdated.IsZero() {
		f.LastUpdated = f.Created
	}
	switch f.FactorType {
	case "push":
		if f.DeviceName == "" {
			f.DeviceName = "iPhone"
		}
		if f.Platform == "" {
			f.Platform = "IOS"
		}
		if f.DeviceType == "" {
			f.DeviceType = "SmartPhone_IPhone"
		}
	case "sms", "call":
		if f.PhoneNumber == "" {
			f.PhoneNumber = "+1 415-555-0100"
		}
	case "email":
		if f.Email == "" {
			f.Email = u.email()
		}
	case "webauthn":
		if f.AuthenticatorName == "" {
			f.AuthenticatorName = "Security key"
		}
	case "question":
		if f.Question == "" {
			f.Question = "favorite_art_piece"
		}
	}
	in := &factor{Factor: f, seq: s.nextSeq(), code: newPassCode()}
	if f.Answer != "" {
		in.answer = newSecretHash(f.Answer)
	}
	in.Answer = ""
	s.factors[userID] = append(s.factors[userID], in)
	return in.Factor
}

// Factors returns the user's enrolled factors (user by id).
func (s *Server) Factors(userID string) []Factor {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Factor{}
	for _, f := range s.factors[userID] {
		out = append(out, f.Factor)
	}
	return out
}

// PassCode is the code a passcode factor (sms, call, email, totp, hotp,
// token) accepts now: what the user would read from their phone or email.
func (s *Server) PassCode(userID, factorID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.factorOf(userID, factorID)
	if f == nil {
		return "", false
	}
	return f.code, true
}

// SetPushLifetime makes pushes time out after d (by the server's clock)
// instead of after tokenLifetimeSeconds (default 300 s); 0 restores that.
func (s *Server) SetPushLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pushLifetime = d
}

// AnswerPushes makes the device owner of user (by id) answer every push,
// the WAITING ones and those sent later, after the given time by the
// server's clock (0: at once, on the next poll or read). PushIgnore stops
// the standing answer: later pushes wait and time out.
func (s *Server) AnswerPushes(userID string, a PushAnswer, after time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a == PushIgnore {
		delete(s.autoAnswers, userID)
		return
	}
	s.autoAnswers[userID] = autoAnswer{answer: a, after: after}
	s.settlePushesLocked(s.now())
}

// AnswerPush makes the device owner answer one WAITING push now. It fails
// the test when the transaction does not exist or is no longer WAITING.
func (s *Server) AnswerPush(txID string, a PushAnswer) {
	s.t.Helper()
	if _, err := s.TryAnswerPush(txID, a); err != nil {
		s.t.Fatalf("oktatest: AnswerPush: %v", err)
	}
}

// TryAnswerPush is AnswerPush for a program whose person may answer too
// late (the sandbox's phone): a transaction that does not exist or is no
// longer WAITING is an error, and nothing changes. It returns the
// transaction as it is after the answer.
func (s *Server) TryAnswerPush(txID string, a PushAnswer) (PushTransaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.settlePushesLocked(now)
	tx := s.pushByID(txID)
	if tx == nil {
		return PushTransaction{}, fmt.Errorf("no push transaction %q", txID)
	}
	if tx.Result != "WAITING" {
		return tx.public(), fmt.Errorf("transaction %q is %s, not WAITING", txID, tx.Result)
	}
	if a != PushIgnore {
		s.resolvePushLocked(tx, a, now)
	}
	return tx.public(), nil
}

// ExpirePush ends a WAITING push's lifetime now: it is TIMEOUT from then on.
func (s *Server) ExpirePush(txID string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.settlePushesLocked(now)
	tx := s.pushByID(txID)
	if tx == nil {
		s.t.Fatalf("oktatest: ExpirePush: no push transaction %q", txID)
		return
	}
	if tx.Result == "WAITING" {
		tx.ExpiresAt = now
		tx.Result = "TIMEOUT"
	}
}

// PushTransactions returns the pushes sent to a user (by id), oldest
// first, with their results as of now.
func (s *Server) PushTransactions(userID string) []PushTransaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settlePushesLocked(s.now())
	out := []PushTransaction{}
	for _, tx := range s.pushes {
		if tx.UserID == userID {
			out = append(out, tx.public())
		}
	}
	return out
}

// WaitPush waits until a push to the user (by id) is WAITING and returns
// the newest such; false on timeout.
func (s *Server) WaitPush(userID string, timeout time.Duration) (PushTransaction, bool) {
	var got PushTransaction
	ok := s.waitUntil(func() bool {
		s.settlePushesLocked(s.now())
		for i := len(s.pushes) - 1; i >= 0; i-- {
			if tx := s.pushes[i]; tx.UserID == userID && tx.Result == "WAITING" {
				got = tx.public()
				return true
			}
		}
		return false
	}, timeout)
	return got, ok
}

func (tx *pushTx) public() PushTransaction {
	p := tx.PushTransaction
	p.Choices = append([]int(nil), tx.Choices...)
	return p
}

func (s *Server) pushByID(id string) *pushTx {
	for _, tx := range s.pushes {
		if tx.ID == id {
			return tx
		}
	}
	return nil
}

func (s *Server) factorOf(userID, factorID string) *factor {
	for _, f := range s.factors[userID] {
		if f.ID == factorID {
			return f
		}
	}
	return nil
}

// settlePushesLocked applies standing answers that are due and times out
// pushes whose lifetime is over. Call with s.mu held.
func (s *Server) settlePushesLocked(now time.Time) {
	for _, tx := range s.pushes {
		if tx.Result != "WAITING" {
			continue
		}
		if a, ok := s.autoAnswers[tx.UserID]; ok {
			at := tx.Created.Add(a.after)
			if !now.Before(at) && at.Before(tx.ExpiresAt) {
				s.resolvePushLocked(tx, a.answer, at)
				continue
			}
		}
		if !now.Before(tx.ExpiresAt) {
			tx.Result = "TIMEOUT"
		}
	}
}

// resolvePushLocked records the device owner's answer, and what Okta's
// System Log says about it.
func (s *Server) resolvePushLocked(tx *pushTx, a PushAnswer, at time.Time) {
	u := s.userByID[tx.UserID]
	f := s.factorOf(tx.UserID, tx.FactorID)
	tx.Answered = at
	switch a {
	case PushApprove:
		tx.Result = "SUCCESS"
		if f != nil {
			f.LastVerified = at
		}
		if u != nil {
			s.appendEvent(&logEvent{published: at, eventType: "user.authentication.auth_via_mfa",
				displayMessage: "Authentication of user via MFA", actor: userEntity(u), outcome: "SUCCESS",
				clientIP: tx.ClientIP, userAgent: tx.UserAgent})
		}
	default:
		tx.Result = "REJECTED"
		reason := "User rejected Okta push verify"
		if a == PushWrongNumber && tx.CorrectAnswer != 0 {
			reason = "INVALID_ANSWER"
		}
		if u != nil {
			s.appendEvent(&logEvent{published: at, eventType: "user.mfa.okta_verify.deny_push",
				displayMessage: "User rejected Okta push verify", actor: userEntity(u), outcome: "FAILURE",
				reason: reason, clientIP: tx.ClientIP, userAgent: tx.UserAgent})
		}
	}
	s.notifyLocked()
}

// newPassCode is a random 6-digit code.
func newPassCode() string {
	n, _ := strconv.ParseUint(fmt.Sprintf("%x", []byte(randomToken(4))), 16, 64)
	return fmt.Sprintf("%06d", n%1000000)
}

// numberChallenge returns the correct answer (10..99) and the three
// numbers the device shows, in random order.
func (s *Server) numberChallenge() (int, []int) {
	correct := 10 + s.ids.IntN(90)
	choices := []int{correct}
	for len(choices) < 3 {
		n := 10 + s.ids.IntN(90)
		dup := false
		for _, c := range choices {
			dup = dup || c == n
		}
		if !dup {
			choices = append(choices, n)
		}
	}
	s.ids.Shuffle(len(choices), func(i, j int) { choices[i], choices[j] = choices[j], choices[i] })
	return correct, choices
}

func (s *Server) factorJSON(userID string, f *factor) map[string]any {
	base := s.URL + "/api/v1/users/" + userID + "/factors/" + f.ID
	profile := map[string]any{}
	switch f.FactorType {
	case "push":
		profile["credentialId"] = s.userByID[userID].login()
		profile["deviceType"] = f.DeviceType
		profile["name"] = f.DeviceName
		profile["platform"] = f.Platform
		profile["version"] = "17.0"
	case "sms", "call":
		profile["phoneNumber"] = f.PhoneNumber
	case "email":
		profile["email"] = f.Email
	case "token:software:totp", "signed_nonce":
		profile["credentialId"] = s.userByID[userID].login()
	case "webauthn":
		profile["credentialId"] = "cred-" + f.ID
		profile["authenticatorName"] = f.AuthenticatorName
	case "question":
		profile["question"] = f.Question
		profile["questionText"] = "What is your favorite piece of art?"
	}
	out := map[string]any{
		"id":          f.ID,
		"factorType":  f.FactorType,
		"provider":    f.Provider,
		"vendorName":  f.VendorName,
		"status":      f.Status,
		"created":     oktaTime(f.Created),
		"lastUpdated": oktaTime(f.LastUpdated),
		"profile":     profile,
		"_links": map[string]any{
			"self":   map[string]any{"href": base, "hints": map[string]any{"allow": []string{"GET", "DELETE"}}},
			"verify": map[string]any{"href": base + "/verify", "hints": map[string]any{"allow": []string{"POST"}}},
			"user":   map[string]any{"href": s.URL + "/api/v1/users/" + userID, "hints": map[string]any{"allow": []string{"GET"}}},
		},
	}
	if !f.LastVerified.IsZero() {
		out["lastVerified"] = oktaTime(f.LastVerified)
	}
	return out
}

func listFactors(s *Server, c *reqCtx) *response {
	u, aerr := s.userByPathUserID(c)
	if aerr != nil {
		return errResp(aerr)
	}
	out := []any{}
	for _, f := range s.factors[u.id] {
		out = append(out, s.factorJSON(u.id, f))
	}
	return jsonResp(http.StatusOK, out)
}

// factorByPath resolves {userId} and {factorId}.
func (s *Server) factorByPath(c *reqCtx) (*user, *factor, *apiError) {
	u, aerr := s.userByPathUserID(c)
	if aerr != nil {
		return nil, nil, aerr
	}
	f := s.factorOf(u.id, c.params["factorId"])
	if f == nil {
		return nil, nil, errNotFound(c.params["factorId"], "UserFactor")
	}
	return u, f, nil
}

func getFactor(s *Server, c *reqCtx) *response {
	u, f, aerr := s.factorByPath(c)
	if aerr != nil {
		return errResp(aerr)
	}
	return jsonResp(http.StatusOK, s.factorJSON(u.id, f))
}

// isOktaVerify reports whether a factor belongs to the Okta Verify app.
func isOktaVerify(f *factor) bool {
	switch f.FactorType {
	case "push", "signed_nonce":
		return true
	case "token:software:totp":
		return f.Provider == "OKTA"
	}
	return false
}

func unenrollFactor(s *Server, c *reqCtx) *response {
	u, f, aerr := s.factorByPath(c)
	if aerr != nil {
		return errResp(aerr)
	}
	if u.status == "DEPROVISIONED" {
		return errResp(errStatus())
	}
	all := f.FactorType == "push" || f.FactorType == "signed_nonce"
	kept := s.factors[u.id][:0:0]
	for _, g := range s.factors[u.id] {
		if g == f || (all && isOktaVerify(g)) {
			s.logEvent(c, "user.mfa.factor.deactivate", "Reset factor for user", userEntity(u))
			continue
		}
		kept = append(kept, g)
	}
	s.factors[u.id] = kept
	u.lastUpdated = c.now
	return emptyResp(http.StatusNoContent)
}

// canSignIn: the statuses whose users verify factors.
func canSignIn(status string) bool {
	switch status {
	case "ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "RECOVERY":
		return true
	}
	return false
}

func errBadPassCode() *apiError {
	return &apiError{status: http.StatusForbidden, code: "E0000068", summary: "Invalid Passcode/Answer",
		causes: []string{"Your passcode doesn't match our records. Please try again."}}
}

func verifyFactor(s *Server, c *reqCtx) *response {
	u, f, aerr := s.factorByPath(c)
	if aerr != nil {
		return errResp(aerr)
	}
	if u.transitioning != "" || !canSignIn(u.status) {
		return errResp(errStatus())
	}
	if f.Status != "ACTIVE" {
		return errResp(errValidation("factorId", "factorId: the factor is "+f.Status+", not ACTIVE"))
	}
	var body map[string]any
	if len(strings.TrimSpace(string(c.body))) > 0 {
		if err := json.Unmarshal(c.body, &body); err != nil {
			return errResp(errValidation("body", "body: the request body is not a JSON object"))
		}
	}
	passCode, _ := body["passCode"].(string)
	verified := func() *response {
		f.LastVerified = c.now
		s.logEvent(c, "user.authentication.auth_via_mfa", "Authentication of user via MFA", userEntity(u))
		return jsonResp(http.StatusOK, map[string]any{"factorResult": "SUCCESS"})
	}
	switch f.FactorType {
	case "push":
		return s.startPush(c, u, f, body)
	case "sms", "call", "email":
		if passCode == "" {
			f.code = newPassCode()
			return jsonResp(http.StatusOK, map[string]any{"factorResult": "CHALLENGE",
				"expiresAt": oktaTime(c.now.Add(5 * time.Minute))})
		}
		if passCode != f.code {
			return errResp(errBadPassCode())
		}
		f.code = newPassCode() // one use
		return verified()
	case "token:software:totp", "token:hotp", "token", "token:hardware":
		if passCode == "" {
			return errResp(errValidation("passCode", "passCode: a passcode is required"))
		}
		if passCode != f.code {
			return errResp(errBadPassCode())
		}
		f.code = newPassCode()
		return verified()
	case "question":
		answer, _ := body["answer"].(string)
		if f.answer == nil || !f.answer.matches(answer) {
			return errResp(errBadPassCode())
		}
		return verified()
	}
	if len(body) == 0 {
		return jsonResp(http.StatusOK, map[string]any{"factorResult": "CHALLENGE",
			"expiresAt": oktaTime(c.now.Add(5 * time.Minute))})
	}
	return errResp(errBadPassCode())
}

// startPush sends a push to the user's Okta Verify: 201 WAITING.
func (s *Server) startPush(c *reqCtx, u *user, f *factor, body map[string]any) *response {
	ua := c.r.Header.Get("User-Agent")
	if ua == "" {
		return errResp(errValidation("User-Agent", "User-Agent: required to verify push factors"))
	}
	nmc, _ := body["useNumberMatchingChallenge"].(bool)
	lifetime := 300 * time.Second
	if v := c.query.Get("tokenLifetimeSeconds"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			lifetime = time.Duration(n) * time.Second
		}
	}
	if s.pushLifetime > 0 {
		lifetime = s.pushLifetime
	}
	ip := c.r.Header.Get("X-Forwarded-For")
	if ip == "" {
		ip = "127.0.0.1"
	}
	tx := &pushTx{seq: s.nextSeq(), PushTransaction: PushTransaction{
		ID: "v2mst." + randomToken(22), UserID: u.id, FactorID: f.ID, Result: "WAITING",
		UserAgent: ua, ClientIP: ip, Created: c.now, ExpiresAt: c.now.Add(lifetime),
	}}
	if nmc && f.Provider == "OKTA" {
		tx.CorrectAnswer, tx.Choices = s.numberChallenge()
	}
	s.pushes = append(s.pushes, tx)
	s.logEvent(c, "system.push.send_factor_verify_push", "Push notification sent for verify", userEntity(u))
	// A standing answer "at once" applies now; Okta's answer to the
	// verify call is WAITING all the same, and the first poll tells.
	s.settlePushesLocked(c.now)
	out := s.pushTxJSON(tx, "WAITING")
	out["expiresAt"] = oktaTime(tx.ExpiresAt)
	return jsonResp(http.StatusCreated, out)
}

// pushTxJSON is a transaction as Okta shows it: WAITING with poll and
// cancel links (and the number with number matching), the final result
// with a link to verify again.
func (s *Server) pushTxJSON(tx *pushTx, result string) map[string]any {
	base := s.URL + "/api/v1/users/" + tx.UserID + "/factors/" + tx.FactorID
	poll := base + "/transactions/" + tx.ID
	out := map[string]any{"factorResult": result}
	if result == "WAITING" {
		out["_links"] = map[string]any{
			"poll":   map[string]any{"href": poll, "hints": map[string]any{"allow": []string{"GET"}}},
			"cancel": map[string]any{"href": poll, "hints": map[string]any{"allow": []string{"DELETE"}}},
		}
		if tx.CorrectAnswer != 0 {
			out["_embedded"] = map[string]any{"challenge": map[string]any{"correctAnswer": tx.CorrectAnswer}}
		}
		return out
	}
	if result != "SUCCESS" {
		out["_links"] = map[string]any{
			"verify": map[string]any{"href": base + "/verify", "hints": map[string]any{"allow": []string{"POST"}}},
		}
	}
	return out
}

func getFactorTransactionStatus(s *Server, c *reqCtx) *response {
	u, f, aerr := s.factorByPath(c)
	if aerr != nil {
		return errResp(aerr)
	}
	s.settlePushesLocked(c.now)
	tx := s.pushByID(c.params["transactionId"])
	if tx == nil || tx.UserID != u.id || tx.FactorID != f.ID {
		return errResp(errNotFound(c.params["transactionId"], "Transaction"))
	}
	return jsonResp(http.StatusOK, s.pushTxJSON(tx, tx.Result))
}

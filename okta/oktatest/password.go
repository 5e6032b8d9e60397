package oktatest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"strings"
	"unicode"
)

// secretHash is how the fake keeps passwords and recovery answers: salted
// hashes, never the value, so nothing a test can print holds a password.
type secretHash struct {
	salt [16]byte
	sum  [32]byte
}

func newSecretHash(v string) *secretHash {
	h := &secretHash{}
	_, _ = rand.Read(h.salt[:])
	h.sum = h.digest(v)
	return h
}

func (h *secretHash) digest(v string) [32]byte {
	return sha256.Sum256(append(h.salt[:], v...))
}

func (h *secretHash) matches(v string) bool {
	d := h.digest(v)
	return subtle.ConstantTimeCompare(d[:], h.sum[:]) == 1
}

// passwordRequirements is the cause Okta gives when the default password
// policy rejects a password.
const passwordRequirements = "password: Password requirements were not met. Password requirements: " +
	"at least 8 characters, a lowercase letter, an uppercase letter, a number, " +
	"no parts of your username, at most 72 characters."

// historyCount is how many passwords before the current one strict=true
// checks: with the current one, Okta's default "last 4 passwords".
const historyCount = 3

// checkPassword applies Okta's default password policy: at least 8 and at
// most 72 characters, a lowercase letter, an uppercase letter, a digit and
// no part of the login (parts of three or more characters, split at the
// usual delimiters). It returns the errorCauses, none when the password is
// acceptable.
func checkPassword(pw, login string) []string {
	n := len([]rune(pw))
	var lower, upper, digit bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		}
	}
	ok := n >= 8 && len(pw) <= 72 && lower && upper && digit && !containsLoginPart(pw, login)
	if ok {
		return nil
	}
	return []string{passwordRequirements}
}

func containsLoginPart(pw, login string) bool {
	p := strings.ToLower(pw)
	parts := strings.FieldsFunc(strings.ToLower(login), func(r rune) bool {
		return strings.ContainsRune(".,-_#@+", r)
	})
	for _, part := range parts {
		if len(part) >= 3 && strings.Contains(p, part) {
			return true
		}
	}
	return false
}

// setPassword stores a new password for u, keeping the previous ones for
// the history check.
func (u *user) setPassword(pw string) {
	if u.password != nil {
		u.history = append([]*secretHash{u.password}, u.history...)
		if len(u.history) > historyCount {
			u.history = u.history[:historyCount]
		}
	}
	u.password = newSecretHash(pw)
}

// reusesPassword reports whether pw is the current password or one of the
// historyCount before it.
func (u *user) reusesPassword(pw string) bool {
	if u.password != nil && u.password.matches(pw) {
		return true
	}
	for _, h := range u.history {
		if h.matches(pw) {
			return true
		}
	}
	return false
}

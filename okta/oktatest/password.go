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
// no part of the login. It returns the errorCauses, none when the password
// is acceptable.
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

// minLoginPart is the shortest part of a login Okta looks for in a
// password; shorter parts ("bob", "doe", "com") are ignored.
const minLoginPart = 4

// commonTLDs are top-level domains Okta does not count as parts of the
// login (those shorter than minLoginPart are ignored anyway).
var commonTLDs = map[string]bool{
	"com": true, "org": true, "net": true, "edu": true, "gov": true, "mil": true, "int": true,
	"info": true, "biz": true, "name": true, "mobi": true, "aero": true, "coop": true,
}

// containsLoginPart reports whether the password contains a part of the
// login as Okta's "no parts of your username" rule reads it: the login
// split at the usual delimiters, case-insensitively, parts shorter than
// minLoginPart and a common top-level domain left out.
func containsLoginPart(pw, login string) bool {
	p := strings.ToLower(pw)
	parts := strings.FieldsFunc(strings.ToLower(login), func(r rune) bool {
		return strings.ContainsRune(".,-_#@+", r)
	})
	_, domain, hasDomain := strings.Cut(strings.ToLower(login), "@")
	for i, part := range parts {
		if len([]rune(part)) < minLoginPart {
			continue
		}
		if hasDomain && i == len(parts)-1 && strings.HasSuffix(domain, part) && commonTLDs[part] {
			continue
		}
		if strings.Contains(p, part) {
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

// tempPassword is a temporary password as Okta issues them: 10 letters and
// digits, at least one of each kind the default policy asks for.
func tempPassword() string {
	const lower, upper, digits = "abcdefghijkmnopqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789"
	all := lower + upper + digits
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	out := make([]byte, len(b))
	for i, x := range b {
		set := all
		switch i {
		case 0:
			set = upper
		case 1:
			set = lower
		case 2:
			set = digits
		}
		out[i] = set[int(x)%len(set)]
	}
	return string(out)
}

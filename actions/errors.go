package actions

import (
	"errors"
	"fmt"
)

// Kind says what sort of failure an error is. Callers branch on the kind,
// never on an error's text.
type Kind int

const (
	// KindInternal is a bug or an unexpected failure; the user is told
	// something went wrong and the details go to the log.
	KindInternal Kind = iota
	// KindNotFound: the user, group or role does not exist.
	KindNotFound
	// KindAmbiguous: a name matched more than one object.
	KindAmbiguous
	// KindInvalid: the input was rejected (by us or by Okta).
	KindInvalid
	// KindForbidden: Okta refused the call (token scope, admin rights,
	// lifecycle precondition such as "already active").
	KindForbidden
	// KindConflict: the object already exists or is already in that state.
	KindConflict
	// KindRateLimited: Okta asked us to slow down and waiting did not help
	// within the request's deadline.
	KindRateLimited
	// KindUnavailable: Okta could not be reached, timed out or answered 5xx.
	KindUnavailable
)

var kindNames = [...]string{
	KindInternal:    "internal",
	KindNotFound:    "not found",
	KindAmbiguous:   "ambiguous",
	KindInvalid:     "invalid input",
	KindForbidden:   "forbidden",
	KindConflict:    "conflict",
	KindRateLimited: "rate limited",
	KindUnavailable: "unavailable",
}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// Error is the project's error: a kind, a message that is safe to show to
// the person who asked (it never holds a secret), and, when Okta produced
// it, Okta's error code, causes and request id.
type Error struct {
	Kind Kind
	// Message is user-facing text, e.g. `no Okta user "bob"`.
	Message string
	// Field names the input at fault (a parameter name or "targets"), so a
	// form can show the message beside it.
	Field string
	// Causes are Okta's errorCauses[].errorSummary, shown as a list.
	Causes []string
	// Code is Okta's errorCode (E0000007, ...), empty when not from Okta.
	Code string
	// RequestID is Okta's X-Okta-Request-Id, for support and the audit.
	RequestID string
	// Err is the underlying error, for logs; it is never shown to users.
	Err error
}

func (e *Error) Error() string {
	s := e.Message
	if s == "" {
		s = e.Kind.String()
	}
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind with a formatted user-facing
// message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// KindOf reports the kind of err: the kind of the first *Error in its chain,
// KindInternal for any other non-nil error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// IsKind reports whether err is of kind k.
func IsKind(err error, k Kind) bool { return err != nil && KindOf(err) == k }

package actions

import (
	"strings"
	"time"
)

// Domain types for the helpdesk's and incident responders' work on an
// account: factors, Okta Verify pushes, sessions, tokens and grants, group
// admin roles, and the System Log. None of them carries a secret: no
// factor secret, passcode, key or credential id ever leaves the okta
// package, and what must stay with the caller (a push's transaction and
// number, a temporary password) is a Secret.

// Factor is an enrolled MFA factor of a user.
type Factor struct {
	ID       string
	Type     string // Okta's factorType: push, sms, call, email, token:software:totp, webauthn, ...
	Provider string // OKTA, GOOGLE, RSA, YUBICO, FIDO, ...
	Status   string // ACTIVE, PENDING_ACTIVATION, NOT_SETUP, ...
	// Device names what the factor lives on: the phone's name for an Okta
	// Verify push, the authenticator's for webauthn, the phone number with
	// all but its last four digits masked for sms and call, the masked
	// address for email; empty when Okta gives none.
	Device   string
	Platform string // push: IOS, ANDROID, ...

	Created      time.Time
	LastUpdated  time.Time
	LastVerified time.Time // zero when Okta does not say
}

// factorNames names factors as people know them, by type and provider.
var factorNames = map[string]string{
	"push":                       "Okta Verify push",
	"signed_nonce":               "Okta Verify (FastPass)",
	"sms":                        "SMS",
	"call":                       "Voice call",
	"email":                      "Email",
	"question":                   "Security question",
	"webauthn":                   "Security key or biometric (WebAuthn)",
	"u2f":                        "U2F security key",
	"token:hotp":                 "HOTP token",
	"token:software:totp":        "TOTP authenticator",
	"token:software:totp/OKTA":   "Okta Verify code",
	"token:software:totp/GOOGLE": "Google Authenticator",
	"token:hardware/YUBICO":      "YubiKey OTP",
	"token/RSA":                  "RSA SecurID",
	"token/SYMANTEC":             "Symantec VIP",
}

// Name is the factor's name for people: "Okta Verify push", "SMS",
// "Google Authenticator"; Okta's own type when it is not known here.
func (f Factor) Name() string {
	if n, ok := factorNames[f.Type+"/"+strings.ToUpper(f.Provider)]; ok {
		return n
	}
	if n, ok := factorNames[f.Type]; ok {
		return n
	}
	return f.Type
}

// Factor types and statuses the bot branches on.
const (
	FactorPush   = "push"
	FactorActive = "ACTIVE"
	ProviderOkta = "OKTA"
)

// IsOktaVerifyPush reports whether the factor can receive an Okta Verify
// push now: an ACTIVE push factor of provider OKTA.
func (f Factor) IsOktaVerifyPush() bool {
	return f.Type == FactorPush && strings.EqualFold(f.Provider, ProviderOkta) && f.Status == FactorActive
}

// PushChallenge is an Okta Verify push with number matching, sent to a
// user: the transaction to poll and the number the user must pick on their
// device. Both are Secrets: they go to the caller's own messages only,
// never to a log, the store or a shared channel (whoever holds the number
// can talk the user into approving someone else's sign-in).
type PushChallenge struct {
	UserID   string
	FactorID string
	// Transaction is Okta's transaction id, which PushResult polls.
	Transaction Secret
	// Number is the number the user must tap on their device (its decimal
	// digits); zero when Okta sent a push without number matching.
	Number    Secret
	ExpiresAt time.Time // when Okta gives up waiting; zero if not said
}

// PushResult is the state of a push: Okta's factorResult.
type PushResult string

const (
	PushWaiting  PushResult = "WAITING"
	PushApproved PushResult = "SUCCESS"
	PushRejected PushResult = "REJECTED" // the user tapped "No", or picked a wrong number
	PushTimedOut PushResult = "TIMEOUT"
)

// Done reports whether the push has its final answer.
func (r PushResult) Done() bool { return r != PushWaiting }

// ClearSessions says what ending a user's sessions also removes.
type ClearSessions struct {
	// OAuthTokens revokes the OIDC/OAuth access and refresh tokens issued
	// to the user.
	OAuthTokens bool
	// ForgetDevices forgets the user's remembered devices and factors.
	ForgetDevices bool
}

// Grant is a user's consent to an OAuth client for one scope.
type Grant struct {
	ID       string
	ClientID string
	Client   string // the client's name, when Okta gives it
	Scope    string
	Issuer   string
	Source   string // END_USER or ADMIN
	Status   string // ACTIVE, REVOKED
	Created  time.Time
}

// OAuthClient is an OAuth client (an app) that holds grants or tokens of a
// user.
type OAuthClient struct {
	ID   string
	Name string
	URI  string
}

// LogQuery selects System Log events about one user: those where the user
// is the actor or a target.
type LogQuery struct {
	UserID string    // required: an Okta user id
	Since  time.Time // required
	Until  time.Time // zero: now
	Type   string    // an exact eventType, or "" for all
	Limit  int       // at most this many, newest first; 0: 100
}

// LogEvent is one System Log event.
type LogEvent struct {
	ID        string // Okta's uuid
	Published time.Time
	Type      string // eventType, e.g. user.session.start
	Message   string // displayMessage
	Severity  string
	Outcome   string // SUCCESS, FAILURE, DENY, ...
	Reason    string
	Actor     LogActor
	Targets   []LogActor
	ClientIP  string
	City      string
	Country   string
	UserAgent string
}

// LogActor is an event's actor or target.
type LogActor struct {
	ID, Type, Login, Name string
}

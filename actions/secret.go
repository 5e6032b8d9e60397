package actions

import "encoding/json"

// Secret holds a password, reset URL, activation token or API token. Its
// String, GoString, Format and MarshalJSON all print a fixed placeholder, so
// a Secret that slips into a log line, an error or a stored record shows
// nothing. The value is kept inside a closure rather than a field so that
// even fmt's reflection over an enclosing struct cannot print it. Reveal is
// the one way to read it.
type Secret struct {
	reveal func() string
}

// Redacted is what a Secret prints as.
const Redacted = "[REDACTED]"

// NewSecret wraps s. An empty s gives the zero Secret.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{reveal: func() string { return s }}
}

// Reveal returns the secret value. Call it only where the value is handed to
// Okta or to the one person allowed to see it.
func (s Secret) Reveal() string {
	if s.reveal == nil {
		return ""
	}
	return s.reveal()
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.reveal == nil }

func (s Secret) String() string   { return Redacted }
func (s Secret) GoString() string { return Redacted }

// MarshalJSON keeps secrets out of JSON logs and stored records.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(Redacted) }

// MarshalText covers encoders that prefer text (zerolog's Interface, yaml).
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

package okta

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v3"
	"github.com/rs/zerolog"

	"oktabot/actions"
)

// OAuth logs the client in to Okta as an OAuth 2.0 service app (an "API
// services" app integration) with a private key JWT, instead of an SSWS
// API token: the SDK's "PrivateKey" authorization mode. The SDK signs a
// client assertion (RS256; iss = sub = ClientID, aud = {org}/oauth2/v1/token,
// exp one hour) and trades it at POST {org}/oauth2/v1/token
// (client_credentials) for an access token for Scopes, which it keeps until
// just before it expires and sends as "Authorization: Bearer".
type OAuth struct {
	// ClientID is the service app's client id (0oa…).
	ClientID string
	// Scopes are the Okta API scopes to ask for (okta.users.read, …); Okta
	// refuses the token when one of them is not granted to the app.
	Scopes []string
	// PrivateKey is the app's RSA private key in PEM: PKCS#1 ("RSA PRIVATE
	// KEY") or PKCS#8 ("PRIVATE KEY", as Okta's console hands it out). A
	// literal \n stands for a line break, as in the SDK.
	PrivateKey actions.Secret
	// KeyID is the key's kid in Okta, sent in the assertion's header;
	// optional while the app has one key.
	KeyID string
}

// minKeyBits is the smallest RSA key accepted.
const minKeyBits = 2048

// tokenPath is Okta's org authorization server's token endpoint.
const tokenPath = "/oauth2/v1/token"

// check validates the settings without their values ever reaching an error.
func (o *OAuth) check() (*rsa.PrivateKey, error) {
	switch {
	case o.ClientID == "":
		return nil, errors.New("okta: OAuth needs the service app's client id")
	case strings.ContainsFunc(o.ClientID, badIDRune):
		return nil, errors.New("okta: the OAuth client id contains spaces or control characters")
	case len(o.Scopes) == 0:
		return nil, errors.New("okta: OAuth needs at least one scope")
	case o.PrivateKey.IsZero():
		return nil, errors.New("okta: OAuth needs the service app's private key")
	case strings.ContainsFunc(o.KeyID, badIDRune):
		return nil, errors.New("okta: the OAuth key id contains spaces or control characters")
	}
	for _, s := range o.Scopes {
		if s == "" || strings.ContainsFunc(s, badIDRune) {
			return nil, errors.New("okta: an OAuth scope is empty or contains spaces or control characters")
		}
	}
	key, err := ParsePrivateKey(o.PrivateKey.Reveal())
	if err != nil {
		return nil, fmt.Errorf("okta: the OAuth private key: %w", err)
	}
	return key, nil
}

func badIDRune(r rune) bool { return r <= ' ' || r == 0x7f }

// ParsePrivateKey reads an RSA private key of at least 2048 bits from PEM:
// PKCS#1 ("RSA PRIVATE KEY", what the SDK itself accepts) or PKCS#8
// ("PRIVATE KEY", what Okta's admin console generates). Other PEM blocks
// before the key (a certificate) are skipped; a literal \n stands for a
// line break. Its errors never include any part of the key.
func ParsePrivateKey(pemText string) (*rsa.PrivateKey, error) {
	rest := []byte(strings.ReplaceAll(strings.TrimSpace(pemText), `\n`, "\n"))
	var seen []string
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case "RSA PRIVATE KEY":
			if len(block.Headers) > 0 {
				return nil, errors.New("the key is encrypted; give it unencrypted (and keep it in a secret store)")
			}
			key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, errors.New("the RSA PRIVATE KEY block does not parse as a PKCS#1 RSA key")
			}
			return checkRSAKey(key)
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, errors.New("the PRIVATE KEY block does not parse as a PKCS#8 key")
			}
			key, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("the key is %s, not RSA (client assertions are signed with RS256)", keyKind(k))
			}
			return checkRSAKey(key)
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("the key is encrypted; give it unencrypted (and keep it in a secret store)")
		}
		if len(seen) < 3 && len(block.Type) <= 40 {
			seen = append(seen, block.Type)
		}
	}
	if len(seen) > 0 {
		return nil, fmt.Errorf("no private key among the PEM blocks (found %s); want RSA PRIVATE KEY or PRIVATE KEY", strings.Join(seen, ", "))
	}
	return nil, errors.New("not a PEM private key (it should start with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)")
}

func checkRSAKey(key *rsa.PrivateKey) (*rsa.PrivateKey, error) {
	if bits := key.N.BitLen(); bits < minKeyBits {
		return nil, fmt.Errorf("the RSA key has %d bits; use at least %d", bits, minKeyBits)
	}
	if err := key.Validate(); err != nil {
		return nil, errors.New("the RSA key is inconsistent (its parts do not belong together)")
	}
	return key, nil
}

func keyKind(k any) string {
	switch k.(type) {
	case *ecdsa.PrivateKey:
		return "an ECDSA key"
	case ed25519.PrivateKey:
		return "an Ed25519 key"
	case *ecdh.PrivateKey:
		return "an ECDH key"
	}
	return "not an RSA key"
}

// newSigner is the RS256 signer the SDK signs client assertions with; kid,
// when set, goes into the JWT header.
func newSigner(key *rsa.PrivateKey, kid string) (jose.Signer, error) {
	var opts *jose.SignerOptions
	if kid != "" {
		opts = (&jose.SignerOptions{}).WithHeader("kid", kid)
	}
	return jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, opts)
}

// tokenError is an error answer of Okta's token endpoint: the service app,
// its key or its scopes were refused (4xx), or Okta failed (5xx).
type tokenError struct {
	Status      int
	Code        string // OAuth's error: invalid_client, invalid_scope, …
	Description string // OAuth's error_description
	RequestID   string
}

func (e *tokenError) Error() string {
	s := fmt.Sprintf("Okta's token endpoint answered HTTP %d", e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// tokenTransport is the HTTP layer between the SDK and the limiter that
// looks after the token endpoint (POST /oauth2/v1/token); other requests
// pass through. It
//   - gives each token request a deadline: the SDK sends it without a
//     context, so nothing else bounds it;
//   - lets concurrent token requests share one: the SDK fetches a token for
//     every request that finds its cache empty, so a burst of calls at
//     start or at expiry would otherwise fetch one each;
//   - turns an error answer into a *tokenError, which the SDK passes
//     through (it would otherwise return Okta's OAuth error without the
//     status or request id);
//   - remembers the scopes Okta granted, for ping. Never the token.
//
// Nothing here logs a query string (the client assertion travels in it) or
// a body (the access token).
type tokenTransport struct {
	next    http.RoundTripper
	timeout time.Duration
	log     zerolog.Logger

	mu      sync.Mutex
	flight  *tokenFlight
	granted []string
}

// tokenFlight is one token request and its answer, shared by all who asked
// while it was out.
type tokenFlight struct {
	joined int // requests waiting for it besides the first; under mu
	done   chan struct{}
	status int
	header http.Header
	body   []byte
	err    error
}

// maxTokenBody bounds a token endpoint answer read into memory.
const maxTokenBody = 1 << 20

func isTokenRequest(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == tokenPath
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !isTokenRequest(req) {
		return t.next.RoundTrip(req)
	}
	ctx := req.Context()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.timeout)
		defer cancel()
	}
	t.mu.Lock()
	if f := t.flight; f != nil {
		f.joined++
		t.mu.Unlock()
		if req.Body != nil {
			req.Body.Close()
		}
		select {
		case <-f.done:
			return f.result(req)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &tokenFlight{done: make(chan struct{})}
	t.flight = f
	t.mu.Unlock()

	f.fetch(t.next, req.WithContext(ctx))
	granted := f.grantedScopes()

	t.mu.Lock()
	t.flight = nil
	if granted != nil {
		t.granted = granted
	}
	t.mu.Unlock()
	close(f.done)
	if granted != nil {
		t.log.Debug().Strs("scopes", granted).Msg("okta access token obtained")
	}
	return f.result(req)
}

func (f *tokenFlight) fetch(next http.RoundTripper, req *http.Request) {
	resp, err := next.RoundTrip(req)
	if err != nil {
		f.err = err
		return
	}
	defer resp.Body.Close()
	f.status, f.header = resp.StatusCode, resp.Header.Clone()
	f.body, f.err = io.ReadAll(io.LimitReader(resp.Body, maxTokenBody))
	if f.err != nil && (errors.Is(f.err, io.EOF) || errors.Is(f.err, io.ErrUnexpectedEOF)) {
		f.err = errConnClosed
	}
}

// grantedScopes are the scopes of a successful answer; nil otherwise.
func (f *tokenFlight) grantedScopes() []string {
	if f.err != nil || f.status != http.StatusOK {
		return nil
	}
	var tr struct {
		Scope string `json:"scope"`
	}
	if json.Unmarshal(f.body, &tr) != nil {
		return nil
	}
	return strings.Fields(tr.Scope)
}

// result is the flight's answer as a response of its own for req.
func (f *tokenFlight) result(req *http.Request) (*http.Response, error) {
	if f.err != nil {
		return nil, f.err
	}
	if f.status != http.StatusOK {
		te := &tokenError{Status: f.status, RequestID: f.header.Get("X-Okta-Request-Id")}
		var oe struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
			// Okta's own error body, e.g. for a 5xx.
			ErrorCode    string `json:"errorCode"`
			ErrorSummary string `json:"errorSummary"`
		}
		if json.Unmarshal(f.body, &oe) == nil {
			te.Code, te.Description = oe.Error, oe.Description
			if te.Code == "" {
				te.Code, te.Description = oe.ErrorCode, oe.ErrorSummary
			}
		}
		return nil, te
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", f.status, http.StatusText(f.status)),
		StatusCode:    f.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        f.header.Clone(),
		Body:          io.NopCloser(bytes.NewReader(f.body)),
		ContentLength: int64(len(f.body)),
		Request:       req,
	}, nil
}

// grantedScopes are the scopes of the last access token Okta issued; nil
// before the first.
func (t *tokenTransport) grantedScopes() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.granted)
}

// bearerChallenge parses a WWW-Authenticate header's Bearer challenge
// (RFC 6750): Bearer realm="…", scope="…", error="…", … into its
// attributes; nil when there is none.
func bearerChallenge(h http.Header) map[string]string {
	v := strings.TrimSpace(h.Get("WWW-Authenticate"))
	rest, ok := strings.CutPrefix(v, "Bearer")
	if !ok {
		return nil
	}
	attrs := map[string]string{}
	for {
		rest = strings.TrimLeft(rest, " ,")
		k, after, ok := strings.Cut(rest, "=")
		if !ok {
			return attrs
		}
		k = strings.TrimSpace(k)
		var val strings.Builder
		if strings.HasPrefix(after, `"`) {
			i := 1
			for ; i < len(after); i++ {
				c := after[i]
				if c == '\\' && i+1 < len(after) {
					i++
					val.WriteByte(after[i])
					continue
				}
				if c == '"' {
					break
				}
				val.WriteByte(c)
			}
			rest = after[min(i+1, len(after)):]
		} else {
			end := strings.IndexByte(after, ',')
			if end < 0 {
				end = len(after)
			}
			val.WriteString(strings.TrimSpace(after[:end]))
			rest = after[end:]
		}
		attrs[k] = val.String()
	}
}

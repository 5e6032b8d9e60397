// Package oktatest is an in-memory fake Okta org served over httptest, for
// tests that exercise Okta through the real okta-sdk-golang/v2 over HTTP.
//
// The fake is strict: every request it receives and every response it sends
// is validated against Okta's management API spec (the subset this project
// uses, embedded from spec/management-api-subset.yaml) with kin-openapi. A
// request that violates the spec fails the test (t.Errorf, or the handler
// given by WithViolationHandler) and is answered with Okta's 400 E0000001; a
// path outside the spec is a violation too (404 E0000007, or 405 for a
// method the path lacks). A response that violates the spec is a bug in the
// fake and fails the test as well.
//
// It follows Okta where the project depends on it: the user lifecycle
// state machine (see handlers_lifecycle.go), error codes and bodies, user
// lookup by id, login, short login or "me", filter and search expressions
// (ParseExpression), Link paging with one header line per link and opaque
// cursors, the default password policy, rate-limit headers on every answer
// with Okta's per-bucket default limits enforced, and 429s; the org's
// concurrent-request limit (75 by default, SetConcurrencyLimit), whose
// 429s carry X-Rate-Limit-Limit and -Remaining of 0 as Okta's do; group
// names unique across all group types. Faults (latency, 5xx, 429) are
// injected on demand, calls can be held in flight until a test releases
// them (HoldCalls), and every call is recorded, with password values
// redacted. Okta's
// inconsistencies can be switched on (consistency.go): search results that
// lag writes (SetSearchLag) and asynchronous activation and deactivation
// (SetTransitionTime, transitioningToStatus).
//
// Accounts (factors.go, sessions.go, group_roles.go, logs.go): enrolled
// factors by type (AddFactor: Okta Verify push with its device's name,
// sms, call, email, totp, webauthn, question, ...), unenrolled one by one
// or all at once; Okta Verify pushes, with number matching when asked,
// whose device owner a test makes approve, reject or pick the wrong number
// (AnswerPush, AnswerPushes, after a delay by the server's clock) or never
// answer, so that the push times out (tokenLifetimeSeconds,
// SetPushLifetime, ExpirePush); passcodes for the other factor types
// (PassCode); sessions, remembered devices, OAuth tokens, consent grants
// and clients that clearing sessions and revoking grants remove; lock-outs
// (LockOut, BlockUnknownDevices) that unlock lifts; expiry with a
// temporary password; admin roles assigned to groups, which Okta lists
// among each member's roles; and a System Log of every change, push
// outcome and seeded event (AddLogEvent), with outcome, client IP and
// geolocation, filtered and paged as Okta does.
//
// Besides the SSWS token (Server.Token), the fake is an OAuth 2.0
// authorization server for service apps, as Okta's org authorization
// server is (see oauth.go): register one with AddServiceApp (client id,
// RSA public key, optional kid, granted scopes); POST /oauth2/v1/token
// with grant_type=client_credentials and an RS256 client assertion (iss =
// sub = client id, aud = URL+"/oauth2/v1/token", exp within the hour)
// issues a Bearer access token for the requested scopes, which must be
// granted to the app (else 400 invalid_scope; a bad assertion is 401
// invalid_client). Each API call with a Bearer token needs one of the
// OAuth scopes the spec lists for its operation (a .manage scope includes
// the matching .read); without it Okta's answer is 403 with
// WWW-Authenticate: Bearer …, error="insufficient_scope", scope="<needed>"
// (which the SDK reads) and E0000006 in the body. Expired or revoked
// (RevokeTokens) tokens get 401 E0000011 with error="invalid_token". The
// recorded token requests have their client_assertion redacted;
// IssuedTokens lists the access tokens handed out. Faults and rate limits
// apply to token requests as to any other (bucket /oauth2/v1/token).
//
// Typical use:
//
//	srv := oktatest.New(t)
//	alice := srv.AddUser(oktatest.User{Login: "alice@corp.com", FirstName: "Alice"})
//	ctx, client, err := okta.NewClient(context.Background(),
//		okta.WithOrgUrl(srv.URL), okta.WithToken(srv.Token),
//		okta.WithTestingDisableHttpsCheck(true), okta.WithCache(false))
//	...
//	got, _ := srv.User(alice.ID) // the state after the code under test ran
//	calls := srv.Calls()         // what it sent, escaped paths and raw queries
//
// Notes for tests of code that uses the SDK:
//   - The SDK does not escape path segments: escape ids and logins with
//     url.PathEscape, or a "/" in them produces a path outside the spec.
//   - On 429 the SDK waits X-Rate-Limit-Reset - Date + 1 s (capped by
//     okta.WithRateLimitMaxBackOff) per retry; Throttle's resets are
//     immediate, so that is one second unless the cap is lowered. When its
//     retries run out it returns errors.New("too many requests") without
//     the Okta error.
//   - Okta's default rate limits are enforced (e.g. 2000 GET /users/{id} a
//     minute); benchmarks should lift them with RateLimit.
//   - Every okta.Client starts a go-cache janitor goroutine that only stops
//     when the client is collected; goleak needs
//     IgnoreAnyFunction("github.com/patrickmn/go-cache.(*janitor).Run").
package oktatest

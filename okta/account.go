package okta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	sdk "github.com/okta/okta-sdk-golang/v2/okta"

	"oktabot/actions"
)

// The account calls: factors, Okta Verify pushes, password expiry,
// sessions, tokens and grants. Several go through the SDK's request
// executor (send) rather than its typed methods, where SDK v2 lacks the
// call or gets it wrong: it cannot ask for number matching, hides the
// number in an untyped _embedded, drops a factor's profile (the device's
// name), and expires with a temporary password through an old query
// parameter instead of expire_password_with_temp_password.

// send makes one call through the SDK's request executor (its
// authorization, our transport, limiter and deadlines). path is escaped
// and may carry a query; body and out may be nil.
func (c *Client) send(ctx context.Context, method, path string, body, out any) (*sdk.Response, error) {
	rq := c.sdk.CloneRequestExecutor()
	req, err := rq.WithAccept("application/json").WithContentType("application/json").NewRequest(method, path, body)
	if err != nil {
		return nil, err
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	return rq.Do(cctx, req, out)
}

func userPath(userID string) string { return "/api/v1/users/" + esc(userID) }

func factorOf(userID, factorID string) what {
	u := user(userID)
	return what{noun: "factor", ref: factorID, of: &u}
}

// ExpirePassword makes the user choose a new password at their next
// sign-in.
func (c *Client) ExpirePassword(ctx context.Context, userID string) error {
	w := user(userID)
	if err := checkRef(userID, w); err != nil {
		return err
	}
	resp, err := c.send(ctx, http.MethodPost, userPath(userID)+"/lifecycle/expire_password", nil, nil)
	return mapError(err, resp, w)
}

// ExpirePasswordWithTemp expires the password and sets a temporary one,
// which it returns for the caller only.
func (c *Client) ExpirePasswordWithTemp(ctx context.Context, userID string, revokeSessions bool) (actions.Secret, error) {
	w := user(userID)
	if err := checkRef(userID, w); err != nil {
		return actions.Secret{}, err
	}
	path := userPath(userID) + "/lifecycle/expire_password_with_temp_password?revokeSessions=" + strconv.FormatBool(revokeSessions)
	var out struct {
		TempPassword string `json:"tempPassword"`
	}
	resp, err := c.send(ctx, http.MethodPost, path, nil, &out)
	if err != nil {
		return actions.Secret{}, mapError(err, resp, w)
	}
	if out.TempPassword == "" {
		return actions.Secret{}, mapError(errEmptyBody, resp, w)
	}
	return actions.NewSecret(out.TempPassword), nil
}

// factorBody is what the bot reads of Okta's UserFactor: nothing secret
// (no credential id, keys or shared secret is decoded).
type factorBody struct {
	ID           string     `json:"id"`
	FactorType   string     `json:"factorType"`
	Provider     string     `json:"provider"`
	Status       string     `json:"status"`
	Created      *time.Time `json:"created"`
	LastUpdated  *time.Time `json:"lastUpdated"`
	LastVerified *time.Time `json:"lastVerified"`
	Profile      struct {
		Name              string `json:"name"`
		Platform          string `json:"platform"`
		PhoneNumber       string `json:"phoneNumber"`
		Email             string `json:"email"`
		AuthenticatorName string `json:"authenticatorName"`
	} `json:"profile"`
}

func (f *factorBody) factor() actions.Factor {
	out := actions.Factor{
		ID: f.ID, Type: f.FactorType, Provider: f.Provider, Status: f.Status,
		Platform:     f.Profile.Platform,
		Created:      tm(f.Created),
		LastUpdated:  tm(f.LastUpdated),
		LastVerified: tm(f.LastVerified),
	}
	switch {
	case f.Profile.Name != "":
		out.Device = f.Profile.Name
	case f.Profile.AuthenticatorName != "":
		out.Device = f.Profile.AuthenticatorName
	case f.Profile.PhoneNumber != "":
		out.Device = maskPhone(f.Profile.PhoneNumber)
	case f.Profile.Email != "":
		out.Device = maskEmail(f.Profile.Email)
	}
	return out
}

// maskPhone keeps a phone number's last four digits: "•••0100".
func maskPhone(p string) string {
	var digits []rune
	for _, r := range p {
		if r >= '0' && r <= '9' {
			digits = append(digits, r)
		}
	}
	if len(digits) <= 4 {
		return "•••"
	}
	return "•••" + string(digits[len(digits)-4:])
}

// maskEmail keeps an address's first letter and domain: "p•••@corp.com".
func maskEmail(e string) string {
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" {
		return "•••"
	}
	return string([]rune(local)[:1]) + "•••@" + domain
}

// ListFactors returns the user's enrolled factors.
func (c *Client) ListFactors(ctx context.Context, userID string) ([]actions.Factor, error) {
	w := user(userID)
	if err := checkRef(userID, w); err != nil {
		return nil, err
	}
	var found []*factorBody
	resp, err := c.send(ctx, http.MethodGet, userPath(userID)+"/factors", nil, &found)
	if err != nil {
		return nil, mapError(err, resp, w)
	}
	out := make([]actions.Factor, 0, len(found))
	for _, f := range found {
		if f != nil {
			out = append(out, f.factor())
		}
	}
	return out, nil
}

// GetFactor returns one factor of the user.
func (c *Client) GetFactor(ctx context.Context, userID, factorID string) (actions.Factor, error) {
	w := factorOf(userID, factorID)
	if err := checkRefs(userID, factorID, w); err != nil {
		return actions.Factor{}, err
	}
	var f factorBody
	resp, err := c.send(ctx, http.MethodGet, userPath(userID)+"/factors/"+esc(factorID), nil, &f)
	if err != nil {
		return actions.Factor{}, mapError(err, resp, w)
	}
	if f.ID == "" {
		return actions.Factor{}, mapError(errEmptyBody, resp, w)
	}
	return f.factor(), nil
}

// checkRefs checks a user reference and the reference of something of
// theirs.
func checkRefs(userID, ref string, w what) error {
	if err := checkRef(userID, user(userID)); err != nil {
		return err
	}
	return checkRef(ref, what{noun: w.noun})
}

// DeleteFactor unenrolls one factor.
func (c *Client) DeleteFactor(ctx context.Context, userID, factorID string) error {
	w := factorOf(userID, factorID)
	if err := checkRefs(userID, factorID, w); err != nil {
		return err
	}
	resp, err := c.send(ctx, http.MethodDelete, userPath(userID)+"/factors/"+esc(factorID), nil, nil)
	return mapError(err, resp, w)
}

// ResetFactors unenrolls every factor of the user.
func (c *Client) ResetFactors(ctx context.Context, userID string) error {
	return c.lifecycle(ctx, userID, c.sdk.User.ResetFactors)
}

// pushBody is Okta's answer to a push verification and to its polls.
type pushBody struct {
	FactorResult string     `json:"factorResult"`
	ExpiresAt    *time.Time `json:"expiresAt"`
	Embedded     struct {
		Challenge *struct {
			CorrectAnswer int `json:"correctAnswer"`
		} `json:"challenge"`
	} `json:"_embedded"`
	Links struct {
		Poll struct {
			Href string `json:"href"`
		} `json:"poll"`
	} `json:"_links"`
}

// SendPush sends an Okta Verify push with number matching to the user's
// push factor. It reads the factor first: verifying any other factor type
// would make Okta send an SMS, a call or an email instead.
func (c *Client) SendPush(ctx context.Context, userID, factorID string) (actions.PushChallenge, error) {
	w := factorOf(userID, factorID)
	f, err := c.GetFactor(ctx, userID, factorID)
	if err != nil {
		return actions.PushChallenge{}, err
	}
	if !f.IsOktaVerifyPush() {
		return actions.PushChallenge{}, &actions.Error{Kind: actions.KindInvalid,
			Message: fmt.Sprintf("%s is not an active Okta Verify push factor (%s, %s, %s)", w, f.Type, f.Provider, f.Status)}
	}
	var out pushBody
	body := map[string]any{"useNumberMatchingChallenge": true}
	resp, err := c.send(ctx, http.MethodPost, userPath(userID)+"/factors/"+esc(factorID)+"/verify", body, &out)
	if err != nil {
		return actions.PushChallenge{}, mapError(err, resp, w)
	}
	tx := transactionOf(out.Links.Poll.Href)
	if out.FactorResult != string(actions.PushWaiting) || tx == "" {
		return actions.PushChallenge{}, &actions.Error{Kind: actions.KindInternal,
			Message: fmt.Sprintf("Okta answered the push to %s with %q and no transaction to follow", w, out.FactorResult)}
	}
	ch := actions.PushChallenge{UserID: userID, FactorID: factorID, Transaction: actions.NewSecret(tx),
		ExpiresAt: tm(out.ExpiresAt)}
	if out.Embedded.Challenge != nil && out.Embedded.Challenge.CorrectAnswer > 0 {
		ch.Number = actions.NewSecret(strconv.Itoa(out.Embedded.Challenge.CorrectAnswer))
	}
	return ch, nil
}

// transactionOf is the transaction id at the end of a poll link
// (…/factors/{factorId}/transactions/{transactionId}), unescaped.
func transactionOf(poll string) string {
	u, err := url.Parse(poll)
	if err != nil {
		return ""
	}
	dir, last, ok := strings.Cut(strings.TrimSuffix(u.EscapedPath(), "/"), "/transactions/")
	if !ok || dir == "" || strings.Contains(last, "/") {
		return ""
	}
	tx, err := url.PathUnescape(last)
	if err != nil {
		return ""
	}
	return tx
}

// PushResult polls a push once.
func (c *Client) PushResult(ctx context.Context, ch actions.PushChallenge) (actions.PushResult, error) {
	w := what{noun: "push verification", of: &what{noun: "user", ref: ch.UserID}}
	tx := ch.Transaction.Reveal()
	if tx == "" {
		return "", actions.Errorf(actions.KindInvalid, "no push transaction to poll")
	}
	if err := checkRefs(ch.UserID, ch.FactorID, w); err != nil {
		return "", err
	}
	var out pushBody
	path := userPath(ch.UserID) + "/factors/" + esc(ch.FactorID) + "/transactions/" + esc(tx)
	resp, err := c.send(ctx, http.MethodGet, path, nil, &out)
	if err != nil {
		// Okta's errorSummary names the transaction ("Resource not
		// found: v2mst… (Transaction)"), and so would a transport error's
		// URL: neither may reach a message or a log.
		return "", hide(mapError(err, resp, w), tx, esc(tx))
	}
	switch r := actions.PushResult(out.FactorResult); r {
	case actions.PushWaiting, actions.PushApproved, actions.PushRejected, actions.PushTimedOut:
		return r, nil
	}
	return "", &actions.Error{Kind: actions.KindInternal,
		Message: fmt.Sprintf("Okta answered the %s with an unknown result %q", w, out.FactorResult)}
}

// hide returns err with every occurrence of the secrets replaced, in the
// message and causes shown to people and in the error kept for logs.
func hide(err error, secrets ...string) error {
	var e *actions.Error
	if !errors.As(err, &e) {
		return err
	}
	scrub := func(s string) string {
		for _, x := range secrets {
			if x != "" {
				s = strings.ReplaceAll(s, x, actions.Redacted)
			}
		}
		return s
	}
	out := *e
	out.Message = scrub(e.Message)
	out.Causes = nil
	for _, c := range e.Causes {
		out.Causes = append(out.Causes, scrub(c))
	}
	if e.Err != nil {
		out.Err = errors.New(scrub(e.Err.Error()))
	}
	return &out
}

// ClearSessions ends every Okta session of the user; o says whether their
// OAuth tokens and remembered devices go too. Both parameters are always
// sent: Okta's defaults differ (tokens kept, devices forgotten).
func (c *Client) ClearSessions(ctx context.Context, userID string, o actions.ClearSessions) error {
	w := user(userID)
	if err := checkRef(userID, w); err != nil {
		return err
	}
	q := url.Values{}
	q.Set("oauthTokens", strconv.FormatBool(o.OAuthTokens))
	q.Set("forgetDevices", strconv.FormatBool(o.ForgetDevices))
	resp, err := c.send(ctx, http.MethodDelete, userPath(userID)+"/sessions?"+q.Encode(), nil, nil)
	return mapError(err, resp, w)
}

// maxGrantPage is Okta's largest page of grants.
const maxGrantPage = 200

// ListGrants returns the user's active consent grants, every page.
func (c *Client) ListGrants(ctx context.Context, userID string) ([]actions.Grant, error) {
	w := what{noun: "grants", of: &what{noun: "user", ref: userID}}
	if err := checkRef(userID, user(userID)); err != nil {
		return nil, err
	}
	found, err := collect(ctx, c, 0, w, func(ctx context.Context) ([]*sdk.OAuth2ScopeConsentGrant, *sdk.Response, error) {
		var page []*sdk.OAuth2ScopeConsentGrant
		resp, err := c.send(ctx, http.MethodGet, userPath(userID)+"/grants?limit="+strconv.Itoa(maxGrantPage), nil, &page)
		return page, resp, err
	})
	if err != nil {
		return nil, err
	}
	out := make([]actions.Grant, 0, len(found))
	for _, g := range found {
		if g == nil {
			continue
		}
		out = append(out, actions.Grant{ID: g.Id, ClientID: g.ClientId, Client: linkTitle(g.Links, "client"),
			Scope: g.ScopeId, Issuer: g.Issuer, Source: g.Source, Status: g.Status, Created: tm(g.Created)})
	}
	return out, nil
}

// linkTitle reads _links.<rel>.title from an untyped _links.
func linkTitle(links any, rel string) string {
	m, _ := links.(map[string]any)
	l, _ := m[rel].(map[string]any)
	s, _ := l["title"].(string)
	return s
}

// RevokeGrants revokes every consent grant of the user.
func (c *Client) RevokeGrants(ctx context.Context, userID string) error {
	w := what{noun: "grants", of: &what{noun: "user", ref: userID}}
	if err := checkRef(userID, user(userID)); err != nil {
		return err
	}
	resp, err := c.send(ctx, http.MethodDelete, userPath(userID)+"/grants", nil, nil)
	return mapError(err, resp, w)
}

// ListClients returns the OAuth clients that hold grants or tokens of the
// user.
func (c *Client) ListClients(ctx context.Context, userID string) ([]actions.OAuthClient, error) {
	w := what{noun: "OAuth clients", of: &what{noun: "user", ref: userID}}
	if err := checkRef(userID, user(userID)); err != nil {
		return nil, err
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	found, resp, err := c.sdk.User.ListUserClients(cctx, esc(userID))
	if err != nil {
		return nil, mapError(err, resp, w)
	}
	out := make([]actions.OAuthClient, 0, len(found))
	for _, cl := range found {
		if cl != nil {
			out = append(out, actions.OAuthClient{ID: cl.ClientId, Name: cl.ClientName, URI: cl.ClientUri})
		}
	}
	return out, nil
}

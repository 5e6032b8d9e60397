package okta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	sdk "github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"oktabot/actions"
)

const (
	// maxUserPage is Okta's largest page of users.
	maxUserPage = 200
	// defaultListLimit is list-users' default --limit.
	defaultListLimit = 200
	// defaultSearchLimit is the type-ahead default.
	defaultSearchLimit = 20
	// ambiguityProbe is how many candidates a short-login or email lookup
	// fetches; showCandidates of them are named in the error.
	ambiguityProbe = 6
	showCandidates = 5
)

// Whoami returns the user the API token belongs to (GET /users/me) or, for
// an OAuth login, the service app: a service app's token has no user, so
// it reads the org's settings (GET /api/v1/org, scope okta.orgs.read) for
// the org's name instead. The call proves the login and the token work;
// when Okta refuses it for want of that scope or an admin role (403), the
// login still worked and the answer says why the org's name is missing.
func (c *Client) Whoami(ctx context.Context) (actions.Whoami, error) {
	if c.oauth == nil {
		u, err := c.getUser(ctx, "me", what{noun: "user", ref: "me"})
		return actions.Whoami{User: u}, err
	}
	app := &actions.ServiceApp{ClientID: c.oauth.clientID}
	cctx, cancel := c.call(ctx)
	org, resp, err := c.sdk.OrgSetting.GetOrgSettings(cctx)
	cancel()
	switch err = mapError(err, resp, what{noun: "org settings"}); {
	case err == nil && org != nil:
		app.Org = org.CompanyName
	case err == nil:
		app.OrgNote = "Okta answered without the org's settings"
	case resp != nil && resp.Response != nil && resp.StatusCode == http.StatusForbidden:
		// Refused by the API (a refusal at the token endpoint comes
		// without a response, a bad token is 401): the login worked.
		var e *actions.Error
		if errors.As(err, &e) && e.Code == codeInsufficientScope {
			app.OrgNote = "not readable without the okta.orgs.read scope"
		} else {
			app.OrgNote = "not readable: Okta refused the app the org's settings (its admin role?)"
		}
	default:
		return actions.Whoami{}, err
	}
	app.Scopes = c.oauth.tokens.grantedScopes()
	if app.Scopes == nil {
		app.Scopes = slices.Clone(c.oauth.scopes)
	}
	return actions.Whoami{App: app}, nil
}

// FindUser resolves an id, login or short login (GET /users/{ref}, which
// is consistent), and falls back to a search Okta itself does not do: a
// reference without "@" is tried as a short login (profile.login sw
// "ref@"), one with "@" as an email (profile.email eq "ref"). Search lags
// writes, so each match is read back by id and kept only if it still
// matches. Exactly one match is the user; several are KindAmbiguous,
// naming a few; none is KindNotFound.
//
// "me" is never sent to GET /users/{ref}: Okta answers it with the user the
// API token belongs to, so `reset-password me` would act on the bot's own
// admin account. It is only a short login ("me@…") here.
func (c *Client) FindUser(ctx context.Context, ref string) (actions.User, error) {
	w := user(ref)
	var notFound error
	if strings.EqualFold(ref, "me") {
		notFound = &actions.Error{Kind: actions.KindNotFound, Message: "no " + w.String()}
	} else {
		if err := checkRef(ref, w); err != nil {
			return actions.User{}, err
		}
		var u actions.User
		u, notFound = c.getUser(ctx, ref, w)
		if notFound == nil || !actions.IsKind(notFound, actions.KindNotFound) {
			return u, notFound
		}
	}
	var expr string
	if strings.Contains(ref, "@") {
		expr = "profile.email eq " + literal(ref)
	} else {
		expr = "profile.login sw " + literal(ref+"@")
	}
	qp := query.NewQueryParams(query.WithSearch(expr), query.WithLimit(ambiguityProbe))
	cctx, cancel := c.call(ctx)
	found, resp, err := c.sdk.User.ListUsers(cctx, qp)
	cancel()
	if err != nil {
		err = mapError(err, resp, w)
		if actions.IsKind(err, actions.KindInvalid) {
			return actions.User{}, notFound
		}
		return actions.User{}, err
	}
	// Search is eventually consistent: it may show a user as they were
	// (an old status, an email since changed) or one since deleted. Read
	// each candidate back by id, which is consistent, and keep those that
	// still match.
	var users []actions.User
	for _, f := range found {
		if f == nil || f.Id == "" {
			continue
		}
		u, err := c.getUser(ctx, f.Id, w)
		switch {
		case actions.IsKind(err, actions.KindNotFound):
			continue
		case err != nil:
			return actions.User{}, err
		}
		if matches(u, ref) {
			users = append(users, u)
		}
	}
	switch len(users) {
	case 0:
		return actions.User{}, notFound
	case 1:
		return users[0], nil
	}
	var logins []string
	for _, u := range users[:min(len(users), showCandidates)] {
		logins = append(logins, u.Login)
	}
	more := ""
	if len(users) > showCandidates {
		more = ", …"
	}
	return actions.User{}, &actions.Error{
		Kind:    actions.KindAmbiguous,
		Message: fmt.Sprintf("%q matches several Okta users: %s%s; use the full login", ref, strings.Join(logins, ", "), more),
	}
}

// matches reports whether u is still what FindUser's search looked for:
// the email ref, or a login that starts with ref + "@" (case-insensitive,
// as search is).
func matches(u actions.User, ref string) bool {
	if strings.Contains(ref, "@") {
		return strings.EqualFold(u.Email, ref)
	}
	local, _, ok := strings.Cut(u.Login, "@")
	return ok && strings.EqualFold(local, ref)
}

func (c *Client) getUser(ctx context.Context, ref string, w what) (actions.User, error) {
	cctx, cancel := c.call(ctx)
	defer cancel()
	u, resp, err := c.sdk.User.GetUser(cctx, esc(ref))
	if err != nil {
		return actions.User{}, mapError(err, resp, w)
	}
	if u == nil {
		return actions.User{}, mapError(errEmptyBody, resp, w)
	}
	return toUser(u), nil
}

// SearchUsers returns up to limit users whose login, email, first or last
// name starts with prefix (all users for an empty prefix).
func (c *Client) SearchUsers(ctx context.Context, prefix string, limit int) ([]actions.User, error) {
	if limit <= 0 {
		limit = defaultSearchLimit
	}
	qp := query.NewQueryParams(query.WithLimit(pageSize(limit, maxUserPage)))
	if prefix != "" {
		l := literal(prefix)
		qp.Search = fmt.Sprintf("profile.login sw %[1]s or profile.email sw %[1]s or profile.firstName sw %[1]s or profile.lastName sw %[1]s", l)
	}
	return c.listUsers(ctx, qp, limit, what{noun: "users"})
}

// ListUsers passes the caller's q, filter and search to Okta whole and
// pages up to q.Limit users (200 when zero), handing each page to page as
// Okta returns it.
func (c *Client) ListUsers(ctx context.Context, q actions.UserQuery, page func([]actions.User) error) error {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}
	qp := query.NewQueryParams(query.WithLimit(pageSize(limit, maxUserPage)))
	qp.Q, qp.Filter, qp.Search = q.Query, q.Filter, q.Search
	return c.eachUserPage(ctx, qp, limit, what{noun: "users"}, page)
}

// eachUserPage lists users page by page (eachPage).
func (c *Client) eachUserPage(ctx context.Context, qp *query.Params, limit int, w what, page func([]actions.User) error) error {
	return eachPage(ctx, c, limit, w, func(ctx context.Context) ([]*sdk.User, *sdk.Response, error) {
		return c.sdk.User.ListUsers(ctx, qp)
	}, func(found []*sdk.User) error {
		out := make([]actions.User, 0, len(found))
		for _, u := range found {
			if u != nil {
				out = append(out, toUser(u))
			}
		}
		return page(out)
	})
}

func (c *Client) listUsers(ctx context.Context, qp *query.Params, limit int, w what) ([]actions.User, error) {
	var out []actions.User
	err := c.eachUserPage(ctx, qp, limit, w, func(page []actions.User) error {
		out = append(out, page...)
		return nil
	})
	return out, err
}

// ListUserGroups returns the groups the user (id or login) belongs to.
func (c *Client) ListUserGroups(ctx context.Context, userID string) ([]actions.Group, error) {
	w := user(userID)
	if err := checkRef(userID, w); err != nil {
		return nil, err
	}
	found, err := collect(ctx, c, 0, w, func(ctx context.Context) ([]*sdk.Group, *sdk.Response, error) {
		return c.sdk.User.ListUserGroups(ctx, esc(userID))
	})
	if err != nil {
		return nil, err
	}
	return toGroups(found), nil
}

// ActivateUser activates a STAGED or DEPROVISIONED user, sending Okta's
// activation email only when sendEmail is set; otherwise Okta returns a
// one-time activation link and token.
func (c *Client) ActivateUser(ctx context.Context, userID string, sendEmail bool) (actions.Activation, error) {
	return c.activate(ctx, userID, sendEmail, c.sdk.User.ActivateUser)
}

// ReactivateUser restarts activation of a PROVISIONED user.
func (c *Client) ReactivateUser(ctx context.Context, userID string, sendEmail bool) (actions.Activation, error) {
	return c.activate(ctx, userID, sendEmail, c.sdk.User.ReactivateUser)
}

func (c *Client) activate(ctx context.Context, userID string, sendEmail bool,
	f func(context.Context, string, *query.Params) (*sdk.UserActivationToken, *sdk.Response, error)) (actions.Activation, error) {
	w := user(userID)
	if err := checkRef(userID, w); err != nil {
		return actions.Activation{}, err
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	tok, resp, err := f(cctx, esc(userID), query.NewQueryParams(query.WithSendEmail(sendEmail)))
	if err != nil {
		return actions.Activation{}, mapError(err, resp, w)
	}
	if tok == nil {
		return actions.Activation{}, nil
	}
	return actions.Activation{
		URL:   actions.NewSecret(tok.ActivationUrl),
		Token: actions.NewSecret(tok.ActivationToken),
	}, nil
}

// DeactivateUser deprovisions a user; sendEmail is always sent.
func (c *Client) DeactivateUser(ctx context.Context, userID string, sendEmail bool) error {
	return c.lifecycle(ctx, userID, func(ctx context.Context, id string) (*sdk.Response, error) {
		return c.sdk.User.DeactivateUser(ctx, id, query.NewQueryParams(query.WithSendEmail(sendEmail)))
	})
}

// SuspendUser suspends an ACTIVE user.
func (c *Client) SuspendUser(ctx context.Context, userID string) error {
	return c.lifecycle(ctx, userID, c.sdk.User.SuspendUser)
}

// UnsuspendUser returns a SUSPENDED user to ACTIVE.
func (c *Client) UnsuspendUser(ctx context.Context, userID string) error {
	return c.lifecycle(ctx, userID, c.sdk.User.UnsuspendUser)
}

// UnlockUser returns a LOCKED_OUT user to ACTIVE.
func (c *Client) UnlockUser(ctx context.Context, userID string) error {
	return c.lifecycle(ctx, userID, c.sdk.User.UnlockUser)
}

func (c *Client) lifecycle(ctx context.Context, userID string, f func(context.Context, string) (*sdk.Response, error)) error {
	w := user(userID)
	if err := checkRef(userID, w); err != nil {
		return err
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	resp, err := f(cctx, esc(userID))
	return mapError(err, resp, w)
}

// ResetPassword starts a password reset. sendEmail is always sent (Okta
// requires it); without the email Okta returns the one-time reset URL.
func (c *Client) ResetPassword(ctx context.Context, userID string, sendEmail bool) (actions.Secret, error) {
	w := user(userID)
	if err := checkRef(userID, w); err != nil {
		return actions.Secret{}, err
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	tok, resp, err := c.sdk.User.ResetPassword(cctx, esc(userID), query.NewQueryParams(query.WithSendEmail(sendEmail)))
	if err != nil {
		return actions.Secret{}, mapError(err, resp, w)
	}
	if tok == nil {
		return actions.Secret{}, nil
	}
	return actions.NewSecret(tok.ResetPasswordUrl), nil
}

// SetPassword sets the password by a partial update (POST
// /api/v1/users/{id} with only credentials.password.value); a PUT would
// replace the whole user and wipe the profile.
func (c *Client) SetPassword(ctx context.Context, userID string, password actions.Secret) error {
	w := user(userID)
	if err := checkRef(userID, w); err != nil {
		return err
	}
	if password.IsZero() {
		return actions.Errorf(actions.KindInvalid, "an empty password for %s", w)
	}
	body := sdk.User{Credentials: &sdk.UserCredentials{Password: &sdk.PasswordCredential{Value: password.Reveal()}}}
	cctx, cancel := c.call(ctx)
	defer cancel()
	_, resp, err := c.sdk.User.PartialUpdateUser(cctx, esc(userID), body, nil)
	return mapError(err, resp, w)
}

func toUser(u *sdk.User) actions.User {
	out := actions.User{
		ID:              u.Id,
		Status:          u.Status,
		Transition:      u.TransitioningToStatus,
		Created:         tm(u.Created),
		Activated:       tm(u.Activated),
		StatusChanged:   tm(u.StatusChanged),
		LastLogin:       tm(u.LastLogin),
		LastUpdated:     tm(u.LastUpdated),
		PasswordChanged: tm(u.PasswordChanged),
	}
	if u.Profile != nil {
		p := *u.Profile
		str := func(k string) string { s, _ := p[k].(string); return s }
		out.Login = str("login")
		out.Email = str("email")
		out.FirstName = str("firstName")
		out.LastName = str("lastName")
		out.DisplayName = str("displayName")
	}
	return out
}

func tm(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

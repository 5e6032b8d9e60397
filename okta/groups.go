package okta

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	sdk "github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"oktabot/actions"
)

const (
	maxGroupPage       = 200
	maxIdPPage         = 200
	defaultIdPLimit    = 20
	defaultGroupSearch = 20
)

// GetGroup returns the group with this id.
func (c *Client) GetGroup(ctx context.Context, id string) (actions.Group, error) {
	w := group(id)
	if err := checkRef(id, w); err != nil {
		return actions.Group{}, err
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	g, resp, err := c.sdk.Group.GetGroup(cctx, esc(id))
	if err != nil {
		return actions.Group{}, mapError(err, resp, w)
	}
	if g == nil {
		return actions.Group{}, mapError(errEmptyBody, resp, w)
	}
	return toGroup(g), nil
}

// FindGroupsByName searches profile.name eq "name" (paged) and keeps the
// exact matches; no match is an empty slice, not an error.
func (c *Client) FindGroupsByName(ctx context.Context, name string) ([]actions.Group, error) {
	w := group(name)
	if name == "" {
		return nil, actions.Errorf(actions.KindInvalid, "an empty group name")
	}
	qp := query.NewQueryParams(query.WithSearch("profile.name eq "+literal(name)), query.WithLimit(maxGroupPage))
	found, err := collect(ctx, c, 0, w, func(ctx context.Context) ([]*sdk.Group, *sdk.Response, error) {
		return c.sdk.Group.ListGroups(ctx, qp)
	})
	if err != nil {
		return nil, err
	}
	out := []actions.Group{}
	for _, g := range toGroups(found) {
		if g.Name == name {
			out = append(out, g)
		}
	}
	return out, nil
}

// SearchGroups returns up to limit groups whose name starts with prefix
// (Okta's q, which is not pageable).
func (c *Client) SearchGroups(ctx context.Context, prefix string, limit int) ([]actions.Group, error) {
	if limit <= 0 {
		limit = defaultGroupSearch
	}
	qp := query.NewQueryParams(query.WithLimit(pageSize(limit, maxGroupPage)))
	qp.Q = prefix
	cctx, cancel := c.call(ctx)
	defer cancel()
	found, resp, err := c.sdk.Group.ListGroups(cctx, qp)
	if err != nil {
		return nil, mapError(err, resp, what{noun: "groups"})
	}
	out := toGroups(found)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// CreateGroup creates an OKTA_GROUP. A name already taken by a group of any
// type is KindConflict: Okta's names are unique, and its refusal is the
// only reliable duplicate check (search lags writes).
func (c *Client) CreateGroup(ctx context.Context, name, description string) (actions.Group, error) {
	w := group(name)
	if name == "" {
		return actions.Group{}, actions.Errorf(actions.KindInvalid, "an empty group name")
	}
	body := sdk.Group{Profile: &sdk.GroupProfile{Name: name, Description: description}}
	cctx, cancel := c.call(ctx)
	defer cancel()
	g, resp, err := c.sdk.Group.CreateGroup(cctx, body)
	if err != nil {
		err = mapError(err, resp, w)
		var e *actions.Error
		if errors.As(err, &e) && e.Code == codeValidation && nameTaken(e.Causes) {
			e.Kind = actions.KindConflict
			e.Message = fmt.Sprintf("a group named %q already exists in Okta; nothing was created", name)
			e.Causes = nil
		}
		return actions.Group{}, err
	}
	if g == nil {
		return actions.Group{}, mapError(errEmptyBody, resp, w)
	}
	return toGroup(g), nil
}

// ListRoles returns the user's admin role assignments (user id only).
func (c *Client) ListRoles(ctx context.Context, userID string) ([]actions.Role, error) {
	w := user(userID)
	if err := checkRef(userID, w); err != nil {
		return nil, err
	}
	// Read once per target of a request: the admin guard and
	// unassign-role both ask.
	return actions.RolesOnce(ctx, userID, func() ([]actions.Role, error) {
		found, err := collect(ctx, c, 0, w, func(ctx context.Context) ([]*sdk.Role, *sdk.Response, error) {
			return c.sdk.User.ListAssignedRolesForUser(ctx, esc(userID), nil)
		})
		if err != nil {
			return nil, err
		}
		out := make([]actions.Role, 0, len(found))
		for _, r := range found {
			if r != nil {
				out = append(out, toRole(r))
			}
		}
		return out, nil
	})
}

// AssignRole assigns a standard role type; an existing assignment is
// KindConflict.
func (c *Client) AssignRole(ctx context.Context, userID, roleType string) (actions.Role, error) {
	w := user(userID)
	if err := checkRef(userID, w); err != nil {
		return actions.Role{}, err
	}
	if !slices.Contains(actions.RoleTypes, roleType) {
		return actions.Role{}, actions.Errorf(actions.KindInvalid, "%q is not a role type Okta can assign (one of %s)",
			roleType, strings.Join(actions.RoleTypes, ", "))
	}
	actions.ForgetRoles(ctx, userID)
	cctx, cancel := c.call(ctx)
	defer cancel()
	r, resp, err := c.sdk.User.AssignRoleToUser(cctx, esc(userID), sdk.AssignRoleRequest{Type: roleType}, nil)
	if err != nil {
		return actions.Role{}, mapError(err, resp, w)
	}
	if r == nil {
		return actions.Role{}, mapError(errEmptyBody, resp, w)
	}
	return toRole(r), nil
}

// UnassignRole removes a role assignment by its assignment id.
func (c *Client) UnassignRole(ctx context.Context, userID, assignmentID string) error {
	w := user(userID)
	if err := checkRef(userID, w); err != nil {
		return err
	}
	rw := what{noun: "role assignment", ref: assignmentID, of: &w}
	if err := checkRef(assignmentID, rw); err != nil {
		return err
	}
	actions.ForgetRoles(ctx, userID)
	cctx, cancel := c.call(ctx)
	defer cancel()
	resp, err := c.sdk.User.RemoveRoleFromUser(cctx, esc(userID), esc(assignmentID))
	return mapError(err, resp, rw)
}

// ListIdentityProviders pages up to q.Limit IdPs (20 when zero) matching
// q.Query and q.Type.
func (c *Client) ListIdentityProviders(ctx context.Context, q actions.IdentityProviderQuery) ([]actions.IdentityProvider, error) {
	if q.Type != "" && !slices.Contains(actions.IdentityProviderTypes, q.Type) {
		return nil, actions.Errorf(actions.KindInvalid, "%q is not an Okta identity provider type (one of %s)",
			q.Type, strings.Join(actions.IdentityProviderTypes, ", "))
	}
	limit := q.Limit
	if limit <= 0 {
		limit = defaultIdPLimit
	}
	qp := query.NewQueryParams(query.WithLimit(pageSize(limit, maxIdPPage)))
	qp.Q, qp.Type = q.Query, q.Type
	found, err := collect(ctx, c, limit, what{noun: "identity providers"}, func(ctx context.Context) ([]*sdk.IdentityProvider, *sdk.Response, error) {
		return c.sdk.IdentityProvider.ListIdentityProviders(ctx, qp)
	})
	if err != nil {
		return nil, err
	}
	out := make([]actions.IdentityProvider, 0, len(found))
	for _, p := range found {
		if p == nil {
			continue
		}
		out = append(out, actions.IdentityProvider{
			ID:          p.Id,
			Name:        p.Name,
			Type:        p.Type,
			Status:      p.Status,
			IssuerMode:  p.IssuerMode,
			Created:     tm(p.Created),
			LastUpdated: tm(p.LastUpdated),
		})
	}
	return out, nil
}

// nameTaken reports whether Okta's errorCauses of an E0000001 say the name
// is taken ("name: An object with this field already exists in the current
// organization"). Okta has no code of its own for it, so this is the one
// place the bot reads a cause's words.
func nameTaken(causes []string) bool {
	for _, c := range causes {
		if strings.HasPrefix(c, "name:") && strings.Contains(c, "already exists") {
			return true
		}
	}
	return false
}

func toGroups(gs []*sdk.Group) []actions.Group {
	out := make([]actions.Group, 0, len(gs))
	for _, g := range gs {
		if g != nil {
			out = append(out, toGroup(g))
		}
	}
	return out
}

func toGroup(g *sdk.Group) actions.Group {
	out := actions.Group{
		ID:                    g.Id,
		Type:                  g.Type,
		Created:               tm(g.Created),
		LastUpdated:           tm(g.LastUpdated),
		LastMembershipUpdated: tm(g.LastMembershipUpdated),
	}
	if g.Profile != nil {
		out.Name = g.Profile.Name
		out.Description = g.Profile.Description
	}
	return out
}

func toRole(r *sdk.Role) actions.Role {
	return actions.Role{
		ID:             r.Id,
		Type:           r.Type,
		Label:          r.Label,
		Status:         r.Status,
		AssignmentType: r.AssignmentType,
		Created:        tm(r.Created),
		LastUpdated:    tm(r.LastUpdated),
	}
}

package okta

import (
	"context"
	"slices"
	"strings"

	sdk "github.com/okta/okta-sdk-golang/v2/okta"

	"oktabot/actions"
)

// Group membership and the admin roles assigned to groups. Okta changes
// the membership of OKTA_GROUP groups only; it refuses app and built-in
// groups.

func membership(groupID, userID string) what {
	g := group(groupID)
	return what{noun: "membership of user", ref: userID, of: &g}
}

// AddGroupMember adds the user (id) to the group (id); already a member
// is success.
func (c *Client) AddGroupMember(ctx context.Context, groupID, userID string) error {
	return c.changeMembership(ctx, groupID, userID, c.sdk.Group.AddUserToGroup)
}

// RemoveGroupMember removes the user (id) from the group (id); not a
// member is success.
func (c *Client) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	return c.changeMembership(ctx, groupID, userID, c.sdk.Group.RemoveUserFromGroup)
}

// changeMembership checks both ids and makes one membership call.
func (c *Client) changeMembership(ctx context.Context, groupID, userID string, call func(context.Context, string, string) (*sdk.Response, error)) error {
	w := membership(groupID, userID)
	if err := checkRef(groupID, group(groupID)); err != nil {
		return err
	}
	if err := checkRef(userID, user(userID)); err != nil {
		return err
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	resp, err := call(cctx, esc(groupID), esc(userID))
	return mapError(err, resp, w)
}

// ListGroupRoles returns the admin roles the group grants its members.
func (c *Client) ListGroupRoles(ctx context.Context, groupID string) ([]actions.Role, error) {
	w := what{noun: "roles", of: &what{noun: "group", ref: groupID}}
	if err := checkRef(groupID, group(groupID)); err != nil {
		return nil, err
	}
	found, err := collect(ctx, c, 0, w, func(ctx context.Context) ([]*sdk.Role, *sdk.Response, error) {
		return c.sdk.Group.ListGroupAssignedRoles(ctx, esc(groupID), nil)
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
}

// AssignGroupRole assigns a standard role type to a group; an existing
// assignment is KindConflict. (No action uses it yet; it is here so that
// every operation of the spec has its client call.)
func (c *Client) AssignGroupRole(ctx context.Context, groupID, roleType string) (actions.Role, error) {
	w := group(groupID)
	if err := checkRef(groupID, w); err != nil {
		return actions.Role{}, err
	}
	if !slices.Contains(actions.RoleTypes, roleType) {
		return actions.Role{}, actions.Errorf(actions.KindInvalid, "%q is not a role type Okta can assign (one of %s)",
			roleType, strings.Join(actions.RoleTypes, ", "))
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	r, resp, err := c.sdk.Group.AssignRoleToGroup(cctx, esc(groupID), sdk.AssignRoleRequest{Type: roleType}, nil)
	if err != nil {
		return actions.Role{}, mapError(err, resp, w)
	}
	if r == nil {
		return actions.Role{}, mapError(errEmptyBody, resp, w)
	}
	return toRole(r), nil
}

// GetGroupRole returns one role assignment of a group.
func (c *Client) GetGroupRole(ctx context.Context, groupID, assignmentID string) (actions.Role, error) {
	g := group(groupID)
	w := what{noun: "role assignment", ref: assignmentID, of: &g}
	if err := checkRef(groupID, g); err != nil {
		return actions.Role{}, err
	}
	if err := checkRef(assignmentID, what{noun: "role assignment"}); err != nil {
		return actions.Role{}, err
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	r, resp, err := c.sdk.Group.GetRole(cctx, esc(groupID), esc(assignmentID))
	if err != nil {
		return actions.Role{}, mapError(err, resp, w)
	}
	if r == nil {
		return actions.Role{}, mapError(errEmptyBody, resp, w)
	}
	return toRole(r), nil
}

// UnassignGroupRole removes a role assignment from a group.
func (c *Client) UnassignGroupRole(ctx context.Context, groupID, assignmentID string) error {
	g := group(groupID)
	w := what{noun: "role assignment", ref: assignmentID, of: &g}
	if err := checkRef(groupID, g); err != nil {
		return err
	}
	if err := checkRef(assignmentID, what{noun: "role assignment"}); err != nil {
		return err
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	resp, err := c.sdk.Group.RemoveRoleFromGroup(cctx, esc(groupID), esc(assignmentID))
	return mapError(err, resp, w)
}

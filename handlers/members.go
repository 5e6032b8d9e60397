package handlers

import (
	"context"

	"github.com/slack-go/slack"
)

// SlackMembers answers user-group membership questions for the policy
// with Slack's usergroups.users.list.
type SlackMembers struct{ Slack *slack.Client }

// UserGroupMembers returns the ids of the members of a Slack user group.
func (m SlackMembers) UserGroupMembers(ctx context.Context, groupID string) ([]string, error) {
	return m.Slack.GetUserGroupMembersContext(ctx, groupID)
}

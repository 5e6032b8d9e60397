package actions

import "context"

// Directory is the Okta org as the actions see it. The okta package
// implements it over the Okta SDK; every method honours ctx's deadline and
// returns *Error values whose Kind says what went wrong.
//
// User-taking methods accept an Okta user id or login unless they say
// otherwise; FindUser turns any reference a person may type into a user.
type Directory interface {
	// Whoami says who the bot acts as in Okta: the user the API token
	// belongs to (GET /users/me), or the OAuth service app it logs in as.
	// RTT is left for the caller.
	Whoami(ctx context.Context) (Whoami, error)

	// FindUser resolves a reference: an id, a login, an email, or a short
	// login ("alice" for "alice@corp.com") that matches exactly one user.
	// No match is KindNotFound; several are KindAmbiguous.
	FindUser(ctx context.Context, ref string) (User, error)
	// SearchUsers returns up to limit users whose login, email, first or last
	// name starts with prefix, for type-ahead.
	SearchUsers(ctx context.Context, prefix string, limit int) ([]User, error)
	// ListUsers lists up to q.Limit users a page at a time, as Okta
	// returns them: page is called with each in order, and an error it
	// returns stops the listing and is returned.
	ListUsers(ctx context.Context, q UserQuery, page func([]User) error) error
	ListUserGroups(ctx context.Context, userID string) ([]Group, error)

	GetGroup(ctx context.Context, id string) (Group, error)
	// FindGroupsByName returns the groups whose name is exactly name.
	FindGroupsByName(ctx context.Context, name string) ([]Group, error)
	// SearchGroups returns up to limit groups whose name starts with prefix.
	SearchGroups(ctx context.Context, prefix string, limit int) ([]Group, error)
	CreateGroup(ctx context.Context, name, description string) (Group, error)

	// Role methods take user ids only (Okta's role endpoints do).
	ListRoles(ctx context.Context, userID string) ([]Role, error)
	AssignRole(ctx context.Context, userID, roleType string) (Role, error)
	UnassignRole(ctx context.Context, userID, assignmentID string) error

	ListIdentityProviders(ctx context.Context, q IdentityProviderQuery) ([]IdentityProvider, error)

	// Lifecycle. Activate returns a one-time link when sendEmail is false.
	ActivateUser(ctx context.Context, userID string, sendEmail bool) (Activation, error)
	ReactivateUser(ctx context.Context, userID string, sendEmail bool) (Activation, error)
	UnsuspendUser(ctx context.Context, userID string) error
	UnlockUser(ctx context.Context, userID string) error
	DeactivateUser(ctx context.Context, userID string, sendEmail bool) error
	SuspendUser(ctx context.Context, userID string) error

	// ResetPassword returns Okta's one-time reset URL when sendEmail is
	// false; with sendEmail Okta emails the user and the URL is zero.
	ResetPassword(ctx context.Context, userID string, sendEmail bool) (Secret, error)
	// SetPassword sets the password without the old one, by a partial update
	// that leaves the profile alone.
	SetPassword(ctx context.Context, userID string, password Secret) error
	// ExpirePassword makes the user choose a new password at their next
	// sign-in (ACTIVE or PASSWORD_EXPIRED users).
	ExpirePassword(ctx context.Context, userID string) error
	// ExpirePasswordWithTemp also replaces the password by a temporary one,
	// returned for the caller only; revokeSessions ends the user's sessions.
	ExpirePasswordWithTemp(ctx context.Context, userID string, revokeSessions bool) (Secret, error)

	// Factors. These take user ids only (Okta's factor endpoints do).
	ListFactors(ctx context.Context, userID string) ([]Factor, error)
	GetFactor(ctx context.Context, userID, factorID string) (Factor, error)
	// DeleteFactor unenrolls one factor. Unenrolling an Okta Verify push
	// also removes the user's other Okta Verify factors (Okta's rule).
	DeleteFactor(ctx context.Context, userID, factorID string) error
	// ResetFactors unenrolls every factor of the user (id or login).
	ResetFactors(ctx context.Context, userID string) error
	// SendPush sends an Okta Verify push with number matching to the
	// user's push factor. KindInvalid when the factor is not an ACTIVE
	// push factor.
	SendPush(ctx context.Context, userID, factorID string) (PushChallenge, error)
	// PushResult polls the push once.
	PushResult(ctx context.Context, c PushChallenge) (PushResult, error)

	// Sessions, tokens and grants (user ids only).
	ClearSessions(ctx context.Context, userID string, o ClearSessions) error
	ListGrants(ctx context.Context, userID string) ([]Grant, error)
	RevokeGrants(ctx context.Context, userID string) error
	ListClients(ctx context.Context, userID string) ([]OAuthClient, error)

	// Group membership and the admin roles a group grants its members.
	AddGroupMember(ctx context.Context, groupID, userID string) error
	RemoveGroupMember(ctx context.Context, groupID, userID string) error
	ListGroupRoles(ctx context.Context, groupID string) ([]Role, error)

	// ListLogEvents returns System Log events about one user, newest first.
	ListLogEvents(ctx context.Context, q LogQuery) ([]LogEvent, error)
}

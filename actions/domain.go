package actions

import "time"

// User is an Okta user as the bot shows it. Zero times mean "never" or
// "unknown".
type User struct {
	ID          string
	Status      string // ACTIVE, STAGED, SUSPENDED, ... (Okta's UserStatus)
	Transition  string // transitioningToStatus, when Okta is mid-change
	Login       string
	Email       string
	FirstName   string
	LastName    string
	DisplayName string

	Created         time.Time
	Activated       time.Time
	StatusChanged   time.Time
	LastLogin       time.Time
	LastUpdated     time.Time
	PasswordChanged time.Time
}

// Name is the user's display name, else "First Last", else the login.
func (u User) Name() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	switch {
	case u.FirstName != "" && u.LastName != "":
		return u.FirstName + " " + u.LastName
	case u.FirstName != "":
		return u.FirstName
	case u.LastName != "":
		return u.LastName
	}
	return u.Login
}

// User statuses (Okta's UserStatus enum).
const (
	StatusActive          = "ACTIVE"
	StatusDeprovisioned   = "DEPROVISIONED"
	StatusLockedOut       = "LOCKED_OUT"
	StatusPasswordExpired = "PASSWORD_EXPIRED"
	StatusProvisioned     = "PROVISIONED"
	StatusRecovery        = "RECOVERY"
	StatusStaged          = "STAGED"
	StatusSuspended       = "SUSPENDED"
)

// Group is an Okta group.
type Group struct {
	ID          string
	Name        string
	Description string
	Type        string // OKTA_GROUP, APP_GROUP, BUILT_IN

	Created               time.Time
	LastUpdated           time.Time
	LastMembershipUpdated time.Time
}

// Role is one admin role assignment of a user. ID is the assignment id that
// unassign-role --is-id takes.
type Role struct {
	ID             string
	Type           string // USER_ADMIN, SUPER_ADMIN, ...
	Label          string
	Status         string // ACTIVE, INACTIVE
	AssignmentType string // USER, GROUP, CLIENT

	Created     time.Time
	LastUpdated time.Time
}

// RoleTypes are the role types the bot can assign: Okta's
// AssignRoleRequest enum (MOBILE_ADMIN appears only in listings) without
// CUSTOM, which Okta accepts only with a custom role id and a resource set
// that the seed's assign action does not take. A CUSTOM assignment can
// still be listed and unassigned.
var RoleTypes = []string{
	"ACCESS_CERTIFICATIONS_ADMIN",
	"ACCESS_REQUESTS_ADMIN",
	"API_ACCESS_MANAGEMENT_ADMIN",
	"APP_ADMIN",
	"GROUP_MEMBERSHIP_ADMIN",
	"HELP_DESK_ADMIN",
	"ORG_ADMIN",
	"READ_ONLY_ADMIN",
	"REPORT_ADMIN",
	"SUPER_ADMIN",
	"USER_ADMIN",
	"WORKFLOWS_ADMIN",
}

// IdentityProvider is an Okta IdP.
type IdentityProvider struct {
	ID          string
	Name        string
	Type        string // SAML2, OIDC, GOOGLE, ...
	Status      string // ACTIVE, INACTIVE
	IssuerMode  string
	Created     time.Time
	LastUpdated time.Time
}

// IdentityProviderTypes are the IdP types Okta's list filter accepts (the
// IdentityProviderType enum of the management API spec).
var IdentityProviderTypes = []string{
	"AMAZON", "APPLE", "DISCORD", "FACEBOOK", "GITHUB", "GITLAB", "GOOGLE",
	"IDV_CLEAR", "IDV_INCODE", "IDV_PERSONA", "IDV_STANDARD", "LINKEDIN",
	"LOGINGOV", "LOGINGOV_SANDBOX", "MICROSOFT", "OIDC", "OKTA_INTEGRATION",
	"PAYPAL", "PAYPAL_SANDBOX", "SALESFORCE", "SAML2", "SPOTIFY", "X509",
	"XERO", "YAHOO", "YAHOOJP",
}

// UserQuery selects users for list-users. Filter and Search are Okta
// expressions written by the caller and passed to Okta whole; Query is
// Okta's q (prefix match on first name, last name and email).
type UserQuery struct {
	Query  string
	Filter string
	Search string
	Limit  int // at most this many users, following Okta's paging
}

// IdentityProviderQuery selects identity providers for list-providers.
type IdentityProviderQuery struct {
	Query string
	Type  string
	Limit int
}

// Activation is what Okta returns when activating without sending the
// email: a one-time activation link and token for the caller only.
type Activation struct {
	URL   Secret
	Token Secret
}

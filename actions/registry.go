package actions

import (
	"context"
	"sort"
	"strings"
	"time"
)

// Targets says what an action's positional arguments are.
type Targets int

const (
	// NoTargets: the action takes no positional arguments.
	NoTargets Targets = iota
	// UserTargets: Okta users by id, login, short login, email or Slack
	// mention; one or many.
	UserTargets
	// GroupTargets: Okta groups by id (with --is-id) or exact name.
	GroupTargets
	// NameTarget: exactly one free-text name (add-group).
	NameTarget
)

// ParamType is the type of a flag's value.
type ParamType int

const (
	// String is free text.
	String ParamType = iota
	// Bool is a switch: --flag, --flag=true, --flag=false.
	Bool
	// Int is a positive whole number.
	Int
	// Choice is one or more (Multi) values out of Choices.
	Choice
	// Password is a secret typed only into a modal, never a command line.
	Password
	// Duration is a length of time: 30m, 2h, 1h30m, 7d (kept as
	// duration.Text writes it).
	Duration
)

// Param is one flag of an action, after a parameter of the seed.
type Param struct {
	Name     string // flag name without dashes: "send-email"
	Seed     string // the seed's parameter name, for traceability
	Type     ParamType
	Default  string
	Required bool
	Multi    bool     // comma-separated list of values
	Choices  []string // for Choice
	Help     string
}

// Action is one entry of the registry: everything grammar, help, modals,
// policy and audit need to know about an action.
type Action struct {
	Name    string
	Summary string
	Targets Targets
	// TargetsRequired: at least one target must be given.
	TargetsRequired bool
	// TargetName, for a NameTarget action, is what its one target is, in
	// lower case ("grant"); "" is a group's name (add-group).
	TargetName string
	Params     []Param
	// Writes: the action changes Okta (policy and audit treat it as risky).
	Writes bool
	// Local: the action reads the bot's own state, not Okta (audit).
	Local bool
	// Run performs the action against Okta. Local actions have none: the
	// bot serves them itself.
	Run func(ctx context.Context, env Env, req Request) (Result, error)
	// Secrets reports whether a run with these values (defaults filled
	// in) may return one-time secrets for the caller: links, generated
	// passwords. Nil means never.
	Secrets func(values map[string]string) bool
}

// ReturnsSecrets reports whether running the action with values may
// return one-time secrets.
func (a *Action) ReturnsSecrets(values map[string]string) bool {
	return a.Secrets != nil && a.Secrets(values)
}

// Param returns the named parameter, or nil.
func (a *Action) Param(name string) *Param {
	for i := range a.Params {
		if a.Params[i].Name == name {
			return &a.Params[i]
		}
	}
	return nil
}

// Available reports whether this build can run the action: it has a Run,
// or it is Local (the bot answers it from its own records).
func (a *Action) Available() bool { return a.Run != nil || a.Local }

// Env is what an action runs with.
type Env struct {
	Dir Directory
	Now func() time.Time
	// Guard, when set, is asked before an action that writes acts on a
	// user; an error refuses that user (the others still run). The policy's
	// protection of Okta admins is one. It is asked twice: before the
	// action looks at the user, with the reads only a write needs put off
	// (a user's roles read through RolesOnce come back empty then), and
	// again, in full, just before the first write to the user; a user
	// left as they are (already suspended) costs no such read.
	Guard func(ctx context.Context, u User) error
	// RoleGuard, when set, is asked before assign-role or unassign-role
	// assigns or removes an Okta role of a type (in upper case); an error
	// refuses it. The policy's assignable_roles is one.
	RoleGuard func(roleType string) error
	// GroupGuard, when set, is asked before add-to-group or
	// remove-from-group changes a group's members; an error refuses the
	// whole request. The policy's protection of Okta admins is one: a
	// group that grants admin roles makes its members admins.
	GroupGuard func(ctx context.Context, g Group) error
	// Verify, when set, is asked after Guard, just before the first write
	// to a user: the user proves on their own device that they are the
	// account's owner (an Okta Verify push with number matching), or an
	// error refuses that user (the others still run). factor is the push
	// factor's id, or "" for the user's Okta Verify push. verify-user
	// asks it directly.
	Verify func(ctx context.Context, u User, factor string) error
	// Timebox, when set, makes assign-role and add-to-group give what
	// they give for a time only (--for): see Timebox.
	Timebox *Timebox
	// Keep, when set, is asked when assign-role or add-to-group without
	// --for finds that a user already has the access: if a time-boxed
	// grant of oktabot's gave it, the grant is made permanent (its end
	// removes nothing), once check (the guards, asked as for new access)
	// allows it, and Keep says so in a few words; "" when no grant of
	// oktabot's gave it. Without Keep, a grant's end would take away
	// access its caller asked to give for good.
	Keep func(ctx context.Context, a Access, check func() error) (kept string, err error)
	// UserPages, when set, takes every page of a user listing as Okta
	// returns it (list-users), so that a long listing is never held whole:
	// the Result then keeps the first page only, and counts them all in
	// UsersListed. An error it returns stops the listing.
	UserPages func(page []User) error
}

// mayChangeRole asks env.RoleGuard about a role type.
func (env Env) mayChangeRole(roleType string) error {
	if env.RoleGuard == nil {
		return nil
	}
	return env.RoleGuard(strings.ToUpper(roleType))
}

// Request is a parsed, validated invocation of an action.
type Request struct {
	Action  *Action
	Targets []string
	// Values holds every parameter by name, defaults filled in.
	Values map[string]string
	// Password is set only from a modal, for Password parameters.
	Password Secret
	Reason   string
	Public   bool
	// Context is the Slack message (its permalink) whose people the
	// request acts on: --scope LINK, or the message shortcut. Audited.
	Context string
	// ID, for a request that runs at once, is the id its audit records
	// share (as an approval's records share its id); "" before it runs.
	ID string
}

// Bool returns a Bool parameter's value.
func (r Request) Bool(name string) bool { return r.Values[name] == "true" }

// List returns a Multi parameter's values.
func (r Request) List(name string) []string { return splitList(r.Values[name]) }

// Result is what an action produced. Which fields are set depends on the
// action; Outcomes has one entry per target, in the order given.
type Result struct {
	Whoami   *Whoami
	Outcomes []Outcome
	// Users are the users listed, or only the first page of them when
	// Env.UserPages took the listing; UsersListed is then how many there
	// were in all. ListedUsers says which.
	Users       []User
	UsersListed int
	Providers   []IdentityProvider
	// Query describes what a listing was asked for, for its heading.
	Query string
}

// ListedUsers is how many users a listing had: all of them, also those
// only Env.UserPages saw.
func (r Result) ListedUsers() int { return max(len(r.Users), r.UsersListed) }

// Whoami is ping's answer: who the bot acts as in Okta.
type Whoami struct {
	// User is the API token's user; zero when App is set.
	User User
	// App is the OAuth 2.0 service app the bot logs in as; nil with an API
	// token.
	App *ServiceApp
	RTT time.Duration
}

// ServiceApp is an OAuth 2.0 service app, as ping shows it.
type ServiceApp struct {
	ClientID string
	// Scopes are those Okta granted the bot's access token.
	Scopes []string
	// Org is the org's name; OrgNote says why it is empty when it is
	// (e.g. the app may not read the org's settings).
	Org     string
	OrgNote string
}

// Outcome is the result for one target.
type Outcome struct {
	Target string // as the caller typed it
	User   *User
	Group  *Group
	Groups []Group
	Roles  []Role
	// Factors are the user's enrolled factors (list-factors, get-user);
	// never their secrets.
	Factors []Factor
	// FactorsUnread is why get-user shows a user without their factors
	// (Factors nil): a *LeftError when the read was left for a busy Okta
	// (Optional), or what the read failed with.
	FactorsUnread error
	// Events are System Log events about the user (user-activity), newest
	// first.
	Events []LogEvent
	// Done describes what happened in a few words: "suspended",
	// "already suspended". Changed says whether Okta was changed; a target
	// already in the wanted state is an answer, not a failure.
	Done    string
	Changed bool
	// Secret is a one-time link or password for the caller only;
	// SecretLabel says what it is.
	Secret      Secret
	SecretLabel string
	Err         error
}

// Registry is the one list of actions.
type Registry struct {
	list   []*Action
	byName map[string]*Action
}

// NewRegistry builds a registry from actions, in the order given.
func NewRegistry(list ...*Action) *Registry {
	r := &Registry{byName: map[string]*Action{}}
	for _, a := range list {
		if _, dup := r.byName[a.Name]; dup {
			panic("actions: duplicate action " + a.Name)
		}
		r.list = append(r.list, a)
		r.byName[a.Name] = a
	}
	return r
}

// Lookup returns the named action, or nil.
func (r *Registry) Lookup(name string) *Action { return r.byName[strings.ToLower(name)] }

// All returns every action in registry order.
func (r *Registry) All() []*Action { return append([]*Action(nil), r.list...) }

// Names returns every action name, sorted.
func (r *Registry) Names() []string {
	n := make([]string, 0, len(r.list))
	for _, a := range r.list {
		n = append(n, a.Name)
	}
	sort.Strings(n)
	return n
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

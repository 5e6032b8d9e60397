package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Members lists the members of a Slack user group. The bot implements it
// with Slack's usergroups.users.list.
type Members interface {
	// UserGroupMembers returns the Slack user ids of the group's members.
	UserGroupMembers(ctx context.Context, groupID string) ([]string, error)
}

// Verdict is the outcome of a decision.
type Verdict int

const (
	Deny          Verdict = iota // the caller may not run the action
	Allow                        // the caller may run the action now
	NeedsApproval                // the caller may run the action once approved
)

func (v Verdict) String() string {
	switch v {
	case Deny:
		return "deny"
	case Allow:
		return "allow"
	case NeedsApproval:
		return "needs-approval"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// Decision is the answer to "may this caller run this action?".
type Decision struct {
	Verdict Verdict
	// Roles are the caller's roles that grant the action, in policy order;
	// empty when the verdict is Deny.
	Roles []string
	// Rule is the approval rule the action waits on when the verdict is
	// NeedsApproval, else nil.
	Rule *ApprovalRule
	// AdminTargets: one of Roles lets the caller act on Okta users who hold
	// admin roles (admin_targets: true).
	AdminTargets bool
	// RoleTypes, for assign-role and unassign-role, are the Okta role types
	// Roles let the caller assign and unassign (their assignable_roles
	// together); zero for other actions.
	RoleTypes RoleTypes
	// Timebox, for assign-role and add-to-group, is what the policy says
	// of their --for (timebox.go); zero for other actions.
	Timebox Timebox
}

// Default values of the Authorizer's options.
const (
	DefaultTTL           = 60 * time.Second
	DefaultLookupTimeout = 10 * time.Second
)

// An Option configures an Authorizer.
type Option func(*Authorizer)

// WithClock sets the clock used for the user group cache.
func WithClock(now func() time.Time) Option {
	return func(a *Authorizer) {
		if now != nil {
			a.now = now
		}
	}
}

// WithTTL sets how long a user group's members are cached (default
// DefaultTTL). Zero or less turns the cache off; concurrent lookups of one
// group still share one call.
func WithTTL(d time.Duration) Option { return func(a *Authorizer) { a.ttl = d } }

// WithLookupTimeout bounds one user group lookup (default
// DefaultLookupTimeout). A lookup is shared by everyone waiting for the
// group, so it does not end when the request that started it is cancelled.
func WithLookupTimeout(d time.Duration) Option {
	return func(a *Authorizer) {
		if d > 0 {
			a.timeout = d
		}
	}
}

// freshKey marks a context whose membership questions skip the cache.
type freshKey struct{}

// Fresh returns a context under which Decide, Permitted and CanApprove ask
// Slack for the members of every user group they need instead of using the
// cache (and refresh the cache with the answer). Decisions that let work
// run, approving, denying, running an approved request, use it, so that
// someone removed from a user group cannot decide anything a moment later.
func Fresh(ctx context.Context) context.Context {
	return context.WithValue(ctx, freshKey{}, true)
}

func isFresh(ctx context.Context) bool {
	fresh, _ := ctx.Value(freshKey{}).(bool)
	return fresh
}

// Authorizer answers authorization questions against a Policy. It is safe
// for concurrent use.
type Authorizer struct {
	policy  atomic.Pointer[Policy] // the policy in force; SetPolicy swaps it
	members Members
	now     func() time.Time
	ttl     time.Duration
	timeout time.Duration

	mu      sync.Mutex
	cache   map[string]cached // group id → members
	flights map[string]*flight
	// seen is every group's members as last looked up, kept past the
	// cache's expiry: for Known, which decides nothing.
	seen map[string]map[string]bool

	joined func() // test hook: called when a caller joins a lookup in flight
}

type cached struct {
	members map[string]bool
	expires time.Time
}

// flight is one lookup in progress; members and err are set before done is
// closed.
type flight struct {
	done    chan struct{}
	members map[string]bool
	err     error
}

// New returns an Authorizer for p. m may be nil when p names no user
// groups; a lookup without m fails (closed).
func New(p *Policy, m Members, opts ...Option) *Authorizer {
	a := &Authorizer{
		members: m,
		now:     time.Now,
		ttl:     DefaultTTL,
		timeout: DefaultLookupTimeout,
		cache:   map[string]cached{},
		flights: map[string]*flight{},
		seen:    map[string]map[string]bool{},
	}
	a.policy.Store(p)
	for _, o := range opts {
		o(a)
	}
	return a
}

// Policy returns the policy the Authorizer enforces now.
func (a *Authorizer) Policy() *Policy { return a.policy.Load() }

// SetPolicy puts p in force (a reload): every decision from now on, of a
// new request or of an approval pending since before, is judged by p.
// Decisions already under way finish with the policy they started with.
// The user group cache is kept: membership does not depend on the policy.
func (a *Authorizer) SetPolicy(p *Policy) { a.policy.Store(p) }

// Decide says whether caller (a Slack user id) may run action. Deny is the
// default: the verdict is Allow when one of the caller's roles lists the
// action (or "*"), and NeedsApproval instead when an approval rule also
// covers it. An action that is not known to the policy is denied.
//
// channel is where the request was made; the policy format has no
// per-channel rules yet, so it does not change the verdict.
//
// The error is not nil only together with Deny, when a user group's
// members could not be fetched and the caller might have been granted the
// action through it: the caller should log it and tell the user that Slack
// could not be asked. A failed lookup never grants anything.
func (a *Authorizer) Decide(ctx context.Context, caller, action, channel string) (Decision, error) {
	p := a.Policy()
	if caller == "" || !p.known[action] {
		return Decision{Verdict: Deny}, nil
	}
	l := a.lookup()
	d := Decision{Verdict: Allow}
	var granting []*role
	for _, r := range p.roles {
		if r.allows(action) && l.isMember(ctx, caller, r) {
			granting = append(granting, r)
			d.Roles = append(d.Roles, r.name)
			d.AdminTargets = d.AdminTargets || r.adminTargets
			if changesRoles(action) {
				d.RoleTypes = d.RoleTypes.with(r.assignable)
			}
		}
	}
	if len(d.Roles) == 0 {
		return Decision{Verdict: Deny}, l.err()
	}
	if d.Rule = p.RuleFor(action); d.Rule != nil {
		d.Verdict = NeedsApproval
	}
	if Timeboxed(action) {
		d.Timebox = timebox(granting, d.Rule)
	}
	return d, nil
}

// Permitted returns those of all that caller may run, now or after
// approval, in the order given. When a user group lookup fails, the result
// holds only what could be confirmed and the error says what failed.
func (a *Authorizer) Permitted(ctx context.Context, caller string, all []string) ([]string, error) {
	p := a.Policy()
	if caller == "" {
		return nil, nil
	}
	allowed := map[string]bool{}
	l := a.lookup()
	for _, r := range p.roles {
		// Skip roles that would add nothing: fewer lookups, and no error
		// for a group that could not change the answer.
		adds := false
		for _, name := range all {
			if p.known[name] && !allowed[name] && r.allows(name) {
				adds = true
				break
			}
		}
		if !adds || !l.isMember(ctx, caller, r) {
			continue
		}
		for _, name := range all {
			if p.known[name] && r.allows(name) {
				allowed[name] = true
			}
		}
	}
	var out []string
	for _, name := range all {
		if allowed[name] {
			out = append(out, name)
		}
	}
	return out, l.err()
}

// CanApprove reports whether approver may approve a request of requester
// that waits on rule: approver must be a member of one of the rule's
// approver roles and is never the requester. rule is normally
// Policy().RuleFor(action) of the current policy; approver roles it names
// that the policy does not have grant nothing.
//
// When the answer is false because a user group lookup failed, the error
// says so.
func (a *Authorizer) CanApprove(ctx context.Context, approver, requester string, rule *ApprovalRule) (bool, error) {
	if rule == nil || approver == "" || requester == "" || approver == requester {
		return false, nil
	}
	p := a.Policy()
	l := a.lookup()
	for _, name := range rule.Approvers {
		if r := p.byName[name]; r != nil && l.isMember(ctx, approver, r) {
			return true, nil
		}
	}
	return false, l.err()
}

// lookup is the group membership questions of one call to Decide,
// Permitted or CanApprove: each group is asked at most once, and each
// failure is reported once.
type lookup struct {
	a      *Authorizer
	groups map[string]map[string]bool
	failed map[string]bool
	errs   []error
}

func (a *Authorizer) lookup() *lookup {
	return &lookup{a: a, groups: map[string]map[string]bool{}, failed: map[string]bool{}}
}

func (l *lookup) err() error { return errors.Join(l.errs...) }

// isMember reports whether user is a member of r, directly or through one
// of its user groups. Groups that cannot be fetched count as not containing
// user.
func (l *lookup) isMember(ctx context.Context, user string, r *role) bool {
	if r.users[user] {
		return true
	}
	for _, g := range r.groups {
		if l.failed[g] {
			continue
		}
		set, ok := l.groups[g]
		if !ok {
			var err error
			set, err = l.a.groupMembers(ctx, g)
			if err != nil {
				l.failed[g] = true
				l.errs = append(l.errs, fmt.Errorf("auth: members of Slack user group %s (role %q): %w", g, r.name, err))
				continue
			}
			l.groups[g] = set
		}
		if set[user] {
			return true
		}
	}
	return false
}

// Known reports, without asking Slack, whether the policy in force names
// user: by id, or through a user group whose members were last seen (by
// any lookup, or Warm) to include them. It decides nothing (Decide does,
// asking Slack when its cache is stale); it tells a member of the policy
// from an outsider for whom no worker need be kept.
func (a *Authorizer) Known(user string) bool {
	p := a.Policy()
	if p.Lists(user) {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, g := range p.Groups() {
		if a.seen[g][user] {
			return true
		}
	}
	return false
}

// Warm looks up the members of every user group the policy in force
// names, so that Known knows them before their first request; it returns
// the first lookup's error, if any (the others are still made).
func (a *Authorizer) Warm(ctx context.Context) error {
	var first error
	for _, g := range a.Policy().Groups() {
		if _, err := a.groupMembers(Fresh(ctx), g); err != nil && first == nil {
			first = fmt.Errorf("user group %s: %w", g, err)
		}
	}
	return first
}

// groupMembers returns the members of a user group from the cache, or asks
// Members, sharing one call among concurrent callers. Failures are not
// cached. Under Fresh it neither reads the cache nor joins a call that
// started before it: it asks Slack itself.
func (a *Authorizer) groupMembers(ctx context.Context, group string) (map[string]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fresh := isFresh(ctx)
	a.mu.Lock()
	if c, ok := a.cache[group]; ok && !fresh {
		if a.now().Before(c.expires) {
			a.mu.Unlock()
			return c.members, nil
		}
		delete(a.cache, group)
	}
	f, ok := a.flights[group]
	if fresh {
		f = &flight{done: make(chan struct{})}
		go a.fetch(context.WithoutCancel(ctx), group, f)
	} else if !ok {
		f = &flight{done: make(chan struct{})}
		a.flights[group] = f
		go a.fetch(context.WithoutCancel(ctx), group, f)
	} else if a.joined != nil {
		a.joined()
	}
	a.mu.Unlock()
	select {
	case <-f.done:
		return f.members, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// fetch runs one lookup for everyone waiting on f. Its context keeps the
// starting request's values but not its cancellation, and has its own
// deadline.
func (a *Authorizer) fetch(ctx context.Context, group string, f *flight) {
	var ids []string
	var err error
	if a.members == nil {
		err = errors.New("no way to ask Slack for user group members is configured")
	} else {
		ctx, cancel := context.WithTimeout(ctx, a.timeout)
		ids, err = a.members.UserGroupMembers(ctx, group)
		cancel()
	}
	var set map[string]bool
	if err == nil {
		set = make(map[string]bool, len(ids))
		for _, id := range ids {
			set[id] = true
		}
	}
	a.mu.Lock()
	if a.flights[group] == f {
		delete(a.flights, group)
	}
	if err == nil && a.ttl > 0 {
		a.cache[group] = cached{members: set, expires: a.now().Add(a.ttl)}
	}
	if err == nil {
		a.seen[group] = set
	}
	f.members, f.err = set, err
	a.mu.Unlock()
	close(f.done)
}

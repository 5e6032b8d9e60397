package auth

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/goccy/go-yaml/parser"
	"oktabot/internal/suggest"
)

// Wildcard in a role's or an approval rule's actions stands for every known
// action.
const Wildcard = "*"

// DefaultExpireAfter is how long an approval request waits when the rule
// has no expire_after.
const DefaultExpireAfter = time.Hour

// MaxExpireAfter is the longest expire_after a rule may have.
const MaxExpireAfter = 7 * 24 * time.Hour

var (
	roleNameRE  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,63}$`)
	userIDRE    = regexp.MustCompile(`^[UW][A-Z0-9]{2,31}$`)
	groupIDRE   = regexp.MustCompile(`^S[A-Z0-9]{2,31}$`)
	channelIDRE = regexp.MustCompile(`^[CG][A-Z0-9]{2,31}$`)
)

// IsUserID reports whether s has the shape of a Slack user id (U… or W…).
func IsUserID(s string) bool { return userIDRE.MatchString(s) }

// IsUserGroupID reports whether s has the shape of a Slack user group id (S…).
func IsUserGroupID(s string) bool { return groupIDRE.MatchString(s) }

// IsChannelID reports whether s has the shape of a Slack channel id (C… or G…).
func IsChannelID(s string) bool { return channelIDRE.MatchString(s) }

// Error is one problem found in a policy file, at a line of it.
// Its text is "file:line: problem".
type Error struct {
	File    string
	Line    int
	Problem string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Problem) }

// ApprovalRule says that the actions it lists wait for the approval of a
// member of one of the Approvers roles (never the requester) before they
// run.
type ApprovalRule struct {
	Actions       []string      // action names, or "*" for every action
	Approvers     []string      // role names
	Channel       string        // Slack channel id where requests are posted
	ExpireAfter   time.Duration // how long a request waits; DefaultExpireAfter when not given
	RequireReason bool          // the requester must give a reason
	// RemindAfter, when set, is how long a request waits before its
	// approvers are reminded of it, once (remind_after).
	RemindAfter time.Duration
	// BreakGlass, when set, lets a requester in its roles run a request
	// nobody decided on after a wait (break_glass).
	BreakGlass *BreakGlass
	// StepUp is "" or StepUpPush: a decision counts once its clicker
	// approves an Okta Verify push (step_up).
	StepUp string
	// MaxDuration bounds --for of the time-boxed actions it covers (0:
	// no bound of its own); RequireDuration makes --for required
	// (timebox.go).
	MaxDuration     time.Duration
	RequireDuration bool
	Line            int // line of the rule in the policy file
}

// Covers reports whether the rule applies to action.
func (r *ApprovalRule) Covers(action string) bool {
	if NeverApproved(action) {
		return false
	}
	return slices.Contains(r.Actions, action) || slices.Contains(r.Actions, Wildcard)
}

func (r ApprovalRule) clone() *ApprovalRule {
	r.Actions = slices.Clone(r.Actions)
	r.Approvers = slices.Clone(r.Approvers)
	if r.BreakGlass != nil {
		bg := *r.BreakGlass
		bg.Roles = slices.Clone(bg.Roles)
		r.BreakGlass = &bg
	}
	return &r
}

// Policy is a validated policy file. It is immutable; accessors return
// copies.
type Policy struct {
	file   string
	roles  []*role // in file order
	byName map[string]*role
	rules  []ApprovalRule
	verify []VerifyRule
	known  map[string]bool
	audit  string
	people map[string]string // Slack user id → Okta login (people:)
}

type role struct {
	name    string
	users   map[string]bool // Slack user ids
	groups  []string        // Slack user group ids, in file order
	actions map[string]bool // action names; Wildcard for all
	// adminTargets: members may run the role's writing actions on Okta
	// users who hold admin roles (admin_targets: true). Without it they
	// may not: a reset link for a super admin is the org.
	adminTargets bool
	// assignable is which Okta role types members may assign and
	// unassign (assignable_roles), for a role that grants assign-role or
	// unassign-role.
	assignable RoleTypes
	// maxDuration and requireDuration: the role's max_duration and
	// require_duration, for the time-boxed actions it grants (timebox.go).
	maxDuration     time.Duration
	requireDuration bool
	line            int
}

func (r *role) allows(action string) bool { return r.actions[action] || r.actions[Wildcard] }

// File is the file name the policy was parsed from.
func (p *Policy) File() string { return p.file }

// AuditChannel is the Slack channel id for audit lines, or "" for none.
func (p *Policy) AuditChannel() string { return p.audit }

// Roles returns the role names in file order.
func (p *Policy) Roles() []string {
	names := make([]string, len(p.roles))
	for i, r := range p.roles {
		names[i] = r.name
	}
	return names
}

// Rules returns a copy of the approval rules in file order.
func (p *Policy) Rules() []ApprovalRule {
	out := make([]ApprovalRule, len(p.rules))
	for i, r := range p.rules {
		out[i] = *r.clone()
	}
	return out
}

// RuleFor returns a copy of the approval rule covering action, or nil when
// the action needs no approval (or is not a known action).
func (p *Policy) RuleFor(action string) *ApprovalRule {
	if !p.known[action] {
		return nil
	}
	for i := range p.rules {
		if p.rules[i].Covers(action) {
			return p.rules[i].clone()
		}
	}
	return nil
}

// Names are the names a policy may refer to.
type Names struct {
	Actions   []string // action names (the registry's)
	RoleTypes []string // Okta role types assign-role takes, for assignable_roles
}

// Load reads and parses the policy file at path. See Parse.
func Load(path string, known Names) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	return Parse(path, data, known)
}

// Parse parses and validates a policy. filename is used in error messages
// only; known is what the policy may refer to.
//
// Parsing is strict: unknown keys, duplicate keys, anchors, aliases and tags
// are errors. The returned error, when not nil, joins one *Error per problem
// (sorted by line), each rendered "file:line: problem" on its own line.
func Parse(filename string, data []byte, known Names) (*Policy, error) {
	if filename == "" {
		filename = "policy"
	}
	c := &checker{file: filename, known: map[string]bool{}, src: data}
	for _, k := range known.Actions {
		if k != "" && k != Wildcard {
			c.known[k] = true
			c.knownList = append(c.knownList, k)
		}
	}
	for _, t := range known.RoleTypes {
		if t != "" && t != Wildcard && !slices.Contains(c.roleTypes, t) {
			c.roleTypes = append(c.roleTypes, t)
		}
	}
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return nil, c.syntaxError(err)
	}
	p := c.policy(f)
	if len(c.errs) > 0 {
		slices.SortStableFunc(c.errs, func(a, b *Error) int { return a.Line - b.Line })
		errs := make([]error, len(c.errs))
		for i, e := range c.errs {
			errs[i] = e
		}
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// checker walks the YAML AST, building the policy and collecting errors.
type checker struct {
	file      string
	src       []byte
	known     map[string]bool
	knownList []string
	roleTypes []string
	errs      []*Error
}

func (c *checker) errorf(line int, format string, args ...any) {
	line = max(line, 1)
	c.errs = append(c.errs, &Error{File: c.file, Line: line, Problem: fmt.Sprintf(format, args...)})
}

func (c *checker) syntaxError(err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil || ye.GetToken().Position == nil {
		return fmt.Errorf("%s: invalid YAML: %v", c.file, err)
	}
	line := ye.GetToken().Position.Line
	msg := strings.NewReplacer("\t", `\t`, "\r", `\r`, "\n", " ").Replace(ye.GetMessage())
	if bareStarRE.MatchString(c.sourceLine(line)) {
		msg += `; write the wildcard in quotes: ["*"]`
	}
	return &Error{File: c.file, Line: line, Problem: "invalid YAML: " + msg}
}

// bareStarRE finds an unquoted * used as a value (which YAML reads as an alias).
var bareStarRE = regexp.MustCompile(`(^|[\s\[,:-])\*(\s|[\],]|$)`)

func (c *checker) sourceLine(n int) string {
	lines := strings.Split(string(c.src), "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	l := lines[n-1]
	if i := strings.Index(l, "#"); i >= 0 {
		l = l[:i]
	}
	return l
}

func lineOf(n ast.Node) int {
	if n == nil {
		return 0
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}

// describe names a node in an error message: a scalar by its quoted text,
// anything else by its kind.
func describe(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	if tk := n.GetToken(); tk != nil {
		return strconv.Quote(tk.Value)
	}
	return n.Type().String()
}

func isScalar(n ast.Node) bool {
	_, ok := n.(ast.ScalarNode)
	return ok
}

// entry is one key: value of a mapping.
type entry struct {
	key   string
	line  int
	value ast.Node
}

// plain reports an error and returns false for YAML features the policy
// does not use: anchors, aliases and tags.
func (c *checker) plain(n ast.Node, what string) bool {
	switch n.(type) {
	case *ast.AnchorNode, *ast.AliasNode:
		c.errorf(lineOf(n), "%s: anchors and aliases are not supported in the policy", what)
		return false
	case *ast.TagNode:
		c.errorf(lineOf(n), "%s: YAML tags are not supported in the policy", what)
		return false
	}
	return true
}

// mapping returns the entries of a mapping node, reporting non-string,
// merge and duplicate keys and keys not in allowed (when allowed is not
// nil). A null node is an empty mapping. When n is not a mapping, it
// reports "<what> must be <want>" at line and returns false.
func (c *checker) mapping(n ast.Node, what string, line int, want string, allowed []string) (entries []entry, ok bool) {
	if !c.plain(n, what) {
		return nil, false
	}
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.NullNode:
		return nil, true
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		c.errorf(line, "%s must be %s", what, want)
		return nil, false
	}
	seen := map[string]int{}
	for _, mv := range values {
		line := lineOf(mv.Key)
		k, isString := mv.Key.(*ast.StringNode)
		if !isString {
			if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
				c.errorf(line, "%s: merge keys (<<) are not supported in the policy", what)
			} else if c.plain(mv.Key, what) {
				c.errorf(line, "%s: key %s is not a string", what, describe(mv.Key))
			}
			continue
		}
		if first, dup := seen[k.Value]; dup {
			c.errorf(line, "%s: duplicate key %q (first on line %d)", what, k.Value, first)
			continue
		}
		seen[k.Value] = line
		if allowed != nil && !slices.Contains(allowed, k.Value) {
			c.errorf(line, "%s: unknown key %q (want %s)", what, k.Value, strings.Join(allowed, ", "))
			continue
		}
		entries = append(entries, entry{key: k.Value, line: line, value: mv.Value})
	}
	return entries, true
}

// item is one string of a list, with its line.
type item struct {
	value string
	line  int
}

// list returns the strings of a list node; a null node is an empty list.
// Items that are not strings and duplicates are reported and left out.
// reported is true when an error was reported, so that callers do not add
// a second one for the same list.
func (c *checker) list(n ast.Node, what string, line int) (items []item, reported bool) {
	if !c.plain(n, what) {
		return nil, true
	}
	var values []ast.Node
	switch s := n.(type) {
	case *ast.NullNode:
		return nil, false
	case *ast.SequenceNode:
		values = s.Values
	default:
		c.errorf(line, "%s must be a list, e.g. [a, b]", what)
		return nil, true
	}
	seen := map[string]int{}
	for _, v := range values {
		if !c.plain(v, what) {
			reported = true
			continue
		}
		s, ok := v.(*ast.StringNode)
		if !ok {
			c.errorf(lineOf(v), "%s: %s is not a string", what, describe(v))
			reported = true
			continue
		}
		if first, dup := seen[s.Value]; dup {
			c.errorf(lineOf(v), "%s: %q is listed twice (first on line %d)", what, s.Value, first)
			continue
		}
		seen[s.Value] = lineOf(v)
		items = append(items, item{value: s.Value, line: lineOf(v)})
	}
	return items, reported
}

// str returns the value of a string scalar.
func (c *checker) str(n ast.Node, what string, line int) (string, bool) {
	if !c.plain(n, what) {
		return "", false
	}
	s, ok := n.(*ast.StringNode)
	if !ok {
		c.errorf(line, "%s must be a string", what)
		return "", false
	}
	return s.Value, true
}

func (c *checker) policy(f *ast.File) *Policy {
	p := &Policy{file: c.file, byName: map[string]*role{}, known: c.known}
	var body ast.Node
	for _, d := range f.Docs {
		if d.Body == nil {
			continue
		}
		if body != nil {
			c.errorf(lineOf(d.Body), "only one YAML document is allowed in the policy")
			break
		}
		body = d.Body
	}
	if body == nil {
		c.errorf(1, "the policy is empty; it needs at least roles")
		return p
	}
	top, ok := c.mapping(body, "the policy", lineOf(body), "a mapping with roles, approvals, verify, people and audit", []string{"roles", "approvals", "verify", "people", "audit"})
	if !ok {
		return p
	}
	get := func(key string) *entry {
		for i := range top {
			if top[i].key == key {
				return &top[i]
			}
		}
		return nil
	}
	// Roles first: approval rules refer to them.
	if e := get("roles"); e != nil {
		c.roles(p, e)
	} else {
		c.errorf(lineOf(body), "no roles: the policy needs at least one role (deny by default)")
	}
	if e := get("approvals"); e != nil {
		c.approvals(p, e)
	}
	if e := get("verify"); e != nil {
		c.verifyRules(p, e)
	}
	if e := get("people"); e != nil {
		c.people(p, e)
	}
	if e := get("audit"); e != nil {
		c.audit(p, e)
	}
	return p
}

func (c *checker) roles(p *Policy, e *entry) {
	entries, ok := c.mapping(e.value, "roles", e.line, "a mapping of role name to members and actions", nil)
	if !ok {
		return
	}
	if len(entries) == 0 {
		c.errorf(e.line, "no roles: the policy needs at least one role (deny by default)")
		return
	}
	for _, re := range entries {
		r := &role{name: re.key, users: map[string]bool{}, actions: map[string]bool{}, line: re.line}
		if !roleNameRE.MatchString(re.key) {
			c.errorf(re.line, "role name %q is not valid: use letters, digits, '-', '_' and '.', starting with a letter, at most 64 characters", re.key)
		}
		// Record the role even when invalid, so that approval rules naming
		// it do not add a second, misleading error.
		p.roles = append(p.roles, r)
		p.byName[r.name] = r
		what := fmt.Sprintf("role %q", re.key)
		fields, ok := c.mapping(re.value, what, re.line, "a mapping with members and actions", []string{"members", "actions", "admin_targets", "assignable_roles", "max_duration", "require_duration"})
		if !ok {
			continue
		}
		var members, actions []item
		var badMembers, badActions bool
		var assignable *entry
		var maxLine, requireLine int
		for _, fe := range fields {
			switch fe.key {
			case "members":
				members, badMembers = c.list(fe.value, what+": members", fe.line)
			case "actions":
				actions, badActions = c.list(fe.value, what+": actions", fe.line)
			case "admin_targets":
				r.adminTargets, _ = c.boolean(fe, what+": admin_targets")
			case "assignable_roles":
				assignable = &fe
			case "max_duration":
				maxLine, r.maxDuration = fe.line, c.grantDuration(fe, what)
			case "require_duration":
				requireLine = fe.line
				r.requireDuration, _ = c.boolean(fe, what+": require_duration")
			}
		}
		if len(members) == 0 && !badMembers {
			c.errorf(re.line, "%s has no members: list Slack user ids (U…/W…) or user group ids (S…)", what)
		}
		if len(actions) == 0 && !badActions {
			c.errorf(re.line, "%s has no actions: list action names or \"*\"", what)
		}
		for _, m := range members {
			switch {
			case IsUserID(m.value):
				r.users[m.value] = true
			case IsUserGroupID(m.value):
				r.groups = append(r.groups, m.value)
			default:
				c.errorf(m.line, "%s: member %q is not a Slack user id (U…/W…) or user group id (S…)", what, m.value)
			}
		}
		for _, a := range actions {
			if c.checkAction(a, what) {
				r.actions[a.value] = true
			}
		}
		if !badActions {
			c.assignableRoles(r, re.line, what, assignable)
			c.timeboxKeys(what, maxLine, requireLine, func(a string) bool { return c.known[a] && r.allows(a) })
		}
	}
}

// boolean reads a true/false value, reporting anything else.
func (c *checker) boolean(fe entry, what string) (value, ok bool) {
	if !c.plain(fe.value, what) {
		return false, false
	}
	b, isBool := fe.value.(*ast.BoolNode)
	if !isBool {
		c.errorf(fe.line, "%s must be true or false", what)
		return false, false
	}
	return b.Value, true
}

func (c *checker) checkAction(a item, what string) bool {
	if a.value == Wildcard || c.known[a.value] {
		return true
	}
	msg := fmt.Sprintf("%s: unknown action %q", what, a.value)
	if s := suggest.Closest(a.value, c.knownList); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	c.errorf(a.line, "%s", msg)
	return false
}

// ruleList reads a top-level list of rules (approvals:, verify:); an
// empty one is none, anything but a list is reported with want.
func (c *checker) ruleList(e *entry, name, want string) []ast.Node {
	if !c.plain(e.value, name) {
		return nil
	}
	switch s := e.value.(type) {
	case *ast.NullNode:
		return nil
	case *ast.SequenceNode:
		return s.Values
	}
	c.errorf(e.line, "%s must be a list of rules, each with %s", name, want)
	return nil
}

func (c *checker) approvals(p *Policy, e *entry) {
	rules := c.ruleList(e, "approvals", "actions, approvers and channel")
	coveredBy := map[string]int{} // action (or Wildcard) → index into p.rules
	for i, n := range rules {
		what := fmt.Sprintf("approval rule %d", i+1)
		line := lineOf(n)
		fields, ok := c.mapping(n, what, line, "a mapping with actions, approvers and channel", []string{"actions", "approvers", "channel", "expire_after", "require_reason", "remind_after", "break_glass", "step_up", "max_duration", "require_duration"})
		if !ok {
			continue
		}
		if len(fields) > 0 {
			line = fields[0].line
		}
		rule := ApprovalRule{ExpireAfter: DefaultExpireAfter, Line: line}
		var actions, approvers []item
		var badActions, badApprovers bool
		hasChannel := false
		var remind, breakGlass *entry
		var maxLine, requireLine int
		for _, fe := range fields {
			switch fe.key {
			case "actions":
				actions, badActions = c.list(fe.value, what+": actions", fe.line)
			case "approvers":
				approvers, badApprovers = c.list(fe.value, what+": approvers", fe.line)
			case "channel":
				hasChannel = true
				if s, ok := c.str(fe.value, what+": channel", fe.line); ok {
					if IsChannelID(s) {
						rule.Channel = s
					} else {
						c.errorf(fe.line, "%s: channel %q is not a Slack channel id (C…/G…); use the channel's id, not its name", what, s)
					}
				}
			case "expire_after":
				rule.ExpireAfter = c.duration(fe, what)
			case "require_reason":
				rule.RequireReason, _ = c.boolean(fe, what+": require_reason")
			case "remind_after":
				remind = &fe
			case "break_glass":
				breakGlass = &fe
			case "step_up":
				rule.StepUp = c.stepUp(fe, what)
			case "max_duration":
				maxLine, rule.MaxDuration = fe.line, c.grantDuration(fe, what)
			case "require_duration":
				requireLine = fe.line
				rule.RequireDuration, _ = c.boolean(fe, what+": require_duration")
			}
		}
		if len(actions) == 0 && !badActions {
			c.errorf(line, "%s has no actions", what)
		}
		if len(approvers) == 0 && !badApprovers {
			c.errorf(line, "%s has no approvers: list the roles whose members may approve", what)
		}
		if !hasChannel {
			c.errorf(line, "%s has no channel: give the Slack channel id (C…/G…) where requests are posted", what)
		}
		for _, a := range actions {
			if !c.checkAction(a, what) || c.neverApproved(a, what) {
				continue
			}
			rule.Actions = append(rule.Actions, a.value)
		}
		if !badActions {
			c.timeboxKeys(what, maxLine, requireLine, func(a string) bool { return c.known[a] && rule.Covers(a) })
		}
		for _, a := range approvers {
			if p.byName[a.value] == nil {
				c.errorf(a.line, "%s: approver %q is not a role of this policy", what, a.value)
				continue
			}
			rule.Approvers = append(rule.Approvers, a.value)
		}
		c.waits(p, &rule, what, remind, breakGlass)
		idx := len(p.rules)
		for _, a := range actions {
			if a.value != Wildcard && !c.known[a.value] {
				continue
			}
			if j, ok := overlap(coveredBy, a.value); ok {
				other := p.rules[j]
				if a.value == Wildcard {
					c.errorf(a.line, "%s: \"*\" overlaps approval rule %d (line %d); an action may be in one approval rule only", what, j+1, other.Line)
				} else {
					c.errorf(a.line, "%s: action %q is already in approval rule %d (line %d); an action may be in one approval rule only", what, a.value, j+1, other.Line)
				}
				continue
			}
			coveredBy[a.value] = idx
		}
		p.rules = append(p.rules, rule)
	}
}

// overlap reports which earlier rule already covers action.
func overlap(coveredBy map[string]int, action string) (int, bool) {
	if j, ok := coveredBy[Wildcard]; ok {
		return j, true
	}
	if action == Wildcard {
		first := -1
		for _, j := range coveredBy {
			if first < 0 || j < first {
				first = j
			}
		}
		return first, first >= 0
	}
	j, ok := coveredBy[action]
	return j, ok
}

func (c *checker) duration(fe entry, what string) time.Duration {
	what += ": expire_after"
	if _, null := fe.value.(*ast.NullNode); null {
		c.errorf(fe.line, "%s is empty; give a duration such as 1h or 30m, or leave it out for %v", what, DefaultExpireAfter)
		return DefaultExpireAfter
	}
	if d, ok := c.positiveDuration(fe, what); ok {
		return d
	}
	return DefaultExpireAfter
}

// positiveDuration reads a duration (1h, 30m) of at most MaxExpireAfter,
// reporting anything else; ok is false when it reported.
func (c *checker) positiveDuration(fe entry, what string) (time.Duration, bool) {
	if !c.plain(fe.value, what) {
		return 0, false
	}
	s, ok := fe.value.(*ast.StringNode)
	var d time.Duration
	var err error
	if ok {
		d, err = time.ParseDuration(s.Value)
	}
	switch {
	case !ok && !isScalar(fe.value):
		c.errorf(fe.line, "%s must be a duration such as 1h or 30m, not %s", what, describe(fe.value))
	case !ok || err != nil:
		c.errorf(fe.line, "%s %s is not a duration such as 1h or 30m (a unit is required)", what, describe(fe.value))
	case d <= 0:
		c.errorf(fe.line, "%s %q must be positive", what, s.Value)
	case d > MaxExpireAfter:
		c.errorf(fe.line, "%s %q is longer than the maximum of 7 days (168h)", what, s.Value)
	default:
		return d, true
	}
	return 0, false
}

func (c *checker) audit(p *Policy, e *entry) {
	fields, ok := c.mapping(e.value, "audit", e.line, "a mapping with channel", []string{"channel"})
	if !ok {
		return
	}
	for _, fe := range fields {
		s, ok := c.str(fe.value, "audit: channel", fe.line)
		if !ok {
			continue
		}
		if !IsChannelID(s) {
			c.errorf(fe.line, "audit: channel %q is not a Slack channel id (C…/G…); use the channel's id, not its name", s)
			continue
		}
		p.audit = s
	}
}

// Lists reports whether one of the policy's roles lists user (a Slack user
// id) by id, as opposed to through a user group. It decides nothing.
func (p *Policy) Lists(user string) bool {
	for _, r := range p.roles {
		if r.users[user] {
			return true
		}
	}
	return false
}

package auth

import (
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"oktabot/internal/duration"
)

// Time-boxed access. assign-role and add-to-group take --for DURATION:
// the role or membership is removed by itself at its end. The policy
// bounds it in two places, each with max_duration (the longest --for) and
// require_duration (--for must be given):
//
//   - on an approval rule: it holds for every request the rule covers,
//     whoever asks;
//   - on a role: it holds for what that role grants; a caller whom several
//     roles grant the action gets the most generous of them (as with
//     admin_targets): the longest max_duration (a role without one: no
//     bound of its own), and a duration is required only if every one of
//     them requires it.
//
// Both apply: the shorter max_duration wins, and either may require a
// duration.

// Action names the policy knows by meaning.
const (
	AddToGroup = "add-to-group"
	// GrantsAction lists time-boxed grants and RevokeAction ends one
	// early: they never wait for approval, since they only read, or only
	// take away access oktabot gave.
	GrantsAction = "grants"
	RevokeAction = "revoke"
)

// Bounds of any --for and max_duration.
const (
	MinGrantDuration = 5 * time.Minute
	MaxGrantDuration = 30 * 24 * time.Hour
)

// Timeboxed reports whether action takes --for.
func Timeboxed(action string) bool { return action == AssignRole || action == AddToGroup }

// NeverApproved reports whether action never waits for approval, whatever
// the approval rules say.
func NeverApproved(action string) bool { return action == GrantsAction || action == RevokeAction }

// Timebox is what the policy says of a time-boxed action's --for, for one
// caller.
type Timebox struct {
	// Max is the longest --for: MaxGrantDuration when the policy sets no
	// shorter max_duration.
	Max time.Duration
	// MaxFrom names where Max comes from, for people: `approval rule 1
	// (line 12)` or `role "oncall"`; "" when the policy sets none.
	MaxFrom string
	// Required: --for must be given; RequiredBy names who says so.
	Required   bool
	RequiredBy string
}

// timebox is the Timebox of caller's roles (those that grant the action)
// and the action's approval rule (nil if none).
func timebox(roles []*role, rule *ApprovalRule) Timebox {
	tb := Timebox{Max: MaxGrantDuration}
	if len(roles) > 0 {
		all, unbounded := true, false
		var longest time.Duration
		var from string
		for _, r := range roles {
			all = all && r.requireDuration
			switch {
			case r.maxDuration == 0:
				unbounded = true
			case r.maxDuration > longest:
				longest, from = r.maxDuration, fmt.Sprintf("role %q", r.name)
			}
		}
		if !unbounded {
			tb.Max, tb.MaxFrom = longest, from
		}
		if all {
			tb.Required, tb.RequiredBy = true, fmt.Sprintf("role %q", roles[0].name)
		}
	}
	if rule != nil {
		from := fmt.Sprintf("the approval rule on line %d", rule.Line)
		if rule.MaxDuration > 0 && rule.MaxDuration < tb.Max {
			tb.Max, tb.MaxFrom = rule.MaxDuration, from
		}
		if rule.RequireDuration {
			tb.Required, tb.RequiredBy = true, from
		}
	}
	return tb
}

// ParseGrantDuration reads a duration as --for and max_duration take it:
// Go's (30m, 2h, 1h30m) or a number of days (7d), between
// MinGrantDuration and MaxGrantDuration. The error says what is wrong, to
// go after the name of what was given.
func ParseGrantDuration(s string) (time.Duration, error) {
	d, err := duration.Parse(s)
	s = strings.TrimSpace(s)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a duration such as 30m, 2h or 7d (a unit is required)", s)
	case d < MinGrantDuration:
		return 0, fmt.Errorf("%q is shorter than the minimum of %s", s, DurationText(MinGrantDuration))
	case d > MaxGrantDuration:
		return 0, fmt.Errorf("%q is longer than the maximum of %s", s, DurationText(MaxGrantDuration))
	}
	return d, nil
}

// DurationText is d as people write it: "2h", "1h30m", "45m", "7d".
func DurationText(d time.Duration) string { return duration.Text(d) }

// grantDuration reads a max_duration.
func (c *checker) grantDuration(fe entry, what string) time.Duration {
	what += ": max_duration"
	if !c.plain(fe.value, what) {
		return 0
	}
	s, ok := fe.value.(*ast.StringNode)
	if !ok {
		c.errorf(fe.line, "%s must be a duration such as 4h or 7d, not %s", what, describe(fe.value))
		return 0
	}
	d, err := ParseGrantDuration(s.Value)
	if err != nil {
		c.errorf(fe.line, "%s %v", what, err)
		return 0
	}
	return d
}

// timeboxKeys checks that max_duration and require_duration (their lines,
// 0 when absent) are on something that grants or covers a time-boxed
// action: covers reports whether it does.
func (c *checker) timeboxKeys(what string, maxLine, requireLine int, covers func(string) bool) {
	if maxLine == 0 && requireLine == 0 {
		return
	}
	if covers(AssignRole) || covers(AddToGroup) {
		return
	}
	for _, l := range []struct {
		key  string
		line int
	}{{"max_duration", maxLine}, {"require_duration", requireLine}} {
		if l.line != 0 {
			c.errorf(l.line, "%s: %s applies only to %s and %s (--for), which it does not cover", what, l.key, AssignRole, AddToGroup)
		}
	}
}

// neverApproved reports approval rules that name grants or revoke: they
// never wait for approval.
func (c *checker) neverApproved(a item, what string) bool {
	if !NeverApproved(a.value) {
		return false
	}
	c.errorf(a.line, "%s: %s never waits for approval (it only lists, or only takes away, access oktabot gave); leave it out of approval rules", what, a.value)
	return true
}

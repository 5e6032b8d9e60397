package actions

import (
	"context"
	"regexp"
	"strconv"
	"time"

	"oktabot/internal/duration"
)

// System Log bounds of user-activity: Okta keeps 90 days of events.
const (
	MaxActivitySince = 90 * 24 * time.Hour
	MaxActivityLimit = 1000
)

// eventTypePattern is the shape of an Okta eventType: dotted lower-case
// words ("user.session.start").
var eventTypePattern = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$`)

// ParseSince reads --since: a Go duration (30m, 24h) or a number of days
// (7d), positive and at most 90 days.
func ParseSince(s string) (time.Duration, error) {
	d, err := duration.Parse(s)
	if err != nil || d <= 0 || d > MaxActivitySince {
		return 0, &Error{Kind: KindInvalid, Field: "since", Message: "--since takes a duration such as 30m, 24h or 7d, at most 90d; got " + strconv.Quote(s)}
	}
	return d, nil
}

// runUserActivity lists the System Log events where one user is the actor
// or a target, newest first.
func runUserActivity(ctx context.Context, env Env, req Request) (Result, error) {
	if len(req.Targets) != 1 {
		return Result{}, &Error{Kind: KindInvalid, Field: "targets", Message: "user-activity shows one user at a time; name one user"}
	}
	since, err := ParseSince(req.Values["since"])
	if err != nil {
		return Result{}, err
	}
	limit := atoi(req.Values["limit"], 20)
	if limit > MaxActivityLimit {
		return Result{}, &Error{Kind: KindInvalid, Field: "limit", Message: "--limit is at most " + strconv.Itoa(MaxActivityLimit)}
	}
	typ := req.Values["type"]
	if typ != "" && !eventTypePattern.MatchString(typ) {
		return Result{}, &Error{Kind: KindInvalid, Field: "type", Message: "--type takes an Okta event type such as user.session.start; got " + strconv.Quote(typ)}
	}
	res := forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		evs, err := env.Dir.ListLogEvents(ctx, LogQuery{UserID: o.User.ID, Since: env.Now().Add(-since), Type: typ, Limit: limit})
		if err != nil {
			o.Err = err
			return
		}
		o.Events = evs
		if o.Events == nil {
			o.Events = []LogEvent{}
		}
	})
	res.Query = "last " + req.Values["since"]
	if typ != "" {
		res.Query += ", " + typ + " only"
	}
	return res, nil
}

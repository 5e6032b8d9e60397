package actions

import (
	"context"
	"sync/atomic"
	"time"
)

type behalfKey struct{}

// work is what the Okta calls of one person's request share.
type work struct {
	person string
	waited atomic.Int64 // nanoseconds it waited for a worker or Okta's limits
	// oldestWait, when set, is how long the request waiting longest for
	// a worker has waited now (Queued).
	oldestWait func() time.Duration
}

// OnBehalfOf marks ctx as work done for a person (a Slack user id, or
// any other name for whoever is waiting for it). The Directory shares its
// calls to Okta fairly between the people they are made for.
func OnBehalfOf(ctx context.Context, person string) context.Context {
	return context.WithValue(ctx, behalfKey{}, &work{person: person})
}

func workOf(ctx context.Context) *work {
	w, _ := ctx.Value(behalfKey{}).(*work)
	return w
}

// BehalfOf is the person ctx's work is done for (OnBehalfOf), or "".
func BehalfOf(ctx context.Context) string {
	if w := workOf(ctx); w != nil {
		return w.person
	}
	return ""
}

// NoteWaited adds d to how long ctx's work (OnBehalfOf) has waited for
// Okta's limits: for one of the calls Okta allows at once, or for an
// endpoint's rate limit. The Directory says so.
func NoteWaited(ctx context.Context, d time.Duration) {
	if w := workOf(ctx); w != nil && d > 0 {
		w.waited.Add(int64(d))
	}
}

// Waited is how long ctx's work has waited for a worker (Queued) and for
// Okta's limits (NoteWaited).
func Waited(ctx context.Context) time.Duration {
	if w := workOf(ctx); w != nil {
		return time.Duration(w.waited.Load())
	}
	return 0
}

// Queued says that ctx's work (OnBehalfOf) came from a queue of requests
// waiting for workers, of which there are as many as calls Okta allows at
// once: it waited there for waited, and oldestWait tells how long the
// request waiting longest for a worker has waited now (0: none waits).
// Call it before the work starts.
func Queued(ctx context.Context, waited time.Duration, oldestWait func() time.Duration) context.Context {
	w := workOf(ctx)
	if w == nil {
		w = &work{}
		ctx = context.WithValue(ctx, behalfKey{}, w)
	}
	w.waited.Store(int64(max(waited, 0)))
	w.oldestWait = oldestWait
	return ctx
}

// OptionalPatience is how long someone may wait for their turn at Okta
// before optional calls give way (Optional): their own request's, which
// answers them without, and everyone else's, which would delay them.
const OptionalPatience = time.Second

type optionalKey struct{}

// Optional marks a call as one its request can do without (get-user's
// factor types, beside the user): the Directory makes it only while Okta
// has room for it, and otherwise returns a *LeftError without calling
// Okta. Room means: its own request has not waited OptionalPatience for
// its turn, no request has waited that long for a worker (LeaveOptional);
// one of the calls Okta allows at once is free, nobody waiting for it;
// the endpoint's rate limit is not down to its reserve. A 429 is a
// *LeftError too, not a wait and a retry. An optional call thus never
// takes a turn someone has been waiting for, and a burst of commands is
// answered in the time their other calls take.
func Optional(ctx context.Context) context.Context {
	return context.WithValue(ctx, optionalKey{}, true)
}

// IsOptional reports whether ctx is for an optional call (Optional).
func IsOptional(ctx context.Context) bool {
	o, _ := ctx.Value(optionalKey{}).(bool)
	return o
}

// LeaveOptional is ErrLeftWaiting when an optional call (Optional) of
// ctx's work is to be left unmade whatever Okta's limits say: the work
// has waited OptionalPatience for its turn (Waited), or a request has
// waited that long for a worker (Queued); nil otherwise.
func LeaveOptional(ctx context.Context) error {
	w := workOf(ctx)
	if w == nil {
		return nil
	}
	if time.Duration(w.waited.Load()) >= OptionalPatience || w.oldestWait != nil && w.oldestWait() >= OptionalPatience {
		return ErrLeftWaiting
	}
	return nil
}

// LeftError is why an optional call was left unmade (Optional).
type LeftError struct{ Why string }

func (e *LeftError) Error() string { return "left unread: " + e.Why }

// Why an optional call was left unmade.
var (
	ErrLeftWaiting   = &LeftError{Why: "requests were waiting for their turn at Okta"}
	ErrLeftBusy      = &LeftError{Why: "Okta had every call it allows at once"}
	ErrLeftRateLimit = &LeftError{Why: "Okta's rate limit was reached"}
)

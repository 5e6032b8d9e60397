package actions

import (
	"context"
	"errors"
	"sync/atomic"
)

type behalfKey struct{}

// work is what the Okta calls of one person's request share.
type work struct {
	person string
	waited atomic.Bool // it waited for a worker or for Okta's limits
	// othersWaiting, when set, says whether other requests wait for a
	// worker now (Queued).
	othersWaiting func() bool
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

// NoteWaited records that a call of ctx's work (OnBehalfOf) had to wait
// for Okta's limits: every call Okta allows at once was in flight, or an
// endpoint's rate limit was spent. The Directory says so.
func NoteWaited(ctx context.Context) {
	if w := workOf(ctx); w != nil {
		w.waited.Store(true)
	}
}

// Waited reports whether ctx's work has waited for a worker (Queued) or
// a call of it for Okta's limits (NoteWaited).
func Waited(ctx context.Context) bool {
	w := workOf(ctx)
	return w != nil && w.waited.Load()
}

// Queued says that ctx's work (OnBehalfOf) came from a queue of requests
// waiting for workers, of which there are as many as calls Okta allows at
// once: waited, whether it waited there for one; othersWaiting, whether
// other requests wait for one now. Call it before the work starts.
func Queued(ctx context.Context, waited bool, othersWaiting func() bool) context.Context {
	w := workOf(ctx)
	if w == nil {
		w = &work{}
		ctx = context.WithValue(ctx, behalfKey{}, w)
	}
	w.waited.Store(waited)
	w.othersWaiting = othersWaiting
	return ctx
}

// LeaveOptional reports whether an optional call (Optional) of ctx's work
// is to be left unmade whatever Okta's limits say: the work has waited
// (Waited), whose caller has waited long enough, or other requests wait
// for a worker now (Queued), whose calls are not optional.
func LeaveOptional(ctx context.Context) bool {
	w := workOf(ctx)
	return w != nil && (w.waited.Load() || w.othersWaiting != nil && w.othersWaiting())
}

type optionalKey struct{}

// Optional marks a call as one its request can do without (get-user's
// factor types, beside the user): the Directory makes it only while
// Okta has room for it at once, and otherwise returns ErrOktaBusy without
// calling Okta. Room means nothing waits: no request waits for a worker
// and this one did not (LeaveOptional), no call waits for one of the
// calls Okta allows at once, and the endpoint's rate limit is not spent;
// a 429 is ErrOktaBusy too, not a wait and a retry. An optional call thus
// never takes a turn someone is waiting for, and a burst of commands is
// answered in the time their other calls take.
func Optional(ctx context.Context) context.Context {
	return context.WithValue(ctx, optionalKey{}, true)
}

// IsOptional reports whether ctx is for an optional call (Optional).
func IsOptional(ctx context.Context) bool {
	o, _ := ctx.Value(optionalKey{}).(bool)
	return o
}

// ErrOktaBusy is why an optional call was not made (Optional).
var ErrOktaBusy = errors.New("left unread: oktabot was using every call Okta allows at once")

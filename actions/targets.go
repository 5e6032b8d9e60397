package actions

import (
	"context"
	"errors"
	"sync"
)

// MaxConcurrentTargets bounds how many targets of one request are worked on
// at once, unless the Directory says how many calls it takes at once
// (Concurrent).
const MaxConcurrentTargets = 16

// Concurrent is a Directory that says how many calls it takes at once
// (the Okta client: Okta's concurrent-request limit, which it shares
// fairly between the people the calls are made for). A request works on
// that many of its targets at once.
type Concurrent interface {
	Concurrency() int
}

// parallel is how many targets of one request are worked on at once with
// dir.
func parallel(dir Directory) int {
	if c, ok := dir.(Concurrent); ok && c.Concurrency() > 0 {
		return c.Concurrency()
	}
	return MaxConcurrentTargets
}

// eachTarget runs fn for every target, at most parallel(dir) at a time,
// and returns the outcomes in the order of targets.
func eachTarget(ctx context.Context, dir Directory, targets []string, fn func(context.Context, *Outcome)) []Outcome {
	out := make([]Outcome, len(targets))
	sem := make(chan struct{}, parallel(dir))
	var wg sync.WaitGroup
	for i, t := range targets {
		out[i].Target = t
		if err := ctx.Err(); err != nil {
			out[i].Err = notAttempted(err)
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(o *Outcome) {
			defer func() { <-sem; wg.Done() }()
			fn(ctx, o)
		}(&out[i])
	}
	wg.Wait()
	return out
}

// notAttempted is a target's outcome when its request was stopped (err is
// its context's error) before the target was worked on.
func notAttempted(err error) *Error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: KindUnavailable, Message: "not attempted: the request ran out of time", Err: err}
	}
	return &Error{Kind: KindUnavailable, Message: "not attempted: the request was stopped", Err: err}
}

// FindUsers resolves each reference to an Okta user (env.Dir.FindUser) as
// action a would, env.Guard included, as many at a time as eachTarget, and returns one outcome per reference, in order: User set, or Err
// saying why not. A request that must know its users before it runs, such
// as one that waits for approval, resolves its targets with it.
func FindUsers(ctx context.Context, env Env, a *Action, refs []string) []Outcome {
	return forEachUser(ctx, env, Request{Action: a, Targets: refs}, nil).Outcomes
}

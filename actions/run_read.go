package actions

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

func runPing(ctx context.Context, env Env, _ Request) (Result, error) {
	start := env.Now()
	w, err := env.Dir.Whoami(ctx)
	if err != nil {
		return Result{}, err
	}
	w.RTT = env.Now().Sub(start).Round(time.Millisecond)
	return Result{Whoami: &w}, nil
}

// forEachUser resolves each target to a user and, when that works and the
// request is not stopped (ctx), calls fn with the outcome (User set) to
// finish it.
//
// For an action that writes, env.Guard is asked about the user first with
// the reads only a write needs put off (putOff), and again, in full, just
// before the first write to them: fn's env.Dir asks it ahead of any
// writing method (reads pass). So a target already as wanted ("already
// suspended") is still refused for what the guard tells without reading
// (the caller's own account), but costs no read of their roles (the admin
// check). A refusal before the write is the target's whole outcome, as if
// fn had not run. With no fn (resolving targets up front, FindUsers) the
// guard is asked once, in full.
func forEachUser(ctx context.Context, env Env, req Request, fn func(context.Context, Env, *Outcome)) Result {
	writes := env.Guard != nil && req.Action != nil && req.Action.Writes
	return Result{Outcomes: eachTarget(ctx, env.Dir, req.Targets, func(ctx context.Context, o *Outcome) {
		ctx = withTargetReads(ctx)
		u, err := env.Dir.FindUser(ctx, o.Target)
		if err != nil {
			o.Err = err
			return
		}
		o.User = &u
		if fn == nil {
			if writes {
				if err := env.Guard(ctx, u); err != nil {
					o.Err = err
				}
			}
			return
		}
		// Finding the user took time: a request stopped meanwhile (its
		// time ran out, or its replica lost the lease on it) stops here,
		// before it writes to Okta.
		if err := ctx.Err(); err != nil {
			o.Err = notAttempted(err)
			return
		}
		if !writes {
			fn(ctx, env, o)
			return
		}
		if err := env.Guard(putOff(ctx), u); err != nil {
			o.Err = err
			return
		}
		g := &guardedDir{Directory: env.Dir, guard: env.Guard, verify: env.Verify, user: u}
		genv := env
		genv.Dir = g
		fn(ctx, genv, o)
		if g.refused != nil {
			*o = Outcome{Target: o.Target, User: &u, Err: g.refused}
		}
	})}
}

// runGetUser finds each user and reads their enrolled factors; factors
// that cannot be read leave Factors nil (unknown, FactorsUnread says why)
// and the user is still shown. The factors are an optional read
// (Optional): when Okta is busy, the user is shown at once without them,
// and list-factors reads them.
func runGetUser(ctx context.Context, env Env, req Request) (Result, error) {
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		fs, err := env.Dir.ListFactors(Optional(ctx), o.User.ID)
		if err != nil {
			o.FactorsUnread = err
			return
		}
		o.Factors = fs
		if o.Factors == nil {
			o.Factors = []Factor{}
		}
	}), nil
}

func runListUsers(ctx context.Context, env Env, req Request) (Result, error) {
	q := UserQuery{
		Query:  req.Values["query"],
		Filter: req.Values["filter"],
		Search: req.Values["search"],
		Limit:  atoi(req.Values["limit"], 200),
	}
	res := Result{Users: []User{}, Query: describe(map[string]string{"query": q.Query, "filter": q.Filter, "search": q.Search})}
	first := true
	err := env.Dir.ListUsers(ctx, q, func(page []User) error {
		if env.UserPages == nil {
			res.Users = append(res.Users, page...)
			return nil
		}
		if first {
			res.Users, first = page, false
		}
		res.UsersListed += len(page)
		return env.UserPages(page)
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

func runListUserGroups(ctx context.Context, env Env, req Request) (Result, error) {
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		gs, err := env.Dir.ListUserGroups(ctx, o.User.ID)
		if err != nil {
			o.Err = err
			return
		}
		o.Groups = gs
		if o.Groups == nil {
			o.Groups = []Group{}
		}
	}), nil
}

func runGetGroup(ctx context.Context, env Env, req Request) (Result, error) {
	byID := req.Bool("is-id")
	return Result{Outcomes: eachTarget(ctx, env.Dir, req.Targets, func(ctx context.Context, o *Outcome) {
		if byID {
			g, err := env.Dir.GetGroup(ctx, o.Target)
			if err != nil {
				o.Err = err
				return
			}
			o.Group = &g
			return
		}
		gs, err := env.Dir.FindGroupsByName(ctx, o.Target)
		switch {
		case err != nil:
			o.Err = err
		case len(gs) == 0:
			o.Err = Errorf(KindNotFound, "no Okta group is named %q (names are matched exactly; use --is-id for a group id)", o.Target)
		case len(gs) > 1:
			ids := make([]string, len(gs))
			for i, g := range gs {
				ids[i] = g.ID
			}
			o.Err = Errorf(KindAmbiguous, "%d groups are named %q: %s; ask by id with --is-id", len(gs), o.Target, strings.Join(ids, ", "))
		default:
			o.Group = &gs[0]
		}
	})}, nil
}

func runListRoles(ctx context.Context, env Env, req Request) (Result, error) {
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		roles, err := env.Dir.ListRoles(ctx, o.User.ID)
		if err != nil {
			o.Err = err
			return
		}
		o.Roles = roles
		if o.Roles == nil {
			o.Roles = []Role{}
		}
	}), nil
}

func runListProviders(ctx context.Context, env Env, req Request) (Result, error) {
	q := IdentityProviderQuery{Query: req.Values["query"], Type: req.Values["type"], Limit: atoi(req.Values["limit"], 20)}
	ps, err := env.Dir.ListIdentityProviders(ctx, q)
	if err != nil {
		return Result{}, err
	}
	return Result{Providers: ps, Query: describe(map[string]string{"query": q.Query, "type": q.Type})}, nil
}

func atoi(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return n
	}
	return def
}

// describe renders the non-empty query parameters of a listing.
func describe(kv map[string]string) string {
	var parts []string
	for _, k := range []string{"query", "filter", "search", "type"} {
		if v := kv[k]; v != "" {
			parts = append(parts, fmt.Sprintf("--%s %s", k, strconv.Quote(v)))
		}
	}
	return strings.Join(parts, " ")
}

func runListFactors(ctx context.Context, env Env, req Request) (Result, error) {
	return forEachUser(ctx, env, req, func(ctx context.Context, env Env, o *Outcome) {
		fs, err := env.Dir.ListFactors(ctx, o.User.ID)
		if err != nil {
			o.Err = err
			return
		}
		o.Factors = fs
		if o.Factors == nil {
			o.Factors = []Factor{}
		}
	}), nil
}

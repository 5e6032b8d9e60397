package main

// Policy reload: on SIGHUP, and when the policy file's content changes
// (polled, so that a Kubernetes ConfigMap update, which swaps a symlink,
// is seen as well as an edit in place). A new policy is validated as at
// start; an invalid one is refused with the same message and the policy
// in force stays. Every reload and refusal is logged and audited.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"oktabot/auth"
	"oktabot/store"
)

// policyPollInterval is how often the policy file is read for changes.
var policyPollInterval = 2 * time.Second

// loadPolicy reads and validates the policy file as at start, returning it
// with the hash of the content it was made from.
func loadPolicy(file string, names auth.Names) (*auth.Policy, [32]byte, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, [32]byte{}, fmt.Errorf("policy: read policy: %w", err)
	}
	sum := sha256.Sum256(data)
	p, err := auth.Parse(file, data, names)
	if err != nil {
		return nil, sum, fmt.Errorf("policy: %w", err)
	}
	return p, sum, nil
}

// policyReloader puts a changed policy in force.
type policyReloader struct {
	file  string
	names auth.Names
	az    *auth.Authorizer
	log   zerolog.Logger
	audit func(context.Context, store.AuditRecord)
	// loaded, if set, is told of each policy put in force (the channel
	// check).
	loaded func(context.Context, *auth.Policy)

	mu      sync.Mutex
	sum     [32]byte // the content last seen: in force, or refused
	readErr string   // the last failure to read the file while polling
}

func newPolicyReloader(file string, names auth.Names, az *auth.Authorizer, sum [32]byte, log zerolog.Logger,
	audit func(context.Context, store.AuditRecord), loaded func(context.Context, *auth.Policy)) *policyReloader {
	return &policyReloader{file: file, names: names, az: az, sum: sum, audit: audit, loaded: loaded,
		log: log.With().Str("component", "policy").Logger()}
}

// watch reloads on every signal from hup and whenever the file's content
// changes, until ctx is done.
func (r *policyReloader) watch(ctx context.Context, hup <-chan os.Signal) {
	t := time.NewTicker(policyPollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			r.reload(ctx, "SIGHUP", true)
		case <-t.C:
			r.reload(ctx, "file changed", false)
		}
	}
}

// reload reads the file and, when forced (SIGHUP) or when its content is
// not what was last seen, validates it and puts it in force or refuses it.
func (r *policyReloader) reload(ctx context.Context, why string, force bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, sum, err := loadPolicy(r.file, r.names)
	if sum == ([32]byte{}) {
		// Unreadable. While polling, a file being replaced may be briefly
		// missing: say so once, and keep the policy in force.
		if !force {
			if msg := err.Error(); msg != r.readErr {
				r.readErr = msg
				r.log.Warn().Str("event", "policy.unreadable").Str("problem", msg).Msg("cannot read the policy file; the policy in force stays")
			}
			return
		}
	} else {
		r.readErr = ""
		if !force && sum == r.sum {
			return
		}
	}
	r.sum = sum
	hash := hex.EncodeToString(sum[:])[:12]
	rec := store.AuditRecord{At: time.Now(), Params: map[string]string{"file": r.file, "trigger": why}}
	if err != nil {
		// The same message as at start, and the policy in force stays.
		r.log.Error().Str("event", "policy.reload_refused").Str("trigger", why).Str("problem", oneLine(err)).
			Msg("the new policy is not valid; the policy in force stays")
		rec.Event, rec.Outcome, rec.Detail = "policy.reload_refused", "refused", err.Error()
		if sum != ([32]byte{}) {
			rec.Params["sha256"] = hash
		}
		r.audit(ctx, rec)
		return
	}
	for _, w := range p.Warnings() {
		r.log.Warn().Str("event", "policy.warning").Msg(w)
	}
	r.az.SetPolicy(p)
	// Its user groups' members wait with the members from their first
	// request (Authorizer.Known).
	go func() {
		if err := r.az.Warm(ctx); err != nil {
			r.log.Warn().Err(err).Msg("could not look up a user group of the new policy; its members count as outsiders until their first request")
		}
	}()
	r.log.Info().Str("event", "policy.reloaded").Str("trigger", why).Str("sha256", hash).
		Int("policy_roles", len(p.Roles())).Int("approval_rules", len(p.Rules())).Msg("policy reloaded")
	rec.Event, rec.Outcome = "policy.reloaded", "ok"
	rec.Params["sha256"] = hash
	rec.Detail = fmt.Sprintf("%d %s, %d approval %s", len(p.Roles()), plural(len(p.Roles()), "role", "roles"),
		len(p.Rules()), plural(len(p.Rules()), "rule", "rules"))
	if ws := p.Warnings(); len(ws) > 0 {
		rec.Detail += "; warnings: " + strings.Join(ws, "; ")
	}
	r.audit(ctx, rec)
	if r.loaded != nil {
		r.loaded(ctx, p)
	}
}

package requests

import (
	"context"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"oktabot/store"
)

// One durable write per command.
//
// A command's delivery (its Slack envelope's id, which Slack may deliver
// again) is claimed by the first durable write its work makes, in the same
// transaction (store.Recorder.RecordAll): the records of a refusal, the
// request record of an action that acts (written before it acts), or the
// request and outcome records of one that only reads (written once it has
// read, before anything is shown). Work that shows or stores something
// before it writes a record (a help text, a form, a request stored for
// approval, a grant ended) claims its delivery alone first (Proceed): a
// durable effect before the claim could let a redelivery claim it first,
// and the records of the delivery that had the effect would then be
// dropped as a redelivery's. A redelivery finds the delivery claimed at
// that same point and does nothing more: no record, no answer, no Okta
// write. What it did before that point only read (Okta, Slack).

// deliveryKey is the context key of a *pendingDelivery.
type deliveryKey struct{}

// pendingDelivery is a delivery waiting for its work's first durable write.
type pendingDelivery struct {
	d   store.Delivery
	log zerolog.Logger

	mu      sync.Mutex
	settled bool
	first   bool // once settled: the work goes on
}

// WithDelivery returns ctx carrying d, the delivery whose work ctx is for,
// to be claimed by the work's first durable write (Record) or by Proceed.
// log says when d turns out to be a redelivery, or when the store cannot
// tell (then the work goes on). The zero Delivery claims nothing.
func WithDelivery(ctx context.Context, d store.Delivery, log zerolog.Logger) context.Context {
	if d == (store.Delivery{}) {
		return ctx
	}
	return context.WithValue(ctx, deliveryKey{}, &pendingDelivery{d: d, log: log})
}

func deliveryOf(ctx context.Context) *pendingDelivery {
	p, _ := ctx.Value(deliveryKey{}).(*pendingDelivery)
	return p
}

// settle records what the claim found, with the store's error if it could
// not say (the work then goes on, as it did before deliveries were
// claimed: approval decisions are compare-and-set anyway). Call with mu
// held.
func (p *pendingDelivery) settle(first bool, err error) {
	p.settled = true
	p.first = first || err != nil
	switch {
	case err != nil:
		p.log.Warn().Err(err).Msg("could not check whether the envelope was already handled; handling it")
	case !first:
		p.log.Info().Str("event", "envelope.duplicate").Msg("envelope already handled; redelivery ignored")
	}
}

// Proceed reports whether the work of ctx's delivery goes on: false only
// when the delivery is a redelivery. Unless a write has claimed the
// delivery already, it claims it alone (store.Store.FirstDelivery). Work
// calls it before it shows, stores or does anything it has not recorded;
// without a delivery in ctx it is true.
func (e *Engine) Proceed(ctx context.Context) bool {
	p := deliveryOf(ctx)
	if p == nil {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.settled {
		first, err := true, error(nil)
		if e.Store != nil {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
			first, err = e.Store.FirstDelivery(sctx, p.d.Key, p.d.Now, p.d.TTL)
			cancel()
		}
		p.settle(first, err)
	}
	return p.first
}

// storeTimeout bounds one write of records.
const storeTimeout = 5 * time.Second

// write stores records (their At set) in one durable write, claiming ctx's
// delivery with them when no write has claimed it yet, and sets their ids.
// It reports false when the delivery is a redelivery: then nothing was
// written. A store error is returned with true: the work goes on, its
// records are in the log only.
func (e *Engine) write(ctx context.Context, records []store.AuditRecord) (bool, error) {
	var d store.Delivery
	p := deliveryOf(ctx)
	if p != nil {
		p.mu.Lock()
		if p.settled {
			first := p.first
			p.mu.Unlock()
			if !first {
				return false, nil
			}
		} else {
			// The claim rides on this write; other writes of the same
			// work wait for its answer.
			defer p.mu.Unlock()
			if e.Store == nil {
				p.settle(true, nil)
			} else {
				d = p.d
			}
		}
	}
	if e.Store == nil || len(records) == 0 && d == (store.Delivery{}) {
		return true, nil
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	first, ids, err := e.Store.RecordAll(sctx, d, records)
	cancel()
	if d != (store.Delivery{}) {
		p.settle(first, err)
	}
	if err != nil {
		return true, err
	}
	if !first {
		return false, nil
	}
	for i := range records {
		records[i].ID = ids[i]
	}
	return true, nil
}

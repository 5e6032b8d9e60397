package store

import (
	"context"
	"time"
)

// Delivery is a Slack delivery to claim as RecordAll writes: FirstDelivery's
// arguments. The zero Delivery claims nothing.
type Delivery struct {
	Key string
	Now time.Time
	TTL time.Duration
}

// Recorder writes what one command leaves on the request path in one
// durable write.
type Recorder interface {
	// RecordAll claims d as FirstDelivery would and appends records as
	// AppendAudit would, all in one transaction: either everything is
	// written or nothing is. When d's key was already delivered within its
	// TTL, nothing is written, first is false and ids is nil; otherwise
	// (and for the zero Delivery) first is true and ids are the records'
	// ids, in order. Every record needs At and Event, and a non-zero d
	// needs Key, Now and a positive TTL (ErrInvalid, nothing written).
	//
	// A command's handler calls it once with its envelope's delivery,
	// the request record and, for an action answered at once, the outcome
	// records; a request's per-target outcomes go in one call with the
	// zero Delivery. Concurrent calls share disk syncs (SQLite commits
	// them in groups), so many commands at once cost far fewer syncs than
	// commands.
	RecordAll(ctx context.Context, d Delivery, records []AuditRecord) (first bool, ids []int64, err error)
}

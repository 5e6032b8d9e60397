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
	// A command's work calls it once with its envelope's delivery and
	// its first records (a refusal; the request record of an action that
	// acts, before it acts; the request and outcome records of one that
	// only reads); a request's per-target outcomes go in one call with
	// the zero Delivery.
	//
	// Durability: what RecordAll, FirstDelivery, AppendAudit and
	// DeleteAuditBefore write is committed when they return (a crash of
	// the process loses none of it) but may not be on the disk yet: a
	// power loss (or a crash of the machine or the database server) may
	// take back the last moments of it, never more, and never corrupts
	// the database. Every other write (approvals created, decided,
	// claimed, their leases and results) is on the disk when it returns,
	// and so is everything written before it.
	RecordAll(ctx context.Context, d Delivery, records []AuditRecord) (first bool, ids []int64, err error)
}

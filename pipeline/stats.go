package pipeline

import "sync/atomic"

// Stats are the pipeline's counters, read by the bridge's metrics.
type Stats struct {
	requests     atomic.Int64
	RowsByInsert atomic.Int64
	RowsByBulk   atomic.Int64
	RowsFailed   atomic.Int64
	Flushes      atomic.Int64
	// TablesWritten counts table batches written (a table coalesced over
	// many requests counts once per flush): RowsByInsert + RowsByBulk over
	// it is the coalescing depth, rows per table per flush (issue #12).
	TablesWritten atomic.Int64
	Retries       atomic.Int64
	Splits        atomic.Int64
	DDL           atomic.Int64
	// SchemaLookups counts tables read from GreptimeDB; SchemaLookupErrors
	// those look-ups that failed.
	SchemaLookups      atomic.Int64
	SchemaLookupErrors atomic.Int64
}

// Requests returns the number of requests consumed.
func (s *Stats) Requests() int64 { return s.requests.Load() }

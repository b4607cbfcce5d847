// Package writer is a GreptimeDB ingester for Go: what GreptimeDB's Rust
// ingester offers, usable by any Go program on its own. It has two write
// paths, both fed by the one table model in package table.
//
// # Row inserts (GreptimeDatabase/Handle)
//
// Write converts table batches to a RowInsertRequests and sends them in one
// call per database and hint set; Insert sends a request built by hand;
// NewStreamInserter keeps one HandleRequests stream open for many small
// inserts; ExecSQL runs DDL that hints cannot express.
//
//	c, err := writer.NewClient(writer.DefaultConfig("localhost:4001"))
//	if err != nil { ... }
//	defer c.Close()
//	b := table.NewSchema("cpu").
//		Timestamp("ts", table.TimestampMillisecond).
//		Tag("host", table.String).
//		Field("usage", table.Float64).
//		WithHint("ttl", "7d").
//		NewBatch("")
//	_ = b.AddRow(table.TimeOf(table.TimestampMillisecond, time.Now()), table.StringValue("h1"), table.Float64Value(0.5))
//	rows, err := c.Write(ctx, b)
//
// A row insert creates a missing table (tags become the primary key, the
// timestamp column the time index, hints the table options) and adds
// missing columns, so it is the path for new or widening tables, for low
// latency, and for many small tables. GreptimeDB refuses to create or add
// DATETIME and INTERVAL_* columns (operator/src/expr_helper.rs).
//
// # Bulk writes (Arrow Flight DoPut)
//
// The bulk inserter opens one Arrow Flight stream per table and pipelines
// Arrow record batches with request ids. It moves several times the rows of
// a row insert, but it never creates a table or adds a column (extra columns
// are silently dropped by GreptimeDB), so it is the path for large batches
// into tables that already exist: create or widen them with a row insert
// first.
//
// # Connection, retries and errors
//
// A Client spans one or more endpoints: a transport failure (gRPC
// Unavailable without GreptimeDB's error trailer) moves the client to the
// next endpoint and repeats the call there once. Delivery is at least once:
// a connection lost after the request was written also looks like that.
// Config.Retry adds capped exponential backoff with full jitter for inserts,
// honouring IsRetryable, a server's retry delay and the context deadline.
// Errors are inspectable with errors.Is and errors.As: *InvalidInputError
// (ErrInvalidInput, nothing was sent), *ServerError (gRPC code, GreptimeDB
// status code and retry hint; ErrTimeout for deadlines), *TimeoutError and
// *StreamEndedError for bulk streams. Credentials never appear in errors or
// in a printed Config.
//
// It is part of the writer library's public API for other Go programs
// (writer/...), kept compatible across releases; what changes is noted in
// the README.
package writer

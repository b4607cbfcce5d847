// Package otlp translates decoded OTLP metrics, logs and traces (pdata
// values) into table batches in GreptimeDB's own layouts, so a user moving
// from GreptimeDB's /v1/otlp endpoints to the bridge finds the same tables,
// columns, types, semantic types and table options.
//
// The rules follow GreptimeDB main at 7fd0a7bb (v1.1.x layouts):
// src/servers/src/otlp/metrics.rs and metrics/translator.rs for metrics,
// src/servers/src/otlp/logs.rs for logs and src/servers/src/otlp/trace/*.rs
// for traces, as summarised in greptimedb-tables.md §2–§4 and §7.
//
// Where GreptimeDB's result depends on the table it already holds (logs
// into an existing table, trace attribute coercion: §7.3, §7.4), the
// translation asks RequestOptions.Schema, which the pipeline fills from the
// columns GreptimeDB has accepted; without it, or for a table it does not
// know, the layouts of a new table apply. A trace column GreptimeDB would
// widen from BIGINT to DOUBLE is emitted as DOUBLE; WideningSQL gives the
// ALTER statement to run before such a batch is written.
//
// Two decoders feed the same translation. Metrics, Logs and Traces take
// pdata values (OTLP JSON, and the reference in tests). MetricsProto and
// LogsProto take protobuf request bytes and, where they can, walk them
// straight into the table model without building pdata objects (wire*.go):
// several times cheaper per data point or record, and nearly free of
// allocations. What the wire path does not cover (exponential histograms
// converted to classic ones, legacy metric mode, log extract keys or a
// known log table, repeated resources or scopes) is detected before any
// output and unmarshalled with pdata instead. The two agree on every input: the same tables, columns,
// types and rows for what pdata accepts, an error for what it refuses
// (wire_test.go, FuzzWireMetrics, FuzzWireLogs).
//
// The package is pure: no I/O and no mutable globals. A Converter holds
// scratch buffers and is reusable after Reset, so it can live in a
// sync.Pool; it is not safe for concurrent use.
//
// It is the bridge's own package, not an API for other programs: its
// exported names may change in any commit. Only writer/... is meant for
// other Go programs.
package otlp

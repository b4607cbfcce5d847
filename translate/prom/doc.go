// Package prom translates Prometheus remote write 1.0 and 2.0 requests into
// table-model batches in the layout GreptimeDB's own remote-write endpoint
// creates (greptimedb-tables.md §1): one table per metric name, a
// greptime_timestamp TIMESTAMP_MILLISECOND time index, a greptime_value
// FLOAT64 field keeping the exact float bits, and every label a STRING tag.
//
// The decoder reads the protobuf wire format by hand straight into the
// columnar batches (GreptimeDB does the same in
// src/servers/src/prom_remote_write/decode.rs and v2.rs): there are no
// per-series structs, label bytes are appended to their column directly from
// the decompressed request, and column names repeat across requests through
// an intern table kept in a pooled Converter.
//
// The package is pure: no I/O and no globals except immutable tables.
//
// It is the bridge's own package, not an API for other programs: its
// exported names may change in any commit. Only writer/... is meant for
// other Go programs.
package prom

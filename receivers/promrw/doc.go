// Package promrw receives Prometheus remote write 1.0 (snappy, or zstd as
// vmagent sends it) and 2.0 over HTTP, at /api/v1/write and at GreptimeDB's
// own /v1/prometheus/write, and answers only after GreptimeDB acknowledged
// every row.
//
// It is the bridge's own package, not an API for other programs: its
// exported names may change in any commit. Only writer/... is meant for
// other Go programs.
package promrw

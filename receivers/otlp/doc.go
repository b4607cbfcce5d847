// Package otlp receives OTLP metrics, logs and traces over gRPC and HTTP
// (protobuf and JSON, gzip and zstd), honours GreptimeDB's x-greptime-*
// headers, and answers only after GreptimeDB acknowledged every row.
// Protobuf metrics and logs reach translation as bytes, which it decodes
// straight into tables (translate/otlp MetricsProto, LogsProto).
//
// It is the bridge's own package, not an API for other programs: its
// exported names may change in any commit. Only writer/... is meant for
// other Go programs.
package otlp

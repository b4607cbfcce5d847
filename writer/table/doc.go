// Package table is the one table model of greptime-bridge: a columnar batch
// of rows for one GreptimeDB table, with its column schema and table-option
// hints. Translate produces it, the pipeline coalesces it and the writer
// alone turns it into a row insert or an Arrow record.
//
// The package is pure: it imports neither gRPC nor Arrow, so translation
// code can depend on it without pulling in the transport.
//
// It is part of the writer library's public API for other Go programs
// (writer/...), kept compatible across releases; what changes is noted in
// the README.
package table

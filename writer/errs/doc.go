// Package errs holds the one error polarity of greptime-bridge: every error
// is retryable unless marked permanent, and a throttle error carries the
// delay a server asked for. It imports only the standard library so pure
// code (translate) can use it without gRPC.
//
// It is part of the writer library's public API for other Go programs
// (writer/...), kept compatible across releases; what changes is noted in
// the README.
package errs

// Package retry is the one retry loop of greptime-bridge, used by the
// writer library and the bridge's pipeline alike: capped exponential
// backoff with full jitter, a server's requested delay first (capped too),
// no try that would end past the caller's deadline, and every exit wrapped
// with why it stopped. Whether an error is worth a retry is decided by
// errs.Classify, the one classification.
//
// It is part of the writer library's public API for other Go programs
// (writer/...), kept compatible across releases; what changes is noted in
// the README.
package retry

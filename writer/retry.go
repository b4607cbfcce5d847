package writer

import "github.com/greptime-bridge/greptime-bridge/writer/retry"

// RetryPolicy is capped exponential backoff with full jitter; it is the
// retry package's Policy, the one retry loop the writer and the bridge
// share.
type RetryPolicy = retry.Policy

// DefaultRetryPolicy returns the policy the Rust and Go ingesters default
// to: 3 attempts, 100ms doubling up to 5s.
func DefaultRetryPolicy() RetryPolicy { return retry.Default() }

package pipeline

import (
	"context"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer/retry"
)

// RetryConfig is capped exponential backoff with full jitter: the writer's
// retry policy, run by the one retry loop (writer/retry).
type RetryConfig = retry.Policy

// retrier runs the pipeline's writes under its policy, logging each retry
// at debug level and counting it.
func (p *Pipeline) retrier(what string) retry.Retrier {
	return retry.Retrier{Policy: p.cfg.Retry, Before: func(attempt int, last error, waited time.Duration) {
		p.stats.Retries.Add(1)
		p.log.Debug("retrying a write", "what", what, "attempt", attempt, "waited", waited, "error", last)
	}}
}

// retry runs f under the pipeline's retry policy.
func (p *Pipeline) retry(ctx context.Context, what string, f func(context.Context) error) error {
	return p.retrier(what).Do(ctx, f)
}

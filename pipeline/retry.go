package pipeline

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// RetryConfig is capped exponential backoff with full jitter.
type RetryConfig struct {
	MaxAttempts    int
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
}

// backoff returns the delay before attempt n (1-based retry count), with
// full jitter; a server hint (errs.RetryDelay) takes precedence.
func (r RetryConfig) backoff(n int, err error, rnd func(int64) int64) time.Duration {
	if d, ok := errs.RetryDelay(err); ok && d > 0 {
		return d
	}
	d := r.InitialBackoff
	for i := 1; i < n && d < r.MaxBackoff; i++ {
		d *= 2
	}
	if d > r.MaxBackoff {
		d = r.MaxBackoff
	}
	if d <= 0 {
		return 0
	}
	return time.Duration(rnd(int64(d)) + 1)
}

// do runs f until it succeeds, fails with an error that is not retryable,
// runs out of attempts, or the next try would start after ctx's deadline.
func (r RetryConfig) do(ctx context.Context, f func(context.Context) error) error {
	attempts := max(r.MaxAttempts, 1)
	var err error
	for n := 1; ; n++ {
		err = f(ctx)
		if err == nil || !writer.IsRetryable(err) || n >= attempts {
			return err
		}
		d := r.backoff(n, err, rand.Int64N)
		if dl, ok := ctx.Deadline(); ok && time.Now().Add(d).After(dl) {
			return err
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
}

package writer

import (
	"context"
	"math"
	"math/rand/v2"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// DefaultRetryPolicy returns the policy the Rust and Go ingesters default
// to: 3 attempts, 100ms doubling up to 5s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 3, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second, Multiplier: 2}
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.InitialBackoff <= 0 {
		p.InitialBackoff = d.InitialBackoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = d.MaxBackoff
	}
	if p.MaxBackoff < p.InitialBackoff {
		p.MaxBackoff = p.InitialBackoff
	}
	if p.Multiplier < 1 {
		p.Multiplier = d.Multiplier
	}
	return p
}

// retryBackoff computes retry delays: capped exponential growth with full jitter
// (a uniform draw in [0, cap)), so many clients retrying after the same
// outage spread out instead of arriving together.
type retryBackoff struct {
	policy RetryPolicy
	// rand returns a number in [0, 1); injected by tests.
	rand func() float64
}

func newBackoff(p RetryPolicy) retryBackoff {
	return retryBackoff{policy: p.withDefaults(), rand: rand.Float64}
}

// ceiling is the upper bound of the delay after the given number of failed
// attempts (1 for the delay after the first failure).
func (b retryBackoff) ceiling(failed int) time.Duration {
	d := float64(b.policy.InitialBackoff) * math.Pow(b.policy.Multiplier, float64(failed-1))
	if d > float64(b.policy.MaxBackoff) || math.IsInf(d, 0) || math.IsNaN(d) {
		return b.policy.MaxBackoff
	}
	return time.Duration(d)
}

// delay is the wait before the next attempt after failed attempts ended in
// err. A delay the server asked for (errs.Throttle) comes first, capped at
// MaxBackoff so a bogus hint cannot stall the caller.
func (b retryBackoff) delay(failed int, err error) time.Duration {
	if d, ok := errs.RetryDelay(err); ok && d > 0 {
		return min(d, b.policy.MaxBackoff)
	}
	return time.Duration(b.rand() * float64(b.ceiling(failed)))
}

// next decides whether to try again after failed attempts ended in err, and
// after which delay. It gives up when the policy's attempts are used, when
// the error is not worth retrying, or when the wait would end past the
// context's deadline (that attempt could not finish in time anyway).
func (b retryBackoff) next(ctx context.Context, failed int, err error, now time.Time) (time.Duration, bool) {
	if failed >= b.policy.MaxAttempts || !IsRetryable(err) || ctx.Err() != nil {
		return 0, false
	}
	d := b.delay(failed, err)
	if dl, ok := ctx.Deadline(); ok && !now.Add(d).Before(dl) {
		return 0, false
	}
	return d, true
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

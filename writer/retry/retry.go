package retry

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// Policy is capped exponential backoff with full jitter.
type Policy struct {
	// MaxAttempts counts the first try (default 3).
	MaxAttempts int
	// InitialBackoff is the first delay's ceiling (default 100ms).
	InitialBackoff time.Duration
	// MaxBackoff caps every delay, a server's requested one included
	// (default 5s).
	MaxBackoff time.Duration
	// Multiplier grows the ceiling per failed attempt (default 2).
	Multiplier float64
}

// Default returns the policy the Rust and Go ingesters default to: 3
// attempts, 100ms doubling up to 5s.
func Default() Policy {
	return Policy{MaxAttempts: 3, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second, Multiplier: 2}
}

// WithDefaults fills unset fields from Default and raises a MaxBackoff
// below InitialBackoff to it.
func (p Policy) WithDefaults() Policy {
	d := Default()
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

// Ceiling is the upper bound of the delay after failed attempts (1 for the
// delay after the first failure). p must have its defaults filled.
func (p Policy) Ceiling(failed int) time.Duration {
	d := float64(p.InitialBackoff) * math.Pow(p.Multiplier, float64(failed-1))
	if d > float64(p.MaxBackoff) || math.IsInf(d, 0) || math.IsNaN(d) {
		return p.MaxBackoff
	}
	return time.Duration(d)
}

// Delay is the wait after failed attempts ended in err: the delay the
// server asked for (errs.Throttle), capped at MaxBackoff so a bogus hint
// cannot stall the caller; otherwise a uniform draw below the ceiling, so
// many clients retrying after one outage spread out. rnd returns a number
// in [0, 1). p must have its defaults filled.
func (p Policy) Delay(failed int, err error, rnd func() float64) time.Duration {
	if d, ok := errs.RetryDelay(err); ok && d > 0 {
		return min(d, p.MaxBackoff)
	}
	return time.Duration(rnd() * float64(p.Ceiling(failed)))
}

// Retrier runs calls under a policy. Before, when set, runs before each
// retry with the attempt about to start (2 for the first retry), the error
// that ended the previous one and the delay waited: callers log it at
// debug level and count it there. Rand, when set, replaces the jitter
// source (tests).
type Retrier struct {
	Policy Policy
	Before func(attempt int, last error, waited time.Duration)
	Rand   func() float64
}

// Do runs f until it succeeds, fails with an error errs.Classify does not
// call Retryable, has used the policy's attempts, or the next try would
// start after ctx's deadline or ctx ends. After a retry, the error
// returned says why the loop stopped and wraps the last attempt's error,
// so its class is unchanged.
func (r Retrier) Do(ctx context.Context, f func(context.Context) error) error {
	p := r.Policy.WithDefaults()
	rnd := r.Rand
	if rnd == nil {
		rnd = rand.Float64
	}
	for n := 1; ; n++ {
		err := f(ctx)
		if err == nil {
			return nil
		}
		if !errs.IsRetryable(err) {
			if n > 1 {
				return fmt.Errorf("failed on attempt %d, not retryable: %w", n, err)
			}
			return err
		}
		if n >= p.MaxAttempts {
			if n > 1 {
				return fmt.Errorf("gave up after %d attempts: %w", n, err)
			}
			return err
		}
		d := p.Delay(n, err, rnd)
		if dl, ok := ctx.Deadline(); ok && !time.Now().Add(d).Before(dl) {
			return fmt.Errorf("gave up after %d attempt(s): the next would start past the deadline: %w", n, err)
		}
		if werr := wait(ctx, d); werr != nil {
			return fmt.Errorf("stopped retrying after %d attempt(s) (%v): %w", n, werr, err) //nolint:errorlint // why it stopped is text; the error classified is err
		}
		if r.Before != nil {
			r.Before(n+1, err, d)
		}
	}
}

// wait sleeps d or until ctx ends.
func wait(ctx context.Context, d time.Duration) error {
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

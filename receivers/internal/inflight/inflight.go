// Package inflight bounds the requests a receiver handles at once. Every
// receiver takes a slot before it reads a body (HTTP) or processes a
// message (gRPC), so slow or numerous senders queue here, briefly, instead
// of piling decoded requests into memory; one that waits too long is told
// to retry (503 / Unavailable), as VictoriaMetrics' writeconcurrencylimiter
// does. It is the bridge's own, not an API.
package inflight

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrBusy is returned when no slot frees up within the wait. It is
// unclassified, so errs.Classify calls it retryable: 503 with Retry-After
// for HTTP, Unavailable with RetryInfo for gRPC.
var ErrBusy = errors.New("too many requests in flight")

// Limiter hands out a fixed number of slots. A nil *Limiter has no bound.
type Limiter struct {
	slots chan struct{}
	wait  time.Duration
}

// New returns a limiter of n slots (at least 1) whose Acquire waits at
// most wait for one (a second when wait is not positive).
func New(n int, wait time.Duration) *Limiter {
	if wait <= 0 {
		wait = time.Second
	}
	return &Limiter{slots: make(chan struct{}, max(n, 1)), wait: wait}
}

// Acquire takes a slot, waiting up to the limiter's wait or until ctx
// ends. Every nil return must be paired with one Release.
func (l *Limiter) Acquire(ctx context.Context) error {
	if l == nil {
		return nil
	}
	select {
	case l.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-t.C:
		return fmt.Errorf("%w: all %d slots busy for %v", ErrBusy, cap(l.slots), l.wait)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TryAcquire takes a slot if one is free now, without waiting; a true
// return must be paired with one Release.
func (l *Limiter) TryAcquire() bool {
	if l == nil {
		return true
	}
	select {
	case l.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// Release returns a slot taken by Acquire or TryAcquire.
func (l *Limiter) Release() {
	if l != nil {
		<-l.slots
	}
}

// InUse returns the number of slots taken.
func (l *Limiter) InUse() int {
	if l == nil {
		return 0
	}
	return len(l.slots)
}

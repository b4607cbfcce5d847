package pipeline

import (
	"context"
	"errors"
	"sync"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// ticket tracks one Consume call: it completes when every batch of the
// request has been acknowledged by GreptimeDB or has failed.
type ticket struct {
	mu      sync.Mutex
	pending int
	errs    []error
	done    chan struct{}
}

func newTicket(parts int) *ticket {
	t := &ticket{pending: parts, done: make(chan struct{})}
	if parts == 0 {
		close(t.done)
	}
	return t
}

// resolve records the outcome of one part.
func (t *ticket) resolve(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pending == 0 {
		return
	}
	if err != nil {
		t.errs = append(t.errs, err)
	}
	t.pending--
	if t.pending == 0 {
		close(t.done)
	}
}

// wait blocks until every part resolved or ctx ends. A request whose context
// ends is answered with the context's error; its rows may still be written
// later (at-least-once: the sender retries).
func (t *ticket) wait(ctx context.Context) error {
	select {
	case <-t.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	// If any part may succeed on a retry, answer so: the sender resends
	// the whole request, and only a part that fails again for good gets a
	// permanent answer.
	var retryable []error
	for _, e := range t.errs {
		if !errs.IsPermanent(e) {
			retryable = append(retryable, e)
		}
	}
	if len(retryable) > 0 {
		return errors.Join(retryable...)
	}
	return errors.Join(t.errs...)
}

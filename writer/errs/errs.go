// Package errs holds the one error polarity of greptime-bridge: every error
// is retryable unless marked permanent, and a throttle error carries the
// delay a server asked for. It imports only the standard library so pure
// code (translate) can use it without gRPC.
package errs

import (
	"errors"
	"time"
)

type permanent struct{ err error }

func (p *permanent) Error() string { return p.err.Error() }
func (p *permanent) Unwrap() error { return p.err }

// NewPermanent marks err as permanent: retrying the same data can never
// succeed (bad input, unknown database, unsupported type). A nil err stays nil.
func NewPermanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanent{err: err}
}

// IsPermanent reports whether err, or any error it wraps, was marked
// permanent.
func IsPermanent(err error) bool {
	var p *permanent
	return errors.As(err, &p)
}

// Throttle is a retryable error carrying how long the server asked the
// caller to wait before trying again.
type Throttle struct {
	Err   error
	Delay time.Duration
}

func (t *Throttle) Error() string { return t.Err.Error() }
func (t *Throttle) Unwrap() error { return t.Err }

// NewThrottle wraps err with a retry delay.
func NewThrottle(err error, delay time.Duration) error {
	if err == nil {
		return nil
	}
	return &Throttle{Err: err, Delay: delay}
}

// RetryDelay returns the delay of the first Throttle in err's chain.
func RetryDelay(err error) (time.Duration, bool) {
	var t *Throttle
	if errors.As(err, &t) {
		return t.Delay, true
	}
	return 0, false
}

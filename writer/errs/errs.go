package errs

import (
	"errors"
	"time"
)

type permanent struct {
	err   error
	class Class
}

func (p *permanent) Error() string { return p.err.Error() }
func (p *permanent) Unwrap() error { return p.err }

// ErrorClass is the mark's class; a generic permanent mark (BadData) defers
// to a more specific class inside it, so marking a GreptimeDB rejection of
// credentials permanent keeps it Unauthenticated.
func (p *permanent) ErrorClass() Class {
	if p.class == BadData {
		var c Classifier
		if errors.As(p.err, &c) {
			if k := c.ErrorClass(); k != Retryable && k != BadData {
				return k
			}
		}
	}
	return p.class
}

// NewPermanent marks err as permanent: retrying the same data can never
// succeed (bad input, unknown database, unsupported type). It is
// Mark(err, BadData). A nil err stays nil.
func NewPermanent(err error) error {
	return Mark(err, BadData)
}

// IsPermanent reports whether err can never succeed as sent: its class
// (Classify) is BadData, TooLarge, Unauthenticated or Forbidden.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	switch c, _ := Classify(err); c {
	case BadData, TooLarge, Unauthenticated, Forbidden:
		return true
	}
	return false
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

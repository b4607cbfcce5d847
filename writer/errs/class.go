package errs

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Class is what a failed write means to whoever sent the data, and so how
// every protocol answers it. It is the one classification of the bridge:
// the writer, the pipeline and every receiver decide from it.
type Class int

// The classes. Retryable is the default: an error nobody marked may
// succeed later.
const (
	// Retryable may succeed if the same data is sent again later
	// (503 + Retry-After, gRPC Unavailable + RetryInfo).
	Retryable Class = iota
	// BadData can never be written as sent (400, InvalidArgument).
	BadData
	// TooLarge is over a size limit (413, ResourceExhausted without
	// RetryInfo).
	TooLarge
	// Unauthenticated lacks valid credentials (401, Unauthenticated).
	Unauthenticated
	// Forbidden has credentials that may not do this (403,
	// PermissionDenied).
	Forbidden
	// Canceled means the caller gave up (its context was canceled, or
	// the client was closed): nothing is retried.
	Canceled
	// Unavailable cannot be written now and an immediate retry will not
	// help: a failure GreptimeDB asked not to have retried without blaming
	// the data (an internal error, say), or a closed client. The call is
	// not repeated and a coalesced write is split, but the sender is told
	// to try again later (503, Unavailable): GreptimeDB's own endpoints
	// answer such failures with a 5xx, and another replica may be up.
	Unavailable
)

// String names the class for logs and tests.
func (c Class) String() string {
	switch c {
	case Retryable:
		return "retryable"
	case BadData:
		return "bad data"
	case TooLarge:
		return "too large"
	case Unauthenticated:
		return "unauthenticated"
	case Forbidden:
		return "forbidden"
	case Canceled:
		return "canceled"
	case Unavailable:
		return "unavailable"
	}
	return fmt.Sprintf("class(%d)", int(c))
}

// Classifier is implemented by errors that know their class, such as the
// writer's ServerError (from GreptimeDB's status codes) and errors made by
// NewPermanent or Mark.
type Classifier interface {
	ErrorClass() Class
}

// Mark returns err classified as c. Marking with any class but Retryable
// makes err permanent. A nil err stays nil.
func Mark(err error, c Class) error {
	if err == nil {
		return nil
	}
	return &permanent{err: err, class: c}
}

// Classify returns err's class and, for Retryable errors, the delay the
// server asked for (0 when none). The outermost Classifier in err's chain
// decides, except that a generic permanent mark defers to a more specific
// class inside it; an error whose chain has none is Retryable, unless it is
// the caller's own cancellation.
func Classify(err error) (Class, time.Duration) {
	if err == nil {
		return Retryable, 0
	}
	var c Classifier
	if errors.As(err, &c) {
		if k := c.ErrorClass(); k != Retryable {
			return k, 0
		}
	}
	if errors.Is(err, context.Canceled) {
		return Canceled, 0
	}
	d, _ := RetryDelay(err)
	return Retryable, d
}

// IsRetryable reports whether sending the same data again may succeed.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	c, _ := Classify(err)
	return c == Retryable
}

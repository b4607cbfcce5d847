package errs

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestPolarity(t *testing.T) {
	base := errors.New("boom")
	if IsPermanent(base) {
		t.Fatal("plain error must be retryable")
	}
	p := fmt.Errorf("writing table cpu: %w", NewPermanent(base))
	if !IsPermanent(p) || !errors.Is(p, base) {
		t.Fatal("wrapped permanent error lost its mark or cause")
	}
	if NewPermanent(nil) != nil || NewThrottle(nil, time.Second) != nil {
		t.Fatal("nil must stay nil")
	}
	th := fmt.Errorf("x: %w", NewThrottle(base, 3*time.Second))
	if d, ok := RetryDelay(th); !ok || d != 3*time.Second {
		t.Fatalf("delay %v %v", d, ok)
	}
	if IsPermanent(th) {
		t.Fatal("throttle is retryable")
	}
	if _, ok := RetryDelay(base); ok {
		t.Fatal("no delay expected")
	}
}

type classed struct{ c Class }

func (e classed) Error() string     { return "classed " + e.c.String() }
func (e classed) ErrorClass() Class { return e.c }

func TestClassify(t *testing.T) {
	plain := errors.New("boom")
	for _, c := range []struct {
		name      string
		err       error
		want      Class
		delay     time.Duration
		permanent bool
	}{
		{"unmarked is retryable", plain, Retryable, 0, false},
		{"wrapped unmarked", fmt.Errorf("write: %w", plain), Retryable, 0, false},
		{"throttle carries its delay", NewThrottle(plain, time.Second), Retryable, time.Second, false},
		{"permanent", NewPermanent(plain), BadData, 0, true},
		{"marked too large", Mark(plain, TooLarge), TooLarge, 0, true},
		{"a classifier decides", fmt.Errorf("x: %w", classed{Forbidden}), Forbidden, 0, true},
		{"a generic permanent mark defers to a specific class", NewPermanent(classed{Unauthenticated}), Unauthenticated, 0, true},
		{"a specific mark wins over an inner one", Mark(classed{Forbidden}, TooLarge), TooLarge, 0, true},
		{"a retryable classifier keeps the default", classed{Retryable}, Retryable, 0, false},
		{"cancellation", fmt.Errorf("x: %w", context.Canceled), Canceled, 0, false},
		{"deadline is retryable", context.DeadlineExceeded, Retryable, 0, false},
		{"unavailable", classed{Unavailable}, Unavailable, 0, false},
		{"joined: the first classified wins", errors.Join(plain, NewPermanent(plain)), BadData, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, d := Classify(c.err)
			if got != c.want || d != c.delay {
				t.Errorf("Classify = %s, %v; want %s, %v", got, d, c.want, c.delay)
			}
			if IsPermanent(c.err) != c.permanent {
				t.Errorf("IsPermanent = %v, want %v", !c.permanent, c.permanent)
			}
			if IsRetryable(c.err) != (c.want == Retryable) {
				t.Errorf("IsRetryable = %v for class %s", IsRetryable(c.err), c.want)
			}
		})
	}
	if IsRetryable(nil) || IsPermanent(nil) || Mark(nil, BadData) != nil {
		t.Error("nil is neither retryable nor permanent, and stays nil when marked")
	}
}

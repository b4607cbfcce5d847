package errs

import (
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

package inflight

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

func TestLimiterBoundsAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(2, 500*time.Millisecond)
		ctx := context.Background()
		for range 2 {
			if err := l.Acquire(ctx); err != nil {
				t.Fatal(err)
			}
		}
		// Full: the third waits the whole wait, then is told to retry.
		start := time.Now()
		err := l.Acquire(ctx)
		if !errors.Is(err, ErrBusy) || !errs.IsRetryable(err) {
			t.Fatalf("got %v, want a retryable ErrBusy", err)
		}
		if waited := time.Since(start); waited != 500*time.Millisecond {
			t.Errorf("waited %v, want the 500ms wait", waited)
		}
		// A slot released while a request waits goes to it.
		got := make(chan error)
		go func() { got <- l.Acquire(ctx) }()
		synctest.Wait()
		l.Release()
		if err := <-got; err != nil {
			t.Fatalf("a waiting request did not get the freed slot: %v", err)
		}
		if n := l.InUse(); n != 2 {
			t.Errorf("%d slots in use, want 2", n)
		}
		// A caller that gives up is answered with its context's error.
		cctx, cancel := context.WithCancel(ctx)
		go func() { got <- l.Acquire(cctx) }()
		synctest.Wait()
		cancel()
		if err := <-got; !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want the context's error", err)
		}
	})
}

func TestNilLimiterHasNoBound(t *testing.T) {
	var l *Limiter
	for range 1000 {
		if err := l.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	l.Release()
	if l.InUse() != 0 {
		t.Fatal("a nil limiter counts slots")
	}
}

package writer

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

func TestBackoffScheduleIsCappedExponentialWithFullJitter(t *testing.T) {
	bo := newBackoff(RetryPolicy{MaxAttempts: 10, InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second, Multiplier: 2})
	wantCeil := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range wantCeil {
		if got := bo.ceiling(i + 1); got != w*time.Millisecond {
			t.Errorf("ceiling(%d) = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
	retryable := &ServerError{Code: codes.Unavailable}
	for _, r := range []float64{0, 0.25, 0.999} {
		bo.rand = func() float64 { return r }
		if got, want := bo.delay(3, retryable), time.Duration(r*float64(400*time.Millisecond)); got != want {
			t.Errorf("rand %v: delay %v, want %v", r, got, want)
		}
	}
}

func TestBackoffHonoursServerDelay(t *testing.T) {
	bo := newBackoff(RetryPolicy{MaxBackoff: 2 * time.Second})
	bo.rand = func() float64 { return 0 }
	err := errs.NewThrottle(&ServerError{Code: codes.ResourceExhausted}, 1500*time.Millisecond)
	if got := bo.delay(1, err); got != 1500*time.Millisecond {
		t.Errorf("delay %v, want the server's 1.5s", got)
	}
	err = errs.NewThrottle(errors.New("slow down"), time.Hour)
	if got := bo.delay(1, err); got != 2*time.Second {
		t.Errorf("delay %v, want it capped at MaxBackoff", got)
	}
}

func TestBackoffNext(t *testing.T) {
	bo := newBackoff(RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Second, MaxBackoff: 10 * time.Second})
	bo.rand = func() float64 { return 0.5 }
	now := time.Now()
	retryable := &ServerError{Code: codes.Unavailable}
	ctx := context.Background()

	if d, ok := bo.next(ctx, 1, retryable, now); !ok || d != 500*time.Millisecond {
		t.Errorf("after 1 failure: %v %v", d, ok)
	}
	if d, ok := bo.next(ctx, 2, retryable, now); !ok || d != time.Second {
		t.Errorf("after 2 failures: %v %v", d, ok)
	}
	if _, ok := bo.next(ctx, 3, retryable, now); ok {
		t.Error("retried past MaxAttempts")
	}
	if _, ok := bo.next(ctx, 1, &ServerError{Code: codes.InvalidArgument, Status: StatusInvalidArguments, HasStatus: true}, now); ok {
		t.Error("retried a non-retryable error")
	}
	if _, ok := bo.next(ctx, 1, &InvalidInputError{Reason: "x"}, now); ok {
		t.Error("retried invalid input")
	}
	dctx, cancel := context.WithDeadline(ctx, now.Add(400*time.Millisecond))
	defer cancel()
	if _, ok := bo.next(dctx, 1, retryable, now); ok {
		t.Error("retried although the wait ends past the deadline")
	}
	dctx2, cancel2 := context.WithDeadline(ctx, now.Add(time.Hour))
	defer cancel2()
	if _, ok := bo.next(dctx2, 1, retryable, now); !ok {
		t.Error("did not retry with time left before the deadline")
	}
}

func TestRetryPolicyDefaults(t *testing.T) {
	p := RetryPolicy{}.withDefaults()
	if p != DefaultRetryPolicy() {
		t.Errorf("defaults %+v", p)
	}
	p = RetryPolicy{InitialBackoff: time.Second, MaxBackoff: time.Millisecond}.withDefaults()
	if p.MaxBackoff != time.Second {
		t.Errorf("max below initial not raised: %+v", p)
	}
}

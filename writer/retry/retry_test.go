package retry

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

var errDown = errors.New("endpoint down") // unmarked: retryable

func TestCeilingIsCappedExponential(t *testing.T) {
	p := Policy{MaxAttempts: 10, InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second, Multiplier: 2}.WithDefaults()
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := p.Ceiling(i + 1); got != w*time.Millisecond {
			t.Errorf("Ceiling(%d) = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
	for _, r := range []float64{0, 0.25, 0.999} {
		if got, want := p.Delay(3, errDown, func() float64 { return r }), time.Duration(r*float64(400*time.Millisecond)); got != want {
			t.Errorf("rand %v: delay %v, want %v (full jitter below the ceiling)", r, got, want)
		}
	}
}

func TestDelayHonoursTheServerCapped(t *testing.T) {
	p := Policy{MaxBackoff: 2 * time.Second}.WithDefaults()
	zero := func() float64 { return 0 }
	if got := p.Delay(1, errs.NewThrottle(errDown, 1500*time.Millisecond), zero); got != 1500*time.Millisecond {
		t.Errorf("delay %v, want the server's 1.5s", got)
	}
	if got := p.Delay(1, errs.NewThrottle(errDown, time.Hour), zero); got != 2*time.Second {
		t.Errorf("delay %v, want the server's hour capped at MaxBackoff", got)
	}
}

func TestDefaults(t *testing.T) {
	if p := (Policy{}).WithDefaults(); p != Default() {
		t.Errorf("defaults %+v", p)
	}
	if p := (Policy{InitialBackoff: time.Second, MaxBackoff: time.Millisecond}).WithDefaults(); p.MaxBackoff != time.Second {
		t.Errorf("MaxBackoff below InitialBackoff not raised: %+v", p)
	}
}

// script returns f failing with errs[i] on call i (nil past the end) and
// a counter of calls.
func script(errs ...error) (func(context.Context) error, *int) {
	n := 0
	return func(context.Context) error {
		n++
		if n <= len(errs) {
			return errs[n-1]
		}
		return nil
	}, &n
}

func TestDoExits(t *testing.T) {
	bad := errs.NewPermanent(errors.New("bad row"))
	for _, c := range []struct {
		name    string
		policy  Policy
		errs    []error
		calls   int
		wantNil bool
		say     string // in the returned error
	}{
		{name: "success after retries", policy: Policy{MaxAttempts: 3}, errs: []error{errDown, errDown}, calls: 3, wantNil: true},
		{name: "attempts used", policy: Policy{MaxAttempts: 3}, errs: []error{errDown, errDown, errDown}, calls: 3, say: "gave up after 3 attempts: endpoint down"},
		{name: "permanent at once", policy: Policy{MaxAttempts: 3}, errs: []error{bad}, calls: 1, say: "bad row"},
		{name: "permanent after a retry", policy: Policy{MaxAttempts: 3}, errs: []error{errDown, bad}, calls: 2, say: "failed on attempt 2, not retryable: bad row"},
		{name: "one attempt, no wrapping", policy: Policy{MaxAttempts: 1}, errs: []error{errDown}, calls: 1, say: "endpoint down"},
		{name: "canceled is not retried", policy: Policy{MaxAttempts: 3}, errs: []error{context.Canceled}, calls: 1, say: "context canceled"},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f, n := script(c.errs...)
				var before []int
				r := Retrier{Policy: c.policy, Before: func(a int, _ error, _ time.Duration) { before = append(before, a) }}
				err := r.Do(context.Background(), f)
				if *n != c.calls {
					t.Errorf("%d calls, want %d", *n, c.calls)
				}
				if len(before) != c.calls-1 {
					t.Errorf("Before ran %v, want once per retry", before)
				}
				if c.wantNil {
					if err != nil {
						t.Errorf("err %v", err)
					}
					return
				}
				if err == nil || err.Error() != c.say {
					t.Errorf("err %v, want %q", err, c.say)
				}
				last := c.errs[len(c.errs)-1]
				if !errors.Is(err, last) {
					t.Errorf("the last error is not wrapped: %v", err)
				}
				if got, want := errs.IsRetryable(err), errs.IsRetryable(last); got != want {
					t.Errorf("wrapping changed the class: retryable %v, want %v", got, want)
				}
			})
		})
	}
}

func TestDoStopsBeforeTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		f, n := script(errDown, errDown, errDown)
		r := Retrier{Policy: Policy{MaxAttempts: 5, InitialBackoff: time.Second, MaxBackoff: time.Second}, Rand: func() float64 { return 0.5 }}
		err := r.Do(ctx, f)
		if *n != 1 || err == nil || !strings.Contains(err.Error(), "past the deadline") || !errors.Is(err, errDown) {
			t.Errorf("%d calls, err %v: want one call and a deadline exit wrapping the error", *n, err)
		}
	})
}

func TestDoStopsWhenTheContextEndsWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		f, n := script(errDown, errDown)
		r := Retrier{Policy: Policy{MaxAttempts: 5, InitialBackoff: time.Second, MaxBackoff: time.Second}, Rand: func() float64 { return 0.5 }}
		done := make(chan error)
		go func() { done <- r.Do(ctx, f) }()
		synctest.Wait()
		cancel()
		err := <-done
		if *n != 1 || err == nil || !strings.Contains(err.Error(), "stopped retrying after 1 attempt(s) (context canceled)") || !errors.Is(err, errDown) {
			t.Errorf("%d calls, err %v", *n, err)
		}
	})
}

func TestDoWaitsTheServersDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, _ := script(errs.NewThrottle(errDown, 700*time.Millisecond))
		start := time.Now()
		var waited time.Duration
		r := Retrier{Policy: Policy{MaxAttempts: 2}, Before: func(_ int, _ error, d time.Duration) { waited = d }}
		if err := r.Do(context.Background(), f); err != nil {
			t.Fatal(err)
		}
		if waited != 700*time.Millisecond || time.Since(start) != 700*time.Millisecond {
			t.Errorf("waited %v (reported %v), want the server's 700ms", time.Since(start), waited)
		}
	})
}

package pipeline

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// TestBudgetNoHoldAndWait is issue #11's hold-and-wait: requests that each
// hold a body and need more than is free can, waiting while they hold,
// keep each other from ever fitting. Eight requests hold 80 bytes each of
// 800 and each needs 400; nothing else runs, so nothing would ever be
// released but by a wait running out. Waiting while holding, all eight
// sat out their wait (a minute here, BudgetWait in the bridge) before any
// was answered. Within the waiting allowance (a quarter of the budget),
// the first two to wait hold their bodies in line, the others are refused
// at once and let go of theirs, and the two get through, all before any
// time passes.
func TestBudgetNoHoldAndWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, body, want = 8, 80, 400
		b := NewBudget(800, time.Second)
		ctx := context.Background()
		var held [n]int64
		for i := range held {
			if err := b.Resize(ctx, &held[i], body, 0); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errc := make(chan error, n)
		for i := range held {
			wg.Go(func() {
				err := b.Resize(ctx, &held[i], want, time.Minute)
				if err == nil && held[i] != want {
					t.Errorf("request %d holds %d after growing to %d", i, held[i], want)
				}
				b.Release(held[i]) // written, or answered 503
				errc <- err
			})
		}
		// Before any time passes, every request is answered: none sits
		// out its wait in a line that cannot move.
		synctest.Wait()
		if k := len(errc); k != n {
			t.Errorf("%d of %d requests still wait, holding budget no one releases", n-k, n)
		}
		wg.Wait()
		close(errc)
		written := 0
		for err := range errc {
			switch {
			case err == nil:
				written++
			case !errors.Is(err, ErrOverBudget):
				t.Errorf("refused with %v, want ErrOverBudget", err)
			default:
				if _, ok := errs.RetryDelay(err); !ok {
					t.Errorf("refusal %v carries no retry delay", err)
				}
			}
		}
		if written == 0 {
			t.Errorf("none of %d requests holding %d bytes each and needing %d of a budget of %d got through", n, body, want, b.Limit())
		}
		if b.Used() != 0 || b.Waiting() != 0 {
			t.Errorf("left used %d, waiting %d", b.Used(), b.Waiting())
		}
	})
}

// TestBudgetWaitingAllowance: a request that holds bytes waits for more
// only while everything held in line fits in a quarter of the budget;
// past it, it is refused at once, still holding what it held, and the
// allowance is given back when a wait ends.
func TestBudgetWaitingAllowance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBudget(800, time.Second)
		ctx := context.Background()
		var work, first, second int64
		for _, r := range []struct {
			h *int64
			n int64
		}{{&work, 500}, {&first, 200}, {&second, 1}} {
			if err := b.Resize(ctx, r.h, r.n, 0); err != nil {
				t.Fatal(err)
			}
		}
		done := make(chan error, 1)
		go func() { done <- b.Resize(ctx, &first, 300, time.Minute) }()
		synctest.Wait() // first waits in line, holding its 200
		if b.Waiting() != 200 {
			t.Fatalf("waiting %d, want 200", b.Waiting())
		}
		err := b.Resize(ctx, &second, 50, time.Minute)
		if !errors.Is(err, ErrOverBudget) || second != 1 {
			t.Fatalf("second request: %v, holding %d; want ErrOverBudget at once, holding 1", err, second)
		}
		b.Release(work)
		if err := <-done; err != nil || first != 300 {
			t.Fatalf("first request: %v, holding %d", err, first)
		}
		if b.Waiting() != 0 {
			t.Fatalf("waiting %d after the wait ended", b.Waiting())
		}
		// With nobody in line, a request holding bytes may wait again.
		go func() { done <- b.Resize(ctx, &second, 500, time.Minute) }()
		synctest.Wait()
		b.Release(first)
		if err := <-done; err != nil || second != 500 {
			t.Fatalf("second request after the line emptied: %v, holding %d", err, second)
		}
		b.Release(second)
	})
}

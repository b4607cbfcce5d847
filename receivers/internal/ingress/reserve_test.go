package ingress

import (
	"bytes"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// TestReserveDoesNotHoldAndWait is issue #11's hold-and-wait at the
// translation reservation: eight requests have read bodies of about 1 MiB
// of a 10 MiB budget, and each reserves 5 MiB to translate. Holding their
// bodies while they waited, none could ever fit and all sat out their
// wait (a minute here) before being answered. Now the first two wait in
// line with their bodies (a quarter of the budget may be held so), the
// others are answered 503 at once and let go of theirs, and the two get
// their reservations, all before any time passes.
func TestReserveDoesNotHoldAndWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, size, want = 8, 1<<20 - 100, 5 << 20
		budget := pipeline.NewBudget(10<<20, time.Second)
		in := New(Config{MaxRequestBytes: 2 << 20, MaxDecompressedBytes: 2 << 20, BudgetWait: time.Minute}, budget)
		bodies := make([]*Body, n)
		for i := range bodies {
			bodies[i] = body(t, in, bytes.Repeat([]byte{byte(i)}, size))
		}
		errc := make(chan error, n)
		for _, b := range bodies {
			go func() {
				err := b.Reserve(want)
				if err == nil && b.Held() < want {
					t.Errorf("reserved %d, want %d", b.Held(), want)
				}
				b.Close() // written, or answered 503
				errc <- err
			}()
		}
		synctest.Wait()
		if k := len(errc); k != n {
			t.Fatalf("%d of %d requests still wait, holding their bodies", n-k, n)
		}
		reserved := 0
		for range n {
			err := <-errc
			switch c, _ := errs.Classify(err); {
			case err == nil:
				reserved++
			case !errors.Is(err, pipeline.ErrOverBudget) || c != errs.Retryable:
				t.Errorf("refused with %v (%v), want a retryable ErrOverBudget (503)", err, c)
			}
		}
		if reserved == 0 {
			t.Error("no request got its translation reservation")
		}
		if budget.Used() != 0 {
			t.Errorf("budget leaked %d bytes", budget.Used())
		}
	})
}

package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// ErrOverBudget is returned (wrapped in a throttle error carrying the
// suggested delay) when the memory budget stays full for the whole wait.
var ErrOverBudget = errors.New("memory budget exhausted")

// ErrLargerThanBudget is returned (marked permanent) for a request that needs
// more bytes than the whole budget: it can never be taken.
var ErrLargerThanBudget = errs.Mark(errors.New("request larger than the whole memory budget"), errs.TooLarge)

// Budget is one byte budget covering decompressed bodies, translated batches
// and Arrow buffers awaiting acknowledgement. Receivers acquire before they
// decompress and release when the data is acknowledged or refused, so the
// bridge answers 503 instead of growing or dropping.
type Budget struct {
	mu      sync.Mutex
	cond    chan struct{} // closed and replaced on every release
	limit   int64
	used    int64
	retryIn time.Duration
}

// NewBudget returns a budget of limit bytes; retryIn is the delay suggested
// to refused senders.
func NewBudget(limit int64, retryIn time.Duration) *Budget {
	return &Budget{limit: limit, cond: make(chan struct{}), retryIn: retryIn}
}

// Acquire reserves n bytes, waiting at most maxWait (and never past ctx) for
// room. A request larger than the whole budget can never fit and fails at
// once with a permanent error. On failure nothing is reserved.
func (b *Budget) Acquire(ctx context.Context, n int64, maxWait time.Duration) error {
	if n <= 0 {
		return nil
	}
	if n > b.limit {
		return errs.NewPermanent(fmt.Errorf("%w: it needs %d bytes, the budget is %d bytes", ErrLargerThanBudget, n, b.limit))
	}
	var timer *time.Timer
	for {
		b.mu.Lock()
		if b.used+n <= b.limit {
			b.used += n
			b.mu.Unlock()
			if timer != nil {
				timer.Stop()
			}
			return nil
		}
		wake := b.cond
		b.mu.Unlock()
		if timer == nil {
			if maxWait <= 0 {
				return errs.NewThrottle(ErrOverBudget, b.retryIn)
			}
			timer = time.NewTimer(maxWait)
			defer timer.Stop()
		}
		select {
		case <-wake:
		case <-timer.C:
			return errs.NewThrottle(ErrOverBudget, b.retryIn)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Release returns n bytes to the budget.
func (b *Budget) Release(n int64) {
	if n <= 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	if b.used < 0 {
		b.used = 0
	}
	close(b.cond)
	b.cond = make(chan struct{})
	b.mu.Unlock()
}

// Used returns the bytes currently reserved.
func (b *Budget) Used() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Limit returns the budget's size.
func (b *Budget) Limit() int64 { return b.limit }

// Resize moves a reservation of *held bytes to want bytes (capped at the
// budget, so a large request waits for an empty budget instead of being
// refused for good): surplus is released at once, a shortfall is acquired
// waiting at most maxWait. On failure *held is unchanged.
func (b *Budget) Resize(ctx context.Context, held *int64, want int64, maxWait time.Duration) error {
	want = min(want, b.limit)
	switch {
	case want < *held:
		b.Release(*held - want)
	case want > *held:
		if err := b.Acquire(ctx, want-*held, maxWait); err != nil {
			return err
		}
	}
	*held = want
	return nil
}

// BytesPerCell is what the encoded row insert adds per value beyond the
// value itself: its Value message's field tag, length and variant tag
// (writer/rowenc.go writes no per-value objects), with margin. It was 96
// while the writer built a greptime-proto Value message per cell.
const BytesPerCell = 8

// RequestBytes is the memory a translated request holds until it is
// written: its body, its columnar batches and their encoded row insert
// (the values again, plus BytesPerCell each).
func RequestBytes(bodyLen int, out *translate.Output) int64 {
	n := int64(bodyLen)
	for _, b := range out.Batches {
		n += 2*int64(b.ByteSize()) + int64(b.Rows())*int64(b.NumColumns())*BytesPerCell
	}
	return n
}

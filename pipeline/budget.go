package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// ErrOverBudget is returned (wrapped in a throttle error carrying the
// suggested delay) when the memory budget stays full for the whole wait.
var ErrOverBudget = errors.New("memory budget exhausted")

// ErrLargerThanBudget is returned (marked permanent) for a request that needs
// more bytes than the whole budget: it can never be taken.
var ErrLargerThanBudget = errs.Mark(errors.New("request larger than the whole memory budget"), errs.TooLarge)

// Budget is one byte budget covering request bodies as they arrive and
// decompress, translated batches and Arrow buffers awaiting
// acknowledgement. Receivers reserve bytes as a request really occupies
// them and release them when the data is acknowledged or refused, so the
// bridge answers 503 instead of growing or dropping.
//
// Waiters are served first come, first served (golang.org/x/sync/semaphore
// keeps one FIFO queue): a request that needs much of the budget is not
// overtaken by a stream of small ones that would each fit in what is free.
// With the budget a plain counter, 8 senders of requests each reaching the
// budget got 25 answers 204 and 175 answers 503 in 30 s (issue #11).
//
// A request that already holds bytes and waits in line for more (a body
// read a step at a time, a decoded body waiting for its translation
// estimate) holds them while it waits: hold-and-wait. Left unbounded, the
// requests in line hold so much between them that the one at the head
// cannot get what it needs before its wait ends, nor can the next: each
// is answered 503 in turn (96 senders against 64 MiB under the full
// suite's load saw 1 request written and 237 refused in 10 s). So what
// requests in line may hold is bounded by a waiting allowance, a quarter
// of the budget, and one request never grows past the rest, Largest: the
// head of the line then always fits once the requests at work (not in
// line) finish, whatever those in line hold. A request that would take
// the line past its allowance is refused at once and lets go of what it
// held, rather than wait holding it.
type Budget struct {
	sem     *semaphore.Weighted
	used    atomic.Int64
	waiting atomic.Int64 // bytes held by requests waiting in line for more
	limit   int64
	retryIn time.Duration
}

// waitingShare is the budget's fraction (1/waitingShare) that requests in
// line may hold while they wait. A quarter: at the default 512 MiB, 128 MiB
// of bodies in line (some 100 remote-write bodies of a typical 1 MiB
// decoded) while one request may still grow to 384 MiB, more than the
// largest body the default limits allow (32 MiB sent + 256 MiB
// decompressed). An eighth refused so many requests at once that, with
// senders that come straight back (cmd/loadgen does not back off), the
// bodies read only to be refused took the CPU: 96 senders of 8,000-series
// requests, a 64 MiB budget, GreptimeDB answering in 1.5 s, GOMAXPROCS=1
// on a loaded 2-core machine wrote a median of 18 requests in 10 s (6
// runs) with an eighth, 39 with a quarter (5 runs), 26.5 while requests
// held their bodies in line unbounded (8 runs); the runs spread widely.
const waitingShare = 4

// NewBudget returns a budget of limit bytes; retryIn is the delay suggested
// to refused senders.
func NewBudget(limit int64, retryIn time.Duration) *Budget {
	return &Budget{sem: semaphore.NewWeighted(limit), limit: limit, retryIn: retryIn}
}

// Largest returns the most one request may grow to while it holds part of
// the budget: the budget less what requests in line may hold.
func (b *Budget) Largest() int64 { return b.limit - b.limit/waitingShare }

// Acquire reserves n bytes, waiting in turn at most maxWait (and never
// past ctx) for room. A request larger than the whole budget can never fit
// and fails at once with a permanent error. On failure nothing is
// reserved.
func (b *Budget) Acquire(ctx context.Context, n int64, maxWait time.Duration) error {
	if n <= 0 {
		return nil
	}
	if n > b.limit {
		return errs.NewPermanent(fmt.Errorf("%w: it needs %d bytes, the budget is %d bytes", ErrLargerThanBudget, n, b.limit))
	}
	if maxWait <= 0 {
		if !b.sem.TryAcquire(n) {
			return errs.NewThrottle(ErrOverBudget, b.retryIn)
		}
		b.used.Add(n)
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, maxWait)
	defer cancel()
	if err := b.sem.Acquire(wctx, n); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errs.NewThrottle(ErrOverBudget, b.retryIn)
	}
	b.used.Add(n)
	return nil
}

// Release returns n bytes to the budget. Releasing more than is held
// releases what is held: the semaphore would panic, and a bookkeeping
// mistake must not take the process down.
func (b *Budget) Release(n int64) {
	for n > 0 {
		cur := b.used.Load()
		k := min(n, cur)
		if k <= 0 {
			return
		}
		if b.used.CompareAndSwap(cur, cur-k) {
			b.sem.Release(k)
			return
		}
	}
}

// Used returns the bytes currently reserved.
func (b *Budget) Used() int64 { return b.used.Load() }

// Limit returns the budget's size.
func (b *Budget) Limit() int64 { return b.limit }

// Resize moves a reservation of *held bytes to want bytes (capped at
// Largest, so a request whose estimated peak exceeds it waits its turn for
// that much instead of being refused for good): surplus is released at
// once, a shortfall is taken at once when free, else waited for at most
// maxWait within the waiting allowance (see Budget). On failure *held is
// unchanged.
func (b *Budget) Resize(ctx context.Context, held *int64, want int64, maxWait time.Duration) error {
	want = min(want, b.Largest())
	switch {
	case want < *held:
		b.Release(*held - want)
	case want > *held:
		if err := b.grow(ctx, *held, want-*held, maxWait); err != nil {
			return err
		}
	}
	*held = want
	return nil
}

// grow acquires n more bytes for a request holding held. Only when they
// are not free at once does it wait, and then only if what it holds fits
// in the waiting allowance beside what others in line hold.
func (b *Budget) grow(ctx context.Context, held, n int64, maxWait time.Duration) error {
	if held <= 0 || maxWait <= 0 {
		return b.Acquire(ctx, n, maxWait)
	}
	if b.sem.TryAcquire(n) {
		b.used.Add(n)
		return nil
	}
	for room := b.limit / waitingShare; ; {
		w := b.waiting.Load()
		if w+held > room {
			return errs.NewThrottle(fmt.Errorf("%w: requests waiting for more already hold %d of the %d bytes they may hold while waiting",
				ErrOverBudget, w, room), b.retryIn)
		}
		if b.waiting.CompareAndSwap(w, w+held) {
			break
		}
	}
	defer b.waiting.Add(-held)
	return b.Acquire(ctx, n, maxWait)
}

// Waiting returns the bytes held by requests waiting in line for more.
func (b *Budget) Waiting() int64 { return b.waiting.Load() }

// BytesPerCell is what the encoded row insert adds per value beyond the
// value itself: its Value message's field tag, length and variant tag
// (writer/rowenc.go writes no per-value objects), with margin. It was 96
// while the writer built a greptime-proto Value message per cell.
const BytesPerCell = 8

// RequestBytes is the memory a translated request holds until it is
// written: its body, its columnar batches and their encoded row insert
// (the values again, plus BytesPerCell each). Its pass over the batches
// also validates them for Consume (out.Measured), which then need not
// walk them again.
func RequestBytes(bodyLen int, out *translate.Output) int64 {
	m := measure(out)
	n := int64(bodyLen)
	for i, b := range out.Batches {
		n += 2*int64(m.facts[i].bytes) + int64(m.rows[i])*int64(b.NumColumns())*BytesPerCell
	}
	return n
}

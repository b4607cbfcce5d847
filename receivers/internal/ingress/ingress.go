// Package ingress is the one path by which every receiver turns a request
// (an HTTP body, an OTLP/gRPC message) into bytes to decode: Content-Encoding rules, a bounded read
// that slow senders cannot stretch, decompression that stops at the limit
// instead of after it, and a memory-budget reservation that follows the
// bytes a request really occupies, from the first byte read to the
// translated batches. It is the bridge's own, not an API.
package ingress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// ErrTooLarge reports a body over a size limit, compressed or not
// (413 / ResourceExhausted): the same body can never be taken.
var ErrTooLarge = errs.Mark(errors.New("request body exceeds the size limit"), errs.TooLarge)

// ErrTooSlow reports a body that arrived slower than the minimum transfer
// rate after the grace period. The request is cut and its budget and
// in-flight slot freed, so a sender trickling bytes cannot hold them.
var ErrTooSlow = errs.Mark(errors.New("request body arrived too slowly"), errs.BadData)

// The limits every receiver uses where its configuration leaves one zero:
// the numbers config.Default gives the bridge (TestDefaultsMatchConfig
// holds them equal), so a receiver built alone behaves as in the bridge.
const (
	// DefaultMaxRequestBytes bounds a body as sent: Prometheus sends at
	// most a few MiB per request, vmagent up to 8 MiB, a Collector's
	// batch of 8,192 items a few MiB.
	DefaultMaxRequestBytes = 32 << 20
	// DefaultMaxDecompressedBytes bounds a body decompressed.
	DefaultMaxDecompressedBytes = 256 << 20
	// DefaultRetryAfter is the delay sent with 503 answers.
	DefaultRetryAfter = 5 * time.Second
	// DefaultMaxInflight bounds the requests a receiver handles at once.
	DefaultMaxInflight = 256
)

// Config bounds what one request may make the bridge hold.
type Config struct {
	// MaxRequestBytes bounds the body as sent; MaxDecompressedBytes the
	// body decompressed.
	MaxRequestBytes      int64
	MaxDecompressedBytes int64
	// BudgetWait is how long a request waits in line for budget before it
	// is answered 503.
	BudgetWait time.Duration
	// BodyGrace and MinBodyRate are the transfer-rate rule: the body's
	// n-th byte must have arrived BodyGrace + n/MinBodyRate after the
	// handler began reading (Apache mod_reqtimeout's body=…,MinRate=…).
	// MinBodyRate 0 turns the rule off.
	BodyGrace   time.Duration
	MinBodyRate int64
}

// Ingress reads request bodies for one receiver. Its methods are safe for
// concurrent use.
type Ingress struct {
	cfg    Config
	budget *pipeline.Budget
	zstd   sync.Pool
}

// New returns an Ingress reserving from budget (nil: no budget).
func New(cfg Config, budget *pipeline.Budget) *Ingress {
	return &Ingress{cfg: cfg, budget: budget}
}

// Body is one request's bytes and its budget reservation. Close releases
// both; nothing returned by its methods may be used after Close.
type Body struct {
	in   *Ingress
	ctx  context.Context
	held int64   // bytes reserved in the budget
	raw  *[]byte // the body as sent, in a pooled buffer (bufpool.go)
	dec  *[]byte // the body decompressed, when it was compressed; nil before
	// hist is what a decoder holds besides the output (zstd's history).
	hist int64
	// maxDecoded bounds Decode's output when set (ReadMessage); otherwise the
	// configuration's MaxDecompressedBytes does.
	maxDecoded int64
}

// readStep is the least a body's buffer, and so its reservation, grows by
// (room, fill): small enough that the budget follows the bytes, large
// enough that a 32 MiB body takes few turns.
const readStep = 64 << 10

// Read reads req's body, reserving budget for the bytes as they arrive
// rather than for the length the request declares, and holding the sender
// to the transfer-rate rule through w's read deadline. On error nothing is
// held; otherwise the caller must Close the Body.
func (in *Ingress) Read(w http.ResponseWriter, req *http.Request) (*Body, error) {
	if req.ContentLength > in.cfg.MaxRequestBytes {
		return nil, fmt.Errorf("%w: %d bytes declared, limit %d", ErrTooLarge, req.ContentLength, in.cfg.MaxRequestBytes)
	}
	rc := http.NewResponseController(w)
	// ErrNotSupported (a recorder in tests) leaves the server's own
	// ReadTimeout in charge.
	deadline := func(t time.Time) { _ = rc.SetReadDeadline(t) }
	return in.read(req.Context(), req.Body, reading{declared: req.ContentLength, start: time.Now(), deadline: deadline})
}

// ReadMessage reads a message of n bytes from src as Read reads a body,
// reserving budget as its bytes arrive and holding the sender to the
// transfer-rate rule from start (when the message began: its length
// prefix counts) on: deadline(t) must make src's reads fail with
// os.ErrDeadlineExceeded from t on (the zero time lifts it). An
// OTLP/gRPC message read from its stream is one: it arrives only as the
// reads ask for it (grpc-go opens the stream's flow-control window by what
// a read asks for, internal/transport/flowcontrol.go maybeAdjust), so
// what a sender has in flight is never more than what is reserved, plus
// the stream's window.
//
// src gathers each read whole in buffers of its own before handing it
// over (grpc-go's Stream.read returns once all n bytes are in), so a
// read's bytes are reserved twice while it is asked for, once in the
// Body's buffer and once in src's, and its deadline is the one of its last
// byte. The deadline is left at the last read's when ReadMessage returns,
// so the caller can wait for the stream's end under it and then lift it.
// Decode then bounds its output by maxDecoded: for OTLP/gRPC the
// message-size limit, which grpc-go applies after decompression
// (rpc_util.go decompress). On error nothing is held; otherwise the caller
// must Close the Body.
func (in *Ingress) ReadMessage(ctx context.Context, src io.Reader, n, maxDecoded int64, start time.Time, deadline func(time.Time)) (*Body, error) {
	if n > in.cfg.MaxRequestBytes {
		return nil, fmt.Errorf("%w: a message of %d bytes, limit %d", ErrTooLarge, n, in.cfg.MaxRequestBytes)
	}
	return in.read(ctx, src, reading{declared: n, maxDecoded: maxDecoded, start: start, gathers: true, deadline: deadline})
}

// reading is how read reads one body.
type reading struct {
	// declared is the length the sender gave (-1: none); it only lowers
	// what is reserved ahead of the bytes (one byte past it, to see the
	// end): a claim never raises it.
	declared   int64
	maxDecoded int64
	// start is when the body began, from which the rate rule counts.
	start time.Time
	// gathers: the source returns a read only once it is whole (see
	// ReadMessage).
	gathers  bool
	deadline func(time.Time)
}

// read reads src to its end, reserving budget ahead of each read and
// holding it to the transfer-rate rule through rd.deadline: the n-th byte
// is due BodyGrace + n/MinBodyRate after rd.start, not counting the time
// the body waited for budget (the sender is held by flow control then).
func (in *Ingress) read(ctx context.Context, src io.Reader, rd reading) (*Body, error) {
	limit := in.cfg.MaxRequestBytes
	if rd.declared >= 0 {
		limit = rd.declared
	}
	b := &Body{in: in, ctx: ctx, raw: new([]byte), maxDecoded: rd.maxDecoded}
	if err := b.readRaw(src, limit, rd); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// readRaw reads src to its end into the body's raw buffer, whose whole
// capacity it uses before growing it; see read.
func (b *Body) readRaw(src io.Reader, limit int64, rd reading) error {
	in := b.in
	rate := in.cfg.MinBodyRate
	*b.raw = (*b.raw)[:0]
	var waited time.Duration
	var err error
	for {
		if rd.gathers && rate > 0 {
			// The source's deadline is a timer (a cut stream), which
			// must not fire while the body waits for budget.
			rd.deadline(time.Time{})
		}
		began := time.Now()
		var step int
		if step, err = b.room(limit); err != nil {
			break
		}
		buf := *b.raw
		// The read stops at the step: one byte past limit is enough to
		// see an oversized body, and a gathering source holds in its
		// own buffers as much as it is asked for (holdRead).
		p := buf[len(buf):step]
		held := b.held
		if rd.gathers {
			if p, err = b.holdRead(int64(cap(buf)), p); err != nil {
				break
			}
		}
		waited += time.Since(began)
		if rate > 0 {
			due := len(buf)
			if rd.gathers {
				due += len(p)
			}
			rd.deadline(rd.start.Add(waited + in.cfg.BodyGrace + time.Duration(float64(due)/float64(rate)*float64(time.Second))))
		}
		var n int
		n, err = src.Read(p)
		if rd.gathers && b.in.budget != nil {
			// The source's copy is gone once the read returns.
			_ = b.in.budget.Resize(b.ctx, &b.held, held, 0)
		}
		buf = buf[:len(buf)+n]
		*b.raw = buf
		if int64(len(buf)) > limit {
			err = fmt.Errorf("%w: more than %d bytes sent, limit %d", ErrTooLarge, limit, in.cfg.MaxRequestBytes)
			break
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				err = fmt.Errorf("%w: %d bytes in %v, below %d bytes/s after a %v grace",
					ErrTooSlow, len(buf), time.Since(rd.start).Round(time.Millisecond), rate, in.cfg.BodyGrace)
			} else if !errors.Is(err, io.EOF) {
				err = errs.NewPermanent(fmt.Errorf("cannot read request body after %d bytes: %w", len(buf), err))
			}
			break
		}
	}
	if rate > 0 && !rd.gathers {
		rd.deadline(time.Time{})
	}
	if !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// holdRead reserves, beside the Body's buffer of capacity c (reserved
// whole by room), the read p about to be asked of a gathering source,
// which holds those bytes in buffers of its own until the last of them
// arrives. Where that would pass what one request may hold, it asks for a
// step at most and reserves up to that bound: the source then holds at
// most a step beyond the reservation.
func (b *Body) holdRead(c int64, p []byte) ([]byte, error) {
	bud := b.in.budget
	if bud == nil {
		return p, nil
	}
	want := c + int64(len(p))
	if want > bud.Largest() {
		p = p[:min(len(p), readStep)]
		want = c + int64(len(p))
	}
	// Resize caps want at Largest.
	return p, bud.Resize(b.ctx, &b.held, want, b.in.cfg.BudgetWait)
}

// room makes room in the raw buffer for the next read, which goes into
// buf[len(buf):step]. What is left of the buffer's capacity is used first;
// when it is full the body moves into a pooled buffer twice as large (at
// least readStep more, at most the declared length and a byte), reserved
// whole before it is taken (grow). Past limit it leaves one byte of room,
// so an oversized body is seen without reading all of it.
//
// Doubling rather than growing by a quarter: a body of a few hundred KiB
// was copied through a dozen buffers, about four times its size, and each
// size class's pool kept idle buffers. ab.sh (alternating rounds, 32
// OTLP/gRPC senders of 1,000 items): logs 1.62-1.96 -> 1.42-1.84 µs per
// record and peak RSS 388-434 -> 332-373 MiB (3 rounds each), Sum
// 1.45-1.46 -> 1.39-1.40 µs per point and 220-233 -> 195-203 MiB (2
// rounds), lower in every round. A body still holds no more than it has
// reserved; while it is read that may be twice what has arrived (a
// quarter more before).
//
// The step runs to the buffer's capacity, not a readStep: a body handed
// out a step at a time used its buffer for the first step only, and every
// OTLP/gRPC message of a few hundred KiB was read into new buffers; that
// was 79% of the bytes the bridge allocated under otlp-sum load and 41%
// under otlp-logs (issue #12).
func (b *Body) room(limit int64) (int, error) {
	buf := *b.raw
	if len(buf) == cap(buf) {
		end := min(int64(len(buf))+int64(max(readStep, len(buf))), limit+1)
		if err := b.grow(&b.raw, end, false); err != nil {
			return 0, err
		}
		buf = *b.raw
	} else if err := b.cover(b.occupied()); err != nil {
		return 0, err // a buffer handed in with capacity (tests)
	}
	return int(min(int64(cap(buf)), limit+1)), nil
}

// grow moves the buffer *bp points to (the raw or the decoded one) into a
// pooled one that holds at least n bytes, charging the budget for the new
// buffer whole first (coverStep: onlyIfFree is its), and gives the old one
// back to its pool.
func (b *Body) grow(bp **[]byte, n int64, onlyIfFree bool) error {
	old := *bp
	var oldCap int
	if old != nil {
		oldCap = cap(*old)
	}
	if err := b.coverStep(b.occupied()-int64(oldCap)+int64(bufCap(int(n))), onlyIfFree); err != nil {
		return err
	}
	nb := getBuf(int(n))
	if old != nil {
		*nb = append(*nb, *old...)
		putBuf(old)
	}
	*bp = nb
	return nil
}

// cover makes the reservation at least n bytes. Callers step ahead by a
// quarter of what they hold, so a large body takes few turns in line.
func (b *Body) cover(n int64) error {
	bud := b.in.budget
	if bud == nil || n <= b.held {
		return nil
	}
	if n > bud.Largest() {
		return fmt.Errorf("%w: the request occupies more than the %d bytes one request may hold of the memory budget of %d bytes",
			ErrTooLarge, bud.Largest(), bud.Limit())
	}
	// Resize waits holding what the body holds only within the budget's
	// waiting allowance (pipeline.Budget): no hold-and-wait pile-up.
	return bud.Resize(b.ctx, &b.held, n, b.in.cfg.BudgetWait)
}

// coverStep is cover, or with onlyIfFree, cover without waiting: errShort
// when the budget has not the bytes free now.
func (b *Body) coverStep(n int64, onlyIfFree bool) error {
	if !onlyIfFree || b.in.budget == nil || n <= b.held || n > b.in.budget.Largest() {
		return b.cover(n)
	}
	if err := b.in.budget.Acquire(b.ctx, n-b.held, 0); err != nil {
		if errors.Is(err, pipeline.ErrOverBudget) {
			return errShort
		}
		return err
	}
	b.held = n
	return nil
}

// Raw returns the body as sent.
func (b *Body) Raw() []byte { return *b.raw }

// Held returns the bytes of budget the request holds.
func (b *Body) Held() int64 { return b.held }

// Reserve moves the reservation to want bytes, at least what the body's
// buffers occupy: receivers reserve a translation estimate before they
// translate and true it up to pipeline.RequestBytes after. An estimate
// beyond what one request may hold (pipeline.Budget.Largest) is capped at
// it, so such a request waits its turn rather than being refused for good.
// It waits holding its body only within the budget's waiting allowance;
// past it the request is refused at once (503), letting go of the body's
// reservation, instead of holding it in a line that cannot move.
func (b *Body) Reserve(want int64) error {
	if b.in.budget == nil {
		return nil
	}
	want = max(want, b.occupied())
	return b.in.budget.Resize(b.ctx, &b.held, want, b.in.cfg.BudgetWait)
}

// Size returns the memory the body's buffers hold, as sent and
// decompressed: their capacities, which is what a true-up counts beside
// the translated batches (the bytes in them are Raw and Decode's).
func (b *Body) Size() int {
	n := cap(*b.raw)
	if b.dec != nil {
		n += cap(*b.dec)
	}
	return n
}

func (b *Body) occupied() int64 { return int64(b.Size()) + b.hist }

// Close releases the reservation and returns the buffers to the pool.
func (b *Body) Close() {
	if b.in.budget != nil {
		b.in.budget.Release(b.held)
	}
	b.held = 0
	putBuf(b.raw)
	putBuf(b.dec)
	b.raw, b.dec = nil, nil
}

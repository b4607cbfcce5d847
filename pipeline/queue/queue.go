// Package queue is the bridge's disk queue for acknowledgement on queue
// (ack: on_queue): a request is answered once its translated rows are
// durably in append-only segment files, and a drainer writes them to
// GreptimeDB in order through the pipeline, removing what GreptimeDB
// acknowledged and replaying the rest after a restart. A logs or traces
// request's record also keeps the request itself, which the drainer has
// translated again when the request's table changed before it drained
// (retranslate.go). It is the bridge's own, not an API.
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/retry"
)

// Consumer writes a drained record's batches and returns once GreptimeDB
// acknowledged every row; the pipeline implements it. It takes the
// batches (out must not be used after Consume returns).
type Consumer interface {
	Consume(ctx context.Context, out *translate.Output) error
}

// Checker reports batches that can never be written, without taking them;
// the pipeline implements it.
type Checker interface {
	Check(out *translate.Output) error
}

// Config configures a Queue.
type Config struct {
	// Dir holds the segment files and the acknowledged position.
	Dir string
	// FS is the file system; nil means OS.
	FS FS
	// MaxBytes caps the segments on disk; appends past it are refused.
	MaxBytes int64
	// SegmentBytes is the size from which the writer starts a new segment;
	// a segment is removed once all its records are acknowledged.
	SegmentBytes int64
	// Fsync and FsyncInterval say when records reach stable storage.
	Fsync         FsyncPolicy
	FsyncInterval time.Duration
	// DrainMaxBytes bounds the record bytes the drainer merges into one
	// pipeline call (at least one record is always taken).
	DrainMaxBytes int64
	// RetryAfter is the delay suggested to senders refused while full.
	RetryAfter time.Duration
	// Backoff is the drainer's retry backoff; it retries retryable
	// failures for ever (MaxAttempts is ignored).
	Backoff retry.Policy
}

// Queue is the disk queue: a Consumer for the receivers that answers once
// a request is durable, and a drainer feeding the pipeline.
type Queue struct {
	cfg     Config
	log     *wlog
	next    Consumer
	check   Checker
	again   Retranslator
	logger  *slog.Logger
	metrics *metrics

	bufs       sync.Pool
	full       atomic.Bool // inside a queue-full episode (logged once)
	failing    atomic.Bool // inside a disk-error episode (logged once)
	oldest     atomic.Int64
	replayFrom uint64

	startOnce sync.Once
	// idle ends when shutdown begins: the drainer then stops once it has
	// nothing left. ctx ends at the shutdown deadline: writes stop.
	idle, ctx         context.Context
	stopIdle, stopCtx context.CancelFunc
	drained           chan struct{}
}

// Open opens (creating) the queue in cfg.Dir, cutting a torn tail left by
// a crash, and registers its metrics on reg (may be nil). Start begins
// draining into next.
func Open(cfg Config, next Consumer, check Checker, reg prometheus.Registerer, logger *slog.Logger) (*Queue, error) {
	if cfg.FS == nil {
		cfg.FS = OS{}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBytes <= segHeaderLen || cfg.SegmentBytes <= 0 || cfg.DrainMaxBytes <= 0 ||
		(cfg.Fsync == FsyncInterval && cfg.FsyncInterval <= 0) {
		return nil, fmt.Errorf("disk queue: invalid configuration %+v", cfg)
	}
	q := &Queue{cfg: cfg, next: next, check: check, logger: logger, drained: make(chan struct{})}
	q.metrics = newMetrics()
	l, err := openLog(logConfig{
		Dir: cfg.Dir, FS: cfg.FS, SegmentBytes: cfg.SegmentBytes, MaxBytes: cfg.MaxBytes,
		Fsync: cfg.Fsync, FsyncInterval: cfg.FsyncInterval, Log: logger,
		OnSync: func(d time.Duration) { q.metrics.fsync.Observe(d.Seconds()) },
		OnCut:  func(n int64) { q.metrics.cut.Add(float64(n)) },
	})
	if err != nil {
		return nil, err
	}
	q.log = l
	q.replayFrom = l.done
	if reg != nil {
		q.metrics.register(reg, q)
	}
	q.idle, q.stopIdle = context.WithCancel(context.Background())
	q.ctx, q.stopCtx = context.WithCancel(context.Background())
	if n := l.startNext - l.done; n > 0 {
		logger.Info("disk queue: replaying records left by an earlier run", "dir", cfg.Dir, "records", n, "bytes", l.diskBytes)
	}
	return q, nil
}

// Start starts the writer and the drainer; it is idempotent.
func (q *Queue) Start() {
	q.startOnce.Do(func() {
		go q.log.run()
		go q.drain()
	})
}

// errUnwritable is what a sender sees when the disk fails: the cause (a
// path, ENOSPC) goes to the bridge's log, not to senders.
var errUnwritable = errors.New("the bridge cannot write to its disk queue; try again later")

// Consume checks out, appends its rows to the queue as one record and
// returns once the record is as durable as the fsync policy promises. It
// does not take out's batches: the caller may reuse out at once. A full
// queue or a failing disk is answered with a throttle error (503 +
// Retry-After, Unavailable), never by dropping queued data.
func (q *Queue) Consume(ctx context.Context, out *translate.Output) error {
	return q.ConsumeSource(ctx, out, nil)
}

// ConsumeSource is Consume keeping src (nil: none) in the record beside
// out's batches: should GreptimeDB refuse the batches because their table
// changed before they drained, the drainer has the Retranslator translate
// src again and writes that instead. Neither out nor src is kept.
func (q *Queue) ConsumeSource(ctx context.Context, out *translate.Output, src *translate.Source) error {
	if out.Rows() == 0 {
		return nil
	}
	if q.check != nil {
		if err := q.check.Check(out); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	bp, _ := q.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	buf := (*bp)[:0]
	buf = append(buf, make([]byte, recHeaderLen)...)
	buf = appendRecord(buf, out, src, time.Now().UnixNano())
	frame(buf, 0)
	err := q.log.append(buf)
	if cap(buf) <= 4<<20 { // do not keep large buffers around
		*bp = buf
		q.bufs.Put(bp)
	}
	switch {
	case err == nil:
		if q.full.Swap(false) {
			q.logger.Info("disk queue has room again")
		}
		if q.failing.Swap(false) {
			q.logger.Info("disk queue is writable again", "dir", q.cfg.Dir)
		}
		return nil
	case errors.Is(err, ErrFull):
		q.metrics.refused.WithLabelValues("full").Inc()
		if !q.full.Swap(true) {
			q.logger.Warn("disk queue is full: answering 503 / Unavailable until GreptimeDB drains it",
				"dir", q.cfg.Dir, "max_bytes", q.cfg.MaxBytes)
		}
		return errs.NewThrottle(fmt.Errorf("%w (queue.max_bytes %d); try again later", ErrFull, q.cfg.MaxBytes), q.cfg.RetryAfter)
	case errors.Is(err, ErrClosed), errs.IsPermanent(err):
		return err
	default:
		q.metrics.refused.WithLabelValues("disk_error").Inc()
		if !q.failing.Swap(true) {
			q.logger.Error("disk queue cannot write: answering 503 / Unavailable until it can", "error", err)
		}
		return errs.NewThrottle(errUnwritable, q.cfg.RetryAfter)
	}
}

// Shutdown stops taking records, keeps draining until the queue is empty
// or ctx ends, then stops; what is left stays on disk for the next start.
// It is idempotent.
func (q *Queue) Shutdown(ctx context.Context) error {
	q.Start() // a queue never started still has a writer to stop
	q.log.close()
	q.stopIdle()
	select {
	case <-q.drained:
		q.stopCtx()
		return nil
	case <-ctx.Done():
	}
	q.stopCtx()
	<-q.drained
	q.log.mu.Lock()
	left := q.log.next - q.log.done
	q.log.mu.Unlock()
	if left == 0 {
		return nil
	}
	return fmt.Errorf("shutdown deadline passed with %d records still in the disk queue; they are written after the next start: %w", left, ctx.Err())
}

package queue

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/retry"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// drain reads records in order and writes them through the consumer, one
// group at a time: the records already committed, up to DrainMaxBytes,
// merged per table so tables get deep enough for bulk streams. One group
// is in flight at a time, so each table's rows reach GreptimeDB in queue
// order, and the acknowledged position moves (and is persisted) after
// every group: a crash repeats at most the group being written.
func (q *Queue) drain() {
	defer close(q.drained)
	r := q.log.reader()
	poll, cancel := context.WithCancel(context.Background())
	cancel() // next with a done context returns what is committed, never waits
	var (
		recs [][]byte
		seqs []uint64
		lens []int
		buf  []byte
		out  translate.Output
		// ackFailing is set while saving the acknowledged position fails.
		ackFailing bool
	)
	for {
		seq, p, err := r.next(q.idle)
		if err != nil {
			if q.idle.Err() != nil {
				return // shutting down and nothing left
			}
			q.logger.Error("disk queue: cannot read the next record", "error", err)
			if werr := sleep(q.ctx, time.Second); werr != nil {
				return
			}
			continue
		}
		// The payloads are copied (the reader reuses its buffer) and kept
		// until GreptimeDB acknowledged them: every retry decodes again.
		buf = append(buf[:0], p...)
		seqs, lens = append(seqs[:0], seq), append(lens[:0], len(p))
		for int64(len(buf)) < q.cfg.DrainMaxBytes {
			seq, p, err := r.next(poll)
			if err != nil {
				break
			}
			buf = append(buf, p...)
			seqs, lens = append(seqs, seq), append(lens, len(p))
		}
		// Slice the copies only now: appending may have moved buf.
		recs = recs[:0]
		off := 0
		for _, n := range lens {
			recs = append(recs, buf[off:off+n])
			off += n
		}
		if at, err := recordTime(recs[0]); err == nil {
			q.oldest.Store(at)
		}
		if !q.writeAll(&out, recs, seqs) {
			return // the shutdown deadline passed: the group stays queued
		}
		q.oldest.Store(0)
		for i, s := range seqs {
			if s < q.log.startNext {
				q.metrics.replayed.Inc()
				q.metrics.replayedBytes.Add(float64(len(recs[i]) + recHeaderLen))
			}
		}
		q.metrics.drainedRecords.Add(float64(len(seqs)))
		// Logged once per episode: a full disk fails every save.
		if err := q.log.ack(seqs[len(seqs)-1] + 1); err != nil && !ackFailing {
			ackFailing = true
			q.logger.Warn("disk queue: acknowledged records may be written again after a restart", "error", err)
		} else if err == nil {
			ackFailing = false
		}
		if int64(cap(buf)) > 2*q.cfg.DrainMaxBytes {
			buf = nil // one large record: do not keep its buffer
		}
	}
}

// writeAll writes a group: the longest prefix that merges into one
// output per table goes in one call, then the rest, so a type conflict
// between two records only splits the group. It returns false when the
// shutdown deadline stopped it.
func (q *Queue) writeAll(out *translate.Output, recs [][]byte, seqs []uint64) bool {
	for len(recs) > 0 {
		n := merge(out, recs)
		if n == 0 {
			q.logger.Error("disk queue: dropping a record that does not decode", "seq", seqs[0], "bytes", len(recs[0]))
			q.metrics.dropped.Inc()
			recs, seqs = recs[1:], seqs[1:]
			continue
		}
		err := q.write(out, recs[:n])
		if errs.IsPermanent(err) && n > 1 {
			// Find the record GreptimeDB refuses: write them one by one.
			for i := range n {
				if !q.settle(out, recs[i], seqs[i], q.write(out, recs[i:i+1])) {
					return false
				}
			}
		} else if !q.settle(out, recs[0], seqs[0], err) {
			return false
		}
		recs, seqs = recs[n:], seqs[n:]
	}
	return true
}

// refused logs and counts a record GreptimeDB refused for good, returning
// true; for any other error (the context ended) it returns false.
func (q *Queue) refused(err error, seq uint64) bool {
	if !errs.IsPermanent(err) {
		return false
	}
	q.metrics.dropped.Inc()
	q.logger.Error("disk queue: GreptimeDB refused a queued record for good; it is dropped (its sender was already answered 2xx)",
		"seq", seq, "error", err)
	return true
}

// write merges recs into out and writes it, retrying retryable failures
// for ever with backoff; every attempt decodes again, since the consumer
// takes the batches it is given.
func (q *Queue) write(out *translate.Output, recs [][]byte) error {
	return q.retrier().Do(q.ctx, func(ctx context.Context) error {
		out.Reset()
		merge(out, recs)
		return keepTrying(q.next.Consume(ctx, out))
	})
}

// retrier retries for ever with the drainer's backoff, counting retries
// and logging the first of an episode.
func (q *Queue) retrier() *drainRetrier {
	p := q.cfg.Backoff
	p.MaxAttempts = math.MaxInt
	r := &drainRetrier{q: q}
	r.rt = retry.Retrier{Policy: p, Before: func(attempt int, last error, waited time.Duration) {
		var changed tableChanged
		if errors.As(last, &changed) {
			return
		}
		q.metrics.drainRetries.Inc()
		if !r.warned {
			r.warned = true
			q.logger.Warn("disk queue: GreptimeDB did not take queued records; retrying until it does", "error", last)
		}
	}}
	return r
}

type drainRetrier struct {
	q      *Queue
	rt     retry.Retrier
	warned bool
}

// Do runs f until it succeeds, fails for good or ctx ends.
func (r *drainRetrier) Do(ctx context.Context, f func(context.Context) error) error {
	err := r.rt.Do(ctx, f)
	if err == nil && r.warned {
		r.q.logger.Info("disk queue: GreptimeDB takes queued records again")
	}
	return err
}

// keepTrying decides what the drainer does with a failed write. Only data
// that can never be written (bad data, too large) is dropped. Every other
// failure (GreptimeDB down, refusing the bridge's credentials or access,
// asking not to be retried at once) is retried for ever: the sender was
// already answered, so nobody else holds these rows.
func keepTrying(err error) error {
	switch c, _ := errs.Classify(err); c {
	case errs.Retryable, errs.BadData, errs.TooLarge:
		return err
	}
	return stillRetryable{err}
}

// stillRetryable hides an error's class (it has no Unwrap), so the retry
// loop retries it; its text is kept for the log.
type stillRetryable struct{ err error }

func (e stillRetryable) Error() string { return e.err.Error() }

// merge decodes the longest prefix of recs whose batches merge per table
// without a column type conflict into out, and returns its length; 0 when
// recs[0] does not decode.
func merge(out *translate.Output, recs [][]byte) int {
	out.Reset()
	if decodeRecord(recs[0], out) != nil {
		return 0
	}
	var one translate.Output
	for i, p := range recs[1:] {
		one.Reset()
		if decodeRecord(p, &one) != nil {
			return i + 1
		}
		for _, b := range one.Batches {
			if dst, ok := out.Lookup(b.Database, b.Table); ok && !compatible(dst, b) {
				return i + 1
			}
		}
		for _, b := range one.Batches {
			// Cannot fail: compatible checked every shared column.
			_ = out.Batch(b.Database, b.Table).AppendBatch(b)
		}
	}
	return len(recs)
}

// compatible reports whether src's columns can be appended to dst: every
// column both have is of the same data and semantic type.
func compatible(dst, src *table.Batch) bool {
	for _, c := range src.Columns() {
		if d := dst.Column(c.Name); d != nil && (d.Type != c.Type || d.Semantic != c.Semantic) {
			return false
		}
	}
	return true
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return errors.New("stopped")
	}
}

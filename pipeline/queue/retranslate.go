package queue

import (
	"context"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/translate"
)

// Retranslator translates a queued request's source again, against the
// tables as the bridge knows them now; the OTLP receiver implements it
// with the translation its requests go through. It fills out (reset by
// the caller) and must not keep src.Payload, which is the queue's buffer.
type Retranslator interface {
	Retranslate(ctx context.Context, src *translate.Source, out *translate.Output) error
}

// SetRetranslator sets who translates a record's source again; records
// are then written as they were queued. Call it before Start.
func (q *Queue) SetRetranslator(r Retranslator) { q.again = r }

// maxStaleRewrites bounds the translations of one record that GreptimeDB
// still refuses as stale. The first is the answer to the refusal of the
// queued batches; a second is needed only when the table changed again in
// between (another replica widening the same column), and a third refusal
// means translation cannot follow the table: on_write would answer that
// request 400 after its one retranslation (receivers/otlp process), so the
// record is dropped and counted as GreptimeDB's refusal of bad data is.
const maxStaleRewrites = 3

// stale reports whether err refuses batches translated for the table as it
// was: GreptimeDB's answer (pipeline.StaleSchema), or the pipeline's own
// check when it already learnt the table's new columns (from another
// record translated again, or from another replica's request).
func stale(err error) bool {
	return pipeline.StaleSchema(err) || pipeline.TranslatedForAnotherTable(err)
}

// settle finishes a record GreptimeDB refused with err: a record whose
// table changed behind the bridge (stale) and that kept its
// request is translated again and written; any other refusal for good is
// dropped and counted. It returns false when the shutdown deadline
// stopped it (the record stays queued).
func (q *Queue) settle(out *translate.Output, rec []byte, seq uint64, err error) bool {
	if err != nil && q.again != nil && stale(err) {
		// A record whose batches decoded has a source that parses.
		if src, _ := recordSource(rec); src != nil {
			err = q.rewrite(out, src, seq)
		}
	}
	return err == nil || q.refused(err, seq)
}

// rewrite translates src and writes the result with the drainer's retries.
// Each attempt translates once: the pipeline forgot the table when
// GreptimeDB refused it, so the translation reads the table afresh.
func (q *Queue) rewrite(out *translate.Output, src *translate.Source, seq uint64) error {
	refusals, lost := 0, 0
	err := q.retrier().Do(q.ctx, func(ctx context.Context) error {
		out.Reset()
		if err := q.again.Retranslate(ctx, src, out); err != nil {
			return keepTrying(err)
		}
		lost = 0
		for _, n := range out.Dropped {
			lost += n
		}
		err := q.next.Consume(ctx, out)
		if err != nil && stale(err) {
			if refusals++; refusals < maxStaleRewrites {
				return tableChanged{err}
			}
		}
		return keepTrying(err)
	})
	if err == nil {
		q.metrics.retranslated.Inc()
		q.logger.Info("disk queue: a queued record's table changed behind the bridge; its request was translated again and written",
			"seq", seq, "signal", src.Signal)
		if lost > 0 {
			// What the receiver would have reported to an on_write sender
			// as partial success (items the changed table cannot take).
			q.logger.Warn("disk queue: translated again, some items of a queued request do not fit its changed table and were not written",
				"seq", seq, "signal", src.Signal, "items", lost)
		}
	}
	return err
}

// tableChanged is a refusal for a table that changed, retried by
// translating again like stillRetryable; it is not GreptimeDB failing to
// take records, so the drainer's retry count and its "did not take" log
// leave it out (rewrite logs the change once it is written).
type tableChanged struct{ err error }

func (e tableChanged) Error() string { return e.err.Error() }

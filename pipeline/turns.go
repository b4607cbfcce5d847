package pipeline

import "time"

// Shallow flushes take turns. Under node-exporter-shaped load a request
// spreads two or three rows over each of a thousand tables, and part of a
// flush's cost is fixed per table (its schema and insert head, name
// checks, the schema cache's and the grouping's look-ups) or per write,
// so it falls with the rows each table carries per flush (issue #12).
// With every worker writing as soon as its previous write returned, four
// workers on a fast server flushed about five rows per table. A worker
// whose pending tables are shallow therefore waits while another worker's
// shallow write is in progress, coalescing what arrives meanwhile, and
// writes when that write returns: the workers' shallow writes go one after
// another rather than side by side on the same cores, each deeper.
// Deep flushes (the shape of most remote write, tens of rows per table
// per request) never wait, so throughput stays spread over every worker
// where batching already pays. BenchmarkConsumeNodeShaped compares the
// policies; bridge_table_batches_written_total shows the depth.

// shallowDepth is the mean rows per pending table below which a flush is
// shallow. A Prometheus request of 2,000 series over 100 metric names
// brings 20 rows per table and never waits; a node-exporter-shaped one
// (1,000 names) brings 2, so even eight coalesced requests (Prometheus's
// default shards) stay below it.
const shallowDepth = 16

// maxTurnWait bounds how long a shallow flush waits for the turn: a write
// that takes longer (a retry's backoff, a slow server) must not hold back
// every other worker, and it bounds the latency the wait adds to a
// request (issue #12 asks for a p99 of 50 ms at half the maximum load).
const maxTurnWait = 10 * time.Millisecond

// shallow reports whether the pending tables average fewer than
// shallowDepth rows.
func (w *worker) shallow() bool {
	return w.rows < shallowDepth*len(w.order)
}

// takeTurn waits, while the pending tables stay shallow, for the turn to
// write, adding what arrives meanwhile. It reports whether it holds the
// turn (to give back with giveTurn once the flush wrote) and false for
// open once the queue is closed.
func (w *worker) takeTurn() (held, open bool) {
	select {
	case w.p.turn <- struct{}{}:
		return true, true
	default:
	}
	if w.turnTimer == nil {
		w.turnTimer = time.NewTimer(maxTurnWait)
	} else {
		w.turnTimer.Reset(maxTurnWait)
	}
	defer w.turnTimer.Stop()
	for w.shallow() && !w.full() {
		select {
		case w.p.turn <- struct{}{}:
			w.p.stats.TurnWaits.Add(1)
			return true, true
		case items, ok := <-w.in:
			if !ok {
				return false, false
			}
			w.addAll(items)
		case <-w.turnTimer.C:
			w.p.stats.TurnWaits.Add(1)
			return false, true
		}
	}
	w.p.stats.TurnWaits.Add(1)
	return false, true
}

// giveTurn hands the turn back after a flush that held it.
func (w *worker) giveTurn(held bool) {
	if held {
		<-w.p.turn
	}
}

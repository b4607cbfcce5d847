package pipeline

import (
	"context"
	"errors"
	"sort"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

type item struct {
	b *table.Batch
	t *ticket
	f batchFacts
}

// part is one request's rows in a coalesced batch: rows lo to hi.
type part struct {
	t      *ticket
	lo, hi int
}

// pendingTable is one table's coalesced rows awaiting a flush, with the
// requests they came from. The first request's batch becomes the
// accumulator; later requests' batches of its layout are kept as they are
// in more and written after it in the same RowInsertRequest (the writer
// sends consecutive batches of one layout as one insert), so coalescing
// copies no row (issue #12: the copy was 8% of the bridge's CPU under
// node-exporter-shaped load). A batch of another layout is copied into
// the accumulator, after more (fold).
type pendingTable struct {
	key tableKey
	acc *table.Batch
	// accFacts are acc's facts, folded batches included.
	accFacts batchFacts
	more     []item
	// rows counts the rows of acc and more.
	rows int
	// next is the same table's pending batch with another hint set:
	// requests with different hints are not coalesced, since the hints
	// decide how GreptimeDB creates the table.
	next  *pendingTable
	parts []part
	bytes int
	// folded says that acc is from the pipeline's folds (fold).
	folded bool
	// detached is set when acc is no longer the worker's to release: a
	// bulk acknowledgement awaited in the background took it over, or it
	// was released right after its row insert succeeded.
	detached bool
}

type worker struct {
	p       *Pipeline
	in      chan []item
	pending map[tableKey]*pendingTable
	order   []*pendingTable
	rows    int
	bytes   int
	// oldest is when the oldest pending row arrived; a positive
	// FlushInterval bounds how long it waits for company.
	oldest time.Time
	// conformed is reused for bulk batches laid out in the known schema.
	conformed *table.Batch
	// free holds flushed pendingTables for reuse: a flush under
	// node-exporter-shaped load has a thousand of them.
	free []*pendingTable
	// linger is reused by waitForMore.
	linger *time.Timer
}

// workerQueue is how many requests' parts may wait for a worker; a sender
// past it blocks in Consume, which is the pipeline's back-pressure.
const workerQueue = 64

func newWorker(p *Pipeline) *worker {
	return &worker{p: p, in: make(chan []item, workerQueue), pending: map[tableKey]*pendingTable{}}
}

// run is the worker's group commit: it writes as soon as it has rows and
// its previous write has returned. Rows that arrive while a write is in
// progress queue up and go together in the next write, so batches grow
// with load and, when load is light, a request waits about one round trip
// instead of a fixed interval (a closed-loop sender's throughput is then
// bounded by GreptimeDB, not by configuration). A positive FlushInterval
// makes an idle worker linger that long for more rows before writing.
func (w *worker) run() {
	for {
		if len(w.order) == 0 {
			items, ok := <-w.in
			if !ok {
				return
			}
			w.addAll(items)
		}
		open := w.drain()
		if open && w.p.cfg.FlushInterval > 0 && len(w.order) > 0 {
			open = w.waitForMore(w.p.cfg.FlushInterval)
		}
		w.flush()
		if !open {
			return
		}
	}
}

func (w *worker) full() bool {
	return w.rows >= w.p.cfg.MaxBatchRows || w.bytes >= w.p.cfg.MaxBatchBytes
}

func (w *worker) addAll(items []item) {
	for _, it := range items {
		w.add(it)
	}
}

// drain takes what is already queued, without waiting, until the batch is
// full. It reports false once the queue is closed (shutdown).
func (w *worker) drain() bool {
	for !w.full() {
		select {
		case items, ok := <-w.in:
			if !ok {
				return false
			}
			w.addAll(items)
		default:
			return true
		}
	}
	return true
}

// waitForMore lingers until the oldest pending row has waited d or the
// batch is full. It reports false once the queue is closed.
func (w *worker) waitForMore(d time.Duration) bool {
	left := d - time.Since(w.oldest)
	if left <= 0 || w.full() {
		return true
	}
	if w.linger == nil {
		w.linger = time.NewTimer(left)
	} else {
		w.linger.Reset(left)
	}
	defer w.linger.Stop()
	for !w.full() {
		select {
		case items, ok := <-w.in:
			if !ok {
				return false
			}
			w.addAll(items)
		case <-w.linger.C:
			return true
		}
	}
	return true
}

func (w *worker) add(it item) {
	k := tableKey{it.b.Database, it.b.Table}
	if len(it.b.AlterSQL) > 0 {
		// A column changes type: write what is pending for the table in the
		// old type, run the statements, then take the batch in the new one.
		for pt := w.pending[k]; pt != nil; pt = w.pending[k] {
			w.flushOne(pt)
		}
		if err := w.runAlter(it.b); err != nil {
			w.done(it, err)
			return
		}
	}
	// A column GreptimeDB widened from BIGINT to DOUBLE after this request
	// was translated takes the new type; the batch's layout changes with
	// it, so its facts are taken again (a stale layout hash would let it
	// join batches of the old layout, and fail them all when folded).
	if it.f.ints && w.p.schemas.coerce(it.b) {
		it.f = factsOf(it.b)
	}
	n, rows := it.f.bytes, it.b.Rows()
	head := w.pending[k]
	pt := head
	for pt != nil && !pt.acc.Hints.Equal(it.b.Hints) {
		pt = pt.next
	}
	if pt == nil {
		// The request's batch becomes the table's accumulator.
		pt = w.newPending()
		pt.key, pt.acc, pt.accFacts, pt.next, pt.rows = k, it.b, it.f, head, rows
		pt.parts = append(pt.parts, part{t: it.t, lo: 0, hi: rows})
		if len(w.order) == 0 {
			w.oldest = time.Now()
		}
		w.pending[k] = pt
		w.order = append(w.order, pt)
	} else {
		lo := pt.rows
		if pt.accFacts.layout == it.f.layout && pt.acc.CreateSQL == it.b.CreateSQL {
			pt.more = append(pt.more, it)
		} else {
			// A type conflict between two requests for one table fails
			// only the later request.
			if err := pt.fold(w.p); err != nil {
				w.done(it, err)
				return
			}
			if err := pt.acc.AppendBatch(it.b); err != nil {
				w.done(it, errs.NewPermanent(err))
				return
			}
			// acc's layout may have changed.
			pt.accFacts = factsOf(pt.acc)
			w.p.release(it.b, it.f.bytes)
		}
		pt.rows += rows
		pt.parts = append(pt.parts, part{t: it.t, lo: lo, hi: lo + rows})
	}
	pt.bytes += n
	w.rows += rows
	w.bytes += n
}

// maxFreePending bounds the pendingTables a worker keeps for reuse.
const maxFreePending = 1 << 14

func (w *worker) newPending() *pendingTable {
	if n := len(w.free); n > 0 {
		pt := w.free[n-1]
		w.free[n-1] = nil
		w.free = w.free[:n-1]
		return pt
	}
	return &pendingTable{}
}

// dropPending keeps a flushed, recycled pendingTable for reuse.
func (w *worker) dropPending(pt *pendingTable) {
	clear(pt.more)
	clear(pt.parts)
	*pt = pendingTable{more: pt.more[:0], parts: pt.parts[:0]}
	if len(w.free) < maxFreePending {
		w.free = append(w.free, pt)
	}
}

// fold copies the batches kept in more into acc, in order, for the paths
// that need a table's rows in one batch (bulk, writing each request on its
// own); the parts' row ranges stay valid. It cannot fail on batches more
// took (they share acc's layout); an error is permanent.
func (pt *pendingTable) fold(p *Pipeline) error {
	if len(pt.more) > 0 && !pt.folded {
		// The rows are gathered in a batch kept for that, and acc, a
		// request's batch, goes back to the requests' pool: growing acc
		// itself left request batches holding a whole flush's capacity.
		t := p.folds.Get().(*table.Batch)
		t.Database, t.Table = pt.acc.Database, pt.acc.Table
		if err := t.AppendBatch(pt.acc); err != nil {
			p.releaseAcc(t, t.ByteSize(), true)
			return errs.NewPermanent(err)
		}
		p.release(pt.acc, pt.accFacts.bytes)
		pt.acc, pt.folded = t, true
	}
	for i, m := range pt.more {
		if err := pt.acc.AppendBatch(m.b); err != nil {
			return errs.NewPermanent(err)
		}
		pt.accFacts.bytes += m.f.bytes
		p.release(m.b, m.f.bytes)
		pt.more[i] = item{}
	}
	pt.more = pt.more[:0]
	return nil
}

// batches appends the table's batches, acc first.
func (pt *pendingTable) batches(to []*table.Batch) []*table.Batch {
	to = append(to, pt.acc)
	for _, m := range pt.more {
		to = append(to, m.b)
	}
	return to
}

// partBatch copies one request's rows out of a coalesced batch, for writing
// them on their own; the caller releases it.
func (p *Pipeline) partBatch(acc *table.Batch, pr part) (*table.Batch, error) {
	b := p.empty()
	b.Database, b.Table = acc.Database, acc.Table
	if err := b.AppendRows(acc, pr.lo, pr.hi); err != nil {
		p.release(b, b.ByteSize())
		return nil, err
	}
	return b, nil
}

// writePartsByRows writes each request's share of acc in its own row
// insert, so a bad request fails alone, and answers each request.
func (p *Pipeline) writePartsByRows(ctx context.Context, acc *table.Batch, parts []part) {
	for _, pr := range parts {
		b, err := p.partBatch(acc, pr)
		if err == nil {
			err = p.writeRowsRetry(ctx, b)
			if err == nil {
				p.schemas.accepted(b, 0)
				p.stats.RowsByInsert.Add(int64(b.Rows()))
				p.stats.TablesWritten.Add(1)
			}
			p.release(b, b.ByteSize())
		}
		if err != nil {
			p.staleOn(err, tableKey{acc.Database, acc.Table})
			p.stats.RowsFailed.Add(int64(pr.hi - pr.lo))
		}
		pr.t.resolve(err)
	}
}

// rowGroup is the pending tables of one row insert: one database and hint
// set.
type rowGroup struct {
	db     string
	hints  table.Hints
	tables []*pendingTable
}

// flush writes every pending table: deep ones by bulk, the rest in one row
// insert per (database, hint set).
func (w *worker) flush() {
	if len(w.order) == 0 {
		return
	}
	w.p.stats.Flushes.Add(1)
	// Group row-insert tables by database and hint set (hints are per
	// call); a flush holds few groups, so they are found by a scan.
	var groups []rowGroup
	for _, pt := range w.order {
		if w.routeBulk(pt) {
			w.writeBulk(pt)
			continue
		}
		gi := 0
		for gi < len(groups) && (groups[gi].db != pt.key.db || !groups[gi].hints.Equal(pt.acc.Hints)) {
			gi++
		}
		if gi == len(groups) {
			groups = append(groups, rowGroup{db: pt.key.db, hints: pt.acc.Hints})
		}
		groups[gi].tables = append(groups[gi].tables, pt)
	}
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].db != groups[j].db {
			return groups[i].db < groups[j].db
		}
		return groups[i].hints.Key() < groups[j].hints.Key()
	})
	for _, g := range groups {
		w.writeRows(g.tables)
	}
	for i, pt := range w.order {
		w.recycle(pt)
		delete(w.pending, pt.key)
		w.order[i] = nil
		w.dropPending(pt)
	}
	w.order = w.order[:0]
	w.rows, w.bytes = 0, 0
}

// flushOne writes one pending table now and forgets it.
func (w *worker) flushOne(pt *pendingTable) {
	if w.routeBulk(pt) {
		w.writeBulk(pt)
	} else {
		w.writeRows([]*pendingTable{pt})
	}
	// Unlink pt from its table's chain and from the order.
	if head := w.pending[pt.key]; head == pt {
		if pt.next == nil {
			delete(w.pending, pt.key)
		} else {
			w.pending[pt.key] = pt.next
		}
	} else {
		for q := head; q != nil; q = q.next {
			if q.next == pt {
				q.next = pt.next
				break
			}
		}
	}
	for i, q := range w.order {
		if q == pt {
			w.order = append(w.order[:i], w.order[i+1:]...)
			break
		}
	}
	w.rows -= pt.rows
	w.bytes -= pt.bytes
	w.recycle(pt)
	w.dropPending(pt)
}

// recycle returns a flushed table's batches to the pool unless a
// background bulk acknowledgement took them over.
func (w *worker) recycle(pt *pendingTable) {
	if pt.detached {
		return
	}
	w.p.releaseAcc(pt.acc, pt.accFacts.bytes, pt.folded)
	for i, m := range pt.more {
		w.p.release(m.b, m.f.bytes)
		pt.more[i] = item{}
	}
	pt.more = pt.more[:0]
}

// runAlter runs a batch's ALTER statements; they are idempotent, so one
// already applied (by this bridge or another replica) succeeds again.
func (w *worker) runAlter(b *table.Batch) error {
	p := w.p
	if p.ddl == nil {
		return errs.NewPermanent(errors.New("table " + b.Table + " needs a column type change and no DDL executor is configured"))
	}
	ctx, cancel := w.attemptCtx()
	defer cancel()
	for _, stmt := range b.AlterSQL {
		if err := p.retry(ctx, "alter table "+b.Table, func(ctx context.Context) error {
			return p.ddl.ExecDDL(ctx, b.Database, stmt)
		}); err != nil {
			return err
		}
		p.stats.DDL.Add(1)
	}
	p.schemas.widen(b)
	return nil
}

func (w *worker) routeBulk(pt *pendingTable) bool {
	p := w.p
	// GreptimeDB converts JSON text to JSONB only on the row path.
	if p.bulk == nil || p.cfg.Mode == ModeRows || pt.accFacts.json {
		return false
	}
	// The row count first: most tables of a flush are below the
	// threshold, and it costs no look-up.
	if p.cfg.Mode != ModeBulk && pt.rows < p.cfg.BulkThresholdRows {
		return false
	}
	// New tables and new columns go through a row insert first: only a
	// row insert creates or widens a table.
	return p.schemas.covers(pt.acc) && !p.schemas.rowsOnly(pt.key)
}

func (w *worker) attemptCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(w.p.ctx, w.p.cfg.WriteTimeout*time.Duration(max(w.p.cfg.Retry.MaxAttempts, 1)))
}

func (w *worker) writeRows(tables []*pendingTable) {
	p := w.p
	ctx, cancel := w.attemptCtx()
	defer cancel()
	for _, pt := range tables {
		if err := w.runDDL(ctx, pt.acc); err != nil {
			w.resolveTable(pt, err)
			pt.parts = nil
			continue
		}
		if p.ddl != nil {
			// The schema cache is the one memory of DDL that ran (or of a
			// table that exists): the writer must not run it again.
			pt.acc.CreateSQL = ""
			for _, m := range pt.more {
				m.b.CreateSQL = ""
			}
		}
	}
	batches := make([]*table.Batch, 0, len(tables))
	live := tables[:0:0]
	for _, pt := range tables {
		if pt.parts != nil {
			batches = pt.batches(batches)
			live = append(live, pt)
		}
	}
	if len(batches) == 0 {
		return
	}
	start := time.Now()
	err := p.writeRowsRetry(ctx, batches...)
	if err == nil {
		w.rowsWritten(live, start)
		return
	}
	if errs.IsRetryable(err) && len(live) > 1 {
		// GreptimeDB fails a row insert whole when the write of one of its
		// tables fails (operator/src/insert.rs awaits every region write),
		// so one table that keeps failing (a region being migrated, say)
		// would fail every table coalesced with it. Once the retries are
		// spent, each table is written once on its own: the others are
		// written, and only the failing table's requests get the error.
		// In an outage this costs one quick failed call per table.
		p.stats.Splits.Add(1)
		for _, pt := range live {
			w.writeAlone(ctx, pt)
		}
		return
	}
	for _, pt := range live {
		p.staleOn(err, pt.key)
	}
	if errs.IsRetryable(err) {
		w.resolveTable(live[0], err)
		return
	}
	// A permanent error on a coalesced insert: send each originating
	// request's rows on their own so every sender gets its own answer.
	p.stats.Splits.Add(1)
	for _, pt := range live {
		w.writeParts(ctx, pt)
	}
}

// writeParts writes each request's share of pt on its own.
func (w *worker) writeParts(ctx context.Context, pt *pendingTable) {
	if err := pt.fold(w.p); err != nil {
		w.resolveTable(pt, err)
		return
	}
	w.p.writePartsByRows(ctx, pt.acc, pt.parts)
}

// rowsWritten counts and answers tables a row insert wrote.
func (w *worker) rowsWritten(tables []*pendingTable, start time.Time) {
	p := w.p
	rows := 0
	for _, pt := range tables {
		rows += pt.rows
	}
	p.observe("insert", rows, start)
	p.stats.TablesWritten.Add(int64(len(tables)))
	for _, pt := range tables {
		// more shares acc's columns: acc stands for all.
		p.schemas.accepted(pt.acc, pt.accFacts.layout)
		p.stats.RowsByInsert.Add(int64(pt.rows))
		w.resolveTable(pt, nil)
		// Released here rather than in a later pass over the flush:
		// under node-exporter-shaped load a flush holds hundreds of
		// small tables and every pass over them misses the cache (issue
		// #12). Release touches only the batch's header and its list of
		// column pointers, and accepted reads the columns only for a
		// layout it does not know yet, so the next table's columns are
		// not fetched ahead as the encoder does: that read cost 9% of the
		// bridge's CPU under the node-exporter-shaped load (2.40 -> 2.18
		// us per sample without it, 4 alternating rounds) and nothing
		// measurable at rw-10k-8l.
		w.recycle(pt)
		pt.detached = true
	}
}

// writeAlone makes one attempt at a table's rows in a row insert of their
// own, after a coalesced insert that held them ran out of retries.
func (w *worker) writeAlone(ctx context.Context, pt *pendingTable) {
	p := w.p
	start := time.Now()
	actx, cancel := context.WithTimeout(ctx, p.cfg.WriteTimeout)
	_, err := p.rows.Write(actx, pt.batches(nil)...)
	cancel()
	switch {
	case err == nil:
		w.rowsWritten([]*pendingTable{pt}, start)
	case errs.IsRetryable(err):
		w.resolveTable(pt, err)
	default:
		w.writeParts(ctx, pt)
	}
}

func (p *Pipeline) writeRowsRetry(ctx context.Context, batches ...*table.Batch) error {
	return p.retry(ctx, "row insert", func(ctx context.Context) error {
		actx, cancel := context.WithTimeout(ctx, p.cfg.WriteTimeout)
		defer cancel()
		_, err := p.rows.Write(actx, batches...)
		return err
	})
}

func (w *worker) writeBulk(pt *pendingTable) {
	p := w.p
	if w.conformed == nil {
		w.conformed = table.New("", "")
	}
	// A bulk write sends one batch per table.
	if err := pt.fold(p); err != nil {
		w.resolveTable(pt, err)
		return
	}
	out, err := p.schemas.conform(pt.acc, w.conformed)
	if err != nil {
		w.resolveTable(pt, err)
		return
	}
	start := time.Now()
	// Sending is synchronous (the batch may be reused once it returns);
	// the acknowledgement is awaited in the background, so the worker goes
	// on coalescing while up to the stream's parallelism of batches are in
	// flight.
	sctx, scancel := context.WithTimeout(p.ctx, p.cfg.WriteTimeout)
	wait, err := p.bulk.WriteBulk(sctx, out)
	scancel()
	if err != nil {
		if p.bulkFailed(pt.key, err) {
			w.writeRows([]*pendingTable{pt})
			return
		}
		w.resolveTable(pt, err)
		return
	}
	// The acknowledgement is awaited in the background, which now owns
	// the accumulator: the rows may still have to go through row inserts.
	acc, parts, rows, size, key, folded := pt.acc, pt.parts, pt.acc.Rows(), pt.accFacts.bytes, pt.key, pt.folded
	pt.detached = true
	// The parts go with the goroutine; pt is reused after the flush.
	pt.parts = nil
	p.inflight.Add(1)
	go func() {
		defer p.inflight.Done()
		defer p.releaseAcc(acc, size, folded)
		ctx, cancel := context.WithTimeout(p.ctx, p.cfg.WriteTimeout)
		err := wait(ctx)
		cancel()
		if err == nil {
			p.stats.RowsByBulk.Add(int64(rows))
			p.stats.TablesWritten.Add(1)
			p.observe("bulk", rows, start)
			for _, pr := range parts {
				pr.t.resolve(nil)
			}
			return
		}
		if !p.bulkFailed(key, err) {
			p.stats.RowsFailed.Add(int64(rows))
			for _, pr := range parts {
				pr.t.resolve(err)
			}
			return
		}
		// The rows go through row inserts, request by request, so a bad
		// request fails alone; retried there with backoff.
		rctx, rcancel := context.WithTimeout(p.ctx, p.cfg.WriteTimeout*time.Duration(max(p.cfg.Retry.MaxAttempts, 1)))
		defer rcancel()
		p.writePartsByRows(rctx, acc, parts)
	}()
}

// bulkFailed classifies a bulk failure and reports whether the rows should
// go through row inserts instead: a server that cannot take bulk writes
// (GreptimeDB before v1.0; the table stays on row inserts, logged once), a
// table or column that vanished (the cache forgets it, and the row insert
// recreates or widens it), and any other failure except an unknown
// database, which no path can write.
func (p *Pipeline) bulkFailed(k tableKey, err error) bool {
	var se *writer.ServerError
	isSE := errors.As(err, &se)
	switch {
	case isSE && (se.Code == codes.Unimplemented || se.Status == writer.StatusUnsupported):
		if p.schemas.setRowsOnly(k) {
			p.log.Warn("GreptimeDB refused a bulk write; the table falls back to row inserts", "database", k.db, "table", k.table, "error", err)
		}
		return true
	case isSE && se.HasStatus && (se.Status == writer.StatusTableNotFound || se.Status == writer.StatusTableColumnNotFound):
		p.schemas.forget(k)
		return true
	case isSE && se.HasStatus && se.Status == writer.StatusDatabaseNotFound:
		return false
	case errors.Is(err, context.Canceled):
		return false
	}
	return true
}

// staleOn forgets what the cache knows about table k when err says it is
// out of date, so the table is read from GreptimeDB again.
func (p *Pipeline) staleOn(err error, k tableKey) {
	if schemaAnswer(err) {
		p.schemas.forget(k)
	}
}

// runDDL executes a table's CREATE statement once, before its first insert.
// "Already exists" answers count as success: another replica got there first.
func (w *worker) runDDL(ctx context.Context, b *table.Batch) error {
	p := w.p
	k := tableKey{b.Database, b.Table}
	if b.CreateSQL == "" || p.ddl == nil || p.schemas.ddlDone(k) {
		return nil
	}
	err := p.retry(ctx, "create table "+b.Table, func(ctx context.Context) error {
		return p.ddl.ExecDDL(ctx, b.Database, b.CreateSQL)
	})
	var se *writer.ServerError
	if err != nil && errors.As(err, &se) && se.HasStatus &&
		(se.Status == writer.StatusTableAlreadyExists || se.Status == writer.StatusTableColumnExists) {
		err = nil
	}
	if err != nil {
		return err
	}
	p.stats.DDL.Add(1)
	p.schemas.markDDL(k)
	return nil
}

// done resolves one request's part and returns the pipeline's copy.
func (w *worker) done(it item, err error) {
	it.t.resolve(err)
	w.p.release(it.b, it.f.bytes)
}

func (w *worker) resolveTable(pt *pendingTable, err error) {
	if err != nil {
		w.p.stats.RowsFailed.Add(int64(pt.rows))
	}
	for _, pr := range pt.parts {
		pr.t.resolve(err)
	}
}

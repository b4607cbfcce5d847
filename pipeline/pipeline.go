package pipeline

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sync"
	"time"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// RowWriter writes batches of one or many tables in one row insert; the
// writer package's Client implements it.
type RowWriter interface {
	Write(ctx context.Context, batches ...*table.Batch) (uint32, error)
}

// DDLExecutor runs a CREATE statement in a database.
type DDLExecutor interface {
	ExecDDL(ctx context.Context, database, sql string) error
}

// BulkWriter sends one batch through the table's bulk stream. It returns
// once the batch is sent (b may then be reused) with a function that waits
// for GreptimeDB's acknowledgement.
type BulkWriter interface {
	WriteBulk(ctx context.Context, b *table.Batch) (wait func(context.Context) error, err error)
}

// Config configures a Pipeline.
type Config struct {
	// Workers is the number of table workers; a table always stays on
	// one worker so its rows keep their order.
	Workers int
	// FlushInterval is how long an idle worker lingers for more rows
	// before it writes; 0 (the default) writes at once. Rows that arrive
	// while a write is in progress always go together in the next write
	// (group commit), and MaxBatchRows or MaxBatchBytes cut a batch early.
	// Negative means 0.
	FlushInterval time.Duration
	MaxBatchRows  int
	MaxBatchBytes int
	// Mode picks the write path: ModeAuto (the default) routes by
	// BulkThresholdRows, ModeRows and ModeBulk force one.
	Mode Mode
	// BulkThresholdRows routes a flushed table batch of at least this many
	// rows through bulk (auto mode).
	BulkThresholdRows int
	Retry             RetryConfig
	// WriteTimeout bounds one write attempt.
	WriteTimeout time.Duration
	// Observe, when set, is called after every successful write with the
	// path ("insert" or "bulk"), the rows written and how long the write
	// took (retries included); the bridge feeds its metrics from it.
	Observe func(path string, rows int, took time.Duration)
}

// Mode is how tables are routed between row inserts and bulk streams.
type Mode int

// The routing modes.
const (
	// ModeAuto sends a table's flush by bulk from BulkThresholdRows rows,
	// once a row insert has created or widened the table.
	ModeAuto Mode = iota
	// ModeRows writes everything through row inserts.
	ModeRows
	// ModeBulk sends every table by bulk once a row insert created it.
	ModeBulk
)

// DefaultConfig returns the defaults config.Default gives the bridge (a
// test holds the two equal).
func DefaultConfig() Config {
	return Config{
		Workers: 4,
		// Group commit: no lingering. A closed-loop sender's request then
		// waits about one write round trip (plus the write in progress),
		// where a 200 ms interval capped 8 Prometheus shards of 2,000
		// samples at 8 × 2,000 / 0.2 s = 80k samples/s on any hardware.
		FlushInterval:     0,
		MaxBatchRows:      50_000,
		MaxBatchBytes:     32 << 20,
		Mode:              ModeAuto,
		BulkThresholdRows: 1000,
		Retry:             RetryConfig{MaxAttempts: 5, InitialBackoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second},
		WriteTimeout:      30 * time.Second,
	}
}

// ErrShuttingDown is returned to requests arriving after Shutdown began.
var ErrShuttingDown = errors.New("bridge is shutting down")

// Pipeline coalesces translated batches per table and writes them, answering
// each Consume only after GreptimeDB acknowledged all of its rows.
type Pipeline struct {
	cfg     Config
	rows    RowWriter
	ddl     DDLExecutor
	bulk    BulkWriter
	log     *slog.Logger
	schemas *schemaCache
	workers []*worker
	seed    maphash.Seed
	stats   Stats

	mu      sync.RWMutex
	closing bool
	// closed is closed when Shutdown begins, waking senders blocked on a
	// full worker queue so Shutdown never waits behind them.
	closed chan struct{}
	// clones holds released batches, reset: request outputs take their
	// tables' batches from it (empty), and so do the batches a coalesced
	// table is split into (partBatch).
	clones sync.Pool
	// folds holds the batches fold gathers a table's coalesced rows in,
	// apart from clones: released into clones, their capacity (often
	// megabytes) went to whichever request took them next, until every
	// pooled batch was that large; under otlp-sum load the coalesced
	// batches were 79% of the heap in use (issue #12).
	folds sync.Pool
	wg    sync.WaitGroup
	// inflight counts bulk batches sent and not yet answered.
	inflight sync.WaitGroup
	ctx      context.Context
	cancel   context.CancelFunc
}

// New starts a pipeline. bulk and ddl may be nil (rows only; no DDL).
func New(cfg Config, rows RowWriter, ddl DDLExecutor, bulk BulkWriter, log *slog.Logger) *Pipeline {
	d := DefaultConfig()
	if cfg.Workers <= 0 {
		cfg.Workers = d.Workers
	}
	if cfg.FlushInterval < 0 {
		cfg.FlushInterval = 0
	}
	if cfg.MaxBatchRows <= 0 {
		cfg.MaxBatchRows = d.MaxBatchRows
	}
	if cfg.MaxBatchBytes <= 0 {
		cfg.MaxBatchBytes = d.MaxBatchBytes
	}
	if cfg.BulkThresholdRows <= 0 {
		cfg.BulkThresholdRows = d.BulkThresholdRows
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = d.WriteTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pipeline{
		cfg: cfg, rows: rows, ddl: ddl, bulk: bulk, log: log, schemas: newSchemaCache(),
		seed: maphash.MakeSeed(), ctx: ctx, cancel: cancel, closed: make(chan struct{}),
	}
	p.clones.New = func() any { return table.New("", "") }
	p.folds.New = func() any { return table.New("", "") }
	for i := 0; i < cfg.Workers; i++ {
		w := newWorker(p)
		p.workers = append(p.workers, w)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			w.run()
		}()
	}
	return p
}

// Consume validates out's batches, takes them over, hands them to their
// tables' workers and waits until GreptimeDB acknowledged every row or a
// part failed. A batch that can never be written fails the call with a
// permanent error before anything is taken. The pipeline owns what it
// queues: it takes each batch out of out (translate.Output.Take), so the
// caller may reset and reuse out as soon as Consume returns, even when its
// context ended while the rows are still being written, and no row is
// copied on the way. out must be Reset before it is used again. Consume
// sets out.Empty, if unset, to the pipeline's pool of released batches:
// from then on out's tables get their batches from there.
func (p *Pipeline) Consume(ctx context.Context, out *translate.Output) (err error) {
	type taken struct {
		i, w int
		f    batchFacts
	}
	parts := make([]taken, 0, len(out.Batches))
	// One pass per batch over its values, while they are in cache, with
	// no lock held: the batches are the caller's alone. RequestBytes
	// usually made it already (measured).
	m, _ := out.Measured.(*measured)
	for i, b := range out.Batches {
		if b.Rows() == 0 {
			continue
		}
		f, err := m.of(i, b)
		if err != nil {
			return errs.NewPermanent(err)
		}
		parts = append(parts, taken{i: i, w: p.workerFor(b), f: f})
	}
	if len(parts) == 0 {
		return nil
	}
	// Then the schema cache, its lock taken once for the request rather
	// than per table (a node-exporter-shaped request is a thousand tables;
	// issue #12), and held over map look-ups and column headers only: a
	// worker recording what a write created waits for it.
	p.schemas.mu.RLock()
	for _, pt := range parts {
		if err := p.schemas.checkLocked(out.Batches[pt.i], pt.f.layout); err != nil {
			p.schemas.mu.RUnlock()
			return err
		}
	}
	p.schemas.mu.RUnlock()
	p.mu.RLock()
	if p.closing {
		p.mu.RUnlock()
		return ErrShuttingDown
	}
	t := newTicket(len(parts))
	// One hand-off per worker rather than per table: a Prometheus request
	// spreads over a hundred to a thousand metric tables. The workers'
	// shares are cut from one array.
	envs := make([][]item, len(p.workers))
	counts := make([]int, len(p.workers))
	for _, pt := range parts {
		counts[pt.w]++
	}
	all := make([]item, len(parts))
	for wi, n := range counts {
		envs[wi], all = all[:0:n], all[n:]
	}
	// The output's next request gets its tables' batches from the pool
	// that written ones return to (translate.Output.Take).
	if out.Empty == nil {
		out.Empty = p.empty
	}
	for _, pt := range parts {
		b := out.Take(pt.i)
		envs[pt.w] = append(envs[pt.w], item{b: b, t: t, f: pt.f})
	}
	for wi, env := range envs {
		if len(env) == 0 {
			continue
		}
		if err == nil {
			select {
			case p.workers[wi].in <- env:
				continue
			case <-ctx.Done():
				err = ctx.Err()
			case <-p.closed:
				err = ErrShuttingDown
			}
		}
		// Parts not handed over are resolved here so the ticket can still
		// complete for the parts that were.
		for _, it := range env {
			p.release(it.b, it.f.bytes)
			t.resolve(err)
		}
	}
	p.mu.RUnlock()
	p.stats.requests.Add(1)
	return t.wait(ctx)
}

// empty is translate.Output.Empty for the outputs Consume takes from: a
// released batch, reset, or a new one.
func (p *Pipeline) empty() *table.Batch { return p.clones.Get().(*table.Batch) }

// release returns a queued batch to the pool once its part is resolved;
// size is its ByteSize, known to the caller (another pass over the
// columns, long cold by then, would cost more than the rest of release).
func (p *Pipeline) release(b *table.Batch, size int) {
	if size > maxPooledBatchBytes {
		return // do not keep large buffers around
	}
	b.Reset(false)
	p.clones.Put(b)
}

// releaseAcc is release for a table's accumulator, which returns to folds
// when fold took it from there.
func (p *Pipeline) releaseAcc(b *table.Batch, size int, folded bool) {
	if !folded {
		p.release(b, size)
		return
	}
	if size > maxPooledBatchBytes {
		return
	}
	b.Reset(false)
	p.folds.Put(b)
}

// maxPooledBatchBytes bounds the values a pooled batch may have held: a
// Prometheus table batch holds kilobytes, and one past 4 MiB (a bulk
// table's coalesced rows) is left to the garbage collector rather than
// kept idle.
const maxPooledBatchBytes = 4 << 20

func (p *Pipeline) workerFor(b *table.Batch) int {
	var h maphash.Hash
	h.SetSeed(p.seed)
	h.WriteString(b.Database)
	h.WriteByte(0)
	h.WriteString(b.Table)
	return int(h.Sum64() % uint64(len(p.workers)))
}

// Shutdown stops accepting requests, flushes every table, and waits for the
// workers until ctx ends; then it cancels outstanding writes and reports
// how many rows could not be written.
func (p *Pipeline) Shutdown(ctx context.Context) error {
	select {
	case <-p.closed:
		return nil
	default:
	}
	close(p.closed)
	// Writes in progress stop when the deadline passes, even before the
	// workers are told to stop.
	stopWatch := make(chan struct{})
	defer close(stopWatch)
	go func() {
		select {
		case <-ctx.Done():
			p.cancel()
		case <-stopWatch:
		}
	}()
	p.mu.Lock()
	p.closing = true
	for _, w := range p.workers {
		close(w.in)
	}
	p.mu.Unlock()
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		p.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
		p.cancel()
		return nil
	case <-ctx.Done():
		p.cancel()
		<-done
		lost := p.stats.RowsFailed.Load()
		return fmt.Errorf("shutdown deadline passed before every table was flushed (%d rows failed in total): %w", lost, ctx.Err())
	}
}

func (p *Pipeline) observe(path string, rows int, start time.Time) {
	if p.cfg.Observe != nil {
		p.cfg.Observe(path, rows, time.Since(start))
	}
}

// Schemas returns what GreptimeDB is known to hold per table, for
// translations that depend on an existing table.
func (p *Pipeline) Schemas() translate.SchemaLookup { return p.schemas }

// Tables returns the number of tables the pipeline knows.
func (p *Pipeline) Tables() int { return p.schemas.size() }

// Stats returns the pipeline's counters.
func (p *Pipeline) Stats() *Stats { return &p.stats }

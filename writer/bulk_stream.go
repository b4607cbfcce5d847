package writer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// BulkStreamWriter writes batches of one table over one Arrow Flight DoPut
// stream (greptimedb-protocol.md §3.1): the schema message with descriptor
// PATH [table] and app_metadata {"request_id":0}, the server's id-0
// acknowledgement, then one record batch per write with app_metadata
// {"request_id":N} (N = 1, 2, …) and one response per batch, matched by id.
//
// It is safe for concurrent use; writes are sent in call order. A stream
// that fails, or ends with requests still pending, fails every pending id
// with a StreamEndedError; the writer is then unusable and a new one must be
// opened (it will use the client's next endpoint if this one was
// unavailable). Call Finish, or Close to abandon the stream: until then (or
// until the context given to StreamWriter ends) a goroutine reads responses.
type BulkStreamWriter struct {
	bi      *BulkInserter
	table   string
	connIdx int
	opts    bulkOptions
	conv    *arrowConverter

	cancel context.CancelFunc
	stream flight.FlightService_DoPutClient
	fw     *flight.Writer
	gate   *ackGate

	slots    chan struct{} // one token per batch in flight
	ack      chan struct{} // closed on the id-0 acknowledgement
	recvDone chan struct{} // closed when the response stream has ended

	sendMu  sync.Mutex // serialises conversion, id allocation and Send
	nextID  int64
	started bool // the schema message went out

	mu   sync.Mutex
	reqs map[int64]*bulkRequest // pending, or finished and not yet retrieved
	bookkeeping
}

// bulkRequest is one written batch awaiting, or holding, its outcome.
type bulkRequest struct {
	id   int64
	sent time.Time
	done chan struct{} // closed once resp or err is set
	resp BulkResponse
	err  error
}

// schemaAppMetadata is what the Rust ingester puts on the schema message;
// GreptimeDB ignores it, and the acknowledgement it sends back has id 0.
var schemaAppMetadata = []byte(`{"request_id":0}`)

// openBulkStream opens the DoPut call on the active endpoint, moving on to
// the next one (at most once per endpoint) when it is unavailable.
func openBulkStream(ctx context.Context, bi *BulkInserter, conv *arrowConverter, o bulkOptions) (*BulkStreamWriter, error) {
	var (
		stream flight.FlightService_DoPutClient
		cancel context.CancelFunc
		idx    int
		err    error
	)
	for range max(len(bi.c.cfg.Endpoints), 1) {
		stream, cancel, idx, err = bi.doPut(ctx)
		if err == nil || !bulkUnavailable(err) {
			break
		}
		bi.c.failover(idx)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot open bulk stream for table %q: %w", conv.table, err)
	}
	w := &BulkStreamWriter{
		bi: bi, table: conv.table, connIdx: idx, opts: o, conv: conv,
		cancel: cancel, stream: stream,
		slots: make(chan struct{}, o.parallelism), ack: make(chan struct{}), recvDone: make(chan struct{}),
		reqs: make(map[int64]*bulkRequest),
	}
	w.gate = &ackGate{w: w, inner: stream}
	w.fw = flight.NewRecordWriter(w.gate, append(o.ipcOptions(), ipc.WithSchema(conv.Schema()))...)
	go w.receive()
	return w, nil
}

// doPut starts one DoPut call on the active endpoint; the returned cancel
// ends it.
func (bi *BulkInserter) doPut(ctx context.Context) (flight.FlightService_DoPutClient, context.CancelFunc, int, error) {
	conn, idx := bi.c.conn()
	sctx, cancel := context.WithCancel(bi.outgoingMetadata(ctx))
	stream, err := flight.NewFlightServiceClient(conn).DoPut(sctx, bi.c.codec.callOption())
	if err != nil {
		cancel()
		return nil, nil, idx, NewServerError(err, nil)
	}
	return stream, cancel, idx, nil
}

// Table returns the table the stream writes to.
func (w *BulkStreamWriter) Table() string { return w.table }

// Parallelism returns the effective in-flight limit after clamping.
func (w *BulkStreamWriter) Parallelism() int { return cap(w.slots) }

// InFlight returns how many batches are sent and not yet answered (or
// failed): at most Parallelism.
func (w *BulkStreamWriter) InFlight() int { return len(w.slots) }

// WriteRows writes b and waits for its acknowledgement.
func (w *BulkStreamWriter) WriteRows(ctx context.Context, b *table.Batch) (BulkResponse, error) {
	id, err := w.WriteAsync(ctx, b)
	if err != nil {
		return BulkResponse{}, err
	}
	return w.Wait(ctx, id)
}

// WriteAsync sends b and returns its request id without waiting for the
// acknowledgement; collect it with Wait, WaitAll, Collect or Finish. It
// blocks while the parallelism limit is reached. b is encoded and sent
// before WriteAsync returns, so the caller may reuse or Reset b afterwards.
//
// Before sending it refuses (InvalidInputError) a batch that fails
// table.Batch.Validate, names another table or database, or whose columns
// differ from the stream's schema (same names, types, semantic types and
// decimal precision/scale; the order may differ, columns are matched by
// name as GreptimeDB matches them).
func (w *BulkStreamWriter) WriteAsync(ctx context.Context, b *table.Batch) (int64, error) {
	if err := w.checkBatch(b); err != nil {
		return 0, err
	}
	if err := w.acquire(ctx); err != nil {
		return 0, err
	}
	w.sendMu.Lock()
	defer w.sendMu.Unlock()
	rec, err := w.conv.convert(b)
	if err != nil {
		<-w.slots
		return 0, err
	}
	defer rec.Release()
	req, err := w.register()
	if err != nil {
		<-w.slots
		return 0, err
	}

	if !w.started {
		w.fw.SetFlightDescriptor(&flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: []string{w.table}})
		w.started = true
	}
	meta := strconv.AppendInt(append(make([]byte, 0, 32), `{"request_id":`...), req.id, 10)
	meta = append(meta, '}')
	w.gate.ctx = ctx
	err = w.fw.WriteWithAppMetadata(rec, meta)
	w.gate.ctx = nil
	if err != nil {
		return req.id, w.sendFailed(ctx, req, err)
	}
	return req.id, nil
}

// checkBatch applies the client-side checks that need no stream state.
func (w *BulkStreamWriter) checkBatch(b *table.Batch) error {
	if b == nil {
		return &InvalidInputError{Table: w.table, Reason: "nil batch"}
	}
	if b.Table != "" && b.Table != w.table {
		return &InvalidInputError{Table: w.table, Reason: fmt.Sprintf("batch is for table %q, the stream writes %q", b.Table, w.table)}
	}
	if b.Database != "" && b.Database != w.bi.database {
		return &InvalidInputError{Table: w.table, Reason: fmt.Sprintf("batch is for database %q, the stream writes %q", b.Database, w.bi.database)}
	}
	if err := b.Validate(); err != nil {
		return &InvalidInputError{Table: w.table, Reason: err.Error()}
	}
	return nil
}

// acquire takes an in-flight slot, waiting while the parallelism limit is
// reached: for ctx, for the stream to end, or for the request timeout.
func (w *BulkStreamWriter) acquire(ctx context.Context) error {
	select {
	case w.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(w.opts.timeout)
	defer t.Stop()
	select {
	case w.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-w.recvDone:
		return w.usable()
	case <-t.C:
		w.mu.Lock()
		ids := w.pendingIDs()
		w.mu.Unlock()
		return &TimeoutError{Table: w.table, IDs: ids}
	}
}

// register allocates the next id and records it as pending, unless the
// stream can take no more batches. Checking and recording under one lock
// matters: streamEnded fails every pending id under that lock, so an id is
// either failed by it or refused here, never left pending forever.
// Called with sendMu held.
func (w *BulkStreamWriter) register() (*bulkRequest, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.unusableLocked(); err != nil {
		return nil, err
	}
	w.nextID++
	if w.nextID <= 0 { // wrapped: 0 is the acknowledgement's id
		w.nextID = 1
	}
	req := &bulkRequest{id: w.nextID, sent: time.Now(), done: make(chan struct{})}
	w.reqs[req.id] = req
	w.pendingAdd(req.id)
	return req, nil
}

// usable returns why no more batches can be written, or nil.
func (w *BulkStreamWriter) usable() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.unusableLocked()
}

func (w *BulkStreamWriter) unusableLocked() error {
	switch {
	case w.ended:
		return &StreamEndedError{Table: w.table, Acked: w.ackedIDs(), Cause: w.endCause}
	case w.finishing:
		return fmt.Errorf("bulk stream for table %q is finished", w.table)
	}
	return nil
}

// sendFailed handles a failed Send. io.EOF means the server ended the
// stream: the real error is read from the response stream, which also fails
// req and every other pending id. Any other error ends the stream here.
func (w *BulkStreamWriter) sendFailed(ctx context.Context, req *bulkRequest, err error) error {
	if !errors.Is(err, io.EOF) {
		w.abort(fmt.Errorf("cannot send batch %d to table %q: %w", req.id, w.table, err))
	}
	select {
	case <-req.done:
	case <-ctx.Done():
		w.abort(ctx.Err())
		<-req.done
	}
	w.mu.Lock()
	delete(w.reqs, req.id)
	w.mu.Unlock()
	return req.err
}

// abort ends the stream with cause: every pending id fails with it.
func (w *BulkStreamWriter) abort(cause error) {
	w.mu.Lock()
	if w.abortCause == nil {
		w.abortCause = cause
	}
	w.mu.Unlock()
	w.cancel()
}

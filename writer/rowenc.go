package writer

import (
	"fmt"
	"slices"
	"sync"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/greptime-bridge/greptime-bridge/writer/internal/bufpool"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// This file is the one place where table batches become a row insert on
// the wire: a GreptimeRequest{header, row_inserts} written straight from
// the batches' columns into protobuf bytes, without building greptime-proto
// messages. Building one Value message per cell and marshalling it with
// protobuf-go's reflective coder was half the bridge's CPU under
// Prometheus-shaped load (issue #12). On a flush of 100 tables × 20 rows
// with 8 string tags, BenchmarkEncodeRowInserts measured about 3,000 ns of
// CPU and 185 bytes allocated per row that way, and about 370 ns and one
// allocation per flush here (medians of 6 runs on a shared 2-core machine). The bytes equal protobuf-go's deterministic marshalling of the
// message the old builder made (rowenc_test.go, FuzzRowEncoder), fields in
// ascending number and map entries sorted by key.
//
// Each batch is visited once: its rows are sized and written while its
// columns are in cache, into the encoder's scratch body, one insert after
// another; the short heads of the inserts, whose lengths are known only
// once their rows are written, are kept apart. The request is then
// assembled in a buffer of exactly its size with one copy of the body.
// Sizing every batch first and writing in a second pass read each column
// twice, and under node-exporter-shaped load (a thousand tables of a few
// rows per flush) the columns are cold again by the second pass; the copy
// costs less than the second visit (issue #12).

// rowEncoder holds the scratch space of one encoding; it is reused through
// encoderPool.
type rowEncoder struct {
	// touched keeps what Prefetch read, so the reads are not optimised away.
	touched int
	rowLens []int // size of each Row message of the batch being written
	pos     []int // where each row of the batch is being written
	body    []byte
	heads   []byte
	spans   []insertSpan
	cols    []colEnc
	keys    []string // map keys being sorted
	// pool supplies request buffers; nil means bufpool.Default. Tests
	// set their own.
	pool mem.BufferPool
}

// insertSpan is where one RowInsertRequest's head and body end in the
// encoder's heads and body.
type insertSpan struct{ head, body int }

// runEnd returns the end of the run of batches from i that share one
// layout (table.Batch.SameLayout): they are written as one
// RowInsertRequest, one schema and every batch's rows, which is what
// GreptimeDB would get had they been one batch. The pipeline hands a
// table's coalesced requests over this way rather than copying them into
// one batch (issue #12: that copy was 8% of the bridge's CPU under
// node-exporter-shaped load).
//
// same, when not nil, says which batches share the layout of the batch
// before them (Write's grouping found it while validating); nil, the
// layouts are compared here.
func runEnd(batches []*table.Batch, same []bool, i int) int {
	j := i + 1
	if same != nil {
		for j < len(batches) && same[j] {
			j++
		}
		return j
	}
	for j < len(batches) && batches[i].SameLayout(batches[j]) {
		j++
	}
	return j
}

// prepare fills e.cols with b's columns.
func (e *rowEncoder) prepare(b *table.Batch) {
	e.cols = append(e.cols[:0], make([]colEnc, b.NumColumns())...)
	for j, c := range b.Columns() {
		e.cols[j].set(c)
	}
}

// appendInserts writes every RowInsertRequest's schema and rows to e.body
// and its head to e.heads; same is runEnd's. With check, the batches have
// not been validated (groupBy) and each is validated here, just before its
// rows are written, so its columns are read from memory once rather than
// once for validation and again, cold, for encoding (issue #12); a run is
// then the batches validateBatchAfter finds laid out like its first.
func (e *rowEncoder) appendInserts(batches []*table.Batch, same []bool, check bool) error {
	e.body, e.heads, e.spans = e.body[:0], e.heads[:0], e.spans[:0]
	// validated is the batch a run's end already checked in full.
	validated := -1
	for i := 0; i < len(batches); {
		first := batches[i]
		if check && validated != i {
			if _, err := validateBatchAfter(first, nil); err != nil {
				return err
			}
		}
		start := len(e.body)
		for _, c := range first.Columns() {
			e.body = appendColumnSchema(e.body, c, &e.keys)
		}
		end := i + 1
		if !check {
			end = runEnd(batches, same, i)
		}
		for j := i; j < len(batches) && (check || j < end); j++ {
			bt := batches[j]
			if j+1 < len(batches) {
				// Its memory is fetched while this one is worked on (Prefetch).
				e.touched += batches[j+1].Prefetch()
			}
			if check && j > i {
				known, err := validateBatchAfter(bt, first)
				if err != nil {
					return err
				}
				if !known {
					validated = j
					break
				}
				end = j + 1
			}
			var ok bool
			if e.body, ok = e.appendRows(e.body, bt); !ok {
				return fmt.Errorf("writer: rows of table %q did not encode to the size measured", bt.Table)
			}
		}
		rows := len(e.body) - start
		e.heads = appendLen(e.heads, tagInsert, sizeStringField(first.Table)+sizeBytesField(rows))
		e.heads = appendStringField(e.heads, tagInsertTable, first.Table)
		e.heads = appendLen(e.heads, tagInsertRows, rows)
		e.spans = append(e.spans, insertSpan{head: len(e.heads), body: len(e.body)})
		i = end
	}
	return nil
}

// appendRows sizes bt's Row messages and writes them to b; it reports
// false on a sizing mistake.
func (e *rowEncoder) appendRows(b []byte, bt *table.Batch) ([]byte, bool) {
	e.rowLens = append(e.rowLens[:0], make([]int, bt.Rows())...)
	e.prepare(bt)
	for j := range e.cols {
		e.cols[j].addSizes(e.rowLens)
	}
	total := 0
	for _, n := range e.rowLens {
		total += sizeBytesField(n)
	}
	if cap(b)-len(b) < total {
		// Doubled rather than grown by append's quarter for large
		// slices: a flush's body is built in a thousand small steps.
		b = slices.Grow(b, max(total, cap(b)))
	}
	// Lay out the rows' heads, then fill their bodies column by column.
	e.pos = e.pos[:0]
	start := len(b)
	for _, n := range e.rowLens {
		b = appendLen(b, tagRowsRow, n)
		if len(b)+n > cap(b) {
			return b, false // sized short: refuse rather than write past the buffer
		}
		e.pos = append(e.pos, len(b))
		b = b[:len(b)+n]
	}
	for j := range e.cols {
		e.cols[j].writeCells(b, e.pos)
	}
	// Every row must end where it was sized to: a mistake would shift the
	// next row's values under its length prefix.
	for r, p := range e.pos {
		start += 1 + sizeVarint(e.rowLens[r]) + e.rowLens[r]
		if p != start {
			return b, false
		}
	}
	return b, true
}

func sizeVarint(n int) int { return protowire.SizeVarint(uint64(n)) }

// encode returns the request carrying batches (validated by the caller)
// under header h, in a buffer from the encoder's pool (bufpool.Default
// unless a test sets another; gRPC frees it back there once it has sent
// it: encodedRequest).
func (e *rowEncoder) encode(h *gpb.RequestHeader, batches []*table.Batch) (*encodedRequest, error) {
	return e.encodeRuns(h, batches, nil, false)
}

// encodeRuns is encode with same[i] telling whether batches[i] has the
// layout of batches[i-1] (nil: compared here); with check, batches have
// not been validated and are validated as they are written (an invalid
// one fails the encoding: nothing is sent).
func (e *rowEncoder) encodeRuns(h *gpb.RequestHeader, batches []*table.Batch, same []bool, check bool) (*encodedRequest, error) {
	if err := checkHeaderUTF8(h); err != nil {
		return nil, err
	}
	if err := e.appendInserts(batches, same, check); err != nil {
		return nil, err
	}
	// The header and the row_inserts oneof member are always written, even
	// when empty.
	inserts := len(e.heads) + len(e.body)
	n := sizeBytesField(headerSize(h)) + sizeBytesField(inserts)
	pool := e.pool
	if pool == nil {
		pool = bufpool.Default
	}
	var p *[]byte
	if mem.IsBelowBufferPoolingThreshold(n) {
		// gRPC does not pool buffers of 1 KiB or less (mem.NewBuffer
		// makes them plain slices), so neither does the encoder.
		s := make([]byte, n)
		p, pool = &s, nil
	} else {
		p = pool.Get(n)
	}
	out := (*p)[:0]
	out = appendLen(out, tagRequestHeader, headerSize(h))
	out = appendHeader(out, h, &e.keys)
	out = appendLen(out, tagRowInserts, inserts)
	hs, bs := 0, 0
	for _, sp := range e.spans {
		out = append(out, e.heads[hs:sp.head]...)
		out = append(out, e.body[bs:sp.body]...)
		hs, bs = sp.head, sp.body
	}
	if len(out) != n || &out[0] != &(*p)[0] {
		// A sizing mistake: never send bytes whose length prefixes lie.
		if pool != nil {
			pool.Put(p)
		}
		return nil, fmt.Errorf("writer: row insert encoded to %d bytes, sized %d", len(out), n)
	}
	return &encodedRequest{buf: mem.NewBuffer(p, pool)}, nil
}

func (e *rowEncoder) reset() {
	clear(e.cols)
	e.cols = e.cols[:0]
	e.rowLens, e.pos = e.rowLens[:0], e.pos[:0]
	e.body, e.heads, e.spans = e.body[:0], e.heads[:0], e.spans[:0]
}

// encoderPool recycles encoders between calls of one client. It keeps a
// few idle encoders in a list rather than a sync.Pool, which the garbage
// collector empties: the scratch body of an encoder dropped that way is
// built again, growing from nothing, by the next flush.
type encoderPool struct {
	mu   sync.Mutex
	idle []*rowEncoder
}

// maxIdleEncoders is how many encoders a client keeps between calls: one
// per concurrent writer (the bridge's pipeline has four by default) with
// room to spare.
const maxIdleEncoders = 8

func (p *encoderPool) get() *rowEncoder {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.idle); n > 0 {
		e := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		return e
	}
	return &rowEncoder{}
}

// maxPooledRows bounds the row scratch an idle encoder keeps (8 bytes a
// row), maxPooledBody the body scratch every idle encoder may keep: a
// flush of Prometheus tables encodes to a few hundred kilobytes.
//
// A flush larger than maxPooledBody (OTLP logs flushes of tens of
// thousands of records are) used to cost its encoder, and the next flush
// grew a body from nothing again, doubling through a dozen fresh
// allocations: 12–15% of the bridge's CPU under OTLP logs load (issue
// #12). So up to maxLargeEncoders idle encoders may keep a body of up to
// maxLargeBody, enough for the pipeline's default 32 MiB batch limit with
// room for the encoding's overhead; only a body beyond that, or one more
// large encoder than that, goes to the garbage collector. Idle encoders
// thus hold at most maxIdleEncoders × 4 MiB + maxLargeEncoders × 64 MiB,
// and only after flushes that large: while they are being written the
// same memory is in use anyway.
const (
	maxPooledRows    = 1 << 20
	maxPooledBody    = 4 << 20
	maxLargeBody     = 64 << 20
	maxLargeEncoders = 2
)

func (p *encoderPool) put(e *rowEncoder) {
	if cap(e.rowLens) > maxPooledRows || cap(e.body) > maxLargeBody {
		return
	}
	e.reset()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) >= maxIdleEncoders {
		return
	}
	if cap(e.body) > maxPooledBody {
		large := 0
		for _, o := range p.idle {
			if cap(o.body) > maxPooledBody {
				large++
			}
		}
		if large >= maxLargeEncoders {
			return
		}
	}
	p.idle = append(p.idle, e)
}

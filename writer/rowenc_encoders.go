package writer

import (
	"slices"
	"sync"
	"unsafe"

	"google.golang.org/grpc/mem"
)

// This file is where an encoder's scratch space lives between flushes,
// and how much of it: memory the process holds outside the request memory
// budget (pipeline.Budget), which the soft memory limit (cmd/bridge
// memlimit.go) has to leave room for. An idle encoder keeps its scratch
// only up to a small fixed size; a body larger than that is a buffer of
// the request pool, a sync.Pool the garbage collector empties when no
// flush needs it.

// maxPooledRows bounds each per-row scratch slice (rowLens, pos: 8 bytes a
// row) an idle encoder keeps, maxPooledBody the body it keeps: a flush of
// Prometheus tables encodes to a few hundred kilobytes. maxIdleBytes bounds
// what all the idle encoders of a client keep together: four writers' (the
// pipeline's default) scratch of up to 4 MiB each. maxLargeBody is the
// largest body built in a pooled buffer, enough for the pipeline's default
// 32 MiB batch limit with room for the encoding's overhead.
const (
	maxPooledRows = 1 << 16
	maxPooledBody = 4 << 20
	maxIdleBytes  = 16 << 20
	maxLargeBody  = maxPooledRequest
)

// maxIdleEncoders is how many encoders a client keeps between calls: one
// per concurrent writer (the bridge's pipeline has four by default) with
// room to spare.
const maxIdleEncoders = 8

// requests returns the pool request buffers and large bodies come from.
func (e *rowEncoder) requests() mem.BufferPool {
	if e.pool == nil {
		return defaultRequestPool
	}
	return e.pool
}

// grow returns b, the body being written, with room for n more bytes,
// doubling it rather than growing it by append's quarter for large slices:
// a flush's body is built in a thousand small steps.
//
// Up to maxPooledBody the body is the encoder's own and stays with it
// between flushes. Beyond, it moves into a buffer of the request pool, at
// least as large as the last large body was, so a flush as large as the
// last is built with one copy of the first 4 MiB and no growth: building a
// 30 MiB body from nothing each flush, a dozen doublings and their copies,
// was 12-15% of the bridge's CPU under OTLP logs load (issue #12). The
// buffer goes back to the pool when the encoding is done (reset), where
// the next flush's body or request takes it; only when no flush needs it
// for two garbage collections is it dropped, and the next large flush
// grows its body from 4 MiB again. BenchmarkEncodeLargeFlush (8 runs each,
// interleaved, against idle encoders keeping bodies of up to 64 MiB; load
// average 5-6 on 2 cores): steady flushes 158 and 170 cpu-ns/row, no
// significant difference (p=0.20); with the pool emptied before every
// flush ("collected", the worst case), 227 and 271, 19% more.
func (e *rowEncoder) grow(b []byte, n int) []byte {
	need := len(b) + n
	want := len(b) + max(n, cap(b))
	switch {
	case need <= maxPooledBody:
		return slices.Grow(b, min(want, maxPooledBody)-len(b))
	case need > maxLargeBody:
		// Larger than any pooled buffer: a plain slice, dropped after
		// the encoding (reset). b is copied out before its pooled
		// buffer, if it is in one, goes back.
		b = slices.Grow(b, n)
		e.dropLarge()
		return b
	}
	pool := e.requests()
	p := pool.Get(min(max(want, e.lastLarge), maxLargeBody))
	grown := (*p)[:len(b)]
	copy(grown, b)
	if e.large != nil {
		// b was in the previous pooled buffer: copied, it is free.
		pool.Put(e.large)
	} else if cap(b) <= maxPooledBody {
		e.small = b[:0]
	}
	e.large = p
	return grown
}

// dropLarge gives the pooled body buffer back; the body must not be in it
// any more.
func (e *rowEncoder) dropLarge() {
	if e.large != nil {
		e.requests().Put(e.large)
		e.large = nil
	}
}

// reset readies the encoder for another encoding: a pooled body goes back
// to the pool and the encoder's own body takes its place, and scratch
// beyond what an idle encoder keeps is let go.
func (e *rowEncoder) reset() {
	if e.large != nil {
		e.lastLarge = len(e.body)
		e.dropLarge()
		e.body, e.small = e.small, nil
	}
	if cap(e.body) > maxPooledBody {
		e.body = nil // grown by a schema's append, or past maxLargeBody
	}
	if cap(e.rowLens) > maxPooledRows {
		e.rowLens = nil
	}
	if cap(e.pos) > maxPooledRows {
		e.pos = nil
	}
	clear(e.cols)
	e.cols = e.cols[:0]
	clear(e.keys)
	e.keys = e.keys[:0]
	e.rowLens, e.pos = e.rowLens[:0], e.pos[:0]
	e.body, e.heads, e.spans = e.body[:0], e.heads[:0], e.spans[:0]
}

// scratchBytes is the memory the encoder's scratch slices hold.
func (e *rowEncoder) scratchBytes() int {
	const word = int(unsafe.Sizeof(0))
	return cap(e.body) + cap(e.heads) + word*(cap(e.rowLens)+cap(e.pos)) +
		int(unsafe.Sizeof(insertSpan{}))*cap(e.spans) +
		int(unsafe.Sizeof(colEnc{}))*cap(e.cols) +
		int(unsafe.Sizeof(""))*cap(e.keys)
}

// encoderPool recycles encoders between calls of one client. It keeps a
// few idle encoders in a list rather than a sync.Pool, which the garbage
// collector empties: the scratch body of an encoder dropped that way is
// built again, growing from nothing, by the next flush. What the list
// holds is bounded (maxIdleBytes), as it is outside the memory budget.
type encoderPool struct {
	mu   sync.Mutex
	idle []*rowEncoder
	// bytes is what the idle encoders' scratch holds (scratchBytes).
	bytes int
}

func (p *encoderPool) get() *rowEncoder {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.idle); n > 0 {
		e := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.bytes -= e.idle
		return e
	}
	return &rowEncoder{}
}

// put takes an encoder back, once its request was encoded (or failed).
func (p *encoderPool) put(e *rowEncoder) {
	e.reset()
	e.idle = e.scratchBytes()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) >= maxIdleEncoders || p.bytes+e.idle > maxIdleBytes {
		return
	}
	p.idle = append(p.idle, e)
	p.bytes += e.idle
}

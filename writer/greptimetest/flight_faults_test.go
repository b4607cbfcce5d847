package greptimetest

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestDoPutFloodDropsResponsesAndFinalError floods a slow response side
// with more batches than the 32-slot channel holds: responses are dropped,
// and so is the error of the last batch, so the stream ends OK (§7.5).
func TestDoPutFloodDropsResponsesAndFinalError(t *testing.T) {
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	p := openPut(t, putDial(t, s.Addr()))
	p.mustRecv()
	// Every response now waits 30 ms; the server reads and writes batches
	// much faster, so the channel fills.
	s.SetLatency(30 * time.Millisecond)
	mem := memory.NewGoAllocator()
	sc := putCPUSchema()
	w := p.writer("cpu", sc)
	const batches = 100
	for id := int64(1); id <= batches; id++ {
		putWrite(t, w, mem, sc, id, []any{"h", id, 1.0, nil})
	}
	// A last batch that fails: its error is dropped as well.
	putWrite(t, w, mem, sc, batches+1, []any{"h", nil, 1.0, nil})
	_ = p.stream.CloseSend()

	got, err := p.drain()
	if err != nil {
		t.Fatalf("stream ended with %v, want OK (the error was dropped)", err)
	}
	if len(got) >= batches {
		t.Fatalf("received %d responses, want some dropped", len(got))
	}
	if len(got) < maxPendingResponses-1 {
		t.Fatalf("received %d responses, want at least the %d the channel holds", len(got), maxPendingResponses-1)
	}
	last := int64(0)
	for _, r := range got {
		if r.RequestID <= last {
			t.Fatalf("responses out of order: %d after %d", r.RequestID, last)
		}
		last = r.RequestID
	}
	// Dropping responses loses no data.
	if n := s.RowCount("public", "cpu"); n != batches {
		t.Fatalf("rows = %d, want %d", n, batches)
	}
}

func TestDoPutWithinLimitLosesNothingUnderLatency(t *testing.T) {
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	p := openPut(t, putDial(t, s.Addr()))
	p.mustRecv()
	s.SetLatency(2 * time.Millisecond)
	mem := memory.NewGoAllocator()
	sc := putCPUSchema()
	w := p.writer("cpu", sc)
	// 31 batches plus the ack never overflow 32 slots.
	for id := int64(1); id < maxPendingResponses; id++ {
		putWrite(t, w, mem, sc, id, []any{"h", id, 1.0, nil})
	}
	_ = p.stream.CloseSend()
	got, err := p.drain()
	if err != nil || len(got) != maxPendingResponses-1 {
		t.Fatalf("got %d responses, %v", len(got), err)
	}
}

func TestDoPutFailNext(t *testing.T) {
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	s.FailNext(1, Fault{Method: "DoPut", Code: codes.Unavailable, Status: uint32(StatusRegionNotReady), Retryable: true, Message: "region not ready"})
	c := putDial(t, s.Addr())
	p := openPut(t, c)
	_, err := p.recv() // no ack: the call itself fails
	putWantStatus(t, p, err, codes.Unavailable, int(StatusRegionNotReady), "region not ready")
	if got := p.stream.Trailer().Get("x-greptime-err-retry-hint"); len(got) != 1 || got[0] != "retryable" {
		t.Fatalf("retry hint = %v", got)
	}
	p = openPut(t, c)
	if r := p.mustRecv(); r.RequestID != 0 {
		t.Fatalf("second call: %s", r.raw)
	}
	if n := s.Calls()["DoPut"]; n != 2 {
		t.Fatalf("DoPut calls = %d", n)
	}
}

func TestDoPutBreakStreamAfter(t *testing.T) {
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	s.BreakStreamAfter(2)
	p := openPut(t, putDial(t, s.Addr()))
	p.mustRecv()
	mem := memory.NewGoAllocator()
	sc := putCPUSchema()
	w := p.writer("cpu", sc)
	for id := int64(1); id <= 4; id++ {
		rec := putRecord(t, mem, sc, []any{"h", id, 1.0, nil})
		err := w.WriteWithAppMetadata(rec, putIDMeta(id))
		rec.Release()
		if err != nil && !errors.Is(err, io.EOF) {
			t.Fatal(err)
		}
	}
	got, err := p.drain()
	if len(got) != 2 || got[1].RequestID != 2 {
		t.Fatalf("responses before the break = %v", got)
	}
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("break: %v", err)
	}
	if n := s.RowCount("public", "cpu"); n != 2 {
		t.Fatalf("rows = %d, want 2", n)
	}
	// The break is used up: the next stream works.
	p = openPut(t, putDial(t, s.Addr()))
	p.mustRecv()
	putWrite(t, p.writer("cpu", sc), mem, sc, 9, []any{"h", int64(9), 1.0, nil})
	if r := p.mustRecv(); r.RequestID != 9 {
		t.Fatalf("after break: %s", r.raw)
	}
}

func TestDoPutStopRestartKeepsData(t *testing.T) {
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	mem := memory.NewGoAllocator()
	sc := putCPUSchema()
	p := openPut(t, putDial(t, s.Addr()))
	p.mustRecv()
	w := p.writer("cpu", sc)
	putWrite(t, w, mem, sc, 1, []any{"h", int64(1), 1.0, nil})
	p.mustRecv()

	s.Stop()
	if _, err := p.drain(); status.Code(err) != codes.Unavailable {
		t.Fatalf("open stream after Stop: %v", err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	p = openPut(t, putDial(t, s.Addr()))
	p.mustRecv()
	putWrite(t, p.writer("cpu", sc), mem, sc, 2, []any{"h", int64(2), 1.0, nil})
	if r := p.mustRecv(); r.RequestID != 2 || r.AffectedRows != 1 {
		t.Fatalf("after restart: %s", r.raw)
	}
	if n := s.RowCount("public", "cpu"); n != 2 {
		t.Fatalf("rows = %d, want 2", n)
	}
}

func TestDoPutCountOnly(t *testing.T) {
	for _, opts := range []Options{{CountOnly: true}, {Load: true}} {
		testDoPutCountOnly(t, opts)
	}
}

func testDoPutCountOnly(t *testing.T, opts Options) {
	s := StartT(t, opts)
	putMkTable(t, s, "public", putCPUTable("cpu"))
	p := openPut(t, putDial(t, s.Addr()))
	p.mustRecv()
	sc := putCPUSchema()
	putWrite(t, p.writer("cpu", sc), memory.NewGoAllocator(), sc, 1,
		[]any{"a", int64(1), 1.0, nil}, []any{"b", int64(1), 1.0, nil}, []any{"c", int64(1), 1.0, nil})
	if r := p.mustRecv(); r.AffectedRows != 3 {
		t.Fatalf("response %s", r.raw)
	}
	if n, rows := s.RowCount("public", "cpu"), s.Rows("public", "cpu"); n != 3 || len(rows) != 0 {
		t.Fatalf("count-only: count %d, rows %v", n, rows)
	}
	if pc := s.PathCounts("public", "cpu"); pc[PathBulk] != 3 {
		t.Fatalf("path counts = %v", pc)
	}
}

// TestDoPutFullChannelDropsExactly holds the response side shut until the
// server has read and written every batch: the 32-slot channel keeps the
// first responses, every later one and the final error are dropped, and
// the stream ends OK (greptime_handler.rs put_record_batches, §7.5).
func TestDoPutFullChannelDropsExactly(t *testing.T) {
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	addr, fs := startFlightOnly(t, s, memory.NewGoAllocator())
	gate := make(chan struct{})
	fs.sendGate = gate
	p := openPut(t, putDial(t, addr))
	p.mustRecv()
	mem := memory.NewGoAllocator()
	sc := putCPUSchema()
	w := p.writer("cpu", sc)
	const batches = 50
	for id := int64(1); id <= batches; id++ {
		putWrite(t, w, mem, sc, id, []any{"h", id, 1.0, nil})
	}
	putWrite(t, w, mem, sc, batches+1, []any{"h", nil, 1.0, nil}) // fails
	_ = p.stream.CloseSend()
	fs.producers.Wait() // every batch handled, every result offered
	close(gate)

	got, err := p.drain()
	if err != nil {
		t.Fatalf("stream ended with %v, want OK: the error was dropped", err)
	}
	// 32 queued, plus possibly the one the send loop held at the gate.
	if len(got) != maxPendingResponses && len(got) != maxPendingResponses+1 {
		t.Fatalf("received %d responses, want %d or %d", len(got), maxPendingResponses, maxPendingResponses+1)
	}
	for i, r := range got {
		if r.RequestID != int64(i+1) {
			t.Fatalf("response %d has request_id %d", i, r.RequestID)
		}
	}
	if n := s.RowCount("public", "cpu"); n != batches {
		t.Fatalf("rows = %d, want %d", n, batches)
	}
}

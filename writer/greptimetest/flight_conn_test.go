package greptimetest

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	_ "google.golang.org/grpc/encoding/gzip" // registers the gzip compressor
)

// TestDoPutGzipTransport: gRPC message compression is separate from IPC
// body compression; DoPut accepts gzip like every GreptimeDB service
// (servers/src/grpc/builder.rs add_service!).
func TestDoPutGzipTransport(t *testing.T) {
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	c := putDial(t, s.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := c.DoPut(ctx, grpc.UseCompressor("gzip"))
	if err != nil {
		t.Fatal(err)
	}
	p := &putConn{t: t, stream: st}
	p.mustRecv()
	sc := putCPUSchema()
	putWrite(t, p.writer("cpu", sc), memory.NewGoAllocator(), sc, 1, []any{"h", int64(1), 1.0, "gz"})
	if r := p.mustRecv(); r.AffectedRows != 1 {
		t.Fatalf("response %s", r.raw)
	}
}

// TestDoPutClientCancelStopsReader: when the client goes away mid-stream
// the server's reader ends and releases its batches.
func TestDoPutClientCancelStopsReader(t *testing.T) {
	mem := putCheckedAlloc(t)
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	addr, fs := startFlightOnly(t, s, mem)
	c := putDial(t, addr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := c.DoPut(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := &putConn{t: t, stream: st}
	p.mustRecv()
	sc := putCPUSchema()
	putWrite(t, p.writer("cpu", sc), memory.NewGoAllocator(), sc, 1, []any{"h", int64(1), 1.0, nil})
	p.mustRecv()
	cancel()
	done := make(chan struct{})
	go func() {
		fs.producers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the stream reader did not stop after the client cancelled")
	}
	mem.AssertSize(t, 0)
	if n := s.RowCount("public", "cpu"); n != 1 {
		t.Fatalf("rows = %d", n)
	}
}

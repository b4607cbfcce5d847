package pipeline_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestCallerMayReuseBatchesAfterTimeout: a request whose context ends
// before its rows are written gets the context's error, and the caller may
// reuse its batches at once; the pipeline writes what was handed over.
func TestCallerMayReuseBatchesAfterTimeout(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 1, FlushInterval: 5 * time.Millisecond}, false)
	e.srv.SetLatency(300 * time.Millisecond)
	out := metricOutput("public", []string{"owned"}, 5, 0, map[string]string{"host": "original"})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	err := e.p.Consume(ctx, out)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the deadline", err)
	}
	// The caller reuses its output for another table right away.
	out.Reset()
	b := out.Batch("public", "other")
	b.MustColumn("greptime_timestamp", table.TimestampMillisecond, table.Timestamp).AppendInt64(99)
	b.MustColumn("host", table.String, table.Tag).AppendString("overwritten")
	_ = b.EndRow()
	e.srv.SetLatency(0)
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := e.p.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	rows := e.srv.Rows("public", "owned")
	if len(rows) != 5 {
		t.Fatalf("%d rows in owned, want the 5 handed over", len(rows))
	}
	info, _ := e.srv.Table("public", "owned")
	for i, c := range info.Columns {
		if c.Name == "host" {
			for _, r := range rows {
				if s, _ := r[i].AsString(); s != "original" {
					t.Fatalf("stored host %q: the caller's reuse leaked into the write", s)
				}
			}
		}
	}
	if _, ok := e.srv.Table("public", "other"); ok {
		t.Fatal("a table never handed over was written")
	}
}

// TestShutdownKeepsItsDeadline: with a write stuck on a slow server,
// Shutdown returns when its deadline passes, not when the write times out.
func TestShutdownKeepsItsDeadline(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 1, FlushInterval: 5 * time.Millisecond, WriteTimeout: 20 * time.Second}, false)
	e.srv.SetLatency(10 * time.Second)
	calls := func() int { c := e.srv.Calls(); return c["Handle"] + c["HandleRequests"] }
	before := calls()
	go func() {
		_ = e.p.Consume(context.Background(), metricOutput("public", []string{"slow"}, 1, 0, nil))
	}()
	// Shut down once the write is held at the server.
	waitUntil(t, "the write at the server", func() bool { return calls() > before })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := e.p.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the deadline", err)
	}
	// Not a timing assertion on speed: the write would hold Shutdown for
	// 10 s or more if the deadline were not honoured.
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("shutdown took %v past a 200ms deadline", d)
	}
	e.srv.SetLatency(0)
}

// TestConsumedOutputDrawsFromThePool: Consume takes a request's batches
// without leaving replacements in the output, and sets the output's Empty
// so that its tables' next batches come from the pool written batches
// return to; what it gives is empty and named for the table asked for.
func TestConsumedOutputDrawsFromThePool(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 2, FlushInterval: 5 * time.Millisecond}, false)
	out := metricOutput("public", []string{"pooled_a", "pooled_b"}, 3, 0, map[string]string{"host": "h"})
	if out.Empty != nil {
		t.Fatal("a new output has Empty set")
	}
	if err := e.p.Consume(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	if out.Empty == nil {
		t.Fatal("Consume did not set Empty")
	}
	if out.Rows() != 0 {
		t.Fatalf("%d rows left in the output after Consume", out.Rows())
	}
	pool, drawn := out.Empty, 0
	out.Empty = func() *table.Batch { drawn++; return pool() }
	out.Reset()
	for _, name := range []string{"pooled_b", "pooled_a"} {
		b := out.Batch("public", name)
		if b.Rows() != 0 || b.NumColumns() != 0 || b.Table != name || b.Database != "public" {
			t.Fatalf("%s: drawn batch holds %d rows, %d columns, named %s.%s", name, b.Rows(), b.NumColumns(), b.Database, b.Table)
		}
	}
	if drawn != 2 {
		t.Fatalf("Empty called %d times for the 2 taken tables", drawn)
	}
	if got := len(e.srv.Rows("public", "pooled_a")) + len(e.srv.Rows("public", "pooled_b")); got != 6 {
		t.Fatalf("%d rows written, want 6", got)
	}
}

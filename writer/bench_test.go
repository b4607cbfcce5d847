package writer_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// benchWideBatch is the benchmark table: 20 columns, 5 string tags, the
// time index and 14 fields of float64, int64, string and bool.
func benchWideBatch(tb testing.TB, rows int) *table.Batch {
	tb.Helper()
	s := table.NewSchema("wide")
	for i := 0; i < 5; i++ {
		s.Tag(fmt.Sprintf("tag%d", i), table.String)
	}
	s.Timestamp("ts", table.TimestampMillisecond)
	types := []table.DataType{table.Float64, table.Int64, table.String, table.Boolean}
	for i := 0; i < 14; i++ {
		s.Field(fmt.Sprintf("f%d", i), types[i%len(types)])
	}
	b := s.NewBatch("")
	for r := 0; r < rows; r++ {
		for i := 0; i < 5; i++ {
			b.Col(i).AppendString(fmt.Sprintf("tag-%d-%d", i, r%50))
		}
		b.Col(5).AppendInt64(1_700_000_000_000 + int64(r))
		for i := 0; i < 14; i++ {
			switch c := b.Col(6 + i); c.Type {
			case table.Float64:
				c.AppendFloat64(float64(r) * 0.25)
			case table.Int64:
				c.AppendInt64(int64(r * i))
			case table.String:
				c.AppendString("field text value")
			case table.Boolean:
				c.AppendBool(r%3 == 0)
			}
		}
		if err := b.EndRow(); err != nil {
			tb.Fatal(err)
		}
	}
	return b
}

// benchCase runs one path at one size, parallelism and latency. The server
// keeps counts only (it still decodes and validates every batch) so long
// runs do not grow its memory. rows/s counts until the last response;
// B/row and allocs/row include the in-process server's share. Go's own
// ns/op, B/op and allocs/op cover only the submitting loop: with batches
// in flight the tail (drain, Finish) is outside it, so read rows/s.
func benchCase(b *testing.B, path string, rows, par int, latency time.Duration) {
	s := greptimetest.StartT(b, greptimetest.Options{CountOnly: true})
	cfg := writer.DefaultConfig(s.Addr())
	cfg.RequestTimeout = 10 * time.Minute // 16 concurrent 100k-row inserts queue up on a 2-core machine
	c, err := writer.NewClient(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	batch := benchWideBatch(b, rows)
	if _, err := c.Write(ctx, benchWideBatch(b, 1)); err != nil { // creates the table
		b.Fatal(err)
	}
	s.SetLatency(latency)

	var (
		submit func() error
		drain  func() error
	)
	switch path {
	case "insert":
		work := make(chan struct{}, par)
		errc := make(chan error, par)
		var wg sync.WaitGroup
		for i := 0; i < par; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range work {
					if _, err := c.Write(ctx, batch); err != nil {
						select {
						case errc <- err:
						default:
						}
					}
				}
			}()
		}
		submit = func() error {
			select {
			case err := <-errc:
				return err
			case work <- struct{}{}:
				return nil
			}
		}
		drain = func() error {
			close(work)
			wg.Wait()
			select {
			case err := <-errc:
				return err
			default:
				return nil
			}
		}
	case "bulk":
		w, err := c.NewBulkInserter("").StreamWriterFor(ctx, batch, writer.WithParallelism(par))
		if err != nil {
			b.Fatal(err)
		}
		submit = func() error {
			_, err := w.WriteAsync(ctx, batch)
			w.Collect()
			return err
		}
		drain = func() error { return w.Finish(ctx) }
	}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		if err := submit(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := drain(); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	total := float64(n * rows)
	b.ReportMetric(total/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B/row")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/row")
	if got := s.RowCount("public", "wide"); got != 1+n*rows {
		b.Fatalf("server counted %d rows, want %d", got, 1+n*rows)
	}
}

func BenchmarkWrite(b *testing.B) {
	for _, path := range []string{"insert", "bulk"} {
		for _, rows := range []int{1_000, 10_000, 100_000} {
			for _, par := range []int{1, 4, 8, 16} {
				for _, lat := range []time.Duration{0, time.Millisecond} {
					b.Run(fmt.Sprintf("path=%s/rows=%d/par=%d/latency=%s", path, rows, par, lat), func(b *testing.B) {
						benchCase(b, path, rows, par, lat)
					})
				}
			}
		}
	}
}

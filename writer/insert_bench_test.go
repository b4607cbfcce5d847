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

// benchTable builds rows rows of a 20-column table (time index, 4 string
// tags, 15 fields of mixed types), the shape the benchmarks use.
func benchTable(tb testing.TB, name string, rows int) *table.Batch {
	tb.Helper()
	s := table.NewSchema(name).Timestamp("ts", table.TimestampMillisecond)
	for i := 0; i < 4; i++ {
		s.Tag(fmt.Sprintf("tag%d", i), table.String)
	}
	for i := 0; i < 5; i++ {
		s.Field(fmt.Sprintf("f%d", i), table.Float64)
	}
	for i := 0; i < 5; i++ {
		s.Field(fmt.Sprintf("i%d", i), table.Int64)
	}
	s.Field("u", table.Uint32).Field("ok", table.Boolean).Field("msg", table.String).Field("raw", table.Binary).Field("f32", table.Float32)
	b := s.NewBatch("")
	cols := b.Columns()
	for r := 0; r < rows; r++ {
		cols[0].AppendInt64(int64(1_700_000_000_000 + r))
		for i := 1; i <= 4; i++ {
			cols[i].AppendString(fmt.Sprintf("host-%d", r%50))
		}
		for i := 5; i < 10; i++ {
			cols[i].AppendFloat64(float64(r) * 0.5)
		}
		for i := 10; i < 15; i++ {
			cols[i].AppendInt64(int64(r * i))
		}
		cols[15].AppendUint64(uint64(r))
		cols[16].AppendBool(r%2 == 0)
		cols[17].AppendString("a log line of moderate length")
		cols[18].AppendBytes([]byte{1, 2, 3, 4})
		cols[19].AppendFloat64(1.5)
		if err := b.EndRow(); err != nil {
			tb.Fatal(err)
		}
	}
	return b
}

// BenchmarkInsert measures row inserts end to end against the in-process
// test server (count-only: it decodes and validates every request fully
// but keeps no rows), with parallelism concurrent Write calls per round.
// Bytes and allocations per row include the server's side.
//
//	go test -run XXX -bench 'Insert/latency=0s/rows=10000/' -benchtime 20x ./writer/
//
// The 100k-row cases at parallelism 16 hold several GiB at once.
func BenchmarkInsert(b *testing.B) {
	for _, lat := range []time.Duration{0, time.Millisecond} {
		for _, rows := range []int{1_000, 10_000, 100_000} {
			for _, par := range []int{1, 4, 8, 16} {
				b.Run(fmt.Sprintf("latency=%s/rows=%d/parallelism=%d", lat, rows, par), func(b *testing.B) {
					benchInsert(b, lat, rows, par)
				})
			}
		}
	}
}

func benchInsert(b *testing.B, lat time.Duration, rows, par int) {
	s := greptimetest.StartT(b, greptimetest.Options{CountOnly: true})
	s.SetLatency(lat)
	c := newClient(b, writer.DefaultConfig(s.Addr()))
	batch := benchTable(b, "bench", rows)
	ctx := context.Background()
	if _, err := c.Write(ctx, batch); err != nil { // creates the table
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	start := time.Now()
	rounds := 0
	for b.Loop() {
		var wg sync.WaitGroup
		errs := make([]error, par)
		for w := 0; w < par; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[w] = c.Write(ctx, batch)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		rounds++
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	total := float64(rounds * par * rows)
	b.ReportMetric(total/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/total, "B/row")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/row")
}

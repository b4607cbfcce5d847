package pipeline

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// nodeNames are the metric names and label values of nodeRequest, made
// once so the benchmark measures the pipeline rather than fmt.
var nodeNames = func() (n struct{ tables, values [1000]string }) {
	for i := range 1000 {
		n.tables[i] = fmt.Sprintf("node_metric_%d", i)
		n.values[i] = fmt.Sprintf("value-%d", i)
	}
	return n
}()

// nodeLabels are nodeRequest's label names.
var nodeLabels = [...]string{"instance", "job", "cpu", "mode", "device", "mountpoint"}

// nodeRequest fills out as a node-exporter-shaped remote write request
// translates: 2,000 series over 1,000 metric tables, six labels.
func nodeRequest(out *translate.Output, seq int64) {
	out.Reset()
	for s := range 2000 {
		b := out.Batch("public", nodeNames.tables[s%1000])
		b.MustColumn("greptime_timestamp", table.TimestampMillisecond, table.Timestamp).AppendInt64(seq*15_000 + int64(s))
		b.MustColumn("greptime_value", table.Float64, table.Field).AppendFloat64(float64(s))
		for i, l := range nodeLabels {
			b.MustColumn(l, table.String, table.Tag).AppendString(nodeNames.values[(s+i)%1000])
		}
		if err := b.EndRow(); err != nil {
			panic(err)
		}
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkConsumeNodeShaped drives the pipeline with 8 closed-loop
// senders of node-exporter-shaped requests (as Prometheus's 8 shards)
// through a writer Client to an in-process greptimetest in load mode, and
// reports the process's CPU per row (the request building, the pipeline,
// the writer and the server) and the coalescing depth, rows per table per
// flush, for the default four workers and for one.
//
// A closed-loop sender has one request in flight, so with eight of them a
// table can gather at most eight requests' shares per flush: two rows
// each in this shape. Six alternating runs, one process per run, on a
// shared 2-core machine at load average 10.6 to 12.9 (medians): four
// workers 5.6 rows per table per flush and 8.2 µs of CPU a row; one
// worker 7.9 and 7.2. A policy that made shallow flushes of the four
// workers take turns (wait, up to 10 ms, while another's was written)
// raised the depth to 6.44 and left the CPU at 8.3: deeper flushes of
// separate shares save little, since the writer's cost is per share
// (BenchmarkWriteDepth in the writer package). The CPU figures spread by
// ±20% with the machine's load, the depths by ±5%. Measured with
// RequestBytes before Consume, as the receivers hand a request over, four
// workers, 23 alternating runs at load average 3.6 to 4.3 (medians): 5.34
// µs a row before, and 4.64 after, the schema cache's layout hash, the
// writer's validation in the encoder, the output's table slots and
// RequestBytes' measurements reused by Consume, each of which saves one
// pass over the request's cold columns; 6.2 rows per table per flush in
// both.
//
//	go test -run '^$' -bench ConsumeNodeShaped -count 6 ./pipeline/
func BenchmarkConsumeNodeShaped(b *testing.B) {
	srv := greptimetest.StartT(b, greptimetest.Options{Load: true})
	c, err := writer.NewClient(writer.DefaultConfig(srv.Addr()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	for _, v := range []struct {
		name string
		cfg  Config
	}{
		{"workers=4", Config{Workers: 4}},
		{"workers=1", Config{Workers: 1}},
	} {
		b.Run(v.name, func(b *testing.B) {
			p := New(v.cfg, c, nil, nil, nil)
			defer func() { _ = p.Shutdown(context.Background()) }()
			const senders = 8
			outs := make(chan *translate.Output, senders)
			for range senders {
				outs <- &translate.Output{}
			}
			// Warm up: the tables exist and the caches are full.
			warm := <-outs
			nodeRequest(warm, 0)
			if err := p.Consume(context.Background(), warm); err != nil {
				b.Fatal(err)
			}
			outs <- warm
			rows0, tables0 := p.stats.RowsByInsert.Load(), p.stats.TablesWritten.Load()
			start := processCPU()
			var wg sync.WaitGroup
			var seq int64
			for b.Loop() {
				out := <-outs
				seq++
				wg.Add(1)
				go func() {
					defer wg.Done()
					nodeRequest(out, seq)
					// As the receivers do: the memory reservation's measure, then
					// Consume.
					RequestBytes(0, out)
					if err := p.Consume(context.Background(), out); err != nil {
						b.Error(err)
					}
					outs <- out
				}()
			}
			wg.Wait()
			rows := p.stats.RowsByInsert.Load() - rows0
			b.ReportMetric(float64(processCPU()-start)/float64(rows), "cpu-ns/row")
			b.ReportMetric(float64(rows)/float64(p.stats.TablesWritten.Load()-tables0), "rows/table/flush")
			b.ReportMetric(0, "ns/op")
		})
	}
}

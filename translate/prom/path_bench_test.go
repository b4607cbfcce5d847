package prom

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// BenchmarkRemoteWritePath is the bridge's remote-write path end to end
// for decompressed requests: translate, the budget estimate, Consume, the
// workers' group commit and the row-insert encoder, with the default
// pipeline configuration (bulk streams included) writing to an in-process
// greptimetest in load mode. Eight senders send closed-loop requests of
// 2,000 series × 1 sample, cycling over the series set, as Prometheus's
// shards do. cpu-ns/sample is the whole process's CPU per sample, the test
// server's share included (it is the same for every version of the
// bridge's side); compare it run by run on a shared machine:
//
//	go test -run '^$' -bench RemoteWritePath -benchtime 400x -count 5 ./translate/prom/
func BenchmarkRemoteWritePath(b *testing.B) {
	for _, w := range []struct{ series, labels, names int }{{10_000, 8, 100}, {10_000, 6, 1000}} {
		ss := promSeries(w.series, w.names, w.labels)
		var bodies [][]byte
		for i := 0; i < len(ss); i += 2000 {
			bodies = append(bodies, request1(0, ss[i:i+2000]...))
		}
		b.Run(fmt.Sprintf("series=%d/labels=%d/names=%d", w.series, w.labels, w.names), func(b *testing.B) {
			benchPath(b, bodies)
		})
	}
}

func benchPath(b *testing.B, bodies [][]byte) {
	s := greptimetest.StartT(b, greptimetest.Options{Load: true})
	c, err := writer.NewClient(writer.DefaultConfig(s.Addr()))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	streams := pipeline.NewStreams(c, 64, time.Minute, nil)
	defer func() {
		if err := streams.Close(context.Background()); err != nil {
			b.Error(err)
		}
	}()
	p := pipeline.New(pipeline.DefaultConfig(), c, pipeline.ClientDDL{Client: c}, streams, nil)
	defer func() {
		if err := p.Shutdown(context.Background()); err != nil {
			b.Error(err)
		}
	}()
	o := DefaultOptions()
	o.Limits = translate.DefaultLimits()
	send := func(ctx context.Context, out *translate.Output, body []byte) error {
		out.Reset()
		opts := o
		if err := Translate(ctx, body, &opts, out); err != nil {
			return err
		}
		// The receiver's budget estimate is one more pass over the
		// batches; it belongs to the path.
		if pipeline.RequestBytes(len(body), out) <= 0 {
			return fmt.Errorf("no request bytes")
		}
		return p.Consume(ctx, out)
	}
	// One warm-up cycle creates the tables and fills the pools.
	var warm translate.Output
	for _, body := range bodies {
		if err := send(context.Background(), &warm, body); err != nil {
			b.Fatal(err)
		}
	}
	const senders = 8
	b.SetParallelism((senders + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	var next atomic.Int64
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		var out translate.Output
		for pb.Next() {
			body := bodies[int(next.Add(1))%len(bodies)]
			if err := send(context.Background(), &out, body); err != nil {
				b.Error(err)
				return
			}
		}
	})
	cpu := cpuTime() - cpu0
	total := float64(b.N) * 2000
	b.ReportMetric(float64(cpu.Nanoseconds())/total, "cpu-ns/sample")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/sample")
}

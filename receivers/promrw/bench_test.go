package promrw_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"

	"github.com/greptime-bridge/greptime-bridge/receivers/promrw"
	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/translate/prom"
)

// discard is a Consumer that takes every batch at once: the benchmark
// measures the receiver, not the pipeline.
type discard struct{ rows int }

func (d *discard) Consume(_ context.Context, out *translate.Output) error {
	d.rows += out.Rows()
	return nil
}

// respWriter is a reusable http.ResponseWriter.
type respWriter struct {
	h    http.Header
	code int
}

func (w *respWriter) Header() http.Header         { return w.h }
func (w *respWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *respWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkHandlerPrometheus runs the whole receiver (headers, bounded body
// read, snappy decode, decode and translate, hand-off) on the traffic
// Prometheus sends: requests of 2,000 series x 1 sample over 100 metric
// names, the 10k-series set of 8 labels cycling, default options.
func BenchmarkHandlerPrometheus(b *testing.B) {
	const nSeries, perReq, metrics = 10_000, 2000, 100
	var bodies [][]byte
	for start := 0; start < nSeries; start += perReq {
		var ss []series
		for i := start; i < start+perReq; i++ {
			ls := [][2]string{
				{"__name__", fmt.Sprintf("node_metric_%03d_total", i%metrics)},
				{"instance", fmt.Sprintf("host-%05d.example.internal:9100", i/metrics)},
				{"job", "node"},
			}
			for k := 3; k < 8; k++ {
				ls = append(ls, [2]string{fmt.Sprintf("label_%02d", k), fmt.Sprintf("value-%d-%d", k, (i/metrics+k)%7)})
			}
			ss = append(ss, series{labels: ls, ts: []int64{1700000000000}, vals: []float64{float64(i)}})
		}
		bodies = append(bodies, snappy.Encode(nil, rw1(ss...)))
	}
	sink := &discard{}
	h := promrw.New(promrw.Config{Translate: prom.DefaultOptions()}, sink, nil, nil, nil, nil, nil)
	w := &respWriter{h: http.Header{}}
	rd := bytes.NewReader(nil)
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1"+promrw.PathPrometheus, io.NopCloser(rd))
	if err != nil {
		b.Fatal(err)
	}
	req.Header = http.Header{}
	for k, v := range v1Headers() {
		req.Header.Set(k, v)
	}
	serve := func(body []byte) {
		rd.Reset(body)
		req.ContentLength = int64(len(body))
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, req)
		if w.code != http.StatusNoContent {
			b.Fatalf("status %d", w.code)
		}
	}
	for _, body := range bodies {
		serve(body)
	}
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		serve(bodies[i%len(bodies)])
		i++
	}
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&ms1)
	total := float64(b.N) * perReq
	// CPU time of the whole process (GC included) is steadier than wall
	// time on a machine shared with other jobs.
	b.ReportMetric(float64(cpu.Nanoseconds())/total, "cpu-ns/sample")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/sample")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/total, "allocs/sample")
	if sink.rows == 0 {
		b.Fatal("nothing consumed")
	}
}

// cpuTime returns the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

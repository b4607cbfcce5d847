package prom

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// benchSeries builds n series over metrics metric names with labels labels
// each (__name__ included) and samples samples each, shaped like a
// node-exporter scrape: a few low-cardinality labels and one per-series id.
func benchSeries(n, metrics, labels, samples int) []series1 {
	ss := make([]series1, n)
	for i := range ss {
		ls := []label{{"__name__", fmt.Sprintf("node_metric_%03d_total", i%metrics)}}
		ls = append(ls, label{"instance", fmt.Sprintf("host-%03d.example.internal:9100", i/metrics%50)})
		ls = append(ls, label{"job", "node"})
		for k := 3; k < labels; k++ {
			ls = append(ls, label{fmt.Sprintf("label_%02d", k), fmt.Sprintf("value-%d-%d", k, (i*7+k)%13)})
		}
		sm := make([]sample, samples)
		for j := range sm {
			sm[j] = sample{v: float64(i*j) + 0.5, ts: 1700000000000 + int64(j)*15000}
		}
		ss[i] = series1{labels: ls, samples: sm}
	}
	return ss
}

func benchV2(ss []series1) []byte {
	r := newReq2()
	for _, s := range ss {
		r.add(series2{labels: s.labels, samples: s.samples, mtype: 1, help: "Help text.", unit: "bytes"})
	}
	return r.encode()
}

// benchTranslate measures DecodeAndTranslate from the snappy-compressed body
// to ready batches, reporting ns and allocations per sample.
func benchTranslate(b *testing.B, body []byte, opts *Options, samples int) {
	out := &translate.Output{}
	ctx := context.Background()
	// Warm the pools and the intern table, as a running receiver has them.
	for i := 0; i < 3; i++ {
		out.Reset()
		if err := decodeAndTranslate(ctx, body, opts, out); err != nil {
			b.Fatal(err)
		}
	}
	if out.Samples != samples {
		b.Fatalf("samples %d, want %d", out.Samples, samples)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuTime()
	for b.Loop() {
		out.Reset()
		if err := decodeAndTranslate(ctx, body, opts, out); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&ms1)
	total := float64(b.N) * float64(samples)
	// CPU time of the whole process (GC included) is steadier than wall
	// time on a machine shared with other jobs.
	b.ReportMetric(float64(cpu.Nanoseconds())/total, "cpu-ns/sample")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/sample")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/total, "allocs/sample")
}

func BenchmarkTranslate(b *testing.B) {
	for _, v := range []Version{V1, V2} {
		for _, labels := range []int{8, 20} {
			for _, samples := range []int{1, 10} {
				for _, metrics := range []int{20, 200} {
					name := fmt.Sprintf("rw%d/labels=%d/samples=%d/metrics=%d", v, labels, samples, metrics)
					b.Run(name, func(b *testing.B) {
						ss := benchSeries(2000, metrics, labels, samples)
						raw := request1(0, ss...)
						if v == V2 {
							raw = benchV2(ss)
						}
						o := DefaultOptions()
						o.Version, o.Limits = v, translate.DefaultLimits()
						benchTranslate(b, s2.EncodeSnappy(nil, raw), &o, 2000*samples)
					})
				}
			}
		}
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

// BenchmarkTranslateCaptured runs the real Prometheus 2.42 self-scrape
// request (444 samples over 241 metric names): per-table costs dominate.
func BenchmarkTranslateCaptured(b *testing.B) {
	body, err := os.ReadFile("testdata/prometheus-2.42-rw1-series.snappy")
	if err != nil {
		b.Fatal(err)
	}
	o := DefaultOptions()
	o.Limits = translate.DefaultLimits()
	benchTranslate(b, body, &o, 444)
}

// BenchmarkTranslateZstd is the vmagent path: remote write 1.0, zstd.
func BenchmarkTranslateZstd(b *testing.B) {
	raw := request1(0, benchSeries(2000, 20, 8, 1)...)
	o := DefaultOptions()
	benchTranslate(b, zstdEncode(b, raw), &o, 2000)
}

// BenchmarkTranslateNativeHistograms converts 2,000 native histograms of 20
// populated buckets each to classic rows (22 rows each).
func BenchmarkTranslateNativeHistograms(b *testing.B) {
	h := hist2{
		countInt: 20, sum: 12.5, schema: 3, ts: 1700000000000,
		pos: []span{{-10, 20}}, posDeltas: make([]int64, 20),
	}
	h.posDeltas[0] = 1
	r := newReq2()
	for _, s := range benchSeries(2000, 20, 8, 0) {
		r.add(series2{labels: s.labels, hists: [][]byte{h.encode()}, mtype: 3, unit: "seconds"})
	}
	o := DefaultOptions()
	o.Version, o.NativeHistograms = V2, NativeHistogramsClassic
	out := &translate.Output{}
	body := s2.EncodeSnappy(nil, r.encode())
	for i := 0; i < 3; i++ {
		out.Reset()
		if err := decodeAndTranslate(context.Background(), body, &o, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		out.Reset()
		if err := decodeAndTranslate(context.Background(), body, &o, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*2000), "cpu-ns/histogram")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*2000), "ns/histogram")
}

// promSeries builds the series set of a Prometheus server scraping many
// targets: n distinct series over metrics metric names with labels labels
// each (__name__ included), one sample each. Series i belongs to metric
// i%metrics, so a request of consecutive series gives every metric table
// about len/metrics rows, as Prometheus's hash-sharded queues do.
func promSeries(n, metrics, labels int) []series1 {
	ss := make([]series1, n)
	for i := range ss {
		ls := []label{
			{"__name__", fmt.Sprintf("node_metric_%03d_total", i%metrics)},
			{"instance", fmt.Sprintf("host-%05d.example.internal:9100", i/metrics)},
			{"job", "node"},
		}
		for k := 3; k < labels; k++ {
			ls = append(ls, label{fmt.Sprintf("label_%02d", k), fmt.Sprintf("value-%d-%d", k, (i/metrics+k)%7)})
		}
		ss[i] = series1{labels: ls, samples: []sample{{v: float64(i) + 0.5, ts: 1700000000000}}}
	}
	return ss
}

// BenchmarkTranslatePrometheus is the traffic Prometheus sends: requests
// of 2,000 series × 1 sample over 100 metric names (about 20 rows per
// metric table), the same series set cycling from request to request, so
// every series repeats once per cycle as it does every scrape interval.
// On a shared machine compare CPU time, alternating binaries run by run:
//
//	go test -c -o new.test ./translate/prom
//	./new.test -test.run '^$' -test.bench 'Prometheus/series=10000/labels=8$' -test.benchtime 150x
//
// and read cpu-ns/sample (process CPU per sample, GC included).
func BenchmarkTranslatePrometheus(b *testing.B) {
	// names=1000 is the node-exporter shape: about 2 rows per table, where
	// per-table costs dominate.
	for _, w := range promWorkloads {
		name, bodies := w.bodies()
		b.Run(name, func(b *testing.B) {
			o := DefaultOptions()
			o.Limits = translate.DefaultLimits()
			benchCycle(b, bodies, &o, 2000)
		})
	}
}

// promWorkload is one shape of BenchmarkTranslatePrometheus.
type promWorkload struct{ series, labels, names int }

var promWorkloads = []promWorkload{{10_000, 8, 100}, {100_000, 12, 100}, {10_000, 6, 1000}}

// bodies returns the workload's name and its snappy-compressed requests of
// 2,000 series each.
func (w promWorkload) bodies() (string, [][]byte) {
	ss := promSeries(w.series, w.names, w.labels)
	var bodies [][]byte
	for i := 0; i < len(ss); i += 2000 {
		bodies = append(bodies, s2.EncodeSnappy(nil, request1(0, ss[i:i+2000]...)))
	}
	name := fmt.Sprintf("series=%d/labels=%d", w.series, w.labels)
	if w.names != 100 {
		name += fmt.Sprintf("/names=%d", w.names)
	}
	return name, bodies
}

// BenchmarkSnappyPrometheus is the snappy share of
// BenchmarkTranslatePrometheus: decompressing the same requests, nothing
// else, per sample. The receivers decompress with s2 (klauspost/compress),
// which decodes the snappy block format. golang/snappy v1.0.0 was no
// consistent gain on these bodies (issue #12, -count 6 at load average 7:
// 20% faster on the 8-label requests, 30% slower on the 12-label ones), so
// s2, already a dependency, stays.
func BenchmarkSnappyPrometheus(b *testing.B) {
	for _, w := range promWorkloads {
		name, bodies := w.bodies()
		b.Run(name, func(b *testing.B) {
			var dst []byte
			i := 0
			cpu0 := cpuTime()
			for b.Loop() {
				body := bodies[i%len(bodies)]
				n, err := s2.DecodedLen(body)
				if err != nil {
					b.Fatal(err)
				}
				if cap(dst) < n {
					dst = make([]byte, n)
				}
				if _, err := s2.Decode(dst[:n], body); err != nil {
					b.Fatal(err)
				}
				i++
			}
			total := float64(b.N) * 2000
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/total, "cpu-ns/sample")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/sample")
		})
	}
}

// benchCycle is benchTranslate over bodies in turn, after one warm-up
// cycle.
func benchCycle(b *testing.B, bodies [][]byte, opts *Options, samples int) {
	out := &translate.Output{}
	ctx := context.Background()
	for _, body := range bodies {
		out.Reset()
		if err := decodeAndTranslate(ctx, body, opts, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		out.Reset()
		if err := decodeAndTranslate(ctx, bodies[i%len(bodies)], opts, out); err != nil {
			b.Fatal(err)
		}
		i++
	}
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&ms1)
	if out.Samples != samples {
		b.Fatalf("samples %d, want %d", out.Samples, samples)
	}
	total := float64(b.N) * float64(samples)
	b.ReportMetric(float64(cpu.Nanoseconds())/total, "cpu-ns/sample")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/sample")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/total, "allocs/sample")
}

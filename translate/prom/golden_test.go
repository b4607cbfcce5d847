package prom

import (
	"context"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// -update rewrites the golden files; CI must never run with it (the test
// fails when CI=true), so an expectation only changes in a reviewed commit.
var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestUpdateFlagNotInCI(t *testing.T) {
	if *update && os.Getenv("CI") == "true" {
		t.Fatal("-update must not be set in CI")
	}
}

// goldenCase is one input fixture: a request built in Go (hand-written,
// each citing the rule it shows) or a captured body under testdata/.
type goldenCase struct {
	name string
	opts func() *Options
	raw  func(t *testing.T) []byte
}

func goldenCases() []goldenCase {
	stale := math.Float64frombits(0x7ff0000000000002)
	classic := func() *Options { o := v2opts(); o.NativeHistograms = NativeHistogramsClassic; return o }
	mito := func() *Options { o := v1opts(); o.DB.MetricEngine = false; return o }
	return []goldenCase{
		// §1.2 layout, NULL for absent labels, stale marker and ±Inf bits.
		{"v1-layout", v1opts, func(*testing.T) []byte {
			return request1(2,
				series1{labels: lbl("__name__", "http_requests_total", "code", "200", "job", "api"), samples: []sample{{10, 1000}, {stale, 2000}}, exemplars: 1},
				series1{labels: lbl("__name__", "http_requests_total", "job", "api", "path", "/x"), samples: []sample{{math.Inf(1), 1000}}},
				series1{labels: lbl("__name__", "up", "instance", "a:9090", "__database__", "ops"), samples: []sample{{math.Inf(-1), 1000}, {math.NaN(), 2000}}},
			)
		}},
		// §1.3 mito tables: no physical_table hint.
		{"v1-mito", mito, func(*testing.T) []byte {
			return request1(0, series1{labels: lbl("__name__", "node_load1", "instance", "n1"), samples: []sample{{0.5, 1000}}})
		}},
		// §1.4 and §7.8: metadata to options, exemplars dropped, rc.3/rc.4 start timestamps.
		{"v2-metadata", v2opts, func(*testing.T) []byte {
			return newReq2().
				add(series2{labels: lbl("__name__", "process_cpu_seconds_total", "job", "p"), samples: []sample{{1.25, 1000}}, mtype: 1, unit: "seconds", help: "CPU.", startTS: 500, exemplars: 1}).
				add(series2{labels: lbl("__name__", "go_memstats_heap_bytes", "job", "p"), samples: []sample{{4096, 1000}}, mtype: 2, unit: "bytes", createdTS: 400}).
				add(series2{labels: lbl("__name__", "queue_depth", "job", "p", "x_greptime_physical_table", "phys2"), samples: []sample{{3, 1000}}, unit: "requests"}).
				encode()
		}},
		// Native histogram converted to classic buckets (classic.go rule).
		{"v2-native-histogram-classic", classic, func(*testing.T) []byte {
			h := hist2{
				countInt: 7, sum: 2.5, schema: 1, ts: 1000, zeroThreshold: 1e-128, zeroCountInt: 1,
				pos: []span{{-1, 2}, {1, 1}}, posDeltas: []int64{1, 1, 1},
			}
			return newReq2().add(series2{labels: lbl("__name__", "rpc_duration_seconds", "svc", "a"), hists: [][]byte{h.encode()}, mtype: 3, unit: "seconds"}).encode()
		}},
		// §1.2 special labels (__schema__ wins, physical-table label), two
		// names sanitised onto one column (last wins), the opt-in
		// sanitising and lossy modes.
		{"v1-special-sanitize-lossy", func() *Options {
			o := v1opts()
			o.LabelNames, o.UTF8 = LabelNamesSanitize, UTF8Lossy
			return o
		}, func(*testing.T) []byte {
			return request1(0,
				series1{labels: lbl("__name__", "m", "x_greptime_database", "d", "__schema__", "s", "__physical_table__", "p1", "a.b", "a", "a_b", "b"), samples: []sample{{1, 1}}},
				series1{labels: lbl("__name__", "m", "__database__", "s", "http.method", "GET", "v", "bad\xf0\x9f\x98end"), samples: []sample{{2, 2}}},
			)
		}},
		// Custom-bucket (NHCB) float histogram to classic buckets.
		{"v2-nhcb-classic", classic, func(*testing.T) []byte {
			h := hist2{schema: -53, ts: 5000, custom: []float64{0.005, 0.1, 1}, pos: []span{{0, 2}, {1, 1}}, posCounts: []float64{1, 2, 4}, countFloat: 7, sum: 3.25}
			return newReq2().add(series2{labels: lbl("__name__", "req_seconds", "route", "/"), hists: [][]byte{h.encode()}}).encode()
		}},
		// Real requests from Debian's Prometheus 2.42 (testdata/capture.sh):
		// self-scrape series, and a metadata-only request (§1.2: accepted,
		// nothing written, metadata counted).
		{"prometheus-2.42-rw1-series", func() *Options { o := DefaultOptions(); return &o }, func(t *testing.T) []byte {
			return unsnappy(t, readFixture(t, "prometheus-2.42-rw1-series.snappy"))
		}},
		{"prometheus-2.42-rw1-metadata", func() *Options { o := DefaultOptions(); return &o }, func(t *testing.T) []byte {
			return unsnappy(t, readFixture(t, "prometheus-2.42-rw1-metadata.snappy"))
		}},
	}
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("fixture %s: %v (regenerate with testdata/capture.sh)", name, err)
	}
	return b
}

// The captured fixtures record the sender's version (capture.sh).
func TestCapturedVersion(t *testing.T) {
	v := string(readFixture(t, "prometheus-2.42-rw1.version"))
	if !strings.Contains(v, "prometheus, version 2.42") {
		t.Errorf("captured fixtures come from %q, want Prometheus 2.42", v)
	}
	for _, name := range []string{"prometheus-2.42-rw1-series.headers", "prometheus-2.42-rw1-metadata.headers"} {
		h := string(readFixture(t, name))
		if !strings.Contains(h, "Content-Encoding: snappy") || !strings.Contains(h, "X-Prometheus-Remote-Write-Version: 0.1.0") {
			t.Errorf("%s: unexpected headers %q", name, h)
		}
	}
}

func TestGolden(t *testing.T) {
	for _, gc := range goldenCases() {
		t.Run(gc.name, func(t *testing.T) {
			out := &translate.Output{}
			if err := Translate(context.Background(), gc.raw(t), gc.opts(), out); err != nil {
				t.Fatalf("translate: %v", err)
			}
			for _, b := range out.Batches {
				if err := b.Validate(); err != nil {
					t.Errorf("batch %q: %v", b.Table, err)
				}
			}
			got := dump(out)
			path := filepath.Join("testdata", gc.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("golden file: %v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (run go test -update and review the diff)\n%s", path, firstDiff(string(want), got))
			}
		})
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + itoa(i+1) + ":\n want " + w + "\n  got " + g
		}
	}
	return ""
}

package prom

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// translateDump translates raw with c and renders the result or the error.
func translateDump(c *Converter, raw []byte, o *Options) string {
	out := &translate.Output{}
	if err := c.Translate(context.Background(), raw, o, out); err != nil {
		return "error: " + err.Error()
	}
	return dump(out)
}

// uncached returns a Converter without a series cache, the reference the
// cached translations are compared with.
func uncached() *Converter {
	c := NewConverter()
	c.cache.off = true
	return c
}

// cacheSeries builds the bytes of one TimeSeries for the series-cache
// tests from a small vocabulary, so series repeat across requests, with
// the irregular forms the cache must leave to the long way: a label after
// the samples, non-ASCII and invalid UTF-8 values, no samples, repeated
// and unsorted names, names that sanitise to one column, routing labels.
func cacheSeries(r *rand.Rand) []byte {
	metrics := []string{"up", "node_cpu_seconds_total", "http_requests_total"}
	ls := lbl("__name__", metrics[r.IntN(len(metrics))], "instance", fmt.Sprintf("host-%d", r.IntN(3)), "job", "node")
	switch r.IntN(12) {
	case 0:
		ls = append(ls, label{"zone", "eu-1"}) // widens the table
	case 1:
		ls = append(ls, label{"path", "/caf\u00e9"})
	case 2:
		ls = append(ls, label{"path", "/bad\xff"})
	case 3:
		ls = append(ls, label{"__database__", "other"}, label{"x_greptime_physical_table", "phys_b"})
	case 4:
		ls = append(ls, label{"a-b", "1"}, label{"a_b", "2"}) // one column when sanitised
	case 5:
		ls = append(ls, label{"job", "again"}) // repeated name
	case 6:
		ls = append([]label{{"zz_first", "x"}}, ls...) // unsorted
	case 7:
		ls = append(ls, label{"long_value", "0123456789abcdef"})
	case 8:
		ls = append(ls, label{"bad-name", "v"}) // refused or sanitised
	}
	var b []byte
	b = append(b, series1{labels: ls}.encode()...)
	if r.IntN(10) != 0 {
		b = append(b, series1{samples: []sample{{v: float64(r.IntN(100)), ts: int64(1000 + r.IntN(3))}}, exemplars: r.IntN(2)}.encode()...)
	}
	if r.IntN(10) == 0 {
		b = append(b, series1{labels: lbl("late", "label")}.encode()...)
	}
	return b
}

// TestSeriesCacheMatchesUncached translates a stream of requests whose
// series repeat through one long-lived Converter (its series cache warm)
// and each through one without the cache: the tables, rows and errors must be the
// same, while the options that decide the cached checks (label-name and
// UTF-8 modes, shape limits) change between requests and tables widen.
func TestSeriesCacheMatchesUncached(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 34))
	warm := NewConverter()
	hits := 0
	var o Options
	for req := range 400 {
		var raw []byte
		for range 1 + r.IntN(30) {
			raw = pbBytes(raw, v1ReqTimeseries, cacheSeries(r))
		}
		if req%10 == 0 {
			// The options change every ten requests, so the cache both
			// serves requests and is emptied by a change.
			o = DefaultOptions()
			o.LabelNames = LabelNameMode(r.IntN(2))
			o.UTF8 = UTF8Mode(r.IntN(3))
			if r.IntN(3) == 0 {
				o.Limits = translate.Limits{MaxLabelsPerSeries: 6, MaxLabelValueLength: 12}
			}
		}
		o.Database = ""
		if r.IntN(8) == 0 {
			o.Database = "tenant"
		}
		bytesBefore := warm.cache.bytes
		got := translateDump(warm, raw, &o)
		want := translateDump(uncached(), raw, &o)
		if got != want {
			t.Fatalf("request %d (options %+v): the warm converter differs\n--- warm\n%s\n--- fresh\n%s", req, o, got, want)
		}
		if warm.cache.bytes == bytesBefore && len(warm.cache.entries) > 0 {
			hits++
		}
	}
	if len(warm.cache.entries) == 0 || hits == 0 {
		t.Fatalf("the cache was never used (%d entries, %d requests without new entries)", len(warm.cache.entries), hits)
	}
}

// TestSeriesCacheLimitsChange: a series cached under loose limits is
// refused as without the cache once the limits are tightened, and cached again
// when they are loosened.
func TestSeriesCacheLimitsChange(t *testing.T) {
	s := series1{labels: lbl("__name__", "up", "instance", "host-with-a-long-name"), samples: []sample{{1, 1000}}}
	raw := request1(0, s, s)
	c := NewConverter()
	o := DefaultOptions()
	for range 2 {
		mustDump := translateDump(c, raw, &o)
		if mustDump != translateDump(uncached(), raw, &o) || len(c.cache.entries) != 1 {
			t.Fatalf("loose limits: %s (%d cached)", mustDump, len(c.cache.entries))
		}
	}
	o.Limits.MaxLabelValueLength = 8
	got := translateDump(c, raw, &o)
	if want := translateDump(uncached(), raw, &o); got != want || len(c.cache.entries) != 0 {
		t.Fatalf("tight limits: got %q, want %q (%d cached)", got, want, len(c.cache.entries))
	}
	o.Limits.MaxLabelValueLength = 0
	if got := translateDump(c, raw, &o); got != translateDump(uncached(), raw, &o) || len(c.cache.entries) != 1 {
		t.Fatalf("limits loosened again: %s", got)
	}
}

// TestSeriesCacheWidenedTable: a cached series of a table that another
// series widened in the same request gets NULL in the new column, as
// uncached, and its own values where they belong.
func TestSeriesCacheWidenedTable(t *testing.T) {
	a := series1{labels: lbl("__name__", "up", "job", "a"), samples: []sample{{1, 1000}}}
	wide := series1{labels: lbl("__name__", "up", "job", "b", "zone", "z"), samples: []sample{{2, 1000}}}
	c := NewConverter()
	o := DefaultOptions()
	translateDump(c, request1(0, a, a), &o) // caches a
	raw := request1(0, a, wide, a)
	got := translateDump(c, raw, &o)
	if want := translateDump(uncached(), raw, &o); got != want {
		t.Fatalf("warm\n%s\nfresh\n%s", got, want)
	}
	out := &translate.Output{}
	if err := c.Translate(context.Background(), raw, &o, out); err != nil {
		t.Fatal(err)
	}
	b := batch(t, out, "", "up")
	if b.Rows() != 3 {
		t.Fatalf("%d rows", b.Rows())
	}
	for row, want := range []string{"a", "b", "a"} {
		if v, _ := str(t, b, "job", row); v != want {
			t.Errorf("row %d job %q, want %q", row, v, want)
		}
		if _, ok := str(t, b, "zone", row); ok != (row == 1) {
			t.Errorf("row %d zone set %v", row, ok)
		}
	}
}

// TestSeriesCacheBounded: past its bounds the cache starts again rather
// than grow.
func TestSeriesCacheBounded(t *testing.T) {
	c := NewConverter()
	o := DefaultOptions()
	var ss []series1
	for i := range seriesCacheEntries + 10 {
		ss = append(ss, series1{labels: lbl("__name__", "up", "id", fmt.Sprint(i)), samples: []sample{{1, 1000}}})
	}
	out := &translate.Output{}
	if err := c.Translate(context.Background(), request1(0, ss...), &o, out); err != nil {
		t.Fatal(err)
	}
	if n := len(c.cache.entries); n == 0 || n >= len(ss) || c.cache.bytes > seriesCacheBytes {
		t.Fatalf("%d entries, %d bytes after %d series", n, c.cache.bytes, len(ss))
	}
}

// TestSeriesCacheIrregular sends each irregular series twice per request,
// twice, in every mode, through one Converter: the cache must leave each
// to the long way or reproduce it exactly.
func TestSeriesCacheIrregular(t *testing.T) {
	late := append(series1{labels: lbl("__name__", "up", "job", "a"), samples: []sample{{1, 1000}}}.encode(),
		series1{labels: lbl("late", "x")}.encode()...)
	cases := map[string][]byte{
		"invalid utf-8":   series1{labels: lbl("__name__", "up", "path", "/bad\xff"), samples: []sample{{1, 1000}}}.encode(),
		"non-ascii":       series1{labels: lbl("__name__", "up", "path", "/caf\u00e9"), samples: []sample{{1, 1000}}}.encode(),
		"invalid name":    series1{labels: lbl("__name__", "up", "bad-name", "v"), samples: []sample{{1, 1000}}}.encode(),
		"sanitised pair":  series1{labels: lbl("__name__", "up", "a-b", "1", "a_b", "2"), samples: []sample{{1, 1000}}}.encode(),
		"repeated name":   series1{labels: lbl("__name__", "up", "job", "a", "job", "b"), samples: []sample{{1, 1000}}}.encode(),
		"no samples":      series1{labels: lbl("__name__", "up", "job", "a")}.encode(),
		"label late":      late,
		"routing":         series1{labels: lbl("__name__", "up", "__database__", "d", "__physical_table__", "p"), samples: []sample{{1, 1000}}}.encode(),
		"exemplar":        series1{labels: lbl("__name__", "up"), samples: []sample{{1, 1000}}, exemplars: 1}.encode(),
		"histogram after": series1{labels: lbl("__name__", "up"), samples: []sample{{1, 1000}}, histograms: 1}.encode(),
	}
	for name, s := range cases {
		for mode := range 6 {
			o := DefaultOptions()
			o.LabelNames, o.UTF8 = LabelNameMode(mode&1), UTF8Mode(mode>>1)
			ok := series1{labels: lbl("__name__", "up", "job", "a"), samples: []sample{{2, 2000}}}.encode()
			raw := pbBytes(pbBytes(pbBytes(nil, v1ReqTimeseries, ok), v1ReqTimeseries, s), v1ReqTimeseries, s)
			c := NewConverter()
			want := translateDump(uncached(), raw, &o)
			for round := range 2 {
				if got := translateDump(c, raw, &o); got != want {
					t.Fatalf("%s, mode %d, round %d:\n--- warm\n%s\n--- fresh\n%s", name, mode, round, got, want)
				}
			}
		}
	}
}

package prom

import (
	"math"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// §1.4: remote write 2.0 samples land in exactly the 1.0 layout, with
// source_version 2.0.
func TestV2Layout(t *testing.T) {
	r := newReq2().
		add(series2{labels: lbl("__name__", "http_requests_total", "job", "api"), samples: []sample{{1, 1000}}}).
		add(series2{labels: lbl("__name__", "http_requests_total", "code", "200", "x_greptime_database", "other"), samples: []sample{{2, 2000}}})
	out := mustRun(t, v2opts(), r.encode())
	b := batch(t, out, "", "http_requests_total")
	if b.NumColumns() != 3 || b.Col(2).Name != "job" || hint(b, HintSourceVersion) != "2.0" || hint(b, HintPhysicalTable) != "greptime_physical_table" {
		t.Errorf("layout:\n%s", dump(out))
	}
	o := batch(t, out, "other", "http_requests_total")
	if v, _ := str(t, o, "code", 0); v != "200" {
		t.Errorf("code = %q", v)
	}
	if out.Samples != 2 {
		t.Errorf("samples = %d", out.Samples)
	}
}

// §1.4 and §7.8: metadata becomes table options; type declares quality
// "declared"; the unit is converted to UCUM, an unknown unit dropped;
// UNSPECIFIED stamps the unit only; conflicting types collapse to "mixed"
// (v2.rs record_series_metadata, semantic.rs openmetrics_unit_to_ucum).
func TestV2Metadata(t *testing.T) {
	r := newReq2().
		add(series2{labels: lbl("__name__", "bytes_total", "a", "1"), samples: []sample{{1, 1}}, mtype: 1, unit: "bytes", help: "Bytes."}).
		add(series2{labels: lbl("__name__", "reqs", "a", "1"), samples: []sample{{1, 1}}, mtype: 2, unit: "requests"}).
		add(series2{labels: lbl("__name__", "temp", "a", "1"), samples: []sample{{1, 1}}, mtype: 0, unit: " celsius "}).
		add(series2{labels: lbl("__name__", "mixed", "a", "1"), samples: []sample{{1, 1}}, mtype: 1}).
		add(series2{labels: lbl("__name__", "mixed", "a", "2"), samples: []sample{{1, 1}}, mtype: 2}).
		add(series2{labels: lbl("__name__", "mixed", "a", "3"), samples: []sample{{1, 1}}, mtype: 5})
	out := mustRun(t, v2opts(), r.encode())
	cases := []struct{ table, typ, unit, quality string }{
		{"bytes_total", "counter", "By", "declared"},
		{"reqs", "gauge", "", "declared"},
		{"temp", "", "Cel", "inferred"},
		{"mixed", "mixed", "", "declared"},
	}
	for _, tc := range cases {
		b := batch(t, out, "", tc.table)
		if hint(b, HintMetricType) != tc.typ || hint(b, HintMetricUnit) != tc.unit || hint(b, HintMetadataQuality) != tc.quality {
			t.Errorf("%s: type %q unit %q quality %q, want %q %q %q", tc.table,
				hint(b, HintMetricType), hint(b, HintMetricUnit), hint(b, HintMetadataQuality), tc.typ, tc.unit, tc.quality)
		}
	}
	for unit, want := range map[string]string{"seconds": "s", "meters": "m", "ratios": "1", "volts": "V", "amperes": "A", "joules": "J", "grams": "g", "By": ""} {
		if got := ucumUnit([]byte(unit)); got != want {
			t.Errorf("ucum(%q) = %q, want %q", unit, got, want)
		}
	}
}

// Start timestamps in the rc.3 (TimeSeries field 6) and rc.4 (Sample field
// 3) positions are accepted; the row keeps the sample timestamp.
func TestV2StartTimestamps(t *testing.T) {
	r := newReq2().
		add(series2{labels: lbl("__name__", "rc3"), samples: []sample{{1, 5000}}, createdTS: 100}).
		add(series2{labels: lbl("__name__", "rc4"), samples: []sample{{1, 5000}}, startTS: 100})
	out := mustRun(t, v2opts(), r.encode())
	for _, name := range []string{"rc3", "rc4"} {
		if ts, _ := batch(t, out, "", name).Col(0).Int64(0); ts != 5000 {
			t.Errorf("%s timestamp %d", name, ts)
		}
	}
}

// Exemplars are decoded, dropped and counted (GreptimeDB writes none).
func TestV2Exemplars(t *testing.T) {
	out := mustRun(t, v2opts(), newReq2().add(series2{labels: lbl("__name__", "m"), samples: []sample{{1, 1}}, exemplars: 3}).encode())
	if out.Exemplars != 3 || out.Dropped["exemplar"] != 3 || out.Rows() != 1 {
		t.Errorf("%s", dump(out))
	}
}

// The request-level and series-level refusals of v2.rs.
func TestV2Errors(t *testing.T) {
	name := lbl("__name__", "m")
	one := []sample{{1, 1}}
	cases := []struct {
		what string
		raw  []byte
		want string
	}{
		{"empty body", nil, "symbols must start with an empty string"},
		{"first symbol not empty", pbString(nil, v2ReqSymbols, "x"), "symbols must start with an empty string"},
		{"missing name", newReq2().add(series2{labels: lbl("job", "a"), samples: one}).encode(), `missing "__name__"`},
		{"empty name", newReq2().add(series2{labels: lbl("__name__", ""), samples: one}).encode(), "must not be empty"},
		{"repeated", newReq2().add(series2{labels: lbl("__name__", "m", "job", "a", "job", "b"), samples: one}).encode(), `label name "job" is repeated`},
		{"invalid name", newReq2().add(series2{labels: lbl("__name__", "m", "a.b", "x"), samples: one}).encode(), "invalid label name"},
		{"internal label", newReq2().add(series2{labels: lbl("__name__", "m", "greptime_native_histogram", "x"), samples: one}).encode(), "internal native histogram"},
		{"histogram refused", newReq2().add(series2{labels: name, hists: [][]byte{hist2{countInt: 1}.encode()}}).encode(), "native histograms are refused"},
		{"bad utf8 symbol", newReq2().add(series2{labels: lbl("__name__", "m", "a", "\xff"), samples: one}).encode(), "not valid utf-8"},
	}
	for _, tc := range cases {
		_, err := run(t, v2opts(), tc.raw)
		wantErr(t, err, tc.want)
	}
	// Out-of-range and odd label refs, hand-built.
	var ts []byte
	ts = pbBytes(ts, v2TSLabelsRefs, []byte{1, 9})
	ts = pbBytes(ts, v2TSSamples, pbDouble(nil, 1, 1))
	raw := pbString(pbString(nil, v2ReqSymbols, ""), v2ReqSymbols, "__name__")
	_, err := run(t, v2opts(), pbBytes(raw, v2ReqTimeseries, ts))
	wantErr(t, err, "symbol reference 9 is out of range")
	ts = pbBytes(nil, v2TSLabelsRefs, []byte{1})
	ts = pbBytes(ts, v2TSSamples, pbDouble(nil, 1, 1))
	_, err = run(t, v2opts(), pbBytes(raw, v2ReqTimeseries, ts))
	wantErr(t, err, "name/value pairs")
	// Samples and histograms in one series.
	o := v2opts()
	o.NativeHistograms = NativeHistogramsClassic
	_, err = run(t, o, newReq2().add(series2{labels: name, samples: one, hists: [][]byte{hist2{countInt: 1}.encode()}}).encode())
	wantErr(t, err, "both samples and native histograms")
	// A series with neither is skipped without resolving labels (v2.rs).
	out := mustRun(t, v2opts(), newReq2().add(series2{labels: lbl("job", "a")}).encode())
	if len(out.Batches) != 0 {
		t.Errorf("empty series wrote %s", dump(out))
	}
	// Empty label values are stored as "" (§7.9).
	out = mustRun(t, v2opts(), newReq2().add(series2{labels: lbl("__name__", "m", "e", ""), samples: one}).encode())
	if v, ok := str(t, batch(t, out, "", "m"), "e", 0); !ok || v != "" {
		t.Errorf("empty value = %q %v", v, ok)
	}
}

// Native histograms converted to classic buckets: schema 0 has bounds
// 2^i; the zero bucket's bound is the zero threshold; +Inf carries the
// count; deltas accumulate into absolute counts; le is formatted as Rust
// formats floats.
func TestV2ClassicHistogram(t *testing.T) {
	h := hist2{
		countInt: 7, sum: 9.5, schema: 0, ts: 3000, zeroThreshold: 0.001, zeroCountInt: 1,
		pos: []span{{offset: 0, length: 2}}, posDeltas: []int64{2, 1}, // buckets (0.5,1]=2 (1,2]=3
		neg: []span{{offset: 1, length: 1}}, negDeltas: []int64{1}, // bucket [-2,-1)=1
	}
	o := v2opts()
	o.NativeHistograms = NativeHistogramsClassic
	r := newReq2().add(series2{labels: lbl("__name__", "lat", "job", "api"), hists: [][]byte{h.encode()}, mtype: 3, unit: "seconds"})
	out := mustRun(t, o, r.encode())
	bk := batch(t, out, "", "lat_bucket")
	wantLE := []string{"-1", "0.001", "1", "2", "inf"}
	wantCum := []float64{1, 2, 4, 7, 7}
	if bk.Rows() != len(wantLE) {
		t.Fatalf("bucket rows:\n%s", dump(out))
	}
	for i := range wantLE {
		le, _ := str(t, bk, "le", i)
		v, _ := bk.Col(1).Float64(i)
		if le != wantLE[i] || v != wantCum[i] {
			t.Errorf("bucket %d: le %q value %v, want %q %v", i, le, v, wantLE[i], wantCum[i])
		}
		if job, _ := str(t, bk, "job", i); job != "api" {
			t.Errorf("bucket %d job %q", i, job)
		}
	}
	if v, _ := batch(t, out, "", "lat_sum").Col(1).Float64(0); v != 9.5 {
		t.Errorf("sum %v", v)
	}
	c := batch(t, out, "", "lat_count")
	if v, _ := c.Col(1).Float64(0); v != 7 || hint(c, HintMetricType) != "histogram" || hint(c, HintMetricUnit) != "s" {
		t.Errorf("count:\n%s", dump(out))
	}
	if out.Histograms != 1 || out.Samples != 0 {
		t.Errorf("counts: %d histograms %d samples", out.Histograms, out.Samples)
	}
	// Custom buckets (schema -53), float counts.
	h = hist2{schema: -53, ts: 1, custom: []float64{0.005, 1}, pos: []span{{0, 3}}, posCounts: []float64{1, 2, 3}, countFloat: 6, sum: 3}
	out = mustRun(t, o, newReq2().add(series2{labels: lbl("__name__", "c"), hists: [][]byte{h.encode()}}).encode())
	bk = batch(t, out, "", "c_bucket")
	wantLE = []string{"0.005", "1", "inf"}
	wantCum = []float64{1, 3, 6}
	for i := range wantLE {
		le, _ := str(t, bk, "le", i)
		v, _ := bk.Col(1).Float64(i)
		if le != wantLE[i] || v != wantCum[i] {
			t.Errorf("custom bucket %d: le %q value %v", i, le, v)
		}
	}
	// Spans and counts that disagree, and negative counts, are refused.
	bad := hist2{pos: []span{{0, 2}}, posDeltas: []int64{1}}
	_, err := run(t, o, newReq2().add(series2{labels: lbl("__name__", "x"), hists: [][]byte{bad.encode()}}).encode())
	wantErr(t, err, "cover 2 buckets but 1 counts")
	bad = hist2{pos: []span{{0, 2}}, posDeltas: []int64{1, -2}}
	_, err = run(t, o, newReq2().add(series2{labels: lbl("__name__", "x"), hists: [][]byte{bad.encode()}}).encode())
	wantErr(t, err, "negative")
}

// Exponential bucket bounds 2^(i*2^-schema).
func TestBound(t *testing.T) {
	cases := []struct {
		i, schema int32
		want      float64
	}{
		{0, 0, 1}, {1, 0, 2}, {-1, 0, 0.5}, {1, -1, 4}, {2, 1, 2}, {1, 1, math.Sqrt2}, {-1, 1, 1 / math.Sqrt2}, {3, 2, math.Pow(2, 0.75)},
	}
	for _, tc := range cases {
		if got := bound(tc.i, tc.schema); math.Abs(got-tc.want) > 1e-15*tc.want {
			t.Errorf("bound(%d, %d) = %v, want %v", tc.i, tc.schema, got, tc.want)
		}
	}
}

// le="inf" and Rust float formatting such as 0.005 and 1
// (greptimedb-tables.md §2.2 and §6.3).
func TestAppendLE(t *testing.T) {
	for f, want := range map[float64]string{
		0.005: "0.005", 1: "1", 2.5: "2.5", 1e21: "1000000000000000000000", 1e-7: "0.0000001",
		math.Inf(1): "inf", math.Inf(-1): "-inf", -0.25: "-0.25", 100: "100",
	} {
		if got := string(appendLE(nil, f)); got != want {
			t.Errorf("appendLE(%v) = %q, want %q", f, got, want)
		}
	}
	if got := string(appendLE(nil, math.NaN())); got != "NaN" {
		t.Errorf("NaN = %q", got)
	}
}

// GreptimeDB's structural checks of native histograms apply before the
// classic conversion (v2.rs validate_native_histogram and friends).
func TestV2HistogramValidation(t *testing.T) {
	o := v2opts()
	o.NativeHistograms = NativeHistogramsClassic
	ok := hist2{countInt: 2, pos: []span{{0, 2}}, posDeltas: []int64{1, 0}}
	cases := []struct {
		what string
		h    []byte
		want string
	}{
		{"reducible schema", hist2{schema: 9}.encode(), "must be reduced"},
		{"bad schema", hist2{schema: 60}.encode(), "schema 60 is unsupported"},
		{"count mismatch", hist2{countInt: 5, pos: []span{{0, 2}}, posDeltas: []int64{1, 0}}.encode(), "2 observations in buckets, count is 5"},
		{"negative later offset", hist2{countInt: 2, pos: []span{{0, 1}, {-1, 1}}, posDeltas: []int64{1, 0}}.encode(), "span 2 has negative offset"},
		{"custom values on standard", hist2{countInt: 0, custom: []float64{1}}.encode(), "must not use custom_values"},
		{"custom zero bucket", hist2{schema: -53, zeroThreshold: 1, custom: []float64{1}}.encode(), "must not use a zero bucket"},
		{"custom unsorted", hist2{schema: -53, custom: []float64{2, 1}}.encode(), "must be sorted"},
		{"custom inf", hist2{schema: -53, custom: []float64{math.Inf(1)}}.encode(), "+Inf or NaN"},
		{"custom index", hist2{schema: -53, custom: []float64{1}, pos: []span{{2, 1}}, posDeltas: []int64{1}, countInt: 1}.encode(), "index 2 is out of range"},
		{"mixed families", append(hist2{posCounts: []float64{1}, pos: []span{{0, 1}}}.encode(), pbUint(nil, hCountInt, 1)...), "same integer or float family"},
	}
	for _, tc := range cases {
		_, err := run(t, o, newReq2().add(series2{labels: lbl("__name__", "h"), hists: [][]byte{tc.h}}).encode())
		wantErr(t, err, tc.want)
	}
	mustRun(t, o, newReq2().add(series2{labels: lbl("__name__", "h"), hists: [][]byte{ok.encode()}}).encode())
	// NaN sum allows fewer observations in buckets than the count.
	nan := hist2{countInt: 3, sum: math.NaN(), pos: []span{{0, 1}}, posDeltas: []int64{2}}
	mustRun(t, o, newReq2().add(series2{labels: lbl("__name__", "h"), hists: [][]byte{nan.encode()}}).encode())
}

// Repeated names are found whether or not the set is sorted, small or large.
func TestV2RepeatedNames(t *testing.T) {
	for _, n := range []int{3, 40} {
		ls := lbl("__name__", "m")
		for i := 0; i < n; i++ {
			ls = append(ls, label{"l" + itoa(1000+i), "v"})
		}
		sortedDup := append(append([]label{}, ls...), label{"l1000", "again"})
		unsorted := append([]label{{"zz", "1"}}, ls...)
		unsortedDup := append(append([]label{}, unsorted...), label{"zz", "2"})
		for what, tc := range map[string]struct {
			ls  []label
			dup bool
		}{"sorted": {ls, false}, "sorted-dup": {sortedDup, true}, "unsorted": {unsorted, false}, "unsorted-dup": {unsortedDup, true}} {
			_, err := run(t, v2opts(), newReq2().add(series2{labels: tc.ls, samples: []sample{{1, 1}}}).encode())
			if tc.dup {
				wantErr(t, err, "is repeated")
			} else if err != nil {
				t.Errorf("n=%d %s: %v", n, what, err)
			}
		}
	}
}

// One metric may not carry samples in one series and native histograms in
// another, in either order, even when histograms become classic tables.
func TestV2SamplesAndHistogramsAcrossSeries(t *testing.T) {
	o := v2opts()
	o.NativeHistograms = NativeHistogramsClassic
	h := hist2{countInt: 1, pos: []span{{0, 1}}, posDeltas: []int64{1}}.encode()
	s := series2{labels: lbl("__name__", "m", "a", "1"), samples: []sample{{1, 1}}}
	hs := series2{labels: lbl("__name__", "m", "a", "2"), hists: [][]byte{h}}
	for _, r := range []*req2{newReq2().add(s).add(hs), newReq2().add(hs).add(s)} {
		_, err := run(t, o, r.encode())
		wantErr(t, err, `metric "m" contains both samples and native histograms`)
	}
	// Different databases keep the metrics apart.
	hs.labels = append(hs.labels, label{"x_greptime_database", "other"})
	mustRun(t, o, newReq2().add(s).add(hs).encode())
}

// Wire-level details: unpacked labels_refs are accepted (protobuf allows
// both encodings of a repeated scalar); known fields with the wrong wire
// type are refused, as prost refuses them.
func TestV2Wire(t *testing.T) {
	syms := pbString(pbString(pbString(nil, v2ReqSymbols, ""), v2ReqSymbols, "__name__"), v2ReqSymbols, "m")
	sampleMsg := pbUint(pbDouble(nil, v2SampleValue, 1), v2SampleTS, 7)
	unpacked := pbBytes(pbUint(pbUint(nil, v2TSLabelsRefs, 1), v2TSLabelsRefs, 2), v2TSSamples, sampleMsg)
	out := mustRun(t, v2opts(), pbBytes(syms, v2ReqTimeseries, unpacked))
	if ts, _ := batch(t, out, "", "m").Col(0).Int64(0); ts != 7 {
		t.Errorf("timestamp %d", ts)
	}
	refs := pbBytes(nil, v2TSLabelsRefs, []byte{1, 2})
	bad := map[string][]byte{
		"metadata type as double": pbBytes(pbBytes(refs, v2TSSamples, sampleMsg), v2TSMetadata, pbDouble(nil, v2MetaType, 1)),
		"sample value as varint":  pbBytes(refs, v2TSSamples, pbUint(nil, v2SampleValue, 1)),
		"samples as varint":       pbUint(refs, v2TSSamples, 1),
		"symbols as varint":       nil,
	}
	for what, ts := range bad {
		raw := pbBytes(syms, v2ReqTimeseries, ts)
		if ts == nil {
			raw = pbUint(syms, v2ReqSymbols, 1)
		}
		_, err := run(t, v2opts(), raw)
		if err == nil {
			t.Errorf("%s: accepted", what)
			continue
		}
		wantErr(t, err, "wire type")
	}
}

// Hints stay sorted by key whether the batch was fresh or already carried
// hints (table.Hints relies on it for Get).
func TestHintsSorted(t *testing.T) {
	r := newReq2().add(series2{labels: lbl("__name__", "m"), samples: []sample{{1, 1}}, mtype: 1, unit: "bytes"})
	out := &translate.Output{}
	pre := out.Batch("", "m")
	pre.Hints.Set("ttl", "7d")
	if err := Translate(t.Context(), r.encode(), v2opts(), out); err != nil {
		t.Fatal(err)
	}
	fresh := batch(t, mustRun(t, v2opts(), r.encode()), "", "m")
	for _, h := range []table.Hints{pre.Hints, fresh.Hints} {
		for i := 1; i < len(h); i++ {
			if h[i-1].Key >= h[i].Key {
				t.Errorf("hints not sorted: %v", h)
			}
		}
		if v, _ := h.Get(HintMetricUnit); v != "By" {
			t.Errorf("unit hint %q in %v", v, h)
		}
	}
	if v, _ := pre.Hints.Get("ttl"); v != "7d" {
		t.Errorf("existing hint lost")
	}
}

// A populated bucket inside the zero threshold still yields ascending le
// with cumulative counts.
func TestClassicBucketsOrder(t *testing.T) {
	h := histogram{
		count: 3, zeroThreshold: 2, zeroCount: 1, countInt: true, zeroInt: true,
		posSpans: []span{{0, 1}}, posDeltas: []int64{2},
	} // bucket (0.5,1] below the threshold 2
	got, err := h.classicBuckets(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []bucket{{1, 2}, {2, 3}, {math.Inf(1), 3}}
	if len(got) != len(want) {
		t.Fatalf("buckets %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("bucket %d = %v, want %v", i, got[i], want[i])
		}
	}
}

package prom

import (
	"strconv"
	"strings"
	"testing"
)

// §1.2 label names: [a-zA-Z_][a-zA-Z0-9_]* or the whole request is refused
// (validation.rs); the opt-in sanitising mode rewrites them instead.
func TestV1LabelNames(t *testing.T) {
	for _, name := range []string{"has-dash", "0digit", "dot.ted", "ünï"} {
		raw := request1(0, series1{labels: []label{{"__name__", "m"}, {name, "v"}}, samples: []sample{{1, 1}}})
		_, err := run(t, v1opts(), raw)
		wantErr(t, err, "invalid label name", name)
		o := v1opts()
		o.LabelNames = LabelNamesSanitize
		out := mustRun(t, o, raw)
		b := batch(t, out, "", "m")
		got := b.Col(2).Name
		if !validLabelName([]byte(got)) {
			t.Errorf("sanitised %q to invalid %q", name, got)
		}
	}
	if got := sanitizeLabelName([]byte("0a-b")); got != "_0a_b" {
		t.Errorf("sanitize = %q", got)
	}
	for _, name := range []string{"_", "A", "abc123", "__meta__"} {
		raw := request1(0, series1{labels: []label{{"__name__", "m"}, {name, "v"}}, samples: []sample{{1, 1}}})
		mustRun(t, v1opts(), raw)
	}
	// An empty name is refused in both modes.
	o := v1opts()
	o.LabelNames = LabelNamesSanitize
	_, err := run(t, o, request1(0, series1{labels: []label{{"__name__", "m"}, {"", "v"}}, samples: []sample{{1, 1}}}))
	wantErr(t, err, "invalid label name")
	// A label shadowing the value column is refused with a clear message.
	_, err = run(t, v1opts(), request1(0, series1{labels: lbl("__name__", "m", "greptime_value", "x"), samples: []sample{{1, 1}}}))
	wantErr(t, err, `"greptime_value" collides`)
}

// A label name repeated in one series is refused (remote-write spec: no
// duplicate names), sorted or not, beyond the linear-scan limit, with no
// samples, and for the routing labels; distinct names sanitised onto one
// column keep the last value.
func TestV1RepeatedLabels(t *testing.T) {
	many := lbl("__name__", "m")
	for i := 0; i < 40; i++ {
		many = append(many, label{"l" + strings.Repeat("x", i), "v"})
	}
	many = append(many, label{"lxx", "again"})
	for _, tc := range []struct {
		name   string
		labels []label
		rows   int
		want   string
	}{
		{"adjacent", lbl("__name__", "m", "job", "first", "job", "last"), 2, "job"},
		{"apart", lbl("__name__", "m", "job", "a", "zone", "z", "job", "b"), 1, "job"},
		{"past the scan limit", many, 1, "lxx"},
		{"no samples", lbl("__name__", "m", "job", "a", "job", "b"), 0, "job"},
		{"metric name", lbl("__name__", "m", "__name__", "n"), 1, "__name__"},
		{"database", lbl("__name__", "m", "__database__", "a", "__database__", "b"), 1, "__database__"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := series1{labels: tc.labels}
			for i := 0; i < tc.rows; i++ {
				s.samples = append(s.samples, sample{float64(i), int64(i + 1)})
			}
			_, err := run(t, v1opts(), request1(0, s))
			wantErr(t, err, "label name "+strconv.Quote(tc.want)+" is repeated")
		})
	}
	// Two database labels of different names are no repeat: the first wins.
	raw := request1(0, series1{labels: lbl("__name__", "m", "x_greptime_database", "a", "__database__", "b"), samples: []sample{{1, 1}}})
	batch(t, mustRun(t, v1opts(), raw), "a", "m")
	o := v1opts()
	o.LabelNames = LabelNamesSanitize
	raw = request1(0, series1{labels: lbl("__name__", "m", "a.b", "first", "a_b", "last"), samples: []sample{{1, 1}}})
	if v, _ := str(t, batch(t, mustRun(t, o, raw), "", "m"), "a_b", 0); v != "last" {
		t.Errorf("a_b = %q, want last", v)
	}
}

// §1.2 label values: strict refuses invalid UTF-8, lossy replaces with
// U+FFFD, unchecked keeps the bytes (validation.rs PromValidationMode).
func TestUTF8Modes(t *testing.T) {
	raw := request1(0, series1{labels: lbl("__name__", "m", "v", "a\xffb"), samples: []sample{{1, 1}}})
	_, err := run(t, v1opts(), raw)
	wantErr(t, err, "not valid utf-8", `"v"`)
	o := v1opts()
	o.UTF8 = UTF8Lossy
	if v, _ := str(t, batch(t, mustRun(t, o, raw), "", "m"), "v", 0); v != "a\uFFFDb" {
		t.Errorf("lossy = %q", v)
	}
	o.UTF8 = UTF8Unchecked
	if v, _ := str(t, batch(t, mustRun(t, o, raw), "", "m"), "v", 0); v != "a\xffb" {
		t.Errorf("unchecked = %q", v)
	}
	_, err = run(t, v1opts(), request1(0, series1{labels: lbl("__name__", "m\xff"), samples: []sample{{1, 1}}}))
	wantErr(t, err, "not valid utf-8")
}

// Lossy mode replaces each maximal ill-formed subpart with one U+FFFD, as
// Rust's String::from_utf8_lossy does.
func TestLossyMaximalSubpart(t *testing.T) {
	cases := map[string]string{
		"a\xffb":            "a\uFFFDb",
		"\xF0\x9F\x98a":     "\uFFFDa",            // truncated 4-byte sequence: one replacement
		"\xE0\x80":          "\uFFFD\uFFFD",       // E0 80 is never valid: two
		"\xED\xA0\x80":      "\uFFFD\uFFFD\uFFFD", // surrogate
		"ok\xC3":            "ok\uFFFD",
		"\xF4\x90\x80\x80":  "\uFFFD\uFFFD\uFFFD\uFFFD",
		"caf\xC3\xA9 \xC3(": "café \uFFFD(",
	}
	for in, want := range cases {
		var scratch []byte
		got, err := checkValue(UTF8Lossy, V1, []byte("l"), []byte(in), &scratch)
		if err != nil || string(got) != want {
			t.Errorf("lossy(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// Known fields with the wrong wire type are refused, as prost refuses them.
func TestV1WrongWireTypes(t *testing.T) {
	lb := pbUint(nil, v1LabelName, 3)
	cases := map[string][]byte{
		"label as varint":     pbBytes(nil, v1ReqTimeseries, pbUint(nil, v1TSLabels, 1)),
		"label name varint":   pbBytes(nil, v1ReqTimeseries, pbBytes(nil, v1TSLabels, lb)),
		"sample value varint": pbBytes(nil, v1ReqTimeseries, pbBytes(nil, v1TSSamples, pbUint(nil, v1SampleValue, 1))),
		"timestamp as double": pbBytes(nil, v1ReqTimeseries, pbBytes(nil, v1TSSamples, pbDouble(nil, v1SampleTimestamp, 1))),
	}
	for what, raw := range cases {
		_, err := run(t, v1opts(), raw)
		if err == nil {
			t.Errorf("%s: accepted", what)
			continue
		}
		wantErr(t, err, "wire type")
	}
}

// Metric names are kept verbatim but must be names GreptimeDB can create a
// table for (NAME_PATTERN in common/base/src/regex_pattern.rs).
func TestMetricNamePattern(t *testing.T) {
	for _, name := range []string{"up", "Http.Requests-Total", ":colon", "-dash", "a@b#c", "job:rate5m"} {
		mustRun(t, v1opts(), request1(0, series1{labels: lbl("__name__", name), samples: []sample{{1, 1}}}))
	}
	for _, name := range []string{"has space", "1starts_with_digit", ".dot", "ünicode", "a/b"} {
		_, err := run(t, v1opts(), request1(0, series1{labels: lbl("__name__", name), samples: []sample{{1, 1}}}))
		wantErr(t, err, "not a valid GreptimeDB table name", name)
	}
}

// The ASCII pass over a series' label run stands in for the per-value UTF-8
// check only when it covers every label: a label after the samples, or a
// high byte anywhere in the run, brings the per-value check back.
func TestASCIIFastPath(t *testing.T) {
	for n := 0; n <= 17; n++ {
		b := []byte(strings.Repeat("a", n))
		if !asciiOnly(b) {
			t.Fatalf("%d ASCII bytes reported non-ASCII", n)
		}
		for i := range b {
			b[i] = 0x80
			if asciiOnly(b) {
				t.Fatalf("high byte at %d of %d not seen", i, n)
			}
			b[i] = 'a'
		}
	}
	enc := series1{labels: lbl("__name__", "m", "job", "a"), samples: []sample{{1, 1}}}.encode()
	enc = pbBytes(enc, v1TSLabels, pbString(pbString(nil, v1LabelName, "late"), v1LabelValue, "bad\xff"))
	raw := pbBytes(nil, v1ReqTimeseries, enc)
	o := v1opts()
	_, err := run(t, o, raw)
	wantErr(t, err, "not valid utf-8", `"late"`)
	raw = request1(0, series1{labels: lbl("__name__", "m\xff"), samples: []sample{{1, 1}}})
	_, err = run(t, o, raw)
	wantErr(t, err, "not valid utf-8", `"__name__"`)
}

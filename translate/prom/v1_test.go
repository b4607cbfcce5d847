package prom

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// §1.2: one table per metric name, verbatim; timestamp TIMESTAMP(3) time
// index, value DOUBLE field, every label a STRING tag in first-seen order;
// labels missing from a series are NULL (row_builder.rs).
func TestV1TableLayout(t *testing.T) {
	raw := request1(0,
		series1{labels: lbl("__name__", "Http.Requests-Total", "instance", "a:9090", "job", "api"), samples: []sample{{1, 1000}, {2, 2000}}},
		series1{labels: lbl("__name__", "Http.Requests-Total", "job", "db", "code", "500"), samples: []sample{{3, 3000}}},
	)
	out := mustRun(t, v1opts(), raw)
	b := batch(t, out, "", "Http.Requests-Total")
	want := []struct {
		name string
		typ  table.DataType
		sem  table.SemanticType
	}{
		{"greptime_timestamp", table.TimestampMillisecond, table.Timestamp},
		{"greptime_value", table.Float64, table.Field},
		{"instance", table.String, table.Tag},
		{"job", table.String, table.Tag},
		{"code", table.String, table.Tag},
	}
	if b.NumColumns() != len(want) {
		t.Fatalf("columns:\n%s", dump(out))
	}
	for i, w := range want {
		c := b.Col(i)
		if c.Name != w.name || c.Type != w.typ || c.Semantic != w.sem {
			t.Errorf("column %d = %s %s %s, want %s %s %s", i, c.Name, c.Type, c.Semantic, w.name, w.typ, w.sem)
		}
	}
	if b.Rows() != 3 || out.Samples != 3 {
		t.Fatalf("rows %d samples %d, want 3", b.Rows(), out.Samples)
	}
	if ts, _ := b.Col(0).Int64(2); ts != 3000 {
		t.Errorf("row 2 timestamp %d", ts)
	}
	if _, ok := str(t, b, "instance", 2); ok {
		t.Errorf("instance should be NULL in the series without it")
	}
	if _, ok := str(t, b, "code", 0); ok {
		t.Errorf("code should be NULL in the first series")
	}
	if v, _ := str(t, b, "job", 1); v != "api" {
		t.Errorf("job row 1 = %q", v)
	}
}

// §1.3 and prom_store.rs prepare_remote_write_context: the metric engine's
// physical_table hint (default greptime_physical_table) and the semantic
// options every remote-write table gets.
func TestV1Hints(t *testing.T) {
	raw := request1(0, series1{labels: lbl("__name__", "up"), samples: []sample{{1, 1}}})
	b := batch(t, mustRun(t, v1opts(), raw), "", "up")
	for k, v := range map[string]string{
		HintPhysicalTable:   "greptime_physical_table",
		HintSignalType:      "metric",
		HintSource:          "prometheus",
		HintSourceVersion:   "1.0",
		HintMetadataQuality: "inferred",
	} {
		if got := hint(b, k); got != v {
			t.Errorf("hint %s = %q, want %q", k, got, v)
		}
	}
	mito := v1opts()
	mito.DB.MetricEngine = false
	b = batch(t, mustRun(t, mito, raw), "", "up")
	if _, ok := b.Hints.Get(HintPhysicalTable); ok {
		t.Errorf("mito tables must not carry the physical_table hint")
	}
}

// Physical table: series label, then the request's ?physical_table=, then
// the database default, then greptime_physical_table (§1.3).
func TestPhysicalTablePrecedence(t *testing.T) {
	plain := series1{labels: lbl("__name__", "a"), samples: []sample{{1, 1}}}
	labelled := series1{labels: lbl("__name__", "b", "__physical_table__", "p_label"), samples: []sample{{1, 1}}}
	labelled2 := series1{labels: lbl("__name__", "c", "x_greptime_physical_table", "p_label2"), samples: []sample{{1, 1}}}
	o := v1opts()
	o.DB.PhysicalTable = "p_db"
	out := mustRun(t, o, request1(0, plain, labelled, labelled2))
	if got := hint(batch(t, out, "", "a"), HintPhysicalTable); got != "p_db" {
		t.Errorf("db default: %q", got)
	}
	if got := hint(batch(t, out, "", "b"), HintPhysicalTable); got != "p_label" {
		t.Errorf("label: %q", got)
	}
	if got := hint(batch(t, out, "", "c"), HintPhysicalTable); got != "p_label2" {
		t.Errorf("label: %q", got)
	}
	o.PhysicalTable = "p_req"
	if got := hint(batch(t, mustRun(t, o, request1(0, plain)), "", "a"), HintPhysicalTable); got != "p_req" {
		t.Errorf("request: %q", got)
	}
	if b := batch(t, out, "", "b"); b.Column("__physical_table__") != nil {
		t.Errorf("special label stored as a column")
	}
}

// §1.2 special labels: __schema__ wins over both database labels; of
// x_greptime_database and __database__ the first wins (decode.rs
// merge_field); none is stored as a column.
func TestDatabaseLabels(t *testing.T) {
	cases := []struct {
		labels []label
		want   string
	}{
		{lbl("__name__", "m", "x_greptime_database", "d1"), "d1"},
		{lbl("__name__", "m", "__database__", "d2"), "d2"},
		{lbl("__database__", "first", "__name__", "m", "x_greptime_database", "second"), "first"},
		{lbl("__name__", "m", "x_greptime_database", "d1", "__schema__", "s"), "s"},
		{lbl("__schema__", "s", "__name__", "m", "x_greptime_database", "d1"), "s"},
	}
	for _, tc := range cases {
		o := v1opts()
		o.Database = "req_db"
		out := mustRun(t, o, request1(0, series1{labels: tc.labels, samples: []sample{{1, 1}}}))
		b := batch(t, out, tc.want, "m")
		if b.NumColumns() != 2 {
			t.Errorf("%v: special labels became columns:\n%s", tc.labels, dump(out))
		}
	}
	o := v1opts()
	o.Database = "req_db"
	batch(t, mustRun(t, o, request1(0, series1{labels: lbl("__name__", "m"), samples: []sample{{1, 1}}})), "req_db", "m")
}

// §1.2 NaN and stale markers: the exact float bits are stored, ±Inf too.
func TestV1FloatBits(t *testing.T) {
	stale := math.Float64frombits(0x7ff0000000000002)
	raw := request1(0, series1{labels: lbl("__name__", "m"), samples: []sample{{stale, 1}, {math.NaN(), 2}, {math.Inf(1), 3}, {math.Inf(-1), 4}, {math.Copysign(0, -1), 5}}})
	b := batch(t, mustRun(t, v1opts(), raw), "", "m")
	want := []uint64{0x7ff0000000000002, math.Float64bits(math.NaN()), math.Float64bits(math.Inf(1)), math.Float64bits(math.Inf(-1)), math.Float64bits(math.Copysign(0, -1))}
	for i, w := range want {
		if got, _ := b.Col(1).Float64Bits(i); got != w {
			t.Errorf("row %d bits %#x, want %#x", i, got, w)
		}
	}
}

// §1.2: GreptimeDB v2 refuses a series without __name__; the bridge refuses
// it in v1 too (decision noted in rw1.go).
func TestV1MissingName(t *testing.T) {
	_, err := run(t, v1opts(), request1(0, series1{labels: lbl("job", "x"), samples: []sample{{1, 1}}}))
	wantErr(t, err, "without a __name__ label", `job="x"`)
	_, err = run(t, v1opts(), request1(0, series1{labels: lbl("__name__", ""), samples: []sample{{1, 1}}}))
	wantErr(t, err, "__name__")
	_, err = run(t, v1opts(), request1(0, series1{samples: []sample{{1, 1}}}))
	wantErr(t, err, "labels: none")
}

// §1.2 not stored: metadata-only requests succeed, exemplars are dropped
// and counted, v1 native histograms are refused as GreptimeDB main does.
func TestV1DroppedParts(t *testing.T) {
	out := mustRun(t, v1opts(), request1(3))
	if len(out.Batches) != 0 || out.Dropped["metadata"] != 3 {
		t.Errorf("metadata-only: %s", dump(out))
	}
	out = mustRun(t, v1opts(), request1(0, series1{labels: lbl("__name__", "m"), samples: []sample{{1, 1}}, exemplars: 2}))
	if out.Exemplars != 2 || out.Dropped["exemplar"] != 2 || out.Rows() != 1 {
		t.Errorf("exemplars: %s", dump(out))
	}
	_, err := run(t, v1opts(), request1(0, series1{labels: lbl("__name__", "m"), samples: []sample{{1, 1}}, histograms: 1}))
	wantErr(t, err, "remote write v1 native histogram ingestion is unsupported; use remote write v2")
	// A series without samples writes nothing but its labels are checked.
	out = mustRun(t, v1opts(), request1(0, series1{labels: lbl("__name__", "m", "a", "b")}))
	if len(out.Batches) != 0 {
		t.Errorf("empty series created a table")
	}
	_, err = run(t, v1opts(), request1(0, series1{labels: lbl("__name__", "m", "a-b", "b")}))
	wantErr(t, err, "invalid label name")
}

// Empty and huge label sets.
func TestLabelSetSizes(t *testing.T) {
	b := batch(t, mustRun(t, v1opts(), request1(0, series1{labels: lbl("__name__", "m"), samples: []sample{{1, 1}}})), "", "m")
	if b.NumColumns() != 2 {
		t.Errorf("name-only series: %d columns", b.NumColumns())
	}
	ls := lbl("__name__", "big")
	for i := 0; i < 2000; i++ {
		ls = append(ls, label{"label_" + strings.Repeat("a", i%7) + string(rune('a'+i%26)) + itoa(i), strings.Repeat("v", i%50)})
	}
	b = batch(t, mustRun(t, v1opts(), request1(0, series1{labels: ls, samples: []sample{{1, 1}, {2, 2}}})), "", "big")
	if b.NumColumns() != 2002 || b.Rows() != 2 {
		t.Errorf("huge: %d columns %d rows", b.NumColumns(), b.Rows())
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}

// Malformed wire data is a permanent decode error, never a panic.
func TestV1Malformed(t *testing.T) {
	good := request1(0, series1{labels: lbl("__name__", "m"), samples: []sample{{1, 1}}})
	for n := 1; n < len(good); n++ {
		_, err := run(t, v1opts(), good[:n])
		if err == nil {
			continue // a prefix can be a valid shorter message
		}
		wantErr(t, err, "remote write 1.0")
	}
	// Every top-level field must be length-delimited (decode.rs).
	for _, raw := range [][]byte{{0x08, 0x01}, {0x10, 0x01}, pbDouble(nil, 7, 1)} {
		_, err := run(t, v1opts(), raw)
		wantErr(t, err, "wire type")
	}
	// Unknown length-delimited fields are skipped.
	mustRun(t, v1opts(), pbString(nil, 9, "future"))
}

// An Output reused after Reset gives the same result (pooled converters and
// batches keep no state across requests).
func TestReuse(t *testing.T) {
	raw := request1(0,
		series1{labels: lbl("__name__", "a", "x", "1"), samples: []sample{{1, 1}}},
		series1{labels: lbl("__name__", "b", "y", "2"), samples: []sample{{2, 2}}})
	out := &translate.Output{}
	var first string
	for i := 0; i < 3; i++ {
		out.Reset()
		if err := Translate(t.Context(), raw, v1opts(), out); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = dump(out)
		} else if got := dump(out); got != first {
			t.Fatalf("run %d differs:\n%s\nvs\n%s", i, got, first)
		}
	}
}

// proto3 senders omit zero fields: a sample with only a timestamp is value
// 0, one with nothing is value 0 at time 0.
func TestV1OmittedZeroFields(t *testing.T) {
	var ts []byte
	var lb []byte
	lb = pbString(lb, v1LabelName, "__name__")
	lb = pbString(lb, v1LabelValue, "m")
	ts = pbBytes(ts, v1TSLabels, lb)
	ts = pbBytes(ts, v1TSSamples, pbUint(nil, v1SampleTimestamp, 5))
	ts = pbBytes(ts, v1TSSamples, nil)
	ts = pbBytes(ts, v1TSSamples, pbDouble(nil, v1SampleValue, 2))
	b := batch(t, mustRun(t, v1opts(), pbBytes(nil, v1ReqTimeseries, ts)), "", "m")
	wantTS, wantV := []int64{5, 0, 0}, []float64{0, 0, 2}
	for i := range wantTS {
		tsv, _ := b.Col(0).Int64(i)
		v, _ := b.Col(1).Float64(i)
		if tsv != wantTS[i] || v != wantV[i] {
			t.Errorf("row %d = %d %v, want %d %v", i, tsv, v, wantTS[i], wantV[i])
		}
	}
}

// The metric-engine choice is per database: a database named by a series
// label gets its own options through DBFor.
func TestPerDatabaseEngine(t *testing.T) {
	o := v1opts()
	o.Database = "metrics"
	o.DBFor = func(db string) translate.DatabaseOptions {
		if db == "legacy" {
			return translate.DatabaseOptions{MetricEngine: false}
		}
		return translate.DatabaseOptions{MetricEngine: true, PhysicalTable: "phys_" + db}
	}
	out := mustRun(t, o, request1(0,
		series1{labels: lbl("__name__", "m"), samples: []sample{{1, 1}}},
		series1{labels: lbl("__name__", "m", "x_greptime_database", "legacy"), samples: []sample{{1, 1}}},
		series1{labels: lbl("__name__", "m", "x_greptime_database", "other"), samples: []sample{{1, 1}}}))
	if got := hint(batch(t, out, "metrics", "m"), HintPhysicalTable); got != "greptime_physical_table" {
		t.Errorf("request database uses opts.DB: %q", got)
	}
	if _, ok := batch(t, out, "legacy", "m").Hints.Get(HintPhysicalTable); ok {
		t.Errorf("legacy database must get mito tables")
	}
	if got := hint(batch(t, out, "other", "m"), HintPhysicalTable); got != "phys_other" {
		t.Errorf("other database physical table %q", got)
	}
}

// A physical table name GreptimeDB could not create (or the hint header
// could not carry) is refused.
func TestInvalidPhysicalTable(t *testing.T) {
	_, err := run(t, v1opts(), request1(0, series1{labels: lbl("__name__", "m", "__physical_table__", "a,b=c"), samples: []sample{{1, 1}}}))
	wantErr(t, err, `physical table "a,b=c" is not a valid`)
	o := v1opts()
	o.PhysicalTable = "bad name"
	_, err = run(t, o, request1(0, series1{labels: lbl("__name__", "m"), samples: []sample{{1, 1}}}))
	wantErr(t, err, `physical table "bad name"`)
}

// A database label GreptimeDB could not hold is refused.
func TestInvalidDatabaseLabel(t *testing.T) {
	_, err := run(t, v1opts(), request1(0, series1{labels: lbl("__name__", "m", "x_greptime_database", "no spaces"), samples: []sample{{1, 1}}}))
	wantErr(t, err, `database "no spaces"`)
	batch(t, mustRun(t, v1opts(), request1(0, series1{labels: lbl("__name__", "m", "__database__", "greptime-public"), samples: []sample{{1, 1}}})), "greptime-public", "m")
}

// One Converter serves consecutive requests into different Outputs.
func TestConverterReuse(t *testing.T) {
	c := NewConverter()
	for i, name := range []string{"a", "b", "a"} {
		out := &translate.Output{}
		raw := request1(0, series1{labels: lbl("__name__", name, "l"+name, "v"), samples: []sample{{float64(i), int64(i)}}})
		if err := c.Translate(t.Context(), raw, v1opts(), out); err != nil {
			t.Fatal(err)
		}
		b := batch(t, out, "", name)
		if len(out.Batches) != 1 || b.Rows() != 1 || b.NumColumns() != 3 {
			t.Errorf("request %d:\n%s", i, dump(out))
		}
	}
}

// The tight loop over canonically encoded labels hands anything else to the
// field loop: a label with its fields reversed or an unknown field, and
// lengths of 128 bytes or more, in any position, give the result of the
// canonical encoding.
func TestV1NonCanonicalLabels(t *testing.T) {
	long := strings.Repeat("v", 200)
	canonical := request1(0, series1{labels: lbl("__name__", "m", "a", "1", "b", long, "c", "3"), samples: []sample{{1, 1}}})
	label := func(name, value string, reversed, extra bool) []byte {
		var lb []byte
		if reversed {
			lb = pbString(pbString(lb, v1LabelValue, value), v1LabelName, name)
		} else {
			lb = pbString(pbString(lb, v1LabelName, name), v1LabelValue, value)
		}
		if extra {
			lb = pbUint(lb, 7, 1)
		}
		return pbBytes(nil, v1TSLabels, lb)
	}
	sm := pbBytes(nil, v1TSSamples, pbUint(pbDouble(nil, v1SampleValue, 1), v1SampleTimestamp, 1))
	for _, tc := range []struct {
		name string
		ts   [][]byte
	}{
		{"reversed first", [][]byte{label("__name__", "m", true, false), label("a", "1", false, false), label("b", long, false, false), label("c", "3", false, false)}},
		{"extra field in the middle", [][]byte{label("__name__", "m", false, false), label("a", "1", false, true), label("b", long, false, false), label("c", "3", true, false)}},
		{"label after samples", [][]byte{label("__name__", "m", false, false), label("a", "1", false, false), label("b", long, false, false), sm, label("c", "3", false, false)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ts []byte
			for _, f := range tc.ts {
				ts = append(ts, f...)
			}
			if !bytes.Contains(ts, sm) {
				ts = append(ts, sm...)
			}
			raw := pbBytes(nil, v1ReqTimeseries, ts)
			want, got := dump(mustRun(t, v1opts(), canonical)), dump(mustRun(t, v1opts(), raw))
			if got != want {
				t.Errorf("differs from the canonical encoding:\n%s", firstDiff(want, got))
			}
		})
	}
	if v, _ := str(t, batch(t, mustRun(t, v1opts(), canonical), "", "m"), "b", 0); v != long {
		t.Errorf("200-byte value stored as %d bytes", len(v))
	}
}

// TestTagColumnsVouchForUTF8: tag columns carry the UTF-8 mark exactly when
// the mode checks every value (strict, lossy), so the writer skips its own
// pass; unchecked values keep the writer's check.
func TestTagColumnsVouchForUTF8(t *testing.T) {
	raw := request1(0, series1{labels: lbl("__name__", "up", "instance", "a:9090", "job", "ok"), samples: []sample{{1, 1000}}})
	for _, tc := range []struct {
		mode UTF8Mode
		want bool
	}{{UTF8Strict, true}, {UTF8Lossy, true}, {UTF8Unchecked, false}} {
		o := v1opts()
		o.UTF8 = tc.mode
		b := batch(t, mustRun(t, o, raw), "", "up")
		for _, c := range b.Columns() {
			if c.Semantic == table.Tag && c.UTF8Checked != tc.want {
				t.Errorf("mode %d: column %q marked %v, want %v", tc.mode, c.Name, c.UTF8Checked, tc.want)
			}
		}
	}
}

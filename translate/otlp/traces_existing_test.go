package otlp

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// spansWith builds one span per attribute setter, trace ids 1, 2, …, as
// the spans of http.rs's coercion tests (around 7276–7848).
func spansWith(puts ...func(pcommon.Map)) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "type-coercion")
	ss := rs.ScopeSpans().AppendEmpty()
	for i, put := range puts {
		sp := ss.Spans().AppendEmpty()
		sp.SetTraceID(pcommon.TraceID{15: byte(i + 1)})
		sp.SetSpanID(pcommon.SpanID{7: byte(i + 1)})
		sp.SetStartTimestamp(pcommon.Timestamp(1_736_480_942_444_376_000 + i))
		sp.SetEndTimestamp(pcommon.Timestamp(1_736_480_942_444_499_000 + i))
		put(sp.Attributes())
	}
	return td
}

// traceSchema is a known trace table holding attribute columns of the
// given types.
func traceSchema(tableName string, attrs map[string]table.DataType) schemaMap {
	cols := []translate.KnownColumn{kc("timestamp", table.TimestampNanosecond, table.Timestamp), kc("service_name", table.String, table.Tag)}
	for k, t := range attrs {
		cols = append(cols, kc("span_attributes."+k, t, table.Field))
	}
	return schemaMap{"." + tableName: cols}
}

func tracesInto(t *testing.T, td ptrace.Traces, name string, schema schemaMap) (*translate.Output, *table.Batch) {
	t.Helper()
	out := convertTraces(t, td, &RequestOptions{TraceTableName: name, Schema: schema})
	return out, mustBatch(t, out, name)
}

func attrCol(t *testing.T, b *table.Batch, key string, typ table.DataType) *table.Column {
	t.Helper()
	c := b.Column("span_attributes." + key)
	if c == nil {
		t.Fatalf("no column span_attributes.%s (have %v)", key, columnNames(b))
	}
	if c.Type != typ || c.Semantic != table.Field {
		t.Fatalf("span_attributes.%s is %s %s, want FIELD %s", key, c.Semantic, c.Type, typ)
	}
	return c
}

// TestTraceExistingString is §7.4 "an existing STRING column takes any
// scalar as text" (http.rs trace_type_coercion_to_string): 20, 2.5 and
// false become "20", "2.5", "false".
func TestTraceExistingString(t *testing.T) {
	schema := traceSchema("s", map[string]table.DataType{"attr_int": table.String, "attr_float": table.String, "attr_bool": table.String})
	_, b := tracesInto(t, spansWith(func(m pcommon.Map) {
		m.PutInt("attr_int", 20)
		m.PutDouble("attr_float", 2.5)
		m.PutBool("attr_bool", false)
	}), "s", schema)
	for k, want := range map[string]string{"attr_int": "20", "attr_float": "2.5", "attr_bool": "false"} {
		attrCol(t, b, k, table.String)
		if got := str(t, b, "span_attributes."+k, 0); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

// TestTraceExistingParsesStrings is http.rs trace_type_coercion: existing
// DOUBLE, BIGINT and BOOLEAN columns take 2, "20" and "false" converted.
func TestTraceExistingParsesStrings(t *testing.T) {
	schema := traceSchema("c", map[string]table.DataType{"attr_float": table.Float64, "attr_int": table.Int64, "attr_bool": table.Boolean})
	_, b := tracesInto(t, spansWith(func(m pcommon.Map) {
		m.PutInt("attr_float", 2)
		m.PutStr("attr_int", "20")
		m.PutStr("attr_bool", "false")
	}), "c", schema)
	if v, _ := attrCol(t, b, "attr_float", table.Float64).Float64(0); v != 2 {
		t.Errorf("attr_float = %v", v)
	}
	if v, _ := attrCol(t, b, "attr_int", table.Int64).Int64(0); v != 20 {
		t.Errorf("attr_int = %v", v)
	}
	if v, ok := attrCol(t, b, "attr_bool", table.Boolean).Bool(0); v || !ok {
		t.Errorf("attr_bool = %v, %v", v, ok)
	}
}

// TestTraceWithinRequestPrefersTyped is §7.4 "within one request, a new
// column that receives both strings and typed values takes the typed type
// and parses the strings" (http.rs trace_type_prefer_non_string), here with
// a known table that lacks the columns.
func TestTraceWithinRequestPrefersTyped(t *testing.T) {
	td := spansWith(
		func(m pcommon.Map) {
			m.PutStr("attr_int", "10")
			m.PutStr("attr_float", "1.5")
			m.PutStr("attr_bool", "true")
		},
		func(m pcommon.Map) {
			m.PutInt("attr_int", 20)
			m.PutDouble("attr_float", 2.5)
			m.PutBool("attr_bool", false)
		},
	)
	for _, schema := range []schemaMap{nil, traceSchema("p", nil)} {
		opts := &RequestOptions{TraceTableName: "p"}
		if schema != nil {
			opts.Schema = schema
		}
		b := mustBatch(t, convertTraces(t, td, opts), "p")
		if v, _ := attrCol(t, b, "attr_int", table.Int64).Int64(0); v != 10 {
			t.Errorf("attr_int[0] = %d", v)
		}
		if v, _ := attrCol(t, b, "attr_float", table.Float64).Float64(0); v != 1.5 {
			t.Errorf("attr_float[0] = %v", v)
		}
		if v, _ := attrCol(t, b, "attr_bool", table.Boolean).Bool(0); !v {
			t.Errorf("attr_bool[0] = %v", v)
		}
	}
}

// TestTraceExistingDoubleStays is §7.4 "an existing DOUBLE column stays
// DOUBLE" (http.rs trace_type_existing_float_prefers_schema): an int
// first, then a double, both written as DOUBLE; no widening statement.
func TestTraceExistingDoubleStays(t *testing.T) {
	schema := traceSchema("f", map[string]table.DataType{"attr_num": table.Float64})
	_, b := tracesInto(t, spansWith(
		func(m pcommon.Map) { m.PutInt("attr_num", 2) },
		func(m pcommon.Map) { m.PutDouble("attr_num", 3.5) },
	), "f", schema)
	c := attrCol(t, b, "attr_num", table.Float64)
	if a, _ := c.Float64(0); a != 2 {
		t.Errorf("attr_num[0] = %v", a)
	}
	if v, _ := c.Float64(1); v != 3.5 {
		t.Errorf("attr_num[1] = %v", v)
	}
	if s := WideningSQL(b, schema[".f"]); len(s) != 0 {
		t.Errorf("widening %v", s)
	}
}

// TestTraceExistingBigintWidens is §7.4 "an existing BIGINT column is
// altered to DOUBLE when a double arrives" (http.rs
// trace_type_existing_int_widens_to_float and _float_only): the batch
// carries the column as DOUBLE and WideningSQL gives the ALTER to run first.
func TestTraceExistingBigintWidens(t *testing.T) {
	schema := traceSchema("w", map[string]table.DataType{"attr_num": table.Int64})
	_, b := tracesInto(t, spansWith(
		func(m pcommon.Map) { m.PutInt("attr_num", 2) },
		func(m pcommon.Map) { m.PutDouble("attr_num", 3.5) },
	), "w", schema)
	c := attrCol(t, b, "attr_num", table.Float64)
	if a, _ := c.Float64(0); a != 2 {
		t.Errorf("attr_num[0] = %v", a)
	}
	want := []string{`ALTER TABLE "w" MODIFY COLUMN "span_attributes.attr_num" DOUBLE`}
	if got := WideningSQL(b, schema[".w"]); strings.Join(got, ";") != want[0] {
		t.Errorf("WideningSQL = %q, want %q", got, want)
	}
	// Only doubles: still widened.
	_, b = tracesInto(t, spansWith(func(m pcommon.Map) { m.PutDouble("attr_num", 2.5) }), "w", schema)
	if v, _ := attrCol(t, b, "attr_num", table.Float64).Float64(0); v != 2.5 {
		t.Errorf("float only: %v", v)
	}
	// Not a trace table: no statement.
	plain := table.New("", "w")
	plain.MustColumn("span_attributes.attr_num", table.Float64, table.Field)
	if got := WideningSQL(plain, schema[".w"]); got != nil {
		t.Errorf("non-trace batch: %v", got)
	}
}

// TestTraceExistingAtomicReject is §7.4 "an unparsable string rejects the
// whole span, with no widening" (http.rs trace_type_existing_int_widen_atomic):
// the only span carries 3.5 for a BIGINT column and "not_a_number" for
// another: it is rejected, the request is a 400, and nothing is widened.
func TestTraceExistingAtomicReject(t *testing.T) {
	schema := traceSchema("a", map[string]table.DataType{"attr_num": table.Int64, "attr_parse": table.Int64})
	td := spansWith(func(m pcommon.Map) { m.PutDouble("attr_num", 3.5); m.PutStr("attr_parse", "not_a_number") })
	out := &translate.Output{}
	err := NewConverter().Traces(context.Background(), td, &RequestOptions{TraceTableName: "a", Schema: schema}, out)
	if err == nil || !errs.IsPermanent(err) || !strings.Contains(err.Error(), "accepted 0 spans, rejected 1 spans") {
		t.Fatalf("err = %v, want a permanent all-rejected error", err)
	}
	// With a good span beside it, the good span is written and keeps BIGINT.
	td = spansWith(
		func(m pcommon.Map) { m.PutInt("attr_num", 4); m.PutInt("attr_parse", 1) },
		func(m pcommon.Map) { m.PutDouble("attr_num", 3.5); m.PutStr("attr_parse", "not_a_number") },
	)
	out, b := tracesInto(t, td, "a", schema)
	if b.Rows() != 1 || out.Dropped[DropSpanRejected] != 1 {
		t.Fatalf("rows %d dropped %v", b.Rows(), out.Dropped)
	}
	attrCol(t, b, "attr_num", table.Int64)
	if s := WideningSQL(b, schema[".a"]); len(s) != 0 {
		t.Errorf("widened by a rejected span: %v", s)
	}
}

// TestTraceExistingPartialSuccess is http.rs trace_type_abort: an existing
// BIGINT column, "20" is parsed and written, "not_a_number" rejects its span
// (counted for partial_success).
func TestTraceExistingPartialSuccess(t *testing.T) {
	schema := traceSchema("abort", map[string]table.DataType{"attr_int": table.Int64})
	out, b := tracesInto(t, spansWith(
		func(m pcommon.Map) { m.PutStr("attr_int", "20") },
		func(m pcommon.Map) { m.PutStr("attr_int", "not_a_number") },
	), "abort", schema)
	if b.Rows() != 1 || out.Dropped[DropSpanRejected] != 1 {
		t.Fatalf("rows %d dropped %v", b.Rows(), out.Dropped)
	}
	if v, _ := attrCol(t, b, "attr_int", table.Int64).Int64(0); v != 20 {
		t.Errorf("attr_int = %d", v)
	}
	if got := str(t, b, "trace_id", 0); got != "00000000000000000000000000000001" {
		t.Errorf("kept span %s", got)
	}
	// The rejected span adds no operation to the auxiliary tables.
	ops := mustBatch(t, out, "abort_operations")
	if ops.Rows() != 1 {
		t.Errorf("operations rows %d", ops.Rows())
	}
}

// TestTraceExistingPerSpan covers the per-span path of trace_ingest.rs: a
// column whose request-wide mix has no decision (an existing BIGINT with a
// double and a bool) sends its spans through one by one in order: the
// double widens the column, the bool then fits nothing and is rejected.
func TestTraceExistingPerSpan(t *testing.T) {
	schema := traceSchema("ps", map[string]table.DataType{"x": table.Int64})
	out, b := tracesInto(t, spansWith(
		func(m pcommon.Map) { m.PutInt("x", 1) },
		func(m pcommon.Map) { m.PutDouble("x", 1.5) },
		func(m pcommon.Map) { m.PutBool("x", true) },
		func(m pcommon.Map) { m.PutStr("x", "2.5") },
	), "ps", schema)
	if b.Rows() != 3 || out.Dropped[DropSpanRejected] != 1 {
		t.Fatalf("rows %d dropped %v", b.Rows(), out.Dropped)
	}
	c := attrCol(t, b, "x", table.Float64)
	for i, want := range []float64{1, 1.5, 2.5} {
		if v, _ := c.Float64(i); v != want {
			t.Errorf("x[%d] = %v, want %v", i, v, want)
		}
	}
}

// TestTraceExistingIncompatible: types that do not coerce to the existing
// column reject their spans (bool into DOUBLE, JSON into BINARY, anything
// but the fixed type for a semconv column the table holds otherwise).
func TestTraceExistingIncompatible(t *testing.T) {
	schema := traceSchema("inc", map[string]table.DataType{"d": table.Float64, "bin": table.Binary, "http.response.status_code": table.String})
	out, b := tracesInto(t, spansWith(
		func(m pcommon.Map) { m.PutDouble("d", 1) },
		func(m pcommon.Map) { m.PutBool("d", true) },
		func(m pcommon.Map) { m.PutEmptySlice("bin").AppendEmpty().SetInt(1) },
		func(m pcommon.Map) { m.PutInt("http.response.status_code", 200) },
	), "inc", schema)
	if b.Rows() != 1 || out.Dropped[DropSpanRejected] != 3 {
		t.Fatalf("rows %d dropped %v", b.Rows(), out.Dropped)
	}
}

// TestReconcileType checks choose_trace_reconcile_decision's table
// (trace_types.rs tests).
func TestReconcileType(t *testing.T) {
	I, F, S, B := table.Int64, table.Float64, table.String, table.Boolean
	for _, tc := range []struct {
		col      string
		observed []table.DataType
		existing table.DataType
		has      bool
		want     table.DataType
		ok       bool
	}{
		{"span_attributes.a", []table.DataType{I}, I, true, I, true},
		{"span_attributes.a", []table.DataType{I, F}, I, true, F, true},
		{"span_attributes.a", []table.DataType{F}, I, true, F, true},
		{"span_attributes.a", []table.DataType{I, F}, F, true, F, true},
		{"span_attributes.a", []table.DataType{B, I}, I, true, 0, false},
		{"span_attributes.a", []table.DataType{S, F}, I, true, 0, false},
		{"span_attributes.a", []table.DataType{I, F, B}, S, true, S, true},
		{"span_attributes.a", []table.DataType{I, F}, 0, false, F, true},
		{"span_attributes.http.response.status_code", []table.DataType{S, I}, 0, false, I, true},
		{"span_attributes.http.response.status_code", []table.DataType{I}, I, true, I, true},
		{"span_attributes.http.response.status_code", []table.DataType{I}, S, true, 0, false},
	} {
		got, ok := reconcileType(tc.col, tc.observed, tc.existing, tc.has)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("%s %v existing %v(%v): %v %v, want %v %v", tc.col, tc.observed, tc.existing, tc.has, got, ok, tc.want, tc.ok)
		}
	}
}

// TestTraceNewColumnPerSpan: without a known table, a column whose mix has
// no common type (an int, a bool, a double) goes span by span as in
// trace_ingest.rs: the int creates BIGINT, the bool is rejected, the double
// widens the column to DOUBLE.
func TestTraceNewColumnPerSpan(t *testing.T) {
	out := convertTraces(t, spansWith(
		func(m pcommon.Map) { m.PutInt("c", 5) },
		func(m pcommon.Map) { m.PutBool("c", true) },
		func(m pcommon.Map) { m.PutDouble("c", 2.5) },
	), nil)
	b := mustBatch(t, out, DefaultTraceTable)
	if b.Rows() != 2 || out.Dropped[DropSpanRejected] != 1 {
		t.Fatalf("rows %d dropped %v", b.Rows(), out.Dropped)
	}
	c := attrCol(t, b, "c", table.Float64)
	for i, want := range []float64{5, 2.5} {
		if v, _ := c.Float64(i); v != want {
			t.Errorf("c[%d] = %v, want %v", i, v, want)
		}
	}
}

// TestTraceReplan: a span rejected for one column leaves the plan, and the
// plan is redone without it (trace_ingest.rs
// exclude_trace_v1_schema_observations): without the double of the
// rejected third span, c resolves to BIGINT and "1.5" no longer parses.
func TestTraceReplan(t *testing.T) {
	out := convertTraces(t, spansWith(
		func(m pcommon.Map) { m.PutStr("c", "1.5") },
		func(m pcommon.Map) { m.PutInt("c", 5) },
		func(m pcommon.Map) { m.PutDouble("c", 2.5); m.PutStr("d", "x") },
		func(m pcommon.Map) { m.PutInt("d", 1) },
	), nil)
	b := mustBatch(t, out, DefaultTraceTable)
	if b.Rows() != 2 || out.Dropped[DropSpanRejected] != 2 {
		t.Fatalf("rows %d dropped %v", b.Rows(), out.Dropped)
	}
	if v, _ := attrCol(t, b, "c", table.Int64).Int64(0); v != 5 {
		t.Errorf("c = %d", v)
	}
	attrCol(t, b, "d", table.Int64)
}

// TestTracePlanLargeSpans: spans with many attributes take the indexed
// duplicate check; the plan still reconciles the one mixed column.
func TestTracePlanLargeSpans(t *testing.T) {
	fill := func(mixed func(pcommon.Map)) func(pcommon.Map) {
		return func(m pcommon.Map) {
			for i := 0; i < 100; i++ {
				m.PutInt("k"+itoa(i), int64(i))
			}
			mixed(m)
		}
	}
	out := convertTraces(t, spansWith(
		fill(func(m pcommon.Map) { m.PutStr("mixed", "7") }),
		fill(func(m pcommon.Map) { m.PutInt("mixed", 8) }),
		fill(func(m pcommon.Map) { m.PutStr("mixed", "x") }),
	), nil)
	b := mustBatch(t, out, DefaultTraceTable)
	if b.Rows() != 2 || out.Dropped[DropSpanRejected] != 1 {
		t.Fatalf("rows %d dropped %v", b.Rows(), out.Dropped)
	}
	if v, _ := attrCol(t, b, "mixed", table.Int64).Int64(0); v != 7 {
		t.Errorf("mixed = %d", v)
	}
	if v, _ := attrCol(t, b, "k99", table.Int64).Int64(1); v != 99 {
		t.Errorf("k99 = %d", v)
	}

	var p tracePlan
	for i := 0; i < 40; i++ {
		p.vals = append(p.vals, planVal{col: "c" + itoa(i)})
	}
	if i, ok := p.find(0, "c37"); !ok || i != 37 {
		t.Errorf("indexed find: %d %v", i, ok)
	}
	p.vals = append(p.vals, planVal{col: "next"})
	if i, ok := p.find(40, "next"); !ok || i != 40 {
		t.Errorf("small span after a large one: %d %v", i, ok)
	}
	if _, ok := p.find(40, "c37"); ok {
		t.Errorf("a value of the previous span was found")
	}
}

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
// but the fixed type for a semconv column the table holds otherwise, as
// trace_types.rs test_choose_trace_reconcile_decision_whitelisted_existing_conflicting_type_is_error).
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

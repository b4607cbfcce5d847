package otlp

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

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

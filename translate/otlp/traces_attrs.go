package otlp

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// observeTraceTypes is the first pass: the types every attribute column
// receives in this request, then the type each column takes.
func (c *Converter) observeTraceTypes(tc *traceCtx, td ptrace.Traces) {
	observe := func(prefix int, m pcommon.Map) {
		for k, v := range m.All() {
			if prefix == 2 && k == "service.name" {
				continue
			}
			t, ok := attrType(v)
			if !ok {
				continue
			}
			n := tc.column(prefix, k)
			col := tc.cols[n]
			if col == nil {
				col = &traceCol{}
				tc.cols[n] = col
			}
			if !containsType(col.observed, t) {
				col.observed = append(col.observed, t)
			}
		}
	}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		observe(2, rs.Resource().Attributes())
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			observe(1, ss.Scope().Attributes())
			for k := 0; k < ss.Spans().Len(); k++ {
				observe(0, ss.Spans().At(k).Attributes())
			}
		}
	}
	for n, col := range tc.cols {
		if t, ok := semconvType(n); ok {
			col.typ = t
			continue
		}
		col.typ, _ = resolveType(col.observed)
	}
}

func containsType(ts []table.DataType, t table.DataType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// collectAttrs gathers a span's attribute values in write order (span,
// scope, resource), a later duplicate replacing an earlier one; ok is false
// when a value cannot take its column's type.
func (c *Converter) collectAttrs(tc *traceCtx, prefix int, m pcommon.Map) bool {
	for k, v := range m.All() {
		if prefix == 2 && k == "service.name" {
			continue
		}
		if _, ok := attrType(v); !ok {
			continue
		}
		n := tc.column(prefix, k)
		var cv coercedValue
		var ok bool
		cv, c.jsonBuf, ok = coerce(v, tc.cols[n].typ, c.jsonBuf)
		if !ok {
			return false
		}
		if i, ok := tc.find(n); ok {
			tc.vals[i].cv = cv // a later duplicate wins (write_field_unchecked)
			continue
		}
		tc.vals = append(tc.vals, spanVal{n, cv})
		if tc.valIdx != nil {
			tc.valIdx[n] = len(tc.vals) - 1
		}
	}
	return true
}

// find returns the position of column n among the span's values: a linear
// scan for the usual few attributes, an index once there are many.
func (tc *traceCtx) find(n string) (int, bool) {
	if len(tc.vals) <= 32 {
		for i := range tc.vals {
			if tc.vals[i].name == n {
				return i, true
			}
		}
		return 0, false
	}
	if tc.valIdx == nil {
		tc.valIdx = make(map[string]int, 2*len(tc.vals))
	}
	if len(tc.valIdx) != len(tc.vals) {
		clear(tc.valIdx)
		for i, v := range tc.vals {
			tc.valIdx[v.name] = i
		}
	}
	i, ok := tc.valIdx[n]
	return i, ok
}

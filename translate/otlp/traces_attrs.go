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
		replaced := false
		for i := range tc.vals {
			if tc.vals[i].name == n {
				tc.vals[i].cv, replaced = cv, true
				break
			}
		}
		if !replaced {
			tc.vals = append(tc.vals, spanVal{n, cv})
		}
	}
	return true
}

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

// attrMemo remembers, for the attribute at one position of a span's (or
// scope's, or resource's) attributes, its key, column name, column and
// batch column index: spans of one service repeat their keys in order, so
// this skips the name and column lookups.
type attrMemo struct {
	raw, name string
	col       *traceCol
	idx       int
}

// collectAttrs gathers a span's attribute values in write order (span,
// scope, resource), a later duplicate replacing an earlier one; ok is false
// when a value cannot take its column's type.
func (c *Converter) collectAttrs(tc *traceCtx, prefix int, m pcommon.Map) bool {
	pos := 0
	for k, v := range m.All() {
		if prefix == 2 && k == "service.name" {
			continue
		}
		if _, ok := attrType(v); !ok {
			continue
		}
		memo := tc.memo[prefix]
		if pos >= len(memo) || memo[pos].raw != k {
			n := tc.column(prefix, k)
			am := attrMemo{raw: k, name: n, col: tc.cols[n], idx: -1}
			if pos < len(memo) {
				memo[pos] = am
			} else {
				tc.memo[prefix] = append(memo, am)
			}
		}
		am := &tc.memo[prefix][pos]
		var cv coercedValue
		var ok bool
		cv, c.jsonBuf, ok = coerce(v, am.col.typ, c.jsonBuf)
		if !ok {
			return false
		}
		if i, ok := tc.find(am.name); ok {
			tc.vals[i].cv = cv // a later duplicate wins (write_field_unchecked)
			tc.vals[i].prefix, tc.vals[i].pos = prefix, pos
		} else {
			tc.vals = append(tc.vals, spanVal{name: am.name, cv: cv, prefix: prefix, pos: pos})
			if tc.valIdx != nil {
				tc.valIdx[am.name] = len(tc.vals) - 1
			}
		}
		pos++
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

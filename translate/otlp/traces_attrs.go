package otlp

import (
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// observeTraceTypes is the first pass: the types every attribute column
// receives in this request, then the type each column takes. The first
// attribute map of each kind it meets also fills that kind's attrMemo, so
// the first span's collectAttrs finds every column without a lookup: on a
// first request of 200,000 resource attributes that is two map operations
// per attribute saved.
func (c *Converter) observeTraceTypes(tc *traceCtx, td ptrace.Traces) {
	var memoized [3]bool
	observe := func(prefix int, m pcommon.Map) {
		memo := !memoized[prefix] && len(tc.memo[prefix]) == 0
		memoized[prefix] = true
		if n := m.Len(); n > largeRequestColumns && len(tc.cols) == 0 {
			tc.cols = make(map[string]*traceCol, n) // not grown through every power of two
		}
		if memo {
			tc.memo[prefix] = slices.Grow(tc.memo[prefix], m.Len())
		}
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
				col = tc.newCol()
				tc.cols[n] = col
			}
			if !containsType(col.observed, t) {
				col.observed = append(col.observed, t)
			}
			if memo {
				tc.memo[prefix] = append(tc.memo[prefix], attrMemo{raw: k, name: n, col: col, idx: -1})
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
			col.typ, col.fixed = t, true
			continue
		}
		col.typ, _ = resolveType(col.observed)
	}
}

// newCol returns an empty column from a slab of colSlab, its observed
// types held inline: a request with 200,000 new columns makes a few
// hundred allocations for them, not 400,000.
func (tc *traceCtx) newCol() *traceCol {
	if len(tc.slab) == cap(tc.slab) {
		tc.slab = make([]traceCol, 0, colSlab)
	}
	tc.slab = append(tc.slab, traceCol{})
	col := &tc.slab[len(tc.slab)-1]
	col.observed = col.obs[:0]
	return col
}

// colSlab is the number of trace columns allocated at once.
const colSlab = 256

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
// when a value cannot take its column's type. The caller has started a new
// span generation (tc.span): a column whose valSpan is current already
// holds a value of this span, at valPos.
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
		if col := am.col; col.valSpan == tc.span {
			i := col.valPos
			tc.vals[i].cv = cv // a later duplicate wins (write_field_unchecked)
			tc.vals[i].prefix, tc.vals[i].pos = prefix, pos
		} else {
			col.valSpan, col.valPos = tc.span, len(tc.vals)
			tc.vals = append(tc.vals, spanVal{name: am.name, cv: cv, prefix: prefix, pos: pos})
		}
		pos++
	}
	return true
}

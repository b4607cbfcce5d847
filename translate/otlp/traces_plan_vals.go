package otlp

import "go.opentelemetry.io/collector/pdata/pcommon"

// resetMap returns m emptied, or a new map.
func resetMap[V any](m map[string]V) map[string]V {
	if m == nil {
		return make(map[string]V)
	}
	clear(m)
	return m
}

// add appends the values of one attribute map, a later duplicate key
// replacing an earlier one as collectAttrs does.
func (p *tracePlan) add(tc *traceCtx, spanStart, prefix int, m pcommon.Map) {
	for k, v := range m.All() {
		if prefix == 2 && k == "service.name" {
			continue
		}
		if _, ok := attrType(v); !ok {
			continue
		}
		n := tc.column(prefix, k)
		if i, ok := p.find(spanStart, n); ok {
			p.vals[i].v = v
			continue
		}
		p.vals = append(p.vals, planVal{col: n, v: v})
		if len(p.idx) > 0 {
			p.idx[n] = len(p.vals) - 1
		}
	}
}

// find returns the position of column n among the values of the span that
// starts at spanStart: a scan for the usual few values, an index (built on
// first need, emptied by the next span's first lookup) for many.
func (p *tracePlan) find(spanStart int, n string) (int, bool) {
	if len(p.vals)-spanStart <= largeSpan {
		if len(p.idx) > 0 {
			clear(p.idx)
		}
		for i := spanStart; i < len(p.vals); i++ {
			if p.vals[i].col == n {
				return i, true
			}
		}
		return 0, false
	}
	if p.idx == nil {
		p.idx = make(map[string]int)
	}
	if len(p.idx) == 0 {
		for i := spanStart; i < len(p.vals); i++ {
			p.idx[p.vals[i].col] = i
		}
	}
	i, ok := p.idx[n]
	return i, ok
}

func (p *tracePlan) span(i int) []planVal {
	start := 0
	if i > 0 {
		start = p.ends[i-1]
	}
	return p.vals[start:p.ends[i]]
}

package otlp

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// maxPlanRounds bounds the re-planning rounds of planTraceTypes.
const maxPlanRounds = 16

// largeSpan is the number of values from which a span's duplicate check
// uses an index instead of a scan.
const largeSpan = 32

// Span states while planning against an existing table.
const (
	spanInPlan   = iota // takes part in the request-wide plan
	spanPerSpan         // reconciled on its own, after the plan
	spanRejected        // left out and counted
)

// planVal is one attribute value of a span, with its column.
type planVal struct {
	col string
	v   pcommon.Value
}

// tracePlan is the scratch of planTraceTypes.
type tracePlan struct {
	vals  []planVal
	ends  []int // per span: end of its values in vals
	state []uint8
	obs   map[string][]table.DataType
	tgt   map[string]table.DataType
	bad   map[string]bool
	cur   map[string]table.DataType
	idx   map[string]int // column → position in vals, for large spans
	buf   []byte
}

// spanRejected reports whether span i (in request order) was rejected by
// the plan; always false when the table is not known.
func (ex *existingState) spanRejected(i int) bool {
	return i < len(ex.rejected) && ex.rejected[i]
}

// planTraceTypes decides the type of every attribute column and which
// spans are rejected, as frontend/src/instance/otlp/trace_ingest.rs does
// (greptimedb-tables.md §4.2, §7.4), against the columns of a table
// GreptimeDB already holds (known; nil when the table is not known):
//
//  1. A request-wide plan over the spans still in it: per column,
//     trace_types.rs choose_trace_reconcile_decision (an existing column
//     keeps its type when every observed type coerces to it; an existing
//     BIGINT becomes DOUBLE when only integers and doubles arrive; a new
//     column resolves as within one request; a fixed semconv type must
//     match the table). A column without a decision sends every span that
//     has it to per-span handling; so does a span with a value that does
//     not convert to its column's target (an unparsable string). The plan
//     is redone until no span moves, so a moved span widens nothing.
//  2. The per-span spans, in request order, each reconciled on its own
//     against the table as the plan and the spans before it left it
//     (reconcile_trace_column_types); a span whose value fits nowhere is
//     rejected whole, without altering anything.
//
// The bridge writes one batch, so each column takes its last type; values
// of earlier spans convert to it (BIGINT to DOUBLE, as GreptimeDB's ALTER
// does to stored rows). When no column is reconciled (the usual case: each
// column receives one type, or has a fixed semconv type), the types
// observeTraceTypes chose stand and nothing more is done.
func (c *Converter) planTraceTypes(tc *traceCtx, td ptrace.Traces, known []translate.KnownColumn) {
	ex := &c.existing
	p := &ex.plan
	if p.simple(tc, known) {
		return
	}
	p.vals, p.ends, p.state = p.vals[:0], p.ends[:0], p.state[:0]
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			for k := 0; k < ss.Spans().Len(); k++ {
				start := len(p.vals)
				p.add(tc, start, 0, ss.Spans().At(k).Attributes())
				p.add(tc, start, 1, ss.Scope().Attributes())
				p.add(tc, start, 2, rs.Resource().Attributes())
				p.ends = append(p.ends, len(p.vals))
				p.state = append(p.state, spanInPlan)
			}
		}
	}
	existing := make(map[string]table.DataType, len(known))
	for _, k := range known {
		existing[k.Name] = k.Type
	}
	p.obs, p.tgt, p.bad = resetMap(p.obs), resetMap(p.tgt), resetMap(p.bad)
	// Each round that moves spans changes some column's observed types;
	// the bound keeps hostile requests linear. Spans still in the plan
	// after the last round fit its targets, so the result stays consistent.
	for round, moved := 0, true; moved && round < maxPlanRounds; round++ {
		moved = p.planOnce(existing)
	}
	p.cur = resetMap(p.cur)
	for n, t := range existing {
		p.cur[n] = t
	}
	for n, t := range p.tgt {
		p.cur[n] = t
	}
	ex.rejected = ex.rejected[:0]
	for i := range p.ends {
		if p.state[i] == spanPerSpan && !p.reconcileOne(i) {
			p.state[i] = spanRejected
		}
		ex.rejected = append(ex.rejected, p.state[i] == spanRejected)
	}
	for n, col := range tc.cols {
		if t, ok := p.cur[n]; ok {
			col.typ = t
		}
	}
}

// simple reports whether the plan would reach what observeTraceTypes
// already decided, so the per-span pass can be skipped: every known column
// receives only its own type (or has its fixed semconv type), and every new
// column one type or a fixed one. Then no column is reconciled, and a span
// rejected for an unparsable value changes no other column's type.
func (p *tracePlan) simple(tc *traceCtx, known []translate.KnownColumn) bool {
	p.cur = resetMap(p.cur)
	for _, k := range known {
		if _, ok := tc.cols[k.Name]; ok {
			p.cur[k.Name] = k.Type
		}
	}
	for n, col := range tc.cols {
		fixed, isFixed := col.typ, col.fixed // semconvType, from observeTraceTypes
		e, has := p.cur[n]
		switch {
		case has && isFixed:
			if e != fixed {
				return false
			}
		case has:
			if len(col.observed) != 1 || col.observed[0] != e {
				return false
			}
		case !isFixed && len(col.observed) != 1:
			return false
		}
	}
	return true
}

// planOnce decides the columns over the spans still in the plan and moves
// out the spans that do not fit it; it reports whether any span moved.
func (p *tracePlan) planOnce(existing map[string]table.DataType) bool {
	clear(p.obs)
	clear(p.tgt)
	clear(p.bad)
	for i := range p.ends {
		if p.state[i] != spanInPlan {
			continue
		}
		for _, pv := range p.span(i) {
			t, _ := attrType(pv.v)
			if o := p.obs[pv.col]; !containsType(o, t) {
				p.obs[pv.col] = append(o, t)
			}
		}
	}
	for n, o := range p.obs {
		e, has := existing[n]
		if t, ok := reconcileType(n, o, e, has); ok {
			p.tgt[n] = t
		} else {
			p.bad[n] = true
		}
	}
	moved := false
	for i := range p.ends {
		if p.state[i] != spanInPlan {
			continue
		}
		for _, pv := range p.span(i) {
			t, ok := p.tgt[pv.col]
			if p.bad[pv.col] || !ok || !p.fits(pv.v, t) {
				p.state[i] = spanPerSpan
				moved = true
				break
			}
		}
	}
	return moved
}

// reconcileOne reconciles span i on its own against p.cur, updating it
// (new columns, widenings) only when every value of the span fits.
func (p *tracePlan) reconcileOne(i int) bool {
	vals := p.span(i)
	targets := make([]table.DataType, len(vals))
	for j, pv := range vals {
		t, _ := attrType(pv.v)
		e, has := p.cur[pv.col]
		target, ok := reconcileType(pv.col, []table.DataType{t}, e, has)
		if !ok || !p.fits(pv.v, target) {
			return false
		}
		targets[j] = target
	}
	for j, pv := range vals {
		p.cur[pv.col] = targets[j]
	}
	return true
}

// fits reports whether v converts to typ (coerce.rs coerce_value_data).
func (p *tracePlan) fits(v pcommon.Value, typ table.DataType) bool {
	var ok bool
	_, p.buf, ok = coerce(v, typ, p.buf[:0])
	return ok
}

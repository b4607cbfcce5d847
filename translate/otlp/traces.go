package otlp

import (
	"context"
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// traceFixed are the fixed columns of greptime_trace_v1, in GreptimeDB's
// order (servers/src/otlp/trace/v1.rs FixedTraceColumnIndexes).
var traceFixed = [...]struct {
	name string
	typ  table.DataType
	sem  table.SemanticType
}{
	{"timestamp", table.TimestampNanosecond, table.Timestamp},
	{"timestamp_end", table.TimestampNanosecond, table.Field},
	{"duration_nano", table.Uint64, table.Field},
	{"parent_span_id", table.String, table.Field},
	{"trace_id", table.String, table.Field},
	{"span_id", table.String, table.Field},
	{"span_kind", table.String, table.Field},
	{"span_name", table.String, table.Field},
	{"span_status_code", table.String, table.Field},
	{"span_status_message", table.String, table.Field},
	{"trace_state", table.String, table.Field},
	{"scope_name", table.String, table.Field},
	{"scope_version", table.String, table.Field},
}

// auxTimestamp is the fixed 2100-01-01 timestamp of the _services and
// _operations rows (trace/v1.rs MAX_TIMESTAMP).
const auxTimestamp = 4102444800000000000

// spanKinds and statusCodes are the protobuf enum names GreptimeDB stores.
var spanKinds = [...]string{
	"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
	"SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER",
}

var statusCodes = [...]string{"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"}

// traceCol is one dynamic attribute column observed in a request.
type traceCol struct {
	observed []table.DataType
	obs      [2]table.DataType // observed's storage for the usual one or two types
	typ      table.DataType
	// fixed is set when typ is a semantic-convention type (semconvType).
	fixed bool
	// valSpan is the span generation (traceCtx.span) whose value of this
	// column is at vals[valPos]: the duplicate check of collectAttrs,
	// without a map of the span's columns.
	valSpan uint64
	valPos  int
}

// spanVal is one attribute value of the span being written.
type spanVal struct {
	name        string
	cv          coercedValue
	prefix, pos int // where its attrMemo is
}

// traceCtx is the per-request state of a traces translation.
type traceCtx struct {
	cols     map[string]*traceCol
	names    [3]map[string]string // per prefix: attribute key → column name
	vals     []spanVal
	slab     []traceCol // where newCol takes columns from
	span     uint64     // generation of the span being collected, from 1
	memo     [3][]attrMemo
	services map[string]struct{}
	ops      map[[3]string]struct{}
}

// traceState returns the converter's trace scratch state, emptied; the
// column-name caches survive between requests (bounded).
func (c *Converter) traceState() *traceCtx {
	tc := &c.trace
	if tc.cols == nil {
		tc.cols = make(map[string]*traceCol)
		tc.services = make(map[string]struct{})
		tc.ops = make(map[[3]string]struct{})
	}
	if len(tc.cols) > largeRequestColumns {
		// Cleared, a map keeps its capacity, and clearing or ranging over
		// it costs that much on every later request: after a request of
		// 200,000 columns, start small again.
		tc.cols = make(map[string]*traceCol)
	}
	clear(tc.cols)
	// The last chunk is reused: the cleared map and the memo, emptied
	// below, held the only references to the last request's columns.
	tc.slab = tc.slab[:0]
	clear(tc.services)
	clear(tc.ops)
	for i := range tc.names {
		if tc.names[i] == nil || len(tc.names[i]) >= maxCacheEntries {
			tc.names[i] = make(map[string]string)
		}
	}
	tc.vals = emptied(tc.vals)
	for i := range tc.memo {
		tc.memo[i] = emptied(tc.memo[i]) // its columns belong to the last request
	}
	return tc
}

var attrPrefixes = [3]string{"span_attributes", "scope_attributes", "resource_attributes"}

// column returns the column name of an attribute key, cached. A cache
// full at maxCacheEntries takes no more names until the next request
// empties it: the keys past that point of a huge first request are not
// worth two map operations each.
func (tc *traceCtx) column(prefix int, key string) string {
	names := tc.names[prefix]
	if n, ok := names[key]; ok {
		return n
	}
	n := attrPrefixes[prefix] + "." + key
	if len(names) < maxCacheEntries {
		names[key] = n
	}
	return n
}

// Traces translates td into the greptime_trace_v1 table (or
// opts.TraceTableName) plus its _services and _operations tables, as
// GreptimeDB's trace v1 path writes them (servers/src/otlp/trace/span.rs,
// v1.rs; frontend/src/instance/otlp/trace_ingest.rs for type
// reconciliation). Spans whose attributes cannot take their column's type
// are left out and counted as out.Dropped[DropSpanRejected], as
// GreptimeDB rejects them through partial success. The main batch carries a
// CreateSQL statement with the partitions and skipping indexes; the
// auxiliary batches come after it and must be written only after it
// succeeded, as GreptimeDB does. When every span is rejected GreptimeDB
// answers 400; so does Traces, with a permanent error. When opts.Schema
// knows the table, column types and rejections follow GreptimeDB's
// reconciliation against it (greptimedb-tables.md §7.4, see
// planTraceTypes and WideningSQL).
// On error out may hold part of the request and must be discarded.
func (c *Converter) Traces(ctx context.Context, td ptrace.Traces, opts *RequestOptions, out *translate.Output) error {
	if opts == nil {
		opts = &RequestOptions{}
	}
	if err := checkShapeTraces(td, &opts.Limits); err != nil {
		return err
	}
	// GreptimeDB answers 400 without x-greptime-pipeline-name; the bridge
	// takes an absent name as greptime_trace_v1, its only trace model.
	if opts.PipelineName != "" && opts.PipelineName != TraceV1Pipeline {
		return badInput("trace pipeline %q is not supported; use %s", opts.PipelineName, TraceV1Pipeline)
	}
	partitions, err := tracePartitions(opts.Hints)
	if err != nil {
		return err
	}
	if td.SpanCount() == 0 {
		return nil
	}
	name := opts.TraceTableName
	if name == "" {
		name = DefaultTraceTable
	}
	tc := c.traceState()
	c.observeTraceTypes(tc, td)
	c.existing.rejected = c.existing.rejected[:0]
	known, _ := knownTable(opts, name)
	c.planTraceTypes(tc, td, known)

	// The main batch is made when the first span is accepted, so a request
	// whose spans are all rejected leaves no empty batch behind.
	var b *table.Batch
	batch := func() (*table.Batch, error) {
		if b != nil {
			return b, nil
		}
		nb, fresh := batchFor(out, opts.Database, name)
		if fresh || nb.NumColumns() == 0 {
			for _, f := range traceFixed {
				nb.MustColumn(f.name, f.typ, f.sem)
			}
			nb.Hints.Set(semSignalType, "trace")
			nb.Hints.Set(semSource, sourceOTel)
			nb.Hints.Set("greptime.semantic.pipeline", TraceV1Pipeline)
			if conv := traceConventions(td); hintSafe(conv) {
				nb.Hints.Set("greptime.semantic.trace.conventions", conv)
			}
			applyHints(nb, opts.Hints)
			// operator/src/insert.rs: the trace create type forces append
			// mode and the data model, and never uses the metric engine.
			nb.Hints.Set("append_mode", "true")
			nb.Hints.Set("table_data_model", TraceV1Pipeline)
			nb.Hints = removeHint(nb.Hints, "physical_table")
		}
		if err := checkFixedColumns(nb, len(traceFixed), func(i int) (string, table.DataType, table.SemanticType) {
			return traceFixed[i].name, traceFixed[i].typ, traceFixed[i].sem
		}); err != nil {
			return nil, err
		}
		b = nb
		return b, nil
	}
	spanIdx, rejected := 0, 0
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		svc, hasSvc := serviceName(rs.Resource().Attributes())
		if hasSvc {
			if err := checkUTF8("service name", svc); err != nil {
				return err
			}
		}
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				if err := c.tick(ctx); err != nil {
					return err
				}
				sp := spans.At(k)
				spanIdx++
				if c.existing.spanRejected(spanIdx - 1) {
					out.Drop(DropSpanRejected, 1)
					rejected++
					continue
				}
				ok, err := c.writeSpan(tc, batch, rs, ss, sp, svc, hasSvc)
				if err != nil {
					return err
				}
				if !ok {
					out.Drop(DropSpanRejected, 1)
					rejected++
					continue
				}
				if hasSvc {
					tc.services[svc] = struct{}{}
					tc.ops[[3]string{svc, sp.Name(), spanKind(sp.Kind())}] = struct{}{}
				}
			}
		}
	}
	if rejected == spanIdx {
		// trace_ingest.rs: a request whose every span is rejected is a 400.
		return badInput("table %q: accepted 0 spans, rejected %d spans: attribute values cannot take their columns' types", name, rejected)
	}
	if b != nil && b.Rows() > 0 {
		b.CreateSQL = traceCreateSQL(b, partitions)
		b.AlterSQL = append(b.AlterSQL[:0], WideningSQL(b, known)...)
	}
	return c.traceAux(tc, out, opts, name)
}

// serviceName copies span.rs parse's find_or_first: the service.name
// attribute, else the FIRST resource attribute whatever its key; a string
// or (lossily decoded) bytes value, else none.
func serviceName(attrs pcommon.Map) (string, bool) {
	if attrs.Len() == 0 {
		return "", false
	}
	v, ok := attrs.Get("service.name")
	if !ok {
		for _, first := range attrs.All() {
			v = first
			break
		}
	}
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str(), true
	case pcommon.ValueTypeBytes:
		return toValidUTF8(v.Bytes().AsRaw()), true
	}
	return "", false
}

func spanKind(k ptrace.SpanKind) string {
	if int(k) >= 0 && int(k) < len(spanKinds) {
		return spanKinds[k]
	}
	// prost maps an unknown enum value to the default.
	return spanKinds[0]
}

// writeSpan writes one span row (trace/v1.rs write_span_to_row_inner); ok
// is false when the span was rejected.
func (c *Converter) writeSpan(tc *traceCtx, batch func() (*table.Batch, error), rs ptrace.ResourceSpans, ss ptrace.ScopeSpans, sp ptrace.Span, svc string, hasSvc bool) (bool, error) {
	tc.span++
	// Room for every value at once: a span of 200,000 attributes would
	// otherwise copy its values about twenty times while growing.
	tc.vals = slices.Grow(tc.vals[:0], sp.Attributes().Len()+ss.Scope().Attributes().Len()+rs.Resource().Attributes().Len())
	c.jsonBuf = c.jsonBuf[:0]
	if !c.collectAttrs(tc, 0, sp.Attributes()) || !c.collectAttrs(tc, 1, ss.Scope().Attributes()) ||
		!c.collectAttrs(tc, 2, rs.Resource().Attributes()) {
		return false, nil
	}
	for _, s := range []string{sp.Name(), sp.TraceState().AsRaw(), sp.Status().Message(), ss.Scope().Name(), ss.Scope().Version()} {
		if err := checkUTF8("span field", s); err != nil {
			return false, err
		}
	}
	for _, v := range tc.vals {
		if v.cv.typ == table.String {
			if err := checkUTF8Of("attribute", v.name, v.cv.s); err != nil {
				return false, err
			}
		}
	}
	b, err := batch()
	if err != nil {
		return false, err
	}
	// Room for a span with far more attributes than the table has
	// columns (first sight); Grow ignores small counts.
	b.Grow(len(tc.vals) + 3 - (b.NumColumns() - len(traceFixed)))
	cols := b.Columns()
	start, end := uint64(sp.StartTimestamp()), uint64(sp.EndTimestamp())
	cols[0].AppendInt64(int64(start))
	cols[1].AppendInt64(int64(end))
	cols[2].AppendUint64(end - start) // wraps like the u64 subtraction in v1.rs
	if p := sp.ParentSpanID(); p.IsEmpty() {
		cols[3].AppendNull() // root span
	} else {
		c.rowBuf = appendHex(c.rowBuf[:0], p[:])
		cols[3].AppendBytes(c.rowBuf)
	}
	tid, sid := sp.TraceID(), sp.SpanID()
	c.rowBuf = appendHex(c.rowBuf[:0], traceIDBytes(tid))
	cols[4].AppendBytes(c.rowBuf)
	c.rowBuf = appendHex(c.rowBuf[:0], spanIDBytes(sid))
	cols[5].AppendBytes(c.rowBuf)
	cols[6].AppendString(spanKind(sp.Kind()))
	cols[7].AppendString(sp.Name())
	// span.rs status_to_string: the enum name; pdata cannot tell an absent
	// status from an unset one, so "" (absent) is never produced.
	code := sp.Status().Code()
	if int(code) >= 0 && int(code) < len(statusCodes) {
		cols[8].AppendString(statusCodes[code])
	} else {
		cols[8].AppendString(statusCodes[0])
	}
	cols[9].AppendString(sp.Status().Message())
	cols[10].AppendString(sp.TraceState().AsRaw())
	cols[11].AppendString(ss.Scope().Name())
	cols[12].AppendString(ss.Scope().Version())
	if hasSvc {
		i, err := b.AddColumn("service_name", table.String, table.Tag)
		if err != nil {
			b.CancelRow()
			return false, badInput("%v", err)
		}
		b.Col(i).AppendString(svc)
	}
	for _, v := range tc.vals {
		i, err := column(b, &tc.memo[v.prefix][v.pos].idx, v.name, v.cv.typ, table.Field)
		if err != nil {
			b.CancelRow()
			return false, badInput("%v", err)
		}
		v.cv.appendTo(b.Col(i))
	}
	ei, err := b.AddColumn("span_events", table.JSON, table.Field)
	if err != nil {
		b.CancelRow()
		return false, badInput("%v", err)
	}
	c.rowBuf = appendEvents(c.rowBuf[:0], sp.Events())
	b.Col(ei).AppendBytes(c.rowBuf)
	li, err := b.AddColumn("span_links", table.JSON, table.Field)
	if err != nil {
		b.CancelRow()
		return false, badInput("%v", err)
	}
	c.rowBuf = appendLinks(c.rowBuf[:0], sp.Links())
	b.Col(li).AppendBytes(c.rowBuf)
	if err := b.EndRow(); err != nil {
		return false, badInput("%v", err)
	}
	return true, nil
}

// traceConventions copies trace_ingest.rs trace_conventions: the one
// distinct non-empty schema URL of resources and scopes, "mixed" for
// several, "unknown" for none.
func traceConventions(td ptrace.Traces) string {
	seen := ""
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		urls := []string{rs.SchemaUrl()}
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			urls = append(urls, rs.ScopeSpans().At(j).SchemaUrl())
		}
		for _, u := range urls {
			switch {
			case u == "":
			case seen == "":
				seen = u
			case seen != u:
				return "mixed"
			}
		}
	}
	if seen == "" {
		return "unknown"
	}
	return seen
}

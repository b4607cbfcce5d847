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

func convertTraces(t *testing.T, td ptrace.Traces, opts *RequestOptions) *translate.Output {
	t.Helper()
	out := &translate.Output{}
	if err := NewConverter().Traces(context.Background(), td, opts, out); err != nil {
		t.Fatalf("Traces: %v", err)
	}
	for _, b := range out.Batches {
		if err := b.Validate(); err != nil {
			t.Fatalf("invalid batch: %v", err)
		}
	}
	return out
}

// jaegerTraces mirrors the request of GreptimeDB's trace v1 integration test
// (tests-integration/tests/http.rs, v1.1.4 around 5560): two string span
// attributes and the 1.4.0 schema URL.
func jaegerTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.SetSchemaUrl("https://opentelemetry.io/schemas/1.4.0")
	rs.Resource().Attributes().PutStr("service.name", "telemetrygen")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("telemetrygen")
	for i, parent := range []pcommon.SpanID{{}, {0xAA, 0xBB, 0xCC, 0xDD, 0, 0, 0, 1}} {
		sp := ss.Spans().AppendEmpty()
		sp.SetTraceID(pcommon.TraceID{0xC0, 0x5D, 0x7A, 0x4E, 0xC8, 0xE1, 0xF2, 0x31, 0xF0, 0x2E, 0xD6, 0xE8, 0xDA, 0x8D, 0xA5, 0x98})
		sp.SetSpanID(pcommon.SpanID{0x9E, 0xD6, 0xF5, 0x6F, 0x5D, 0x21, 0x7A, byte(i)})
		sp.SetParentSpanID(parent)
		sp.SetName("okey-dokey-0")
		sp.SetKind(ptrace.SpanKindServer)
		sp.SetStartTimestamp(1_736_480_942_444_376_000)
		sp.SetEndTimestamp(1_736_480_942_444_499_000)
		sp.Attributes().PutStr("net.peer.ip", "1.2.3.4")
		sp.Attributes().PutStr("peer.service", "telemetrygen-client")
		sp.Status().SetCode(ptrace.StatusCodeOk)
	}
	return td
}

// wantTraceDDL is GreptimeDB v1.1.4's SHOW CREATE TABLE for the trace table
// auto-created from jaegerTraces (greptimedb-tables.md §4.2, §7.5, §7.6
// without the main-only entity option). partitionsDDL fills the PARTITION
// clause, withExtra the options after table_data_model.
func wantTraceDDL(tableName, partitionsDDL, withExtra string) string {
	return `CREATE TABLE IF NOT EXISTS "` + tableName + `" (
  "timestamp" TIMESTAMP(9) NOT NULL,
  "timestamp_end" TIMESTAMP(9) NULL,
  "duration_nano" BIGINT UNSIGNED NULL,
  "parent_span_id" STRING NULL SKIPPING INDEX WITH(false_positive_rate = '0.01', granularity = '10240', type = 'BLOOM'),
  "trace_id" STRING NULL SKIPPING INDEX WITH(false_positive_rate = '0.01', granularity = '10240', type = 'BLOOM'),
  "span_id" STRING NULL,
  "span_kind" STRING NULL,
  "span_name" STRING NULL,
  "span_status_code" STRING NULL,
  "span_status_message" STRING NULL,
  "trace_state" STRING NULL,
  "scope_name" STRING NULL,
  "scope_version" STRING NULL,
  "service_name" STRING NULL SKIPPING INDEX WITH(false_positive_rate = '0.01', granularity = '10240', type = 'BLOOM'),
  "span_attributes.net.peer.ip" STRING NULL,
  "span_attributes.peer.service" STRING NULL,
  "span_events" JSON NULL,
  "span_links" JSON NULL,
  TIME INDEX ("timestamp"),
  PRIMARY KEY ("service_name")
)
` + partitionsDDL + `
ENGINE=mito
WITH(
  'comment' = 'Created on insertion',
  append_mode = 'true',
  'greptime.semantic.pipeline' = 'greptime_trace_v1',
  'greptime.semantic.signal_type' = 'trace',
  'greptime.semantic.source' = 'opentelemetry',
  'greptime.semantic.trace.conventions' = 'https://opentelemetry.io/schemas/1.4.0',
  table_data_model = 'greptime_trace_v1'` + withExtra + `
)`
}

const partitions16 = `PARTITION ON COLUMNS ("trace_id") (
  trace_id < '1',
  trace_id >= '1' AND trace_id < '2',
  trace_id >= '2' AND trace_id < '3',
  trace_id >= '3' AND trace_id < '4',
  trace_id >= '4' AND trace_id < '5',
  trace_id >= '5' AND trace_id < '6',
  trace_id >= '6' AND trace_id < '7',
  trace_id >= '7' AND trace_id < '8',
  trace_id >= '8' AND trace_id < '9',
  trace_id >= '9' AND trace_id < 'a',
  trace_id >= 'a' AND trace_id < 'b',
  trace_id >= 'b' AND trace_id < 'c',
  trace_id >= 'c' AND trace_id < 'd',
  trace_id >= 'd' AND trace_id < 'e',
  trace_id >= 'e' AND trace_id < 'f',
  trace_id >= 'f'
)`

// TestTraceCreateSQL checks Batch.CreateSQL against GreptimeDB's SHOW
// CREATE TABLE output (§4.2 "Table DDL on auto-create", §7.5): default 16
// partitions, 4, 32 (two hex digits), 1 (none, an empty line) and a ttl.
func TestTraceCreateSQL(t *testing.T) {
	b := mustBatch(t, convertTraces(t, jaegerTraces(), &RequestOptions{TraceTableName: "mytable", PipelineName: TraceV1Pipeline}), "mytable")
	if want := wantTraceDDL("mytable", partitions16, ""); b.CreateSQL != want {
		t.Errorf("CreateSQL:\n%s\nwant:\n%s", b.CreateSQL, want)
	}
	p4 := "PARTITION ON COLUMNS (\"trace_id\") (\n  trace_id < '4',\n  trace_id >= '4' AND trace_id < '8',\n  trace_id >= '8' AND trace_id < 'c',\n  trace_id >= 'c'\n)"
	cases := map[string]string{"4": p4, "1": "", "0": ""}
	for n, part := range cases {
		h := ParseHints("trace_table_partitions=" + n)
		b := mustBatch(t, convertTraces(t, jaegerTraces(), &RequestOptions{TraceTableName: "t", Hints: h}), "t")
		if want := wantTraceDDL("t", part, ""); b.CreateSQL != want {
			t.Errorf("partitions=%s:\n%s\nwant:\n%s", n, b.CreateSQL, want)
		}
	}
	rules := partitionRules(32)
	if len(rules) != 32 || rules[0] != "trace_id < '08'" || rules[1] != "trace_id >= '08' AND trace_id < '10'" || rules[31] != "trace_id >= 'f8'" {
		t.Errorf("32 partitions: %v", rules)
	}
	for _, bad := range []string{"3", "abc", "131072"} {
		h := ParseHints("trace_table_partitions=" + bad)
		err := NewConverter().Traces(context.Background(), jaegerTraces(), &RequestOptions{Hints: h}, &translate.Output{})
		if err == nil || !errs.IsPermanent(err) {
			t.Errorf("partitions %s: %v", bad, err)
		}
	}
	// Only table options reach the DDL: merge_mode and physical_table do
	// not, and the request cannot turn append mode off.
	h := ParseHints("ttl=7d, merge_mode=last_row, physical_table=p, append_mode=false")
	out := convertTraces(t, jaegerTraces(), &RequestOptions{Hints: h})
	if want := wantTraceDDL(DefaultTraceTable, partitions16, ",\n  ttl = '7d'"); mustBatch(t, out, DefaultTraceTable).CreateSQL != want {
		t.Errorf("ttl DDL:\n%s", mustBatch(t, out, DefaultTraceTable).CreateSQL)
	}
	// §7.5: the _services table gets no ttl; aux tables are not append-only.
	svc := mustBatch(t, out, DefaultTraceTable+"_services")
	if _, ok := svc.Hints.Get("ttl"); ok {
		t.Error("_services has a ttl")
	}
	if v, _ := svc.Hints.Get("append_mode"); v != "false" {
		t.Errorf("_services append_mode %q", v)
	}
}

// TestTraceLayout checks §4.2's row content: IDs lower-case hex, NULL parent
// for roots, kind and status enum names, duration, hints, typed columns.
func TestTraceLayout(t *testing.T) {
	out := convertTraces(t, jaegerTraces(), nil)
	b := mustBatch(t, out, DefaultTraceTable)
	if !b.Column("parent_span_id").IsNull(0) || str(t, b, "parent_span_id", 1) != "aabbccdd00000001" {
		t.Errorf("parent ids %v / %v", b.Row(0), b.Row(1))
	}
	checks := map[string]string{
		"trace_id": "c05d7a4ec8e1f231f02ed6e8da8da598", "span_id": "9ed6f56f5d217a00",
		"span_kind": "SPAN_KIND_SERVER", "span_status_code": "STATUS_CODE_OK",
		"service_name": "telemetrygen", "span_events": "[]", "span_links": "[]",
	}
	for col, want := range checks {
		if got := str(t, b, col, 0); got != want {
			t.Errorf("%s = %q want %q", col, got, want)
		}
	}
	if d, _ := b.Column("duration_nano").Uint64(0); d != 123000 {
		t.Errorf("duration %d", d)
	}
	if c := b.Column("service_name"); c.Semantic != table.Tag {
		t.Errorf("service_name %s", c.Semantic)
	}
	if b.Column("resource_attributes.service.name") != nil {
		t.Error("service.name copied into resource_attributes")
	}
	for k, v := range map[string]string{"append_mode": "true", "table_data_model": "greptime_trace_v1"} {
		if g, _ := b.Hints.Get(k); g != v {
			t.Errorf("hint %s = %q", k, g)
		}
	}
	ops := mustBatch(t, out, DefaultTraceTable+"_operations")
	if ops.Rows() != 1 || strings.Join(columnNames(ops), ",") != "timestamp,service_name,span_name,span_kind" {
		t.Errorf("operations %v rows %d", columnNames(ops), ops.Rows())
	}
	if ts, _ := ops.Column("timestamp").Int64(0); ts != 4102444800000000000 {
		t.Errorf("aux timestamp %d", ts)
	}
}

// TestTraceEventsAndAttrs covers §4.2's attribute column types, events and
// links as JSON and the service.name fallback quirk.
func TestTraceEventsAndAttrs(t *testing.T) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("host.name", "h1") // no service.name: this becomes service_name
	rs.Resource().Attributes().PutInt("k8s.container.restart_count", 2)
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().Attributes().PutBool("scoped", true)
	sp := ss.Spans().AppendEmpty()
	sp.SetTraceID(pcommon.TraceID{1})
	sp.SetSpanID(pcommon.SpanID{2})
	a := sp.Attributes()
	a.PutStr("s", "x")
	a.PutBool("b", true)
	a.PutInt("i", 1)
	a.PutDouble("d", 1.5)
	a.PutEmptySlice("arr").AppendEmpty().SetInt(3)
	a.PutEmptyBytes("raw").FromRaw([]byte{0xFF})
	ev := sp.Events().AppendEmpty()
	ev.SetName("boom")
	ev.SetTimestamp(1_700_000_000_123_000_000)
	ev.Attributes().PutStr("z", "1")
	ev.Attributes().PutStr("a", "2")
	ln := sp.Links().AppendEmpty()
	ln.SetTraceID(pcommon.TraceID{0xAB})
	ln.SetSpanID(pcommon.SpanID{0xCD})
	b := mustBatch(t, convertTraces(t, td, nil), DefaultTraceTable)
	types := map[string]table.DataType{
		"span_attributes.s": table.String, "span_attributes.b": table.Boolean, "span_attributes.i": table.Int64,
		"span_attributes.d": table.Float64, "span_attributes.arr": table.JSON, "span_attributes.raw": table.Binary,
		"scope_attributes.scoped": table.Boolean, "resource_attributes.host.name": table.String,
		"resource_attributes.k8s.container.restart_count": table.Int64,
	}
	for col, typ := range types {
		c := b.Column(col)
		if c == nil || c.Type != typ || c.Semantic != table.Field {
			t.Errorf("column %s: %+v", col, c)
		}
	}
	if str(t, b, "service_name", 0) != "h1" {
		t.Errorf("fallback service_name %q", str(t, b, "service_name", 0))
	}
	if got := str(t, b, "span_attributes.arr", 0); got != "[3]" {
		t.Errorf("arr %q", got)
	}
	wantEv := `[{"attributes":{"a":"2","z":"1"},"name":"boom","time":"2023-11-14 22:13:20.123+0000"}]`
	if got := str(t, b, "span_events", 0); got != wantEv {
		t.Errorf("events %s\nwant   %s", got, wantEv)
	}
	wantLn := `[{"attributes":{},"span_id":"cd00000000000000","trace_id":"ab000000000000000000000000000000","trace_state":""}]`
	if got := str(t, b, "span_links", 0); got != wantLn {
		t.Errorf("links %s", got)
	}
	names := columnNames(b)
	if names[len(names)-2] != "span_events" || names[len(names)-1] != "span_links" || names[13] != "service_name" {
		t.Errorf("column order %v", names)
	}
}

// TestTraceTypeCoercion covers §7.4 within one request: strings and typed
// values → the typed type with strings parsed; int and double → DOUBLE; an
// unparsable string rejects its span (counted); a fixed semconv type wins.
func TestTraceTypeCoercion(t *testing.T) {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	add := func(put func(pcommon.Map)) {
		sp := ss.Spans().AppendEmpty()
		sp.SetTraceID(pcommon.TraceID{byte(ss.Spans().Len())})
		put(sp.Attributes())
	}
	add(func(m pcommon.Map) { m.PutStr("n", "12"); m.PutInt("x", 1); m.PutStr("server.port", "8080") })
	add(func(m pcommon.Map) { m.PutInt("n", 5); m.PutDouble("x", 2.5) })
	add(func(m pcommon.Map) { m.PutStr("n", "not-a-number") })
	out := convertTraces(t, td, nil)
	b := mustBatch(t, out, DefaultTraceTable)
	if b.Rows() != 2 || out.Dropped["trace_span_rejected"] != 1 {
		t.Fatalf("rows %d dropped %v", b.Rows(), out.Dropped)
	}
	if c := b.Column("span_attributes.n"); c.Type != table.Int64 {
		t.Errorf("n type %s", c.Type)
	} else if v, _ := c.Int64(0); v != 12 {
		t.Errorf("n parsed %d", v)
	}
	if c := b.Column("span_attributes.x"); c.Type != table.Float64 {
		t.Errorf("x type %s", c.Type)
	} else if v, _ := c.Float64(0); v != 1 {
		t.Errorf("x widened %v", v)
	}
	if c := b.Column("span_attributes.server.port"); c.Type != table.Int64 {
		t.Errorf("server.port type %s", c.Type)
	} else if v, _ := c.Int64(0); v != 8080 {
		t.Errorf("server.port %d", v)
	}
	// No span has a service name: no service_name column, no aux tables.
	if b.Column("service_name") != nil || len(out.Batches) != 1 {
		t.Errorf("service-less spans: %v, %d batches", columnNames(b), len(out.Batches))
	}
}

// TestTraceOptions: the v0 model is refused; an empty request writes nothing.
func TestTraceOptions(t *testing.T) {
	err := NewConverter().Traces(context.Background(), jaegerTraces(), &RequestOptions{PipelineName: "greptime_trace_v0"}, &translate.Output{})
	if err == nil || !errs.IsPermanent(err) {
		t.Errorf("v0: %v", err)
	}
	if out := convertTraces(t, ptrace.NewTraces(), nil); len(out.Batches) != 0 {
		t.Errorf("empty request wrote %d batches", len(out.Batches))
	}
}

// TestChronoTime checks chrono's %.f widths.
func TestChronoTime(t *testing.T) {
	for ns, want := range map[int64]string{
		0:             "1970-01-01 00:00:00+0000",
		1_500_000_000: "1970-01-01 00:00:01.500+0000",
		1_000_001_000: "1970-01-01 00:00:01.000001+0000",
		1_000_000_001: "1970-01-01 00:00:01.000000001+0000",
	} {
		if got := string(appendChronoTime(nil, ns)); got != want {
			t.Errorf("%d: %q want %q", ns, got, want)
		}
	}
}

// TestTraceAllRejected: when every span is rejected GreptimeDB answers 400
// (§4.2, §7.4; trace_ingest.rs), so Traces returns a permanent error.
func TestTraceAllRejected(t *testing.T) {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	sp := ss.Spans().AppendEmpty()
	sp.Attributes().PutStr("server.port", "http") // fixed BIGINT: unparsable
	out := &translate.Output{}
	err := NewConverter().Traces(context.Background(), td, nil, out)
	if err == nil || !errs.IsPermanent(err) || !strings.Contains(err.Error(), "rejected 1 spans") {
		t.Fatalf("err = %v, want a permanent error", err)
	}
	if out.Rows() != 0 {
		t.Errorf("%d rows written", out.Rows())
	}
}

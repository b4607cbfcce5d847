package otlp

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// TestHugeResourcesMetrics: two resources with 40 promoted attributes each
// (past the point where tags are indexed by a map) keep their own values,
// and a point's attribute still overrides a resource tag.
func TestHugeResourcesMetrics(t *testing.T) {
	md := pmetric.NewMetrics()
	for r, prefix := range []string{"a", "b"} {
		rm := md.ResourceMetrics().AppendEmpty()
		for i := 0; i < 40; i++ {
			rm.Resource().Attributes().PutStr(prefix+itoa(i), strings.ToUpper(prefix)+itoa(i))
		}
		g := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		g.SetName("g")
		dp := g.SetEmptyGauge().DataPoints().AppendEmpty()
		dp.SetIntValue(int64(r))
		dp.Attributes().PutStr(prefix+"7", "point")
	}
	b := mustBatch(t, convertMetrics(t, md, translate.DefaultDatabaseOptions(), &RequestOptions{PromoteAllResourceAttrs: true}), "g")
	if str(t, b, "a3", 0) != "A3" || str(t, b, "b3", 1) != "B3" || str(t, b, "a7", 0) != "point" || str(t, b, "b7", 1) != "point" {
		t.Errorf("rows %v / %v", b.Row(0), b.Row(1))
	}
	if !b.Column("a3").IsNull(1) || !b.Column("b3").IsNull(0) {
		t.Error("tags leaked between resources")
	}
}

// TestHugeAttributesLogsTraces: 500 attributes; JSON keys come out sorted
// (a merge sort past 16 keys), traces get one column each.
func TestHugeAttributesLogsTraces(t *testing.T) {
	fill := func(m pcommon.Map) {
		for i := 499; i >= 0; i-- {
			m.PutInt("k"+itoa(i), int64(i))
		}
	}
	ld := plog.NewLogs()
	rec := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	fill(rec.Attributes())
	b := mustBatch(t, convertLogs(t, ld, nil), "opentelemetry_logs")
	js := str(t, b, "log_attributes", 0)
	if !strings.HasPrefix(js, `{"k0":0,"k1":1,"k10":10,"k100":100,`) || !strings.HasSuffix(js, `"k99":99}`) {
		t.Errorf("sorted JSON: %.80s…%s", js, js[len(js)-20:])
	}

	td := ptrace.NewTraces()
	sp := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	fill(sp.Attributes())
	tb := mustBatch(t, convertTraces(t, td, nil), DefaultTraceTable)
	if tb.NumColumns() != len(traceFixed)+500+2 {
		t.Errorf("trace columns %d", tb.NumColumns())
	}
	if v, _ := tb.Column("span_attributes.k42").Int64(0); v != 42 {
		t.Errorf("k42 = %d", v)
	}
}

// TestDuplicateKeysFromWire: the wire can repeat a key (pdata keeps both);
// GreptimeDB's JSON object keeps the later value, a trace column the later
// value, a metric tag the later value.
func TestDuplicateKeysFromWire(t *testing.T) {
	// pdata's Put replaces, so encode the request by hand: one record with
	// two LogRecord.attributes (field 6) entries for the same key.
	kv := func(k, v string) []byte {
		str := append([]byte{0x0a, byte(len(v))}, v...)                    // AnyValue.string_value
		kvb := append([]byte{0x0a, byte(len(k))}, k...)                    // KeyValue.key
		kvb = append(kvb, append([]byte{0x12, byte(len(str))}, str...)...) // KeyValue.value
		return append([]byte{0x32, byte(len(kvb))}, kvb...)                // LogRecord.attributes
	}
	var rec2 []byte
	rec2 = append(rec2, kv("dup", "first")...)
	rec2 = append(rec2, kv("dup", "second")...)
	scope := append([]byte{0x12, byte(len(rec2))}, rec2...) // ScopeLogs.log_records
	res := append([]byte{0x12, byte(len(scope))}, scope...) // ResourceLogs.scope_logs
	req := append([]byte{0x0a, byte(len(res))}, res...)     // ExportLogsServiceRequest.resource_logs
	ld, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(req)
	if err != nil {
		t.Fatal(err)
	}
	if n := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Len(); n != 2 {
		t.Fatalf("pdata kept %d attributes", n)
	}
	b := mustBatch(t, convertLogs(t, ld, nil), "opentelemetry_logs")
	if got := str(t, b, "log_attributes", 0); got != `{"dup":"second"}` {
		t.Errorf("duplicate key JSON %q", got)
	}
}

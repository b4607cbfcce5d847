package otlp

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func convertLogs(t *testing.T, ld plog.Logs, opts *RequestOptions) *translate.Output {
	t.Helper()
	out := &translate.Output{}
	if err := NewConverter().Logs(context.Background(), ld, opts, out); err != nil {
		t.Fatalf("Logs: %v", err)
	}
	for _, b := range out.Batches {
		if err := b.Validate(); err != nil {
			t.Fatalf("invalid batch: %v", err)
		}
	}
	return out
}

func sampleLogs() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.SetSchemaUrl("https://res/schema")
	rl.Resource().Attributes().PutStr("service.name", "api")
	rl.Resource().Attributes().PutStr("host", "h-res")
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("logger")
	sl.Scope().SetVersion("1.2")
	sl.Scope().Attributes().PutInt("host", 42) // shadows the resource for extract keys
	sl.SetSchemaUrl("https://scope/schema")
	r := sl.LogRecords().AppendEmpty()
	r.SetTimestamp(1_700_000_000_000_000_001)
	r.SetObservedTimestamp(5)
	r.SetTraceID(pcommon.TraceID{0xAB, 0xCD, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0xEF})
	r.SetSpanID(pcommon.SpanID{0xDE, 0xAD, 0xBE, 0xEF, 0, 1, 2, 3})
	r.SetSeverityText("INFO")
	r.SetSeverityNumber(plog.SeverityNumberInfo)
	r.Body().SetStr("hello world")
	r.Attributes().PutStr("b", "2")
	r.Attributes().PutDouble("a", 1)
	r.Attributes().PutEmptyBytes("raw").FromRaw([]byte{0xCA, 0xFE})
	r.SetFlags(plog.DefaultLogRecordFlags.WithIsSampled(true))
	r2 := sl.LogRecords().AppendEmpty()
	r2.SetObservedTimestamp(7) // no time: observed time is used
	r2.Body().SetEmptyMap().PutInt("k", 1)
	return ld
}

// TestLogsLayout checks §3's opentelemetry_logs table column for column:
// names, order, types, the scope_name tag, JSON columns, the fulltext option
// on body, append_mode and the semantic options.
func TestLogsLayout(t *testing.T) {
	out := convertLogs(t, sampleLogs(), nil)
	b := mustBatch(t, out, "opentelemetry_logs")
	want := []string{
		"timestamp TIMESTAMP_NANOSECOND TIMESTAMP", "trace_id STRING FIELD", "span_id STRING FIELD",
		"severity_text STRING FIELD", "severity_number INT32 FIELD", "body STRING FIELD",
		"log_attributes JSON FIELD", "trace_flags UINT32 FIELD", "scope_name STRING TAG",
		"scope_version STRING FIELD", "scope_attributes JSON FIELD", "scope_schema_url STRING FIELD",
		"resource_attributes JSON FIELD", "resource_schema_url STRING FIELD",
	}
	if b.NumColumns() != len(want) {
		t.Fatalf("columns %v", columnNames(b))
	}
	for i, c := range b.Columns() {
		if got := c.Name + " " + c.Type.String() + " " + c.Semantic.String(); got != want[i] {
			t.Errorf("column %d = %q, want %q", i, got, want[i])
		}
	}
	if v := b.Column("body").Options[FulltextOptionKey]; v != `{"enable":true}` {
		t.Errorf("body fulltext option %q", v)
	}
	for k, v := range map[string]string{"append_mode": "true", semSignalType: "log", semSource: "opentelemetry"} {
		if g, _ := b.Hints.Get(k); g != v {
			t.Errorf("hint %s = %q", k, g)
		}
	}
	if b.CreateSQL != "" {
		t.Errorf("logs need no DDL: %q", b.CreateSQL)
	}
	rows := map[string]string{
		"trace_id": "abcd0102030405060708090a0b0c0def", "span_id": "deadbeef00010203",
		"severity_text": "INFO", "body": "hello world",
		"log_attributes":      `{"a":1.0,"b":"2","raw":"cafe"}`,
		"scope_name":          "logger",
		"scope_attributes":    `{"host":42}`,
		"resource_attributes": `{"host":"h-res","service.name":"api"}`,
		"scope_schema_url":    "https://scope/schema", "resource_schema_url": "https://res/schema",
	}
	for col, want := range rows {
		if got := str(t, b, col, 0); got != want {
			t.Errorf("%s = %q, want %q", col, got, want)
		}
	}
	if ts, _ := b.Column("timestamp").Int64(0); ts != 1_700_000_000_000_000_001 {
		t.Errorf("timestamp %d", ts)
	}
	if ts, _ := b.Column("timestamp").Int64(1); ts != 7 {
		t.Errorf("observed fallback %d", ts)
	}
	if n, _ := b.Column("severity_number").Int64(0); n != 9 {
		t.Errorf("severity_number %d", n)
	}
	if f, _ := b.Column("trace_flags").Uint64(0); f != 1 {
		t.Errorf("trace_flags %d", f)
	}
	if got := str(t, b, "body", 1); got != `{"k":1}` {
		t.Errorf("map body %q", got)
	}
	if got := str(t, b, "trace_id", 1); got != "" {
		t.Errorf("absent trace id %q", got)
	}
}

// TestLogsPipelineRefused: a pipeline name asks GreptimeDB for another
// layout (http/otlp.rs), which the bridge cannot produce.
func TestLogsPipelineRefused(t *testing.T) {
	err := NewConverter().Logs(context.Background(), sampleLogs(), &RequestOptions{PipelineName: "greptime_identity"}, &translate.Output{})
	if err == nil || !errs.IsPermanent(err) || !strings.Contains(err.Error(), "greptime_identity") {
		t.Errorf("err = %v", err)
	}
}

// TestLogsTableOverride: x-greptime-log-table-name and the database.
func TestLogsTableOverride(t *testing.T) {
	hints := ParseHints("ttl=3d, append_mode=false, physical_table=p")
	out := convertLogs(t, sampleLogs(), &RequestOptions{LogTableName: "my_logs", Database: "obs", Hints: hints})
	b := mustBatch(t, out, "my_logs")
	if b.Database != "obs" {
		t.Errorf("database %q", b.Database)
	}
	// The log create type keeps append mode and never takes the metric
	// engine (operator/src/insert.rs); other hints such as ttl pass.
	if v, _ := b.Hints.Get("append_mode"); v != "true" {
		t.Errorf("append_mode %q", v)
	}
	if _, ok := b.Hints.Get("physical_table"); ok {
		t.Error("physical_table hint on a log table")
	}
	if v, _ := b.Hints.Get("ttl"); v != "3d" {
		t.Errorf("ttl %q", v)
	}
}

// TestLogsExtractKeys covers §3 and §7.2: keys sorted and deduplicated,
// columns in the order a value is first met (resource, scope, record),
// precedence record > scope > resource, case-insensitive lookup, typed
// TAG columns, no column for a key without value.
func TestLogsExtractKeys(t *testing.T) {
	ld := sampleLogs()
	sl := ld.ResourceLogs().At(0).ScopeLogs().At(0)
	sl.Scope().Attributes().PutStr("host", "h-scope")
	sl.LogRecords().At(0).Attributes().PutBool("Flag", true)
	sl.LogRecords().At(1).Attributes().PutStr("HOST", "h-rec")
	out := convertLogs(t, ld, &RequestOptions{LogExtractKeys: []string{"missing", "flag", "host", "service.name", "host"}})
	b := mustBatch(t, out, "opentelemetry_logs")
	extra := columnNames(b)[len(logSchema):]
	if strings.Join(extra, ",") != "host,service.name,flag" {
		t.Fatalf("extract columns %v", extra)
	}
	for _, col := range extra {
		if c := b.Column(col); c.Semantic != table.Tag {
			t.Errorf("%s is %s", col, c.Semantic)
		}
	}
	if c := b.Column("flag"); c.Type != table.Boolean {
		t.Errorf("flag type %s", c.Type)
	} else if v, ok := c.Bool(0); !ok || !v {
		t.Error("flag row 0")
	} else if !c.IsNull(1) {
		t.Error("flag row 1 should be NULL")
	}
	// Row 0: the scope's value wins over the resource's; row 1: the
	// record's (matched case-insensitively) wins.
	if str(t, b, "host", 0) != "h-scope" || str(t, b, "host", 1) != "h-rec" || str(t, b, "service.name", 1) != "api" {
		t.Errorf("values %v / %v", b.Row(0), b.Row(1))
	}
	// A key typed differently across records is refused, as logs.rs's
	// IncompatibleSchema check does.
	sl.Scope().Attributes().PutInt("host", 42)
	err := NewConverter().Logs(context.Background(), ld, &RequestOptions{LogExtractKeys: []string{"host"}}, &translate.Output{})
	if err == nil || !errs.IsPermanent(err) {
		t.Errorf("type clash: %v", err)
	}
}

// TestLogsExtractErrors: a float or map value for an extract key is refused
// (logs.rs UnsupportedJsonDataTypeForTag), naming the key.
func TestLogsExtractErrors(t *testing.T) {
	for _, put := range []func(pcommon.Map){
		func(m pcommon.Map) { m.PutDouble("k", 1.5) },
		func(m pcommon.Map) { m.PutEmptyMap("k") },
	} {
		ld := sampleLogs()
		put(ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes())
		err := NewConverter().Logs(context.Background(), ld, &RequestOptions{LogExtractKeys: []string{"k"}}, &translate.Output{})
		if err == nil || !errs.IsPermanent(err) || !strings.Contains(err.Error(), `"k"`) {
			t.Errorf("err = %v", err)
		}
	}
}

// TestLogsEdgeCases: empty resource attributes are {}, non-UTF-8 bodies are
// refused, JSON text escapes control characters.
func TestLogsEdgeCases(t *testing.T) {
	ld := plog.NewLogs()
	r := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	r.Attributes().PutStr("q", "a\"b\n\x01")
	b := mustBatch(t, convertLogs(t, ld, nil), "opentelemetry_logs")
	if got := str(t, b, "resource_attributes", 0); got != "{}" {
		t.Errorf("empty resource %q", got)
	}
	if got := str(t, b, "log_attributes", 0); got != `{"q":"a\"b\n\u0001"}` {
		t.Errorf("escaped %q", got)
	}
	if !b.Column("body").IsNull(0) {
		t.Error("absent body not NULL")
	}
	r.Body().SetStr("\xff")
	err := NewConverter().Logs(context.Background(), ld, nil, &translate.Output{})
	if err == nil || !errs.IsPermanent(err) {
		t.Errorf("non-utf8 body: %v", err)
	}
}

// TestTableClash: writing logs and traces to the same table name in one
// output is refused with an error naming the table, not a panic.
func TestTableClash(t *testing.T) {
	out := &translate.Output{}
	if err := NewConverter().Traces(context.Background(), jaegerTraces(), &RequestOptions{TraceTableName: "t"}, out); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"t", "t_services"} {
		err := NewConverter().Logs(context.Background(), sampleLogs(), &RequestOptions{LogTableName: name}, out)
		if err == nil || !errs.IsPermanent(err) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

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

// schemaMap is a translate.SchemaLookup over a fixed map, standing for the
// pipeline's knowledge of tables GreptimeDB already holds.
type schemaMap map[string][]translate.KnownColumn

func (m schemaMap) TableSchema(database, tableName string) ([]translate.KnownColumn, bool) {
	cols, ok := m[database+"."+tableName]
	return cols, ok
}

func kc(name string, typ table.DataType, sem table.SemanticType) translate.KnownColumn {
	return translate.KnownColumn{Name: name, Type: typ, Semantic: sem}
}

// oneLog is the request of GreptimeDB's existing-schema tests
// (tests-integration/tests/http.rs around 7995): one record with one
// attribute.
func oneLog(ts uint64, body string, attr func(pcommon.Map)) plog.Logs {
	ld := plog.NewLogs()
	r := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	r.SetTimestamp(pcommon.Timestamp(ts))
	r.SetTraceID(pcommon.TraceID{15: 1})
	r.SetSpanID(pcommon.SpanID{7: 1})
	r.Body().SetStr(body)
	attr(r.Attributes())
	return ld
}

func logsErr(ld plog.Logs, opts *RequestOptions) error {
	return NewConverter().Logs(context.Background(), ld, opts, &translate.Output{})
}

func colType(t *testing.T, b *table.Batch, name string) (table.DataType, table.SemanticType) {
	t.Helper()
	c := b.Column(name)
	if c == nil {
		t.Fatalf("table %q has no column %q (have %v)", b.Table, name, columnNames(b))
	}
	return c.Type, c.Semantic
}

// TestLogsExistingSchema is §7.3 with http.rs's otlp_logs_existing_schema
// (around 7995): a TIMESTAMP(3) table with tags trace_id and host. The
// nanosecond time is floored to milliseconds, the integer 42 lands in the
// STRING tag as "42", existing columns keep their semantic types and the
// built-in scope_name, which the table lacks, is added as a FIELD.
func TestLogsExistingSchema(t *testing.T) {
	schema := schemaMap{".otlp_logs_existing_schema": {
		kc("timestamp", table.TimestampMillisecond, table.Timestamp),
		kc("trace_id", table.String, table.Tag),
		kc("host", table.String, table.Tag),
		kc("body", table.String, table.Field),
	}}
	ld := oneLog(1_736_413_568_497_632_000, "existing schema", func(m pcommon.Map) { m.PutInt("host", 42) })
	out := convertLogs(t, ld, &RequestOptions{LogTableName: "otlp_logs_existing_schema", LogExtractKeys: []string{"host"}, Schema: schema})
	b := mustBatch(t, out, "otlp_logs_existing_schema")
	for _, want := range []struct {
		name string
		typ  table.DataType
		sem  table.SemanticType
	}{
		{"timestamp", table.TimestampMillisecond, table.Timestamp},
		{"trace_id", table.String, table.Tag},
		{"host", table.String, table.Tag},
		{"scope_name", table.String, table.Field},
		{"body", table.String, table.Field},
		{"severity_number", table.Int32, table.Field},
	} {
		if typ, sem := colType(t, b, want.name); typ != want.typ || sem != want.sem {
			t.Errorf("column %s: %s %s, want %s %s", want.name, sem, typ, want.sem, want.typ)
		}
	}
	if ts, _ := b.Column("timestamp").Int64(0); ts != 1736413568497 {
		t.Errorf("timestamp = %d, want 1736413568497 (ms, truncated)", ts)
	}
	if got := str(t, b, "host", 0); got != "42" {
		t.Errorf("host = %q, want \"42\"", got)
	}
	if got := str(t, b, "trace_id", 0); got != "00000000000000000000000000000001" {
		t.Errorf("trace_id = %q", got)
	}
}

// TestLogsExistingStringField is §7.3 with http.rs's
// otlp_logs_existing_string_field: host is an existing STRING field, so an
// integer is stored as text and the column stays a FIELD.
func TestLogsExistingStringField(t *testing.T) {
	schema := schemaMap{".f": {
		kc("timestamp", table.TimestampMillisecond, table.Timestamp),
		kc("host", table.String, table.Field),
		kc("body", table.String, table.Field),
	}}
	ld := oneLog(1_736_413_568_497_700_000, "existing string field", func(m pcommon.Map) { m.PutInt("host", 42) })
	b := mustBatch(t, convertLogs(t, ld, &RequestOptions{LogTableName: "f", LogExtractKeys: []string{"host"}, Schema: schema}), "f")
	if typ, sem := colType(t, b, "host"); typ != table.String || sem != table.Field {
		t.Errorf("host is %s %s, want FIELD STRING", sem, typ)
	}
	if got := str(t, b, "host", 0); got != "42" {
		t.Errorf("host = %q, want \"42\"", got)
	}
}

// TestLogsExistingStringFromScalars is §7.3's "an integer into a STRING
// column is stored as text", extended to the other scalars
// stringify_scalar_value covers: floats in Rust's Display form, booleans,
// and the built-in INT32/UINT32 columns when the table holds them as STRING.
func TestLogsExistingStringFromScalars(t *testing.T) {
	schema := schemaMap{".s": {
		kc("timestamp", table.TimestampNanosecond, table.Timestamp),
		kc("f", table.String, table.Field),
		kc("ok", table.String, table.Field),
		kc("severity_number", table.String, table.Field),
		kc("trace_flags", table.String, table.Field),
	}}
	ld := oneLog(5, "x", func(m pcommon.Map) { m.PutDouble("f", 2.0); m.PutBool("ok", true) })
	ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).SetSeverityNumber(plog.SeverityNumberWarn)
	b := mustBatch(t, convertLogs(t, ld, &RequestOptions{LogTableName: "s", LogExtractKeys: []string{"f", "ok"}, Schema: schema}), "s")
	for col, want := range map[string]string{"f": "2", "ok": "true", "severity_number": "13", "trace_flags": "0"} {
		if got := str(t, b, col, 0); got != want {
			t.Errorf("%s = %q, want %q", col, got, want)
		}
	}
}

// TestLogsExistingBigintTagRefused is §7.3's incompatible case (http.rs
// otlp_logs_incompatible_schema): a string into a BIGINT tag is a 400
// naming the column, and nothing is written.
func TestLogsExistingBigintTagRefused(t *testing.T) {
	schema := schemaMap{".bad": {
		kc("timestamp", table.TimestampNanosecond, table.Timestamp),
		kc("host", table.Int64, table.Tag),
	}}
	ld := oneLog(1_736_413_568_499_000_000, "bad host", func(m pcommon.Map) { m.PutStr("host", "node-a") })
	out := &translate.Output{}
	err := NewConverter().Logs(context.Background(), ld, &RequestOptions{LogTableName: "bad", LogExtractKeys: []string{"host"}, Schema: schema}, out)
	if err == nil || !errs.IsPermanent(err) || !strings.Contains(err.Error(), "failed to align log column 'host'") {
		t.Fatalf("err = %v, want a permanent \"failed to align log column 'host'\"", err)
	}
	if out.Rows() != 0 {
		t.Errorf("%d rows written on refusal", out.Rows())
	}
}

// TestLogsExistingMissingColumn is http.rs otlp_logs_missing_pk: a table
// column the request does not carry is left out of the batch (GreptimeDB
// fills NULL), and a new extract key on an existing table is a FIELD
// (greptimedb-tables.md §3) typed by its value.
func TestLogsExistingMissingColumn(t *testing.T) {
	schema := schemaMap{".m": {
		kc("timestamp", table.TimestampNanosecond, table.Timestamp),
		kc("host", table.String, table.Tag),
		kc("body", table.String, table.Field),
	}}
	ld := oneLog(1_736_413_568_498_000_000, "missing host", func(m pcommon.Map) { m.PutInt("not_host", 3) })
	b := mustBatch(t, convertLogs(t, ld, &RequestOptions{LogTableName: "m", LogExtractKeys: []string{"not_host"}, Schema: schema}), "m")
	if b.Column("host") != nil {
		t.Errorf("host written though the request has no value for it")
	}
	if typ, sem := colType(t, b, "not_host"); typ != table.Int64 || sem != table.Field {
		t.Errorf("not_host is %s %s, want FIELD INT64", sem, typ)
	}
	if typ, sem := colType(t, b, "timestamp"); typ != table.TimestampNanosecond || sem != table.Timestamp {
		t.Errorf("timestamp is %s %s", sem, typ)
	}
	if ts, _ := b.Column("timestamp").Int64(0); ts != 1_736_413_568_498_000_000 {
		t.Errorf("timestamp = %d", ts)
	}
}

// TestLogsExistingMixedValues: with an existing STRING column, records may
// carry different value types for an extract key (each is converted), where
// a new column refuses the mix (logs.rs extract_field_from_attr_and_combine_schema
// compares the existing schema, not the values).
func TestLogsExistingMixedValues(t *testing.T) {
	ld := oneLog(1, "a", func(m pcommon.Map) { m.PutStr("k", "x") })
	r := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().AppendEmpty()
	r.SetTimestamp(2)
	r.Attributes().PutInt("k", 7)
	r.Attributes().PutEmptyBytes("k2").FromRaw([]byte{0xAB})
	schema := schemaMap{".x": {kc("timestamp", table.TimestampNanosecond, table.Timestamp), kc("k", table.String, table.Tag), kc("k2", table.String, table.Field)}}
	b := mustBatch(t, convertLogs(t, ld, &RequestOptions{LogTableName: "x", LogExtractKeys: []string{"k", "k2"}, Schema: schema}), "x")
	if a, c := str(t, b, "k", 0), str(t, b, "k", 1); a != "x" || c != "7" {
		t.Errorf("k = %q, %q; want x, 7", a, c)
	}
	if got := str(t, b, "k2", 1); got != "ab" {
		t.Errorf("k2 = %q, want hex ab", got)
	}
	if err := logsErr(ld, &RequestOptions{LogTableName: "x", LogExtractKeys: []string{"k"}}); err == nil {
		t.Errorf("a new column took a string and an integer")
	}
}

// TestLogsUnknownTable: a lookup that does not know the table (or no
// lookup) keeps today's layout, scope_name a TAG and nanosecond time.
func TestLogsUnknownTable(t *testing.T) {
	for _, s := range []translate.SchemaLookup{nil, schemaMap{}} {
		b := mustBatch(t, convertLogs(t, sampleLogs(), &RequestOptions{Schema: s}), DefaultLogTable)
		if typ, sem := colType(t, b, "scope_name"); typ != table.String || sem != table.Tag {
			t.Errorf("scope_name is %s %s", sem, typ)
		}
		if typ, _ := colType(t, b, "timestamp"); typ != table.TimestampNanosecond {
			t.Errorf("timestamp is %s", typ)
		}
	}
}

// TestLogsExistingTwoRequestsOneOutput: two requests into one output keep
// appending to the aligned batch.
func TestLogsExistingTwoRequestsOneOutput(t *testing.T) {
	schema := schemaMap{".t": {kc("timestamp", table.TimestampMillisecond, table.Timestamp)}}
	c := NewConverter()
	out := &translate.Output{}
	for i := 0; i < 2; i++ {
		ld := oneLog(uint64(i+1)*1_000_000, "b", func(pcommon.Map) {})
		if err := c.Logs(context.Background(), ld, &RequestOptions{LogTableName: "t", Schema: schema}, out); err != nil {
			t.Fatal(err)
		}
	}
	b := mustBatch(t, out, "t")
	if b.Rows() != 2 {
		t.Fatalf("rows = %d", b.Rows())
	}
	if v, _ := b.Column("timestamp").Int64(1); v != 2 {
		t.Errorf("second timestamp = %d, want 2", v)
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestLogsKnownTableNewExtractKey: into a table of the identity layout the
// bridge created (the fast path), a known extract key keeps its TAG type
// and converts values ("42" → into INT64 refused, 7 → "7" into STRING),
// and a new key is a FIELD (§3 "new columns are added as FIELDs").
func TestLogsKnownTableNewExtractKey(t *testing.T) {
	first := convertLogs(t, oneLog(1, "a", func(m pcommon.Map) { m.PutStr("user", "ann") }), &RequestOptions{LogExtractKeys: []string{"user"}})
	known := knownFrom(first)
	ld := oneLog(2, "b", func(m pcommon.Map) { m.PutInt("user", 7); m.PutStr("region", "eu") })
	b := mustBatch(t, convertLogs(t, ld, &RequestOptions{LogExtractKeys: []string{"user", "region"}, Schema: known}), DefaultLogTable)
	if typ, sem := colType(t, b, "user"); typ != table.String || sem != table.Tag {
		t.Errorf("user is %s %s, want TAG STRING", sem, typ)
	}
	if got := str(t, b, "user", 0); got != "7" {
		t.Errorf("user = %q", got)
	}
	if typ, sem := colType(t, b, "region"); typ != table.String || sem != table.Field {
		t.Errorf("region is %s %s, want FIELD STRING", sem, typ)
	}
	if typ, sem := colType(t, b, "scope_name"); typ != table.String || sem != table.Tag {
		t.Errorf("scope_name is %s %s", sem, typ)
	}
}

package otlp

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// addJSONSeeds adds hand-written JSON fixtures, re-encoded as protobuf.
func addJSONSeeds(f *testing.F, pattern string, conv func([]byte) ([]byte, error)) {
	m, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, p := range m {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if pb, err := conv(data); err == nil {
			f.Add(pb)
		}
	}
}

// retyped returns schema with every column whose name passes pick given
// type typ, keeping the rest: a table GreptimeDB holds with other types.
func retyped(schema schemaMap, pick func(string) bool, typ table.DataType) schemaMap {
	out := schemaMap{}
	for k, cols := range schema {
		cs := append([]translate.KnownColumn(nil), cols...)
		for i := range cs {
			if pick(cs[i].Name) {
				cs[i].Type = typ
			}
		}
		out[k] = cs
	}
	return out
}

// FuzzLogsExisting translates logs into known tables of other types
// (§7.3): no panic, valid batches, and every column the table holds keeps
// its type and semantic type.
func FuzzLogsExisting(f *testing.F) {
	addSeeds(f, "telemetrygen_logs.pb")
	addJSONSeeds(f, "logs_*.json", func(b []byte) ([]byte, error) {
		ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
		if err != nil {
			return nil, err
		}
		return (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	})
	keys := []string{"app", "service.name", "host", "user", "lat"}
	f.Fuzz(func(t *testing.T, data []byte) {
		ld, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(data)
		if err != nil {
			return
		}
		first := &translate.Output{}
		if NewConverter().Logs(context.Background(), ld, &RequestOptions{LogExtractKeys: keys}, first) != nil {
			return
		}
		known := knownFrom(first)
		extract := func(n string) bool { return logColumnIndex(n) < 0 }
		for _, s := range []schemaMap{
			known,
			retyped(known, extract, table.String),
			retyped(known, func(n string) bool { return n == "timestamp" }, table.TimestampMillisecond),
			retyped(known, extract, table.Float64),
		} {
			out := &translate.Output{}
			if NewConverter().Logs(context.Background(), ld, &RequestOptions{LogExtractKeys: keys, Schema: s}, out) != nil {
				continue
			}
			checkOutput(t, out)
			for _, b := range out.Batches {
				cols, _ := s.TableSchema(b.Database, b.Table)
				for _, k := range cols {
					if c := b.Column(k.Name); c != nil && (c.Type != k.Type || c.Semantic != k.Semantic) {
						t.Fatalf("column %q is %s %s, the table holds %s %s", k.Name, c.Semantic, c.Type, k.Semantic, k.Type)
					}
				}
			}
		}
	})
}

// FuzzTracesExisting translates traces into known tables whose attribute
// columns have other types (§7.4): no panic, valid batches, every span
// either written or counted, and known columns keep their type unless a
// BIGINT is widened to DOUBLE.
func FuzzTracesExisting(f *testing.F) {
	addSeeds(f, "telemetrygen_traces.pb")
	addJSONSeeds(f, "traces_*.json", func(b []byte) ([]byte, error) {
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(b)
		if err != nil {
			return nil, err
		}
		return (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(data)
		if err != nil {
			return
		}
		first := &translate.Output{}
		if td.SpanCount() == 0 || NewConverter().Traces(context.Background(), td, nil, first) != nil {
			return
		}
		known := knownFrom(first)
		attr := func(n string) bool { return strings.Contains(n, "_attributes.") }
		for _, s := range []schemaMap{
			known,
			retyped(known, attr, table.String),
			retyped(known, attr, table.Int64),
			retyped(known, attr, table.Float64),
			retyped(known, attr, table.Boolean),
		} {
			out := &translate.Output{}
			if NewConverter().Traces(context.Background(), td, &RequestOptions{Schema: s}, out) != nil {
				continue
			}
			checkOutput(t, out)
			b, ok := out.Lookup("", DefaultTraceTable)
			if !ok {
				t.Fatalf("no trace batch though the translation succeeded")
			}
			if b.Rows()+out.Dropped[DropSpanRejected] != td.SpanCount() {
				t.Fatalf("%d rows + %d rejected != %d spans", b.Rows(), out.Dropped[DropSpanRejected], td.SpanCount())
			}
			cols, _ := s.TableSchema("", DefaultTraceTable)
			for _, k := range cols {
				c := b.Column(k.Name)
				if c == nil || !attr(k.Name) {
					continue
				}
				if c.Type != k.Type && (k.Type != table.Int64 || c.Type != table.Float64) {
					t.Fatalf("column %q is %s, the table holds %s", k.Name, c.Type, k.Type)
				}
			}
		}
	})
}

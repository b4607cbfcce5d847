package otlp

import (
	"context"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// knownFrom is the schema lookup the pipeline builds once GreptimeDB has
// accepted the batches of out: every table known with its columns.
func knownFrom(out *translate.Output) schemaMap {
	m := schemaMap{}
	for _, b := range out.Batches {
		var cols []translate.KnownColumn
		for _, c := range b.Columns() {
			cols = append(cols, kc(c.Name, c.Type, c.Semantic))
		}
		m[b.Database+"."+b.Table] = cols
	}
	return m
}

// BenchmarkLogsKnownTable: BenchmarkLogs into the table the bridge created
// before, as the pipeline reports it after the first write (§7.3 path).
func BenchmarkLogsKnownTable(b *testing.B) {
	ld := benchLogs(2000)
	ctx := context.Background()
	first := &translate.Output{}
	if err := NewConverter().Logs(ctx, ld, nil, first); err != nil {
		b.Fatal(err)
	}
	opts := &RequestOptions{Schema: knownFrom(first)}
	benchConvert(b, 2000, "record", func(c *Converter, out *translate.Output) error {
		return c.Logs(ctx, ld, opts, out)
	})
}

// BenchmarkLogsExistingAligned: BenchmarkLogs into a user's table with a
// millisecond time index and an existing STRING tag for an extract key, so
// every row is aligned (§7.3).
func BenchmarkLogsExistingAligned(b *testing.B) {
	ld := benchLogs(2000)
	ctx := context.Background()
	opts := &RequestOptions{LogExtractKeys: []string{"attempt"}, Schema: schemaMap{"." + DefaultLogTable: {
		kc("timestamp", table.TimestampMillisecond, table.Timestamp),
		kc("attempt", table.String, table.Tag),
		kc("body", table.String, table.Field),
	}}}
	benchConvert(b, 2000, "record", func(c *Converter, out *translate.Output) error {
		return c.Logs(ctx, ld, opts, out)
	})
}

// BenchmarkTracesKnownTable: BenchmarkTraces into the trace table the
// bridge created before (§7.4 path, nothing to reconcile).
func BenchmarkTracesKnownTable(b *testing.B) {
	td := benchTraces(2000)
	ctx := context.Background()
	first := &translate.Output{}
	if err := NewConverter().Traces(ctx, td, nil, first); err != nil {
		b.Fatal(err)
	}
	opts := &RequestOptions{Schema: knownFrom(first)}
	benchConvert(b, 2000, "span", func(c *Converter, out *translate.Output) error {
		return c.Traces(ctx, td, opts, out)
	})
}

// BenchmarkTracesExistingCoerced: BenchmarkTraces into a table that holds
// url.path... as STRING and a dynamic attribute as DOUBLE, with the
// request sending an int for it, so the plan runs (§7.4).
func BenchmarkTracesExistingCoerced(b *testing.B) {
	td := benchTraces(2000)
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i := 0; i < spans.Len(); i++ {
		spans.At(i).Attributes().PutInt("retries", int64(i%3))
	}
	ctx := context.Background()
	opts := &RequestOptions{Schema: traceSchema(DefaultTraceTable, map[string]table.DataType{"retries": table.Float64})}
	benchConvert(b, 2000, "span", func(c *Converter, out *translate.Output) error {
		return c.Traces(ctx, td, opts, out)
	})
}

// BenchmarkLogsKnownTableExtract: BenchmarkLogsKnownTable with two extract
// keys, whose columns the table already holds.
func BenchmarkLogsKnownTableExtract(b *testing.B) {
	ld := benchLogs(2000)
	ctx := context.Background()
	keys := []string{"user", "attempt"}
	first := &translate.Output{}
	if err := NewConverter().Logs(ctx, ld, &RequestOptions{LogExtractKeys: keys}, first); err != nil {
		b.Fatal(err)
	}
	opts := &RequestOptions{LogExtractKeys: keys, Schema: knownFrom(first)}
	benchConvert(b, 2000, "record", func(c *Converter, out *translate.Output) error {
		return c.Logs(ctx, ld, opts, out)
	})
}

package otlp

import (
	"sort"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// traceAux writes <table>_services and <table>_operations
// (trace/v1.rs write_trace_services_to_row / write_trace_operations_to_row):
// a fixed 2100-01-01 timestamp and TAG columns, append mode off and no ttl
// (operator/src/insert.rs), and none of the semantic options the main
// table is stamped with: since v1.1.0 only the main span table gets them,
// the lookup tables keep the request's context (frontend/src/instance/
// otlp/trace_ingest.rs ingest_trace_spans main_ctx). Rows are sorted so
// output is deterministic (GreptimeDB iterates a hash set).
func (c *Converter) traceAux(tc *traceCtx, out *translate.Output, opts *RequestOptions, name string) error {
	if len(tc.services) == 0 {
		return nil
	}
	aux := func(tableName string) *table.Batch {
		b, fresh := batchFor(out, opts.Database, tableName)
		if fresh {
			applyHints(b, opts.Hints)
			b.Hints = removeHint(b.Hints, "ttl")
			b.Hints = removeHint(b.Hints, "physical_table")
			b.Hints.Set("append_mode", "false")
		}
		return b
	}
	svcs := make([]string, 0, len(tc.services))
	for s := range tc.services {
		svcs = append(svcs, s)
	}
	sort.Strings(svcs)
	b := aux(name + "_services")
	for _, s := range svcs {
		if err := auxRow(b, s); err != nil {
			return err
		}
	}
	ops := make([][3]string, 0, len(tc.ops))
	for o := range tc.ops {
		ops = append(ops, o)
	}
	sort.Slice(ops, func(i, j int) bool {
		a, b := ops[i], ops[j]
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		if a[1] != b[1] {
			return a[1] < b[1]
		}
		return a[2] < b[2]
	})
	b = aux(name + "_operations")
	for _, o := range ops {
		if err := auxRow(b, o[0], o[1], o[2]); err != nil {
			return err
		}
	}
	return nil
}

var auxTags = [...]string{"service_name", "span_name", "span_kind"}

func auxRow(b *table.Batch, tags ...string) error {
	i, err := b.AddColumn("timestamp", table.TimestampNanosecond, table.Timestamp)
	if err != nil {
		return badInput("%v", err)
	}
	b.Col(i).AppendInt64(auxTimestamp)
	for j, v := range tags {
		i, err := b.AddColumn(auxTags[j], table.String, table.Tag)
		if err != nil {
			b.CancelRow()
			return badInput("%v", err)
		}
		b.Col(i).AppendString(v)
	}
	if err := b.EndRow(); err != nil {
		return badInput("%v", err)
	}
	return nil
}

func removeHint(h table.Hints, key string) table.Hints {
	out := h[:0]
	for _, x := range h {
		if x.Key != key {
			out = append(out, x)
		}
	}
	return out
}

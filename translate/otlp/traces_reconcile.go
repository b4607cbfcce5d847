package otlp

import (
	"fmt"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// reconcileType copies trace_types.rs choose_trace_reconcile_decision for
// one column: its target type, or false for an unsupported mix.
func reconcileType(column string, observed []table.DataType, existing table.DataType, hasExisting bool) (table.DataType, bool) {
	if fixed, ok := semconvType(column); ok {
		// choose_fixed_trace_reconcile_decision: a table that holds the
		// column with another type refuses it.
		return fixed, !hasExisting || existing == fixed
	}
	if !hasExisting {
		return resolveType(observed)
	}
	all, numeric, double := true, true, false
	for _, o := range observed {
		if !coercible(o, existing) {
			all = false
		}
		if o != table.Int64 && o != table.Float64 {
			numeric = false
		}
		if o == table.Float64 {
			double = true
		}
	}
	switch {
	case all:
		return existing, true
	case existing == table.Int64 && numeric && double:
		// AlterExistingTo(Float64): GreptimeDB widens the column.
		return table.Float64, true
	}
	return 0, false
}

// WideningSQL returns the statements GreptimeDB runs before writing a trace
// batch into a table it already holds (trace_ingest.rs
// alter_trace_table_columns_to_float64): one
// ALTER TABLE <table> MODIFY COLUMN <column> DOUBLE for every column b
// carries as DOUBLE that known says is BIGINT. Traces emits such a column
// as DOUBLE when a double meets an existing BIGINT attribute column
// (greptimedb-tables.md §7.4); the statements must run before each insert
// of such a batch, since a row insert cannot change a column's type. It
// returns nil for batches that are not greptime_trace_v1 tables.
func WideningSQL(b *table.Batch, known []translate.KnownColumn) []string {
	if m, _ := b.Hints.Get("table_data_model"); m != TraceV1Pipeline {
		return nil
	}
	var out []string
	for _, k := range known {
		if k.Type != table.Int64 {
			continue
		}
		if c := b.Column(k.Name); c != nil && c.Type == table.Float64 {
			out = append(out, fmt.Sprintf("ALTER TABLE %s MODIFY COLUMN %s DOUBLE", quoteIdent(b.Table), quoteIdent(k.Name)))
		}
	}
	return out
}

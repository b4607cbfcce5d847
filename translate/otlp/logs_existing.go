package otlp

import (
	"context"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// existingState is the converter's scratch for translations into tables
// GreptimeDB already holds (greptimedb-tables.md §7.3, §7.4).
type existingState struct {
	// logCols is the known schema of the log table being written, by
	// column name; it applies while logOn is set (inside logsExisting).
	logCols map[string]translate.KnownColumn
	logOn   bool
	scratch translate.Output
	aligned *table.Batch

	// plan and rejected serve traces into a known table: rejected[i] says
	// whether span i of the request (in order) was rejected.
	plan     tracePlan
	rejected []bool
}

// knownTable asks opts.Schema about a table; ok is false when there is no
// lookup or the table is not known, and today's layout applies.
func knownTable(opts *RequestOptions, name string) ([]translate.KnownColumn, bool) {
	if opts.Schema == nil {
		return nil, false
	}
	cols, ok := opts.Schema.TableSchema(opts.Database, name)
	if !ok || len(cols) == 0 {
		return nil, false
	}
	return cols, true
}

// logsExisting writes logs into a table GreptimeDB already holds, as
// servers/src/otlp/logs.rs does with ExistingLogSchema: the request is
// built in the identity layout (extract keys that name an existing column
// take its type at once, decide_existing_column_schema_and_convert_value),
// then align_rows_with_existing_schema gives every existing column its
// table type and semantic type and demotes request-only tags to fields.
func (c *Converter) logsExisting(ctx context.Context, ld plog.Logs, opts *RequestOptions, name string, known []translate.KnownColumn, out *translate.Output) error {
	ex := &c.existing
	ex.logCols = resetMap(ex.logCols)
	for _, k := range known {
		ex.logCols[k.Name] = k
	}
	ex.logOn = true
	defer func() { ex.logOn = false }()
	inner := *opts
	inner.Schema = nil
	if logLayoutMatches(known) {
		// The built-in columns are the identity layout (usually a table
		// the bridge created): only extract keys differ, and
		// extractColumn already gives them the table's types, or FIELD
		// for new ones. Nothing to align, so no copy.
		return c.Logs(ctx, ld, &inner, out)
	}
	ex.scratch.Reset()
	if err := c.Logs(ctx, ld, &inner, &ex.scratch); err != nil {
		return err
	}
	src, ok := ex.scratch.Lookup(opts.Database, name)
	if !ok {
		return nil
	}
	if ex.aligned == nil {
		ex.aligned = table.New(opts.Database, name)
	}
	dst := ex.aligned
	dst.Reset(false)
	dst.Database, dst.Table = src.Database, src.Table
	dst.Hints = append(dst.Hints[:0], src.Hints...)
	if err := alignLogColumns(src, ex.logCols, dst); err != nil {
		return err
	}
	if err := checkLogTimeIndex(dst, known); err != nil {
		return err
	}
	b := out.Batch(opts.Database, name)
	if err := b.AppendBatch(dst); err != nil {
		return badInput("%v", err)
	}
	return nil
}

// logLayoutMatches reports whether alignment would leave the identity
// layout unchanged: every built-in column the table holds has its type and
// semantic type, the absent ones are not tags, and the time index is
// "timestamp".
func logLayoutMatches(known []translate.KnownColumn) bool {
	seen := 0
	for _, k := range known {
		i := logColumnIndex(k.Name)
		if i < 0 {
			if k.Semantic == table.Timestamp {
				return false
			}
			continue
		}
		if k.Type != logSchema[i].typ || k.Semantic != logSchema[i].sem {
			return false
		}
		seen |= 1 << i
	}
	for i, s := range logSchema {
		if s.sem == table.Tag && seen&(1<<i) == 0 {
			return false
		}
	}
	return true
}

func logColumnIndex(name string) int {
	for i := range logSchema {
		if logSchema[i].name == name {
			return i
		}
	}
	return -1
}

// alignLogColumns copies src into dst, converting each column the table
// already holds to the table's type and semantic type
// (logs.rs align_rows_with_existing_schema and coerce_log_value_data).
func alignLogColumns(src *table.Batch, known map[string]translate.KnownColumn, dst *table.Batch) error {
	for _, sc := range src.Columns() {
		typ, sem := sc.Type, sc.Semantic
		if k, exists := known[sc.Name]; exists {
			typ, sem = k.Type, k.Semantic
		} else if sem == table.Tag {
			// An existing table owns its primary key: request-only tags
			// (scope_name, new extract keys) become fields.
			sem = table.Field
		}
		i, err := dst.AddColumn(sc.Name, typ, sem)
		if err != nil {
			return badInput("%v", err)
		}
		dst.Col(i).Options = sc.Options
	}
	srcCols, dstCols := src.Columns(), dst.Columns()
	for r := 0; r < src.Rows(); r++ {
		for i, sc := range srcCols {
			if err := alignLogValue(sc, r, dstCols[i], src.Table); err != nil {
				dst.CancelRow()
				return err
			}
		}
		if err := dst.EndRow(); err != nil {
			return badInput("%v", err)
		}
	}
	return nil
}

// checkLogTimeIndex refuses a table whose time index is not the log
// layout's: GreptimeDB would add "timestamp" as a second time index or
// find the table's own time index without a value, and fail the insert.
func checkLogTimeIndex(b *table.Batch, known []translate.KnownColumn) error {
	ti := b.TimeIndex()
	for _, k := range known {
		if k.Semantic == table.Timestamp && (ti < 0 || b.Col(ti).Name != k.Name) {
			return badInput("table %q has time index %q, but OTLP logs write their time to %q", b.Table, k.Name, logSchema[logTS].name)
		}
	}
	return nil
}

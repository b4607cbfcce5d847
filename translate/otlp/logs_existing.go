package otlp

import (
	"context"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
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

// alignLogValue appends value r of src to dst, converting it as
// coerce_log_value_data does: the same type as is, a timestamp to the
// table's unit (floor division, Timestamp::convert_to), any scalar to a
// STRING column as its text; anything else is refused with GreptimeDB's
// message. NULL stays NULL whatever the types.
func alignLogValue(src *table.Column, r int, dst *table.Column, tableName string) error {
	if src.IsNull(r) {
		dst.AppendNull()
		return nil
	}
	from, to := src.Type, dst.Type
	switch {
	case from == to:
		copyValue(src, r, dst)
		return nil
	case from.IsTimestamp() && to.IsTimestamp():
		v, _ := src.Int64(r)
		out, ok := convertTimestamp(v, from, to)
		if !ok {
			return badInput("failed to align log column '%s' in table '%s' to timestamp unit %s", src.Name, tableName, unitName(to))
		}
		dst.AppendInt64(out)
		return nil
	case to == table.String:
		if s, ok := scalarText(src, r); ok {
			dst.AppendString(s)
			return nil
		}
	}
	if from == table.JSON && to == table.Binary {
		return badInput("failed to align log column '%s' in table '%s' from %s to %s: GreptimeDB would store its JSONB encoding, which the bridge does not produce", src.Name, tableName, protoTypeName(from), protoTypeName(to))
	}
	return badInput("failed to align log column '%s' in table '%s' from %s to %s", src.Name, tableName, protoTypeName(from), protoTypeName(to))
}

// scalarText is logs.rs stringify_scalar_value: integers, floats (Rust's
// Display) and booleans as text; timestamps, binary and JSON have none.
func scalarText(c *table.Column, r int) (string, bool) {
	if c.Type.IsTimestamp() {
		return "", false
	}
	switch c.Type.Storage() {
	case table.StorageInt:
		v, _ := c.Int64(r)
		return strconv.FormatInt(v, 10), true
	case table.StorageUint:
		v, _ := c.Uint64(r)
		return strconv.FormatUint(v, 10), true
	case table.StorageFloat:
		v, _ := c.Float64(r)
		return rustFloat(v), true
	case table.StorageBool:
		v, _ := c.Bool(r)
		return strconv.FormatBool(v), true
	}
	return "", false
}

// copyValue appends value r of src to dst of the same storage.
func copyValue(src *table.Column, r int, dst *table.Column) {
	switch src.Type.Storage() {
	case table.StorageInt:
		v, _ := src.Int64(r)
		dst.AppendInt64(v)
	case table.StorageUint:
		v, _ := src.Uint64(r)
		dst.AppendUint64(v)
	case table.StorageFloat:
		v, _ := src.Float64(r)
		dst.AppendFloat64(v)
	case table.StorageBool:
		v, _ := src.Bool(r)
		dst.AppendBool(v)
	case table.StorageBytes:
		v, _ := src.Binary(r)
		dst.AppendBytes(v)
	default:
		_ = dst.AppendValue(src.Value(r))
	}
}

// unitFactor is the number of nanoseconds in one unit of a timestamp type.
func unitFactor(t table.DataType) int64 {
	switch t {
	case table.TimestampSecond:
		return 1e9
	case table.TimestampMillisecond:
		return 1e6
	case table.TimestampMicrosecond:
		return 1e3
	}
	return 1
}

func unitName(t table.DataType) string {
	switch t {
	case table.TimestampSecond:
		return "Second"
	case table.TimestampMillisecond:
		return "Millisecond"
	case table.TimestampMicrosecond:
		return "Microsecond"
	}
	return "Nanosecond"
}

// convertTimestamp copies common_time Timestamp::convert_to: to a coarser
// unit by floor division, to a finer one by checked multiplication.
func convertTimestamp(v int64, from, to table.DataType) (int64, bool) {
	f, t := unitFactor(from), unitFactor(to)
	if f >= t {
		mul := f / t
		if mul != 1 && (v > (1<<63-1)/mul || v < -(1<<63)/mul) {
			return 0, false
		}
		return v * mul, true
	}
	div := t / f
	q := v / div
	if v%div != 0 && v < 0 {
		q-- // div_euclid rounds towards negative infinity
	}
	return q, true
}

// protoTypeName prints a type as GreptimeDB's error messages do (the Debug
// form of ColumnDataType): "STRING" as String, "TIMESTAMP_MILLISECOND" as
// TimestampMillisecond.
func protoTypeName(t table.DataType) string {
	var sb strings.Builder
	for _, part := range strings.Split(t.String(), "_") {
		if part == "" {
			continue
		}
		sb.WriteString(part[:1])
		sb.WriteString(strings.ToLower(part[1:]))
	}
	return sb.String()
}

// knownExtractColumn is extractColumn for a key that names a column the
// table already holds: the column keeps the table's type and semantic type
// and every value is converted to it (logs.rs
// decide_existing_column_schema_and_convert_value). Floats are accepted
// here; arrays and maps are still refused.
func (c *Converter) knownExtractColumn(lc *logCtx, tableName, key string, v pcommon.Value, k translate.KnownColumn) (*extractCol, error) {
	if t := v.Type(); t == pcommon.ValueTypeSlice || t == pcommon.ValueTypeMap {
		return nil, badInput("table %q: extract key %q has a Json value, which cannot be a tag", tableName, key)
	}
	for i := range lc.extract {
		if e := &lc.extract[i]; e.key == key {
			return e, nil
		}
	}
	idx, err := lc.b.AddColumn(key, k.Type, k.Semantic)
	if err != nil {
		return nil, badInput("%v", err)
	}
	lc.extract = append(lc.extract, extractCol{key: key, typ: k.Type, col: idx, known: true})
	return &lc.extract[len(lc.extract)-1], nil
}

// appendKnownExtract appends an extract-key value to a column the table
// already holds, converting it as coerce_log_value_data does: the same
// type as is, any scalar into a STRING column as its text, otherwise
// GreptimeDB's 400 "failed to align log column".
func (c *Converter) appendKnownExtract(col *table.Column, tableName, key string, v pcommon.Value) error {
	var from table.DataType
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if err := checkUTF8Of("extract key", key, v.Str()); err != nil {
			return err
		}
		from = table.String
		if col.Type == from {
			col.AppendString(v.Str())
			return nil
		}
	case pcommon.ValueTypeBytes:
		// utils.rs key_value_to_jsonb: bytes are a hex string.
		from = table.String
		if col.Type == from {
			c.rowBuf = appendHex(c.rowBuf[:0], v.Bytes().AsRaw())
			col.AppendBytes(c.rowBuf)
			return nil
		}
	case pcommon.ValueTypeInt:
		from = table.Int64
		switch col.Type {
		case table.Int64:
			col.AppendInt64(v.Int())
			return nil
		case table.String:
			col.AppendString(strconv.FormatInt(v.Int(), 10))
			return nil
		}
	case pcommon.ValueTypeDouble:
		from = table.Float64
		switch col.Type {
		case table.Float64:
			col.AppendFloat64(v.Double())
			return nil
		case table.String:
			col.AppendString(rustFloat(v.Double()))
			return nil
		}
	case pcommon.ValueTypeBool:
		from = table.Boolean
		switch col.Type {
		case table.Boolean:
			col.AppendBool(v.Bool())
			return nil
		case table.String:
			col.AppendString(strconv.FormatBool(v.Bool()))
			return nil
		}
	}
	return badInput("failed to align log column '%s' in table '%s' from %s to %s", key, tableName, protoTypeName(from), protoTypeName(col.Type))
}

package otlp

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// findKey looks a key up as jsonb's get_by_name_ignore_case does on the
// BTreeMap GreptimeDB builds (otlp/utils.rs key_value_to_jsonb): an exact
// match first, else the first case-insensitive match in key order; of
// repeated keys the later value, which the map kept.
func findKey(m pcommon.Map, key string) (pcommon.Value, bool) {
	var exact, folded pcommon.Value
	var hasExact, hasFolded bool
	var foldedKey string
	for k, v := range m.All() {
		if k == key {
			exact, hasExact = v, true
			continue
		}
		if !hasExact && strings.EqualFold(k, key) && (!hasFolded || k <= foldedKey) {
			folded, foldedKey, hasFolded = v, k, true
		}
	}
	if hasExact {
		return exact, true
	}
	return folded, hasFolded
}

// lookupKeys resolves every extract key in one attribute map (a resource's
// or a scope's), creating columns for keys with values there.
func (c *Converter) lookupKeys(lc *logCtx, tableName string, m pcommon.Map, dst []keyVal) error {
	for i, k := range lc.keys {
		v, ok := findKey(m, k)
		if !ok || v.Type() == pcommon.ValueTypeEmpty {
			dst[i] = keyVal{}
			continue
		}
		if _, err := c.extractColumn(lc, tableName, k, v); err != nil {
			return err
		}
		dst[i] = keyVal{v, true}
	}
	return nil
}

// extractColumn returns the column of an extract key, creating it as a TAG
// typed by its first value (logs.rs decide_column_schema_and_convert_value).
// Into a table GreptimeDB already holds (§7.3), a key the table has takes
// its column (knownExtractColumn) and a new key is a FIELD.
func (c *Converter) extractColumn(lc *logCtx, tableName, key string, v pcommon.Value) (*extractCol, error) {
	sem := table.Tag
	if c.existing.logOn {
		if k, ok := c.existing.logCols[key]; ok {
			return c.knownExtractColumn(lc, tableName, key, v, k)
		}
		// logs.rs align_rows_with_existing_schema: an existing table
		// owns its primary key, so a new extract key is a field.
		sem = table.Field
	}
	var typ table.DataType
	switch v.Type() {
	case pcommon.ValueTypeStr, pcommon.ValueTypeBytes:
		typ = table.String
	case pcommon.ValueTypeInt:
		typ = table.Int64
	case pcommon.ValueTypeBool:
		typ = table.Boolean
	case pcommon.ValueTypeDouble:
		return nil, badInput("table %q: extract key %q has a FLOAT value, which cannot be a tag", tableName, key)
	default:
		return nil, badInput("table %q: extract key %q has a Json value, which cannot be a tag", tableName, key)
	}
	for i := range lc.extract {
		e := &lc.extract[i]
		if e.key == key {
			if e.typ != typ {
				return nil, badInput("table %q: extract key %q is %s in one record and %s in another", tableName, key, e.typ, typ)
			}
			return e, nil
		}
	}
	idx, err := lc.b.AddColumn(key, typ, sem)
	if err != nil {
		return nil, badInput("%v", err)
	}
	lc.extract = append(lc.extract, extractCol{key: key, typ: typ, col: idx})
	return &lc.extract[len(lc.extract)-1], nil
}

// extractRow fills the extract columns of one record: the log attribute
// wins over the scope's, which wins over the resource's (logs.rs
// merge_values).
func (c *Converter) extractRow(lc *logCtx, tableName string, attrs pcommon.Map) error {
	for i, k := range lc.keys {
		v, ok := findKey(attrs, k)
		if !ok || v.Type() == pcommon.ValueTypeEmpty {
			v, ok = lc.scopVals[i].v, lc.scopVals[i].ok
		}
		if !ok {
			v, ok = lc.resVals[i].v, lc.resVals[i].ok
		}
		if !ok {
			continue
		}
		e, err := c.extractColumn(lc, tableName, k, v)
		if err != nil {
			return err
		}
		col := lc.b.Col(e.col)
		if e.known {
			if err := c.appendKnownExtract(col, tableName, k, v); err != nil {
				return err
			}
			continue
		}
		switch v.Type() {
		case pcommon.ValueTypeStr:
			if err := checkUTF8Of("extract key", k, v.Str()); err != nil {
				return err
			}
			col.AppendString(v.Str())
		case pcommon.ValueTypeBytes:
			c.rowBuf = appendHex(c.rowBuf[:0], v.Bytes().AsRaw())
			col.AppendBytes(c.rowBuf)
		case pcommon.ValueTypeInt:
			col.AppendInt64(v.Int())
		case pcommon.ValueTypeBool:
			col.AppendBool(v.Bool())
		}
	}
	return nil
}

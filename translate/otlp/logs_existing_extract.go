package otlp

import (
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

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

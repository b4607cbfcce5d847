package greptimetest

import (
	"strconv"
	"strings"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// defaultValue evaluates a column's DEFAULT for a row that omits the
// column, as mito2 fills missing columns (mito2/src/request.rs
// fill_missing_columns with ColumnDefaultConstraint::create_default in
// datatypes/src/schema/constraint.rs): a literal of the column's type, or
// now() / current_timestamp() for timestamp columns, read at write time.
// A default the test server cannot evaluate reads as NULL.
func defaultValue(c ColumnInfo, now time.Time) table.Value {
	d := strings.TrimSpace(c.Default)
	if d == "" || strings.EqualFold(d, "null") {
		return table.Null()
	}
	fn := strings.ToLower(strings.TrimSuffix(strings.ReplaceAll(d, " ", ""), "()"))
	if c.Type.IsTimestamp() && (fn == "now" || fn == "current_timestamp") {
		return table.TimeOf(c.Type, now)
	}
	if strings.HasPrefix(d, "'") && strings.HasSuffix(d, "'") && len(d) >= 2 {
		if c.Type == table.String {
			return table.StringValue(d[1 : len(d)-1])
		}
		return table.Null()
	}
	switch c.Type.Storage() {
	case table.StorageInt:
		if x, err := strconv.ParseInt(d, 10, 64); err == nil {
			return intOf(c.Type, x)
		}
	case table.StorageUint:
		if x, err := strconv.ParseUint(d, 10, 64); err == nil {
			return uintOf(c.Type, x)
		}
	case table.StorageFloat:
		if x, err := strconv.ParseFloat(d, 64); err == nil {
			if c.Type == table.Float32 {
				return table.Float32Value(float32(x))
			}
			return table.Float64Value(x)
		}
	case table.StorageBool:
		if x, err := strconv.ParseBool(d); err == nil {
			return table.BoolValue(x)
		}
	}
	return table.Null()
}

func intOf(t table.DataType, x int64) table.Value {
	switch t {
	case table.Int8:
		return table.Int8Value(int8(x))
	case table.Int16:
		return table.Int16Value(int16(x))
	case table.Int32:
		return table.Int32Value(int32(x))
	case table.Int64:
		return table.Int64Value(x)
	}
	if t.IsTimestamp() {
		return table.TimestampValue(t, x)
	}
	return table.Null()
}

func uintOf(t table.DataType, x uint64) table.Value {
	switch t {
	case table.Uint8:
		return table.Uint8Value(uint8(x))
	case table.Uint16:
		return table.Uint16Value(uint16(x))
	case table.Uint32:
		return table.Uint32Value(uint32(x))
	}
	return table.Uint64Value(x)
}

// fillDefaults sets the defaults of columns the write did not give.
func fillDefaults(cols []ColumnInfo, given []bool, row []table.Value, now time.Time) {
	for j, c := range cols {
		if !given[j] && c.Default != "" {
			row[j] = defaultValue(c, now)
		}
	}
}

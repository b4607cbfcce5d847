package otlp

import (
	"strconv"
	"strings"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

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

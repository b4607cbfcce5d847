package greptimetest

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// This file maps the table model's column types to the Arrow types a bulk
// batch must carry, and prints Arrow types the way the real server's error
// messages do.

// arrowTypeOf is the Arrow type of a stored column, as the server's
// ConcreteDataType::as_arrow_type gives it (datatypes/src/data_type.rs,
// summarised in greptimedb-protocol.md §3.4). A bulk batch must carry
// exactly this type for the column (mito2/src/memtable/bulk/part.rs
// convert_bulk_part rebuilds the batch with RecordBatch::try_new).
func arrowTypeOf(c ColumnInfo) arrow.DataType {
	switch c.Type {
	case table.Boolean:
		return arrow.FixedWidthTypes.Boolean
	case table.Int8:
		return arrow.PrimitiveTypes.Int8
	case table.Int16:
		return arrow.PrimitiveTypes.Int16
	case table.Int32:
		return arrow.PrimitiveTypes.Int32
	case table.Int64:
		return arrow.PrimitiveTypes.Int64
	case table.Uint8:
		return arrow.PrimitiveTypes.Uint8
	case table.Uint16:
		return arrow.PrimitiveTypes.Uint16
	case table.Uint32:
		return arrow.PrimitiveTypes.Uint32
	case table.Uint64:
		return arrow.PrimitiveTypes.Uint64
	case table.Float32:
		return arrow.PrimitiveTypes.Float32
	case table.Float64:
		return arrow.PrimitiveTypes.Float64
	case table.String:
		// StringSizeType::Utf8 is the server default.
		return arrow.BinaryTypes.String
	case table.Binary, table.JSON, table.Vector:
		// Legacy JSON is JSONB held in Binary; VECTOR is Binary too.
		return arrow.BinaryTypes.Binary
	case table.Date:
		return arrow.FixedWidthTypes.Date32
	case table.Datetime:
		// DATETIME is a deprecated alias of Timestamp(µs) without zone.
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case table.TimestampSecond:
		return &arrow.TimestampType{Unit: arrow.Second}
	case table.TimestampMillisecond:
		return &arrow.TimestampType{Unit: arrow.Millisecond}
	case table.TimestampMicrosecond:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case table.TimestampNanosecond:
		return &arrow.TimestampType{Unit: arrow.Nanosecond}
	case table.TimeSecond:
		return arrow.FixedWidthTypes.Time32s
	case table.TimeMillisecond:
		return arrow.FixedWidthTypes.Time32ms
	case table.TimeMicrosecond:
		return arrow.FixedWidthTypes.Time64us
	case table.TimeNanosecond:
		return arrow.FixedWidthTypes.Time64ns
	case table.IntervalYearMonth:
		return arrow.FixedWidthTypes.MonthInterval
	case table.IntervalDayTime:
		return arrow.FixedWidthTypes.DayTimeInterval
	case table.IntervalMonthDayNano:
		return arrow.FixedWidthTypes.MonthDayNanoInterval
	case table.Decimal128:
		p, s := c.Precision, c.Scale
		if p == 0 {
			// The server's default decimal is (38, 10).
			p, s = 38, 10
		}
		return &arrow.Decimal128Type{Precision: p, Scale: s}
	}
	return arrow.Null
}

// isStringType reports whether t is one of Arrow's three string layouts,
// or a dictionary of one with integer indices. String TAG columns are cast
// to Dictionary(UInt32, Utf8) by convert_bulk_part, so any of them is
// accepted there (§7.2), and the metric engine takes the same set for
// tags (metric-engine/src/batch_modifier.rs build_tag_arrays).
func isStringType(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	case arrow.DICTIONARY:
		d := t.(*arrow.DictionaryType)
		return arrow.IsInteger(d.IndexType.ID()) && isStringType(d.ValueType) && d.ValueType.ID() != arrow.DICTIONARY
	}
	return false
}

// rustType prints an Arrow type the way arrow-rs 58 formats DataType with
// Debug, which is what the server's "column types must match schema types"
// message shows (tests/cases/standalone/**/*.result in GreptimeDB show
// "Timestamp(ms)", "Decimal128(38, 1)", "Interval(MonthDayNano)").
func rustType(t arrow.DataType) string {
	switch tt := t.(type) {
	case *arrow.TimestampType:
		if tt.TimeZone != "" {
			return fmt.Sprintf("Timestamp(%s, %q)", rustUnit(tt.Unit), tt.TimeZone)
		}
		return "Timestamp(" + rustUnit(tt.Unit) + ")"
	case *arrow.Time32Type:
		return "Time32(" + rustUnit(tt.Unit) + ")"
	case *arrow.Time64Type:
		return "Time64(" + rustUnit(tt.Unit) + ")"
	case *arrow.DurationType:
		return "Duration(" + rustUnit(tt.Unit) + ")"
	case *arrow.Decimal128Type:
		return fmt.Sprintf("Decimal128(%d, %d)", tt.Precision, tt.Scale)
	case *arrow.Decimal256Type:
		return fmt.Sprintf("Decimal256(%d, %d)", tt.Precision, tt.Scale)
	case *arrow.FixedSizeBinaryType:
		return fmt.Sprintf("FixedSizeBinary(%d)", tt.ByteWidth)
	case *arrow.DictionaryType:
		return "Dictionary(" + rustType(tt.IndexType) + ", " + rustType(tt.ValueType) + ")"
	}
	switch t.ID() {
	case arrow.NULL:
		return "Null"
	case arrow.BOOL:
		return "Boolean"
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return "Int" + strings.TrimPrefix(t.Name(), "int")
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return "UInt" + strings.TrimPrefix(t.Name(), "uint")
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return "Float" + strings.TrimPrefix(t.Name(), "float")
	case arrow.STRING:
		return "Utf8"
	case arrow.LARGE_STRING:
		return "LargeUtf8"
	case arrow.STRING_VIEW:
		return "Utf8View"
	case arrow.BINARY:
		return "Binary"
	case arrow.LARGE_BINARY:
		return "LargeBinary"
	case arrow.BINARY_VIEW:
		return "BinaryView"
	case arrow.DATE32:
		return "Date32"
	case arrow.DATE64:
		return "Date64"
	case arrow.INTERVAL_MONTHS:
		return "Interval(YearMonth)"
	case arrow.INTERVAL_DAY_TIME:
		return "Interval(DayTime)"
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return "Interval(MonthDayNano)"
	}
	// Nested types are not part of any table the server builds; Arrow's
	// own spelling is close enough for a message.
	return t.String()
}

// rustUnit is arrow-rs's short time unit ("µs", not "us").
func rustUnit(u arrow.TimeUnit) string {
	switch u {
	case arrow.Second:
		return "s"
	case arrow.Millisecond:
		return "ms"
	case arrow.Microsecond:
		return "µs"
	}
	return "ns"
}

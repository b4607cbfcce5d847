package greptimetest

import (
	"bytes"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// valueGetter reads row i of one Arrow column as a table-model value. The
// value owns its bytes: Arrow buffers are released after each batch.
type valueGetter func(i int) table.Value

// arrowGetter returns the reader for a column whose Arrow type has already
// been matched against c (see arrowTypeOf). It returns nil for a layout it
// cannot read, which the caller reports as a type mismatch.
func arrowGetter(arr arrow.Array, c ColumnInfo) valueGetter {
	nullable := func(get valueGetter) valueGetter {
		if arr.NullN() == 0 {
			return get
		}
		return func(i int) table.Value {
			if arr.IsNull(i) {
				return table.Null()
			}
			return get(i)
		}
	}
	t := c.Type
	switch a := arr.(type) {
	case *array.Boolean:
		return nullable(func(i int) table.Value { return table.BoolValue(a.Value(i)) })
	case *array.Int8:
		return nullable(func(i int) table.Value { return table.Int8Value(a.Value(i)) })
	case *array.Int16:
		return nullable(func(i int) table.Value { return table.Int16Value(a.Value(i)) })
	case *array.Int32:
		return nullable(func(i int) table.Value { return table.Int32Value(a.Value(i)) })
	case *array.Int64:
		return nullable(func(i int) table.Value { return table.Int64Value(a.Value(i)) })
	case *array.Uint8:
		return nullable(func(i int) table.Value { return table.Uint8Value(a.Value(i)) })
	case *array.Uint16:
		return nullable(func(i int) table.Value { return table.Uint16Value(a.Value(i)) })
	case *array.Uint32:
		return nullable(func(i int) table.Value { return table.Uint32Value(a.Value(i)) })
	case *array.Uint64:
		return nullable(func(i int) table.Value { return table.Uint64Value(a.Value(i)) })
	case *array.Float32:
		return nullable(func(i int) table.Value { return table.Float32Value(a.Value(i)) })
	case *array.Float64:
		return nullable(func(i int) table.Value { return table.Float64Value(a.Value(i)) })
	case *array.String:
		return nullable(func(i int) table.Value { return table.StringValue(strings.Clone(a.Value(i))) })
	case *array.LargeString:
		return nullable(func(i int) table.Value { return table.StringValue(strings.Clone(a.Value(i))) })
	case *array.StringView:
		return nullable(func(i int) table.Value { return table.StringValue(strings.Clone(a.Value(i))) })
	case *array.Binary:
		return nullable(arrowBinaryGetter(t, a.Value))
	case *array.Dictionary:
		// Only string dictionaries reach here (string TAG columns).
		values := arrowGetter(a.Dictionary(), c)
		if values == nil {
			return nil
		}
		return nullable(func(i int) table.Value { return values(a.GetValueIndex(i)) })
	case *array.Date32:
		return nullable(func(i int) table.Value { return table.DateValue(int32(a.Value(i))) })
	case *array.Timestamp:
		if t == table.Datetime {
			return nullable(func(i int) table.Value { return table.DatetimeValue(int64(a.Value(i))) })
		}
		return nullable(func(i int) table.Value { return table.TimestampValue(t, int64(a.Value(i))) })
	case *array.Time32:
		return nullable(func(i int) table.Value { return table.TimestampValue(t, int64(a.Value(i))) })
	case *array.Time64:
		return nullable(func(i int) table.Value { return table.TimestampValue(t, int64(a.Value(i))) })
	case *array.MonthInterval:
		return nullable(func(i int) table.Value { return table.IntervalYearMonthValue(int32(a.Value(i))) })
	case *array.DayTimeInterval:
		// GreptimeDB packs days in the high and milliseconds in the low 32
		// bits (common/time/src/interval.rs IntervalDayTime::to_i64).
		return nullable(func(i int) table.Value {
			v := a.Value(i)
			return table.IntervalDayTimeValue(int64(uint64(uint32(v.Days))<<32 | uint64(uint32(v.Milliseconds))))
		})
	case *array.MonthDayNanoInterval:
		return nullable(func(i int) table.Value {
			v := a.Value(i)
			return table.IntervalMonthDayNanoValue(table.IntervalMDN{Months: v.Months, Days: v.Days, Nanoseconds: v.Nanoseconds})
		})
	case *array.Decimal128:
		return nullable(func(i int) table.Value {
			v := a.Value(i)
			return table.Decimal128Of(table.Decimal128Value{Lo: v.LowBits(), Hi: v.HighBits()})
		})
	}
	return nil
}

// arrowBinaryGetter reads a Binary column as BINARY, JSON or VECTOR. JSON bytes
// are kept as the text the client sent: whether the real bulk path turns
// them into JSONB is not confirmed (greptimedb-protocol.md §3.4, §6).
func arrowBinaryGetter(t table.DataType, value func(int) []byte) valueGetter {
	switch t {
	case table.JSON:
		return func(i int) table.Value { return table.JSONValue(string(value(i))) }
	case table.Vector:
		return func(i int) table.Value { return table.VectorValue(bytes.Clone(value(i))) }
	}
	return func(i int) table.Value { return table.BinaryValue(bytes.Clone(value(i))) }
}

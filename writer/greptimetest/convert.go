package greptimetest

import (
	"fmt"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// ColumnDataType values beyond the table model's scalars: the value types
// of nested proto values (greptime-proto ColumnDataType LIST, STRUCT).
const (
	protoList   table.DataType = 40
	protoStruct table.DataType = 41
)

// protoValueType returns the ColumnDataType a proto value's variant
// carries, and false for NULL (api/src/helper.rs proto_value_type). The
// native json_value variant is JSON.
func protoValueType(v *gpb.Value) (table.DataType, bool) {
	switch v.GetValueData().(type) {
	case *gpb.Value_I8Value:
		return table.Int8, true
	case *gpb.Value_I16Value:
		return table.Int16, true
	case *gpb.Value_I32Value:
		return table.Int32, true
	case *gpb.Value_I64Value:
		return table.Int64, true
	case *gpb.Value_U8Value:
		return table.Uint8, true
	case *gpb.Value_U16Value:
		return table.Uint16, true
	case *gpb.Value_U32Value:
		return table.Uint32, true
	case *gpb.Value_U64Value:
		return table.Uint64, true
	case *gpb.Value_F32Value:
		return table.Float32, true
	case *gpb.Value_F64Value:
		return table.Float64, true
	case *gpb.Value_BoolValue:
		return table.Boolean, true
	case *gpb.Value_BinaryValue:
		return table.Binary, true
	case *gpb.Value_StringValue:
		return table.String, true
	case *gpb.Value_DateValue:
		return table.Date, true
	case *gpb.Value_DatetimeValue:
		return table.Datetime, true
	case *gpb.Value_TimestampSecondValue:
		return table.TimestampSecond, true
	case *gpb.Value_TimestampMillisecondValue:
		return table.TimestampMillisecond, true
	case *gpb.Value_TimestampMicrosecondValue:
		return table.TimestampMicrosecond, true
	case *gpb.Value_TimestampNanosecondValue:
		return table.TimestampNanosecond, true
	case *gpb.Value_TimeSecondValue:
		return table.TimeSecond, true
	case *gpb.Value_TimeMillisecondValue:
		return table.TimeMillisecond, true
	case *gpb.Value_TimeMicrosecondValue:
		return table.TimeMicrosecond, true
	case *gpb.Value_TimeNanosecondValue:
		return table.TimeNanosecond, true
	case *gpb.Value_IntervalYearMonthValue:
		return table.IntervalYearMonth, true
	case *gpb.Value_IntervalDayTimeValue:
		return table.IntervalDayTime, true
	case *gpb.Value_IntervalMonthDayNanoValue:
		return table.IntervalMonthDayNano, true
	case *gpb.Value_Decimal128Value:
		return table.Decimal128, true
	case *gpb.Value_ListValue:
		return protoList, true
	case *gpb.Value_StructValue:
		return protoStruct, true
	case *gpb.Value_JsonValue:
		return table.JSON, true
	}
	return 0, false
}

// rustTypeNames are ColumnDataType names as prost's Debug prints them, the
// form used in "value has type X, but column c has type Y(n)"
// (mito2/src/request.rs validate_proto_value).
var rustTypeNames = map[table.DataType]string{
	table.Boolean: "Boolean", table.Int8: "Int8", table.Int16: "Int16", table.Int32: "Int32",
	table.Int64: "Int64", table.Uint8: "Uint8", table.Uint16: "Uint16", table.Uint32: "Uint32",
	table.Uint64: "Uint64", table.Float32: "Float32", table.Float64: "Float64",
	table.Binary: "Binary", table.String: "String", table.Date: "Date", table.Datetime: "Datetime",
	table.TimestampSecond: "TimestampSecond", table.TimestampMillisecond: "TimestampMillisecond",
	table.TimestampMicrosecond: "TimestampMicrosecond", table.TimestampNanosecond: "TimestampNanosecond",
	table.TimeSecond: "TimeSecond", table.TimeMillisecond: "TimeMillisecond",
	table.TimeMicrosecond: "TimeMicrosecond", table.TimeNanosecond: "TimeNanosecond",
	table.IntervalYearMonth: "IntervalYearMonth", table.IntervalDayTime: "IntervalDayTime",
	table.IntervalMonthDayNano: "IntervalMonthDayNano", table.Decimal128: "Decimal128",
	table.JSON: "Json", table.Vector: "Vector", protoList: "List", protoStruct: "Struct",
}

func rustTypeName(t table.DataType) string {
	if n, ok := rustTypeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("%d", int32(t))
}

// protoTypeName is ColumnDataType::as_str_name, e.g. "TIMESTAMP_MILLISECOND".
func protoTypeName(t table.DataType) string {
	if n, ok := gpb.ColumnDataType_name[int32(t)]; ok {
		return n
	}
	return "Unknown"
}

// valueFromProto converts a proto value already checked against its
// column's type. JSON columns hold their original JSON text.
func valueFromProto(v *gpb.Value, col table.DataType) table.Value {
	switch d := v.GetValueData().(type) {
	case nil:
		return table.Null()
	case *gpb.Value_I8Value:
		return table.Int8Value(int8(d.I8Value))
	case *gpb.Value_I16Value:
		return table.Int16Value(int16(d.I16Value))
	case *gpb.Value_I32Value:
		return table.Int32Value(d.I32Value)
	case *gpb.Value_I64Value:
		return table.Int64Value(d.I64Value)
	case *gpb.Value_U8Value:
		return table.Uint8Value(uint8(d.U8Value))
	case *gpb.Value_U16Value:
		return table.Uint16Value(uint16(d.U16Value))
	case *gpb.Value_U32Value:
		return table.Uint32Value(d.U32Value)
	case *gpb.Value_U64Value:
		return table.Uint64Value(d.U64Value)
	case *gpb.Value_F32Value:
		return table.Float32Value(d.F32Value)
	case *gpb.Value_F64Value:
		return table.Float64Value(d.F64Value)
	case *gpb.Value_BoolValue:
		return table.BoolValue(d.BoolValue)
	case *gpb.Value_BinaryValue:
		switch col {
		case table.Vector:
			return table.VectorValue(d.BinaryValue)
		case table.JSON:
			return table.JSONValue(string(d.BinaryValue))
		}
		return table.BinaryValue(d.BinaryValue)
	case *gpb.Value_StringValue:
		if col == table.JSON {
			return table.JSONValue(d.StringValue)
		}
		return table.StringValue(d.StringValue)
	case *gpb.Value_DateValue:
		return table.DateValue(d.DateValue)
	case *gpb.Value_DatetimeValue:
		return table.DatetimeValue(d.DatetimeValue)
	case *gpb.Value_TimestampSecondValue:
		return table.TimestampSecondValue(d.TimestampSecondValue)
	case *gpb.Value_TimestampMillisecondValue:
		return table.TimestampMillisecondValue(d.TimestampMillisecondValue)
	case *gpb.Value_TimestampMicrosecondValue:
		return table.TimestampMicrosecondValue(d.TimestampMicrosecondValue)
	case *gpb.Value_TimestampNanosecondValue:
		return table.TimestampNanosecondValue(d.TimestampNanosecondValue)
	case *gpb.Value_TimeSecondValue:
		return table.TimeSecondValue(d.TimeSecondValue)
	case *gpb.Value_TimeMillisecondValue:
		return table.TimeMillisecondValue(d.TimeMillisecondValue)
	case *gpb.Value_TimeMicrosecondValue:
		return table.TimeMicrosecondValue(d.TimeMicrosecondValue)
	case *gpb.Value_TimeNanosecondValue:
		return table.TimeNanosecondValue(d.TimeNanosecondValue)
	case *gpb.Value_IntervalYearMonthValue:
		return table.IntervalYearMonthValue(d.IntervalYearMonthValue)
	case *gpb.Value_IntervalDayTimeValue:
		return table.IntervalDayTimeValue(d.IntervalDayTimeValue)
	case *gpb.Value_IntervalMonthDayNanoValue:
		m := d.IntervalMonthDayNanoValue
		return table.IntervalMonthDayNanoValue(table.IntervalMDN{Months: m.GetMonths(), Days: m.GetDays(), Nanoseconds: m.GetNanoseconds()})
	case *gpb.Value_Decimal128Value:
		x := d.Decimal128Value
		return table.Decimal128Of(table.Decimal128Value{Hi: x.GetHi(), Lo: uint64(x.GetLo())})
	}
	return table.Null()
}

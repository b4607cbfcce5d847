package greptimetest

import (
	"reflect"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// sampleValue returns a proto value of type t and the table value the
// server should read back.
func sampleValue(t table.DataType) (*gpb.Value, table.Value) {
	switch t {
	case table.Boolean:
		return &gpb.Value{ValueData: &gpb.Value_BoolValue{BoolValue: true}}, table.BoolValue(true)
	case table.Int8:
		return &gpb.Value{ValueData: &gpb.Value_I8Value{I8Value: -8}}, table.Int8Value(-8)
	case table.Int16:
		return &gpb.Value{ValueData: &gpb.Value_I16Value{I16Value: -16}}, table.Int16Value(-16)
	case table.Int32:
		return &gpb.Value{ValueData: &gpb.Value_I32Value{I32Value: -32}}, table.Int32Value(-32)
	case table.Int64:
		return &gpb.Value{ValueData: &gpb.Value_I64Value{I64Value: -64}}, table.Int64Value(-64)
	case table.Uint8:
		return &gpb.Value{ValueData: &gpb.Value_U8Value{U8Value: 8}}, table.Uint8Value(8)
	case table.Uint16:
		return &gpb.Value{ValueData: &gpb.Value_U16Value{U16Value: 16}}, table.Uint16Value(16)
	case table.Uint32:
		return &gpb.Value{ValueData: &gpb.Value_U32Value{U32Value: 32}}, table.Uint32Value(32)
	case table.Uint64:
		return &gpb.Value{ValueData: &gpb.Value_U64Value{U64Value: 64}}, table.Uint64Value(64)
	case table.Float32:
		return &gpb.Value{ValueData: &gpb.Value_F32Value{F32Value: 1.5}}, table.Float32Value(1.5)
	case table.Float64:
		return &gpb.Value{ValueData: &gpb.Value_F64Value{F64Value: 2.5}}, table.Float64Value(2.5)
	case table.Binary:
		return &gpb.Value{ValueData: &gpb.Value_BinaryValue{BinaryValue: []byte{1, 2}}}, table.BinaryValue([]byte{1, 2})
	case table.String:
		return sv("s"), table.StringValue("s")
	case table.Date:
		return &gpb.Value{ValueData: &gpb.Value_DateValue{DateValue: 19000}}, table.DateValue(19000)
	case table.Datetime:
		return &gpb.Value{ValueData: &gpb.Value_DatetimeValue{DatetimeValue: 5}}, table.DatetimeValue(5)
	case table.TimestampSecond:
		return &gpb.Value{ValueData: &gpb.Value_TimestampSecondValue{TimestampSecondValue: 7}}, table.TimestampSecondValue(7)
	case table.TimestampMillisecond:
		return tv(8), table.TimestampMillisecondValue(8)
	case table.TimestampMicrosecond:
		return &gpb.Value{ValueData: &gpb.Value_TimestampMicrosecondValue{TimestampMicrosecondValue: 9}}, table.TimestampMicrosecondValue(9)
	case table.TimestampNanosecond:
		return &gpb.Value{ValueData: &gpb.Value_TimestampNanosecondValue{TimestampNanosecondValue: 10}}, table.TimestampNanosecondValue(10)
	case table.TimeSecond:
		return &gpb.Value{ValueData: &gpb.Value_TimeSecondValue{TimeSecondValue: 11}}, table.TimeSecondValue(11)
	case table.TimeMillisecond:
		return &gpb.Value{ValueData: &gpb.Value_TimeMillisecondValue{TimeMillisecondValue: 12}}, table.TimeMillisecondValue(12)
	case table.TimeMicrosecond:
		return &gpb.Value{ValueData: &gpb.Value_TimeMicrosecondValue{TimeMicrosecondValue: 13}}, table.TimeMicrosecondValue(13)
	case table.TimeNanosecond:
		return &gpb.Value{ValueData: &gpb.Value_TimeNanosecondValue{TimeNanosecondValue: 14}}, table.TimeNanosecondValue(14)
	case table.IntervalYearMonth:
		return &gpb.Value{ValueData: &gpb.Value_IntervalYearMonthValue{IntervalYearMonthValue: 15}}, table.IntervalYearMonthValue(15)
	case table.IntervalDayTime:
		return &gpb.Value{ValueData: &gpb.Value_IntervalDayTimeValue{IntervalDayTimeValue: 16}}, table.IntervalDayTimeValue(16)
	case table.IntervalMonthDayNano:
		return &gpb.Value{ValueData: &gpb.Value_IntervalMonthDayNanoValue{IntervalMonthDayNanoValue: &gpb.IntervalMonthDayNano{Months: 1, Days: 2, Nanoseconds: 3}}},
			table.IntervalMonthDayNanoValue(table.IntervalMDN{Months: 1, Days: 2, Nanoseconds: 3})
	case table.Decimal128:
		return &gpb.Value{ValueData: &gpb.Value_Decimal128Value{Decimal128Value: &gpb.Decimal128{Hi: -1, Lo: -5}}},
			table.Decimal128Of(table.Decimal128FromInt64(-5))
	case table.JSON:
		return sv(`{"k":[1,2]}`), table.JSONValue(`{"k":[1,2]}`)
	case table.Vector:
		return &gpb.Value{ValueData: &gpb.Value_BinaryValue{BinaryValue: make([]byte, 8)}}, table.VectorValue(make([]byte, 8))
	}
	panic("no sample for " + t.String())
}

// TestEveryTypeRoundTrip auto-creates a table per data type through a row
// insert and reads the value back, or gets the documented refusal.
func TestEveryTypeRoundTrip(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	for _, typ := range table.AllDataTypes {
		t.Run(typ.String(), func(t *testing.T) {
			pv, want := sampleValue(typ)
			cs := field("v", gpb.ColumnDataType(typ))
			if typ == table.Vector {
				cs.DatatypeExtension = &gpb.ColumnDataTypeExtension{TypeExt: &gpb.ColumnDataTypeExtension_VectorType{VectorType: &gpb.VectorTypeExtension{Dim: 2}}}
			}
			name := "t_" + typ.String()
			r := c.insert("public", []*gpb.RowInsertRequest{req(name, cols(ts("ts"), cs), row(tv(1), pv))})
			switch typ {
			case table.Datetime:
				r.expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "is datetime type")
				return
			case table.IntervalYearMonth, table.IntervalDayTime, table.IntervalMonthDayNano:
				r.expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "is interval type")
				return
			}
			r.expectOK(t, 1)
			ti, _ := s.Table("public", name)
			if col, _ := ti.Column("v"); col.Type != typ {
				t.Fatalf("column type = %v", col.Type)
			}
			got := s.Rows("public", name)[0][1]
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("read back %#v, want %#v", got, want)
			}
		})
	}
}

package writer

import (
	"errors"
	"math"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/protobuf/proto"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// everyTypeValue pairs one value of each data type with the proto Value
// GreptimeDB expects for it (mito2/src/request.rs validate_proto_value).
func everyTypeValue() map[table.DataType]struct {
	in   table.Value
	want *gpb.Value
} {
	type pair = struct {
		in   table.Value
		want *gpb.Value
	}
	return map[table.DataType]pair{
		table.Boolean:              {table.BoolValue(true), &gpb.Value{ValueData: &gpb.Value_BoolValue{BoolValue: true}}},
		table.Int8:                 {table.Int8Value(-8), &gpb.Value{ValueData: &gpb.Value_I8Value{I8Value: -8}}},
		table.Int16:                {table.Int16Value(-16), &gpb.Value{ValueData: &gpb.Value_I16Value{I16Value: -16}}},
		table.Int32:                {table.Int32Value(-32), &gpb.Value{ValueData: &gpb.Value_I32Value{I32Value: -32}}},
		table.Int64:                {table.Int64Value(math.MinInt64), &gpb.Value{ValueData: &gpb.Value_I64Value{I64Value: math.MinInt64}}},
		table.Uint8:                {table.Uint8Value(8), &gpb.Value{ValueData: &gpb.Value_U8Value{U8Value: 8}}},
		table.Uint16:               {table.Uint16Value(16), &gpb.Value{ValueData: &gpb.Value_U16Value{U16Value: 16}}},
		table.Uint32:               {table.Uint32Value(math.MaxUint32), &gpb.Value{ValueData: &gpb.Value_U32Value{U32Value: math.MaxUint32}}},
		table.Uint64:               {table.Uint64Value(math.MaxUint64), &gpb.Value{ValueData: &gpb.Value_U64Value{U64Value: math.MaxUint64}}},
		table.Float32:              {table.Float32Value(1.5), &gpb.Value{ValueData: &gpb.Value_F32Value{F32Value: 1.5}}},
		table.Float64:              {table.Float64Value(-2.25), &gpb.Value{ValueData: &gpb.Value_F64Value{F64Value: -2.25}}},
		table.Binary:               {table.BinaryValue([]byte{0, 255}), &gpb.Value{ValueData: &gpb.Value_BinaryValue{BinaryValue: []byte{0, 255}}}},
		table.String:               {table.StringValue("héllo"), &gpb.Value{ValueData: &gpb.Value_StringValue{StringValue: "héllo"}}},
		table.Date:                 {table.DateValue(19000), &gpb.Value{ValueData: &gpb.Value_DateValue{DateValue: 19000}}},
		table.Datetime:             {table.DatetimeValue(5), &gpb.Value{ValueData: &gpb.Value_DatetimeValue{DatetimeValue: 5}}},
		table.TimestampSecond:      {table.TimestampSecondValue(1), &gpb.Value{ValueData: &gpb.Value_TimestampSecondValue{TimestampSecondValue: 1}}},
		table.TimestampMillisecond: {table.TimestampMillisecondValue(2), &gpb.Value{ValueData: &gpb.Value_TimestampMillisecondValue{TimestampMillisecondValue: 2}}},
		table.TimestampMicrosecond: {table.TimestampMicrosecondValue(3), &gpb.Value{ValueData: &gpb.Value_TimestampMicrosecondValue{TimestampMicrosecondValue: 3}}},
		table.TimestampNanosecond:  {table.TimestampNanosecondValue(4), &gpb.Value{ValueData: &gpb.Value_TimestampNanosecondValue{TimestampNanosecondValue: 4}}},
		table.TimeSecond:           {table.TimeSecondValue(5), &gpb.Value{ValueData: &gpb.Value_TimeSecondValue{TimeSecondValue: 5}}},
		table.TimeMillisecond:      {table.TimeMillisecondValue(6), &gpb.Value{ValueData: &gpb.Value_TimeMillisecondValue{TimeMillisecondValue: 6}}},
		table.TimeMicrosecond:      {table.TimeMicrosecondValue(7), &gpb.Value{ValueData: &gpb.Value_TimeMicrosecondValue{TimeMicrosecondValue: 7}}},
		table.TimeNanosecond:       {table.TimeNanosecondValue(8), &gpb.Value{ValueData: &gpb.Value_TimeNanosecondValue{TimeNanosecondValue: 8}}},
		table.IntervalYearMonth:    {table.IntervalYearMonthValue(13), &gpb.Value{ValueData: &gpb.Value_IntervalYearMonthValue{IntervalYearMonthValue: 13}}},
		table.IntervalDayTime:      {table.IntervalDayTimeValue(1<<32 | 5), &gpb.Value{ValueData: &gpb.Value_IntervalDayTimeValue{IntervalDayTimeValue: 1<<32 | 5}}},
		table.IntervalMonthDayNano: {
			table.IntervalMonthDayNanoValue(table.IntervalMDN{Months: -1, Days: 2, Nanoseconds: -3}),
			&gpb.Value{ValueData: &gpb.Value_IntervalMonthDayNanoValue{IntervalMonthDayNanoValue: &gpb.IntervalMonthDayNano{Months: -1, Days: 2, Nanoseconds: -3}}},
		},
		table.Decimal128: {
			table.Decimal128Of(table.Decimal128FromInt64(-12345)),
			&gpb.Value{ValueData: &gpb.Value_Decimal128Value{Decimal128Value: &gpb.Decimal128{Hi: -1, Lo: -12345}}},
		},
		table.JSON:   {table.JSONValue(`{"a":[1,2]}`), &gpb.Value{ValueData: &gpb.Value_StringValue{StringValue: `{"a":[1,2]}`}}},
		table.Vector: {table.VectorFromFloats([]float32{1, 2}), &gpb.Value{ValueData: &gpb.Value_BinaryValue{BinaryValue: []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0x40}}}},
	}
}

func TestConvertBatchEveryType(t *testing.T) {
	cases := everyTypeValue()
	for _, typ := range table.AllDataTypes {
		c, ok := cases[typ]
		if !ok {
			t.Fatalf("no case for %s", typ)
		}
		t.Run(typ.String(), func(t *testing.T) {
			b := table.NewSchema("t").Timestamp("ts", table.TimestampMillisecond).Field("c", typ).NewBatch("")
			if err := b.AddRow(table.TimestampMillisecondValue(10), c.in); err != nil {
				t.Fatal(err)
			}
			if err := b.AddRow(table.TimestampMillisecondValue(11), table.Null()); err != nil {
				t.Fatal(err)
			}
			req, err := convertBatch(b, &rowArena{})
			if err != nil {
				t.Fatal(err)
			}
			if err := validateRowInsert(req); err != nil {
				t.Fatalf("converted request fails the proto check: %v", err)
			}
			cs := req.Rows.Schema[1]
			if cs.ColumnName != "c" || cs.Datatype != gpb.ColumnDataType(typ) || cs.SemanticType != gpb.SemanticType_FIELD {
				t.Errorf("schema %v", cs)
			}
			rows := req.Rows.Rows
			if len(rows) != 2 || len(rows[0].Values) != 2 {
				t.Fatalf("shape %d rows", len(rows))
			}
			if !proto.Equal(rows[0].Values[1], c.want) {
				t.Errorf("value %v, want %v", rows[0].Values[1], c.want)
			}
			if rows[1].Values[1].ValueData != nil {
				t.Errorf("NULL became %v", rows[1].Values[1])
			}
			if got := rows[1].Values[0].GetTimestampMillisecondValue(); got != 11 {
				t.Errorf("ts %d", got)
			}
			// The request survives the wire unchanged.
			raw, err := proto.Marshal(req)
			if err != nil {
				t.Fatal(err)
			}
			var back gpb.RowInsertRequest
			if err := proto.Unmarshal(raw, &back); err != nil || !proto.Equal(&back, req) {
				t.Fatalf("round trip: %v", err)
			}
		})
	}
}

func TestConvertBatchExtensionsAndOptions(t *testing.T) {
	b := table.NewSchema("logs").Timestamp("ts", table.TimestampNanosecond).Tag("host", table.String).
		Field("body", table.String).WithOptions(map[string]string{"fulltext": "true"}).
		Decimal("price", 10, 2).JSON("attrs").Vector("emb", 2).Field("d", table.Decimal128).NewBatch("")
	if err := b.AddRow(table.TimestampNanosecondValue(1), table.StringValue("a"), table.StringValue("x"),
		table.Decimal128Of(table.Decimal128FromInt64(1999)), table.JSONValue(`{}`), table.VectorFromFloats([]float32{1, 2}),
		table.Null()); err != nil {
		t.Fatal(err)
	}
	req, err := convertBatch(b, &rowArena{})
	if err != nil {
		t.Fatal(err)
	}
	s := req.Rows.Schema
	if s[1].SemanticType != gpb.SemanticType_TAG || s[0].SemanticType != gpb.SemanticType_TIMESTAMP {
		t.Errorf("semantic types %v %v", s[0].SemanticType, s[1].SemanticType)
	}
	if s[2].GetOptions().GetOptions()["fulltext"] != "true" {
		t.Errorf("column options lost: %v", s[2].Options)
	}
	if d := s[3].GetDatatypeExtension().GetDecimalType(); d.GetPrecision() != 10 || d.GetScale() != 2 {
		t.Errorf("decimal ext %v", d)
	}
	if ext := s[4].GetDatatypeExtension(); ext == nil || ext.GetJsonType() != gpb.JsonTypeExtension_JSON_BINARY || s[4].Datatype != gpb.ColumnDataType_JSON {
		t.Errorf("json ext %v", ext)
	}
	if s[5].GetDatatypeExtension().GetVectorType().GetDim() != 2 {
		t.Errorf("vector ext %v", s[5].DatatypeExtension)
	}
	if d := s[6].GetDatatypeExtension().GetDecimalType(); d.GetPrecision() != 38 || d.GetScale() != 10 {
		t.Errorf("default decimal ext %v", d)
	}
	if s[0].DatatypeExtension != nil || s[0].Options != nil {
		t.Error("plain column got an extension or options")
	}
}

func TestValidateBatchRefusesBadInput(t *testing.T) {
	base := func() *table.Batch {
		return table.NewSchema("cpu").Timestamp("ts", table.TimestampMillisecond).Field("v", table.Float64).NewBatch("")
	}
	cases := []struct {
		name, column string
		mk           func() *table.Batch
	}{
		{"nil batch", "", func() *table.Batch { return nil }},
		{"empty", "", base},
		{"no table", "", func() *table.Batch {
			b := base()
			_ = b.AddRow(table.TimestampMillisecondValue(1), table.Float64Value(1))
			b.Table = ""
			return b
		}},
		{"null time index", "ts", func() *table.Batch { b := base(); _ = b.AddRow(table.Null(), table.Float64Value(1)); return b }},
		{"no time index", "", func() *table.Batch {
			b := table.NewSchema("cpu").Field("v", table.Float64).NewBatch("")
			_ = b.AddRow(table.Float64Value(1))
			return b
		}},
		{"time index not timestamp", "ts", func() *table.Batch {
			b := table.New("", "cpu")
			b.MustColumn("ts", table.Int64, table.Timestamp).AppendInt64(1)
			_ = b.EndRow()
			return b
		}},
		{"wrong value type", "v", func() *table.Batch {
			b := base()
			_ = b.AddRow(table.TimestampMillisecondValue(1), table.Float64Value(1))
			b.Col(1).AppendString("oops") // recorded on the column, never sent
			b.Col(0).AppendInt64(2)
			return b
		}},
		{"column count", "v", func() *table.Batch {
			b := base()
			_ = b.AddRow(table.TimestampMillisecondValue(1), table.Float64Value(1))
			b.Col(1).AppendFloat64(2) // a value without a complete row
			return b
		}},
		{"int8 range", "n", func() *table.Batch {
			b := table.NewSchema("cpu").Timestamp("ts", table.TimestampMillisecond).Field("n", table.Int8).NewBatch("")
			b.Col(0).AppendInt64(1)
			b.Col(1).AppendInt64(300)
			_ = b.EndRow()
			return b
		}},
		{"uint16 range", "n", func() *table.Batch {
			b := table.NewSchema("cpu").Timestamp("ts", table.TimestampMillisecond).Field("n", table.Uint16).NewBatch("")
			b.Col(0).AppendInt64(1)
			b.Col(1).AppendUint64(1 << 20)
			_ = b.EndRow()
			return b
		}},
		{"float32 overflow", "f", func() *table.Batch {
			b := table.NewSchema("cpu").Timestamp("ts", table.TimestampMillisecond).Field("f", table.Float32).NewBatch("")
			b.Col(0).AppendInt64(1)
			b.Col(1).AppendFloat64(1e300)
			_ = b.EndRow()
			return b
		}},
		{"invalid utf8", "s", func() *table.Batch {
			b := table.NewSchema("cpu").Timestamp("ts", table.TimestampMillisecond).Field("s", table.String).NewBatch("")
			_ = b.AddRow(table.TimestampMillisecondValue(1), table.StringValue("\xff"))
			return b
		}},
		{"invalid json", "j", func() *table.Batch {
			b := table.NewSchema("cpu").Timestamp("ts", table.TimestampMillisecond).JSON("j").NewBatch("")
			_ = b.AddRow(table.TimestampMillisecondValue(1), table.JSONValue("{nope"))
			return b
		}},
		{"vector dim", "e", func() *table.Batch {
			b := table.NewSchema("cpu").Timestamp("ts", table.TimestampMillisecond).Vector("e", 3).NewBatch("")
			_ = b.AddRow(table.TimestampMillisecondValue(1), table.VectorFromFloats([]float32{1, 2}))
			return b
		}},
		{"vector ragged", "e", func() *table.Batch {
			b := table.NewSchema("cpu").Timestamp("ts", table.TimestampMillisecond).Vector("e", 0).NewBatch("")
			_ = b.AddRow(table.TimestampMillisecondValue(1), table.VectorFromFloats([]float32{1, 2}))
			_ = b.AddRow(table.TimestampMillisecondValue(2), table.VectorFromFloats([]float32{1}))
			return b
		}},
		{"vector without dimension", "e", func() *table.Batch {
			b := table.NewSchema("cpu").Timestamp("ts", table.TimestampMillisecond).Vector("e", 0).NewBatch("")
			_ = b.AddRow(table.TimestampMillisecondValue(1), table.Null())
			return b
		}},
		{"decimal precision", "d", func() *table.Batch {
			b := table.NewSchema("cpu").Timestamp("ts", table.TimestampMillisecond).Decimal("d", 40, 2).NewBatch("")
			_ = b.AddRow(table.TimestampMillisecondValue(1), table.Null())
			return b
		}},
		{"two time indexes", "ts2", func() *table.Batch {
			b := table.NewSchema("cpu").Timestamp("ts", table.TimestampMillisecond).Timestamp("ts2", table.TimestampMillisecond).NewBatch("")
			_ = b.AddRow(table.TimestampMillisecondValue(1), table.TimestampMillisecondValue(1))
			return b
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := convertBatch(tc.mk(), &rowArena{})
			var ie *InvalidInputError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("got %v, want InvalidInputError", err)
			}
			if ie.Column != tc.column {
				t.Errorf("column %q, want %q (%v)", ie.Column, tc.column, err)
			}
			if IsRetryable(err) {
				t.Error("invalid input reported retryable")
			}
		})
	}
}

func TestValidateRequestsRefusesBadProtos(t *testing.T) {
	schema := []*gpb.ColumnSchema{
		{ColumnName: "ts", Datatype: gpb.ColumnDataType_TIMESTAMP_MILLISECOND, SemanticType: gpb.SemanticType_TIMESTAMP},
		{ColumnName: "v", Datatype: gpb.ColumnDataType_FLOAT64, SemanticType: gpb.SemanticType_FIELD},
	}
	ts := &gpb.Value{ValueData: &gpb.Value_TimestampMillisecondValue{TimestampMillisecondValue: 1}}
	f := &gpb.Value{ValueData: &gpb.Value_F64Value{F64Value: 1}}
	req := func(rows ...*gpb.Row) *gpb.RowInsertRequests {
		return &gpb.RowInsertRequests{Inserts: []*gpb.RowInsertRequest{{TableName: "t", Rows: &gpb.Rows{Schema: schema, Rows: rows}}}}
	}
	if err := validateRequests(req(&gpb.Row{Values: []*gpb.Value{ts, f}})); err != nil {
		t.Fatalf("valid request refused: %v", err)
	}
	bad := map[string]*gpb.RowInsertRequests{
		"nil":        nil,
		"no rows":    req(),
		"short row":  req(&gpb.Row{Values: []*gpb.Value{ts}}),
		"wrong type": req(&gpb.Row{Values: []*gpb.Value{ts, {ValueData: &gpb.Value_I64Value{I64Value: 1}}}}),
		"null ts":    req(&gpb.Row{Values: []*gpb.Value{{}, f}}),
		"no table":   {Inserts: []*gpb.RowInsertRequest{{Rows: &gpb.Rows{Schema: schema, Rows: []*gpb.Row{{Values: []*gpb.Value{ts, f}}}}}}},
		"bad json": {Inserts: []*gpb.RowInsertRequest{{TableName: "t", Rows: &gpb.Rows{
			Schema: []*gpb.ColumnSchema{schema[0], {ColumnName: "j", Datatype: gpb.ColumnDataType_JSON}},
			Rows:   []*gpb.Row{{Values: []*gpb.Value{ts, {ValueData: &gpb.Value_StringValue{StringValue: "{"}}}}},
		}}}},
		"short vector": {Inserts: []*gpb.RowInsertRequest{{TableName: "t", Rows: &gpb.Rows{
			Schema: []*gpb.ColumnSchema{schema[0], {
				ColumnName: "e", Datatype: gpb.ColumnDataType_VECTOR,
				DatatypeExtension: &gpb.ColumnDataTypeExtension{TypeExt: &gpb.ColumnDataTypeExtension_VectorType{VectorType: &gpb.VectorTypeExtension{Dim: 2}}},
			}},
			Rows: []*gpb.Row{{Values: []*gpb.Value{ts, {ValueData: &gpb.Value_BinaryValue{BinaryValue: []byte{1, 2, 3, 4}}}}}},
		}}}},
		"duplicate column": {Inserts: []*gpb.RowInsertRequest{{TableName: "t", Rows: &gpb.Rows{
			Schema: []*gpb.ColumnSchema{schema[0], schema[1], schema[1]}, Rows: []*gpb.Row{{Values: []*gpb.Value{ts, f, f}}},
		}}}},
		"no timestamp": {Inserts: []*gpb.RowInsertRequest{{TableName: "t", Rows: &gpb.Rows{Schema: schema[1:], Rows: []*gpb.Row{{Values: []*gpb.Value{f}}}}}}},
	}
	for name, r := range bad {
		if err := validateRequests(r); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

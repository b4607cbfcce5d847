package writer

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// bulkTypeValues has a non-NULL test value for every type the bulk path carries.
var bulkTypeValues = map[table.DataType]table.Value{
	table.Boolean: table.BoolValue(true), table.Int8: table.Int8Value(-8), table.Int16: table.Int16Value(-16),
	table.Int32: table.Int32Value(-32), table.Int64: table.Int64Value(math.MinInt64),
	table.Uint8: table.Uint8Value(8), table.Uint16: table.Uint16Value(16), table.Uint32: table.Uint32Value(math.MaxUint32),
	table.Uint64: table.Uint64Value(math.MaxUint64), table.Float32: table.Float32Value(1.5), table.Float64: table.Float64Value(-2.25),
	table.Binary: table.BinaryValue([]byte{0, 1, 2}), table.String: table.StringValue("héllo"),
	table.Date: table.DateValue(19000), table.Datetime: table.DatetimeValue(1_700_000_000_000_000),
	table.TimestampSecond: table.TimestampSecondValue(1), table.TimestampMillisecond: table.TimestampMillisecondValue(2),
	table.TimestampMicrosecond: table.TimestampMicrosecondValue(3), table.TimestampNanosecond: table.TimestampNanosecondValue(4),
	table.TimeSecond: table.TimeSecondValue(5), table.TimeMillisecond: table.TimeMillisecondValue(6),
	table.TimeMicrosecond: table.TimeMicrosecondValue(7), table.TimeNanosecond: table.TimeNanosecondValue(8),
	table.Decimal128: table.Decimal128Of(table.Decimal128FromInt64(-123456789)), table.JSON: table.JSONValue(`{"a":1}`),
}

// bulkArrowTypes is the documented mapping (greptimedb-protocol.md §3.4);
// types absent here are refused.
var bulkArrowTypes = map[table.DataType]string{
	table.Boolean: "bool", table.Int8: "int8", table.Int16: "int16", table.Int32: "int32", table.Int64: "int64",
	table.Uint8: "uint8", table.Uint16: "uint16", table.Uint32: "uint32", table.Uint64: "uint64",
	table.Float32: "float32", table.Float64: "float64", table.Binary: "binary", table.String: "utf8",
	table.Date: "date32", table.Datetime: "timestamp[us]",
	table.TimestampSecond: "timestamp[s]", table.TimestampMillisecond: "timestamp[ms]",
	table.TimestampMicrosecond: "timestamp[us]", table.TimestampNanosecond: "timestamp[ns]",
	table.TimeSecond: "time32[s]", table.TimeMillisecond: "time32[ms]",
	table.TimeMicrosecond: "time64[us]", table.TimeNanosecond: "time64[ns]",
	table.Decimal128: "decimal(38, 10)", table.JSON: "binary",
}

// everyTypeBatch has one column per bulk type, three rows: a value, NULL, a value.
func everyTypeBatch(t testing.TB) *table.Batch {
	t.Helper()
	s := table.NewSchema("all").Timestamp("ts", table.TimestampMillisecond)
	for _, typ := range table.AllDataTypes {
		if _, ok := bulkTypeValues[typ]; ok {
			s.Field("c_"+strings.ToLower(typ.String()), typ)
		}
	}
	b := s.NewBatch("")
	for r := 0; r < 3; r++ {
		row := []table.Value{table.TimestampMillisecondValue(int64(1000 + r))}
		for _, typ := range table.AllDataTypes {
			if v, ok := bulkTypeValues[typ]; ok {
				if r == 1 {
					v = table.Null()
				}
				row = append(row, v)
			}
		}
		if err := b.AddRow(row...); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// arrowValue reads value i of a as a table.Value of type typ.
func arrowValue(a arrow.Array, typ table.DataType, i int) table.Value {
	if a.IsNull(i) {
		return table.Null()
	}
	switch x := a.(type) {
	case *array.Boolean:
		return table.BoolValue(x.Value(i))
	case *array.Int8:
		return table.Int8Value(x.Value(i))
	case *array.Int16:
		return table.Int16Value(x.Value(i))
	case *array.Int32:
		return table.Int32Value(x.Value(i))
	case *array.Int64:
		return table.Int64Value(x.Value(i))
	case *array.Uint8:
		return table.Uint8Value(x.Value(i))
	case *array.Uint16:
		return table.Uint16Value(x.Value(i))
	case *array.Uint32:
		return table.Uint32Value(x.Value(i))
	case *array.Uint64:
		return table.Uint64Value(x.Value(i))
	case *array.Float32:
		return table.Float32Value(x.Value(i))
	case *array.Float64:
		return table.Float64Value(x.Value(i))
	case *array.String:
		return table.StringValue(x.Value(i))
	case *array.Binary:
		if typ == table.JSON {
			return table.JSONValue(string(x.Value(i)))
		}
		return table.BinaryValue(x.Value(i))
	case *array.Date32:
		return table.DateValue(int32(x.Value(i)))
	case *array.Timestamp:
		return table.TimestampValue(typ, int64(x.Value(i)))
	case *array.Time32:
		return table.TimestampValue(typ, int64(x.Value(i)))
	case *array.Time64:
		return table.TimestampValue(typ, int64(x.Value(i)))
	case *array.Decimal128:
		n := x.Value(i)
		return table.Decimal128Of(table.Decimal128Value{Lo: n.LowBits(), Hi: n.HighBits()})
	}
	return table.Null()
}

// assertRecordEqualsBatch compares every value of rec with b.
func assertRecordEqualsBatch(t *testing.T, rec arrow.RecordBatch, b *table.Batch) {
	t.Helper()
	if int(rec.NumRows()) != b.Rows() || int(rec.NumCols()) != b.NumColumns() {
		t.Fatalf("record %dx%d, batch %dx%d", rec.NumRows(), rec.NumCols(), b.Rows(), b.NumColumns())
	}
	for j, f := range rec.Schema().Fields() {
		c := b.Column(f.Name)
		for i := 0; i < b.Rows(); i++ {
			got, want := arrowValue(rec.Column(j), c.Type, i), c.Value(i)
			if c.Type == table.Datetime && !got.IsNull() {
				n, _ := got.AsInt64()
				got = table.DatetimeValue(n)
			}
			if !got.Equal(want) {
				t.Errorf("column %s row %d: got %v want %v", f.Name, i, got, want)
			}
		}
	}
}

func TestArrowConvertEveryTypeWithNullsLeakFree(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := everyTypeBatch(t)
	_, err := newArrowConverter("all", table.NewSchema("all").Columns, mem)
	if err == nil {
		t.Fatal("converter without columns accepted")
	}
	ac, err := newArrowConverter("all", batchColumns(b), mem)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ac.convert(b)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	assertRecordEqualsBatch(t, rec, b)
}

func TestArrowConvertIsZeroCopyForWideColumns(t *testing.T) {
	b := table.NewSchema("t").Timestamp("ts", table.TimestampNanosecond).Field("v", table.Float64).Tag("host", table.String).NewBatch("")
	for i := 0; i < 100; i++ {
		if err := b.AddRow(table.TimestampNanosecondValue(int64(i)), table.Float64Value(float64(i)), table.StringValue("h")); err != nil {
			t.Fatal(err)
		}
	}
	ac, err := newArrowConverter("t", batchColumns(b), memory.NewGoAllocator())
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ac.convert(b)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	if p := &rec.Column(0).Data().Buffers()[1].Bytes()[0]; unsafe.Pointer(p) != unsafe.Pointer(&b.Col(0).Int64s()[0]) {
		t.Error("timestamp column was copied")
	}
	if p := &rec.Column(1).Data().Buffers()[1].Bytes()[0]; unsafe.Pointer(p) != unsafe.Pointer(&b.Col(1).Float64s()[0]) {
		t.Error("float column was copied")
	}
	_, data := b.Col(2).BytesData()
	if p := &rec.Column(2).Data().Buffers()[2].Bytes()[0]; p != &data[0] {
		t.Error("string data was copied")
	}
}

func TestArrowConvertMatchesColumnsByName(t *testing.T) {
	stream := table.NewSchema("t").Timestamp("ts", table.TimestampSecond).Field("a", table.Int64).Field("b", table.String)
	ac, err := newArrowConverter("t", stream.Columns, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := table.NewSchema("t").Field("b", table.String).Field("a", table.Int64).Timestamp("ts", table.TimestampSecond).NewBatch("")
	if err := b.AddRow(table.StringValue("x"), table.Int64Value(7), table.TimestampSecondValue(9)); err != nil {
		t.Fatal(err)
	}
	rec, err := ac.convert(b)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	if rec.Schema().Field(1).Name != "a" || rec.Column(1).(*array.Int64).Value(0) != 7 {
		t.Fatalf("column a not placed at the stream's position: %v", rec)
	}
}

func TestArrowConvertRefusesSchemaDifferencesLeakFree(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	stream := table.NewSchema("t").Timestamp("ts", table.TimestampSecond).Field("n", table.Int8).Decimal("d", 10, 2).Field("ok", table.Boolean)
	ac, err := newArrowConverter("t", stream.Columns, mem)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(s *table.Schema, vals ...table.Value) *table.Batch {
		b := s.NewBatch("")
		if err := b.AddRow(vals...); err != nil {
			t.Fatal(err)
		}
		return b
	}
	ts, d, ok := table.TimestampSecondValue(1), table.Decimal128Of(table.Decimal128FromInt64(1)), table.BoolValue(true)
	cases := map[string]*table.Batch{
		"missing column": mk(table.NewSchema("t").Timestamp("ts", table.TimestampSecond).Field("n", table.Int8).Decimal("d", 10, 2), ts, table.Int8Value(1), d),
		"extra column": mk(table.NewSchema("t").Timestamp("ts", table.TimestampSecond).Field("n", table.Int8).Decimal("d", 10, 2).
			Field("ok", table.Boolean).Field("x", table.Int64), ts, table.Int8Value(1), d, ok, table.Int64Value(1)),
		"renamed column": mk(table.NewSchema("t").Timestamp("ts", table.TimestampSecond).Field("m", table.Int8).Decimal("d", 10, 2).Field("ok", table.Boolean),
			ts, table.Int8Value(1), d, ok),
		"other type": mk(table.NewSchema("t").Timestamp("ts", table.TimestampSecond).Field("n", table.Int16).Decimal("d", 10, 2).Field("ok", table.Boolean),
			ts, table.Int16Value(1), d, ok),
		"other semantic": mk(table.NewSchema("t").Timestamp("ts", table.TimestampSecond).Tag("n", table.Int8).Decimal("d", 10, 2).Field("ok", table.Boolean),
			ts, table.Int8Value(1), d, ok),
		"other scale": mk(table.NewSchema("t").Timestamp("ts", table.TimestampSecond).Field("n", table.Int8).Decimal("d", 10, 3).Field("ok", table.Boolean),
			ts, table.Int8Value(1), d, ok),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			rec, err := ac.convert(b)
			if err == nil {
				rec.Release()
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), `table "t"`) {
				t.Fatalf("got %v", err)
			}
		})
	}
	// A value that does not fit the column's width is refused, after
	// earlier columns were already converted: nothing may leak.
	b := stream.NewBatch("")
	b.Col(0).AppendInt64(1)
	b.Col(1).AppendInt64(300)
	b.Col(2).AppendDecimal128(table.Decimal128FromInt64(1))
	b.Col(3).AppendBool(true)
	if err := b.EndRow(); err != nil {
		t.Fatal(err)
	}
	if _, err := ac.convert(b); !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "out of range for INT8") {
		t.Fatalf("out of range: got %v", err)
	}
}

func TestArrowIPCRoundTripCompressed(t *testing.T) {
	for name, opt := range map[string][]ipc.Option{"none": nil, "lz4": {ipc.WithLZ4()}, "zstd": {ipc.WithZstd()}} {
		t.Run(name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			b := everyTypeBatch(t)
			ac, err := newArrowConverter("all", batchColumns(b), mem)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			w := ipc.NewWriter(&buf, append([]ipc.Option{ipc.WithSchema(ac.Schema()), ipc.WithAllocator(mem)}, opt...)...)
			rec, err := ac.convert(b)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
			rec.Release()
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			r, err := ipc.NewReader(&buf, ipc.WithAllocator(mem))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Release()
			if !r.Next() {
				t.Fatalf("no record read back: %v", r.Err())
			}
			assertRecordEqualsBatch(t, r.RecordBatch(), b)
		})
	}
}

func TestDecimalLayoutMatchesArrow(t *testing.T) {
	v := table.Decimal128FromInt64(-5)
	n := decimal128.FromI64(-5)
	if v.Lo != n.LowBits() || v.Hi != n.HighBits() {
		t.Fatalf("table decimal %+v, arrow %v/%v", v, n.LowBits(), n.HighBits())
	}
}

func TestArrowConvertFillsMissingNullableColumns(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	stream := table.NewSchema("t").Timestamp("ts", table.TimestampSecond).Tag("host", table.String).Field("v", table.Float64).Field("n", table.Int32)
	ac, err := newArrowConverter("t", stream.Columns, mem)
	if err != nil {
		t.Fatal(err)
	}
	ac.fillMissing = true
	b := table.NewSchema("t").Field("v", table.Float64).Timestamp("ts", table.TimestampSecond).NewBatch("")
	_ = b.AddRow(table.Float64Value(1.5), table.TimestampSecondValue(7))
	_ = b.AddRow(table.Float64Value(2.5), table.TimestampSecondValue(8))
	rec, err := ac.convert(b)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Column(1).NullN() != 2 || rec.Column(3).NullN() != 2 || rec.Column(2).(*array.Float64).Value(1) != 2.5 {
		t.Fatalf("filled record %v", rec)
	}
	rec.Release()

	noTS := table.NewSchema("t").Field("v", table.Float64).NewBatch("")
	_ = noTS.AddRow(table.Float64Value(1))
	if _, err := ac.convert(noTS); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("missing time index filled: %v", err)
	}
	swapped := table.NewSchema("t").Timestamp("ts", table.TimestampSecond).Field("v", table.Float64).Field("n", table.Int32).Field("x", table.Int64).NewBatch("")
	_ = swapped.AddRow(table.TimestampSecondValue(1), table.Float64Value(1), table.Int32Value(1), table.Int64Value(1))
	if _, err := ac.convert(swapped); !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), `column "x"`) {
		t.Fatalf("extra column hidden by a missing one: %v", err)
	}
}

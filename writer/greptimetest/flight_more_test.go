package greptimetest

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func TestDoPutCompressedBodies(t *testing.T) {
	for name, opt := range map[string]ipc.Option{"lz4": ipc.WithLZ4(), "zstd": ipc.WithZstd()} {
		t.Run(name, func(t *testing.T) {
			mem := putCheckedAlloc(t)
			s := StartT(t, Options{})
			putMkTable(t, s, "public", putCPUTable("cpu"))
			addr, _ := startFlightOnly(t, s, mem)
			p := openPut(t, putDial(t, addr))
			p.mustRecv()
			sc := putCPUSchema()
			w := p.writer("cpu", sc, opt, ipc.WithAllocator(mem))
			rows := make([][]any, 500)
			for i := range rows {
				rows[i] = []any{fmt.Sprintf("host-%d", i%7), int64(i), float64(i) / 2, "compressible text compressible text"}
			}
			putWrite(t, w, mem, sc, 1, rows...)
			if r := p.mustRecv(); r.AffectedRows != 500 {
				t.Fatalf("response %s", r.raw)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			_ = p.stream.CloseSend()
			if _, err := p.drain(); err != nil {
				t.Fatal(err)
			}
			got := s.Rows("public", "cpu")
			if len(got) != 500 || !got[499][2].Equal(table.Float64Value(249.5)) || !got[3][0].Equal(table.StringValue("host-3")) {
				t.Fatalf("stored %d rows, row 499 = %v", len(got), got[len(got)-1])
			}
		})
	}
}

// TestDoPutReleasesArrowMemory runs good and refused streams against a
// server whose reader allocates from a checked allocator: every batch is
// released, whatever the outcome.
func TestDoPutReleasesArrowMemory(t *testing.T) {
	serverMem := putCheckedAlloc(t)
	clientMem := putCheckedAlloc(t)
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	addr, fs := startFlightOnly(t, s, serverMem)
	c := putDial(t, addr)
	sc := putCPUSchema()
	for _, bad := range []bool{false, true} {
		p := openPut(t, c)
		p.mustRecv()
		w := p.writer("cpu", sc, ipc.WithAllocator(clientMem), ipc.WithZstd())
		putWrite(t, w, clientMem, sc, 1, []any{"a", int64(1), 1.0, "x"})
		ts := any(int64(2))
		if bad {
			ts = nil
		}
		putWrite(t, w, clientMem, sc, 2, []any{"b", ts, 1.0, "y"})
		_ = w.Close()
		_ = p.stream.CloseSend()
		if _, err := p.drain(); (err != nil) != bad {
			t.Fatalf("bad=%v: %v", bad, err)
		}
	}
	fs.producers.Wait()
	serverMem.AssertSize(t, 0)
}

func TestDoPutDedupOnTagsAndTimeIndex(t *testing.T) {
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	appendOnly := putCPUTable("logs")
	appendOnly.Options = map[string]string{"append_mode": "true"}
	putMkTable(t, s, "public", appendOnly)
	mem := memory.NewGoAllocator()
	sc := putCPUSchema()
	for _, name := range []string{"cpu", "logs"} {
		p := openPut(t, putDial(t, s.Addr()))
		p.mustRecv()
		w := p.writer(name, sc)
		putWrite(t, w, mem, sc, 1, []any{"a", int64(1), 1.0, nil}, []any{"b", int64(1), 2.0, nil})
		putWrite(t, w, mem, sc, 2, []any{"a", int64(1), 3.0, nil})
		p.mustRecv()
		if r := p.mustRecv(); r.AffectedRows != 1 {
			t.Fatalf("%s: affected %s", name, r.raw)
		}
	}
	rows := s.Rows("public", "cpu")
	if len(rows) != 2 || !rows[0][2].Equal(table.Float64Value(3)) {
		t.Fatalf("deduplicated rows = %v", rows)
	}
	if n := s.RowCount("public", "logs"); n != 3 {
		t.Fatalf("append-mode rows = %d, want 3", n)
	}
}

func TestDoPutMetricLogicalTable(t *testing.T) {
	s := StartT(t, Options{})
	phy := physicalTableInfo("phy")
	phy.Columns = append(phy.Columns,
		ColumnInfo{Name: "host", Type: table.String, Semantic: table.Tag, Nullable: true},
		ColumnInfo{Name: "dc", Type: table.String, Semantic: table.Tag, Nullable: true})
	phy.PrimaryKey = []string{"dc", "host"}
	putMkTable(t, s, "public", phy)
	putMkTable(t, s, "public", TableInfo{
		Name: "up", Engine: "metric", PhysicalTable: "phy",
		Columns: []ColumnInfo{
			{Name: greptimeTimestamp, Type: table.TimestampMillisecond, Semantic: table.Timestamp},
			{Name: greptimeValue, Type: table.Float64, Semantic: table.Field, Nullable: true},
			{Name: "host", Type: table.String, Semantic: table.Tag, Nullable: true},
		},
		PrimaryKey: []string{"host"},
		TimeIndex:  greptimeTimestamp,
	})
	f := func(name string, typ arrow.DataType) arrow.Field {
		return arrow.Field{Name: name, Type: typ, Nullable: true}
	}
	ts := arrow.Field{Name: greptimeTimestamp, Type: &arrow.TimestampType{Unit: arrow.Millisecond}}
	mem := memory.NewGoAllocator()

	// Columns of the physical table are accepted; "dc" belongs to another
	// logical table and is not written to this one.
	sc := arrow.NewSchema([]arrow.Field{f("host", arrow.BinaryTypes.String), ts, f(greptimeValue, arrow.PrimitiveTypes.Float64), f("dc", arrow.BinaryTypes.String)}, nil)
	p := openPut(t, putDial(t, s.Addr()))
	p.mustRecv()
	putWrite(t, p.writer("up", sc), mem, sc, 1, []any{"h1", int64(1), 1.0, "eu"})
	if r := p.mustRecv(); r.AffectedRows != 1 {
		t.Fatalf("response %s", r.raw)
	}
	if rows := s.Rows("public", "up"); len(rows) != 1 || !rows[0][2].Equal(table.StringValue("h1")) {
		t.Fatalf("rows = %v", rows)
	}

	// Logical batches go to the data region unfilled: the value column is
	// required; tags must be strings; the time index is checked there.
	for _, c := range []struct {
		fields []arrow.Field
		row    []any
		code   codes.Code
		gcode  StatusCode
		msg    string
	}{
		{
			[]arrow.Field{f("host", arrow.BinaryTypes.String), ts},
			[]any{"h", int64(1)},
			codes.InvalidArgument, StatusInvalidArguments, "Column not found, column: greptime_value",
		},
		{
			[]arrow.Field{f("host", arrow.PrimitiveTypes.Int64), ts, f(greptimeValue, arrow.PrimitiveTypes.Float64)},
			[]any{int64(1), int64(1), 1.0},
			codes.InvalidArgument, StatusInvalidArguments, "Unexpected request: Tag column 'host' must be a string, given: Int64",
		},
		{
			[]arrow.Field{f("host", arrow.BinaryTypes.String), f(greptimeValue, arrow.PrimitiveTypes.Float64)},
			[]any{"h", 1.0},
			codes.InvalidArgument, StatusInvalidArguments, "Invalid request to region 4398046511104(1024, 0), reason: timestamp column `greptime_timestamp` not found",
		},
		{
			[]arrow.Field{f("host", arrow.BinaryTypes.String), ts, f(greptimeValue, arrow.PrimitiveTypes.Int64)},
			[]any{"h", int64(1), int64(1)},
			codes.Internal, StatusUnexpected, "Failed to create RecordBatch from vectors: Invalid argument error: column types must match schema types, expected Float64 but found Int64 at column index 0",
		},
	} {
		bad := arrow.NewSchema(c.fields, nil)
		p := openPut(t, putDial(t, s.Addr()))
		p.mustRecv()
		putWrite(t, p.writer("up", bad), mem, bad, 1, c.row)
		_, err := p.recv()
		putWantStatus(t, p, err, c.code, int(c.gcode), c.msg)
	}

	// The physical table takes only the engine's own encoded batches.
	p = openPut(t, putDial(t, s.Addr()))
	p.mustRecv()
	putWrite(t, p.writer("phy", sc), mem, sc, 1, []any{"h1", int64(1), 1.0, "eu"})
	_, err := p.recv()
	putWantStatus(t, p, err, codes.InvalidArgument, int(StatusInvalidArguments), "Column not found, column: __primary_key")

	// A label the physical table lacks must go through a row insert first.
	sc = arrow.NewSchema([]arrow.Field{f("host", arrow.BinaryTypes.String), ts, f(greptimeValue, arrow.PrimitiveTypes.Float64), f("region", arrow.BinaryTypes.String)}, nil)
	p = openPut(t, putDial(t, s.Addr()))
	p.mustRecv()
	putWrite(t, p.writer("up", sc), mem, sc, 1, []any{"h1", int64(2), 1.0, "r1"})
	_, err = p.recv()
	putWantStatus(t, p, err, codes.NotFound, int(StatusTableColumnNotFound), "Column region not found in logical region 4402341478400(1025, 0)")
}

// TestDoPutEveryType writes one value of every bulk-capable type into a
// column of that type and reads it back.
func TestDoPutEveryType(t *testing.T) {
	cases := []struct {
		col    ColumnInfo
		append func(array.Builder)
		want   table.Value
	}{
		{ColumnInfo{Type: table.Boolean}, func(b array.Builder) { b.(*array.BooleanBuilder).Append(true) }, table.BoolValue(true)},
		{ColumnInfo{Type: table.Int8}, func(b array.Builder) { b.(*array.Int8Builder).Append(-8) }, table.Int8Value(-8)},
		{ColumnInfo{Type: table.Int16}, func(b array.Builder) { b.(*array.Int16Builder).Append(-16) }, table.Int16Value(-16)},
		{ColumnInfo{Type: table.Int32}, func(b array.Builder) { b.(*array.Int32Builder).Append(-32) }, table.Int32Value(-32)},
		{ColumnInfo{Type: table.Int64}, func(b array.Builder) { b.(*array.Int64Builder).Append(-64) }, table.Int64Value(-64)},
		{ColumnInfo{Type: table.Uint8}, func(b array.Builder) { b.(*array.Uint8Builder).Append(8) }, table.Uint8Value(8)},
		{ColumnInfo{Type: table.Uint16}, func(b array.Builder) { b.(*array.Uint16Builder).Append(16) }, table.Uint16Value(16)},
		{ColumnInfo{Type: table.Uint32}, func(b array.Builder) { b.(*array.Uint32Builder).Append(32) }, table.Uint32Value(32)},
		{ColumnInfo{Type: table.Uint64}, func(b array.Builder) { b.(*array.Uint64Builder).Append(64) }, table.Uint64Value(64)},
		{ColumnInfo{Type: table.Float32}, func(b array.Builder) { b.(*array.Float32Builder).Append(1.5) }, table.Float32Value(1.5)},
		{ColumnInfo{Type: table.Float64}, func(b array.Builder) { b.(*array.Float64Builder).Append(2.5) }, table.Float64Value(2.5)},
		{ColumnInfo{Type: table.String}, func(b array.Builder) { b.(*array.StringBuilder).Append("s") }, table.StringValue("s")},
		{ColumnInfo{Type: table.Binary}, func(b array.Builder) { b.(*array.BinaryBuilder).Append([]byte{1, 2}) }, table.BinaryValue([]byte{1, 2})},
		{ColumnInfo{Type: table.JSON}, func(b array.Builder) { b.(*array.BinaryBuilder).Append([]byte(`{"a":1}`)) }, table.JSONValue(`{"a":1}`)},
		{ColumnInfo{Type: table.Date}, func(b array.Builder) { b.(*array.Date32Builder).Append(19000) }, table.DateValue(19000)},
		{ColumnInfo{Type: table.Datetime}, func(b array.Builder) { b.(*array.TimestampBuilder).Append(7) }, table.DatetimeValue(7)},
		{ColumnInfo{Type: table.TimestampSecond}, func(b array.Builder) { b.(*array.TimestampBuilder).Append(3) }, table.TimestampSecondValue(3)},
		{ColumnInfo{Type: table.TimestampNanosecond}, func(b array.Builder) { b.(*array.TimestampBuilder).Append(9) }, table.TimestampNanosecondValue(9)},
		{ColumnInfo{Type: table.TimeSecond}, func(b array.Builder) { b.(*array.Time32Builder).Append(11) }, table.TimeSecondValue(11)},
		{ColumnInfo{Type: table.TimeMillisecond}, func(b array.Builder) { b.(*array.Time32Builder).Append(12) }, table.TimeMillisecondValue(12)},
		{ColumnInfo{Type: table.TimeMicrosecond}, func(b array.Builder) { b.(*array.Time64Builder).Append(13) }, table.TimeMicrosecondValue(13)},
		{ColumnInfo{Type: table.TimeNanosecond}, func(b array.Builder) { b.(*array.Time64Builder).Append(14) }, table.TimeNanosecondValue(14)},
		{ColumnInfo{Type: table.IntervalYearMonth}, func(b array.Builder) { b.(*array.MonthIntervalBuilder).Append(5) }, table.IntervalYearMonthValue(5)},
		{ColumnInfo{Type: table.IntervalDayTime}, func(b array.Builder) {
			b.(*array.DayTimeIntervalBuilder).Append(arrow.DayTimeInterval{Days: 2, Milliseconds: 3})
		}, table.IntervalDayTimeValue(2<<32 | 3)},
		{ColumnInfo{Type: table.IntervalMonthDayNano}, func(b array.Builder) {
			b.(*array.MonthDayNanoIntervalBuilder).Append(arrow.MonthDayNanoInterval{Months: 1, Days: 2, Nanoseconds: 3})
		}, table.IntervalMonthDayNanoValue(table.IntervalMDN{Months: 1, Days: 2, Nanoseconds: 3})},
		{ColumnInfo{Type: table.Decimal128, Precision: 10, Scale: 2}, func(b array.Builder) {
			b.(*array.Decimal128Builder).Append(decimal128.FromI64(-12345))
		}, table.Decimal128Of(table.Decimal128FromInt64(-12345))},
	}
	mem := putCheckedAlloc(t)
	s := StartT(t, Options{})
	c := putDial(t, s.Addr())
	for i, tc := range cases {
		t.Run(tc.col.Type.String(), func(t *testing.T) {
			name := fmt.Sprintf("t%d", i)
			col := tc.col
			col.Name, col.Semantic, col.Nullable = "v", table.Field, true
			putMkTable(t, s, "public", TableInfo{
				Name: name, Engine: "mito", TimeIndex: "ts",
				Columns: []ColumnInfo{{Name: "ts", Type: table.TimestampMillisecond, Semantic: table.Timestamp}, col},
			})
			sc := arrow.NewSchema([]arrow.Field{
				{Name: "ts", Type: arrowTypeOf(ColumnInfo{Type: table.TimestampMillisecond})},
				{Name: "v", Type: arrowTypeOf(col), Nullable: true},
			}, nil)
			b := array.NewRecordBuilder(mem, sc)
			defer b.Release()
			b.Field(0).(*array.TimestampBuilder).Append(1)
			tc.append(b.Field(1))
			rec := b.NewRecordBatch()
			defer rec.Release()
			p := openPut(t, c)
			p.mustRecv()
			if err := p.writer(name, sc, ipc.WithAllocator(mem)).WriteWithAppMetadata(rec, putIDMeta(1)); err != nil {
				t.Fatal(err)
			}
			if r, err := p.recv(); err != nil || r.AffectedRows != 1 {
				t.Fatalf("response %s, %v", r.raw, err)
			}
			rows := s.Rows("public", name)
			if len(rows) != 1 || !rows[0][1].Equal(tc.want) {
				t.Fatalf("stored %v, want %v", rows, tc.want)
			}
		})
	}
}

package writer_test

import (
	"errors"
	"math"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// sampleValue returns a non-trivial value of typ.
func sampleValue(typ table.DataType) table.Value {
	switch typ {
	case table.Boolean:
		return table.BoolValue(true)
	case table.Int8:
		return table.Int8Value(math.MinInt8)
	case table.Int16:
		return table.Int16Value(math.MaxInt16)
	case table.Int32:
		return table.Int32Value(math.MinInt32)
	case table.Int64:
		return table.Int64Value(math.MaxInt64)
	case table.Uint8:
		return table.Uint8Value(math.MaxUint8)
	case table.Uint16:
		return table.Uint16Value(math.MaxUint16)
	case table.Uint32:
		return table.Uint32Value(math.MaxUint32)
	case table.Uint64:
		return table.Uint64Value(math.MaxUint64)
	case table.Float32:
		return table.Float32Value(-1.25)
	case table.Float64:
		return table.Float64Value(math.Pi)
	case table.Binary:
		return table.BinaryValue([]byte{0, 1, 0xfe})
	case table.String:
		return table.StringValue("ünïcode ✓")
	case table.Date:
		return table.DateValue(19723)
	case table.Datetime:
		return table.DatetimeValue(1_700_000_000_000_000)
	case table.TimeSecond, table.TimeMillisecond, table.TimeMicrosecond, table.TimeNanosecond,
		table.TimestampSecond, table.TimestampMillisecond, table.TimestampMicrosecond, table.TimestampNanosecond:
		return table.TimestampValue(typ, 1234) // same int64 storage for times
	case table.IntervalYearMonth:
		return table.IntervalYearMonthValue(14)
	case table.IntervalDayTime:
		return table.IntervalDayTimeValue(3<<32 | 500)
	case table.IntervalMonthDayNano:
		return table.IntervalMonthDayNanoValue(table.IntervalMDN{Months: 1, Days: 2, Nanoseconds: 3})
	case table.Decimal128:
		return table.Decimal128Of(table.Decimal128FromInt64(-314159))
	case table.JSON:
		return table.JSONValue(`{"k":[1,true,null]}`)
	case table.Vector:
		return table.VectorFromFloats([]float32{0.5, -1, 2})
	}
	panic("no sample for " + typ.String())
}

// TestEveryTypeThroughRowInsert auto-creates a table per data type and
// reads the value and a NULL back. DATETIME and INTERVAL_* columns are
// refused by GreptimeDB (operator/src/expr_helper.rs validate_create_expr).
func TestEveryTypeThroughRowInsert(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{})
	refused := map[table.DataType]bool{table.Datetime: true, table.IntervalYearMonth: true, table.IntervalDayTime: true, table.IntervalMonthDayNano: true}
	for _, typ := range table.AllDataTypes {
		t.Run(typ.String(), func(t *testing.T) {
			name := "t_" + typ.String()
			sch := table.NewSchema(name).Timestamp("ts", table.TimestampMillisecond)
			switch typ {
			case table.Decimal128:
				sch.Decimal("c", 12, 3)
			case table.Vector:
				sch.Vector("c", 3)
			default:
				sch.Field("c", typ)
			}
			b := sch.NewBatch("")
			v := sampleValue(typ)
			if err := b.AddRow(table.TimestampMillisecondValue(1), v); err != nil {
				t.Fatal(err)
			}
			if err := b.AddRow(table.TimestampMillisecondValue(2), table.Null()); err != nil {
				t.Fatal(err)
			}
			_, err := c.Write(ctxT(t), b)
			if refused[typ] {
				var se *writer.ServerError
				if !errors.As(err, &se) || se.Code != codes.InvalidArgument {
					t.Fatalf("got %v, want InvalidArgument: GreptimeDB refuses %s columns", err, typ)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			info, _ := s.Table("public", name)
			if col, ok := info.Column("c"); !ok || col.Type != typ || !col.Nullable {
				t.Errorf("column %+v", col)
			}
			assertRows(t, s, "public", b)
		})
	}
}

func TestDatabaseSelection(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{Databases: []string{"metrics", "greptime-logs"}})
	ctx := ctxT(t)
	def := cpuBatch(t, "cpu", 1, 0)
	own := cpuBatch(t, "cpu", 2, 0)
	own.Database = "greptime-logs" // catalog-schema form
	if n, err := c.WriteWith(ctx, []writer.InsertOption{writer.WithDatabase("metrics")}, def, own); err != nil || n != 3 {
		t.Fatalf("write: %d %v", n, err)
	}
	if s.RowCount("metrics", "cpu") != 1 || s.RowCount("logs", "cpu") != 2 || s.RowCount("public", "cpu") != 0 {
		t.Errorf("rows: metrics %d, logs %d, public %d", s.RowCount("metrics", "cpu"), s.RowCount("logs", "cpu"), s.RowCount("public", "cpu"))
	}
	if calls := s.Calls()["Handle"]; calls != 2 {
		t.Errorf("%d Handle calls, want one per database", calls)
	}
}

package writer_test

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// matrixValues has one non-NULL value of every data type.
var matrixValues = map[table.DataType]table.Value{
	table.Boolean: table.BoolValue(true), table.Int8: table.Int8Value(-8), table.Int16: table.Int16Value(-16),
	table.Int32: table.Int32Value(-32), table.Int64: table.Int64Value(-64), table.Uint8: table.Uint8Value(8),
	table.Uint16: table.Uint16Value(16), table.Uint32: table.Uint32Value(32), table.Uint64: table.Uint64Value(1 << 63),
	table.Float32: table.Float32Value(1.5), table.Float64: table.Float64Value(2.25), table.Binary: table.BinaryValue([]byte{0, 1}),
	table.String: table.StringValue("s"), table.Date: table.DateValue(19000), table.Datetime: table.DatetimeValue(1_700_000_000_000_000),
	table.TimestampSecond: table.TimestampSecondValue(1), table.TimestampMillisecond: table.TimestampMillisecondValue(2),
	table.TimestampMicrosecond: table.TimestampMicrosecondValue(3), table.TimestampNanosecond: table.TimestampNanosecondValue(4),
	table.TimeSecond: table.TimeSecondValue(5), table.TimeMillisecond: table.TimeMillisecondValue(6),
	table.TimeMicrosecond: table.TimeMicrosecondValue(7), table.TimeNanosecond: table.TimeNanosecondValue(8),
	table.IntervalYearMonth: table.IntervalYearMonthValue(13), table.IntervalDayTime: table.IntervalDayTimeValue(1<<32 | 5),
	table.IntervalMonthDayNano: table.IntervalMonthDayNanoValue(table.IntervalMDN{Months: 1, Days: 2, Nanoseconds: 3}),
	table.Decimal128:           table.Decimal128Of(table.Decimal128FromInt64(-12345)), table.JSON: table.JSONValue(`{"a":1}`),
	table.Vector: table.VectorFromFloats([]float32{1, 2, 3}),
}

// matrixSQL is the SQL type that pre-creates a column of each data type
// (sql/src/statements.rs sql_data_type_to_concrete_data_type). GreptimeDB's
// SQL has no TIME type, and its DATETIME and INTERVAL mean TIMESTAMP(6) and
// INTERVAL_MONTH_DAY_NANO, so TIME_*, DATETIME and the other two intervals
// have no column of their own to be pre-created with: TIME columns are
// pre-created by a row insert instead, the others get the SQL column their
// name maps to and the documented type mismatch.
var matrixSQL = map[table.DataType]string{
	table.Boolean: "BOOLEAN", table.Int8: "TINYINT", table.Int16: "SMALLINT", table.Int32: "INT", table.Int64: "BIGINT",
	table.Uint8: "TINYINT UNSIGNED", table.Uint16: "SMALLINT UNSIGNED", table.Uint32: "INT UNSIGNED", table.Uint64: "BIGINT UNSIGNED",
	table.Float32: "FLOAT", table.Float64: "DOUBLE", table.Binary: "BINARY", table.String: "STRING", table.Date: "DATE",
	table.Datetime: "DATETIME", table.TimestampSecond: "TIMESTAMP(0)", table.TimestampMillisecond: "TIMESTAMP(3)",
	table.TimestampMicrosecond: "TIMESTAMP(6)", table.TimestampNanosecond: "TIMESTAMP(9)",
	table.IntervalYearMonth: "INTERVAL", table.IntervalDayTime: "INTERVAL", table.IntervalMonthDayNano: "INTERVAL",
	table.Decimal128: "DECIMAL(38, 10)", table.JSON: "JSON", table.Vector: "VECTOR(3)",
}

// outcome is the documented result of one cell of the matrix.
type outcome int

const (
	stored         outcome = iota // written, read back equal
	serverRefuses                 // the server answers InvalidArgument; nothing stored
	clientRefuses                 // the writer refuses before sending (InvalidInputError)
	storedAsMicros                // DATETIME into a TIMESTAMP(6) column: an alias, stored as microseconds
	noSuchColumn                  // the column type cannot be created at all, so there is no table to write
)

// matrixExpect gives the documented outcome of (type, path).
func matrixExpect(typ table.DataType, path string) outcome {
	isInterval := typ == table.IntervalYearMonth || typ == table.IntervalDayTime || typ == table.IntervalMonthDayNano
	switch path {
	case "auto-create":
		// validate_create_expr refuses DATETIME and INTERVAL columns (§7.7).
		if typ == table.Datetime || isInterval {
			return serverRefuses
		}
	case "pre-created":
		// CREATE TABLE refuses interval columns too ("column name `c` is
		// interval type, which is not supported"), and DATETIME is the
		// deprecated alias of TIMESTAMP(6) (§3.4).
		if isInterval {
			return noSuchColumn
		}
		if typ == table.Datetime {
			return storedAsMicros
		}
	case "bulk":
		// Neither official client can express these in Arrow (§3.4).
		if isInterval || typ == table.Vector {
			return clientRefuses
		}
		if typ == table.Datetime {
			return storedAsMicros
		}
	}
	return stored
}

func matrixBatch(t *testing.T, name string, typ table.DataType) *table.Batch {
	t.Helper()
	s := table.NewSchema(name).Timestamp("ts", table.TimestampMillisecond)
	switch typ {
	case table.Vector:
		s.Vector("c", 3)
	case table.Decimal128:
		s.Decimal("c", 38, 10)
	default:
		s.Field("c", typ)
	}
	b := s.NewBatch("")
	if err := b.AddRow(table.TimestampMillisecondValue(1000), matrixValues[typ]); err != nil {
		t.Fatal(err)
	}
	if err := b.AddRow(table.TimestampMillisecondValue(2000), table.Null()); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTypePathMatrix(t *testing.T) {
	s, c := bulkSetup(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	bi := c.NewBulkInserter("")
	for _, typ := range table.AllDataTypes {
		if _, ok := matrixValues[typ]; !ok {
			t.Fatalf("no matrix value for %s", typ)
		}
		name := strings.ToLower(typ.String())
		precreate := func(t *testing.T, tbl string) error {
			t.Helper()
			if typ >= table.TimeSecond && typ <= table.TimeNanosecond {
				seed := matrixBatch(t, tbl, typ)
				seed.Reset(true)
				if err := seed.AddRow(table.TimestampMillisecondValue(0), table.Null()); err != nil {
					t.Fatal(err)
				}
				_, err := c.Write(ctx, seed)
				return err
			}
			_, err := c.ExecSQL(ctx, "CREATE TABLE "+tbl+" (ts TIMESTAMP(3) NOT NULL, c "+matrixSQL[typ]+" NULL, TIME INDEX (ts))")
			return err
		}
		for _, path := range []string{"auto-create", "pre-created", "bulk"} {
			t.Run(name+"/"+path, func(t *testing.T) {
				tbl := strings.ReplaceAll(path, "-", "_") + "_" + name
				b := matrixBatch(t, tbl, typ)
				want := matrixExpect(typ, path)
				var err error
				switch path {
				case "auto-create":
					_, err = c.Write(ctx, b)
				case "pre-created":
					if err = precreate(t, tbl); err == nil {
						_, err = c.Write(ctx, b)
					}
				case "bulk":
					if want != clientRefuses {
						if err := precreate(t, tbl); err != nil {
							t.Fatal(err)
						}
					}
					var w *writer.BulkStreamWriter
					w, err = bi.StreamWriterFor(ctx, b)
					if err == nil {
						if _, err = w.WriteRows(ctx, b); err == nil {
							err = w.Finish(ctx)
						} else {
							_ = w.Close()
						}
					}
				}
				assertMatrixCell(t, s, b, want, err)
			})
		}
	}
}

// assertMatrixCell checks one cell's documented outcome.
func assertMatrixCell(t *testing.T, s *greptimetest.Server, b *table.Batch, want outcome, err error) {
	t.Helper()
	typ := b.Col(1).Type
	switch want {
	case clientRefuses:
		if !errors.Is(err, writer.ErrInvalidInput) || !strings.Contains(err.Error(), "unsupported type for the bulk path") {
			t.Fatalf("got %v, want the client to refuse %s for the bulk path", err, typ)
		}
		return
	case noSuchColumn:
		var se *writer.ServerError
		if !errors.As(err, &se) || se.Code != codes.InvalidArgument || !strings.Contains(se.Message, "interval") {
			t.Fatalf("got %v, want CREATE TABLE refused for an interval column", err)
		}
		if _, ok := s.Table("public", b.Table); ok {
			t.Fatal("table with an interval column was created")
		}
		return
	case serverRefuses:
		var se *writer.ServerError
		if !errors.As(err, &se) || se.Code != codes.InvalidArgument || writer.IsRetryable(err) {
			t.Fatalf("got %v, want a non-retryable InvalidArgument from the server", err)
		}
		if n := s.PathCounts("public", b.Table); n[greptimetest.PathRowInsert]+n[greptimetest.PathBulk] != 0 {
			t.Fatalf("refused write stored rows: %v", n)
		}
		return
	}
	if err != nil {
		t.Fatalf("write %s: %v", typ, err)
	}
	rows := s.Rows("public", b.Table)
	// Tables pre-created by a row insert hold a seed row at ts 0 first.
	if len(rows) == 3 {
		rows = rows[1:]
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows stored, want 2", len(rows))
	}
	for i := range 2 {
		got, exp := rows[i][1], b.Col(1).Value(i)
		if want == storedAsMicros && !got.IsNull() {
			g, _ := got.AsInt64()
			e, _ := exp.AsInt64()
			// The value is compared, not its type tag: the test server keeps
			// the DATETIME tag of a row-inserted value in a TIMESTAMP(6) column.
			if g != e {
				t.Fatalf("row %d: stored %v, want %d microseconds", i, got, e)
			}
			continue
		}
		if !got.Equal(exp) {
			t.Fatalf("row %d: stored %v, want %v", i, got, exp)
		}
	}
}

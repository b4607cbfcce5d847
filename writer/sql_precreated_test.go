package writer_test

import (
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestRowInsertIntoSQLCreatedTable writes every type GreptimeDB's SQL can
// declare into a table created with ExecSQL, and reads the rows back.
func TestRowInsertIntoSQLCreatedTable(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{})
	ctx := ctxT(t)
	if _, err := c.ExecSQL(ctx, `CREATE TABLE typed (
		ts TIMESTAMP(9) TIME INDEX,
		host STRING,
		b BOOLEAN, i8 TINYINT, i16 SMALLINT, i32 INT, i64 BIGINT,
		u8 TINYINT UNSIGNED, u16 SMALLINT UNSIGNED, u32 INT UNSIGNED, u64 BIGINT UNSIGNED,
		f32 FLOAT, f64 DOUBLE, bin VARBINARY, str STRING, d DATE,
		ts_s TIMESTAMP(0), ts_ms TIMESTAMP(3), ts_us TIMESTAMP(6),
		dec DECIMAL(12, 3), j JSON, v VECTOR(3),
		PRIMARY KEY (host))`); err != nil {
		t.Fatal(err)
	}
	sch := table.NewSchema("typed").Timestamp("ts", table.TimestampNanosecond).Tag("host", table.String)
	types := []struct {
		name string
		typ  table.DataType
	}{
		{"b", table.Boolean},
		{"i8", table.Int8},
		{"i16", table.Int16},
		{"i32", table.Int32},
		{"i64", table.Int64},
		{"u8", table.Uint8},
		{"u16", table.Uint16},
		{"u32", table.Uint32},
		{"u64", table.Uint64},
		{"f32", table.Float32},
		{"f64", table.Float64},
		{"bin", table.Binary},
		{"str", table.String},
		{"d", table.Date},
		{"ts_s", table.TimestampSecond},
		{"ts_ms", table.TimestampMillisecond},
		{"ts_us", table.TimestampMicrosecond},
	}
	for _, x := range types {
		sch.Field(x.name, x.typ)
	}
	sch.Decimal("dec", 12, 3).JSON("j").Vector("v", 3)
	b := sch.NewBatch("")
	row := []table.Value{table.TimestampNanosecondValue(1), table.StringValue("h")}
	for _, x := range types {
		row = append(row, sampleValue(x.typ))
	}
	row = append(row, sampleValue(table.Decimal128), sampleValue(table.JSON), sampleValue(table.Vector))
	if err := b.AddRow(row...); err != nil {
		t.Fatal(err)
	}
	nulls := make([]table.Value, len(row))
	nulls[0], nulls[1] = table.TimestampNanosecondValue(2), table.StringValue("h")
	if err := b.AddRow(nulls...); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Write(ctx, b); err != nil || n != 2 {
		t.Fatalf("write: %d %v", n, err)
	}
	assertRows(t, s, "public", b)
}

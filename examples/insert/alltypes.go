package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// writeAllTypes auto-creates a table with one column of each data type a
// row insert can create. DATETIME and INTERVAL_* are left out: GreptimeDB
// refuses to create or add such columns (operator/src/expr_helper.rs
// validate_create_expr, issues #3235 and #5489).
func writeAllTypes(ctx context.Context, c *writer.Client, out io.Writer) error {
	s := table.NewSchema("all_types").
		Timestamp("ts", table.TimestampNanosecond).
		Tag("device", table.String).
		Field("f_bool", table.Boolean).
		Field("f_i8", table.Int8).Field("f_i16", table.Int16).Field("f_i32", table.Int32).Field("f_i64", table.Int64).
		Field("f_u8", table.Uint8).Field("f_u16", table.Uint16).Field("f_u32", table.Uint32).Field("f_u64", table.Uint64).
		Field("f_f32", table.Float32).Field("f_f64", table.Float64).
		Field("f_binary", table.Binary).Field("f_string", table.String).
		Field("f_date", table.Date).
		Field("f_ts_s", table.TimestampSecond).Field("f_ts_ms", table.TimestampMillisecond).Field("f_ts_us", table.TimestampMicrosecond).
		Field("f_time_s", table.TimeSecond).Field("f_time_ms", table.TimeMillisecond).
		Field("f_time_us", table.TimeMicrosecond).Field("f_time_ns", table.TimeNanosecond).
		Decimal("f_decimal", 10, 2).
		JSON("f_json").
		Vector("f_vector", 3)
	b := s.NewBatch("")
	now := time.Now()
	for i := int64(0); i < 3; i++ {
		t := now.Add(time.Duration(i) * time.Millisecond)
		if err := b.AddRow(
			table.TimeOf(table.TimestampNanosecond, t), table.StringValue(fmt.Sprintf("dev-%d", i)),
			table.BoolValue(i%2 == 0),
			table.Int8Value(int8(-i)), table.Int16Value(int16(-100*i)), table.Int32Value(int32(-1e6*i)), table.Int64Value(-1e12*i),
			table.Uint8Value(uint8(i)), table.Uint16Value(uint16(100*i)), table.Uint32Value(uint32(1e6*i)), table.Uint64Value(uint64(1e12*i)),
			table.Float32Value(float32(i)+0.5), table.Float64Value(float64(i)+0.25),
			table.BinaryValue([]byte{byte(i), 0xff}), table.StringValue("row "+fmt.Sprint(i)),
			table.DateValue(int32(t.Unix()/86400)),
			table.TimeOf(table.TimestampSecond, t), table.TimeOf(table.TimestampMillisecond, t), table.TimeOf(table.TimestampMicrosecond, t),
			table.TimeSecondValue(3600), table.TimeMillisecondValue(3600_000), table.TimeMicrosecondValue(3600_000_000), table.TimeNanosecondValue(3600_000_000_000),
			table.Decimal128Of(table.Decimal128FromInt64(12345+i)), // 123.45 at scale 2
			table.JSONValue(fmt.Sprintf(`{"seq":%d,"tags":["a","b"]}`, i)),
			table.VectorFromFloats([]float32{float32(i), 1, 2}),
		); err != nil {
			return err
		}
	}
	start := time.Now()
	n, err := c.Write(ctx, b)
	if err != nil {
		return fmt.Errorf("insert into all_types: %w", err)
	}
	fmt.Fprintf(out, "all_types: %d rows with %d columns in %v\n", n, b.NumColumns(), time.Since(start).Round(time.Microsecond))
	return nil
}

package writer_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// bulkSetup starts a test server and a client for it, both closed at the
// test's end.
func bulkSetup(t testing.TB, opts greptimetest.Options, tweak ...func(*writer.Config)) (*greptimetest.Server, *writer.Client) {
	t.Helper()
	s := greptimetest.StartT(t, opts)
	cfg := writer.DefaultConfig(s.Addr())
	cfg.RequestTimeout = 10 * time.Second
	for _, f := range tweak {
		f(&cfg)
	}
	c, err := writer.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return s, c
}

func bulkCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var sensorSchema = table.NewSchema("sensor").Tag("host", table.String).Timestamp("ts", table.TimestampMillisecond).
	Field("temp", table.Float64).Field("n", table.Int64).Field("ok", table.Boolean).Field("note", table.String)

// sensorBatch returns n rows of the sensor table starting at timestamp start;
// every seventh note is NULL.
func sensorBatch(t testing.TB, n int, start int64) *table.Batch {
	t.Helper()
	b := sensorSchema.NewBatch("")
	for i := 0; i < n; i++ {
		note := table.StringValue(fmt.Sprintf("note %d", start+int64(i)))
		if i%7 == 3 {
			note = table.Null()
		}
		if err := b.AddRow(table.StringValue(fmt.Sprintf("h%d", i%4)), table.TimestampMillisecondValue(start+int64(i)),
			table.Float64Value(float64(i)/4), table.Int64Value(start+int64(i)), table.BoolValue(i%2 == 0), note); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// createByInsert creates a table through a row insert of the batch first,
// as the bridge does: GreptimeDB never creates tables from a bulk stream.
func createByInsert(t testing.TB, c *writer.Client, first *table.Batch) {
	t.Helper()
	if _, err := c.Write(bulkCtx(t), first); err != nil {
		t.Fatalf("cannot create table %s by row insert: %v", first.Table, err)
	}
}

// rowsEqual compares stored rows (in the table's column order) with the
// expected rows given in the same column order.
func rowsEqual(t testing.TB, got, want [][]table.Value) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("server holds %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if j >= len(got[i]) || !got[i][j].Equal(want[i][j]) {
				var g table.Value
				if j < len(got[i]) {
					g = got[i][j]
				}
				t.Fatalf("row %d column %d = %v, want %v", i, j, g, want[i][j])
			}
		}
	}
}

// batchRows boxes every row of the batches, in order.
func batchRows(bs ...*table.Batch) [][]table.Value {
	var out [][]table.Value
	for _, b := range bs {
		for i := 0; i < b.Rows(); i++ {
			out = append(out, b.Row(i))
		}
	}
	return out
}

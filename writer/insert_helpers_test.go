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

// newClient returns a client for cfg closed at the test's end.
func newClient(t testing.TB, cfg writer.Config) *writer.Client {
	t.Helper()
	c, err := writer.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// startWithClient starts a test server and a client for it.
func startWithClient(t testing.TB, opts greptimetest.Options, tweak ...func(*writer.Config)) (*greptimetest.Server, *writer.Client) {
	t.Helper()
	s := greptimetest.StartT(t, opts)
	cfg := writer.DefaultConfig(s.Addr())
	cfg.RequestTimeout = 10 * time.Second
	for _, f := range tweak {
		f(&cfg)
	}
	return s, newClient(t, cfg)
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// cpuBatch returns n rows for table name with timestamps from start.
func cpuBatch(t testing.TB, name string, n int, start int64) *table.Batch {
	t.Helper()
	b := table.NewSchema(name).Timestamp("ts", table.TimestampMillisecond).Tag("host", table.String).
		Field("usage", table.Float64).Field("count", table.Int64).NewBatch("")
	for i := 0; i < n; i++ {
		if err := b.AddRow(table.TimestampMillisecondValue(start+int64(i)), table.StringValue(fmt.Sprintf("h%d", i%3)),
			table.Float64Value(float64(i)/2), table.Int64Value(int64(i))); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// assertRows checks that the server holds exactly b's rows, in order.
func assertRows(t testing.TB, s *greptimetest.Server, db string, b *table.Batch) {
	t.Helper()
	got := s.Rows(db, b.Table)
	if len(got) != b.Rows() {
		t.Fatalf("table %s holds %d rows, want %d", b.Table, len(got), b.Rows())
	}
	for i := range got {
		want := b.Row(i)
		if len(got[i]) < len(want) {
			t.Fatalf("row %d has %d columns, want %d", i, len(got[i]), len(want))
		}
		for j, w := range want {
			if !got[i][j].Equal(w) {
				t.Errorf("row %d column %s = %v, want %v", i, b.Col(j).Name, got[i][j], w)
			}
		}
	}
}

package writer_test

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestCompatRealGreptimeDB runs the row-insert checks that need no
// server-side inspection against a real GreptimeDB, for example
//
//	docker run -p 4001:4001 greptime/greptimedb standalone start --rpc-bind-addr 0.0.0.0:4001
//	GREPTIMEDB_ADDR=127.0.0.1:4001 go test -run Compat ./writer/
//
// GREPTIMEDB_USER and GREPTIMEDB_PASSWORD set basic auth. Without
// GREPTIMEDB_ADDR the suite is skipped and counts as no coverage.
func TestCompatRealGreptimeDB(t *testing.T) {
	addr := os.Getenv("GREPTIMEDB_ADDR")
	if addr == "" {
		t.Skip("GREPTIMEDB_ADDR not set: the real-GreptimeDB compatibility suite did not run (no coverage)")
	}
	cfg := writer.DefaultConfig(addr)
	cfg.Username, cfg.Password = os.Getenv("GREPTIMEDB_USER"), os.Getenv("GREPTIMEDB_PASSWORD")
	c := newClient(t, cfg)
	ctx := ctxT(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	if err := c.HealthCheck(ctx); err != nil {
		t.Fatalf("health check: %v", err)
	}

	t.Run("write with hints", func(t *testing.T) {
		b := cpuBatch(t, "compat_cpu_"+suffix, 10, time.Now().UnixMilli())
		b.Hints.Set("ttl", "1d")
		if n, err := c.Write(ctx, b); err != nil || n != 10 {
			t.Fatalf("write: %d %v", n, err)
		}
	})
	t.Run("every auto-creatable type", func(t *testing.T) {
		for _, typ := range table.AllDataTypes {
			sch := table.NewSchema(fmt.Sprintf("compat_%s_%s", typ, suffix)).Timestamp("ts", table.TimestampMillisecond)
			switch typ {
			case table.Decimal128:
				sch.Decimal("c", 12, 3)
			case table.Vector:
				sch.Vector("c", 3)
			default:
				sch.Field("c", typ)
			}
			b := sch.NewBatch("")
			_ = b.AddRow(table.TimestampMillisecondValue(1), sampleValue(typ))
			_ = b.AddRow(table.TimestampMillisecondValue(2), table.Null())
			n, err := c.Write(ctx, b)
			switch typ {
			case table.Datetime, table.IntervalYearMonth, table.IntervalDayTime, table.IntervalMonthDayNano:
				var se *writer.ServerError
				if !errors.As(err, &se) || se.Code != codes.InvalidArgument {
					t.Errorf("%s: got %v, want InvalidArgument", typ, err)
				}
			default:
				if err != nil || n != 2 {
					t.Errorf("%s: %d %v", typ, n, err)
				}
			}
		}
	})
	t.Run("type mismatch", func(t *testing.T) {
		name := "compat_typed_" + suffix
		if _, err := c.Write(ctx, cpuBatch(t, name, 1, 0)); err != nil {
			t.Fatal(err)
		}
		b := table.NewSchema(name).Timestamp("ts", table.TimestampMillisecond).Field("usage", table.String).NewBatch("")
		_ = b.AddRow(table.TimestampMillisecondValue(5), table.StringValue("high"))
		_, err := c.Write(ctx, b)
		var se *writer.ServerError
		if !errors.As(err, &se) || se.Code != codes.InvalidArgument || writer.IsRetryable(err) {
			t.Fatalf("got %v, want non-retryable InvalidArgument", err)
		}
	})
	t.Run("missing database", func(t *testing.T) {
		_, err := c.WriteWith(ctx, []writer.InsertOption{writer.WithDatabase("nosuchdb_" + suffix)}, cpuBatch(t, "cpu", 1, 0))
		var se *writer.ServerError
		if !errors.As(err, &se) || se.Code != codes.InvalidArgument {
			t.Fatalf("got %v, want InvalidArgument", err)
		}
	})
	t.Run("sql ddl then insert", func(t *testing.T) {
		name := "compat_logs_" + suffix
		if _, err := c.ExecSQL(ctx, "CREATE TABLE IF NOT EXISTS "+name+" (ts TIMESTAMP(3) TIME INDEX, host STRING, body STRING, PRIMARY KEY (host))"); err != nil {
			t.Fatal(err)
		}
		b := table.NewSchema(name).Timestamp("ts", table.TimestampMillisecond).Tag("host", table.String).Field("body", table.String).NewBatch("")
		_ = b.AddRow(table.TimestampMillisecondValue(1), table.StringValue("h"), table.StringValue("hi"))
		if n, err := c.Write(ctx, b); err != nil || n != 1 {
			t.Fatalf("insert: %d %v", n, err)
		}
	})
	t.Run("stream", func(t *testing.T) {
		st, err := c.NewStreamInserter(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if err := st.Write(cpuBatch(t, "compat_stream_"+suffix, 5, int64(i*5))); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := st.CloseAndRecv(); err != nil || n != 15 {
			t.Fatalf("close: %d %v", n, err)
		}
	})
	for _, comp := range []writer.Compression{writer.CompressionGzip, writer.CompressionZstd} {
		t.Run("compression "+string(comp), func(t *testing.T) {
			cc := cfg
			cc.Compression = comp
			c := newClient(t, cc)
			if n, err := c.Write(ctx, cpuBatch(t, "compat_comp_"+suffix, 100, 0)); err != nil || n != 100 {
				t.Fatalf("write: %d %v", n, err)
			}
		})
	}
}

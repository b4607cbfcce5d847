package writer_test

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestCompatBulkRealGreptimeDB runs the bulk-path checks that need no
// server-side inspection against a real GreptimeDB (same variables as
// TestCompatRealGreptimeDB):
//
//	GREPTIMEDB_ADDR=127.0.0.1:4001 go test -run CompatBulk ./writer/
//
// Without GREPTIMEDB_ADDR it is skipped and counts as no coverage.
func TestCompatBulkRealGreptimeDB(t *testing.T) {
	addr := os.Getenv("GREPTIMEDB_ADDR")
	if addr == "" {
		t.Skip("GREPTIMEDB_ADDR not set: the real-GreptimeDB bulk suite did not run (no coverage)")
	}
	cfg := writer.DefaultConfig(addr)
	cfg.Username, cfg.Password = os.Getenv("GREPTIMEDB_USER"), os.Getenv("GREPTIMEDB_PASSWORD")
	c, err := writer.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := bulkCtx(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	bi := c.NewBulkInserter("")
	now := time.Now().UnixMilli()

	for _, comp := range []writer.BulkCompression{writer.BulkNoCompression, writer.BulkLZ4, writer.BulkZstd} {
		t.Run("codec "+comp.String(), func(t *testing.T) {
			name := "compat_bulk_" + comp.String() + "_" + suffix
			sch := table.NewSchema(name).Tag("host", table.String).Timestamp("ts", table.TimestampMillisecond).
				Field("temp", table.Float64).Field("n", table.Int64).Field("ok", table.Boolean).Field("note", table.String)
			seed := sensorBatch(t, 1, now-1000)
			seed.Table = name
			createByInsert(t, c, seed)
			w, err := bi.StreamWriter(ctx, sch, writer.WithBulkCompression(comp), writer.WithParallelism(4))
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for i := 0; i < 6; i++ {
				b := sensorBatch(t, 500, now+int64(i)*1000)
				b.Table = name
				id, err := w.WriteAsync(ctx, b)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			resps, err := w.FinishWithResponses(ctx)
			if err != nil || len(resps) != 6 {
				t.Fatalf("finish: %d responses, %v", len(resps), err)
			}
			for i, r := range resps {
				if r.RequestID != ids[i] || r.AffectedRows != 500 {
					t.Errorf("response %d: %+v", i, r)
				}
			}
		})
	}
	t.Run("unknown table", func(t *testing.T) {
		sch := table.NewSchema("compat_missing_"+suffix).Timestamp("ts", table.TimestampMillisecond).Field("v", table.Float64)
		w, err := bi.StreamWriter(ctx, sch)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		b := sch.NewBatch("")
		_ = b.AddRow(table.TimestampMillisecondValue(now), table.Float64Value(1))
		_, err = w.WriteRows(ctx, b)
		var se *writer.StreamEndedError
		var srv *writer.ServerError
		if !errors.As(err, &se) || !slices.Equal(se.Pending, []int64{1}) || !errors.As(err, &srv) || srv.Code != codes.NotFound {
			t.Fatalf("got %v, want id 1 failed with NotFound", err)
		}
	})
}

package writer_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func TestBulkConcurrentWritersShareOneStream(t *testing.T) {
	s, c := bulkSetup(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	createByInsert(t, c, sensorBatch(t, 1, -1000))
	w, err := c.NewBulkInserter("").StreamWriter(ctx, sensorSchema, writer.WithParallelism(4))
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu  sync.Mutex
		ids []int64
		wg  sync.WaitGroup
	)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				resp, err := w.WriteRows(ctx, sensorBatch(t, 3, int64(g*1000+i*10)))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ids = append(ids, resp.RequestID)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := w.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	for i, id := range ids {
		if id != int64(i+1) {
			t.Fatalf("ids %v: want 1..40 each once", ids)
		}
	}
	if n := s.PathCounts("public", "sensor")[greptimetest.PathBulk]; n != 120 {
		t.Fatalf("bulk wrote %d rows, want 120", n)
	}
}

func TestBulkCloseAndCancelFailPendingIDs(t *testing.T) {
	s, c := bulkSetup(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	createByInsert(t, c, sensorBatch(t, 1, -1000))
	bi := c.NewBulkInserter("")

	// Finishing a stream that wrote nothing sends nothing and succeeds.
	w0, err := bi.StreamWriter(ctx, sensorSchema)
	if err != nil {
		t.Fatal(err)
	}
	if err := w0.Finish(ctx); err != nil {
		t.Fatalf("finish unused stream: %v", err)
	}
	if err := w0.Finish(ctx); err == nil {
		t.Fatal("second finish succeeded")
	}

	for _, how := range []string{"close", "cancel"} {
		t.Run(how, func(t *testing.T) {
			sctx, cancel := context.WithCancel(ctx)
			defer cancel()
			w, err := bi.StreamWriter(sctx, sensorSchema)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.WriteRows(ctx, sensorBatch(t, 1, 0)); err != nil {
				t.Fatal(err)
			}
			s.SetLatency(time.Hour)
			id, err := w.WriteAsync(ctx, sensorBatch(t, 1, 10))
			if err != nil {
				t.Fatal(err)
			}
			if how == "close" {
				_ = w.Close()
			} else {
				cancel()
			}
			_, err = w.Wait(ctx, id)
			s.SetLatency(0)
			var se *writer.StreamEndedError
			if !errors.As(err, &se) || !slices.Equal(se.Pending, []int64{2}) || !slices.Equal(se.Acked, []int64{1}) {
				t.Fatalf("got %v, want id 2 failed and 1 acknowledged", err)
			}
			_ = w.Close() // idempotent
		})
	}
}

func TestBulkDropsExtraColumnsOnMitoTables(t *testing.T) {
	// GreptimeDB silently drops batch columns a mito table lacks (§7.3):
	// the bulk path never adds columns, so a caller must widen the table
	// with a row insert first. This pins that the writer does not hide it.
	s, c := bulkSetup(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	createByInsert(t, c, sensorBatch(t, 1, -1000))
	wide := table.NewSchema("sensor").Tag("host", table.String).Timestamp("ts", table.TimestampMillisecond).
		Field("temp", table.Float64).Field("n", table.Int64).Field("ok", table.Boolean).Field("note", table.String).
		Field("added", table.Int64)
	w, err := c.NewBulkInserter("").StreamWriter(ctx, wide)
	if err != nil {
		t.Fatal(err)
	}
	b := wide.NewBatch("")
	_ = b.AddRow(table.StringValue("h"), table.TimestampMillisecondValue(5), table.Float64Value(1), table.Int64Value(1),
		table.BoolValue(true), table.StringValue("x"), table.Int64Value(42))
	if _, err := w.WriteRows(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	ti, _ := s.Table("public", "sensor")
	if _, ok := ti.Column("added"); ok {
		t.Fatal("a bulk write added a column")
	}
	if n := s.RowCount("public", "sensor"); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
}

func TestBulkMetricLogicalTableNeedsExistingColumns(t *testing.T) {
	// A bulk batch for a metric-engine logical table may only carry columns
	// the physical table has (§3.5): a new label goes through a row insert.
	_, c := bulkSetup(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	up := table.NewSchema("up").Timestamp("greptime_timestamp", table.TimestampMillisecond).
		Field("greptime_value", table.Float64).Tag("job", table.String).WithHint("physical_table", "phy")
	seed := up.NewBatch("")
	_ = seed.AddRow(table.TimestampMillisecondValue(1), table.Float64Value(1), table.StringValue("api"))
	createByInsert(t, c, seed)
	bi := c.NewBulkInserter("")

	w, err := bi.StreamWriter(ctx, up)
	if err != nil {
		t.Fatal(err)
	}
	ok := up.NewBatch("")
	_ = ok.AddRow(table.TimestampMillisecondValue(2), table.Float64Value(2), table.StringValue("api"))
	if _, err := w.WriteRows(ctx, ok); err != nil {
		t.Fatalf("bulk into a logical table: %v", err)
	}
	if err := w.Finish(ctx); err != nil {
		t.Fatal(err)
	}

	withNew := table.NewSchema("up").Timestamp("greptime_timestamp", table.TimestampMillisecond).
		Field("greptime_value", table.Float64).Tag("job", table.String).Tag("region", table.String)
	w2, err := bi.StreamWriter(ctx, withNew)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	b := withNew.NewBatch("")
	_ = b.AddRow(table.TimestampMillisecondValue(3), table.Float64Value(3), table.StringValue("api"), table.StringValue("eu"))
	_, err = w2.WriteRows(ctx, b)
	var srv *writer.ServerError
	if !errors.As(err, &srv) || srv.Code != codes.NotFound || srv.Status != writer.StatusTableColumnNotFound {
		t.Fatalf("new label over bulk: got %v, want NotFound/4002", err)
	}
}

func TestBulkFillMissingColumns(t *testing.T) {
	s, c := bulkSetup(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	createByInsert(t, c, sensorBatch(t, 1, -1000))
	bi := c.NewBulkInserter("")
	narrow := table.NewSchema("sensor").Tag("host", table.String).Timestamp("ts", table.TimestampMillisecond).Field("temp", table.Float64)
	b := narrow.NewBatch("")
	_ = b.AddRow(table.StringValue("h"), table.TimestampMillisecondValue(5), table.Float64Value(21.5))

	strict, err := bi.StreamWriter(ctx, sensorSchema)
	if err != nil {
		t.Fatal(err)
	}
	defer strict.Close()
	if _, err := strict.WriteAsync(ctx, b); !errors.Is(err, writer.ErrInvalidInput) {
		t.Fatalf("strict stream took a narrower batch: %v", err)
	}

	w, err := bi.StreamWriter(ctx, sensorSchema, writer.WithFillMissingColumns())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteRows(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	rows := s.Rows("public", "sensor")
	want := []table.Value{
		table.StringValue("h"), table.TimestampMillisecondValue(5), table.Float64Value(21.5),
		table.Null(), table.Null(), table.Null(),
	}
	rowsEqual(t, rows[1:], [][]table.Value{want})
}

package writer_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func TestBulkWriteRowsAcksInOrderAndStoresRows(t *testing.T) {
	s, c := bulkSetup(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	createByInsert(t, c, sensorBatch(t, 1, -1000))
	w, err := c.NewBulkInserter("").StreamWriter(ctx, sensorSchema)
	if err != nil {
		t.Fatal(err)
	}
	var sent []*table.Batch
	for i := 0; i < 3; i++ {
		b := sensorBatch(t, 100+i, int64(i)*1000)
		resp, err := w.WriteRows(ctx, b)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		if resp.RequestID != int64(i+1) || resp.AffectedRows != int64(b.Rows()) {
			t.Fatalf("batch %d: response %+v, want id %d and %d rows", i, resp, i+1, b.Rows())
		}
		sent = append(sent, b)
	}
	if err := w.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	rows := s.Rows("public", "sensor")
	if len(rows) == 0 {
		t.Fatal("no rows stored")
	}
	rowsEqual(t, rows[1:], batchRows(sent...))
	if got := s.PathCounts("public", "sensor")[greptimetest.PathBulk]; got != 303 {
		t.Fatalf("bulk path wrote %d rows, want 303", got)
	}
	md := s.LastHeaders("DoPut")
	if got := md.Get("x-greptime-db-name"); !slices.Equal(got, []string{"public"}) {
		t.Fatalf("x-greptime-db-name = %v", got)
	}
	if got := md.Get("x-greptime-auth"); len(got) != 0 {
		t.Fatalf("auth metadata sent without credentials: %v", got)
	}
}

func TestBulkAsyncWaitCollectAndFinishWithResponses(t *testing.T) {
	s, c := bulkSetup(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	createByInsert(t, c, sensorBatch(t, 1, -1000))
	w, err := c.NewBulkInserter("").StreamWriter(ctx, sensorSchema, writer.WithParallelism(4))
	if err != nil {
		t.Fatal(err)
	}
	b := sensorBatch(t, 10, 0)
	var ids []int64
	for i := 0; i < 12; i++ {
		// The same batch object is reused: WriteAsync has sent it on return.
		b.Reset(true)
		for r := 0; r < 10; r++ {
			_ = b.AddRow(table.StringValue("h"), table.TimestampMillisecondValue(int64(i*10+r)), table.Float64Value(1),
				table.Int64Value(int64(i)), table.BoolValue(true), table.StringValue("x"))
		}
		id, err := w.WriteAsync(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if want := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}; !slices.Equal(ids, want) {
		t.Fatalf("ids %v", ids)
	}
	if resp, err := w.Wait(ctx, 3); err != nil || resp.RequestID != 3 || resp.AffectedRows != 10 {
		t.Fatalf("wait 3: %+v %v", resp, err)
	}
	if _, err := w.Wait(ctx, 3); err == nil {
		t.Fatal("second wait for one id succeeded")
	}
	if err := w.WaitAll(ctx); err != nil {
		t.Fatal(err)
	}
	got := w.Collect()
	if len(got) != 11 || got[0].RequestID != 1 || got[10].RequestID != 12 {
		t.Fatalf("collected %d responses: %+v", len(got), got)
	}
	id, err := w.WriteAsync(ctx, sensorBatch(t, 5, 5000))
	if err != nil {
		t.Fatal(err)
	}
	resps, err := w.FinishWithResponses(ctx)
	if err != nil || len(resps) != 1 || resps[0].RequestID != id || resps[0].AffectedRows != 5 {
		t.Fatalf("finish: %+v %v", resps, err)
	}
	if n := s.RowCount("public", "sensor"); n != 1+120+5 {
		t.Fatalf("server holds %d rows, want 126", n)
	}
	// Every reuse of b was sent before WriteAsync returned: the server holds
	// each batch's own values, not the last refill's.
	var want [][]table.Value
	for i := 0; i < 12; i++ {
		for r := 0; r < 10; r++ {
			want = append(want, []table.Value{
				table.StringValue("h"), table.TimestampMillisecondValue(int64(i*10 + r)),
				table.Float64Value(1), table.Int64Value(int64(i)), table.BoolValue(true), table.StringValue("x"),
			})
		}
	}
	rowsEqual(t, s.Rows("public", "sensor")[1:121], want)
	if _, err := w.WriteAsync(ctx, b); err == nil {
		t.Fatal("write after finish accepted")
	}
}

func TestBulkParallelismCap(t *testing.T) {
	s, c := bulkSetup(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	createByInsert(t, c, sensorBatch(t, 1, -1000))
	bi := c.NewBulkInserter("")

	w, err := bi.StreamWriter(ctx, sensorSchema, writer.WithParallelism(1000))
	if err != nil {
		t.Fatal(err)
	}
	if w.Parallelism() != writer.MaxBulkParallelism {
		t.Fatalf("parallelism %d, want the cap %d", w.Parallelism(), writer.MaxBulkParallelism)
	}
	// The server drops responses past 32 queued (§7.5) and answers slowly
	// here: with the cap, every one of 100 batches is still acknowledged.
	s.SetLatency(time.Millisecond)
	for i := 0; i < 100; i++ {
		if _, err := w.WriteAsync(ctx, sensorBatch(t, 3, int64(i)*10)); err != nil {
			t.Fatal(err)
		}
	}
	resps, err := w.FinishWithResponses(ctx)
	if err != nil || len(resps) != 100 {
		t.Fatalf("%d responses, %v", len(resps), err)
	}

	// With parallelism 1 a second write cannot be sent while the first is
	// unanswered: it waits for the slot and gives up with its context.
	s.SetLatency(0)
	w1, err := bi.StreamWriter(ctx, sensorSchema, writer.WithParallelism(1))
	if err != nil {
		t.Fatal(err)
	}
	defer w1.Close()
	if _, err := w1.WriteRows(ctx, sensorBatch(t, 1, 40_000)); err != nil {
		t.Fatal(err)
	}
	s.SetLatency(time.Hour) // every later response of the stream is held back
	if _, err := w1.WriteAsync(ctx, sensorBatch(t, 1, 50_000)); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := w1.WriteAsync(short, sensorBatch(t, 1, 60_000)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second write with parallelism 1: %v", err)
	}
	if n := w1.InFlight(); n != 1 {
		t.Fatalf("%d in flight, want 1", n)
	}
	if n := w.InFlight(); n != 0 {
		t.Fatalf("finished stream has %d in flight", n)
	}
	s.SetLatency(0)
}

func TestBulkCompressionCodecs(t *testing.T) {
	for name, comp := range map[string]writer.BulkCompression{"none": writer.BulkNoCompression, "lz4": writer.BulkLZ4, "zstd": writer.BulkZstd} {
		t.Run(name, func(t *testing.T) {
			s, c := bulkSetup(t, greptimetest.Options{})
			ctx := bulkCtx(t)
			createByInsert(t, c, sensorBatch(t, 1, -1000))
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			w, err := c.NewBulkInserter("").StreamWriter(ctx, sensorSchema, writer.WithBulkCompression(comp), writer.WithAllocator(mem))
			if err != nil {
				t.Fatal(err)
			}
			b := sensorBatch(t, 2000, 0)
			if _, err := w.WriteRows(ctx, b); err != nil {
				t.Fatal(err)
			}
			if err := w.Finish(ctx); err != nil {
				t.Fatal(err)
			}
			rowsEqual(t, s.Rows("public", "sensor")[1:], batchRows(b))
			mem.AssertSize(t, 0)
		})
	}
}

func TestBulkRefusesBadInputBeforeSending(t *testing.T) {
	s, c := bulkSetup(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	createByInsert(t, c, sensorBatch(t, 1, -1000))
	bi := c.NewBulkInserter("")

	for name, sch := range map[string]*table.Schema{
		"interval": table.NewSchema("iv").Timestamp("ts", table.TimestampSecond).Field("d", table.IntervalDayTime),
		"vector":   table.NewSchema("vec").Timestamp("ts", table.TimestampSecond).Vector("v", 4),
		"no ts":    table.NewSchema("nots").Field("v", table.Float64),
	} {
		if _, err := bi.StreamWriter(ctx, sch); !errors.Is(err, writer.ErrInvalidInput) {
			t.Errorf("%s: got %v, want invalid input", name, err)
		} else if name != "no ts" && !strings.Contains(err.Error(), "unsupported type for the bulk path") {
			t.Errorf("%s: message %q", name, err)
		}
	}
	if n := s.Calls()["DoPut"]; n != 0 {
		t.Fatalf("%d DoPut calls for refused schemas", n)
	}

	w, err := bi.StreamWriter(ctx, sensorSchema)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	extra := table.NewSchema("sensor").Tag("host", table.String).Timestamp("ts", table.TimestampMillisecond).
		Field("temp", table.Float64).Field("n", table.Int64).Field("ok", table.Boolean).Field("note", table.String).
		Field("new_col", table.Int64).NewBatch("")
	_ = extra.AddRow(table.StringValue("h"), table.TimestampMillisecondValue(1), table.Float64Value(1), table.Int64Value(1),
		table.BoolValue(true), table.StringValue("n"), table.Int64Value(9))
	otherType := table.NewSchema("sensor").Tag("host", table.String).Timestamp("ts", table.TimestampMillisecond).
		Field("temp", table.Float32).Field("n", table.Int64).Field("ok", table.Boolean).Field("note", table.String).NewBatch("")
	_ = otherType.AddRow(table.StringValue("h"), table.TimestampMillisecondValue(1), table.Float32Value(1), table.Int64Value(1),
		table.BoolValue(true), table.StringValue("n"))
	nullTS := sensorSchema.NewBatch("")
	_ = nullTS.AddRow(table.StringValue("h"), table.Null(), table.Float64Value(1), table.Int64Value(1), table.BoolValue(true), table.Null())
	otherTable := sensorBatch(t, 1, 0)
	otherTable.Table = "other"
	for name, b := range map[string]*table.Batch{
		"extra column": extra, "other type": otherType, "null time index": nullTS,
		"empty": sensorSchema.NewBatch(""), "other table": otherTable, "nil": nil,
	} {
		if _, err := w.WriteAsync(ctx, b); !errors.Is(err, writer.ErrInvalidInput) {
			t.Errorf("%s: got %v, want invalid input", name, err)
		}
	}
	// Refusals leave the stream usable, and nothing reached the server.
	if _, err := w.WriteRows(ctx, sensorBatch(t, 4, 0)); err != nil {
		t.Fatal(err)
	}
	if n := s.RowCount("public", "sensor"); n != 1+4 {
		t.Fatalf("server holds %d rows, want 5", n)
	}
}

func TestBulkUnknownTableIsNotFound(t *testing.T) {
	_, c := bulkSetup(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	w, err := c.NewBulkInserter("").StreamWriter(ctx, sensorSchema)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	_, err = w.WriteRows(ctx, sensorBatch(t, 3, 0))
	var se *writer.StreamEndedError
	var srv *writer.ServerError
	if !errors.As(err, &se) || !slices.Equal(se.Pending, []int64{1}) || !errors.As(err, &srv) ||
		srv.Code != codes.NotFound || srv.Status != writer.StatusTableNotFound {
		t.Fatalf("got %v, want stream ended with id 1 pending on NotFound/4001", err)
	}
	if !strings.Contains(err.Error(), "sensor") {
		t.Fatalf("error does not name the table: %v", err)
	}
}

func TestBulkAuth(t *testing.T) {
	users := map[string]string{"alice": "s3cret"}
	s, c := bulkSetup(t, greptimetest.Options{Users: users}, func(cfg *writer.Config) { cfg.Username, cfg.Password = "alice", "s3cret" })
	ctx := bulkCtx(t)
	createByInsert(t, c, sensorBatch(t, 1, -1000))
	w, err := c.NewBulkInserter("").StreamWriter(ctx, sensorSchema)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteRows(ctx, sensorBatch(t, 2, 0)); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.LastHeaders("DoPut").Get("x-greptime-auth"); len(got) != 1 || !strings.HasPrefix(got[0], "Basic ") {
		t.Fatalf("auth metadata %v", got)
	}

	bad, err := writer.NewClient(func() writer.Config {
		cfg := writer.DefaultConfig(s.Addr())
		cfg.Username, cfg.Password = "alice", "wrong-password"
		return cfg
	}())
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	w2, err := bad.NewBulkInserter("").StreamWriter(ctx, sensorSchema)
	if err == nil {
		defer w2.Close()
		_, err = w2.WriteRows(ctx, sensorBatch(t, 2, 100))
	}
	var srv *writer.ServerError
	if !errors.As(err, &srv) || srv.Code != codes.Unauthenticated {
		t.Fatalf("wrong password: got %v, want Unauthenticated", err)
	}
	if strings.Contains(err.Error(), "wrong-password") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error reveals a password: %v", err)
	}
}

func TestBulkWritesToNamedDatabase(t *testing.T) {
	s, c := bulkSetup(t, greptimetest.Options{Databases: []string{"metrics"}}, func(cfg *writer.Config) { cfg.Database = "metrics" })
	ctx := bulkCtx(t)
	createByInsert(t, c, sensorBatch(t, 1, -1000))
	w, err := c.NewBulkInserter("").StreamWriter(ctx, sensorSchema)
	if err != nil {
		t.Fatal(err)
	}
	b := sensorBatch(t, 6, 0)
	if _, err := w.WriteRows(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if got := s.LastHeaders("DoPut").Get("x-greptime-db-name"); !slices.Equal(got, []string{"metrics"}) {
		t.Fatalf("x-greptime-db-name = %v", got)
	}
	rowsEqual(t, s.Rows("metrics", "sensor")[1:], batchRows(b))
	if n := s.RowCount("public", "sensor"); n != 0 {
		t.Fatalf("%d rows went to public", n)
	}

	// A batch naming another database is refused rather than misrouted.
	w2, err := c.NewBulkInserter("other").StreamWriter(ctx, sensorSchema)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	b.Database = "metrics"
	if _, err := w2.WriteAsync(ctx, b); !errors.Is(err, writer.ErrInvalidInput) {
		t.Fatalf("batch for another database: %v", err)
	}
	_, err = w2.WriteRows(ctx, sensorBatch(t, 1, 0))
	var srv *writer.ServerError
	if !errors.As(err, &srv) || srv.Code != codes.NotFound {
		t.Fatalf("unknown database: got %v, want NotFound", err)
	}
}

package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type env struct {
	srv     *greptimetest.Server
	client  *writer.Client
	streams *pipeline.Streams
	p       *pipeline.Pipeline
}

func setup(t *testing.T, cfg pipeline.Config, bulk bool) *env {
	t.Helper()
	srv := greptimetest.StartT(t, greptimetest.Options{})
	wc := writer.DefaultConfig(srv.Addr())
	c, err := writer.NewClient(wc)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{srv: srv, client: c}
	var bw pipeline.BulkWriter
	if bulk {
		e.streams = pipeline.NewStreams(c, 8, time.Minute, nil)
		bw = e.streams
	}
	if cfg.FlushInterval == 0 {
		cfg.FlushInterval = 20 * time.Millisecond
	}
	if cfg.Retry.MaxAttempts == 0 {
		cfg.Retry = pipeline.RetryConfig{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
	}
	e.p = pipeline.New(cfg, c, pipeline.ClientDDL{Client: c}, bw, nil)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.p.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if e.streams != nil {
			_ = e.streams.Close(ctx)
		}
		_ = c.Close()
	})
	return e
}

// metricOutput builds one request: rows samples for each metric, each row
// with the labels given.
func metricOutput(db string, metrics []string, rows int, start int64, labels map[string]string) *translate.Output {
	out := &translate.Output{}
	for _, m := range metrics {
		b := out.Batch(db, m)
		for i := 0; i < rows; i++ {
			b.MustColumn("greptime_timestamp", table.TimestampMillisecond, table.Timestamp).AppendInt64(start + int64(i))
			b.MustColumn("greptime_value", table.Float64, table.Field).AppendFloat64(float64(i))
			for k, v := range labels {
				b.MustColumn(k, table.String, table.Tag).AppendString(v)
			}
			if err := b.EndRow(); err != nil {
				panic(err)
			}
		}
	}
	return out
}

func TestManyRequestsCoalescedAndAcknowledged(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 2}, false)
	metrics := []string{"m_a", "m_b", "m_c", "m_d", "m_e"}
	var wg sync.WaitGroup
	for r := 0; r < 20; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := metricOutput("public", metrics, 10, int64(r*1000), map[string]string{"job": "j", "instance": fmt.Sprint("i", r)})
			if err := e.p.Consume(context.Background(), out); err != nil {
				t.Errorf("request %d: %v", r, err)
			}
		}()
	}
	wg.Wait()
	for _, m := range metrics {
		if n := e.srv.RowCount("public", m); n != 200 {
			t.Errorf("%s: %d rows stored, want 200", m, n)
		}
		if pc := e.srv.PathCounts("public", m); pc[greptimetest.PathBulk] != 0 {
			t.Errorf("%s: bulk used without a bulk writer: %v", m, pc)
		}
	}
	if calls := e.srv.Calls()["Handle"]; calls >= 20*len(metrics) {
		t.Errorf("%d Handle calls for 100 table batches: nothing was coalesced", calls)
	}
}

func TestConflictingRequestAnsweredAlone(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 1}, false)
	good := metricOutput("public", []string{"cpu"}, 3, 0, map[string]string{"host": "a"})
	if err := e.p.Consume(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	bad := &translate.Output{}
	b := bad.Batch("public", "cpu")
	b.MustColumn("greptime_timestamp", table.TimestampMillisecond, table.Timestamp).AppendInt64(5)
	b.MustColumn("greptime_value", table.String, table.Field).AppendString("not a float")
	_ = b.EndRow()
	err := e.p.Consume(context.Background(), bad)
	if err == nil || !errs.IsPermanent(err) {
		t.Fatalf("conflicting request: got %v, want a permanent error", err)
	}
	if n := e.srv.RowCount("public", "cpu"); n != 3 {
		t.Fatalf("%d rows stored, want 3", n)
	}
}

func TestPermanentErrorSplitByRequest(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 1}, false)
	// A table created outside the bridge with an INT64 value: the bridge's
	// cache does not know it, so only GreptimeDB can refuse the FLOAT64 rows.
	if _, err := e.client.ExecSQL(context.Background(),
		"CREATE TABLE other (ts TIMESTAMP(3) NOT NULL, greptime_value BIGINT, TIME INDEX (ts))"); err != nil {
		t.Fatal(err)
	}
	// Keep the worker busy with a write the server holds, queue both
	// requests behind it, then let it go: group commit writes the two in
	// one row insert, which GreptimeDB refuses as a whole.
	calls := func() int { return e.srv.Calls()["Handle"] }
	e.srv.SetLatency(time.Second)
	blocked := make(chan error, 1)
	before := calls()
	go func() {
		blocked <- e.p.Consume(context.Background(), metricOutput("public", []string{"first"}, 1, 0, nil))
	}()
	waitUntil(t, "the first write at the server", func() bool { return calls() > before })
	e.srv.SetLatency(0)
	held := calls()
	var wg sync.WaitGroup
	var goodErr, badErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		goodErr = e.p.Consume(context.Background(), metricOutput("public", []string{"fine"}, 4, 0, map[string]string{"k": "v"}))
	}()
	go func() {
		defer wg.Done()
		out := &translate.Output{}
		b := out.Batch("public", "other")
		b.MustColumn("ts", table.TimestampMillisecond, table.Timestamp).AppendInt64(1)
		b.MustColumn("greptime_value", table.Float64, table.Field).AppendFloat64(1.5)
		_ = b.EndRow()
		badErr = e.p.Consume(context.Background(), out)
	}()
	waitUntil(t, "both requests queued", func() bool { return e.p.Stats().Requests() >= 3 })
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if goodErr != nil {
		t.Errorf("the good request failed with the bad one: %v", goodErr)
	}
	if badErr == nil || writer.IsRetryable(badErr) {
		t.Errorf("the bad request: got %v, want a non-retryable error", badErr)
	}
	if n := e.srv.RowCount("public", "fine"); n != 4 {
		t.Errorf("%d rows of the good request stored, want 4", n)
	}
	// One refused row insert carrying both, then one for each request.
	if n := calls() - held; n < 3 {
		t.Errorf("%d row inserts after the held one, want the shared one and one per request (3)", n)
	}
}

func TestRetryableErrorsRetried(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 1}, false)
	e.srv.FailNext(2, greptimetest.Fault{Method: "Handle", Code: codes.Unavailable, Status: 4008, Retryable: true, Message: "region not ready"})
	if err := e.p.Consume(context.Background(), metricOutput("public", []string{"r"}, 5, 0, nil)); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.RowCount("public", "r"); n != 5 {
		t.Fatalf("%d rows, want 5", n)
	}
	if e.p.Stats().Retries.Load() < 2 {
		t.Fatalf("retries %d, want at least 2", e.p.Stats().Retries.Load())
	}
	// Exhausted retries answer with a retryable error, never success.
	e.srv.FailNext(10, greptimetest.Fault{Method: "Handle", Code: codes.Unavailable, Status: 4008, Retryable: true, Message: "region not ready"})
	err := e.p.Consume(context.Background(), metricOutput("public", []string{"r"}, 5, 100, nil))
	if err == nil || !writer.IsRetryable(err) {
		t.Fatalf("got %v, want a retryable error", err)
	}
}

func TestDeepTablesGoByBulkAfterCreate(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 1, BulkThresholdRows: 100}, true)
	ctx := context.Background()
	// First batch creates the table through a row insert.
	if err := e.p.Consume(ctx, metricOutput("public", []string{"deep"}, 500, 0, map[string]string{"host": "a"})); err != nil {
		t.Fatal(err)
	}
	// Steady state: deep batches stream by bulk.
	for i := 1; i <= 3; i++ {
		if err := e.p.Consume(ctx, metricOutput("public", []string{"deep"}, 500, int64(i*1000), map[string]string{"host": "a"})); err != nil {
			t.Fatal(err)
		}
	}
	// A new label widens the table: row insert again, then bulk again.
	if err := e.p.Consume(ctx, metricOutput("public", []string{"deep"}, 500, 10_000, map[string]string{"host": "a", "zone": "z"})); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Consume(ctx, metricOutput("public", []string{"deep"}, 500, 20_000, map[string]string{"host": "b"})); err != nil {
		t.Fatal(err)
	}
	pc := e.srv.PathCounts("public", "deep")
	if pc[greptimetest.PathRowInsert] != 1000 || pc[greptimetest.PathBulk] != 2000 {
		t.Fatalf("paths %v, want 1000 by row insert (create, widen) and 2000 by bulk", pc)
	}
	if n := e.srv.RowCount("public", "deep"); n != 3000 {
		t.Fatalf("%d rows, want 3000", n)
	}
	// The bulk batch without "zone" was stored with zone NULL.
	info, _ := e.srv.Table("public", "deep")
	if len(info.Columns) != 4 {
		t.Fatalf("columns %+v", info.Columns)
	}
}

func TestBulkTableDroppedFallsBackToRowInsert(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 1, BulkThresholdRows: 10}, true)
	ctx := context.Background()
	if err := e.p.Consume(ctx, metricOutput("public", []string{"t"}, 50, 0, map[string]string{"h": "a"})); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.DropTable("public", "t"); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Consume(ctx, metricOutput("public", []string{"t"}, 50, 1000, map[string]string{"h": "a"})); err != nil {
		t.Fatalf("write after the table vanished: %v", err)
	}
	if n := e.srv.RowCount("public", "t"); n != 50 {
		t.Fatalf("%d rows after recreate, want 50", n)
	}
}

func TestShutdownFlushesAndRefusesNewRequests(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 1, FlushInterval: time.Hour}, false)
	done := make(chan error, 1)
	go func() { done <- e.p.Consume(context.Background(), metricOutput("public", []string{"s"}, 7, 0, nil)) }()
	// Wait until the request is queued, then shut down: the final flush
	// must write it even though the flush interval never elapses.
	waitUntil(t, "the request queued", func() bool { return e.p.Stats().Requests() > 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := e.srv.RowCount("public", "s"); n != 7 {
		t.Fatalf("%d rows, want 7", n)
	}
	if err := e.p.Consume(context.Background(), metricOutput("public", []string{"s"}, 1, 0, nil)); !errors.Is(err, pipeline.ErrShuttingDown) {
		t.Fatalf("got %v after shutdown", err)
	}
}

func TestOpenStreamsCappedLeastRecentlyUsedFirst(t *testing.T) {
	srv := greptimetest.StartT(t, greptimetest.Options{})
	c, err := writer.NewClient(writer.DefaultConfig(srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	streams := pipeline.NewStreams(c, 2, time.Minute, nil)
	p := pipeline.New(pipeline.Config{Workers: 1, FlushInterval: 5 * time.Millisecond, BulkThresholdRows: 10}, c, nil, streams, nil)
	ctx := context.Background()
	tables := []string{"a", "b", "c", "d"}
	for round := 0; round < 3; round++ {
		for i, name := range tables {
			out := metricOutput("public", []string{name}, 20, int64(round*1000+i*100), map[string]string{"h": "x"})
			if err := p.Consume(ctx, out); err != nil {
				t.Fatal(err)
			}
			if n := streams.Open(); n > 2 {
				t.Fatalf("%d streams open, cap is 2", n)
			}
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := p.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	if err := streams.Close(sctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range tables {
		pc := srv.PathCounts("public", name)
		if pc[greptimetest.PathRowInsert] != 20 || pc[greptimetest.PathBulk] != 40 {
			t.Errorf("%s: paths %v, want 20 by insert then 40 by bulk", name, pc)
		}
	}
}

func TestSchemasReportsAcceptedColumns(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 1}, false)
	if _, ok := e.p.Schemas().TableSchema("public", "known"); ok {
		t.Fatal("unknown table reported")
	}
	if err := e.p.Consume(context.Background(), metricOutput("public", []string{"known"}, 2, 0, map[string]string{"host": "a"})); err != nil {
		t.Fatal(err)
	}
	cols, ok := e.p.Schemas().TableSchema("public", "known")
	if !ok || len(cols) != 3 || cols[2].Name != "host" || cols[2].Type != table.String || cols[2].Semantic != table.Tag {
		t.Fatalf("schema %+v %v", cols, ok)
	}
	// A second lookup of an unchanged table shares the first answer.
	again, _ := e.p.Schemas().TableSchema("public", "known")
	if &again[0] != &cols[0] {
		t.Error("an unchanged table's schema was copied again")
	}
	// A new column gives a new answer and leaves the earlier one intact.
	if err := e.p.Consume(context.Background(), metricOutput("public", []string{"known"}, 2, 0, map[string]string{"host": "a", "zone": "b"})); err != nil {
		t.Fatal(err)
	}
	wider, ok := e.p.Schemas().TableSchema("public", "known")
	if !ok || len(wider) != 4 || wider[3].Name != "zone" || len(cols) != 3 || cols[2].Name != "host" {
		t.Fatalf("after a new column: schema %+v %v, earlier answer %+v", wider, ok, cols)
	}
}

func TestServerWithoutBulkFallsBackToRowInserts(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 1, BulkThresholdRows: 10}, true)
	ctx := context.Background()
	if err := e.p.Consume(ctx, metricOutput("public", []string{"old"}, 20, 0, map[string]string{"h": "a"})); err != nil {
		t.Fatal(err)
	}
	// A GreptimeDB before v1.0 answers DoPut as unimplemented.
	e.srv.FailNext(1000, greptimetest.Fault{Method: "DoPut", Code: codes.Unimplemented, Status: 1001, Message: "Not yet implemented"})
	for i := 1; i <= 3; i++ {
		if err := e.p.Consume(ctx, metricOutput("public", []string{"old"}, 20, int64(i*1000), map[string]string{"h": "a"})); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	pc := e.srv.PathCounts("public", "old")
	if pc[greptimetest.PathRowInsert] != 80 || pc[greptimetest.PathBulk] != 0 {
		t.Fatalf("paths %v, want every row by row insert", pc)
	}
	if calls := e.srv.Calls()["DoPut"]; calls != 1 {
		t.Fatalf("%d DoPut calls: the table should stop trying bulk after the first refusal", calls)
	}
}

func TestColumnWidenedBeforeInsert(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 1}, false)
	ctx := context.Background()
	mk := func(ts int64, float bool) *translate.Output {
		out := &translate.Output{}
		b := out.Batch("public", "spans")
		b.MustColumn("ts", table.TimestampMillisecond, table.Timestamp).AppendInt64(ts)
		if float {
			b.MustColumn("span_attributes.n", table.Float64, table.Field).AppendFloat64(2.5)
			b.AlterSQL = []string{`ALTER TABLE "spans" MODIFY COLUMN "span_attributes.n" DOUBLE`}
		} else {
			b.MustColumn("span_attributes.n", table.Int64, table.Field).AppendInt64(7)
		}
		if err := b.EndRow(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if err := e.p.Consume(ctx, mk(1, false)); err != nil {
		t.Fatal(err)
	}
	// Without the statement a DOUBLE for a known BIGINT column is refused.
	plain := mk(2, true)
	plain.Batches[0].AlterSQL = nil
	if err := e.p.Consume(ctx, plain); !errs.IsPermanent(err) {
		t.Fatalf("got %v, want a permanent type conflict", err)
	}
	if err := e.p.Consume(ctx, mk(3, true)); err != nil {
		t.Fatalf("widening write: %v", err)
	}
	info, _ := e.srv.Table("public", "spans")
	if c, _ := info.Column("span_attributes.n"); c.Type != table.Float64 {
		t.Fatalf("column is %s, want FLOAT64", c.Type)
	}
	rows := e.srv.Rows("public", "spans")
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	if f, _ := rows[0][1].AsFloat64(); f != 7 {
		t.Errorf("old row %v, want 7 as DOUBLE", rows[0][1])
	}
	if f, _ := rows[1][1].AsFloat64(); f != 2.5 {
		t.Errorf("new row %v, want 2.5", rows[1][1])
	}
	// Later requests with the new type flow without statements.
	if err := e.p.Consume(ctx, mk(4, true)); err != nil {
		t.Fatal(err)
	}
}

func TestIdleStreamsAreFinishedWithoutTraffic(t *testing.T) {
	srv := greptimetest.StartT(t, greptimetest.Options{})
	c, err := writer.NewClient(writer.DefaultConfig(srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	streams := pipeline.NewStreams(c, 8, 50*time.Millisecond, nil)
	defer streams.Close(context.Background())
	p := pipeline.New(pipeline.Config{Workers: 1, FlushInterval: 5 * time.Millisecond, BulkThresholdRows: 1}, c, nil, streams, nil)
	defer p.Shutdown(context.Background())
	for i := 0; i < 2; i++ {
		if err := p.Consume(context.Background(), metricOutput("public", []string{"idle"}, 5, int64(i*100), nil)); err != nil {
			t.Fatal(err)
		}
	}
	if streams.Open() != 1 {
		t.Fatalf("%d streams open after a bulk write, want 1", streams.Open())
	}
	deadline := time.Now().Add(10 * time.Second)
	for streams.Open() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if streams.Open() != 0 {
		t.Fatal("an idle stream stayed open with no traffic")
	}
}

// TestBulkBatchesPipelinedOnOneStream: while GreptimeDB is slow to answer,
// the worker keeps sending a deep table's flushes on the same stream
// instead of waiting for each acknowledgement.
func TestBulkBatchesPipelinedOnOneStream(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 1, FlushInterval: 5 * time.Millisecond, BulkThresholdRows: 10}, true)
	ctx := context.Background()
	// The first request creates the table by row insert, the second opens
	// its bulk stream (opening a stream is a call the latency would hold).
	for i := range 2 {
		if err := e.p.Consume(ctx, metricOutput("public", []string{"deep"}, 20, int64(i*100), map[string]string{"h": "a"})); err != nil {
			t.Fatal(err)
		}
	}
	if e.streams.Open() != 1 {
		t.Fatalf("%d bulk streams open, want 1", e.streams.Open())
	}
	// Every batch now waits 3 s for its acknowledgement. A second request
	// must reach the stream while the first one's batch is still waiting:
	// without pipelining it would get in only after the first was
	// acknowledged, and at most one batch would ever be in flight.
	e.srv.SetLatency(3 * time.Second)
	defer e.srv.SetLatency(0)
	errc := make(chan error, 2)
	send := func(i int) {
		errc <- e.p.Consume(ctx, metricOutput("public", []string{"deep"}, 20, int64(i*1000), map[string]string{"h": "a"}))
	}
	go send(1)
	// The test server stores a batch's rows when it reads the batch and
	// holds only the answer.
	waitUntil(t, "the first batch at the server", func() bool { return e.srv.RowCount("public", "deep") >= 60 })
	go send(2)
	waitUntil(t, "two batches in flight on one stream", func() bool { return e.streams.PeakInFlight() >= 2 })
	for range 2 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	if n := e.srv.RowCount("public", "deep"); n != 80 {
		t.Fatalf("%d rows, want 80", n)
	}
}

// waitUntil waits for a condition on the code under test, failing the test
// if it does not hold within 2.5 s (short of the 3 s a held batch waits, so
// a condition that only an acknowledgement could bring about fails).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2500 * time.Millisecond)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("waited in vain for %s", what)
		}
	}
}

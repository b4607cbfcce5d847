package pipeline_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// gatedReader counts look-ups and holds each until release is closed.
type gatedReader struct {
	inner   pipeline.SchemaReader
	calls   atomic.Int32
	entered chan struct{}
	release chan struct{}
}

func (g *gatedReader) ReadSchema(ctx context.Context, db, name string) ([]translate.KnownColumn, bool, error) {
	g.calls.Add(1)
	g.entered <- struct{}{}
	<-g.release
	return g.inner.ReadSchema(ctx, db, name)
}

func TestSchemaReadOnceForConcurrentRequests(t *testing.T) {
	e := setup(t, pipeline.Config{}, false)
	if _, err := e.client.ExecSQL(context.Background(), "CREATE TABLE app_logs (ts TIMESTAMP(3) TIME INDEX, host STRING, body STRING, PRIMARY KEY (host))"); err != nil {
		t.Fatal(err)
	}
	g := &gatedReader{inner: pipeline.ClientSchema{Client: e.client}, entered: make(chan struct{}, 16), release: make(chan struct{})}
	e.p.SetSchemaReader(g, 10*time.Second)
	const askers = 8
	var wg sync.WaitGroup
	results := make(chan []translate.KnownColumn, askers)
	for range askers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cols, _ := e.p.Schemas().TableSchema("public", "app_logs")
			results <- cols
		}()
	}
	<-g.entered // the one look-up is under way
	close(g.release)
	wg.Wait()
	close(results)
	for cols := range results {
		if len(cols) != 3 || cols[0] != (translate.KnownColumn{Name: "ts", Type: table.TimestampMillisecond, Semantic: table.Timestamp}) ||
			cols[1] != (translate.KnownColumn{Name: "host", Type: table.String, Semantic: table.Tag}) {
			t.Fatalf("schema %v", cols)
		}
	}
	if n := g.calls.Load(); n != 1 {
		t.Errorf("%d look-ups for one table asked %d times at once, want 1", n, askers)
	}
	// Known now: no further look-up.
	if _, ok := e.p.Schemas().TableSchema("public", "app_logs"); !ok || g.calls.Load() != 1 {
		t.Errorf("second ask: ok %v, %d look-ups", ok, g.calls.Load())
	}
	// A table that does not exist is asked about once too.
	go func() { <-g.entered }()
	if _, ok := e.p.Schemas().TableSchema("public", "nope"); ok {
		t.Error("missing table reported known")
	}
	if _, ok := e.p.Schemas().TableSchema("public", "nope"); ok || g.calls.Load() != 2 {
		t.Errorf("missing table asked again: %d look-ups", g.calls.Load())
	}
	if n := e.p.Stats().SchemaLookups.Load(); n != 2 {
		t.Errorf("SchemaLookups = %d, want 2", n)
	}
}

func TestSchemaReadFallsBackWhenUnanswerable(t *testing.T) {
	e := setup(t, pipeline.Config{}, false)
	var logs bytes.Buffer
	p := pipeline.New(pipeline.Config{}, e.client, pipeline.ClientDDL{Client: e.client}, nil, slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	p.SetSchemaReader(pipeline.ClientSchema{Client: e.client}, 10*time.Second)
	// An old GreptimeDB: DoGet is not served.
	e.srv.FailNext(2, greptimetest.Fault{Method: "DoGet", Code: codes.Unimplemented, Message: "Not yet implemented"})
	for _, name := range []string{"a", "b", "c"} {
		if _, ok := p.Schemas().TableSchema("public", name); ok {
			t.Fatalf("table %s known", name)
		}
	}
	if n := e.srv.Calls()["DoGet"]; n != 1 {
		t.Errorf("%d DoGet calls after the first was Unimplemented, want 1 (look-ups stop)", n)
	}
	if n := p.Stats().SchemaLookupErrors.Load(); n != 1 {
		t.Errorf("SchemaLookupErrors = %d, want 1", n)
	}
	if c := strings.Count(logs.String(), "cannot answer table schema queries"); c != 1 {
		t.Errorf("logged %d times, want once:\n%s", c, logs.String())
	}
	// Today's behaviour remains: a write teaches the cache.
	out := metricOutput("public", []string{"a"}, 2, 0, map[string]string{"host": "h"})
	if err := p.Consume(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	if cols, ok := p.Schemas().TableSchema("public", "a"); !ok || len(cols) != 3 {
		t.Errorf("after a write: %v %v", cols, ok)
	}
}

// TestSchemaRefreshedAfterTableDropped is #11 fault 4's first case at the
// pipeline: a table dropped behind the bridge's back is recreated by the
// next write, and the cache learns the new table rather than the old.
func TestSchemaRefreshedAfterTableDropped(t *testing.T) {
	e := setup(t, pipeline.Config{Mode: pipeline.ModeRows}, false)
	e.p.SetSchemaReader(pipeline.ClientSchema{Client: e.client}, 10*time.Second)
	ctx := context.Background()
	if err := e.p.Consume(ctx, metricOutput("public", []string{"m"}, 3, 0, map[string]string{"host": "h"})); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ExecSQL(ctx, "DROP TABLE m"); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Consume(ctx, metricOutput("public", []string{"m"}, 2, 100, map[string]string{"zone": "z"})); err != nil {
		t.Fatalf("write after the table was dropped: %v", err)
	}
	if n := e.srv.RowCount("public", "m"); n != 2 {
		t.Errorf("%d rows, want the 2 written after the drop", n)
	}
	ti, _ := e.srv.Table("public", "m")
	if _, ok := ti.Column("host"); ok {
		t.Errorf("recreated table has the old column host: %+v", ti.Columns)
	}
}

// TestCreateStatementRunsOnce: the schema cache is the one memory of DDL:
// a table's CREATE statement runs once for the pipeline, and the writer
// does not run it again with the insert.
func TestCreateStatementRunsOnce(t *testing.T) {
	e := setup(t, pipeline.Config{Mode: pipeline.ModeRows}, false)
	ctx := context.Background()
	for i := range 3 {
		out := &translate.Output{}
		b := out.Batch("public", "events")
		b.CreateSQL = "CREATE TABLE IF NOT EXISTS events (ts TIMESTAMP(3) TIME INDEX, host STRING, PRIMARY KEY (host))"
		b.MustColumn("ts", table.TimestampMillisecond, table.Timestamp).AppendInt64(int64(i))
		b.MustColumn("host", table.String, table.Tag).AppendString("h")
		if err := b.EndRow(); err != nil {
			t.Fatal(err)
		}
		if err := e.p.Consume(ctx, out); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.srv.Calls()["Handle"]; n != 4 {
		t.Errorf("%d Handle calls, want 1 CREATE + 3 inserts", n)
	}
	if n := e.p.Stats().DDL.Load(); n != 1 {
		t.Errorf("DDL ran %d times", n)
	}
}

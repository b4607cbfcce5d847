package pipeline_test

import (
	"context"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// The tests here are fault 4 of issue #11: a table changed behind the
// bridge's back is recovered, or answered with a permanent error, and never
// retried in a loop. Each counts rows and calls exactly.

func calls(e *env) (handle, doPut int) {
	c := e.srv.Calls()
	return c["Handle"], c["DoPut"]
}

func TestDroppedTableRecoveredOnBothPaths(t *testing.T) {
	for _, mode := range []pipeline.Mode{pipeline.ModeRows, pipeline.ModeBulk} {
		t.Run(map[pipeline.Mode]string{pipeline.ModeRows: "rows", pipeline.ModeBulk: "bulk"}[mode], func(t *testing.T) {
			e := setup(t, pipeline.Config{Mode: mode}, true)
			e.p.SetSchemaReader(pipeline.ClientSchema{Client: e.client}, timeoutTest)
			ctx := context.Background()
			// Twice: the first creates the table by row insert, the
			// second is bulk in bulk mode.
			for i := range 2 {
				if err := e.p.Consume(ctx, metricOutput("public", []string{"cpu"}, 5, int64(i*10), map[string]string{"host": "a"})); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.client.ExecSQL(ctx, "DROP TABLE cpu"); err != nil {
				t.Fatal(err)
			}
			h0, p0 := calls(e)
			if err := e.p.Consume(ctx, metricOutput("public", []string{"cpu"}, 4, 100, map[string]string{"host": "a"})); err != nil {
				t.Fatalf("write after DROP TABLE: %v", err)
			}
			if n := e.srv.RowCount("public", "cpu"); n != 4 {
				t.Errorf("%d rows after the drop, want the 4 written since", n)
			}
			h1, p1 := calls(e)
			// Rows: one insert recreates the table. Bulk: one failed
			// DoPut (TableNotFound), then one insert recreates it.
			if mode == pipeline.ModeRows && (h1-h0 != 1 || p1 != p0) {
				t.Errorf("rows mode: %d Handle, %d DoPut calls for one write", h1-h0, p1-p0)
			}
			if mode == pipeline.ModeBulk && (h1-h0 != 1 || p1-p0 > 1) {
				t.Errorf("bulk mode: %d Handle, %d DoPut calls for one write", h1-h0, p1-p0)
			}
		})
	}
}

func TestColumnAddedBySomeoneElse(t *testing.T) {
	e := setup(t, pipeline.Config{Mode: pipeline.ModeRows}, false)
	e.p.SetSchemaReader(pipeline.ClientSchema{Client: e.client}, timeoutTest)
	ctx := context.Background()
	if err := e.p.Consume(ctx, metricOutput("public", []string{"mem"}, 2, 0, map[string]string{"host": "a"})); err != nil {
		t.Fatal(err)
	}
	// A compatible column (a tag): the bridge's rows leave it NULL, and a
	// label of that name writes into it.
	if _, err := e.client.ExecSQL(ctx, "ALTER TABLE mem ADD COLUMN zone STRING PRIMARY KEY"); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Consume(ctx, metricOutput("public", []string{"mem"}, 2, 10, map[string]string{"host": "a"})); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Consume(ctx, metricOutput("public", []string{"mem"}, 2, 20, map[string]string{"host": "a", "zone": "z"})); err != nil {
		t.Fatalf("label into the added column: %v", err)
	}
	if n := e.srv.RowCount("public", "mem"); n != 6 {
		t.Errorf("%d rows, want 6", n)
	}
	// An incompatible one: a STRING field, which a label (a tag) cannot
	// write (write.rs: "column rack has semantic type Field, given: TAG"),
	// is a permanent error, tried once.
	if _, err := e.client.ExecSQL(ctx, "ALTER TABLE mem ADD COLUMN rack STRING"); err != nil {
		t.Fatal(err)
	}
	h0, _ := calls(e)
	err := e.p.Consume(ctx, metricOutput("public", []string{"mem"}, 2, 30, map[string]string{"host": "a", "rack": "r1"}))
	if err == nil || errs.IsRetryable(err) {
		t.Fatalf("tag into a field column: %v, want a permanent error", err)
	}
	h1, _ := calls(e)
	// One coalesced insert, then the request's part on its own.
	if h1-h0 > 2 {
		t.Errorf("%d Handle calls for a permanent error: a retry loop", h1-h0)
	}
	if n := e.srv.RowCount("public", "mem"); n != 6 {
		t.Errorf("%d rows after the refused write, want 6", n)
	}
}

func TestColumnTypeConflictIsPermanent(t *testing.T) {
	e := setup(t, pipeline.Config{Mode: pipeline.ModeRows}, false)
	e.p.SetSchemaReader(pipeline.ClientSchema{Client: e.client}, timeoutTest)
	ctx := context.Background()
	// Someone created the table with an integer value column.
	if _, err := e.client.ExecSQL(ctx, "CREATE TABLE disk (greptime_timestamp TIMESTAMP(3) TIME INDEX, host STRING, greptime_value BIGINT, PRIMARY KEY (host))"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		h0, _ := calls(e)
		err := e.p.Consume(ctx, metricOutput("public", []string{"disk"}, 2, int64(i), map[string]string{"host": "a"}))
		if err == nil || errs.IsRetryable(err) {
			t.Fatalf("DOUBLE into a BIGINT column: %v, want a permanent error", err)
		}
		if h1, _ := calls(e); h1-h0 > 2 {
			t.Errorf("request %d: %d Handle calls: a retry loop", i, h1-h0)
		}
	}
	if n := e.srv.RowCount("public", "disk"); n != 0 {
		t.Errorf("%d rows stored", n)
	}
	ti, _ := e.srv.Table("public", "disk")
	if c, _ := ti.Column("greptime_value"); c.Type != table.Int64 || len(ti.Columns) != 3 {
		t.Errorf("table changed: %+v", ti.Columns)
	}
}

const timeoutTest = 10 * time.Second

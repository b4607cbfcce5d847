package pipeline_test

import (
	"context"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestConsumeAfterRequestBytes: Consume uses what RequestBytes measured
// only for the batches it measured, unchanged in rows: a batch that gained
// an invalid row (a NULL time index) after RequestBytes, or one put in
// another's place, is validated again and the request refused as
// permanent with nothing written; a request measured and left alone is
// written whole, and counted exactly at the server.
func TestConsumeAfterRequestBytes(t *testing.T) {
	e := setup(t, pipeline.Config{}, false)
	ctx := context.Background()
	labels := map[string]string{"job": "a"}

	grown := metricOutput("public", []string{"m1", "m2"}, 3, 1000, labels)
	if n := pipeline.RequestBytes(10, grown); n <= 10 {
		t.Fatalf("RequestBytes = %d", n)
	}
	b := grown.Batches[1]
	b.MustColumn("greptime_value", table.Float64, table.Field).AppendFloat64(1)
	if err := b.EndRow(); err != nil { // the time index is NULL
		t.Fatal(err)
	}
	if err := e.p.Consume(ctx, grown); !errs.IsPermanent(err) {
		t.Fatalf("a batch grown invalid after RequestBytes: %v, want a permanent error", err)
	}

	swapped := metricOutput("public", []string{"m1", "m2"}, 3, 2000, labels)
	pipeline.RequestBytes(10, swapped)
	bad := table.New("public", "m2")
	bad.MustColumn("greptime_value", table.Float64, table.Field).AppendFloat64(1)
	if err := bad.EndRow(); err != nil {
		t.Fatal(err)
	}
	swapped.Batches[1] = bad // no time index at all
	if err := e.p.Consume(ctx, swapped); !errs.IsPermanent(err) {
		t.Fatalf("a batch put in place after RequestBytes: %v, want a permanent error", err)
	}
	for _, m := range []string{"m1", "m2"} {
		if rows := e.srv.Rows("public", m); len(rows) != 0 {
			t.Fatalf("%d rows of %s written from refused requests", len(rows), m)
		}
	}

	good := metricOutput("public", []string{"m1", "m2"}, 3, 3000, labels)
	pipeline.RequestBytes(10, good)
	if err := e.p.Consume(ctx, good); err != nil {
		t.Fatal(err)
	}
	// The output is reused: Reset forgets the measurement, and a request
	// Consume sees unmeasured is validated there.
	good.Reset()
	again := good.Batch("public", "m1")
	again.MustColumn("greptime_value", table.Float64, table.Field).AppendFloat64(1)
	if err := again.EndRow(); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Consume(ctx, good); !errs.IsPermanent(err) {
		t.Fatalf("an unmeasured invalid batch: %v, want a permanent error", err)
	}
	for _, m := range []string{"m1", "m2"} {
		if rows := e.srv.Rows("public", m); len(rows) != 3 {
			t.Errorf("%d rows of %s, want 3", len(rows), m)
		}
	}
}

package pipeline_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// labelsOutput is one request of one row for table "a" whose tag columns
// are labels, in that order.
func labelsOutput(ts int64, labels ...string) *translate.Output {
	out := &translate.Output{}
	b := out.Batch("public", "a")
	b.MustColumn("greptime_timestamp", table.TimestampMillisecond, table.Timestamp).AppendInt64(ts)
	b.MustColumn("greptime_value", table.Float64, table.Field).AppendFloat64(1)
	for _, l := range labels {
		b.MustColumn(l, table.String, table.Tag).AppendString("v")
	}
	if err := b.EndRow(); err != nil {
		panic(err)
	}
	return out
}

// TestCoalescingKeepsSameLayoutBatches: requests for one table that share
// a layout reach the writer as their own batches, uncopied (the writer
// sends them as one insert); one of another layout makes the worker copy
// them into one batch.
func TestCoalescingKeepsSameLayoutBatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGatedWriter()
		p := pipeline.New(pipeline.Config{Workers: 1}, g, nil, nil, nil)
		defer shutdown(t, p)
		var wg sync.WaitGroup
		errc := make(chan error, 16)
		send := func(ts int64, labels ...string) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errc <- p.Consume(context.Background(), labelsOutput(ts, labels...))
			}()
			synctest.Wait() // in this order
		}
		send(0, "job")
		if got := <-g.calls; got != "a:1" {
			t.Fatalf("first write %q, want a:1", got)
		}
		send(1, "job")
		send(2, "job")
		send(3, "job")
		g.release <- struct{}{}
		if got := <-g.calls; got != "a:1,a:1,a:1" {
			t.Fatalf("second write %q, want the three same-layout batches as they are", got)
		}
		send(4, "job")
		send(5, "job")
		send(6, "job", "pod")
		g.release <- struct{}{}
		if got := <-g.calls; got != "a:3" {
			t.Fatalf("third write %q, want the three requests in one batch (layouts differ)", got)
		}
		g.release <- struct{}{}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Error(err)
			}
		}
		// Three writes of table a: the coalesced batches count once each,
		// so rows over table batches is the depth (7 rows in 3).
		if n, rows := p.Stats().TablesWritten.Load(), p.Stats().RowsByInsert.Load(); n != 3 || rows != 7 {
			t.Errorf("%d table batches of %d rows written, want 3 of 7", n, rows)
		}
	})
}

// TestCoalescedLayoutsAllStored: requests of one table in several layouts,
// coalesced by a slow server, are all stored with their own values, by row
// insert and by bulk.
func TestCoalescedLayoutsAllStored(t *testing.T) {
	for _, bulk := range []bool{false, true} {
		name := "rows"
		if bulk {
			name = "bulk"
		}
		t.Run(name, func(t *testing.T) {
			e := setup(t, pipeline.Config{Workers: 1, BulkThresholdRows: 2}, bulk)
			// The table exists first, so the coalesced write may go by bulk.
			if err := e.p.Consume(context.Background(), labelsOutput(0, "job", "pod")); err != nil {
				t.Fatal(err)
			}
			layouts := [][]string{{"job"}, {"job"}, {"pod", "job"}, {"job", "pod"}, {"job"}}
			var wg sync.WaitGroup
			for r := range 40 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := e.p.Consume(context.Background(), labelsOutput(int64(r+1), layouts[r%len(layouts)]...)); err != nil {
						t.Errorf("request %d: %v", r, err)
					}
				}()
			}
			wg.Wait()
			if n := e.srv.RowCount("public", "a"); n != 41 {
				t.Fatalf("%d rows stored, want 41", n)
			}
			info, _ := e.srv.Table("public", "a")
			job, pod := -1, -1
			for i, c := range info.Columns {
				switch c.Name {
				case "job":
					job = i
				case "pod":
					pod = i
				}
			}
			withPod := 0
			for _, r := range e.srv.Rows("public", "a") {
				if s, _ := r[job].AsString(); s != "v" {
					t.Fatalf("row %v: job %q, want v", r, s)
				}
				if s, ok := r[pod].AsString(); ok && s == "v" {
					withPod++
				}
			}
			if withPod != 1+2*8 {
				t.Errorf("%d rows with a pod, want %d", withPod, 1+2*8)
			}
		})
	}
}

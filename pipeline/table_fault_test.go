package pipeline_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// Fault test 3 of issue #11: a bulk stream broken mid-batch, a slow
// GreptimeDB, and errors on one table only. Each test counts rows exactly:
// every acknowledged row is stored, and the rows the pipeline reports
// written (Stats.RowsByInsert + RowsByBulk, which feed the bridge's
// metrics) are exactly the rows GreptimeDB stored, so nothing is reported
// written that was not.

// regionNotReady is what GreptimeDB answers a write into a region that is
// not writable, e.g. while it is migrated (mito2/src/error.rs RegionState,
// StatusCode::RegionNotReady 4008, retryable).
func regionNotReady(table string) greptimetest.Fault {
	return greptimetest.Fault{
		Table: table, Status: 4008, Retryable: true,
		Message: "Region 4398046511104(1024, 0) is in Leader(Downgrading) state, expect: Leader(Writable)",
	}
}

// checkWritten compares the pipeline's written counters with what the
// server stored in tables.
func checkWritten(t *testing.T, e *env, want map[string]int) {
	t.Helper()
	total := 0
	for name, n := range want {
		if got := e.srv.RowCount("public", name); got != n {
			t.Errorf("table %s holds %d rows, want %d", name, got, n)
		}
		total += n
	}
	st := e.p.Stats()
	if got := st.RowsByInsert.Load() + st.RowsByBulk.Load(); got != int64(total) {
		t.Errorf("pipeline reports %d rows written (%d by insert, %d by bulk), GreptimeDB stored %d",
			got, st.RowsByInsert.Load(), st.RowsByBulk.Load(), total)
	}
}

func TestBulkStreamBrokenMidBatchIsRetried(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 1, BulkThresholdRows: 100}, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	host := map[string]string{"host": "a"}
	// The first request creates the table by row insert; the stream opened
	// by the next one breaks after two batches.
	if err := e.p.Consume(ctx, metricOutput("public", []string{"deep"}, 100, 0, host)); err != nil {
		t.Fatal(err)
	}
	e.srv.BreakStreamAfter(2)
	for i := 1; i <= 6; i++ {
		if err := e.p.Consume(ctx, metricOutput("public", []string{"deep"}, 200, int64(i*1000), host)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	// Batches 1 and 2 went by bulk, batch 3 met the break and was written
	// again by row insert, batches 4 to 6 went by bulk on a new stream.
	pc := e.srv.PathCounts("public", "deep")
	if pc[greptimetest.PathRowInsert] != 300 || pc[greptimetest.PathBulk] != 1000 {
		t.Fatalf("rows by path %v, want 300 by row insert (create, broken batch) and 1000 by bulk", pc)
	}
	if n := e.srv.Calls()["DoPut"]; n != 2 {
		t.Fatalf("%d DoPut streams, want 2 (the broken one and its replacement)", n)
	}
	checkWritten(t, e, map[string]int{"deep": 1300})
	if got := e.p.Stats().RowsByBulk.Load(); got != 1000 {
		t.Fatalf("%d rows reported written by bulk, want the 1000 acknowledged there", got)
	}
}

func TestSlowGreptimeDBAcknowledgesEverything(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 2, BulkThresholdRows: 100}, true)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	host := map[string]string{"host": "a"}
	tables := []string{"deep", "shallow_a", "shallow_b"}
	rows := map[string]int{"deep": 150, "shallow_a": 5, "shallow_b": 5}
	// Create the tables, then make every call and every bulk batch take a
	// second.
	for _, name := range tables {
		if err := e.p.Consume(ctx, metricOutput("public", []string{name}, rows[name], 0, host)); err != nil {
			t.Fatal(err)
		}
	}
	e.srv.SetLatency(time.Second)
	defer e.srv.SetLatency(0)
	var wg sync.WaitGroup
	errc := make(chan error, 3*len(tables))
	for _, name := range tables {
		for i := 1; i <= 3; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := e.p.Consume(ctx, metricOutput("public", []string{name}, rows[name], int64(i*1000), host)); err != nil {
					errc <- fmt.Errorf("%s request %d: %w", name, i, err)
				}
			}()
		}
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if e.srv.PathCounts("public", "deep")[greptimetest.PathBulk] == 0 {
		t.Fatal("no bulk write under latency: the test does not exercise the bulk path")
	}
	checkWritten(t, e, map[string]int{"deep": 4 * 150, "shallow_a": 4 * 5, "shallow_b": 4 * 5})
}

// TestFailingTableDoesNotHoldBackOthers keeps one table failing while
// others, on the same worker, keep being written: their requests are all
// acknowledged while every request for the failing table gets a retryable
// error, and the failing table's rows land once its fault clears.
func TestFailingTableDoesNotHoldBackOthers(t *testing.T) {
	for _, bad := range []string{"shallow_bad", "deep_bad"} {
		t.Run(bad, func(t *testing.T) {
			e := setup(t, pipeline.Config{Workers: 1, BulkThresholdRows: 100}, true)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			host := map[string]string{"host": "a"}
			tables := []string{"shallow_bad", "deep_bad", "good_a", "good_b", "deep_good"}
			rows := map[string]int{"shallow_bad": 5, "deep_bad": 150, "good_a": 5, "good_b": 5, "deep_good": 150}
			for _, name := range tables {
				if err := e.p.Consume(ctx, metricOutput("public", []string{name}, rows[name], 0, host)); err != nil {
					t.Fatal(err)
				}
			}
			e.srv.FailNext(1<<30, regionNotReady(bad))
			const perTable = 6
			var (
				wg     sync.WaitGroup
				mu     sync.Mutex
				failed []int
			)
			errc := make(chan error, perTable*len(tables))
			for _, name := range tables {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 1; i <= perTable; i++ {
						err := e.p.Consume(ctx, metricOutput("public", []string{name}, rows[name], int64(i*1000), host))
						switch {
						case name == bad && err == nil:
							errc <- fmt.Errorf("request %d for the failing table %s acknowledged", i, name)
						case name == bad && !writer.IsRetryable(err):
							errc <- fmt.Errorf("request %d for the failing table %s: %w, want a retryable error", i, name, err)
						case name == bad:
							mu.Lock()
							failed = append(failed, i)
							mu.Unlock()
						case err != nil:
							errc <- fmt.Errorf("request %d for %s while %s fails: %w", i, name, bad, err)
						}
					}
				}()
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				t.Error(err)
			}
			if t.Failed() {
				t.FailNow()
			}
			// The fault clears; the sender's retries of what failed land.
			e.srv.ClearFaults()
			for _, i := range failed {
				if err := e.p.Consume(ctx, metricOutput("public", []string{bad}, rows[bad], int64(i*1000), host)); err != nil {
					t.Fatalf("retry of request %d after the fault cleared: %v", i, err)
				}
			}
			want := map[string]int{}
			for _, name := range tables {
				want[name] = rows[name] * (perTable + 1)
			}
			checkWritten(t, e, want)
		})
	}
}

// TestOutageFailsEveryCoalescedTable: when every write fails, splitting a
// coalesced insert by table reports nothing written and answers every
// request with a retryable error.
func TestOutageFailsEveryCoalescedTable(t *testing.T) {
	e := setup(t, pipeline.Config{Workers: 1}, false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e.srv.FailNext(1<<30, greptimetest.Fault{Method: "Handle", Code: codes.Unavailable, Status: 4008, Retryable: true, Message: "region not ready"})
	defer e.srv.ClearFaults()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.p.Consume(ctx, metricOutput("public", []string{fmt.Sprint("t", i)}, 5, 0, nil))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if !writer.IsRetryable(err) {
			t.Errorf("request %d: %v, want a retryable error", i, err)
		}
	}
	checkWritten(t, e, map[string]int{"t0": 0, "t1": 0, "t2": 0, "t3": 0})
}

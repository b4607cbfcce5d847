package pipeline_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestAcknowledgedRowsAreStoredUnderFaults drives deep and shallow tables
// through both paths while the server fails calls, breaks bulk streams and
// slows down, and checks the pipeline's one promise: every request answered
// without error has every one of its rows stored.
func TestAcknowledgedRowsAreStoredUnderFaults(t *testing.T) {
	e := setup(t, pipeline.Config{
		Workers: 2, BulkThresholdRows: 200,
		Retry: pipeline.RetryConfig{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond},
	}, true)
	type req struct {
		table string
		ts0   int64
		rows  int
	}
	var (
		mu    sync.Mutex
		acked []req
	)
	var wg sync.WaitGroup
	// Faults are injected by request count, not by time, so a slow machine
	// sees the same mix.
	faults := []func(){
		func() {
			e.srv.FailNext(2, greptimetest.Fault{Method: "Handle", Code: codes.Unavailable, Status: 4008, Retryable: true, Message: "region not ready"})
		},
		func() { e.srv.BreakStreamAfter(1) },
		func() {
			e.srv.FailNext(1, greptimetest.Fault{Method: "DoPut", Code: codes.Unavailable, Status: 5000, Retryable: true, Message: "storage unavailable"})
		},
		func() { e.srv.SetLatency(2 * time.Millisecond) },
		func() { e.srv.SetLatency(0) },
		func() {
			e.srv.FailNext(5, greptimetest.Fault{Method: "", Code: codes.Unavailable, Status: 4008, Retryable: true, Message: "region not ready"})
		},
	}
	var sent atomic.Int64
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 15; i++ {
				if n := sent.Add(1); n%3 == 0 {
					faults[(n/3)%int64(len(faults))]()
				}
				r := req{table: fmt.Sprint("t", g%3), ts0: int64((g*100 + i) * 10_000), rows: 50 + 150*(i%3)}
				out := metricOutput("public", []string{r.table}, r.rows, r.ts0, map[string]string{"host": "h"})
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				err := e.p.Consume(ctx, out)
				cancel()
				if err == nil {
					mu.Lock()
					acked = append(acked, r)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	e.srv.SetLatency(0)
	if len(acked) == 0 {
		t.Fatal("no request succeeded: the faults are too dense for the test to mean anything")
	}
	stored := map[string]map[int64]bool{}
	for _, name := range []string{"t0", "t1", "t2"} {
		stored[name] = map[int64]bool{}
		info, ok := e.srv.Table("public", name)
		if !ok {
			continue
		}
		tsIdx := -1
		for i, c := range info.Columns {
			if c.Semantic == table.Timestamp {
				tsIdx = i
			}
		}
		for _, row := range e.srv.Rows("public", name) {
			ts, _ := row[tsIdx].AsInt64()
			stored[name][ts] = true
		}
	}
	missing := 0
	for _, r := range acked {
		for i := 0; i < r.rows; i++ {
			if !stored[r.table][r.ts0+int64(i)] {
				missing++
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d rows of acknowledged requests are not stored", missing)
	}
	t.Logf("%d of 90 requests acknowledged; bulk rows %d, insert rows %d, retries %d",
		len(acked), e.p.Stats().RowsByBulk.Load(), e.p.Stats().RowsByInsert.Load(), e.p.Stats().Retries.Load())
}

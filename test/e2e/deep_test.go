package e2e

import (
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

const (
	deepSeries     = 100 // series per table per request
	deepPerSeries  = 50  // samples per series per request
	deepRequests   = 10
	deepPerRequest = deepSeries * deepPerSeries // rows per table per request
)

var deepTables = []string{"deep_cpu_seconds_total", "deep_net_bytes_total", "deep_disk_ops_total"}

// deepRequest is request r of the deep workload: for each table, 100
// series × 50 samples at timestamps no other request uses.
func deepRequest(r int) []rw1Series {
	var out []rw1Series
	base := int64(1_700_000_000_000) + int64(r*deepPerSeries)*1000
	for ti, table := range deepTables {
		for s := range deepSeries {
			sr := rw1Series{labels: [][2]string{{"__name__", table}, {"host", "h" + strconv.Itoa(s)}, {"job", "deep"}}}
			for i := range deepPerSeries {
				sr.samples = append(sr.samples, [2]float64{float64(ti*1_000_000 + r*1000 + i), float64(base + int64(i)*1000)})
			}
			out = append(out, sr)
		}
	}
	return out
}

// TestDeepWorkloadGoesByBulk sends thousands of rows per table per flush
// through the real bridge (default threshold 1,000 rows, default flush
// interval) to a test server behind a tap that sees every Arrow batch.
func TestDeepWorkloadGoesByBulk(t *testing.T) {
	srv, err := greptimetest.Start(greptimetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	tapAddr, tap := startFlightTap(t, srv.Addr())
	b := startBridgeAgainst(t, tapAddr)

	// The first request creates the tables through row inserts; it is
	// answered only when stored, so it is each table's whole first batch.
	if err := postRW1(b.HTTP, deepRequest(0)); err != nil {
		t.Fatal(err)
	}
	// Then three senders at once, as Prometheus's queue shards would.
	var wg sync.WaitGroup
	errs := make(chan error, deepRequests)
	for sender := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 1 + sender; r < deepRequests; r += 3 {
				if err := postRW1(b.HTTP, deepRequest(r)); err != nil {
					errs <- fmt.Errorf("request %d: %w", r, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	totalBulk := 0
	for _, table := range deepTables {
		want := deepRequests * deepPerRequest
		if got := srv.RowCount("public", table); got != want {
			t.Errorf("%s: %d rows stored, want %d", table, got, want)
		}
		paths := srv.PathCounts("public", table)
		ins, bulk := paths[greptimetest.PathRowInsert], paths[greptimetest.PathBulk]
		totalBulk += bulk
		if ins+bulk != want {
			t.Errorf("%s: %d rows by insert + %d by bulk, want %d written once each", table, ins, bulk, want)
		}
		afterFirst := want - deepPerRequest
		if bulk*10 < afterFirst*9 {
			t.Errorf("%s: %d of the %d rows after the first batch went by bulk, want at least 90%%", table, bulk, afterFirst)
		}
		sizes := tap.sizes(table)
		sum := 0
		for _, n := range sizes {
			sum += n
		}
		if sum != bulk {
			t.Errorf("%s: the tap saw %d rows in %d Arrow batches, the server stored %d by bulk", table, sum, len(sizes), bulk)
		}
		if m := median(sizes); m < 1000 {
			t.Errorf("%s: median bulk batch %d rows (batches %v), want at least 1,000", table, m, sizes)
		}
		t.Logf("%s: %d rows by insert, %d by bulk in %d batches, median %d", table, ins, bulk, len(sizes), median(sizes))
	}
	if got := b.metric(t, "bridge_rows_written_bulk_total"); got != float64(totalBulk) {
		t.Errorf("bridge_rows_written_bulk_total = %v, server stored %d by bulk", got, totalBulk)
	}
}

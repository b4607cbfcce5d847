package e2e

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// shutdownRequest is request n: 20 series × 100 samples (2,000 rows, over
// the bulk threshold) of one table, each series labelled req=n.
func shutdownRequest(n int) []rw1Series {
	var out []rw1Series
	for s := range 20 {
		sr := rw1Series{labels: [][2]string{{"__name__", "shutdown_load"}, {"req", strconv.Itoa(n)}, {"series", strconv.Itoa(s)}}}
		for i := range 100 {
			sr.samples = append(sr.samples, [2]float64{float64(n), float64(1_700_000_000_000 + int64(i)*1000)})
		}
		out = append(out, sr)
	}
	return out
}

// TestShutdownKeepsAcknowledgedRows stops the bridge with SIGTERM while
// four senders write, against a test server that outlives it: every
// request answered 204 must have all its rows stored (the bridge answers
// only after GreptimeDB acknowledged), and the bridge must exit 0.
func TestShutdownKeepsAcknowledgedRows(t *testing.T) {
	srv, err := greptimetest.Start(greptimetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	b := startBridgeAgainst(t, srv.Addr())

	var next atomic.Int64
	var mu sync.Mutex
	var acked []int
	var wg sync.WaitGroup
	stopSending := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stopSending:
					return
				default:
				}
				n := int(next.Add(1))
				if err := postRW1(b.HTTP, shutdownRequest(n)); err == nil {
					mu.Lock()
					acked = append(acked, n)
					mu.Unlock()
				}
			}
		}()
	}
	waitFor(t, 30*time.Second, func() string {
		mu.Lock()
		defer mu.Unlock()
		if len(acked) < 20 {
			return fmt.Sprintf("%d requests acknowledged", len(acked))
		}
		return ""
	})
	b.stop(t)
	close(stopSending)
	wg.Wait()

	perReq := map[int]int{}
	info, _ := srv.Table("public", "shutdown_load")
	reqCol := -1
	for i, c := range info.Columns {
		if c.Name == "req" {
			reqCol = i
		}
	}
	if reqCol < 0 {
		t.Fatalf("shutdown_load has no req column: %+v", info.Columns)
	}
	for _, r := range srv.Rows("public", "shutdown_load") {
		s, _ := r[reqCol].AsString()
		n, _ := strconv.Atoi(s)
		perReq[n]++
	}
	mu.Lock()
	defer mu.Unlock()
	for _, n := range acked {
		if perReq[n] != 2000 {
			t.Errorf("request %d was answered 204 but %d of its 2000 rows are stored", n, perReq[n])
		}
	}
	paths := srv.PathCounts("public", "shutdown_load")
	t.Logf("%d of %d requests acknowledged before and during shutdown; rows by path %v", len(acked), next.Load(), paths)
}

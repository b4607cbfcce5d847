package e2e

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// TestVmagentEverySampleThroughFaults runs vmagent against the bridge
// while the test server behind it fails a run of calls with Unavailable.
// The recording proxy keeps every sample of every write the bridge
// answered 204; each of them must be stored with its exact value.
func TestVmagentEverySampleThroughFaults(t *testing.T) {
	bin := peer(t, "vmagent", "E2E_VMAGENT")
	srv, err := greptimetest.Start(greptimetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	b := startBridgeAgainst(t, srv.Addr(), "GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms")
	proxy, wire := recordingProxy(t, b)
	startVmagent(t, bin, proxy)
	waitFor(t, 60*time.Second, func() string {
		if n := srv.RowCount("public", "up"); n < 3 {
			return fmt.Sprintf("up: %d rows stored", n)
		}
		return ""
	})
	srv.FailNext(30, greptimetest.Fault{Code: codes.Unavailable, Message: "injected by the e2e test"})
	// Wait until every injected failure has happened and writes flow again
	// (a scrape after the faults is stored), rather than for a fixed time.
	waitFor(t, 60*time.Second, func() string {
		if n := srv.PendingFaults(); n > 0 {
			return fmt.Sprintf("%d injected failures still to happen", n)
		}
		return ""
	})
	afterFaults := srv.RowCount("public", "up")
	waitFor(t, 60*time.Second, func() string {
		if n := srv.RowCount("public", "up"); n <= afterFaults {
			return fmt.Sprintf("up: no row stored since the faults (%d rows)", n)
		}
		return ""
	})
	wire.close()

	wire.mu.Lock()
	acked, bad := wire.acked, wire.badBodies
	wire.mu.Unlock()
	if len(bad) > 0 {
		t.Errorf("zstd bodies that did not decode: %v", bad)
	}
	stored := map[string]map[string]float64{} // table → series@ts → value
	checked, missing := 0, 0
	for _, s := range acked {
		table, key := "", []string{}
		for _, l := range s.labels {
			if l[0] == "__name__" {
				table = l[1]
			} else {
				key = append(key, l[0]+"="+l[1])
			}
		}
		sort.Strings(key)
		if stored[table] == nil {
			stored[table] = storedByKey(srv, table)
		}
		for _, smp := range s.samples {
			if math.Float64bits(smp[0]) == staleNaN {
				continue // GreptimeDB may drop stale markers
			}
			checked++
			k := strings.Join(key, ",") + "@" + fmt.Sprint(int64(smp[1]))
			v, ok := stored[table][k]
			if !ok || !sameFloat(v, smp[0]) {
				missing++
				if missing <= 5 {
					t.Errorf("%s{%s}: answered 204 with %v, stored %v (found %v)", table, k, smp[0], v, ok)
				}
			}
		}
	}
	if checked < 500 || missing > 0 {
		t.Errorf("%d acknowledged samples checked, %d missing or different", checked, missing)
	}
	failed := scrapeValue(t, "http://"+b.HTTP+"/metrics", `bridge_remote_write_requests_total{status="503",version="1.0"}`)
	retries := b.metric(t, "bridge_write_retries_total")
	if failed <= 0 && retries <= 0 {
		t.Errorf("the injected failures were not seen: %v answers 503, %v retries", failed, retries)
	}
	t.Logf("%d acknowledged samples stored exactly; %v answers 503, %v write retries", checked, failed, retries)
}

// storedByKey indexes a metric table's rows by "sorted tags@ts".
func storedByKey(srv *greptimetest.Server, table string) map[string]float64 {
	out := map[string]float64{}
	info, ok := srv.Table("public", table)
	if !ok {
		return out
	}
	for _, r := range srv.Rows("public", table) {
		var key []string
		var ts int64
		var v float64
		for i, c := range info.Columns {
			switch {
			case c.Name == "greptime_timestamp":
				ts, _ = r[i].AsInt64()
			case c.Name == "greptime_value":
				v, _ = r[i].AsFloat64()
			case c.Semantic.String() == "TAG" && !r[i].IsNull():
				sv, _ := r[i].AsString()
				key = append(key, c.Name+"="+sv)
			}
		}
		sort.Strings(key)
		out[strings.Join(key, ",")+"@"+fmt.Sprint(ts)] = v
	}
	return out
}

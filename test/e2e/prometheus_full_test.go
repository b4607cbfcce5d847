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

// staleNaN is Prometheus's stale marker (pkg/value/value.go); range
// queries never return it, so stored markers are left out of comparisons.
const staleNaN = 0x7ff0000000000002

// TestPrometheusEverySampleThroughFaults runs the bridge against a test
// server in this process, so every stored row can be read, injects a run
// of Unavailable failures while Prometheus remote-writes, and then
// requires that the stored samples of a set of tables equal, sample for
// sample, what Prometheus's TSDB holds up to a fixed time: nothing lost
// by retries and 503s, nothing extra, every value exact.
func TestPrometheusEverySampleThroughFaults(t *testing.T) {
	srv, err := greptimetest.Start(greptimetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	b := startBridgeAgainst(t, srv.Addr(), "GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms")
	p := startPrometheus(t, b)
	waitFor(t, 60*time.Second, func() string {
		if n := srv.RowCount("public", "up"); n < 4 {
			return fmt.Sprintf("up: %d rows stored", n)
		}
		return ""
	})
	srv.FailNext(40, greptimetest.Fault{Code: codes.Unavailable, Message: "injected by the e2e test"})
	// Wait until every injected failure has happened and writes flow again
	// (a scrape after the faults is stored), rather than for a fixed time.
	waitFor(t, 60*time.Second, func() string {
		if n := srv.PendingFaults(); n > 0 {
			return fmt.Sprintf("%d injected failures still to happen", n)
		}
		return ""
	})
	// Then a scrape after the faults is stored, and enough scrapes in all
	// that every compared table holds several samples before the cut.
	afterFaults := srv.RowCount("public", "up")
	waitFor(t, 60*time.Second, func() string {
		if n := srv.RowCount("public", "up"); n <= afterFaults || n < 8 {
			return fmt.Sprintf("up: %d rows stored, %d when the faults were used up; want more than that and at least 8", n, afterFaults)
		}
		return ""
	})
	cut := time.Now().Add(-time.Second).UnixMilli()
	at := fmt.Sprintf("%d.%03d", cut/1000, cut%1000)

	tables := []string{
		"up", "scrape_duration_seconds", "scrape_samples_scraped", "prometheus_tsdb_head_series",
		"prometheus_http_requests_total", "prometheus_http_request_duration_seconds_bucket", "go_gc_duration_seconds",
		"go_memstats_alloc_bytes",
	}
	for _, name := range tables {
		want, err := promSamples(p, name, at)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range want {
			n += len(s)
		}
		if n < 5 {
			t.Errorf("%s: prometheus holds only %d samples up to %s", name, n, at)
		}
		waitFor(t, 60*time.Second, func() string {
			return diffSamples(name, want, storedSamples(srv, name, cut))
		})
	}
	failed := scrapeValue(t, "http://"+b.HTTP+"/metrics", `bridge_remote_write_requests_total{status="503",version="1.0"}`)
	retries := b.metric(t, "bridge_write_retries_total")
	if failed <= 0 && retries <= 0 {
		t.Errorf("the injected failures were not seen: %v answers 503, %v retries", failed, retries)
	}
	t.Logf("through the faults: %v remote-write answers 503, %v write retries", failed, retries)
}

// samples is series (sorted name=value labels, no __name__) → ms → value.
type samples map[string]map[int64]float64

func seriesKey(labels map[string]string) string {
	var parts []string
	for k, v := range labels {
		if k != "__name__" {
			parts = append(parts, k+"="+v)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// promSamples is every sample of metric Prometheus holds in the 15
// minutes up to at.
func promSamples(p *promServer, metric, at string) (samples, error) {
	series, err := p.rangeQueryAt(metric+"[15m]", at)
	if err != nil {
		return nil, err
	}
	out := samples{}
	for _, s := range series {
		m := map[int64]float64{}
		for _, pair := range s.Values {
			smp, err := decodeSample(pair)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", metric, err)
			}
			m[smp.TS] = smp.Value
		}
		out[seriesKey(s.Metric)] = m
	}
	return out, nil
}

// storedSamples reads a metric table's rows from the test server, up to
// and including cut (ms).
func storedSamples(srv *greptimetest.Server, table string, cut int64) samples {
	info, ok := srv.Table("public", table)
	if !ok {
		return nil
	}
	out := samples{}
	for _, r := range srv.Rows("public", table) {
		labels := map[string]string{}
		var ts int64
		var v float64
		for i, c := range info.Columns {
			switch {
			case c.Name == "greptime_timestamp":
				ts, _ = r[i].AsInt64()
			case c.Name == "greptime_value":
				v, _ = r[i].AsFloat64()
			case c.Semantic.String() == "TAG" && !r[i].IsNull():
				labels[c.Name], _ = r[i].AsString()
			}
		}
		if ts > cut || math.Float64bits(v) == staleNaN {
			continue
		}
		k := seriesKey(labels)
		if out[k] == nil {
			out[k] = map[int64]float64{}
		}
		out[k][ts] = v
	}
	return out
}

// diffSamples describes the first differences between want and got, or
// returns "".
func diffSamples(table string, want, got samples) string {
	var diffs []string
	add := func(s string) {
		if len(diffs) < 5 {
			diffs = append(diffs, s)
		}
	}
	nwant, ngot := 0, 0
	for k, ws := range want {
		nwant += len(ws)
		for ts, wv := range ws {
			gv, ok := got[k][ts]
			switch {
			case !ok:
				add(fmt.Sprintf("missing {%s} @%d", k, ts))
			case !sameFloat(gv, wv):
				add(fmt.Sprintf("{%s} @%d: stored %v, prometheus %v", k, ts, gv, wv))
			}
		}
	}
	for k, gs := range got {
		ngot += len(gs)
		for ts, gv := range gs {
			if _, ok := want[k][ts]; !ok {
				add(fmt.Sprintf("extra {%s} @%d = %v", k, ts, gv))
			}
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	return fmt.Sprintf("%s: prometheus holds %d samples, the server %d: %s", table, nwant, ngot, strings.Join(diffs, "; "))
}

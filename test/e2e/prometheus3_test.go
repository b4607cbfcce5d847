package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestPrometheus3RemoteWrite2 is opt-in: Prometheus 3 takes minutes to
// build (.ci/install does it with E2E_BUILD_PROMETHEUS3=1), so without it
// the test skips, in CI too. It sends remote write 2.0
// (io.prometheus.write.v2.Request) and checks the stored samples against
// Prometheus's TSDB.
func TestPrometheus3RemoteWrite2(t *testing.T) {
	bin := os.Getenv("E2E_PROMETHEUS3")
	if bin == "" && peerCache() != "" {
		bin = filepath.Join(peerCache(), "prometheus3", "prometheus")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skip("prometheus 3 is opt-in: build it with E2E_BUILD_PROMETHEUS3=1 .ci/install or set E2E_PROMETHEUS3")
	}
	b := startBridge(t, "GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms")
	p := startPrometheusBin(t, bin, "http://"+b.HTTP+"/api/v1/write", "    protobuf_message: io.prometheus.write.v2.Request\n")
	compared := []string{"up", "scrape_duration_seconds", "prometheus_http_requests_total", "go_gc_duration_seconds"}
	waitFor(t, 90*time.Second, func() string {
		tables := b.tables(t, "")
		for _, name := range compared {
			if len(tables[name].SampleRows) < 3 {
				return fmt.Sprintf("table %s has not got 3 rows yet", name)
			}
		}
		return ""
	})
	tables := b.tables(t, "")
	wantColumn(t, tables["up"], "greptime_timestamp", "TIMESTAMP_MILLISECOND", "TIMESTAMP")
	wantColumn(t, tables["up"], "greptime_value", "FLOAT64", "FIELD")
	wantColumn(t, tables["up"], "job", "STRING", "TAG")
	n := 0
	for _, name := range compared {
		n += compareWithTSDB(t, p, tables[name])
	}
	if n != 3*len(compared) {
		t.Errorf("compared %d samples, want %d", n, 3*len(compared))
	}
	metrics := "http://" + b.HTTP + "/metrics"
	if got := scrapeValue(t, metrics, `bridge_remote_write_requests_total{status="204",version="2.0"}`); got < 1 {
		t.Errorf("no remote write 2.0 request answered 204 (%v)", got)
	}
	if got := scrapeValue(t, metrics, `bridge_remote_write_requests_total{status="204",version="1.0"}`); got > 0 {
		t.Errorf("prometheus 3 sent %v remote write 1.0 requests", got)
	}
}

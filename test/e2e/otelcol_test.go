package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startCollector starts the ocb-built collector with two OTLP/gRPC
// receivers: what reaches the first is exported to the bridge by
// otlp_http, what reaches the second by otlp_grpc; each exporter names
// its own log table with a GreptimeDB header. It returns the two
// receiver addresses.
func startCollector(t *testing.T, b *bridge) (viaHTTP, viaGRPC string) {
	t.Helper()
	return startCollectorTo(t, b.HTTP, b.GRPC)
}

// startCollectorTo is startCollector for bridge listeners that may not be
// up yet.
func startCollectorTo(t *testing.T, bridgeHTTP, bridgeGRPC string) (viaHTTP, viaGRPC string) {
	t.Helper()
	bin := peer(t, "otelcol-e2e", "E2E_OTELCOL")
	viaHTTP, viaGRPC = freeAddr(t), freeAddr(t)
	var pipelines strings.Builder
	for _, signal := range []string{"metrics", "logs", "traces"} {
		fmt.Fprintf(&pipelines, `    %[1]s/http:
      receivers: [otlp/http]
      processors: [batch]
      exporters: [otlp_http]
    %[1]s/grpc:
      receivers: [otlp/grpc]
      processors: [batch]
      exporters: [otlp_grpc]
`, signal)
	}
	cfg := fmt.Sprintf(`receivers:
  otlp/http:
    protocols:
      grpc:
        endpoint: %s
  otlp/grpc:
    protocols:
      grpc:
        endpoint: %s
processors:
  batch:
    timeout: 100ms
exporters:
  otlp_http:
    endpoint: http://%s
    headers:
      x-greptime-log-table-name: col_logs_http
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 1s
  otlp_grpc:
    endpoint: %s
    tls:
      insecure: true
    headers:
      x-greptime-log-table-name: col_logs_grpc
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 1s
service:
  telemetry:
    metrics:
      level: none
  pipelines:
%s`, viaHTTP, viaGRPC, bridgeHTTP, bridgeGRPC, pipelines.String())
	path := filepath.Join(t.TempDir(), "otelcol.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out := startPeer(t, bin, "--config", path)
	waitFor(t, 30*time.Second, func() string {
		if !strings.Contains(out.String(), "Everything is ready") {
			return "collector not ready:\n" + tail(out.String(), 2000)
		}
		return ""
	})
	return viaHTTP, viaGRPC
}

func TestCollectorExporters(t *testing.T) {
	tg := peer(t, "telemetrygen", "E2E_TELEMETRYGEN")
	b := startBridge(t, "GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms")
	viaHTTP, viaGRPC := startCollector(t, b)

	const n = 30
	send := func(endpoint string, args ...string) {
		t.Helper()
		args = append(args, "--otlp-insecure", "--rate", "1000", "--otlp-endpoint", endpoint)
		runPeer(t, 2*time.Minute, tg, args...)
	}
	for _, via := range []struct{ name, addr string }{{"http", viaHTTP}, {"grpc", viaGRPC}} {
		send(via.addr, "metrics", "--metrics", fmt.Sprint(n), "--metric-type", "Sum", "--unique-timeseries",
			"--otlp-metric-name", "col_sum_"+via.name)
		send(via.addr, "metrics", "--metrics", fmt.Sprint(n), "--metric-type", "Histogram", "--unique-timeseries",
			"--otlp-metric-name", "col_hist_"+via.name)
		// Each exporter sets x-greptime-log-table-name (headers: in its
		// config), so each path fills its own log table.
		send(via.addr, "logs", "--logs", fmt.Sprint(n))
		send(via.addr, "traces", "--traces", fmt.Sprint(n), "--child-spans", "1")
	}
	// The collector answers telemetrygen before it exports, so wait for the
	// counts; then check that nothing more (a duplicate retry) arrives.
	want := map[string]int{
		"col_sum_http_total": n, "col_hist_http_bucket": n * tgHistogramBuckets, "col_hist_http_count": n,
		"col_sum_grpc_total": n, "col_hist_grpc_bucket": n * tgHistogramBuckets, "col_hist_grpc_sum": n,
		"col_logs_http": n, "col_logs_grpc": n,
		"opentelemetry_traces": 2 * n * 2, // both paths write the default trace table
	}
	check := func() string {
		tables := b.tables(t, "")
		var bad []string
		for name, rows := range want {
			if got := tables[name].Rows; got != rows {
				bad = append(bad, fmt.Sprintf("%s: %d rows, want %d", name, got, rows))
			}
		}
		return strings.Join(bad, "; ")
	}
	waitFor(t, 60*time.Second, check)
	time.Sleep(time.Second)
	if why := check(); why != "" {
		t.Errorf("after settling: %s", why)
	}
	if n := b.metric(t, "bridge_rows_failed_total"); n != 0 {
		t.Errorf("bridge_rows_failed_total = %v", n)
	}
}

// TestCollectorRetriesUntilBridgeUp points the collector at a bridge that
// is not running yet: its exporters retry, and once the bridge starts on
// those addresses every item arrives, exactly once.
func TestCollectorRetriesUntilBridgeUp(t *testing.T) {
	tg := peer(t, "telemetrygen", "E2E_TELEMETRYGEN")
	httpAddr, grpcAddr := freeAddr(t), freeAddr(t)
	viaHTTP, viaGRPC := startCollectorTo(t, httpAddr, grpcAddr)
	const n = 25
	for _, via := range []struct{ name, addr string }{{"http", viaHTTP}, {"grpc", viaGRPC}} {
		runPeer(t, time.Minute, tg, "metrics", "--otlp-insecure", "--otlp-endpoint", via.addr, "--rate", "1000",
			"--metrics", fmt.Sprint(n), "--metric-type", "Gauge", "--unique-timeseries", "--otlp-metric-name", "late_"+via.name)
		runPeer(t, time.Minute, tg, "logs", "--otlp-insecure", "--otlp-endpoint", via.addr, "--rate", "1000", "--logs", fmt.Sprint(n))
	}
	time.Sleep(2 * time.Second) // a few failed attempts
	b := startBridge(t, "GREPTIME_BRIDGE_LISTEN_HTTP="+httpAddr, "GREPTIME_BRIDGE_LISTEN_GRPC="+grpcAddr,
		"GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms")
	want := map[string]int{"late_http": n, "late_grpc": n, "col_logs_http": n, "col_logs_grpc": n}
	check := func() string {
		tables := b.tables(t, "")
		var bad []string
		for name, rows := range want {
			if got := tables[name].Rows; got != rows {
				bad = append(bad, fmt.Sprintf("%s: %d rows, want %d", name, got, rows))
			}
		}
		return strings.Join(bad, "; ")
	}
	waitFor(t, 60*time.Second, check)
	time.Sleep(time.Second)
	if why := check(); why != "" {
		t.Errorf("after settling: %s", why)
	}
}

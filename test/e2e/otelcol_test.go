package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// collectorRoutes are the collector's ways to the bridge, one OTLP/gRPC
// receiver each: otlp_http with protobuf (gzip, the default), otlp_http
// with JSON bodies compressed with zstd, and otlp_grpc. Each exporter
// names its own log table with a GreptimeDB header.
var collectorRoutes = []string{"http", "json", "grpc"}

// startCollectorTo starts the ocb-built collector exporting to the given
// bridge listeners (which need not be up yet) and returns the receiver
// address of each route and the process.
func startCollectorTo(t *testing.T, bridgeHTTP, jsonHTTP, bridgeGRPC string) (map[string]string, *peerProc) {
	t.Helper()
	bin := peer(t, "otelcol-e2e", "E2E_OTELCOL")
	exporters := map[string]string{
		"http": fmt.Sprintf("otlp_http/http:\n    endpoint: http://%s\n", bridgeHTTP),
		"json": fmt.Sprintf("otlp_http/json:\n    endpoint: http://%s\n    encoding: json\n    compression: zstd\n", jsonHTTP),
		"grpc": fmt.Sprintf("otlp_grpc/grpc:\n    endpoint: %s\n    tls:\n      insecure: true\n", bridgeGRPC),
	}
	addrs := map[string]string{}
	var receivers, exps, pipelines strings.Builder
	for _, route := range collectorRoutes {
		addrs[route] = freeAddr(t)
		fmt.Fprintf(&receivers, "  otlp/%s:\n    protocols:\n      grpc:\n        endpoint: %s\n", route, addrs[route])
		fmt.Fprintf(&exps, "  %s    headers:\n      x-greptime-log-table-name: col_logs_%s\n", exporters[route], route)
		exps.WriteString("    retry_on_failure:\n      initial_interval: 100ms\n      max_interval: 1s\n")
		exporter, _, _ := strings.Cut(exporters[route], ":")
		for _, signal := range []string{"metrics", "logs", "traces"} {
			fmt.Fprintf(&pipelines, "    %s/%s:\n      receivers: [otlp/%s]\n      processors: [batch]\n      exporters: [%s]\n",
				signal, route, route, exporter)
		}
	}
	cfg := fmt.Sprintf(`receivers:
%sprocessors:
  batch:
    timeout: 100ms
exporters:
%sservice:
  telemetry:
    metrics:
      level: none
  pipelines:
%s`, receivers.String(), exps.String(), pipelines.String())
	path := filepath.Join(t.TempDir(), "otelcol.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	col := startPeerProc(t, bin, "--config", path)
	waitFor(t, 30*time.Second, func() string {
		if !strings.Contains(col.out.String(), "Everything is ready") {
			return "collector not ready:\n" + tail(col.out.String(), 2000)
		}
		return ""
	})
	return addrs, col
}

func TestCollectorExporters(t *testing.T) {
	tg := peer(t, "telemetrygen", "E2E_TELEMETRYGEN")
	b := startBridge(t, "GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms")
	// The JSON route goes through a recording proxy to show what it sends.
	proxy, wire := recordingProxy(t, b)
	wire.mu.Lock()
	wire.decodeRW = false
	wire.mu.Unlock()
	routes, col := startCollectorTo(t, b.HTTP, proxy, b.GRPC)

	const n = 30
	send := func(endpoint string, args ...string) {
		t.Helper()
		args = append(args, "--otlp-insecure", "--rate", "1000", "--otlp-endpoint", endpoint)
		runPeer(t, 2*time.Minute, tg, args...)
	}
	for _, route := range collectorRoutes {
		via := struct{ name, addr string }{route, routes[route]}
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
	// counts; then stop it (it drains its queues first) and check that
	// nothing more (a duplicate retry) arrived: once it has exited, every
	// export it made has been answered, and the bridge answers only after
	// the rows are stored.
	want := map[string]int{
		"col_sum_http_total": n, "col_hist_http_bucket": n * tgHistogramBuckets, "col_hist_http_count": n,
		"col_sum_grpc_total": n, "col_hist_grpc_bucket": n * tgHistogramBuckets, "col_hist_grpc_sum": n,
		"col_sum_json_total": n, "col_hist_json_bucket": n * tgHistogramBuckets, "col_hist_json_count": n,
		"col_logs_http": n, "col_logs_grpc": n, "col_logs_json": n,
		"opentelemetry_traces": 3 * n * 2, // every route writes the default trace table
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
	col.stop(t, 30*time.Second)
	if why := check(); why != "" {
		t.Errorf("after the collector exited: %s", why)
	}
	wire.mu.Lock()
	types, enc, st := wire.contentTypes, wire.encodings, wire.statuses
	if len(types) != 1 || types["application/json"] == 0 || len(enc) != 1 || enc["zstd"] == 0 || len(st) != 1 || st[200] == 0 {
		t.Errorf("the JSON route sent content types %v, encodings %v, answered %v; want only zstd application/json answered 200", types, enc, st)
	}
	wire.mu.Unlock()
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
	routes, col := startCollectorTo(t, httpAddr, httpAddr, grpcAddr)
	const n = 25
	for _, route := range collectorRoutes {
		via := struct{ name, addr string }{route, routes[route]}
		runPeer(t, time.Minute, tg, "metrics", "--otlp-insecure", "--otlp-endpoint", via.addr, "--rate", "1000",
			"--metrics", fmt.Sprint(n), "--metric-type", "Gauge", "--unique-timeseries", "--otlp-metric-name", "late_"+via.name)
		runPeer(t, time.Minute, tg, "logs", "--otlp-insecure", "--otlp-endpoint", via.addr, "--rate", "1000", "--logs", fmt.Sprint(n))
	}
	// Start the bridge only once the exporters have failed and are retrying.
	waitFor(t, 30*time.Second, func() string {
		if !strings.Contains(col.out.String(), "Will retry") {
			return "no exporter retrying yet:\n" + tail(col.out.String(), 2000)
		}
		return ""
	})
	b := startBridge(t, "GREPTIME_BRIDGE_LISTEN_HTTP="+httpAddr, "GREPTIME_BRIDGE_LISTEN_GRPC="+grpcAddr,
		"GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms")
	want := map[string]int{"late_http": n, "late_grpc": n, "late_json": n, "col_logs_http": n, "col_logs_grpc": n, "col_logs_json": n}
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
	col.stop(t, 30*time.Second)
	if why := check(); why != "" {
		t.Errorf("after the collector exited: %s", why)
	}
}

package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// telemetrygen's histogram has 15 explicit bounds, so 16 buckets; the
// prom-compatible translation writes one _bucket row per bucket
// (cumulative, le="+Inf" last) plus one _count and one _sum row per point
// (GreptimeDB src/servers/src/otlp/metrics.rs).
const tgHistogramBuckets = 16

// tgMetrics runs telemetrygen metrics against the bridge. Every point gets
// a distinct `timebox` attribute (--unique-timeseries), so points that
// happen to share a millisecond are separate series and none is
// deduplicated: the row counts are exact.
func tgMetrics(t *testing.T, bin string, b *bridge, http bool, kind, name string, n int, extra ...string) {
	t.Helper()
	args := []string{
		"metrics", "--otlp-insecure", "--metrics", strconv.Itoa(n), "--metric-type", kind,
		"--otlp-metric-name", name, "--rate", "1000", "--unique-timeseries",
	}
	args = append(args, tgEndpoint(b, http)...)
	runPeer(t, 2*time.Minute, bin, append(args, extra...)...)
}

func tgEndpoint(b *bridge, http bool) []string {
	if http {
		return []string{"--otlp-http", "--otlp-endpoint", b.HTTP}
	}
	return []string{"--otlp-endpoint", b.GRPC}
}

// wantRows fails unless table holds exactly n rows in tables.
func wantRows(t *testing.T, tables map[string]tableInfo, table string, n int) {
	t.Helper()
	ti, ok := tables[table]
	if !ok {
		names := make([]string, 0, len(tables))
		for k := range tables {
			names = append(names, k)
		}
		t.Errorf("table %s missing; tables: %v", table, names)
		return
	}
	if ti.Rows != n {
		t.Errorf("table %s: %d rows, want %d (by path %v)", table, ti.Rows, n, ti.ByPath)
	}
}

func TestTelemetrygenMetrics(t *testing.T) {
	bin := peer(t, "telemetrygen", "E2E_TELEMETRYGEN")
	b := startBridge(t, "GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms")
	const n = 40
	for _, proto := range []string{"grpc", "http"} {
		httpProto := proto == "http"
		// telemetrygen exits only after its exporter got an answer, and
		// the bridge answers only after GreptimeDB stored the rows: the
		// rows are there when it returns, with no waiting.
		tgMetrics(t, bin, b, httpProto, "Gauge", "tg_gauge_"+proto, n)
		tgMetrics(t, bin, b, httpProto, "Sum", "tg_sum_"+proto, n)
		tgMetrics(t, bin, b, httpProto, "Histogram", "tg_hist_"+proto, n)
		tables := b.tables(t, "")
		wantRows(t, tables, "tg_gauge_"+proto, n)
		// A monotonic cumulative sum gets the _total suffix.
		wantRows(t, tables, "tg_sum_"+proto+"_total", n)
		wantRows(t, tables, "tg_hist_"+proto+"_bucket", n*tgHistogramBuckets)
		wantRows(t, tables, "tg_hist_"+proto+"_count", n)
		wantRows(t, tables, "tg_hist_"+proto+"_sum", n)
	}
	tables := b.tables(t, "")
	// Values survive exactly: telemetrygen's gauge and sum carry the point
	// index; its histograms cycle through fixed samples (sums 3940, 4455,
	// 5337; cumulative buckets of the first: le 0 → 0, 5 → 0, 10 → 1).
	for table, want := range map[string][][2]string{
		"tg_gauge_grpc":       {{"", "0"}, {"", "1"}, {"", "2"}},
		"tg_sum_http_total":   {{"", "0"}, {"", "1"}, {"", "2"}},
		"tg_hist_grpc_sum":    {{"", "3940"}, {"", "4455"}, {"", "5337"}},
		"tg_hist_http_bucket": {{"0", "0"}, {"5", "0"}, {"10", "1"}},
	} {
		rows, err := tables[table].sampleRows()
		if err != nil || len(rows) != 3 {
			t.Errorf("%s: %d sample rows, %v", table, len(rows), err)
			continue
		}
		for i, r := range rows {
			if r["greptime_value"].Raw != want[i][1] || (want[i][0] != "" && r["le"].Raw != want[i][0]) {
				t.Errorf("%s row %d: le %q value %s, want le %q value %s", table, i, r["le"].Raw, r["greptime_value"].Raw, want[i][0], want[i][1])
			}
		}
	}
	g := tables["tg_gauge_grpc"]
	if g.Engine != "metric" || g.Options["on_physical_table"] != "greptime_physical_table" {
		t.Errorf("tg_gauge_grpc: engine %q options %v, want a logical table of greptime_physical_table", g.Engine, g.Options)
	}
	wantColumn(t, g, "greptime_timestamp", "TIMESTAMP_MILLISECOND", "TIMESTAMP")
	wantColumn(t, g, "greptime_value", "FLOAT64", "FIELD")
	wantColumn(t, g, "service_name", "STRING", "TAG")
	wantColumn(t, g, "timebox", "STRING", "TAG")
	wantColumn(t, tables["tg_hist_http_bucket"], "le", "STRING", "TAG")

	// x-greptime-db-name picks the database; like GreptimeDB, writing to
	// a database that does not exist is refused (400, no retry).
	args := append([]string{
		"metrics", "--otlp-insecure", "--metrics", "3", "--otlp-metric-name", "tg_gauge_db",
		"--otlp-header", `x-greptime-db-name="e2e_tg"`,
	}, tgEndpoint(b, true)...)
	out, err := runPeerErr(t, time.Minute, bin, args...)
	if err == nil || !strings.Contains(out, "400 Bad Request") || !strings.Contains(out, "e2e_tg") {
		t.Errorf("writing to a missing database: err %v, want a 400 naming e2e_tg; output:\n%s", err, tail(out, 3000))
	}
	b.createDatabase(t, "e2e_tg")
	tgMetrics(t, bin, b, true, "Gauge", "tg_gauge_db", 7, "--otlp-header", `x-greptime-db-name="e2e_tg"`)
	wantRows(t, b.tables(t, "e2e_tg"), "tg_gauge_db", 7)
	if _, ok := b.tables(t, "")["tg_gauge_db"]; ok {
		t.Error("tg_gauge_db was written to the default database too")
	}
}

func TestTelemetrygenLogsAndTraces(t *testing.T) {
	bin := peer(t, "telemetrygen", "E2E_TELEMETRYGEN")
	b := startBridge(t, "GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms")
	run := func(http bool, args ...string) {
		t.Helper()
		args = append(append(args, "--otlp-insecure", "--rate", "1000"), tgEndpoint(b, http)...)
		runPeer(t, 2*time.Minute, bin, args...)
	}
	run(false, "logs", "--logs", "30")
	run(true, "logs", "--logs", "25", "--otlp-header", `x-greptime-log-table-name="tg_http_logs"`)
	// Every trace is a parent span and --child-spans children.
	run(false, "traces", "--traces", "20", "--child-spans", "1")
	run(true, "traces", "--traces", "15", "--child-spans", "2", "--otlp-header", `x-greptime-trace-table-name="tg_http_traces"`)

	tables := b.tables(t, "")
	wantRows(t, tables, "opentelemetry_logs", 30)
	wantRows(t, tables, "tg_http_logs", 25)
	wantRows(t, tables, "opentelemetry_traces", 20*2)
	wantRows(t, tables, "tg_http_traces", 15*3)
	// The services table keeps one row per service (not append mode).
	wantRows(t, tables, "opentelemetry_traces_services", 1)
	wantRows(t, tables, "tg_http_traces_services", 1)
	// telemetrygen names its root span "lets-go" and child j
	// "okey-dokey-j": one operation each (service, name, kind).
	wantRows(t, tables, "opentelemetry_traces_operations", 1+1)
	wantRows(t, tables, "tg_http_traces_operations", 1+2)
	for _, name := range []string{"opentelemetry_logs", "opentelemetry_traces"} {
		ti := tables[name]
		if ti.Engine != "mito" || ti.Options["append_mode"] != "true" {
			t.Errorf("%s: engine %q options %v, want mito with append_mode", name, ti.Engine, ti.Options)
		}
		// Legacy JSON columns travel by row insert only (issue #4).
		if ti.ByPath["bulk"] != 0 {
			t.Errorf("%s: %d rows by bulk, want none", name, ti.ByPath["bulk"])
		}
	}
	wantColumn(t, tables["opentelemetry_logs"], "timestamp", "TIMESTAMP_NANOSECOND", "TIMESTAMP")
	wantColumn(t, tables["opentelemetry_logs"], "body", "STRING", "FIELD")
	wantColumn(t, tables["opentelemetry_traces"], "trace_id", "STRING", "FIELD")
	wantColumn(t, tables["opentelemetry_traces"], "service_name", "STRING", "TAG")
	wantColumn(t, tables["opentelemetry_logs"], "log_attributes", "JSON", "FIELD")
	wantColumn(t, tables["opentelemetry_traces"], "duration_nano", "UINT64", "FIELD")
}

// wantColumn checks a column's type and (when semantic is not "") its
// semantic type, as /debug/tables prints them.
func wantColumn(t *testing.T, ti tableInfo, name, typ, semantic string) {
	t.Helper()
	c, ok := ti.column(name)
	if !ok {
		t.Errorf("%s: no column %s", ti.Name, name)
		return
	}
	if c.Type != typ || (semantic != "" && c.Semantic != semantic) {
		t.Errorf("%s.%s: %s %s, want %s %s", ti.Name, name, c.Type, c.Semantic, typ, semantic)
	}
}

package e2e

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// promCompared are the tables whose stored samples are compared with
// Prometheus's TSDB: single series (gauges, counters) and multi-series
// ones (a histogram's buckets, a summary's quantiles, labelled counters).
var promCompared = []string{
	"up", "scrape_duration_seconds", "scrape_samples_scraped", "prometheus_tsdb_head_series",
	"go_goroutines", "process_cpu_seconds_total", "prometheus_http_requests_total",
	"prometheus_http_request_duration_seconds_bucket", "go_gc_duration_seconds",
}

func TestPrometheusRemoteWrite(t *testing.T) {
	b := startBridge(t, "GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms")
	p := startPrometheus(t, b)

	waitFor(t, 90*time.Second, func() string {
		tables := b.tables(t, "")
		for _, name := range promCompared {
			if ti, ok := tables[name]; !ok || len(ti.SampleRows) < 3 {
				return fmt.Sprintf("table %s has not got 3 rows yet (%d tables)", name, len(tables))
			}
		}
		return ""
	})
	tables := b.tables(t, "")

	// GreptimeDB's Prometheus layout: a metric-engine logical table per
	// metric, millisecond time index, float64 value, labels as string tags
	// (src/servers/src/prom_row_builder.rs).
	up := tables["up"]
	if up.Engine != "metric" || up.Options["on_physical_table"] != "greptime_physical_table" {
		t.Errorf("up: engine %q options %v, want a logical table on greptime_physical_table", up.Engine, up.Options)
	}
	wantColumn(t, up, "greptime_timestamp", "TIMESTAMP_MILLISECOND", "TIMESTAMP")
	wantColumn(t, up, "greptime_value", "FLOAT64", "FIELD")
	wantColumn(t, up, "instance", "STRING", "TAG")
	wantColumn(t, up, "job", "STRING", "TAG")
	if len(up.Columns) != 4 {
		t.Errorf("up has %d columns, want 4: %v", len(up.Columns), up.Columns)
	}
	reqs := tables["prometheus_http_requests_total"]
	wantColumn(t, reqs, "code", "STRING", "TAG")
	wantColumn(t, reqs, "handler", "STRING", "TAG")
	wantColumn(t, tables["prometheus_http_request_duration_seconds_bucket"], "le", "STRING", "TAG")
	wantColumn(t, tables["go_gc_duration_seconds"], "quantile", "STRING", "TAG")
	if phys, ok := tables["greptime_physical_table"]; !ok || phys.Engine != "metric" {
		t.Errorf("physical table: %+v", phys)
	}

	// Every stored sample row equals the sample Prometheus's own TSDB holds
	// for the same series at the same millisecond.
	compared := 0
	for _, name := range promCompared {
		compared += compareWithTSDB(t, p, tables[name])
	}
	if want := 3 * len(promCompared); compared != want {
		t.Errorf("compared %d samples, want %d", compared, want)
	}

	// Completeness: every sample of `up` Prometheus holds now reaches the
	// bridge, and the bridge never holds more than Prometheus.
	held := promCount(t, p, "up")
	waitFor(t, 30*time.Second, func() string {
		if n := b.tables(t, "")["up"].Rows; n < held {
			return fmt.Sprintf("up: bridge holds %d rows, prometheus held %d", n, held)
		}
		return ""
	})
	got := b.tables(t, "")["up"].Rows
	if later := promCount(t, p, "up"); got > later {
		t.Errorf("up: bridge holds %d rows, more than prometheus's %d", got, later)
	}

	// Prometheus's own view of its queue: metadata-only requests (every
	// 2 s here) and samples were all accepted, none failed or dropped.
	pm := "http://" + p.Addr + "/metrics"
	if v := scrapeValue(t, pm, "prometheus_remote_storage_metadata_total"); v <= 0 {
		t.Errorf("prometheus sent no metadata (%v)", v)
	}
	for _, m := range []string{
		"prometheus_remote_storage_metadata_failed_total", "prometheus_remote_storage_samples_failed_total",
		"prometheus_remote_storage_samples_dropped_total",
	} {
		if v := scrapeValue(t, pm, m); v != 0 {
			t.Errorf("%s = %v, want 0", m, v)
		}
	}

	// Wide and shallow: a self-scrape is ~250 tables of at most ~20 rows
	// per flush, all under the default 1,000-row threshold, so every row
	// goes by row insert (issue #4, adaptive routing).
	for name, ti := range b.tables(t, "") {
		if ti.ByPath["bulk"] != 0 {
			t.Errorf("%s: %d rows by bulk under the default threshold (by path %v)", name, ti.ByPath["bulk"], ti.ByPath)
		}
	}
	if n := b.metric(t, "bridge_rows_written_bulk_total"); n != 0 {
		t.Errorf("bridge_rows_written_bulk_total = %v, want 0", n)
	}
}

// promCount is the number of samples Prometheus holds for a single-series
// metric over the last 15 minutes.
func promCount(t *testing.T, p *promServer, metric string) int {
	t.Helper()
	res, err := p.query("count_over_time(" + metric + "[15m])")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 {
		t.Fatalf("count_over_time(%s): %d series, want 1", metric, len(res))
	}
	n, err := strconv.Atoi(fmt.Sprint(res[0].Value[1]))
	if err != nil {
		t.Fatalf("count_over_time(%s): %v", metric, err)
	}
	return n
}

// compareWithTSDB looks up each sample row of ti in Prometheus by its
// exact label set and timestamp and compares the value bit for bit. It
// returns how many rows it compared.
func compareWithTSDB(t *testing.T, p *promServer, ti tableInfo) int {
	t.Helper()
	rows, err := ti.sampleRows()
	if err != nil {
		t.Error(err)
		return 0
	}
	n := 0
	for _, r := range rows {
		labels := map[string]string{}
		var sel []string
		for _, c := range ti.Columns {
			if c.Semantic != "TAG" || r[c.Name].Null {
				continue
			}
			labels[c.Name] = r[c.Name].Raw
			sel = append(sel, fmt.Sprintf("%s=%q", c.Name, r[c.Name].Raw))
		}
		sort.Strings(sel)
		ts, err := strconv.ParseInt(r["greptime_timestamp"].Raw, 10, 64)
		if err != nil {
			t.Errorf("%s: timestamp %q: %v", ti.Name, r["greptime_timestamp"].Raw, err)
			continue
		}
		v, err := strconv.ParseFloat(r["greptime_value"].Raw, 64)
		if err != nil {
			t.Errorf("%s: value %q: %v", ti.Name, r["greptime_value"].Raw, err)
			continue
		}
		q := ti.Name + "{" + strings.Join(sel, ",") + "}[15m]"
		series, err := p.rangeQuery(q)
		if err != nil {
			t.Error(err)
			continue
		}
		var match *promSeries
		for i := range series {
			if sameLabels(series[i].Metric, labels) {
				match = &series[i]
			}
		}
		if match == nil {
			t.Errorf("%s: prometheus has no series with exactly the labels %v (%d series match %s)", ti.Name, labels, len(series), q)
			continue
		}
		found := false
		for _, pair := range match.Values {
			s, err := decodeSample(pair)
			if err != nil {
				t.Errorf("%s: %v", q, err)
				break
			}
			if s.TS == ts {
				found = true
				if !sameFloat(s.Value, v) {
					t.Errorf("%s at %d: bridge stored %v, prometheus holds %v", q, ts, v, s.Value)
				}
			}
		}
		if !found {
			t.Errorf("%s: prometheus holds no sample at %d that the bridge stored (value %v)", q, ts, v)
			continue
		}
		n++
	}
	return n
}

// sameLabels compares a Prometheus label set (with __name__) with a row's
// tags.
func sameLabels(prom, tags map[string]string) bool {
	count := 0
	for k, v := range prom {
		if k == "__name__" {
			continue
		}
		count++
		if tags[k] != v {
			return false
		}
	}
	return count == len(tags)
}

// TestPrometheusRoutingThreshold lowers the routing threshold to 8 rows
// and checks, table by table, that Prometheus's self-scrape is routed by
// each table's rows per flush: with one queue shard and one scrape a
// second, a table's flushed batch is one scrape of its series.
func TestPrometheusRoutingThreshold(t *testing.T) {
	const threshold = 8
	b := startBridge(t, "GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms",
		"GREPTIME_BRIDGE_PIPELINE_BULK_THRESHOLD_ROWS="+strconv.Itoa(threshold))
	p := startPrometheus(t, b)
	waitFor(t, 90*time.Second, func() string {
		if n := b.tables(t, "")["up"].Rows; n < 12 {
			return fmt.Sprintf("up has %d rows, waiting for 12 scrapes", n)
		}
		return ""
	})
	// Series per metric now, and every series seen in the whole run.
	now := promCountByName(t, p, `count by (__name__) ({job="prometheus"})`)
	ever := promCountByName(t, p, `count by (__name__) (last_over_time({job="prometheus"}[15m]))`)
	tables := b.tables(t, "")
	deep, shallow := 0, 0
	for name, series := range ever {
		ti, ok := tables[name]
		if !ok {
			continue // not sent yet, or not stored (e.g. a stale series)
		}
		ins, bulk := ti.ByPath["row-insert"], ti.ByPath["bulk"]
		switch {
		case series*2 < threshold:
			// Even two scrapes coalesced stay under the threshold.
			shallow++
			if bulk != 0 {
				t.Errorf("%s: %d series, %d rows by bulk, want row inserts only (by path %v)", name, series, bulk, ti.ByPath)
			}
		case now[name] == series && series >= threshold:
			// Every scrape carries all its series: after the first
			// batch (one scrape), all of it goes by bulk.
			deep++
			afterFirst := ins + bulk - series
			if afterFirst <= 0 || bulk*10 < afterFirst*9 {
				t.Errorf("%s: %d series, %d rows by insert and %d by bulk; want at least 90%% of the rows after the first batch by bulk",
					name, series, ins, bulk)
			}
		}
	}
	if deep < 3 || shallow < 100 {
		t.Errorf("%d deep and %d shallow tables compared; want at least 3 and 100", deep, shallow)
	}
	t.Logf("threshold %d: %d tables at or above it by bulk, %d far below it by row insert", threshold, deep, shallow)
}

// promCountByName runs a query that yields one number per __name__.
func promCountByName(t *testing.T, p *promServer, q string) map[string]int {
	t.Helper()
	res, err := p.query(q)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, s := range res {
		n, err := strconv.Atoi(fmt.Sprint(s.Value[1]))
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out[s.Metric["__name__"]] = n
	}
	return out
}

// TestPrometheusAgentMode runs prometheus as a pure forwarder
// (--enable-feature=agent: no local TSDB, no query API), the way it is
// often deployed in front of a remote store, pointed at GreptimeDB's own
// path with ?db= and ?physical_table= (src/servers/src/http/prom_store.rs):
// its self-scrape arrives in that database, on that physical table.
func TestPrometheusAgentMode(t *testing.T) {
	b := startBridge(t, "GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms")
	b.createDatabase(t, "e2e_agent")
	url := "http://" + b.HTTP + "/v1/prometheus/write?db=e2e_agent&physical_table=agent_phys"
	startPrometheusBin(t, peer(t, "prometheus", "E2E_PROMETHEUS"), url, "", "--enable-feature=agent")
	waitFor(t, 60*time.Second, func() string {
		tables := b.tables(t, "e2e_agent")
		for _, name := range []string{"up", "prometheus_agent_active_series", "scrape_duration_seconds"} {
			if tables[name].Rows < 3 {
				return fmt.Sprintf("table %s: %d rows", name, tables[name].Rows)
			}
		}
		return ""
	})
	tables := b.tables(t, "e2e_agent")
	rows, err := tables["up"].sampleRows()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r["job"].Raw != "prometheus" || r["greptime_value"].Raw != "1" {
			t.Errorf("up row %v: want job=prometheus, value 1", r)
		}
	}
	if o := tables["up"].Options["on_physical_table"]; o != "agent_phys" {
		t.Errorf("up is on physical table %q, want agent_phys", o)
	}
	if phys, ok := tables["agent_phys"]; !ok || phys.Engine != "metric" || phys.Options["physical_metric_table"] != "true" {
		t.Errorf("physical table agent_phys: %+v", phys)
	}
	if len(b.tables(t, "")) != 0 {
		t.Errorf("the default database got tables too: %v", len(b.tables(t, "")))
	}
}

package otlp

import (
	"math"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func histogramMetrics() pmetric.Metrics {
	md := pmetric.NewMetrics()
	sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
	m := sm.Metrics().AppendEmpty()
	m.SetName("http.server.duration")
	m.SetUnit("s")
	h := m.SetEmptyHistogram()
	h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	dp := h.DataPoints().AppendEmpty()
	dp.SetTimestamp(2_000_000_000)
	dp.ExplicitBounds().FromRaw([]float64{0.005, 0.1, 1, 10})
	dp.BucketCounts().FromRaw([]uint64{1, 2, 3, 4, 5})
	dp.SetCount(15)
	dp.SetSum(42.5)
	dp.Attributes().PutStr("method", "GET")
	return md
}

// TestHistogram covers §2.2's histogram row: cumulative _bucket counts with
// le in Rust Display form and "inf", _sum, _count, le after the timestamp.
func TestHistogram(t *testing.T) {
	out := convertMetrics(t, histogramMetrics(), translate.DefaultDatabaseOptions(), nil)
	b := mustBatch(t, out, "http_server_duration_seconds_bucket")
	wantLE := []string{"0.005", "0.1", "1", "10", "inf"}
	wantV := []float64{1, 3, 6, 10, 15}
	if b.Rows() != 5 {
		t.Fatalf("bucket rows %d", b.Rows())
	}
	for i := range wantLE {
		if got := str(t, b, "le", i); got != wantLE[i] {
			t.Errorf("le[%d] = %q want %q", i, got, wantLE[i])
		}
		if v, _ := b.Column("greptime_value").Float64(i); v != wantV[i] {
			t.Errorf("bucket[%d] = %v want %v", i, v, wantV[i])
		}
	}
	if names := strings.Join(columnNames(b), ","); names != "method,greptime_timestamp,le,greptime_value" {
		t.Errorf("bucket columns %s", names)
	}
	if v, _ := mustBatch(t, out, "http_server_duration_seconds_sum").Column("greptime_value").Float64(0); v != 42.5 {
		t.Errorf("sum %v", v)
	}
	if v, _ := mustBatch(t, out, "http_server_duration_seconds_count").Column("greptime_value").Float64(0); v != 15 {
		t.Errorf("count %v", v)
	}
	if typ, _ := b.Hints.Get(semMetricType); typ != "histogram" {
		t.Errorf("bucket type %q", typ)
	}
}

// TestHistogramInfBounds: ±Inf explicit bounds print as inf/-inf, and a
// histogram without sum creates no _sum table.
func TestHistogramInfBounds(t *testing.T) {
	md := histogramMetrics()
	dp := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Histogram().DataPoints().At(0)
	dp.ExplicitBounds().FromRaw([]float64{math.Inf(-1), 0, math.Inf(1)})
	dp.BucketCounts().FromRaw([]uint64{1, 1, 1, 1})
	dp.RemoveSum()
	out := convertMetrics(t, md, translate.DefaultDatabaseOptions(), nil)
	b := mustBatch(t, out, "http_server_duration_seconds_bucket")
	for i, want := range []string{"-inf", "0", "inf", "inf"} {
		if got := str(t, b, "le", i); got != want {
			t.Errorf("le[%d] = %q want %q", i, got, want)
		}
	}
	if _, ok := out.Lookup("", "http_server_duration_seconds_sum"); ok {
		t.Error("_sum table without sums")
	}
}

func summaryMetrics() pmetric.Metrics {
	md := pmetric.NewMetrics()
	sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
	m := sm.Metrics().AppendEmpty()
	m.SetName("rpc.latency")
	dp := m.SetEmptySummary().DataPoints().AppendEmpty()
	dp.SetTimestamp(3_000_000_000)
	dp.SetCount(10)
	dp.SetSum(5.5)
	for _, q := range [][2]float64{{0.5, 1.5}, {0.99, 9}} {
		v := dp.QuantileValues().AppendEmpty()
		v.SetQuantile(q[0])
		v.SetValue(q[1])
	}
	return md
}

// TestSummary covers §2.2's summary row: quantile tag, _count, _sum.
func TestSummary(t *testing.T) {
	out := convertMetrics(t, summaryMetrics(), translate.DefaultDatabaseOptions(), nil)
	b := mustBatch(t, out, "rpc_latency")
	if str(t, b, "quantile", 0) != "0.5" || str(t, b, "quantile", 1) != "0.99" {
		t.Errorf("quantiles %v", b.Row(0))
	}
	if v, _ := mustBatch(t, out, "rpc_latency_count").Column("greptime_value").Float64(0); v != 10 {
		t.Errorf("count %v", v)
	}
	if v, _ := mustBatch(t, out, "rpc_latency_sum").Column("greptime_value").Float64(0); v != 5.5 {
		t.Errorf("sum %v", v)
	}
}

// TestLegacyMode covers §2.3: lower-cased names with . and - replaced, no
// suffixes, every attribute a tag, nanosecond timestamps, mito, one summary
// table with greptime_pXX fields.
func TestLegacyMode(t *testing.T) {
	db := translate.DefaultDatabaseOptions()
	db.OTLPMetricMode = translate.OTLPMetricLegacy
	md := summaryMetrics()
	rm := md.ResourceMetrics().At(0)
	rm.Resource().Attributes().PutStr("Host.Name", "h1")
	rm.ScopeMetrics().At(0).Scope().Attributes().PutStr("lib-name", "x")
	out := convertMetrics(t, md, db, nil)
	b := mustBatch(t, out, "rpc_latency")
	if len(out.Batches) != 1 {
		t.Errorf("legacy summary wrote %d tables", len(out.Batches))
	}
	if names := strings.Join(columnNames(b), ","); names != "host_name,lib_name,greptime_timestamp,greptime_p50,greptime_p99,greptime_count" {
		t.Errorf("columns %s", names)
	}
	if c := b.Column("greptime_timestamp"); c.Type != table.TimestampNanosecond {
		t.Errorf("legacy timestamp %s", c.Type)
	}
	if ts, _ := b.Column("greptime_timestamp").Int64(0); ts != 3_000_000_000 {
		t.Errorf("legacy ts %d", ts)
	}
	for _, h := range []string{"otlp_metric_compat", "physical_table"} {
		if _, ok := b.Hints.Get(h); ok {
			t.Errorf("legacy table has hint %s", h)
		}
	}
}

// TestExponentialHistogram: dropped and counted by default (metrics.rs
// leaves them unwritten); converted to classic buckets on request.
func TestExponentialHistogram(t *testing.T) {
	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("latency")
	dp := m.SetEmptyExponentialHistogram().DataPoints().AppendEmpty()
	dp.SetScale(0)
	dp.SetZeroCount(1)
	dp.Positive().SetOffset(0)
	dp.Positive().BucketCounts().FromRaw([]uint64{2, 3})
	dp.Negative().SetOffset(0)
	dp.Negative().BucketCounts().FromRaw([]uint64{4})
	dp.SetCount(10)
	dp.SetSum(1)
	out := convertMetrics(t, md, translate.DefaultDatabaseOptions(), nil)
	if len(out.Batches) != 0 || out.Dropped["exponential_histogram"] != 1 {
		t.Fatalf("want dropped, got %d tables %v", len(out.Batches), out.Dropped)
	}
	out = convertMetrics(t, md, translate.DefaultDatabaseOptions(), &RequestOptions{ConvertExponentialHistograms: true})
	b := mustBatch(t, out, "latency_bucket")
	wantLE := []string{"-1", "0", "2", "4", "inf"}
	wantV := []float64{4, 5, 7, 10, 10}
	for i := range wantLE {
		if got := str(t, b, "le", i); got != wantLE[i] {
			t.Errorf("le[%d] = %q want %q", i, got, wantLE[i])
		}
		if v, _ := b.Column("greptime_value").Float64(i); v != wantV[i] {
			t.Errorf("bucket[%d] = %v want %v", i, v, wantV[i])
		}
	}
}

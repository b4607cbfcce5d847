package otlp

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

func benchResource(r pcommon.Map) {
	r.PutStr("service.name", "checkout")
	r.PutStr("service.instance.id", "pod-7f9c")
	r.PutStr("k8s.namespace.name", "shop")
	r.PutStr("host.name", "node-1")
}

// benchNumberMetrics builds series data points spread over 20 gauge and
// sum metrics, each point with 8 attributes.
func benchNumberMetrics(series int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	benchResource(rm.Resource().Attributes())
	sm := rm.ScopeMetrics().AppendEmpty()
	const metrics = 20
	for m := 0; m < metrics; m++ {
		mt := sm.Metrics().AppendEmpty()
		mt.SetName("app.requests." + itoa(m))
		mt.SetUnit("1")
		var dps pmetric.NumberDataPointSlice
		if m%2 == 0 {
			dps = mt.SetEmptyGauge().DataPoints()
		} else {
			s := mt.SetEmptySum()
			s.SetIsMonotonic(true)
			dps = s.DataPoints()
		}
		for i := 0; i < series/metrics; i++ {
			dp := dps.AppendEmpty()
			dp.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000 + int64(i)))
			dp.SetDoubleValue(float64(i))
			a := dp.Attributes()
			a.PutStr("method", "GET")
			a.PutStr("route", "/api/v1/items")
			a.PutStr("status_class", "2xx")
			a.PutInt("code", 200)
			a.PutStr("region", "eu-west-1")
			a.PutStr("zone", "eu-west-1a")
			a.PutStr("pod", "pod-"+itoa(i%50))
			a.PutStr("series", itoa(i))
		}
	}
	return md
}

func benchHistograms(series int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	benchResource(rm.Resource().Attributes())
	mt := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	mt.SetName("http.server.request.duration")
	mt.SetUnit("s")
	dps := mt.SetEmptyHistogram().DataPoints()
	for i := 0; i < series; i++ {
		dp := dps.AppendEmpty()
		dp.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000))
		dp.ExplicitBounds().FromRaw([]float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5})
		dp.BucketCounts().FromRaw([]uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
		dp.SetCount(66)
		dp.SetSum(12.5)
		a := dp.Attributes()
		a.PutStr("method", "GET")
		a.PutStr("route", "/api/v1/items")
		a.PutInt("code", 200)
		a.PutStr("series", itoa(i))
	}
	return md
}

func benchLogs(records int) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	benchResource(rl.Resource().Attributes())
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("app.logger")
	for i := 0; i < records; i++ {
		r := sl.LogRecords().AppendEmpty()
		r.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000 + int64(i)))
		r.SetSeverityText("INFO")
		r.SetSeverityNumber(plog.SeverityNumberInfo)
		r.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, byte(i)})
		r.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, byte(i)})
		r.Body().SetStr("user logged in from 10.0.0.1 after 3 attempts")
		a := r.Attributes()
		a.PutStr("user", "ann")
		a.PutInt("attempt", 3)
		a.PutStr("client.address", "10.0.0.1")
		a.PutBool("success", true)
	}
	return ld
}

func benchTraces(spans int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	benchResource(rs.Resource().Attributes())
	ss := rs.ScopeSpans().AppendEmpty()
	for i := 0; i < spans; i++ {
		sp := ss.Spans().AppendEmpty()
		sp.SetTraceID(pcommon.TraceID{byte(i), 2, 3})
		sp.SetSpanID(pcommon.SpanID{byte(i), 1})
		sp.SetName("GET /api")
		sp.SetKind(ptrace.SpanKindServer)
		sp.SetStartTimestamp(1_700_000_000_000_000_000)
		sp.SetEndTimestamp(1_700_000_000_100_000_000)
		a := sp.Attributes()
		a.PutStr("http.request.method", "GET")
		a.PutInt("http.response.status_code", 200)
		a.PutStr("url.path", "/api")
		a.PutInt("server.port", 8080)
	}
	return td
}

// benchConvert runs one translation per iteration with a pooled converter
// and output, reporting ns and allocations per item.
func benchConvert(b *testing.B, items int, unit string, run func(*Converter, *translate.Output) error) {
	c := NewConverter()
	out := &translate.Output{}
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		c.Reset()
		out.Reset()
		if err := run(c, out); err != nil {
			b.Fatal(err)
		}
	}
	cpu := processCPU() - cpu0
	n := float64(b.N) * float64(items)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/"+unit)
	// CPU time includes the GC's background work, a fair share of the cost.
	b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/"+unit)
	b.ReportMetric(float64(testing.AllocsPerRun(1, func() {
		c.Reset()
		out.Reset()
		_ = run(c, out)
	}))/float64(items), "allocs/"+unit)
}

// BenchmarkMetricsNumber: 2,000 gauge/sum series with 8 attributes each,
// from pdata to ready batches (prom mode, metric engine).
func BenchmarkMetricsNumber(b *testing.B) {
	md := benchNumberMetrics(2000)
	db := translate.DefaultDatabaseOptions()
	ctx := context.Background()
	benchConvert(b, 2000, "point", func(c *Converter, out *translate.Output) error {
		return c.Metrics(ctx, md, db, benchOpts, out)
	})
}

// BenchmarkMetricsHistogram: 200 histogram points of 11 buckets (2,600
// rows over _bucket/_sum/_count).
func BenchmarkMetricsHistogram(b *testing.B) {
	md := benchHistograms(200)
	db := translate.DefaultDatabaseOptions()
	ctx := context.Background()
	benchConvert(b, 200, "point", func(c *Converter, out *translate.Output) error {
		return c.Metrics(ctx, md, db, benchOpts, out)
	})
}

// BenchmarkLogs: 2,000 log records with 4 attributes.
func BenchmarkLogs(b *testing.B) {
	ld := benchLogs(2000)
	ctx := context.Background()
	benchConvert(b, 2000, "record", func(c *Converter, out *translate.Output) error {
		return c.Logs(ctx, ld, benchOpts, out)
	})
}

// BenchmarkTraces: 2,000 spans with 4 attributes.
func BenchmarkTraces(b *testing.B) {
	td := benchTraces(2000)
	ctx := context.Background()
	benchConvert(b, 2000, "span", func(c *Converter, out *translate.Output) error {
		return c.Traces(ctx, td, benchOpts, out)
	})
}

// benchOpts are the options of a request without x-greptime-* headers under
// the bridge's default configuration: its shape limits apply, as they do to
// every request the bridge serves.
var benchOpts = &RequestOptions{Limits: translate.DefaultLimits()}

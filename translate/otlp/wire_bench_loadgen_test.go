package otlp

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// loadgenAttrs gives point i of metric k cmd/loadgen's 12 attributes: an
// HTTP server's, distinct per point through the route and peer address.
func loadgenAttrs(a pcommon.Map, k, i int) {
	a.PutStr("http.route", "/api/v1/resource/"+itoa(k*100+i))
	a.PutStr("http.request.method", "GET")
	a.PutInt("http.response.status_code", 200)
	a.PutStr("network.peer.address", "10.0.0."+itoa(i))
	a.PutStr("server.address", "api.internal")
	a.PutBool("error", i%50 == 0)
	for j := 6; j < 12; j++ {
		a.PutStr("attr_"+itoa(j), "value-"+itoa((i*7+j)%13))
	}
}

// loadgenSums is cmd/loadgen's otlp-sum request: one resource, ten
// cumulative monotonic sums of 100 points each, 12 attributes per point.
func loadgenSums() []byte {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "checkout")
	rm.Resource().Attributes().PutStr("service.instance.id", "6f1e2d3c-0001")
	sm := rm.ScopeMetrics().AppendEmpty()
	for k := range 10 {
		mt := sm.Metrics().AppendEmpty()
		mt.SetName("sum_metric_" + itoa(k))
		s := mt.SetEmptySum()
		s.SetIsMonotonic(true)
		s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		for i := range 100 {
			dp := s.DataPoints().AppendEmpty()
			dp.SetStartTimestamp(pcommon.Timestamp(1_699_999_000_000_000_000))
			dp.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000))
			dp.SetDoubleValue(float64(i) * 1.5)
			loadgenAttrs(dp.Attributes(), k, i)
		}
	}
	b, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkSumWireLoadgen translates loadgenSums into pooled batches.
func BenchmarkSumWireLoadgen(b *testing.B) {
	body := loadgenSums()
	db := translate.DefaultDatabaseOptions()
	ctx := context.Background()
	benchConvert(b, 1000, "point", func(c *Converter, out *translate.Output) error {
		wire, err := c.MetricsProto(ctx, body, db, benchOpts, out)
		if !wire {
			b.Fatal("not on the wire path")
		}
		return err
	})
}

// loadgenHistograms is cmd/loadgen's otlp-histogram request: one resource,
// ten histogram metrics of 100 points each, the 11 Prometheus default
// bounds and 12 attributes per point, distinct per point.
func loadgenHistograms() []byte {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "checkout")
	rm.Resource().Attributes().PutStr("service.instance.id", "6f1e2d3c-0001")
	sm := rm.ScopeMetrics().AppendEmpty()
	for k := range 10 {
		mt := sm.Metrics().AppendEmpty()
		mt.SetName("histogram_metric_" + itoa(k))
		h := mt.SetEmptyHistogram()
		h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		for i := range 100 {
			dp := h.DataPoints().AppendEmpty()
			dp.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000))
			dp.ExplicitBounds().FromRaw([]float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})
			for b := range 12 {
				dp.BucketCounts().Append(uint64((i + b*3) % 40))
			}
			dp.SetCount(240)
			dp.SetSum(32.9)
			loadgenAttrs(dp.Attributes(), k, i)
		}
	}
	b, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkHistogramWireFresh translates loadgenHistograms into batches
// that start empty, as the pipeline leaves them: it takes every batch out
// of the output in exchange for a pooled one, which after a garbage
// collection emptied its sync.Pool is a new batch, and otherwise one that
// last held any table (often a 100-row sum or count table).
func BenchmarkHistogramWireFresh(b *testing.B) {
	body := loadgenHistograms()
	db := translate.DefaultDatabaseOptions()
	ctx := context.Background()
	benchConvert(b, 1000, "point", func(c *Converter, out *translate.Output) error {
		wire, err := c.MetricsProto(ctx, body, db, benchOpts, out)
		if !wire {
			b.Fatal("not on the wire path")
		}
		for i := range out.Batches {
			out.Take(i)
		}
		return err
	})
}

// loadgenLogs is cmd/loadgen's otlp-logs request: one resource, one scope,
// 1,000 records with a formatted body, trace and span IDs and loadgenAttrs'
// 12 attributes, most of whose values change from record to record, so
// the attribute JSON is rendered afresh for nearly every record.
func loadgenLogs() []byte {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "checkout")
	rl.Resource().Attributes().PutStr("service.instance.id", "6f1e2d3c-0001")
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("github.com/example/api/internal/server")
	sevs := []plog.SeverityNumber{plog.SeverityNumberInfo, plog.SeverityNumberWarn, plog.SeverityNumberError}
	for i := range 1000 {
		lr := sl.LogRecords().AppendEmpty()
		lr.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000))
		lr.SetObservedTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000))
		sev := sevs[i%len(sevs)]
		lr.SetSeverityNumber(sev)
		lr.SetSeverityText(sev.String())
		lr.Body().SetStr("request handled method=GET route=/api/v1/resource/" + itoa(i) + " status=200 duration_ms=" + itoa(3+i%250))
		lr.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, byte(i >> 8), byte(i)})
		lr.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, byte(i >> 8), byte(i)})
		loadgenAttrs(lr.Attributes(), i/100, i%100)
	}
	b, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkLogsWireLoadgen translates loadgenLogs into pooled batches.
func BenchmarkLogsWireLoadgen(b *testing.B) {
	body := loadgenLogs()
	ctx := context.Background()
	benchConvert(b, 1000, "record", func(c *Converter, out *translate.Output) error {
		wire, err := c.LogsProto(ctx, body, benchOpts, out)
		if !wire {
			b.Fatal("not on the wire path")
		}
		return err
	})
}

// BenchmarkShapeCheckLoadgen is the limit check every protobuf export
// passes before it is decoded, over cmd/loadgen's otlp-sum and otlp-logs
// requests at the default limits.
func BenchmarkShapeCheckLoadgen(b *testing.B) {
	lim := translate.DefaultLimits()
	for _, tc := range []struct {
		name string
		body []byte
		root *shapeNode
	}{{"sum", loadgenSums(), shapeMetrics}, {"logs", loadgenLogs(), shapeLogs}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := checkShapeProto(tc.body, tc.root, "logs", &lim); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/item")
		})
	}
}

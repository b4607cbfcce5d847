package otlp

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// The wire benchmarks use telemetrygen's shape as the issue measured it:
// 1,000 items per request, 12 attributes each (telemetrygen
// --telemetry-attributes, the same on every item), one resource with
// service.name. The *Distinct variants give every item its own value of
// one attribute, as many series or varied log records do.

const genItems = 1000

// distinct selects the *Distinct shape for the builders below.
var distinct bool

func genAttrs12(m pcommon.Map, i int) {
	for _, k := range []string{"k01", "k02", "k03", "k04", "k05", "k06", "k07", "k08", "k09", "k10", "k11"} {
		m.PutStr(k, "value-of-"+k)
	}
	if distinct {
		m.PutStr("series", itoa(i))
	} else {
		m.PutStr("series", "all")
	}
}

func telemetrygenSum() []byte {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "telemetrygen")
	sm := rm.ScopeMetrics().AppendEmpty()
	mt := sm.Metrics().AppendEmpty()
	mt.SetName("gen")
	sum := mt.SetEmptySum()
	sum.SetIsMonotonic(true)
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	for i := 0; i < genItems; i++ {
		dp := sum.DataPoints().AppendEmpty()
		dp.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000 + int64(i)))
		dp.SetStartTimestamp(1_700_000_000_000_000_000)
		dp.SetIntValue(int64(i))
		genAttrs12(dp.Attributes(), i)
	}
	b, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	if err != nil {
		panic(err)
	}
	return b
}

func telemetrygenLogs() []byte {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "telemetrygen")
	sl := rl.ScopeLogs().AppendEmpty()
	for i := 0; i < genItems; i++ {
		r := sl.LogRecords().AppendEmpty()
		r.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000 + int64(i)))
		r.SetObservedTimestamp(1_700_000_000_000_000_000)
		r.SetSeverityText("Info")
		r.SetSeverityNumber(plog.SeverityNumberInfo)
		r.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, byte(i)})
		r.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, byte(i)})
		r.Body().SetStr("the message")
		genAttrs12(r.Attributes(), i)
	}
	b, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkSumPointWire: decode + translate of a telemetrygen-shaped Sum
// request from its protobuf bytes on the wire path.
func BenchmarkSumPointWire(b *testing.B) {
	body := telemetrygenSum()
	db := translate.DefaultDatabaseOptions()
	ctx := context.Background()
	benchConvert(b, genItems, "point", func(c *Converter, out *translate.Output) error {
		wire, err := c.MetricsProto(ctx, body, db, benchOpts, out)
		if !wire {
			b.Fatal("not on the wire path")
		}
		return err
	})
}

// BenchmarkSumPointPdata: the same through pdata's unmarshaler, the
// receiver's former path.
func BenchmarkSumPointPdata(b *testing.B) {
	body := telemetrygenSum()
	db := translate.DefaultDatabaseOptions()
	ctx := context.Background()
	benchConvert(b, genItems, "point", func(c *Converter, out *translate.Output) error {
		req := pmetricotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			return err
		}
		return c.Metrics(ctx, req.Metrics(), db, benchOpts, out)
	})
}

// BenchmarkLogRecordPdata: telemetrygen-shaped logs through pdata.
func BenchmarkLogRecordPdata(b *testing.B) {
	body := telemetrygenLogs()
	ctx := context.Background()
	benchConvert(b, genItems, "record", func(c *Converter, out *translate.Output) error {
		req := plogotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			return err
		}
		return c.Logs(ctx, req.Logs(), benchOpts, out)
	})
}

// BenchmarkLogRecordWire: telemetrygen-shaped logs on the wire path.
func BenchmarkLogRecordWire(b *testing.B) {
	body := telemetrygenLogs()
	ctx := context.Background()
	benchConvert(b, genItems, "record", func(c *Converter, out *translate.Output) error {
		wire, err := c.LogsProto(ctx, body, benchOpts, out)
		if !wire {
			b.Fatal("not on the wire path")
		}
		return err
	})
}

// BenchmarkHistogramPointWire: 200 histogram points of 11 buckets (the
// shape of BenchmarkMetricsHistogram) from protobuf bytes on the wire path.
func BenchmarkHistogramPointWire(b *testing.B) {
	body, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(benchHistograms(200))
	if err != nil {
		b.Fatal(err)
	}
	db := translate.DefaultDatabaseOptions()
	ctx := context.Background()
	benchConvert(b, 200, "point", func(c *Converter, out *translate.Output) error {
		wire, err := c.MetricsProto(ctx, body, db, benchOpts, out)
		if !wire {
			b.Fatal("not on the wire path")
		}
		return err
	})
}

// withDistinct runs a benchmark body with the *Distinct shape.
func withDistinct(b *testing.B, bench func(*testing.B)) {
	distinct = true
	defer func() { distinct = false }()
	bench(b)
}

// BenchmarkSumPointWireDistinct: a distinct series per point, on the wire.
func BenchmarkSumPointWireDistinct(b *testing.B) { withDistinct(b, BenchmarkSumPointWire) }

// BenchmarkSumPointPdataDistinct: a distinct series per point, via pdata.
func BenchmarkSumPointPdataDistinct(b *testing.B) { withDistinct(b, BenchmarkSumPointPdata) }

// BenchmarkLogRecordWireDistinct: distinct attributes per record, on the wire.
func BenchmarkLogRecordWireDistinct(b *testing.B) { withDistinct(b, BenchmarkLogRecordWire) }

// BenchmarkLogRecordPdataDistinct: distinct attributes per record, via pdata.
func BenchmarkLogRecordPdataDistinct(b *testing.B) { withDistinct(b, BenchmarkLogRecordPdata) }

package otlp

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// kvMemoMetrics builds points whose attributes repeat the previous point's
// at some positions and not at others: values changing, keys swapping
// places, a key overriding a resource attribute, a repeated key, numbers,
// and the same attributes in a gauge and a histogram after the sum.
func kvMemoMetrics() pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "svc")
	rm.Resource().Attributes().PutStr("host.name", "h1")
	ms := rm.ScopeMetrics().AppendEmpty().Metrics()
	points := []func(pcommon.Map){
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutStr("k2", "y"); a.PutStr("s", "1") },
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutStr("k2", "y"); a.PutStr("s", "2") },
		func(a pcommon.Map) { a.PutStr("k2", "y"); a.PutStr("k1", "x"); a.PutStr("s", "3") },
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutStr("k2", "y"); a.PutStr("s", "4") },
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutStr("host.name", "h2"); a.PutStr("k2", "y") },
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutStr("host.name", "h2"); a.PutStr("k2", "y") },
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutInt("k2", 5); a.PutDouble("s", 0.5) },
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutInt("k2", 5); a.PutDouble("s", 0.5) },
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutBool("k2", true); a.PutStr("s", "5") },
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutStr("k2", ""); a.PutStr("s", "5") },
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutStr("k2", "y") },
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutStr("k2", "y"); a.PutStr("s", "6") },
	}
	sum := ms.AppendEmpty()
	sum.SetName("requests")
	s := sum.SetEmptySum()
	s.SetIsMonotonic(true)
	s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	gauge := ms.AppendEmpty()
	gauge.SetName("temperature")
	g := gauge.SetEmptyGauge()
	hist := ms.AppendEmpty()
	hist.SetName("latency")
	h := hist.SetEmptyHistogram()
	h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	for i, fill := range points {
		ts := pcommon.Timestamp(1_700_000_000_000_000_000 + int64(i)*1_000_000)
		dp := s.DataPoints().AppendEmpty()
		dp.SetTimestamp(ts)
		dp.SetIntValue(int64(i))
		fill(dp.Attributes())
		gp := g.DataPoints().AppendEmpty()
		gp.SetTimestamp(ts)
		gp.SetDoubleValue(float64(i))
		fill(gp.Attributes())
		hp := h.DataPoints().AppendEmpty()
		hp.SetTimestamp(ts)
		hp.ExplicitBounds().FromRaw([]float64{1, 2})
		hp.BucketCounts().FromRaw([]uint64{1, uint64(i), 2})
		hp.SetCount(uint64(i) + 3)
		fill(hp.Attributes())
	}
	// A resource without host.name, then one with it: the same point
	// bytes add a tag under the first and override the promoted resource
	// tag under the second.
	for _, host := range []string{"", "h3"} {
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("service.name", "svc")
		if host != "" {
			rm.Resource().Attributes().PutStr("host.name", host)
		}
		mt := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		mt.SetName("queue_depth")
		s := mt.SetEmptyGauge()
		for i := range 2 {
			dp := s.DataPoints().AppendEmpty()
			dp.SetTimestamp(pcommon.Timestamp(1_700_000_200_000_000_000 + int64(i)*1_000_000))
			dp.Attributes().PutStr("k1", "x")
			dp.Attributes().PutStr("host.name", "h2")
		}
		s.DataPoints().At(0).SetDoubleValue(1)
	}
	return md
}

// dupKeyGauge is a gauge whose points repeat a key within their
// attributes, which pdata's Map API cannot build: the later value wins
// (putTag), at positions whose bytes repeat the previous point's.
func dupKeyGauge() []byte {
	var points []byte
	for i, attrs := range [][]string{
		{"k1", "x", "k1", "y"}, {"k1", "x", "k1", "y"}, {"k1", "y", "k1", "x"},
		{"k1", "x", "k2", "y"}, {"k1", "x", "k1", "y"},
	} {
		dp := pbF64(pbF64(nil, 3, 1_700_000_000_000_000_000+uint64(i)*1_000_000), 4, 0x3ff0000000000000)
		for j := 0; j < len(attrs); j += 2 {
			dp = pbLen(dp, int(fNumberAttrs), pbKV(attrs[j], attrs[j+1]))
		}
		points = pbLen(points, 1, dp)
	}
	return pbMetrics(pbLen(nil, 1, pbKV("service.name", "svc")), pbLen(pbStr(nil, 1, "dup"), 5, points))
}

// TestWirePointKVMemo holds the wire path, which reuses the previous
// point's tags for attribute bytes that repeat, to the pdata path on points
// that repeat, reorder, override and retype their attributes, under every
// metric option, reusing one converter across requests.
func TestWirePointKVMemo(t *testing.T) {
	body, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(kvMemoMetrics())
	if err != nil {
		t.Fatal(err)
	}
	c := NewConverter()
	for _, b := range [][]byte{body, dupKeyGauge()} {
		for _, engine := range []bool{true, false} {
			db := translate.DefaultDatabaseOptions()
			db.MetricEngine = engine
			for _, opts := range metricOptionMatrix() {
				if _, err := pdataMetrics(b, db, opts); err != nil {
					t.Fatalf("options %+v: the reference refuses the request: %v", opts, err)
				}
				for range 2 {
					if !diffMetrics(t, c, b, db, opts) {
						t.Fatalf("options %+v: not on the wire path", opts)
					}
				}
			}
		}
	}
}

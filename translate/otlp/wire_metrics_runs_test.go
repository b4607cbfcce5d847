package otlp

import (
	"context"
	"runtime"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// TestReserveRestBounded sends a histogram whose first point has 4,000
// buckets and whose 20,000 others have none (and write no bucket row):
// reserving the first point's rows for every other point would be 80
// million rows, gigabytes; the reservation is held to what the request's
// bytes can carry, and the translation allocates a small multiple of the
// body.
func TestReserveRestBounded(t *testing.T) {
	md := pmetric.NewMetrics()
	mt := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	mt.SetName("lopsided")
	h := mt.SetEmptyHistogram()
	h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	first := h.DataPoints().AppendEmpty()
	first.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000))
	for i := range 4000 {
		first.ExplicitBounds().Append(float64(i))
		first.BucketCounts().Append(1)
	}
	first.BucketCounts().Append(1)
	first.Attributes().PutStr("route", "/a/rather/long/route/for/the/first/point")
	for range 20000 {
		h.DataPoints().AppendEmpty().SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000))
	}
	body, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	if err != nil {
		t.Fatal(err)
	}
	c := NewConverter()
	out := &translate.Output{}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := c.MetricsProto(context.Background(), body, translate.DefaultDatabaseOptions(), benchOpts, out); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	bucket, ok := out.Lookup("", "lopsided_bucket")
	if !ok || bucket.Rows() != 4001 {
		t.Fatalf("bucket table found %v, rows %d, want %d", ok, bucket.Rows(), 4001)
	}
	if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(64*len(body)); got > limit {
		t.Fatalf("translating %d bytes allocated %d bytes, more than %d", len(body), got, limit)
	}
}

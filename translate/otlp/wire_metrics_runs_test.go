package otlp

import (
	"context"
	"runtime"
	"strings"
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
	out, body, alloc := translateMeasured(t, md)
	bucket, ok := out.Lookup("", "lopsided_bucket")
	if !ok || bucket.Rows() != 4001 {
		t.Fatalf("bucket table found %v, rows %d, want %d", ok, bucket.Rows(), 4001)
	}
	if limit := uint64(64 * len(body)); alloc > limit {
		t.Fatalf("translating %d bytes allocated %d bytes, more than %d", len(body), alloc, limit)
	}
}

// TestReserveRestValueBytesBounded: a metric whose first point carries a
// large attribute value and whose many later points carry none must not
// reserve that value's length for every later point. Reserving by the
// first point's average made 2,000 such points of a 1 MiB request
// allocate about 2 GB, and 20,000 of them ran the process out of memory
// (a fatal error, not a refusal).
func TestReserveRestValueBytesBounded(t *testing.T) {
	md := pmetric.NewMetrics()
	mt := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	mt.SetName("g")
	g := mt.SetEmptyGauge()
	first := g.DataPoints().AppendEmpty()
	first.SetTimestamp(1)
	first.SetDoubleValue(1)
	first.Attributes().PutStr("a", strings.Repeat("x", 1<<20-16))
	for range 2000 {
		g.DataPoints().AppendEmpty().SetTimestamp(pcommon.Timestamp(1))
	}
	out, body, alloc := translateMeasured(t, md)
	if limit := uint64(32 * len(body)); alloc > limit {
		t.Fatalf("translating %d bytes allocated %d bytes, more than %d", len(body), alloc, limit)
	}
	if out.Rows() != 2001 {
		t.Fatalf("%d rows, want 2001", out.Rows())
	}
}

// translateMeasured translates md on the wire path with a new converter
// and returns the output, the request's bytes and what translating them
// allocated.
func translateMeasured(t *testing.T, md pmetric.Metrics) (*translate.Output, []byte, uint64) {
	t.Helper()
	body, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	if err != nil {
		t.Fatal(err)
	}
	out, alloc := translateBodyMeasured(t, body)
	return out, body, alloc
}

// translateBodyMeasured translates a metrics request's bytes on the wire
// path with a new converter and returns the output and what translating
// them allocated.
func translateBodyMeasured(t *testing.T, body []byte) (*translate.Output, uint64) {
	t.Helper()
	c := NewConverter()
	out := &translate.Output{}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := c.MetricsProto(context.Background(), body, translate.DefaultDatabaseOptions(), benchOpts, out); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	return out, after.TotalAlloc - before.TotalAlloc
}

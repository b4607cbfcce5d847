package otlp

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pmetric"
)

// TestHistogramBucketValuesReserved: translating cmd/loadgen's histogram
// request (1,000 points of 12 buckets and 12 attributes, 14,000 rows)
// allocates little beyond the values its batches hold, because reserveRest
// reserves a bucket table's tag values for all 12 rows of each later
// point. Reserving the metric's wire bytes once let the tag columns grow
// through every doubling: 6.9 MB allocated for 3.0 MB of values, the
// surplus left as capacity the memory budget does not count
// (pipeline.RequestBytes measures values) and as garbage. Now 3.7 MB
// (6.9 MB against 8.9 MB before under the race detector, growAllocFactor).
func TestHistogramBucketValuesReserved(t *testing.T) {
	out, alloc := translateBodyMeasured(t, loadgenHistograms())
	values := 0
	for _, b := range out.Batches {
		for _, col := range b.Columns() {
			values += col.ByteSize()
		}
	}
	if out.Rows() != 14_000 {
		t.Fatalf("%d rows, want 14000", out.Rows())
	}
	if limit := uint64(float64(values) * 1.5 * growAllocFactor); alloc > limit {
		t.Fatalf("translating %d points allocated %d bytes for %d bytes of values, more than %d", 1000, alloc, values, limit)
	}
}

// TestReserveRestBucketValuesBounded is TestReserveRestValueBytesBounded
// for bucket rows: a first point with a 1 MiB attribute copies it into its
// 12 bucket rows and its count row (13 MiB of values from a 1.4 MB
// request, as GreptimeDB's layout has it), but the 2,000 later points
// without it must not reserve it again for each of theirs (24,000 MiB):
// translating allocates a few times the values held, what the first
// point's columns take growing through every doubling (5.0 times before
// bucket rows reserved their tags, 6.4 since).
func TestReserveRestBucketValuesBounded(t *testing.T) {
	md := pmetric.NewMetrics()
	mt := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	mt.SetName("h")
	h := mt.SetEmptyHistogram()
	for i := range 2001 {
		dp := h.DataPoints().AppendEmpty()
		dp.SetTimestamp(1)
		dp.ExplicitBounds().FromRaw([]float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})
		dp.BucketCounts().FromRaw(make([]uint64, 12))
		if i == 0 {
			dp.Attributes().PutStr("a", strings.Repeat("x", 1<<20-16))
		}
	}
	out, body, alloc := translateMeasured(t, md)
	if out.Rows() != 2001*13 {
		t.Fatalf("%d rows, want %d", out.Rows(), 2001*13)
	}
	values := 0
	for _, b := range out.Batches {
		for _, col := range b.Columns() {
			values += col.ByteSize()
		}
	}
	if limit := uint64(8 * values); alloc > limit {
		t.Fatalf("translating %d bytes allocated %d bytes for %d bytes of values, more than %d", len(body), alloc, values, limit)
	}
}

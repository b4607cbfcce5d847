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

// TestReserveRestValueBytesBounded: a metric whose first point carries a
// large attribute value and whose many later points carry none must not
// reserve that value's length for every later point. Reserving by the
// first point's average made 2,000 such points of a 1 MiB request
// allocate about 2 GB, and 20,000 of them ran the process out of memory
// (a fatal error, not a refusal). The bound: what is allocated stays
// within a small multiple of the request.
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
	if got := after.TotalAlloc - before.TotalAlloc; got > 32*uint64(len(body)) {
		t.Fatalf("a %d-byte request allocated %d bytes translating, want at most 32 times its size", len(body), got)
	}
	if out.Rows() != 2001 {
		t.Fatalf("%d rows, want 2001", out.Rows())
	}
}

package otlp

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// TestHugeRequestScratchNotKept: after a request of 10,000 resource
// attributes, a pooled converter's per-request scratch is back under
// largeRequestColumns once the next small request starts, and its name
// caches never pass maxCacheEntries, so later small requests do not pay
// for the huge one's capacity; the small request still translates right.
func TestHugeRequestScratchNotKept(t *testing.T) {
	const n = 10_000
	c := NewConverter()
	opts := &RequestOptions{PromoteAllResourceAttrs: true}
	metrics := func(attrs int) {
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		fillRaw(t, rm.Resource().Attributes(), attrs)
		g := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		g.SetName("g")
		g.SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(1)
		c.Reset()
		out := &translate.Output{}
		if err := c.Metrics(context.Background(), md, translate.DefaultDatabaseOptions(), opts, out); err != nil {
			t.Fatal(err)
		}
		if got := mustBatch(t, out, "g").NumColumns(); got != attrs+2 {
			t.Fatalf("%d attributes gave %d columns", attrs, got)
		}
	}
	traces := func(attrs int) {
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		fillRaw(t, rs.Resource().Attributes(), attrs)
		sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		sp.SetTraceID([16]byte{1})
		sp.SetSpanID([8]byte{1})
		c.Reset()
		out := &translate.Output{}
		if err := c.Traces(context.Background(), td, nil, out); err != nil {
			t.Fatal(err)
		}
		if got := mustBatch(t, out, DefaultTraceTable).NumColumns(); got != len(traceFixed)+attrs+3 {
			t.Fatalf("%d attributes gave %d trace columns", attrs, got)
		}
	}
	metrics(n)
	traces(n)
	metrics(3)
	traces(3)
	c.Reset()
	for what, capacity := range map[string]int{
		"resource tags": cap(c.resTags), "base tags": cap(c.baseTags), "row tags": cap(c.rowTags),
		"tag index": len(c.tagIdx), "span values": cap(c.trace.vals), "resource memo": cap(c.trace.memo[2]),
	} {
		if capacity > largeRequestColumns {
			t.Errorf("%s keep room for %d after a small request", what, capacity)
		}
	}
	if len(c.labels) > maxCacheEntries || len(c.trace.names[2]) > maxCacheEntries {
		t.Errorf("name caches hold %d and %d", len(c.labels), len(c.trace.names[2]))
	}
}

// fillRaw sets k0 … k<n-1> = "v" in one pass (PutStr would search the
// map on every put).
func fillRaw(t *testing.T, m pcommon.Map, n int) {
	raw := make(map[string]any, n)
	for i := 0; i < n; i++ {
		raw["k"+itoa(i)] = "v"
	}
	if err := m.FromRaw(raw); err != nil {
		t.Fatal(err)
	}
}

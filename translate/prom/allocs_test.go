package prom

import (
	"testing"

	"github.com/klauspost/compress/s2"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// A warm Converter translating into a reused Output allocates nothing per
// request for tables of at most eight columns. The captured request has one
// wider table (prometheus_build_info, ten columns) whose column index map
// the table model rebuilds after every Output.Reset: 4 allocations. This
// guards the hot path against regressions; it counts, it does not time.
func TestSteadyStateAllocs(t *testing.T) {
	raw, err := s2.Decode(nil, readFixture(t, "prometheus-2.42-rw1-series.snappy"))
	if err != nil {
		t.Fatal(err)
	}
	c := NewConverter()
	out := &translate.Output{}
	opts := DefaultOptions()
	run := func() {
		out.Reset()
		if err := c.Translate(t.Context(), raw, &opts, out); err != nil {
			t.Fatal(err)
		}
	}
	// Pooled batches and columns are handed out in a different order from
	// request to request; a few rounds let every buffer reach the capacity
	// it needs.
	for i := 0; i < 20; i++ {
		run()
	}
	const tableIndexAllocs = 4
	if got := testing.AllocsPerRun(20, run); got > tableIndexAllocs {
		t.Errorf("steady-state translation of %d samples allocated %v times per request", out.Samples, got)
	}
}

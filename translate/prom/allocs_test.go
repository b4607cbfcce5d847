package prom

import (
	"testing"

	"github.com/klauspost/compress/s2"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// A warm Converter translating into a reused Output allocates nothing per
// request (the captured request includes a ten-column table, whose column
// index map table.Batch keeps across Reset since f2b4e43). This guards the
// hot path against regressions; it counts allocations, it times nothing.
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
	if got := testing.AllocsPerRun(20, run); got > 0 {
		t.Errorf("steady-state translation of %d samples allocated %v times per request", out.Samples, got)
	}
}

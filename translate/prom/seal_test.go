package prom

import (
	"context"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// sealLog is a translate.Sealer that records each sealed batch and its
// row count at that moment.
type sealLog struct {
	batches []*table.Batch
	rows    []int
}

func (s *sealLog) Reset() { s.batches, s.rows = nil, nil }

func (s *sealLog) Seal(_ *translate.Output, b *table.Batch) {
	s.batches = append(s.batches, b)
	s.rows = append(s.rows, b.Rows())
}

// TestGroupedRequestSealsEachTable checks that a request read grouped by
// metric seals every table once, in the output's order, when its rows are
// all written, and that a request read in its own order seals none (its
// tables may get rows again later).
func TestGroupedRequestSealsEachTable(t *testing.T) {
	rr, grouped := interleaved(300, 7, func(int) string { return "" })
	o := DefaultOptions()
	o.Limits = translate.DefaultLimits()
	c := NewConverter()

	log := &sealLog{}
	out := &translate.Output{Measured: log}
	if err := c.Translate(context.Background(), request1(0, rr...), &o, out); err != nil {
		t.Fatal(err)
	}
	if len(out.Batches) != 7 || len(log.batches) != len(out.Batches) {
		t.Fatalf("%d tables, %d seals", len(out.Batches), len(log.batches))
	}
	for i, b := range out.Batches {
		if log.batches[i] != b {
			t.Fatalf("seal %d is not the output's batch %d (%s)", i, i, b.Table)
		}
		if log.rows[i] != b.Rows() {
			t.Fatalf("table %s sealed at %d rows, has %d", b.Table, log.rows[i], b.Rows())
		}
	}

	out.Reset()
	if len(log.batches) != 0 {
		t.Fatal("Output.Reset did not reset the sealer")
	}
	if err := c.Translate(context.Background(), request1(0, grouped...), &o, out); err != nil {
		t.Fatal(err)
	}
	if len(log.batches) != 0 {
		t.Fatalf("a request in its own order sealed %d tables", len(log.batches))
	}
}

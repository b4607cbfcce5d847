package pipeline

import (
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func layoutBatch(valType table.DataType, tags ...string) *table.Batch {
	s := table.NewSchema("m").Timestamp("ts", table.TimestampMillisecond).Field("v", valType)
	for _, t := range tags {
		s.Tag(t, table.String)
	}
	return s.NewBatch("public")
}

// TestSchemaCacheLayoutMemory: the remembered layout answers only for a
// batch laid out exactly like it; anything else takes the full check, and
// a widening or a reload from GreptimeDB forgets it.
func TestSchemaCacheLayoutMemory(t *testing.T) {
	s := newSchemaCache()
	k := tableKey{"public", "m"}
	s.accepted(layoutBatch(table.Float64, "job"), 0)
	if got := len(s.tables[k].layout); got != 3 {
		t.Fatalf("remembered layout of %d columns, want 3", got)
	}
	if err := s.check(layoutBatch(table.Float64, "job")); err != nil {
		t.Fatalf("same layout: %v", err)
	}
	if !s.covers(layoutBatch(table.Float64, "job")) {
		t.Error("same layout not covered")
	}
	// Same names, another type: the full check refuses it.
	if err := s.check(layoutBatch(table.String, "job")); err == nil {
		t.Error("a type conflict passed the check")
	}
	if s.covers(layoutBatch(table.Float64, "job", "pod")) {
		t.Error("a layout with an unknown column is covered")
	}
	// A second layout is accepted and remembered in its place.
	s.accepted(layoutBatch(table.Float64, "pod", "job"), 0)
	if !s.covers(layoutBatch(table.Float64, "job")) || !s.covers(layoutBatch(table.Float64, "pod", "job")) {
		t.Error("known columns in either order not covered")
	}
	// BIGINT arriving for a DOUBLE column is not remembered as known.
	s.accepted(layoutBatch(table.Int64, "job"), 0)
	if s.tables[k].sameLayout(layoutBatch(table.Int64, "job")) {
		t.Error("a layout contradicting the known types was remembered")
	}
	wide := layoutBatch(table.Float64, "pod", "job")
	s.accepted(wide, 0)
	wide.AlterSQL = []string{"ALTER TABLE m MODIFY COLUMN v DOUBLE"}
	s.widen(wide)
	if s.tables[k].layout != nil {
		t.Error("widen kept the remembered layout")
	}
	s.accepted(wide, 0)
	s.store(k, nil, true)
	if s.tables[k].layout != nil {
		t.Error("a reload from GreptimeDB kept the remembered layout")
	}
}

// TestSchemaCacheLayoutSum: a batch's layout hash stands for its columns
// only when it is the hash the remembered layout came with; another hash,
// or none, takes the column comparison and the full check, and a widening
// or a reload forgets the hash with the layout.
func TestSchemaCacheLayoutSum(t *testing.T) {
	s := newSchemaCache()
	k := tableKey{"public", "m"}
	s.accepted(layoutBatch(table.Float64, "job"), 7)
	if got := s.tables[k].layoutSum; got != 7 {
		t.Fatalf("remembered hash %d, want 7", got)
	}
	s.mu.RLock()
	errSame := s.checkLocked(layoutBatch(table.Float64, "job"), 7)
	errConflict := s.checkLocked(layoutBatch(table.String, "job"), 8)
	errNoSum := s.checkLocked(layoutBatch(table.String, "job"), 0)
	s.mu.RUnlock()
	if errSame != nil {
		t.Errorf("known hash refused: %v", errSame)
	}
	if errConflict == nil || errNoSum == nil {
		t.Errorf("a type conflict under another hash or none passed: %v, %v", errConflict, errNoSum)
	}
	// The same columns under a new hash take the new hash.
	s.accepted(layoutBatch(table.Float64, "job"), 9)
	if got := s.tables[k].layoutSum; got != 9 {
		t.Errorf("hash after the same layout came with another: %d, want 9", got)
	}
	// A layout contradicting the known types is not remembered, nor is
	// its hash.
	s.accepted(layoutBatch(table.Int64, "job"), 10)
	if got := s.tables[k].layoutSum; got != 9 {
		t.Errorf("hash of a contradicting layout remembered: %d", got)
	}
	wide := layoutBatch(table.Float64, "job")
	wide.AlterSQL = []string{"ALTER TABLE m MODIFY COLUMN v DOUBLE"}
	s.widen(wide)
	if got := s.tables[k].layoutSum; got != 0 {
		t.Errorf("widen kept the hash %d", got)
	}
	s.accepted(layoutBatch(table.Float64, "job"), 11)
	s.store(k, nil, true)
	if got := s.tables[k].layoutSum; got != 0 {
		t.Errorf("a reload kept the hash %d", got)
	}
}

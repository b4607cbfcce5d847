package translate

import (
	"fmt"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func addRow(t *testing.T, b *table.Batch, v float64) {
	t.Helper()
	b.MustColumn("ts", table.TimestampMillisecond, table.Timestamp).AppendInt64(1)
	b.MustColumn("v", table.Float64, table.Field).AppendFloat64(v)
	if err := b.EndRow(); err != nil {
		t.Fatal(err)
	}
}

// TestOutputSlots: within a request a table has one batch, in first-seen
// order; across Reset each table gets its own batch back, emptied; and a
// table of an earlier request is not found in a later one.
func TestOutputSlots(t *testing.T) {
	var o Output
	a, b := o.Batch("db", "a"), o.Batch("db", "b")
	if a == b || o.Batch("db", "a") != a || len(o.Batches) != 2 || o.Batches[0] != a || o.Batches[1] != b {
		t.Fatalf("batches %v", o.Batches)
	}
	if other := o.Batch("db2", "a"); other == a || other.Database != "db2" {
		t.Fatal("another database shares a table's batch")
	}
	addRow(t, a, 1)
	addRow(t, b, 2)
	o.Reset()
	if len(o.Batches) != 0 {
		t.Fatalf("%d batches after reset", len(o.Batches))
	}
	if _, ok := o.Lookup("db", "a"); ok {
		t.Error("a table of the last request found after reset")
	}
	b2, a2 := o.Batch("db", "b"), o.Batch("db", "a")
	if a2 != a || b2 != b {
		t.Errorf("tables did not get their own batches back: a %v b %v", a2 == a, b2 == b)
	}
	if a2.Rows() != 0 || a2.NumColumns() != 0 || a2.Table != "a" || a2.Database != "db" {
		t.Errorf("batch not reset: %d rows, %d columns, %s.%s", a2.Rows(), a2.NumColumns(), a2.Database, a2.Table)
	}
	if got, ok := o.Lookup("db", "a"); !ok || got != a2 || o.Batches[0] != b2 || o.Batches[1] != a2 {
		t.Errorf("lookup or order wrong after reuse: %v %v", ok, o.Batches)
	}
}

// TestOutputIdleSlotsBounded: an output that has seen more tables than
// maxIdleSlots forgets them at Reset and reuses their batches for any
// table, so a stream of ever new table names does not grow it.
func TestOutputIdleSlotsBounded(t *testing.T) {
	var o Output
	seen := map[*table.Batch]bool{}
	for i := range maxIdleSlots + 1 {
		b := o.Batch("db", fmt.Sprintf("t%d", i))
		addRow(t, b, float64(i))
		seen[b] = true
	}
	o.Reset()
	if len(o.slots) != 0 || len(o.spare) != maxIdleSlots+1 {
		t.Fatalf("%d slots, %d spares after reset, want 0 and %d", len(o.slots), len(o.spare), maxIdleSlots+1)
	}
	for i := range maxIdleSlots + 1 {
		if b := o.Batch("db", fmt.Sprintf("new%d", i)); !seen[b] || b.Rows() != 0 {
			t.Fatalf("table %d got a new or unreset batch", i)
		}
	}
}

// TestOutputTake: a taken batch leaves a batch of no rows in Batches and
// no batch in its table's slot, so the table's next request takes one from
// Empty; a table whose batch was not taken keeps its own, and Empty is not
// called for it. A taken table asked for again before Reset gets a batch
// of its own, not the stand-in.
func TestOutputTake(t *testing.T) {
	var o Output
	var given []*table.Batch
	o.Empty = func() *table.Batch {
		b := table.New("", "")
		given = append(given, b)
		return b
	}
	a, b, c := o.Batch("db", "a"), o.Batch("db", "b"), o.Batch("db", "c")
	if len(given) != 3 {
		t.Fatalf("Empty called %d times for 3 new tables", len(given))
	}
	addRow(t, a, 1)
	addRow(t, b, 2)
	addRow(t, c, 3)
	if got := o.Take(0); got != a {
		t.Fatal("take returned another batch")
	}
	if got := o.Take(2); got != c {
		t.Fatal("take returned another batch")
	}
	if o.Rows() != 1 || o.Batches[0].Rows() != 0 || o.Batches[2].Rows() != 0 || o.Batches[1] != b {
		t.Fatalf("after take: %d rows, batches %v", o.Rows(), o.Batches)
	}
	if _, ok := o.Lookup("db", "a"); ok {
		t.Error("Lookup found a taken table")
	}
	o.Reset()
	if a.Rows() != 1 || c.Rows() != 1 {
		t.Fatal("Reset emptied a batch that was taken")
	}
	b2, a2, c2 := o.Batch("db", "b"), o.Batch("db", "a"), o.Batch("db", "c")
	if b2 != b {
		t.Error("a table whose batch was not taken did not get it back")
	}
	if len(given) != 5 || a2 != given[3] || c2 != given[4] {
		t.Errorf("taken tables' next batches: Empty called %d times, want 5, in their order", len(given))
	}
	if a2 == a || c2 == c || a2.Table != "a" || a2.Database != "db" || c2.Table != "c" {
		t.Errorf("next batches: %s.%s, %s.%s", a2.Database, a2.Table, c2.Database, c2.Table)
	}
	// Asked for again after Take, before Reset (against Take's rule): the
	// table gets a batch of its own, named for it, not the shared stand-in.
	o.Take(1) // a2
	o.Take(2) // c2
	a3, c3 := o.Batch("db", "a"), o.Batch("db", "c")
	if a3 == c3 || a3 == a2 || a3.Table != "a" || c3.Table != "c" || o.Batches[1] != a3 || o.Batches[2] != c3 {
		t.Errorf("taken tables asked for again share or misname a batch: %s, %s", a3.Table, c3.Table)
	}
	if got, ok := o.Lookup("db", "a"); !ok || got != a3 {
		t.Error("Lookup does not find the table's new batch")
	}
	// Without Empty, a taken table's next batch is a new one.
	o.Reset()
	o.Empty = nil
	o.Batch("db", "b")
	o.Take(0)
	o.Reset()
	if d := o.Batch("db", "b"); d == nil || d == b || d.Rows() != 0 || d.Table != "b" {
		t.Error("no new batch for a taken table without Empty")
	}
}

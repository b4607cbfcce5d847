package table

import (
	"fmt"
	"testing"
)

// TestDuplicateName: narrow (scanned) and wide (indexed) batches; a name
// changed after AddColumn is caught whether it now repeats another or is
// new (the index is then stale and the set decides); the check of a
// consistent wide batch allocates nothing.
func TestDuplicateName(t *testing.T) {
	for _, n := range []int{5, 40} {
		t.Run(fmt.Sprint(n, " columns"), func(t *testing.T) {
			b := New("", "t")
			for i := 0; i < n; i++ {
				b.MustColumn(fmt.Sprint("c", i), String, Tag)
			}
			if name, dup := b.DuplicateName(); dup {
				t.Fatalf("unique names reported %q repeated", name)
			}
			if allocs := testing.AllocsPerRun(10, func() { b.DuplicateName() }); allocs != 0 {
				t.Errorf("%v allocations per check", allocs)
			}
			b.Col(n - 1).Name = "renamed"
			if name, dup := b.DuplicateName(); dup {
				t.Errorf("a renamed column reported as %q repeated", name)
			}
			b.Col(n - 1).Name = "c2"
			if name, dup := b.DuplicateName(); !dup || name != "c2" {
				t.Errorf("repeat of c2: %q %v", name, dup)
			}
		})
	}
}

// TestGrow: a batch grown before many columns are added finds the columns
// it had and gets every new one, with its index in step (Lookup and the
// duplicate check agree with the columns); small reservations change
// nothing.
func TestGrow(t *testing.T) {
	b := New("", "t")
	b.MustColumn("ts", TimestampMillisecond, Timestamp)
	b.MustColumn("host", String, Tag)
	b.Grow(10) // under growFrom: nothing
	if b.index != nil {
		t.Fatal("a small reservation built an index")
	}
	b.Grow(3000)
	if i, ok := b.Lookup("host"); !ok || i != 1 {
		t.Fatalf("host after Grow: %d %v", i, ok)
	}
	if i, err := b.AddColumn("host", String, Tag); err != nil || i != 1 {
		t.Fatalf("host added again: %d %v", i, err)
	}
	for i := 0; i < 3000; i++ {
		if j, err := b.AddColumn(fmt.Sprint("c", i), String, Field); err != nil || j != i+2 {
			t.Fatalf("c%d at %d: %v", i, j, err)
		}
	}
	if b.NumColumns() != 3002 {
		t.Fatalf("%d columns", b.NumColumns())
	}
	if i, ok := b.Lookup("c2999"); !ok || i != 3001 {
		t.Errorf("c2999: %d %v", i, ok)
	}
	if name, dup := b.DuplicateName(); dup {
		t.Errorf("duplicate %q", name)
	}
}

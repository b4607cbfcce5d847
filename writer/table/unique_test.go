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

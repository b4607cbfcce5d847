package table

import (
	"fmt"
	"testing"
)

// TestPrefetchReadsWithoutChanging checks Prefetch on the shapes a batch
// can be in (no rows, empty strings, NULLs, every storage class it reads
// and one it does not): it must not panic and must leave the batch as it
// was.
func TestPrefetchReadsWithoutChanging(t *testing.T) {
	b := NewSchema("t").Timestamp("ts", TimestampMillisecond).Field("v", Float64).
		Tag("s", String).Field("u", Uint64).NewBatch("")
	if got := b.Prefetch(); got != 0 {
		t.Fatalf("empty batch: Prefetch = %d, want 0", got)
	}
	cols := b.Columns()
	cols[0].AppendInt64(1000)
	cols[1].AppendFloat64(2)
	cols[2].AppendString("")
	cols[3].AppendNull()
	if err := b.EndRow(); err != nil {
		t.Fatal(err)
	}
	cols[0].AppendInt64(2000)
	cols[2].AppendString("x")
	if err := b.EndRow(); err != nil {
		t.Fatal(err)
	}
	before := snapshot(b)
	size := b.ByteSize()
	// rows 2, four columns of 2 values, offsets[1] 0 (an empty first string,
	// so data[0] is the second's 'x'), 1000 and 2.
	if got, want := b.Prefetch(), 2+4*2+0+int('x')+1000+2; got != want {
		t.Fatalf("Prefetch = %d, want %d", got, want)
	}
	if snapshot(b) != before || b.ByteSize() != size {
		t.Fatalf("Prefetch changed the batch:\n%s\nnow\n%s", before, snapshot(b))
	}
}

// snapshot renders b's rows, NULLs and lengths.
func snapshot(b *Batch) string {
	s := fmt.Sprintf("rows %d\n", b.Rows())
	for _, c := range b.Columns() {
		s += fmt.Sprintf("%s len %d nulls %d:", c.Name, c.Len(), c.NullCount())
		for i := 0; i < c.Len(); i++ {
			s += fmt.Sprintf(" %v", c.Value(i))
		}
		s += "\n"
	}
	return s
}

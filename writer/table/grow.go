package table

import "slices"

// growFrom is the number of columns from which Grow reserves anything:
// below it the usual doubling costs less than a look at the index.
const growFrom = 1024

// Grow reserves room for n more columns, so a producer about to add many
// (the first request of a resource with 200,000 attributes, each a column)
// does not grow the column list and the name index through every power of
// two, rehashing the index each time. Under growFrom columns it does
// nothing.
func (b *Batch) Grow(n int) {
	if n < growFrom {
		return
	}
	b.cols = slices.Grow(b.cols, n)
	if len(b.index) > n {
		return // already large; copying it would cost more than it saves
	}
	index := make(map[string]int, len(b.cols)+n)
	for i, c := range b.cols {
		index[c.Name] = i
	}
	b.index = index
}

package table

// ReserveRows makes room for n more rows in every column, so a producer
// that knows how many rows follow (the points of an OTLP metric) grows
// each column once instead of through every doubling. A variable-length
// column is sized by the average length of the values it already holds,
// so call it after a first row; one without values yet is left to grow
// as it fills. Reserving more than is written costs only idle capacity.
//
// maxData bounds the bytes reserved for variable-length values over all
// columns together: an average taken from one row says nothing of the
// rows that follow (a first point with a 1 MiB attribute followed by
// thousands of points without it would otherwise reserve 1 MiB for each),
// so a producer passes what its input can carry, and values past it grow
// the column as they come.
func (b *Batch) ReserveRows(n, maxData int) {
	if n <= 0 {
		return
	}
	for _, c := range b.cols {
		maxData -= c.reserve(n, max(maxData, 0))
	}
}

// reserve makes room for n more values and returns the bytes it reserved
// for variable-length data, at most maxData.
func (c *Column) reserve(n, maxData int) int {
	reserved := 0
	switch c.Type.Storage() {
	case StorageInt:
		c.ints = grow(c.ints, n)
	case StorageUint:
		c.uints = grow(c.uints, n)
	case StorageFloat:
		c.floats = grow(c.floats, n)
	case StorageBool:
		c.bools = grow(c.bools, n)
	case StorageBytes:
		if c.n == 0 {
			return 0
		}
		c.init()
		c.offsets = grow(c.offsets, n)
		// Rounded up, so values a byte longer than the average still fit.
		reserved = min((len(c.data)+c.n-1)/c.n*n, maxData)
		c.data = grow(c.data, reserved)
	}
	if c.valid != nil {
		c.valid = grow(c.valid, (c.n+n+7)>>3-len(c.valid))
	}
	return reserved
}

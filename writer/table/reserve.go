package table

// ReserveRows makes room for n more rows in every column, so a producer
// that knows how many rows follow (the points of an OTLP metric) grows
// each column once instead of through every doubling. A variable-length
// column is sized by the average length of the values it already holds,
// so call it after a first row; one without values yet is left to grow
// as it fills. Reserving more than is written costs only idle capacity.
func (b *Batch) ReserveRows(n int) {
	if n <= 0 {
		return
	}
	for _, c := range b.cols {
		c.reserve(n)
	}
}

func (c *Column) reserve(n int) {
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
			return
		}
		c.init()
		c.offsets = grow(c.offsets, n)
		// Rounded up, so values a byte longer than the average still fit.
		c.data = grow(c.data, (len(c.data)+c.n-1)/c.n*n)
	}
	if c.valid != nil {
		c.valid = grow(c.valid, (c.n+n+7)>>3-len(c.valid))
	}
}

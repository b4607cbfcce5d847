package table

import (
	"fmt"
	"slices"
)

// AppendBatch appends every row of src to b, matching columns by name:
// columns b lacks are added (NULL for b's earlier rows), columns src lacks
// get NULL. A column whose type or semantic type differs is an error and
// leaves b unchanged. Hints and CreateSQL are taken from src when b has none.
// Values are copied; src is not modified.
func (b *Batch) AppendBatch(src *Batch) error {
	return b.AppendRows(src, 0, src.rows)
}

// AppendRows is AppendBatch for src's rows lo to hi (exclusive); it is how
// a request's share of a coalesced batch is taken back out of it.
func (b *Batch) AppendRows(src *Batch, lo, hi int) error {
	if lo < 0 || hi > src.rows || lo > hi {
		return fmt.Errorf("table %q: rows %d to %d out of range (%d rows)", src.Table, lo, hi, src.rows)
	}
	// The usual case, the same table's next request, has the same columns
	// in the same order: they are matched by position, without look-ups.
	sameLayout := len(b.cols) == len(src.cols)
	for i := 0; sameLayout && i < len(src.cols); i++ {
		sameLayout = b.cols[i].Name == src.cols[i].Name
	}
	empty := len(b.cols) == 0
	for i, sc := range src.cols {
		dc := (*Column)(nil)
		if sameLayout {
			dc = b.cols[i]
		} else if j, ok := b.Lookup(sc.Name); ok {
			dc = b.cols[j]
		}
		if dc != nil && (dc.Type != sc.Type || dc.Semantic != sc.Semantic) {
			return fmt.Errorf("table %q: column %q is %s %s here and %s %s in the appended batch",
				b.Table, sc.Name, dc.Semantic, dc.Type, sc.Semantic, sc.Type)
		}
	}
	if len(b.Hints) == 0 && len(src.Hints) > 0 {
		b.Hints = append(b.Hints[:0], src.Hints...)
	}
	if b.CreateSQL == "" {
		b.CreateSQL = src.CreateSQL
	}
	for _, stmt := range src.AlterSQL {
		if !slices.Contains(b.AlterSQL, stmt) {
			b.AlterSQL = append(b.AlterSQL, stmt)
		}
	}
	n := hi - lo
	for i, sc := range src.cols {
		var dc *Column
		switch {
		case sameLayout:
			dc = b.cols[i]
		case empty:
			// src's names are unique: none can be in b yet.
			dc = b.appendColumn(sc.Name, sc.Type, sc.Semantic)
		default:
			j, _ := b.AddColumn(sc.Name, sc.Type, sc.Semantic)
			dc = b.cols[j]
		}
		if dc.Options == nil && sc.Options != nil {
			dc.Options = sc.Options
		}
		if dc.Precision == 0 && dc.Scale == 0 {
			dc.Precision, dc.Scale = sc.Precision, sc.Scale
		}
		if dc.VectorDim == 0 {
			dc.VectorDim = sc.VectorDim
		}
		dc.appendColumn(sc, lo, hi)
	}
	want := b.rows + n
	for _, c := range b.cols {
		for c.n < want {
			c.AppendNull()
		}
	}
	b.rows = want
	return nil
}

// appendColumn copies values lo to hi (exclusive) of src (same type) onto c.
func (c *Column) appendColumn(src *Column, lo, hi int) {
	start, n := c.n, hi-lo
	c.JSONChecked = src.JSONChecked && (start == 0 || c.JSONChecked)
	c.UTF8Checked = src.UTF8Checked && (start == 0 || c.UTF8Checked)
	switch c.Type.Storage() {
	case StorageInt:
		c.ints = append(grow(c.ints, n), src.ints[lo:hi]...)
	case StorageUint:
		c.uints = append(grow(c.uints, n), src.uints[lo:hi]...)
	case StorageFloat:
		c.floats = append(grow(c.floats, n), src.floats[lo:hi]...)
	case StorageBool:
		c.bools = append(grow(c.bools, n), src.bools[lo:hi]...)
	case StorageBytes:
		c.init()
		base := int32(len(c.data)) - src.offsets[lo]
		d := src.data[src.offsets[lo]:src.offsets[hi]]
		c.data = append(grow(c.data, len(d)), d...)
		so := src.offsets[lo+1 : hi+1]
		at := len(c.offsets)
		c.offsets = grow(c.offsets, len(so))[:at+len(so)]
		for i, o := range so {
			c.offsets[at+i] = o + base
		}
	case StorageDecimal:
		c.decs = append(c.decs, src.decs[lo:hi]...)
	case StorageMDN:
		c.mdns = append(c.mdns, src.mdns[lo:hi]...)
	}
	if src.nulls == 0 && c.valid == nil {
		c.n = start + n
		return
	}
	// Rebuild validity bit by bit from the source; n is bounded by the
	// source batch and this path runs only when NULLs are present.
	c.n = start
	for i := lo; i < hi; i++ {
		c.setValid(!src.IsNull(i))
		c.n++
	}
}

// grow returns s with room for n more elements, growing its capacity by
// at least half when it must grow. A batch that coalesces many requests
// grows by appends of one request each; append's own policy grows large
// slices by about a quarter, so the values already there were copied
// about four times over (BenchmarkAppendBatchCoalesce: 82.8 MB allocated
// for 16 MB of rows; 50.5 MB growing by half, 38.0 MB doubling). Half
// rather than double: end to end (32 OTLP senders, loadgen -pid) the two
// cost the same CPU within the noise, and doubling left up to twice the
// rows' size allocated in the batches the pipeline pools.
func grow[E any](s []E, n int) []E {
	if cap(s)-len(s) >= n {
		return s
	}
	return slices.Grow(s, max(n, len(s)/2))
}

// CastInt64ToFloat64 changes an INT64 column to FLOAT64 in place, keeping
// NULLs; it is how a batch follows a column GreptimeDB widened.
func (b *Batch) CastInt64ToFloat64(name string) error {
	i, ok := b.Lookup(name)
	if !ok {
		return fmt.Errorf("table %q: no column %q", b.Table, name)
	}
	c := b.cols[i]
	if c.Type != Int64 {
		return fmt.Errorf("table %q: column %q is %s, not INT64", b.Table, name, c.Type)
	}
	c.floats = c.floats[:0]
	for _, v := range c.ints {
		c.floats = append(c.floats, float64(v))
	}
	c.ints = c.ints[:0]
	c.Type = Float64
	return nil
}

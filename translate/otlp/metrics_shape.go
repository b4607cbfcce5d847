package otlp

import "github.com/greptime-bridge/greptime-bridge/writer/table"

// rowShape caches the column indexes of one batch, so rows of one metric
// skip the name lookups. Every index is re-checked against the column's
// name before use, so a stale cache only costs a lookup, unless the row
// fits the shape as last verified (fits).
type rowShape struct {
	b                *table.Batch
	tags             []int
	ts, extra, value int

	// ok says that the last row written through this shape found every
	// cached index naming its column with the right type, for the tag
	// names in names, a batch named table of ncols columns and rows rows,
	// the time index type tsType, the extra tag extraName and a value when
	// hasValue.
	ok        bool
	names     []string
	table     string
	ncols     int
	rows      int
	tsType    table.DataType
	extraName string
	hasValue  bool
	// sig is the signature of names when they were built from the key
	// memo alone (see rowSig); then a row of the same signature has the
	// same names, and fits skips comparing them.
	sig rowSig
}

// rowSig identifies the tag names of a point's row when every point
// attribute took pointTag's memoised path: the names are then the base
// tags of generation gen followed by the names of the first n-len(base)
// key memo entries as of memo epoch epoch, so two rows with one signature
// have the same names. ok is false for any other row. Comparing the
// names one by one was 2.7% of the bridge's CPU under otlp-sum load
// (18 names a row, a memequal call each; issue #12, profile of main
// 00a30f8 with bench prof.sh).
type rowSig struct {
	epoch, gen uint64
	n          int
	ok         bool
}

// numShapes is how many batches' shapes the converter keeps: a histogram
// or summary point writes rows into three tables in turn, and a single
// cached shape was rebuilt by name look-ups at every switch (13% of the
// CPU under histogram load, issue #12).
const numShapes = 4

// shapeFor returns the cached shape of b, taking over the least recently
// created entry when b has none.
func (c *Converter) shapeFor(b *table.Batch) *rowShape {
	for i := range c.shapes {
		if c.shapes[i].b == b {
			return &c.shapes[i]
		}
	}
	sh := &c.shapes[c.nextShape]
	c.nextShape = (c.nextShape + 1) % numShapes
	sh.b, sh.tags, sh.ts, sh.extra, sh.value, sh.ok = b, sh.tags[:0], -1, -1, -1, false
	return sh
}

// fits reports whether a row of these tags can be written through the
// cached indexes without checking each column again: the batch gained no
// column and lost no row since the shape was verified (within a
// translation a batch's columns are only ever added; a batch reset and
// reused under another schema starts again from no row, and
// Converter.Reset forgets every shape anyway), and the row names the same
// columns. Names are
// compared as strings, usually the same memoised ones, so the comparison
// reads one small slice instead of every column's header: the header
// checks were 6% of the CPU under histogram load (issue #12), where each
// point writes twelve bucket rows with the same tags.
func (sh *rowShape) fits(b *table.Batch, tags []tag, sig rowSig, tsType table.DataType, extraName string, hasValue bool) bool {
	if !sh.ok || b.NumColumns() != sh.ncols || b.Rows() < sh.rows || b.Table != sh.table || len(tags) != len(sh.names) ||
		tsType != sh.tsType || extraName != sh.extraName || hasValue != sh.hasValue {
		return false
	}
	if sig.ok && sig == sh.sig {
		return true
	}
	for j := range tags {
		if tags[j].name != sh.names[j] {
			return false
		}
	}
	sh.sig = sig
	return true
}

// writeKnown writes a row that fits the shape. EndRow still checks that
// every column got at most one value of its storage class, as for any row.
func (sh *rowShape) writeKnown(b *table.Batch, tags []tag, ts int64, extraVal string, value float64) error {
	cols := b.Columns()
	for j := range tags {
		cols[sh.tags[j]].AppendString(tags[j].val)
	}
	cols[sh.ts].AppendInt64(ts)
	if sh.extraName != "" {
		cols[sh.extra].AppendString(extraVal)
	}
	if sh.hasValue {
		cols[sh.value].AppendFloat64(value)
	}
	if err := b.EndRow(); err != nil {
		return badInput("%v", err)
	}
	sh.rows = b.Rows()
	return nil
}

// verified records that a row of these tags was just written through the
// shape with every index checked.
func (sh *rowShape) verified(b *table.Batch, tags []tag, sig rowSig, tsType table.DataType, extraName string, hasValue bool) {
	sh.names = sh.names[:0]
	for _, t := range tags {
		sh.names = append(sh.names, t.name)
	}
	sh.table, sh.ncols, sh.rows = b.Table, b.NumColumns(), b.Rows()
	sh.tsType, sh.extraName, sh.hasValue, sh.ok = tsType, extraName, hasValue, true
	sh.sig = sig
}

package otlp

// What wirePoints does around a metric's run of points: reserve the rest of
// its rows after the first point (reserveRest), check its strings after
// the last (checkRowsSince).

import "github.com/greptime-bridge/greptime-bridge/writer/table"

// shapeRows is a cached shape's batch and its row count at some moment.
type shapeRows struct {
	b    *table.Batch
	rows int
}

// shapeRows returns every cached shape's batch and row count.
func (c *Converter) shapeRows() [numShapes]shapeRows {
	var s [numShapes]shapeRows
	for i := range c.shapes {
		if b := c.shapes[i].b; b != nil {
			s[i] = shapeRows{b, b.Rows()}
		}
	}
	return s
}

// reserveRest reserves, in each batch a metric's first point wrote rows
// into (the shapes it used, before holding their counts until then), as
// many rows again for each of the rest points. The output's batches are
// pooled, but the pipeline swaps each one it takes for a pooled batch of
// any table: under otlp-histogram load the 1,200-row bucket tables mostly
// got a 100-row sum or count table's buffers and grew them through every
// doubling, a quarter of the bridge's CPU in a profile (issue #12).
//
// Rows past a point's first need at least 8 bytes of the metric's wire
// data each (a histogram's fixed64 bucket count; a summary's quantile
// more), so a first point of many buckets followed by empty ones cannot
// reserve more than points plus an eighth of wireLen rows: what a request
// of that size may legitimately write. restWire is the metric's wire
// bytes after the first point: a first point's large attribute is not
// copied into the rows of later points that do not carry it.
func (c *Converter) reserveRest(before *[numShapes]shapeRows, rest, wireLen, restWire int) {
	for i := range c.shapes {
		b := c.shapes[i].b
		if b == nil {
			continue
		}
		per := b.Rows()
		if before[i].b == b {
			per -= before[i].rows
		}
		if per <= 0 {
			continue
		}
		// Values are reserved up to the metric's wire bytes per batch: a
		// point attribute's value is on the wire of every point that has
		// it, and values beyond that (resource tags repeated per row) grow
		// the columns as they come. A point that writes several rows into
		// a batch (a histogram's bucket rows) copies its tags into each,
		// so that many times the rest points' wire bytes may be needed.
		maxData := max(wireLen, min(per, maxRowsPerPointReserved)*restWire)
		b.ReserveRows(min(per*rest, rest+wireLen/8), maxData)
	}
}

// maxRowsPerPointReserved bounds the rows per point whose values
// reserveRest reserves beyond the metric's wire bytes: 14 in a bucket
// table and one each in the sum and count tables keep a histogram metric's
// reservation within the 16 times its wire bytes that receivers/otlp
// reserves in the budget before decoding (decodeFactor). Reserving the
// wire bytes once left the 12 bucket rows of cmd/loadgen's 11-bound points
// to grow their tag columns through every doubling: translating one
// 1,000-point request allocated 6.9 MB for 3.0 MB of values
// (TestHistogramBucketValuesReserved, BenchmarkHistogramWireFresh).
const maxRowsPerPointReserved = 14

// checkRowsSince checks as UTF-8 the string values a metric's points wrote
// into the batches of the cached shapes (before holding their row counts
// until then), column by column (table.Column.FirstInvalidUTF8From) while
// they are still in cache. A metric writes at most three tables, so all
// keep their shapes. One utf8.ValidString call per point attribute value
// was 5.5% of the bridge's CPU under otlp-sum load (12 attributes a point;
// issue #12), and the same check over the whole request once translated
// 4%, its columns cold by then.
func (c *Converter) checkRowsSince(before *[numShapes]shapeRows) error {
	for i := range c.shapes {
		b := c.shapes[i].b
		if b == nil {
			continue
		}
		lo := 0
		if before[i].b == b {
			lo = before[i].rows
		}
		if lo >= b.Rows() {
			continue
		}
		for _, col := range b.Columns() {
			if col.Type != table.String {
				continue
			}
			if r := col.FirstInvalidUTF8From(lo); r >= 0 {
				v, _ := col.String(r)
				return badInput("attribute %q: value %q is not valid utf-8", col.Name, v)
			}
		}
	}
	return nil
}

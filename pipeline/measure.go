package pipeline

import (
	"encoding/binary"
	"hash/maphash"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// batchFacts are what the pipeline learns of a batch in one pass over its
// columns when it takes it over, so the worker does not walk them again.
type batchFacts struct {
	bytes int  // ByteSize
	ints  bool // a BIGINT column (coerce may cast it)
	json  bool // a JSON column (the row path only)
	// layout is a hash of the column list (names, types, semantic types,
	// type extensions, options), so the worker tells whether a request's
	// batch may join its table's pending batches without walking both
	// batches' columns again, cold by then. Equal hashes of different
	// layouts (a 2^-64 chance) cost nothing but a copy: the writer
	// compares layouts exactly before it sends batches under one schema.
	layout uint64
}

// layoutSeed seeds batchFacts.layout. It is the process's, not a
// pipeline's: RequestBytes hashes layouts before the request reaches one.
var layoutSeed = maphash.MakeSeed()

func factsOf(b *table.Batch) batchFacts {
	var f batchFacts
	var h maphash.Hash
	h.SetSeed(layoutSeed)
	for _, c := range b.Columns() {
		f.bytes += c.ByteSize()
		f.ints = f.ints || c.Type == table.Int64
		f.json = f.json || c.Type == table.JSON
		h.WriteString(c.Name)
		var fixed [20]byte
		binary.LittleEndian.PutUint32(fixed[0:], uint32(c.Type))
		binary.LittleEndian.PutUint32(fixed[4:], uint32(c.Semantic))
		binary.LittleEndian.PutUint32(fixed[8:], uint32(c.Precision))
		binary.LittleEndian.PutUint32(fixed[12:], uint32(c.Scale))
		binary.LittleEndian.PutUint32(fixed[16:], c.VectorDim)
		_, _ = h.Write(fixed[:])
		if len(c.Options) > 0 {
			// Map order varies: entries are combined order-free.
			var opts uint64
			for k, v := range c.Options {
				opts += maphash.String(layoutSeed, k) ^ maphash.String(layoutSeed, v)*31
			}
			var ob [8]byte
			binary.LittleEndian.PutUint64(ob[:], opts)
			_, _ = h.Write(ob[:])
		}
	}
	f.layout = h.Sum64()
	return f
}

// measured is what RequestBytes learned of an output's batches, kept in
// translate.Output.Measured for the Consume of the same request. A pass
// over a node-exporter-shaped request's columns (a thousand tables of two
// rows, far more than the processor's cache holds) reads each from
// memory, and RequestBytes and Consume made one each (issue #12); now
// RequestBytes validates and measures, and Consume uses what it found. A
// translator that finishes its tables one after another hands each over
// as it finishes (Seal), and RequestBytes keeps those measurements.
type measured struct {
	// batch, rows and cols are each measured batch and its row and
	// column counts then: Consume measures again a batch that is not the
	// one measured, or that gained or lost rows or columns since.
	batch []*table.Batch
	rows  []int
	cols  []int
	facts []batchFacts
	err   []error // Validate's answer
}

// Reset forgets the measurements (translate.Output.Reset calls it), keeping
// the slices for the output's next request.
func (m *measured) Reset() {
	clear(m.batch)
	clear(m.err)
	m.batch, m.rows, m.cols, m.facts, m.err = m.batch[:0], m.rows[:0], m.cols[:0], m.facts[:0], m.err[:0]
}

// measure validates and measures every batch of out and records it in
// out.Measured, keeping what Seal recorded of a batch still as it was.
func measure(out *translate.Output) *measured {
	m, ok := out.Measured.(*measured)
	if !ok {
		m = &measured{}
		out.Measured = m
	}
	for i, b := range out.Batches {
		if m.holds(i, b) {
			continue
		}
		f, err := measureOne(b)
		if i < len(m.batch) {
			m.batch[i], m.rows[i], m.cols[i], m.facts[i], m.err[i] = b, b.Rows(), b.NumColumns(), f, err
			continue
		}
		m.record(b, f, err)
	}
	n := len(out.Batches)
	clear(m.batch[n:])
	clear(m.err[n:])
	m.batch, m.rows, m.cols, m.facts, m.err = m.batch[:n], m.rows[:n], m.cols[:n], m.facts[:n], m.err[:n]
	return m
}

// measureOne validates and measures one batch.
func measureOne(b *table.Batch) (f batchFacts, err error) {
	if b.Rows() > 0 {
		if err = b.Validate(); err == nil {
			f = factsOf(b)
		}
	}
	return f, err
}

// Seal measures b when it is the next batch of o in order
// (translate.Sealer): the translator has just written it, so its columns
// are read from the cache rather than from memory. Under node-exporter-
// shaped remote write (a thousand tables of two rows a request, far more
// column headers than the cache holds by the time RequestBytes runs) this
// took the bridge from 2.56-2.76 to 2.34-2.70 µs of CPU per sample (4
// alternating rounds of compare.sh's rw-node-1000names; issue #12). A
// batch sealed out of order is left for measure.
func (m *measured) Seal(o *translate.Output, b *table.Batch) {
	i := len(m.batch)
	if i >= len(o.Batches) || o.Batches[i] != b {
		return
	}
	f, err := measureOne(b)
	m.record(b, f, err)
}

// record appends b's measurement.
func (m *measured) record(b *table.Batch, f batchFacts, err error) {
	m.batch = append(m.batch, b)
	m.rows = append(m.rows, b.Rows())
	m.cols = append(m.cols, b.NumColumns())
	m.facts = append(m.facts, f)
	m.err = append(m.err, err)
}

// holds reports whether record i is of b as it is now.
func (m *measured) holds(i int, b *table.Batch) bool {
	return i < len(m.batch) && m.batch[i] == b && m.rows[i] == b.Rows() && m.cols[i] == b.NumColumns()
}

// of returns batch i's facts and Validate's answer: the measured ones
// when b is still the batch measured, with as many rows; m may be nil.
func (m *measured) of(i int, b *table.Batch) (batchFacts, error) {
	if m != nil && m.holds(i, b) {
		return m.facts[i], m.err[i]
	}
	if err := b.Validate(); err != nil {
		return batchFacts{}, err
	}
	return factsOf(b), nil
}

package translate

import (
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// DefaultPhysicalTable is the metric engine's default physical table
// (GreptimeDB servers/src/http/prom_store.rs, PHYSICAL_TABLE_PARAM default).
const DefaultPhysicalTable = "greptime_physical_table"

// OTLPMetricMode selects GreptimeDB's OTLP metric layout.
type OTLPMetricMode string

// OTLP metric modes: prom-compatible (GreptimeDB's default since v0.16) or
// the legacy layout.
const (
	OTLPMetricProm   OTLPMetricMode = "prom"
	OTLPMetricLegacy OTLPMetricMode = "legacy"
)

// DatabaseOptions are the choices GreptimeDB makes per server or per catalog
// state that the bridge takes per database from its configuration.
type DatabaseOptions struct {
	// MetricEngine writes Prometheus-style metrics as logical tables on a
	// physical metric-engine table (GreptimeDB's with_metric_engine, default
	// true); false writes plain mito tables.
	MetricEngine bool
	// PhysicalTable is the physical table for the metric engine
	// (default DefaultPhysicalTable).
	PhysicalTable string
	// OTLPMetricMode is "prom" (default) or "legacy".
	OTLPMetricMode OTLPMetricMode
}

// DefaultDatabaseOptions returns GreptimeDB's defaults.
func DefaultDatabaseOptions() DatabaseOptions {
	return DatabaseOptions{MetricEngine: true, PhysicalTable: DefaultPhysicalTable, OTLPMetricMode: OTLPMetricProm}
}

// Output collects the batches of one translated request. It is reusable:
// Reset keeps the buffers of the batches it still holds (those not taken)
// for the next request, so an Output can live in a sync.Pool.
type Output struct {
	// Batches holds one batch per (database, table), in first-seen order.
	Batches []*table.Batch
	// Samples, Histograms and Exemplars count what the request carried
	// (remote write 2.0 reports them back to the sender).
	Samples, Histograms, Exemplars int
	// Dropped counts items not written, by reason (e.g. "exemplar",
	// "exponential_histogram", "metadata").
	Dropped map[string]int
	// Measured is where the stage that takes the batches over (the
	// pipeline) keeps what it measured of them in one pass over their
	// columns before it takes them, for its own later use on the same
	// request (issue #12: a pass over a thousand cold tables costs as much
	// as the work done in it). Only that stage sets or reads it; Reset
	// resets it.
	Measured Scratch

	// slots keeps each table's slot across Reset, so a table's batch is
	// found with one map look-up per request: a node-exporter-shaped
	// remote write request is a thousand tables of two rows, and finding
	// and filing each table's batch through a per-request index and a
	// map of spare batches by table took four map operations per table,
	// 3% of the bridge's CPU (issue #12).
	slots map[outKey]*outSlot
	// slotOf[i] is the slot of Batches[i].
	slotOf []*outSlot
	// gen counts Resets: a slot whose gen is not the current one holds a
	// reset batch kept for its table's next request.
	gen   uint64
	spare []*table.Batch
	// hollow stands in Batches for the batches taken with Take.
	hollow *table.Batch

	// Empty, when set, gives Batch an empty batch for a table whose slot
	// has none (after Take); nil makes a new one. What it returns must be
	// reset (Batch.Reset(false)) and owned by no one else. The stage that
	// takes the batches over with Take sets it to its pool of released
	// batches.
	Empty func() *table.Batch
}

type outKey struct{ db, table string }

// Scratch is per-request state a later stage keeps in an Output
// (Output.Measured); Output.Reset calls its Reset.
type Scratch interface{ Reset() }

// Sealer is a Scratch that wants to see each batch as soon as its
// translator is done with it (Output.Seal).
type Sealer interface {
	Seal(o *Output, b *table.Batch)
}

// Seal tells the stage that keeps Measured that the translator will add
// nothing more to b for this request, while b's columns are still in the
// processor's cache. A translator that writes a table's rows in one run
// (remote write groups a request's series by metric) calls it when the
// run ends; calling it is optional. After Seal the translator may add rows
// to b (a table met again later in the request), and such a batch is
// measured again, but must not change b's columns or values in place.
func (o *Output) Seal(b *table.Batch) {
	if s, ok := o.Measured.(Sealer); ok {
		s.Seal(o, b)
	}
}

// outSlot is a table's place in an Output: its batch, and where it is in
// Batches when it belongs to the current request (gen).
type outSlot struct {
	gen uint64
	i   int
	b   *table.Batch
}

// maxIdleSlots bounds the slots an Output keeps for tables its last
// request did not write (their reset batches and buffers, or nothing for
// a batch that was taken): past it,
// Reset files them all as spares for any table. A Prometheus sender's
// requests cover a few thousand metric names.
const maxIdleSlots = 4096

// Batch returns the batch for database and table, creating it on first use.
func (o *Output) Batch(database, tableName string) *table.Batch {
	k := outKey{database, tableName}
	sl, ok := o.slots[k]
	if ok && sl.gen == o.gen {
		if b := o.Batches[sl.i]; b != o.hollow {
			return b
		}
		// Taken earlier in this request, against Take's rule that the
		// output is Reset first: a batch of the table's own takes the
		// stand-in's place rather than several tables sharing it.
		b := o.emptyBatch(database, tableName)
		o.Batches[sl.i], sl.b = b, b
		return b
	}
	if !ok {
		if o.slots == nil {
			o.slots = make(map[outKey]*outSlot)
		}
		sl = &outSlot{}
		o.slots[k] = sl
	}
	b := sl.b
	if b == nil {
		b = o.emptyBatch(database, tableName)
		sl.b = b
	}
	b.Database, b.Table = database, tableName
	sl.gen, sl.i = o.gen, len(o.Batches)
	o.Batches = append(o.Batches, b)
	o.slotOf = append(o.slotOf, sl)
	return b
}

// emptyBatch returns an empty batch for a table without one: a spare, one
// from Empty, or a new one.
func (o *Output) emptyBatch(database, tableName string) *table.Batch {
	var b *table.Batch
	switch n := len(o.spare); {
	case n > 0:
		b = o.spare[n-1]
		o.spare[n-1] = nil
		o.spare = o.spare[:n-1]
	case o.Empty != nil:
		b = o.Empty()
	default:
		return table.New(database, tableName)
	}
	b.Database, b.Table = database, tableName
	return b
}

// Take hands batch i over to the caller, leaving the table's slot
// without a batch: the table's next request takes one from Empty. The
// pipeline takes the batches it queues this way, so that the batches it
// releases after writing go round through its pool, the most recently
// used first, instead of every pooled output keeping an idle batch for
// each table it has seen (issue #12: under node-exporter-shaped load, a
// thousand tables a request, that reservoir was what kept every pass over
// a request's batches reading from memory; BenchmarkRemoteWritePath
// names=1000 went from a median of 4,214 to 3,664 cpu-ns/sample, names=100
// from 1,257 to 1,134). Batches[i] then holds a stand-in of no rows
// shared by the taken batches, and the output must be Reset before it is
// used again.
func (o *Output) Take(i int) *table.Batch {
	b := o.Batches[i]
	if o.hollow == nil {
		o.hollow = table.New("", "")
	}
	o.Batches[i] = o.hollow
	if i < len(o.slotOf) {
		o.slotOf[i].b = nil
	}
	return b
}

// Lookup returns the batch for database and table if one exists.
func (o *Output) Lookup(database, tableName string) (*table.Batch, bool) {
	sl, ok := o.slots[outKey{database, tableName}]
	if !ok || sl.gen != o.gen || o.Batches[sl.i] == o.hollow {
		return nil, false
	}
	return o.Batches[sl.i], true
}

// Drop counts n items dropped for reason.
func (o *Output) Drop(reason string, n int) {
	if n == 0 {
		return
	}
	if o.Dropped == nil {
		o.Dropped = make(map[string]int)
	}
	o.Dropped[reason] += n
}

// Rows returns the total number of rows over all batches.
func (o *Output) Rows() int {
	n := 0
	for _, b := range o.Batches {
		n += b.Rows()
	}
	return n
}

// Reset empties the output, keeping batch buffers for reuse: each batch
// stays in its table's slot for that table's next request.
func (o *Output) Reset() {
	for i, b := range o.Batches {
		if b == o.hollow {
			// Taken by Take: the slot stays without a batch.
			o.Batches[i] = nil
			continue
		}
		b.Reset(false)
		if i < len(o.slotOf) {
			// Batches may have been replaced wholesale by the caller: the
			// slot keeps what is there now.
			o.slotOf[i].b = b
		}
		o.Batches[i] = nil
	}
	if o.hollow != nil && (o.hollow.Rows() > 0 || o.hollow.NumColumns() > 0) {
		// Only a caller breaking Take's rule writes to it.
		o.hollow.Reset(false)
	}
	clear(o.slotOf)
	o.slotOf = o.slotOf[:0]
	o.Batches = o.Batches[:0]
	o.gen++
	if len(o.slots) > maxIdleSlots {
		for k, sl := range o.slots {
			if sl.b != nil {
				o.spare = append(o.spare, sl.b)
			}
			delete(o.slots, k)
		}
	}
	if o.Measured != nil {
		o.Measured.Reset()
	}
	clear(o.Dropped)
	o.Samples, o.Histograms, o.Exemplars = 0, 0, 0
}

// KnownColumn is a column GreptimeDB is known to hold.
type KnownColumn struct {
	Name     string
	Type     table.DataType
	Semantic table.SemanticType
}

// SchemaLookup reports what a table already holds in GreptimeDB, for the
// translations whose result depends on it (logs into an existing table,
// trace attribute coercion: greptimedb-tables.md §7.3, §7.4). The pipeline
// implements it from the columns GreptimeDB has accepted; ok is false for a
// table it does not know. cols may be shared with other callers and stay
// in use by them: the caller reads it and never modifies it (a lookup per
// request then copies nothing).
type SchemaLookup interface {
	TableSchema(database, tableName string) (cols []KnownColumn, ok bool)
}

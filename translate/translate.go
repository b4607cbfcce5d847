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
// Reset keeps its batches' buffers for the next request, so an Output can
// live in a sync.Pool.
type Output struct {
	// Batches holds one batch per (database, table), in first-seen order.
	Batches []*table.Batch
	// Samples, Histograms and Exemplars count what the request carried
	// (remote write 2.0 reports them back to the sender).
	Samples, Histograms, Exemplars int
	// Dropped counts items not written, by reason (e.g. "exemplar",
	// "exponential_histogram", "metadata").
	Dropped map[string]int

	index map[outKey]int
	spare []*table.Batch
	// spareBy keeps each reset batch under the table it held, so the next
	// request's batch for that table reuses buffers of the right size.
	spareBy map[outKey]*table.Batch
}

type outKey struct{ db, table string }

// Batch returns the batch for database and table, creating it on first use.
func (o *Output) Batch(database, tableName string) *table.Batch {
	k := outKey{database, tableName}
	if i, ok := o.index[k]; ok {
		return o.Batches[i]
	}
	if o.index == nil {
		o.index = make(map[outKey]int)
	}
	var b *table.Batch
	if sb, ok := o.spareBy[k]; ok {
		delete(o.spareBy, k)
		b = sb
	} else if n := len(o.spare); n > 0 {
		b = o.spare[n-1]
		o.spare = o.spare[:n-1]
	} else {
		for sk, sb := range o.spareBy {
			delete(o.spareBy, sk)
			b = sb
			break
		}
	}
	if b == nil {
		b = table.New(database, tableName)
	}
	b.Database, b.Table = database, tableName
	o.index[k] = len(o.Batches)
	o.Batches = append(o.Batches, b)
	return b
}

// Take hands batch i over to the caller and puts empty in its place,
// under the same database and table, so the output stays consistent and
// empty's buffers are reused by the next request. The pipeline takes the
// batches it queues this way instead of copying them; empty must be
// reset (Batch.Reset(false)) and owned by no one else.
func (o *Output) Take(i int, empty *table.Batch) *table.Batch {
	b := o.Batches[i]
	empty.Database, empty.Table = b.Database, b.Table
	o.Batches[i] = empty
	return b
}

// Lookup returns the batch for database and table if one exists.
func (o *Output) Lookup(database, tableName string) (*table.Batch, bool) {
	i, ok := o.index[outKey{database, tableName}]
	if !ok {
		return nil, false
	}
	return o.Batches[i], true
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

// Reset empties the output, keeping batch buffers for reuse.
func (o *Output) Reset() {
	if o.spareBy == nil && len(o.Batches) > 0 {
		o.spareBy = make(map[outKey]*table.Batch, len(o.Batches))
	}
	for _, b := range o.Batches {
		k := outKey{b.Database, b.Table}
		b.Reset(false)
		if prev, dup := o.spareBy[k]; dup {
			o.spare = append(o.spare, prev)
		}
		o.spareBy[k] = b
	}
	o.Batches = o.Batches[:0]
	clear(o.index)
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

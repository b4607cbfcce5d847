package prom

import (
	"context"
	"fmt"
	"sync"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// Column names of GreptimeDB's Prometheus tables (common/query/src/prelude.rs
// with the default column prefix).
const (
	ColTimestamp = "greptime_timestamp"
	ColValue     = "greptime_value"
)

// ctxCheckEvery is how many series pass between context checks.
const ctxCheckEvery = 256

// internLimit bounds the intern table; past it the table is dropped so a
// stream of unique names cannot grow it without end.
const internLimit = 1 << 16

// labelRef is one non-special label of the current series: slices of the
// decompressed request, never copied.
type labelRef struct {
	name, value []byte
}

// pushLabel appends a label to c.labels, writing its fields in place:
// appending a labelRef literal built it on the stack with 8-byte stores
// and copied it with 16-byte loads, which the processor cannot forward
// from those stores, and that one store was 8.5% of the bridge's CPU under
// rw-10k-8l (pprof -disasm: the MOVUPS into c.labels; issue #12).
func (c *Converter) pushLabel(name, value []byte) {
	n := len(c.labels)
	if n < cap(c.labels) {
		c.labels = c.labels[:n+1]
	} else {
		c.labels = append(c.labels, labelRef{})
	}
	l := &c.labels[n]
	l.name, l.value = name, value
}

// resolved is a label mapped to its column, with the value to store.
type resolved struct {
	col   *table.Column
	value []byte
}

// pushRes appends a resolved label to c.res, writing its fields in place
// for the reason pushLabel does.
func (c *Converter) pushRes(col *table.Column, value []byte) {
	n := len(c.res)
	if n < cap(c.res) {
		c.res = c.res[:n+1]
	} else {
		c.res = append(c.res, resolved{})
	}
	r := &c.res[n]
	r.col, r.value = col, value
}

// Converter decodes remote-write requests into table batches. It keeps its
// scratch space, intern table and per-table state between requests, so one
// Converter should serve many requests through a sync.Pool (see
// Translate). A Converter is not safe for concurrent use.
type Converter struct {
	opts *Options
	out  *translate.Output
	ver  Version

	intern    map[string]string
	sanitized map[string]string   // raw invalid label name -> sanitised name
	seen      map[string]struct{} // label names of a large unsorted series (repeatedName)
	dbs       map[string]*dbState
	active    []*tableState
	free      []*tableState
	dfree     []*dbState
	defDB     *dbState

	labels []labelRef
	res    []resolved
	// direct, when set, holds the columns of c.labels in order, whose
	// values are stored as they are (resolve's fast path); c.res is empty.
	direct  []*table.Column
	ts      []int64
	vals    []float64
	scratch []byte
	seq     int32
	series  int
	// checked is set when every label value was validated up front (remote
	// write 2.0 strict mode checks all symbols; a 1.0 series whose labels
	// are plain ASCII), so per-series checks skip.
	checked bool
	// last is the table of the previous series: series of one metric often
	// come together (a scrape's exposition order), and a comparison is
	// cheaper than the map look-up.
	last *tableState
	// layouts holds tag layouts across requests by database and table
	// (layout.go); nlayouts counts them.
	layouts  map[string]map[string]*tagLayout
	nlayouts int

	v2 v2State
	// group orders a remote write 1.0 request's series by metric (groupV1);
	// grouped is set while a request is translated in that order.
	group   groupState
	grouped bool
}

// NewConverter returns an empty Converter.
func NewConverter() *Converter {
	return &Converter{
		intern:  make(map[string]string),
		dbs:     make(map[string]*dbState),
		layouts: make(map[string]map[string]*tagLayout),
	}
}

var converterPool = sync.Pool{New: func() any { return NewConverter() }}

// Reset forgets the current request, keeping buffers and the intern table.
func (c *Converter) Reset() {
	for _, t := range c.active {
		t.reset()
		c.free = append(c.free, t)
	}
	clear(c.active)
	c.active = c.active[:0]
	for k, d := range c.dbs {
		clear(d.tables)
		c.dfree = append(c.dfree, d)
		delete(c.dbs, k)
	}
	c.defDB = nil
	c.opts, c.out = nil, nil
	c.labels = c.labels[:0]
	c.res, c.direct = c.res[:0], nil
	c.scratch = c.scratch[:0]
	c.ts, c.vals = c.ts[:0], c.vals[:0]
	c.series = 0
	c.checked, c.grouped = false, false
	c.last = nil
	c.v2.reset()
	c.group.reset()
	if len(c.intern) > internLimit {
		c.intern = make(map[string]string)
		c.sanitized = nil
	}
}

// str returns an interned copy of b: label names, metric names and routing
// values repeat across requests, so after warm-up this allocates nothing.
func (c *Converter) str(b []byte) string {
	if s, ok := c.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	c.intern[s] = s
	return s
}

// dbState groups the tables of one target database.
type dbState struct {
	name   string
	opts   translate.DatabaseOptions
	tables map[string]*tableState
	// layouts is c.layouts[name], looked up once per request (layoutOf).
	layouts    map[string]*tagLayout
	layoutsSet bool
}

// tableState is the per-request state of one output table.
type tableState struct {
	db    *dbState
	name  string
	phys  string
	batch *table.Batch
	ts    *table.Column
	val   *table.Column
	// cols maps a raw label name to its column; keyed by the raw name so
	// sanitised names resolve without re-sanitising.
	cols  map[string]*table.Column
	stamp map[*table.Column]int32
	// prevNames/prevCols remember the previous series' label names and
	// columns (see sameNames); prevSeq is 0 when nothing is remembered.
	prevNames [][]byte
	prevCols  []*table.Column
	prevSeq   int32
	// layout is the table's tag layout kept from an earlier request, or
	// nil; lazyCols is set while addLayout has left cols empty (colMap).
	layout   *tagLayout
	lazyCols bool
	// layoutUsed is set when addLayout built the columns and no series
	// with other names followed (remember clears it): the layout is
	// already what keepLayouts would record.
	layoutUsed bool

	// remote write 2.0 metadata (v2.rs record_series_metadata).
	mtype, unit string
	declared    bool
}

func (t *tableState) reset() {
	t.db, t.batch, t.ts, t.val = nil, nil, nil, nil
	t.name, t.phys, t.mtype, t.unit = "", "", "", ""
	t.declared = false
	clear(t.cols)
	clear(t.stamp)
	clear(t.prevNames)
	clear(t.prevCols)
	t.prevNames, t.prevCols, t.prevSeq = t.prevNames[:0], t.prevCols[:0], 0
	t.layout, t.lazyCols, t.layoutUsed = nil, false, false
}

// begin prepares the converter for one request.
func (c *Converter) begin(opts *Options, out *translate.Output, v Version) {
	c.opts, c.out, c.ver = opts, out, v
}

// database returns the state of the named database; nil db means the
// request's database.
func (c *Converter) database(name []byte, set bool) (*dbState, error) {
	if !set {
		if c.defDB == nil {
			c.defDB = c.newDB(c.opts.Database)
		}
		return c.defDB, nil
	}
	if d, ok := c.dbs[string(name)]; ok {
		return d, nil
	}
	if !validTableName(name) {
		// A database GreptimeDB could never have created (schema names
		// follow NAME_PATTERN too); refused here rather than at send time.
		return nil, errs.NewPermanent(fmt.Errorf("remote write %s: database %q named by a series label is not a valid GreptimeDB database name", c.ver, name))
	}
	return c.newDB(c.str(name)), nil
}

func (c *Converter) newDB(name string) *dbState {
	if d, ok := c.dbs[name]; ok {
		return d
	}
	var d *dbState
	if n := len(c.dfree); n > 0 {
		d = c.dfree[n-1]
		c.dfree = c.dfree[:n-1]
	} else {
		d = &dbState{tables: make(map[string]*tableState)}
	}
	d.name = name
	d.opts = c.opts.dbOptions(name)
	d.layouts, d.layoutsSet = nil, false
	c.dbs[name] = d
	return d
}

// table returns the state of metric table name in d, creating its batch
// with the time index and value columns (row_builder.rs
// TableBuilder::with_capacity) on first use. phys is the series'
// physical-table label, if any.
func (c *Converter) table(d *dbState, name []byte, phys []byte, physSet bool) (*tableState, error) {
	if t := c.last; t != nil && t.db == d && t.name == string(name) {
		return t, nil
	}
	c.sealLast()
	if t, ok := d.tables[string(name)]; ok {
		c.last = t
		return t, nil
	}
	if !validTableName(name) {
		// GreptimeDB refuses to auto-create such a table
		// (operator/src/statement/ddl.rs NAME_PATTERN_REG, also for logical
		// tables), which fails the whole remote-write request.
		return nil, errs.NewPermanent(fmt.Errorf("remote write %s: metric name %q is not a valid GreptimeDB table name (%s)", c.ver, name, tableNamePattern))
	}
	var t *tableState
	if n := len(c.free); n > 0 {
		t = c.free[n-1]
		c.free = c.free[:n-1]
	} else {
		t = &tableState{cols: make(map[string]*table.Column), stamp: make(map[*table.Column]int32)}
	}
	t.db = d
	t.name = c.str(name)
	b := c.out.Batch(d.name, t.name)
	t.batch = b
	var err error
	if t.ts, err = column(b, ColTimestamp, table.TimestampMillisecond, table.Timestamp); err != nil {
		return nil, errs.NewPermanent(err)
	}
	if t.val, err = column(b, ColValue, table.Float64, table.Field); err != nil {
		return nil, errs.NewPermanent(err)
	}
	// A batch that already holds columns (an Output reused without Reset)
	// keeps them; labels map onto them by name.
	for _, col := range b.Columns() {
		if col.Semantic == table.Tag {
			t.cols[col.Name] = col
		}
	}
	// The physical table is fixed when the table is first met in a request:
	// a logical table lives on one physical table, so later series naming
	// another one are written to the first (GreptimeDB would find the table
	// already created on it).
	if d.opts.MetricEngine {
		switch {
		case physSet:
			t.phys = c.str(phys)
		case c.opts.PhysicalTable != "":
			t.phys = c.opts.PhysicalTable
		case d.opts.PhysicalTable != "":
			t.phys = d.opts.PhysicalTable
		default:
			t.phys = translate.DefaultPhysicalTable
		}
		if !validTableName([]byte(t.phys)) {
			// GreptimeDB cannot create it, and the hint could not carry it
			// (x-greptime-hints has no escaping).
			return nil, errs.NewPermanent(fmt.Errorf("remote write %s: table %q: physical table %q is not a valid GreptimeDB table name (%s)", c.ver, t.name, t.phys, tableNamePattern))
		}
	}
	t.layout = c.layoutOf(d, t.name)
	d.tables[t.name] = t
	c.active = append(c.active, t)
	c.last = t
	return t, nil
}

func column(b *table.Batch, name string, typ table.DataType, sem table.SemanticType) (*table.Column, error) {
	i, err := b.AddColumn(name, typ, sem)
	if err != nil {
		return nil, err
	}
	return b.Col(i), nil
}

// sealLast hands the previous table's batch over while its columns are
// in cache (translate.Output.Seal) when the request is read grouped by
// metric: its run of series has ended.
func (c *Converter) sealLast() {
	if c.last != nil && c.grouped {
		c.out.Seal(c.last.batch)
	}
}

// finish stamps every written table's options (hints).
func (c *Converter) finish() {
	c.sealLast()
	c.keepLayouts()
	for _, t := range c.active {
		setHints(t, c.ver)
	}
}

// checkCtx checks ctx every ctxCheckEvery series.
func (c *Converter) checkCtx(ctx context.Context) error {
	c.series++
	if c.series%ctxCheckEvery == 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("remote write translation stopped after %d series: %w", c.series, err)
		}
	}
	return nil
}

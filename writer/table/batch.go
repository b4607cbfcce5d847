package table

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// Hint is one table-option hint, sent to GreptimeDB in the x-greptime-hints
// metadata entry of a row insert (e.g. "append_mode"="true").
type Hint struct {
	Key, Value string
}

// Hints is a set of hints kept sorted by key so equal sets compare equal.
type Hints []Hint

// Set sets key to value, keeping the set sorted.
func (h *Hints) Set(key, value string) {
	i := sort.Search(len(*h), func(i int) bool { return (*h)[i].Key >= key })
	if i < len(*h) && (*h)[i].Key == key {
		(*h)[i].Value = value
		return
	}
	*h = append(*h, Hint{})
	copy((*h)[i+1:], (*h)[i:])
	(*h)[i] = Hint{Key: key, Value: value}
}

// Get returns the value of key.
func (h Hints) Get(key string) (string, bool) {
	i := sort.Search(len(h), func(i int) bool { return h[i].Key >= key })
	if i < len(h) && h[i].Key == key {
		return h[i].Value, true
	}
	return "", false
}

// Equal reports whether h and o hold the same hints; it allocates
// nothing, unlike comparing Keys.
func (h Hints) Equal(o Hints) bool {
	if len(h) != len(o) {
		return false
	}
	for i := range h {
		if h[i] != o[i] {
			return false
		}
	}
	return true
}

// Key returns a canonical string for the set ("k1=v1,k2=v2"), used to group
// batches that can share one insert call.
func (h Hints) Key() string {
	var sb strings.Builder
	for i, x := range h {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(x.Key)
		sb.WriteByte('=')
		sb.WriteString(x.Value)
	}
	return sb.String()
}

// Batch is a columnar batch of rows for one table: the unit translate
// produces, the pipeline coalesces and the writer sends. A Batch is not safe
// for concurrent use. It is reusable: Reset keeps its columns' capacity so a
// Batch can live in a sync.Pool.
type Batch struct {
	// Database is the target database ("" means the writer's default). A
	// name of the form "catalog-schema" is resolved by GreptimeDB.
	Database string
	// Table is the table name, verbatim.
	Table string
	// Hints are the table options GreptimeDB applies when it auto-creates
	// the table from a row insert.
	Hints Hints
	// CreateSQL, when set, is a CREATE TABLE IF NOT EXISTS statement to run
	// once before the first insert, for what hints and column options cannot
	// express (partitions, skipping indexes).
	CreateSQL string
	// AlterSQL holds idempotent statements to run before every insert of
	// this batch, for changes a row insert cannot make (widening a trace
	// attribute column from BIGINT to DOUBLE, greptimedb-tables.md §7.4).
	AlterSQL []string

	cols  []*Column
	index map[string]int
	rows  int
	// spare is a stack of columns kept by Reset(false) for reuse, pushed
	// in reverse so a batch that gets the same columns again in the same
	// order (the same table, next request) pops each one's own buffers.
	spare []*Column
}

// indexFrom is the column count from which Lookup uses a map; below it a
// scan of the names is cheaper than hashing (a Prometheus metric table has
// about ten columns).
const indexFrom = 16

// New returns an empty batch for database and table.
func New(database, tableName string) *Batch {
	return &Batch{Database: database, Table: tableName}
}

// Rows returns the number of complete rows.
func (b *Batch) Rows() int { return b.rows }

// NumColumns returns the number of columns.
func (b *Batch) NumColumns() int { return len(b.cols) }

// Columns returns the columns in schema order. The slice aliases the batch.
func (b *Batch) Columns() []*Column { return b.cols }

// Col returns column i.
func (b *Batch) Col(i int) *Column { return b.cols[i] }

// Lookup returns the index of the column named name.
func (b *Batch) Lookup(name string) (int, bool) {
	if b.index == nil {
		for i, c := range b.cols {
			if c.Name == name {
				return i, true
			}
		}
		return 0, false
	}
	i, ok := b.index[name]
	return i, ok
}

// Column returns the column named name, or nil.
func (b *Batch) Column(name string) *Column {
	if i, ok := b.Lookup(name); ok {
		return b.cols[i]
	}
	return nil
}

// TimeIndex returns the index of the time-index column, or -1.
func (b *Batch) TimeIndex() int {
	for i, c := range b.cols {
		if c.Semantic == Timestamp {
			return i
		}
	}
	return -1
}

// AddColumn returns the index of column name, adding it when absent. A
// column added after rows exist holds NULL for those rows. Adding an existing
// name with another type or semantic type is an error.
func (b *Batch) AddColumn(name string, typ DataType, sem SemanticType) (int, error) {
	if i, ok := b.Lookup(name); ok {
		c := b.cols[i]
		if c.Type != typ || c.Semantic != sem {
			return i, fmt.Errorf("table %q: column %q is %s %s, not %s %s", b.Table, name, c.Semantic, c.Type, sem, typ)
		}
		return i, nil
	}
	if !typ.Valid() {
		return 0, fmt.Errorf("table %q: column %q has unknown data type %d", b.Table, name, int32(typ))
	}
	if name == "" {
		return 0, fmt.Errorf("table %q: empty column name", b.Table)
	}
	b.appendColumn(name, typ, sem)
	return len(b.cols) - 1, nil
}

// appendColumn adds a column the caller knows is absent, reusing a spare
// one's buffers when there is one.
func (b *Batch) appendColumn(name string, typ DataType, sem SemanticType) *Column {
	var c *Column
	if n := len(b.spare); n > 0 {
		c = b.spare[n-1]
		b.spare[n-1] = nil
		b.spare = b.spare[:n-1]
		c.recycle()
	} else {
		c = &Column{}
	}
	c.Name, c.Type, c.Semantic = name, typ, sem
	c.init()
	for j := 0; j < b.rows; j++ {
		c.AppendNull()
	}
	b.cols = append(b.cols, c)
	if b.index == nil && len(b.cols) >= indexFrom {
		b.index = make(map[string]int, 2*indexFrom)
	}
	if b.index != nil {
		if len(b.index) == 0 {
			for j, x := range b.cols {
				b.index[x.Name] = j
			}
		} else {
			b.index[name] = len(b.cols) - 1
		}
	}
	return c
}

// SameLayout reports whether b and o are batches of one table with the
// same columns in the same order (name, data type, semantic type, type
// extension and options), so their rows can travel under one schema: the
// writer sends consecutive batches of one layout as one RowInsertRequest,
// and the pipeline coalesces a table's requests that way instead of
// copying them into one batch. Hints and statements are not compared.
func (b *Batch) SameLayout(o *Batch) bool {
	if len(b.cols) != len(o.cols) || b.Table != o.Table || b.Database != o.Database {
		return false
	}
	for i, c := range b.cols {
		d := o.cols[i]
		if c == d {
			continue
		}
		if c.Name != d.Name || c.Type != d.Type || c.Semantic != d.Semantic ||
			c.Precision != d.Precision || c.Scale != d.Scale || c.VectorDim != d.VectorDim {
			return false
		}
		if (len(c.Options) > 0 || len(d.Options) > 0) && !maps.Equal(c.Options, d.Options) {
			return false
		}
	}
	return true
}

// MustColumn is AddColumn for schemas fixed in code; it panics on a conflict.
func (b *Batch) MustColumn(name string, typ DataType, sem SemanticType) *Column {
	i, err := b.AddColumn(name, typ, sem)
	if err != nil {
		panic(err)
	}
	return b.cols[i]
}

// EndRow completes the current row: every column without a value for it gets
// NULL. It fails, rolling the row back, when a column received two values or
// a value of the wrong storage class.
func (b *Batch) EndRow() error {
	want := b.rows + 1
	for _, c := range b.cols {
		if c.err != nil || c.n > want {
			err := c.err
			if err == nil {
				err = fmt.Errorf("column %q got %d values for one row", c.Name, c.n-b.rows)
			}
			b.rollback()
			return fmt.Errorf("table %q: %w", b.Table, err)
		}
		if c.n < want {
			c.AppendNull()
		}
	}
	b.rows = want
	return nil
}

// CancelRow drops the values appended since the last complete row.
func (b *Batch) CancelRow() { b.rollback() }

func (b *Batch) rollback() {
	for _, c := range b.cols {
		c.truncate(b.rows)
		c.err = nil
	}
}

// AddRow appends one row of values in column order; len(values) must equal
// the number of columns.
func (b *Batch) AddRow(values ...Value) error {
	if len(values) != len(b.cols) {
		return fmt.Errorf("table %q: row has %d values, the schema has %d columns", b.Table, len(values), len(b.cols))
	}
	for i, v := range values {
		if err := b.cols[i].AppendValue(v); err != nil {
			b.rollback()
			return fmt.Errorf("table %q: %w", b.Table, err)
		}
	}
	return b.EndRow()
}

// Row returns row i boxed, for tests and debugging.
func (b *Batch) Row(i int) []Value {
	out := make([]Value, len(b.cols))
	for j, c := range b.cols {
		out[j] = c.Value(i)
	}
	return out
}

// ByteSize estimates the memory held by the batch's values.
func (b *Batch) ByteSize() int {
	n := 0
	for _, c := range b.cols {
		n += c.ByteSize()
	}
	return n
}

// Reset empties the batch for reuse. With keepSchema it keeps the columns
// (values cleared); without, it drops them but keeps their buffers for the
// next AddColumn calls.
func (b *Batch) Reset(keepSchema bool) {
	b.rows = 0
	if keepSchema {
		for _, c := range b.cols {
			c.reset()
		}
		return
	}
	b.Database, b.Table, b.CreateSQL = "", "", ""
	b.AlterSQL = b.AlterSQL[:0]
	b.Hints = b.Hints[:0]
	for i := len(b.cols) - 1; i >= 0; i-- {
		b.spare = append(b.spare, b.cols[i])
		b.cols[i] = nil
	}
	b.cols = b.cols[:0]
	// Keep the index map's storage: a pooled batch usually gets the same
	// columns again. Not a huge one's: clearing it costs its capacity on
	// every later Reset, so a batch that once held a first request of
	// 200,000 columns would make every small one pay for them.
	if len(b.index) > 4096 {
		b.index = nil
	}
	clear(b.index)
}

// ErrInvalid marks client-side validation failures of a batch.
var ErrInvalid = errs.NewPermanent(errors.New("invalid batch"))

// Validate checks what GreptimeDB requires of every batch before anything is
// sent: a table name, at least one row, exactly one time-index column of a
// TIMESTAMP_* type without NULLs, equal column lengths, unique names and no
// recorded append errors. Errors wrap ErrInvalid.
func (b *Batch) Validate() error {
	if b.Table == "" {
		return fmt.Errorf("%w: empty table name", ErrInvalid)
	}
	if b.rows == 0 {
		return fmt.Errorf("%w: table %q: empty batch", ErrInvalid, b.Table)
	}
	if name, dup := b.DuplicateName(); dup {
		return fmt.Errorf("%w: table %q: duplicate column %q", ErrInvalid, b.Table, name)
	}
	ts := -1
	for i, c := range b.cols {
		if c.err != nil {
			return fmt.Errorf("%w: table %q: %w", ErrInvalid, b.Table, c.err)
		}
		if c.n != b.rows {
			return fmt.Errorf("%w: table %q: column %q has %d values for %d rows", ErrInvalid, b.Table, c.Name, c.n, b.rows)
		}
		if c.Semantic == Timestamp {
			if ts >= 0 {
				return fmt.Errorf("%w: table %q: two time-index columns %q and %q", ErrInvalid, b.Table, b.cols[ts].Name, c.Name)
			}
			ts = i
			if !c.Type.IsTimestamp() {
				return fmt.Errorf("%w: table %q: time index %q is %s, not a TIMESTAMP type", ErrInvalid, b.Table, c.Name, c.Type)
			}
			if c.nulls > 0 {
				return fmt.Errorf("%w: table %q: time index %q has a NULL value", ErrInvalid, b.Table, c.Name)
			}
		}
	}
	if ts < 0 {
		return fmt.Errorf("%w: table %q: no time-index column", ErrInvalid, b.Table)
	}
	return nil
}

// Prefetch reads a word of every column of b, its header and its first
// values, and returns a number made of them (keep it somewhere, or the
// reads may be optimised away). A pass over many small batches calls it on
// the next batch before it works on the current one, so the processor
// fetches the next batch's memory meanwhile: a node-exporter-shaped flush
// is thousands of two-row batches of ten columns, each column's header and
// values somewhere else in a heap far larger than the cache, and a pass
// that met them one after another waited for each in turn (issue #12).
// The row encoder's pass (writer appendInserts), BenchmarkWriteDepth
// cpu-ns/row, four alternated runs each on 2 cores at load average 5-7:
// 16 two-row shares per table 758-809 -> 656-722, 4 shares 357-529 ->
// 349-422, one batch per table unchanged; BenchmarkRemoteWritePath
// names=1000 (six alternated runs, the test server's CPU included) median
// cpu-ns/sample 4,590 -> 4,440.
func (b *Batch) Prefetch() int {
	s := b.rows
	for _, c := range b.cols {
		s += c.n
		switch c.Type.Storage() {
		case StorageBytes:
			if len(c.offsets) > 1 && len(c.data) > 0 {
				s += int(c.offsets[1]) + int(c.data[0])
			}
		case StorageInt:
			if len(c.ints) > 0 {
				s += int(c.ints[0])
			}
		case StorageFloat:
			if len(c.floats) > 0 {
				s += int(c.floats[0])
			}
		}
	}
	return s
}

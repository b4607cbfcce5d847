package pipeline

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

type tableKey struct{ db, table string }

type knownColumn struct {
	typ table.DataType
	sem table.SemanticType
}

// schemaCache is the bridge's one owner of what it knows about GreptimeDB's
// tables: the columns GreptimeDB listed for a table (schema_load.go) or a
// row insert created or widened, and whether the table's DDL ran. Only
// known columns may travel by bulk (mito drops unknown bulk columns
// silently, greptimedb-protocol.md §7.3). An answer saying a table or
// column is gone or of another type makes it forget the table, which is
// read again on its next translation.
type schemaCache struct {
	mu     sync.RWMutex
	tables map[tableKey]*cachedTable
	// loader, when set, reads unknown tables from GreptimeDB.
	loader *schemaLoader
}

type cachedTable struct {
	cols  map[string]knownColumn
	order []string
	// layout is the column list (in order) of the last batch found wholly
	// known: a batch laid out the same is known too, which a comparison
	// tells without a map look-up per column. A table's requests usually
	// share their layout, and under node-exporter-shaped load a request
	// is a thousand small tables, each checked on the way in and on every
	// flush (issue #12). Cleared when a type may change.
	layout []layoutColumn
	// layoutSum is the pipeline's hash of layout (batchFacts.layout) when
	// the batch that set it came with one, else 0. A batch whose facts
	// carry the same hash is known without reading its columns at all:
	// they are cold by the time a flush is acknowledged, and comparing
	// them column by column on the way in and again per flushed table was
	// 6.7% of the bridge's CPU under node-exporter-shaped remote write
	// (issue #12). A 2^-64 collision would let one request pass the check
	// and be refused by GreptimeDB instead, or leave a new column out of
	// the cache until a later batch adds it (covers compares exactly).
	layoutSum uint64
	// known is TableSchema's answer, built on first ask and shared by
	// every later one until a column is added or its type changes (then
	// set to nil, never modified in place), so a lookup per request copies
	// nothing.
	known []translate.KnownColumn
	ddl   bool
	// noBulk is set when the server refused a bulk write as unsupported.
	noBulk bool
	// loaded is set once GreptimeDB was asked about the table (whether
	// or not it exists).
	loaded bool
}

func newSchemaCache() *schemaCache { return &schemaCache{tables: map[tableKey]*cachedTable{}} }

// entry returns the table's cache entry, creating it; s.mu must be held.
func (s *schemaCache) entry(k tableKey) *cachedTable {
	t, ok := s.tables[k]
	if !ok {
		t = &cachedTable{cols: map[string]knownColumn{}}
		s.tables[k] = t
	}
	return t
}

// layoutColumn is one column of a cachedTable's layout.
type layoutColumn struct {
	name  string
	known knownColumn
}

// sameLayout reports whether b's columns are t.layout; s.mu must be held.
func (t *cachedTable) sameLayout(b *table.Batch) bool {
	cols := b.Columns()
	if len(t.layout) != len(cols) || len(cols) == 0 {
		return false
	}
	for i, c := range cols {
		l := &t.layout[i]
		if l.known.typ != c.Type || l.known.sem != c.Semantic || l.name != c.Name {
			return false
		}
	}
	return true
}

// knownSum reports whether sum, a batch's layout hash, is t's remembered
// layout; 0 means no hash. s.mu must be held.
func (t *cachedTable) knownSum(sum uint64) bool {
	return sum != 0 && t.layoutSum == sum
}

// rememberLayout records b's columns, whose layout hash is sum (0 for
// none), as t's layout; s.mu must be held for writing and every column of
// b must be in t.cols with its type.
func (t *cachedTable) rememberLayout(b *table.Batch, sum uint64) {
	t.layoutSum = sum
	t.layout = t.layout[:0]
	for _, c := range b.Columns() {
		t.layout = append(t.layout, layoutColumn{c.Name, knownColumn{c.Type, c.Semantic}})
	}
}

// check refuses, as permanent, a batch whose column types contradict what
// the table is known to hold, so one bad request is answered on its own
// before it is coalesced with others.
func (s *schemaCache) check(b *table.Batch) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.checkLocked(b, 0)
}

// checkLocked is check with s.mu held, for a batch whose layout hash is
// sum (0 for none).
func (s *schemaCache) checkLocked(b *table.Batch, sum uint64) error {
	t, ok := s.tables[tableKey{b.Database, b.Table}]
	if !ok || t.knownSum(sum) || t.sameLayout(b) {
		return nil
	}
	for _, c := range b.Columns() {
		k, ok := t.cols[c.Name]
		if !ok {
			continue
		}
		if widens(b, k, c) || (k.typ == table.Float64 && c.Type == table.Int64 && k.sem == c.Semantic) {
			// Widening ahead, or a request translated before a widening:
			// the worker casts it (coerce).
			continue
		}
		if k.typ != c.Type || k.sem != c.Semantic {
			return errs.NewPermanent(knownConflict{fmt.Errorf("table %q column %q is %s %s in GreptimeDB, the request sends %s %s",
				b.Table, c.Name, k.sem, k.typ, c.Semantic, c.Type)})
		}
	}
	return nil
}

// knownConflict marks check's refusal: the batch contradicts what the
// bridge knows the table holds now.
type knownConflict struct{ error }

func (e knownConflict) Unwrap() error { return e.error }

// TranslatedForAnotherTable reports whether err is the pipeline refusing a
// batch whose column types contradict what it knows the table holds now:
// for a batch translated earlier (the disk queue's), the table changed
// after its translation, and translating the request again follows it.
func TranslatedForAnotherTable(err error) bool {
	var k knownConflict
	return errors.As(err, &k)
}

// accepted records that GreptimeDB accepted every column of b, whose
// layout hash is sum (0 for none).
func (s *schemaCache) accepted(b *table.Batch, sum uint64) {
	k := tableKey{b.Database, b.Table}
	s.mu.RLock()
	t, ok := s.tables[k]
	known := ok && (t.knownSum(sum) || (t.sameLayout(b) && t.layoutSum == sum))
	s.mu.RUnlock()
	if known {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t = s.entry(k)
	if len(t.cols) == 0 && b.NumColumns() > 64 {
		// A table's first batch: sized at once rather than grown through
		// every power of two up to its width (200,000 columns on first
		// sight of a huge attribute set).
		t.cols = make(map[string]knownColumn, b.NumColumns())
		t.order = slices.Grow(t.order, b.NumColumns())
	}
	consistent := true
	for _, c := range b.Columns() {
		k, ok := t.cols[c.Name]
		if !ok {
			k = knownColumn{c.Type, c.Semantic}
			t.cols[c.Name] = k
			t.order = append(t.order, c.Name)
			t.known = nil
		}
		consistent = consistent && k == knownColumn{c.Type, c.Semantic}
	}
	if consistent {
		t.rememberLayout(b, sum)
	}
}

// covers reports whether every column of b is known to exist.
func (s *schemaCache) covers(b *table.Batch) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tables[tableKey{b.Database, b.Table}]
	if !ok {
		return false
	}
	if t.sameLayout(b) {
		return true
	}
	for _, c := range b.Columns() {
		if _, ok := t.cols[c.Name]; !ok {
			return false
		}
	}
	return true
}

// forget drops a table, after GreptimeDB said it or a column is gone.
func (s *schemaCache) forget(k tableKey) {
	s.mu.Lock()
	delete(s.tables, k)
	s.mu.Unlock()
}

// ddlDone reports and records that the table's CREATE statement ran.
func (s *schemaCache) ddlDone(k tableKey) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tables[k]
	return ok && t.ddl
}

func (s *schemaCache) markDDL(k tableKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.entry(k)
	t.ddl = true
}

// tables returns the number of known tables.
func (s *schemaCache) size() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.tables)
}

// conform returns b laid out in the table's full known column order, with
// NULL for known columns b lacks, so every bulk batch of a table has the
// same schema and its stream is not reopened for each label subset.
func (s *schemaCache) conform(b *table.Batch, into *table.Batch) (*table.Batch, error) {
	s.mu.RLock()
	t, ok := s.tables[tableKey{b.Database, b.Table}]
	if !ok {
		s.mu.RUnlock()
		return b, nil
	}
	into.Reset(false)
	into.Database, into.Table = b.Database, b.Table
	for _, name := range t.order {
		k := t.cols[name]
		if _, err := into.AddColumn(name, k.typ, k.sem); err != nil {
			s.mu.RUnlock()
			return nil, err
		}
	}
	s.mu.RUnlock()
	if err := into.AppendBatch(b); err != nil {
		return nil, err
	}
	return into, nil
}

// setRowsOnly marks a table as unable to take bulk writes; it reports
// whether this is news (so the log says it once).
func (s *schemaCache) setRowsOnly(k tableKey) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.entry(k)
	was := t.noBulk
	t.noBulk = true
	return !was
}

func (s *schemaCache) rowsOnly(k tableKey) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tables[k]
	return ok && t.noBulk
}

// TableSchema implements translate.SchemaLookup: the table's columns as
// GreptimeDB listed them, then those its writes added, in order. A table
// seen for the first time is read from GreptimeDB first (once, however
// many requests ask). The answer is a snapshot shared with other callers
// (translate.SchemaLookup: read-only); it is built once per change of the
// table's columns, not per request.
func (s *schemaCache) TableSchema(database, tableName string) ([]translate.KnownColumn, bool) {
	k := tableKey{database, tableName}
	if !s.loaded(k) {
		s.load(k)
	}
	s.mu.RLock()
	t, ok := s.tables[k]
	if !ok || len(t.order) == 0 {
		s.mu.RUnlock()
		return nil, false
	}
	if known := t.known; known != nil {
		s.mu.RUnlock()
		return known, true
	}
	s.mu.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	// Looked up again: the table may have changed or gone meanwhile.
	if t, ok = s.tables[k]; !ok || len(t.order) == 0 {
		return nil, false
	}
	if t.known == nil {
		known := make([]translate.KnownColumn, 0, len(t.order))
		for _, name := range t.order {
			c := t.cols[name]
			known = append(known, translate.KnownColumn{Name: name, Type: c.typ, Semantic: c.sem})
		}
		t.known = known
	}
	return t.known, true
}

// widens reports whether b carries ALTER statements and c is a BIGINT
// column arriving as DOUBLE: the one change the pipeline applies before the
// insert (greptimedb-tables.md §7.4).
func widens(b *table.Batch, k knownColumn, c *table.Column) bool {
	return len(b.AlterSQL) > 0 && k.typ == table.Int64 && c.Type == table.Float64 && k.sem == c.Semantic
}

// widen records the types of b's columns after its ALTER statements ran.
func (s *schemaCache) widen(b *table.Batch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tables[tableKey{b.Database, b.Table}]
	if !ok {
		return
	}
	t.layout, t.layoutSum = nil, 0
	for _, c := range b.Columns() {
		if k, ok := t.cols[c.Name]; ok && widens(b, k, c) {
			t.cols[c.Name] = knownColumn{c.Type, c.Semantic}
			t.known = nil
		}
	}
}

// coerce casts BIGINT columns of b that GreptimeDB now holds as DOUBLE
// (widened after b was translated) to DOUBLE, and reports whether it cast
// any. The caller calls it only for a batch with a BIGINT column
// (batchFacts.ints), so it does not scan for one again.
func (s *schemaCache) coerce(b *table.Batch) bool {
	s.mu.RLock()
	t, ok := s.tables[tableKey{b.Database, b.Table}]
	if !ok {
		s.mu.RUnlock()
		return false
	}
	var cast []string
	for _, c := range b.Columns() {
		if k, ok := t.cols[c.Name]; ok && k.typ == table.Float64 && c.Type == table.Int64 && k.sem == c.Semantic {
			cast = append(cast, c.Name)
		}
	}
	s.mu.RUnlock()
	for _, name := range cast {
		_ = b.CastInt64ToFloat64(name)
	}
	return len(cast) > 0
}

package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// SchemaReader reads a table's columns from GreptimeDB; found is false
// when the table does not exist. The writer package's Client implements it
// through ClientSchema.
type SchemaReader interface {
	ReadSchema(ctx context.Context, database, table string) (cols []translate.KnownColumn, found bool, err error)
}

// schemaLoader reads tables' schemas from GreptimeDB on first sight, one
// look-up per table however many requests ask at once.
type schemaLoader struct {
	reader  SchemaReader
	timeout time.Duration
	log     *slog.Logger
	group   singleflight.Group
	// off is set when GreptimeDB cannot answer the query at all (an old
	// version without DoGet queries, or no permission): the bridge then
	// knows tables only from its own writes, as before.
	off     atomic.Bool
	offLog  sync.Once
	failLog sync.Once
	stats   *Stats
}

// SetSchemaReader makes the pipeline read the schema of a table it has not
// seen from GreptimeDB before translating into it (logs and traces into
// tables that exist: greptimedb-tables.md §7.3, §7.4). Each look-up is
// bounded by timeout. Call it before the pipeline takes requests.
func (p *Pipeline) SetSchemaReader(r SchemaReader, timeout time.Duration) {
	p.schemas.loader = &schemaLoader{reader: r, timeout: timeout, log: p.log, stats: &p.stats}
}

// load reads k's schema into the cache unless it is already there. A
// failed look-up leaves the table unknown: translation falls back to the
// layout it would give a new table, and the write answers for itself.
func (s *schemaCache) load(k tableKey) {
	l := s.loader
	if l == nil || l.off.Load() {
		return
	}
	_, _, _ = l.group.Do(k.db+"\x00"+k.table, func() (any, error) {
		if s.loaded(k) {
			return nil, nil
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
		defer cancel()
		l.stats.SchemaLookups.Add(1)
		cols, found, err := l.reader.ReadSchema(ctx, k.db, k.table)
		if err != nil {
			l.stats.SchemaLookupErrors.Add(1)
			l.failed(k, err)
			return nil, nil
		}
		s.store(k, cols, found)
		return nil, nil
	})
}

// failed logs a failed look-up: once for good when GreptimeDB cannot
// answer schema queries (and stops asking), once for the first transient
// failure.
func (l *schemaLoader) failed(k tableKey, err error) {
	class, _ := errs.Classify(err)
	var inv *writer.InvalidInputError
	switch {
	case errors.As(err, &inv):
		return
	case class == errs.BadData || class == errs.Forbidden || class == errs.Unauthenticated:
		l.off.Store(true)
		l.offLog.Do(func() {
			l.log.Warn("GreptimeDB cannot answer table schema queries; tables are known only from this bridge's own writes, so logs and traces into tables created elsewhere use the default layout",
				"database", k.db, "table", k.table, "error", err)
		})
	default:
		l.failLog.Do(func() {
			l.log.Warn("cannot read a table's schema from GreptimeDB; the request is translated as for a new table (logged once)",
				"database", k.db, "table", k.table, "error", err)
		})
	}
}

// loaded reports whether k's schema is known, from GreptimeDB or from the
// bridge's own accepted writes.
func (s *schemaCache) loaded(k tableKey) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tables[k]
	return ok && (t.loaded || len(t.order) > 0)
}

// store records what GreptimeDB said about k. Columns the bridge saw
// accepted meanwhile are kept after GreptimeDB's.
func (s *schemaCache) store(k tableKey, cols []translate.KnownColumn, found bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.entry(k)
	prev, prevOrder := t.cols, t.order
	t.layout, t.layoutSum, t.known = nil, 0, nil // types may change
	t.cols = make(map[string]knownColumn, len(cols)+len(prevOrder))
	t.order = t.order[:0:0]
	for _, c := range cols {
		t.cols[c.Name] = knownColumn{c.Type, c.Semantic}
		t.order = append(t.order, c.Name)
	}
	for _, name := range prevOrder {
		if _, ok := t.cols[name]; !ok {
			t.cols[name] = prev[name]
			t.order = append(t.order, name)
		}
	}
	t.loaded = true
	if found {
		// The table exists: its CREATE statement need not run.
		t.ddl = true
	}
}

// StaleSchema reports whether err is GreptimeDB saying a table differs from
// what the request was translated for (a table or column gone, a column of
// another type). The pipeline has forgotten the table by the time Consume
// returns such an error, so translating the request again reads the table
// afresh: what GreptimeDB's own handler does, as it aligns every request
// with the table as it is (servers/src/otlp/logs.rs).
func StaleSchema(err error) bool { return schemaAnswer(err) }

// schemaAnswer reports whether err says the bridge's idea of a table is
// out of date: the table or a column is gone, or a column's type or
// semantic type is not what was sent (mito's write checks: "column c expect
// type …", "column c has semantic type Field, given: TAG"; the metric
// engine's "Column type mismatch"). The table is then read again before its
// next translation.
func schemaAnswer(err error) bool {
	var se *writer.ServerError
	if !errors.As(err, &se) || !se.HasStatus {
		return false
	}
	switch se.Status {
	case writer.StatusTableNotFound, writer.StatusTableColumnNotFound:
		return true
	case writer.StatusInvalidArguments:
		m := strings.ToLower(se.Message)
		return strings.Contains(m, "expect type") || strings.Contains(m, "type mismatch") ||
			strings.Contains(m, "has semantic type")
	}
	return false
}

// ClientSchema reads schemas through a writer.Client's TableColumns.
type ClientSchema struct{ Client *writer.Client }

// ReadSchema returns the table's columns as GreptimeDB lists them.
func (c ClientSchema) ReadSchema(ctx context.Context, database, table string) ([]translate.KnownColumn, bool, error) {
	cols, found, err := c.Client.TableColumns(ctx, database, table)
	if err != nil || !found {
		return nil, found, err
	}
	out := make([]translate.KnownColumn, len(cols))
	for i, c := range cols {
		out[i] = translate.KnownColumn{Name: c.Name, Type: c.Type, Semantic: c.Semantic}
	}
	return out, true, nil
}

package greptimetest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// This file holds the catalog: databases, tables and their schemas. The
// internal API used by the Arrow Flight DoPut service (flight*.go) is:
//
//   - parseDB(name) turns a client's database name into a dbKey;
//   - (*Server).metadataDB(md) resolves x-greptime-db-name and checks auth
//     from metadata, as DoPut does (servers/src/grpc/context_auth.rs); a
//     failed login is a ready status error ("auth failed");
//   - (*Server).lookupTable(db, name) returns a copy of a table's TableInfo
//     or a TableNotFound *Error; a logical table names its PhysicalTable,
//     whose TableInfo lists the union of tags;
//   - (*Server).appendRows(db, name, columns, rows, PathBulk) stores rows,
//     filling defaults and NULLs, deduplicating and honouring count-only
//     (storage.go);
//   - (*Server).beginCall(ctx, "DoPut"), (*Server).callLatency() and
//     (*Server).takeStreamBreak() apply faults (faults.go);
//   - toStatus(ctx, err) turns any error into GreptimeDB's status with
//     trailers (status.go).
//
// All catalog and storage state is guarded by Server.mu.

// Default catalog and schema (common/catalog/src/consts.rs
// DEFAULT_CATALOG_NAME, DEFAULT_SCHEMA_NAME).
const (
	defaultCatalog = "greptime"
	defaultSchema  = "public"
)

// minUserTableID is the first id given to a user table
// (common/catalog/src/consts.rs MIN_USER_TABLE_ID); it shows in region ids
// inside error messages.
const minUserTableID = 1024

// dbKey names one database: a catalog and a schema.
type dbKey struct {
	catalog, schema string
}

// String returns the database as GreptimeDB prints it in catalog-schema form.
func (k dbKey) String() string { return k.catalog + "-" + k.schema }

// parseDB splits a database name on its first '-' into catalog and schema,
// with the default catalog when there is no '-'
// (common/catalog/src/lib.rs parse_catalog_and_schema_from_db_string).
// The name is not lowercased.
func parseDB(name string) dbKey {
	if c, s, ok := strings.Cut(name, "-"); ok {
		return dbKey{catalog: c, schema: s}
	}
	return dbKey{catalog: defaultCatalog, schema: name}
}

// database is one schema and its tables.
type database struct {
	key    dbKey
	tables map[string]*tableState
}

// ColumnInfo describes a stored column.
type ColumnInfo struct {
	Name             string
	Type             table.DataType
	Semantic         table.SemanticType
	Nullable         bool
	Options          map[string]string
	Precision, Scale int32
	VectorDim        uint32
	// Default is the column's DEFAULT expression as written in SQL DDL,
	// empty when it has none.
	Default string
}

// TableInfo describes a stored table.
type TableInfo struct {
	Database, Name string
	Engine         string // "mito" or "metric"
	Columns        []ColumnInfo
	PrimaryKey     []string
	TimeIndex      string
	Options        map[string]string
	PhysicalTable  string // for metric-engine logical tables
	// Partition is the PARTITION ON COLUMNS clause given in CREATE TABLE,
	// recorded as text; the test server keeps one region per table.
	Partition string
	// Comment is the table description: "Created on insertion" for tables
	// created by a write (operator/src/expr_helper.rs
	// create_table_expr_by_column_schemas), else the comment option.
	Comment string
}

// Column returns the named column.
func (ti TableInfo) Column(name string) (ColumnInfo, bool) {
	for _, c := range ti.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return ColumnInfo{}, false
}

// tableState is a table's schema and its stored rows.
type tableState struct {
	id   uint32
	info TableInfo
	idx  map[string]int

	rows  [][]table.Value // in column order; short rows predate added columns
	keys  map[string]int  // dedup key → index in rows
	count int
	paths map[Path]int
}

func newTableState(id uint32, info TableInfo) *tableState {
	t := &tableState{id: id, info: info, keys: map[string]int{}, paths: map[Path]int{}}
	t.reindex()
	return t
}

func (t *tableState) reindex() {
	t.idx = make(map[string]int, len(t.info.Columns))
	for i, c := range t.info.Columns {
		t.idx[c.Name] = i
	}
}

// regionID is the table's single region id as RegionId's Debug prints it
// (store-api/src/storage/descriptors.rs): "<u64>(<table id>, <region>)".
func (t *tableState) regionID() string {
	return fmt.Sprintf("%d(%d, 0)", uint64(t.id)<<32, t.id)
}

// appendMode reports the append_mode table option (mito2 region options):
// append-mode tables keep rows with equal tags and time index.
func (t *tableState) appendMode() bool {
	return strings.EqualFold(t.info.Options["append_mode"], "true")
}

// copyInfo returns a deep copy of the table's info for callers outside mu.
func (t *tableState) copyInfo() TableInfo {
	ti := t.info
	ti.Columns = make([]ColumnInfo, len(t.info.Columns))
	for i, c := range t.info.Columns {
		c.Options = copyMap(c.Options)
		ti.Columns[i] = c
	}
	ti.PrimaryKey = append([]string(nil), t.info.PrimaryKey...)
	ti.Options = copyMap(t.info.Options)
	return ti
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// db returns the database, or nil. Callers hold s.mu.
func (s *Server) db(k dbKey) *database { return s.dbs[k] }

// table returns the table, or nil. Callers hold s.mu.
func (s *Server) table(k dbKey, name string) *tableState {
	if d := s.dbs[k]; d != nil {
		return d.tables[name]
	}
	return nil
}

// addTable registers a new table in an existing database. Callers hold s.mu.
func (s *Server) addTable(k dbKey, info TableInfo) *tableState {
	s.nextTableID++
	info.Database = k.String()
	if info.Options == nil {
		info.Options = map[string]string{}
	}
	t := newTableState(s.nextTableID, info)
	s.dbs[k].tables[info.Name] = t
	return t
}

// tableNotFound is operator's TableNotFound with the full table name
// (operator/src/error.rs, common/catalog format_full_table_name).
func tableNotFound(k dbKey, name string) *Error {
	return newErr(StatusTableNotFound, "Table not found: %s.%s.%s", k.catalog, k.schema, name)
}

// lookupTable returns a copy of a table's info, or TableNotFound.
func (s *Server) lookupTable(k dbKey, name string) (TableInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(k, name)
	if t == nil {
		return TableInfo{}, tableNotFound(k, name)
	}
	return t.copyInfo(), nil
}

// Table returns the schema of a table; db is the database name as a client
// gives it ("public", "greptime-public").
func (s *Server) Table(db, name string) (TableInfo, bool) {
	ti, err := s.lookupTable(parseDB(db), name)
	return ti, err == nil
}

// Tables returns the sorted table names of a database.
func (s *Server) Tables(db string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.db(parseDB(db))
	if d == nil {
		return nil
	}
	names := make([]string, 0, len(d.tables))
	for n := range d.tables {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

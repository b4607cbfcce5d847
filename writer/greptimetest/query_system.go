package greptimetest

import (
	"sort"
	"strconv"
	"strings"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// strCol, i64Col, u64Col, u32Col and tsSecCol declare result columns of
// ConcreteDataType string, int64, uint64, uint32 and timestamp_second.
func strCol(name string, nullable bool) ColumnInfo {
	return ColumnInfo{Name: name, Type: table.String, Nullable: nullable}
}

func i64Col(name string) ColumnInfo { return ColumnInfo{Name: name, Type: table.Int64, Nullable: true} }

func u64Col(name string) ColumnInfo {
	return ColumnInfo{Name: name, Type: table.Uint64, Nullable: true}
}

// infoColumnsSchema is information_schema.columns in GreptimeDB's column
// order and types (catalog/src/system_schema/information_schema/columns.rs
// InformationSchemaColumns::schema).
var infoColumnsSchema = []ColumnInfo{
	strCol("table_catalog", false), strCol("table_schema", false), strCol("table_name", false),
	strCol("column_name", false),
	{Name: "ordinal_position", Type: table.Int64},
	i64Col("character_maximum_length"), i64Col("character_octet_length"),
	i64Col("numeric_precision"), i64Col("numeric_scale"), i64Col("datetime_precision"),
	strCol("character_set_name", true), strCol("collation_name", true),
	strCol("column_key", false), strCol("extra", false), strCol("privileges", false),
	strCol("generation_expression", false), strCol("greptime_data_type", false),
	strCol("data_type", false), strCol("semantic_type", false), strCol("column_default", true),
	strCol("is_nullable", false), strCol("column_type", false), strCol("column_comment", true),
	i64Col("srs_id"),
}

// infoTablesSchema is information_schema.tables
// (information_schema/tables.rs InformationSchemaTables::schema).
var infoTablesSchema = []ColumnInfo{
	strCol("table_catalog", false), strCol("table_schema", false), strCol("table_name", false),
	strCol("table_type", false),
	{Name: "table_id", Type: table.Uint32, Nullable: true},
	u64Col("data_length"), u64Col("max_data_length"), u64Col("index_length"), u64Col("max_index_length"),
	u64Col("avg_row_length"), strCol("engine", true), u64Col("version"), strCol("row_format", true),
	u64Col("table_rows"), u64Col("data_free"), u64Col("auto_increment"),
	{Name: "create_time", Type: table.TimestampSecond, Nullable: true},
	{Name: "update_time", Type: table.TimestampSecond, Nullable: true},
	{Name: "check_time", Type: table.TimestampSecond, Nullable: true},
	strCol("table_collation", true), u64Col("checksum"), strCol("create_options", true),
	strCol("table_comment", true), strCol("temporary", true),
}

// semanticName is the semantic type as information_schema and DESC print
// it (common/catalog/src/consts.rs SEMANTIC_TYPE_*).
func semanticName(s table.SemanticType) string {
	switch s {
	case table.Tag:
		return "TAG"
	case table.Timestamp:
		return "TIMESTAMP"
	}
	return "FIELD"
}

// greptimeTypeName is ConcreteDataType::name (datatypes/src/types/*.rs):
// Int64, UInt8, Float64, String, TimestampMillisecond, Decimal(p, s), ...
func greptimeTypeName(c ColumnInfo) string {
	switch c.Type {
	case table.Decimal128:
		return "Decimal(" + strconv.Itoa(int(c.Precision)) + ", " + strconv.Itoa(int(c.Scale)) + ")"
	case table.Vector:
		return "Vector(" + strconv.Itoa(int(c.VectorDim)) + ")"
	}
	return concreteNames[c.Type]
}

var concreteNames = map[table.DataType]string{
	table.Boolean: "Boolean", table.Int8: "Int8", table.Int16: "Int16", table.Int32: "Int32", table.Int64: "Int64",
	table.Uint8: "UInt8", table.Uint16: "UInt16", table.Uint32: "UInt32", table.Uint64: "UInt64",
	table.Float32: "Float32", table.Float64: "Float64", table.Binary: "Binary", table.String: "String",
	table.Date: "Date", table.Datetime: "TimestampMicrosecond",
	table.TimestampSecond: "TimestampSecond", table.TimestampMillisecond: "TimestampMillisecond",
	table.TimestampMicrosecond: "TimestampMicrosecond", table.TimestampNanosecond: "TimestampNanosecond",
	table.TimeSecond: "TimeSecond", table.TimeMillisecond: "TimeMillisecond",
	table.TimeMicrosecond: "TimeMicrosecond", table.TimeNanosecond: "TimeNanosecond",
	table.IntervalYearMonth: "IntervalYearMonth", table.IntervalDayTime: "IntervalDayTime",
	table.IntervalMonthDayNano: "IntervalMonthDayNano", table.JSON: "Json",
}

// listedOrder is the order in which GreptimeDB lists a table's columns
// (DESC, information_schema.columns, SELECT *): the table's own order,
// except that a metric-engine logical table's columns come sorted by name,
// as the metric engine reports them (metric-engine/src/engine/
// region_metadata.rs load_logical_columns; sqlness
// create/create_metric_table.result: t1 (ts, val, host) is described as
// host, ts, val). It returns indexes into ti.Columns.
func listedOrder(ti TableInfo) []int {
	idx := make([]int, len(ti.Columns))
	for i := range idx {
		idx[i] = i
	}
	if ti.Engine == "metric" && ti.PhysicalTable != "" {
		sort.SliceStable(idx, func(a, b int) bool { return ti.Columns[idx[a]].Name < ti.Columns[idx[b]].Name })
	}
	return idx
}

// listed returns ti with its columns in listedOrder.
func listed(ti TableInfo) TableInfo {
	cols := make([]ColumnInfo, len(ti.Columns))
	for i, j := range listedOrder(ti) {
		cols[i] = ti.Columns[j]
	}
	ti.Columns = cols
	return ti
}

// sortedTables returns a database's tables by name. Callers hold s.mu.
func (d *database) sortedTables() []*tableState {
	out := make([]*tableState, 0, len(d.tables))
	for _, t := range d.tables {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].info.Name < out[j].info.Name })
	return out
}

// catalogDBs returns a catalog's databases by schema name. Callers hold s.mu.
func (s *Server) catalogDBs(catalog string) []*database {
	var out []*database
	for k, d := range s.dbs {
		if k.catalog == catalog {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key.schema < out[j].key.schema })
	return out
}

// infoColumns is information_schema.columns over the catalog's user
// tables, one row per column (InformationSchemaColumnsBuilder::add_column):
// string columns carry a maximum length of 2147483647 and utf8/utf8_bin,
// numeric ones their precision, timestamps and times their precision.
// keep, when not nil, says whether a table's columns can pass the query's
// WHERE terms on table_schema and table_name; the rows of others are not
// built, as add_column evaluates the scan's predicates before it builds a
// row (Predicates::from_scan_request, columns.rs make_columns). The
// caller's filter still applies to every row built, so this only spares
// a look-up of one table a pass over every column of the catalog.
func (s *Server) infoColumns(catalog string, keep func(schema, table string) bool) *resultSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := &resultSet{cols: infoColumnsSchema}
	str := table.StringValue
	for _, d := range s.catalogDBs(catalog) {
		for _, t := range d.sortedTables() {
			if keep != nil && !keep(d.key.schema, t.info.Name) {
				continue
			}
			for i, c := range listed(t.info).Columns {
				row := make([]table.Value, len(infoColumnsSchema))
				row[0], row[1], row[2], row[3] = str(catalog), str(d.key.schema), str(t.info.Name), str(c.Name)
				row[4] = table.Int64Value(int64(i + 1))
				switch {
				case c.Type == table.String:
					row[5], row[6] = table.Int64Value(2147483647), table.Int64Value(2147483647)
					row[10], row[11] = str("utf8"), str("utf8_bin")
				case c.Type == table.Decimal128:
					row[7], row[8] = table.Int64Value(int64(c.Precision)), table.Int64Value(int64(c.Scale))
				case numericPrecision(c.Type) > 0:
					row[7] = table.Int64Value(numericPrecision(c.Type))
					if c.Type != table.Float32 && c.Type != table.Float64 {
						// numeric_scale: 0 for integers, None for floats.
						row[8] = table.Int64Value(0)
					}
				case timePrecision(c.Type) >= 0:
					row[9] = table.Int64Value(timePrecision(c.Type))
				}
				key := ""
				switch c.Semantic {
				case table.Tag:
					key = "PRI"
				case table.Timestamp:
					key = "TIME INDEX"
				}
				sqlType := strings.ToLower(sqlTypeName(c))
				row[12], row[13], row[14], row[15] = str(key), str(""), str("select,insert"), str("")
				row[16], row[17], row[18] = str(greptimeTypeName(c)), str(sqlType), str(semanticName(c.Semantic))
				if c.Default != "" {
					row[19] = str(c.Default)
				}
				row[20] = str(map[bool]string{true: "YES", false: "NO"}[c.Nullable])
				row[21] = str(sqlType)
				if cm, ok := c.Options["comment"]; ok {
					row[22] = str(cm)
				}
				rs.rows = append(rs.rows, row)
			}
		}
	}
	return rs
}

// numericPrecision is ConcreteDataType::numeric_precision for the integer
// and float types (datatypes/src/data_type.rs): the decimal digits the
// type holds; 0 for other types.
func numericPrecision(t table.DataType) int64 {
	switch t {
	case table.Int8, table.Uint8:
		return 3
	case table.Int16, table.Uint16:
		return 5
	case table.Int32, table.Uint32:
		return 10
	case table.Int64:
		return 19
	case table.Uint64:
		return 20
	case table.Float32:
		return 12
	case table.Float64:
		return 22
	}
	return 0
}

// timePrecision is the fractional-second digits of a timestamp or time
// type, -1 for other types.
func timePrecision(t table.DataType) int64 {
	switch t {
	case table.TimestampSecond, table.TimeSecond:
		return 0
	case table.TimestampMillisecond, table.TimeMillisecond:
		return 3
	case table.TimestampMicrosecond, table.TimeMicrosecond, table.Datetime:
		return 6
	case table.TimestampNanosecond, table.TimeNanosecond:
		return 9
	}
	return -1
}

// infoTables is information_schema.tables over the catalog's user tables
// (InformationSchemaTablesBuilder::add_table). The test server keeps no
// region statistics or creation times: sizes and row counts are 0 (as a
// table without flushed data shows) and the times NULL.
func (s *Server) infoTables(catalog string) *resultSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := &resultSet{cols: infoTablesSchema}
	str := table.StringValue
	zero := table.Uint64Value(0)
	for _, d := range s.catalogDBs(catalog) {
		for _, t := range d.sortedTables() {
			row := make([]table.Value, len(infoTablesSchema))
			row[0], row[1], row[2], row[3] = str(catalog), str(d.key.schema), str(t.info.Name), str("BASE TABLE")
			row[4] = table.Uint32Value(t.id)
			for _, i := range []int{5, 6, 7, 8, 9, 13, 14, 15, 20} {
				row[i] = zero
			}
			row[10], row[11], row[12] = str(t.info.Engine), table.Uint64Value(11), str("Fixed")
			row[19] = str("utf8_bin")
			row[21] = str(createOptions(t.info.Options))
			if t.info.Comment != "" {
				row[22] = str(t.info.Comment)
			}
			row[23] = str("N")
			rs.rows = append(rs.rows, row)
		}
	}
	return rs
}

// createOptions renders table options as TableOptions' Display does
// (table/src/requests.rs): space-separated key=value, ttl first. The real
// server's other options come from a hash map in no fixed order; here they
// are sorted.
func createOptions(opts map[string]string) string {
	var kv []string
	if v, ok := opts["ttl"]; ok {
		kv = append(kv, "ttl="+v)
	}
	for _, k := range sortedKeys(opts) {
		if k != "ttl" {
			kv = append(kv, k+"="+opts[k])
		}
	}
	return strings.Join(kv, " ")
}

// sqlShowCreate is SHOW CREATE TABLE: columns Table and Create Table
// (query/src/sql.rs SHOW_CREATE_TABLE_OUTPUT_SCHEMA, show_create_table.rs).
func (s *Server) sqlShowCreate(k dbKey, p *parser) (*resultSet, error) {
	db, name, err := s.statementTable(k, p)
	if err != nil {
		return nil, err
	}
	ti, err := s.lookupTable(db, name)
	if err != nil {
		return nil, err
	}
	return &resultSet{
		cols: []ColumnInfo{strCol("Table", false), strCol("Create Table", false)},
		rows: [][]table.Value{{table.StringValue(ti.Name), table.StringValue(listed(ti).CreateSQL())}},
	}, nil
}

// sqlDescribe is DESC TABLE (query/src/sql.rs describe_table): Column,
// Type (ConcreteDataType::name), Key (PRI for tags and the time index),
// Null, Default and Semantic Type.
func (s *Server) sqlDescribe(k dbKey, p *parser) (*resultSet, error) {
	db, name, err := s.statementTable(k, p)
	if err != nil {
		return nil, err
	}
	ti, err := s.lookupTable(db, name)
	if err != nil {
		return nil, err
	}
	rs := &resultSet{cols: []ColumnInfo{
		strCol("Column", false), strCol("Type", false), strCol("Key", true),
		strCol("Null", false), strCol("Default", false), strCol("Semantic Type", false),
	}}
	str := table.StringValue
	for _, c := range listed(ti).Columns {
		key := ""
		if c.Semantic != table.Field {
			key = "PRI"
		}
		null := "NO"
		if c.Nullable {
			null = "YES"
		}
		rs.rows = append(rs.rows, []table.Value{
			str(c.Name), str(greptimeTypeName(c)), str(key), str(null), str(c.Default), str(semanticName(c.Semantic)),
		})
	}
	return rs, nil
}

// statementTable reads the table name that ends a SHOW or DESC statement.
func (s *Server) statementTable(k dbKey, p *parser) (dbKey, string, error) {
	parts, err := p.objectName()
	if err != nil {
		return k, "", err
	}
	if p.peek().kind != tokEOF {
		return k, "", unsupportedQuery("statement clause " + p.describe())
	}
	return tableRef(k, parts)
}

package greptimetest

import (
	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// Default DECIMAL128 precision and scale when a column schema has no
// decimal extension (datatypes Decimal128Type default, 38 and 10).
const (
	defaultDecimalPrecision = 38
	defaultDecimalScale     = 10
)

// columnFromProto turns a request column schema into a column definition
// (common/grpc-expr/src/util.rs build_create_table_expr / extract_new_columns
// keep the type, extension and options; nullability is decided by the caller).
func columnFromProto(cs *gpb.ColumnSchema) ColumnInfo {
	c := ColumnInfo{
		Name:     cs.GetColumnName(),
		Type:     table.DataType(cs.GetDatatype()),
		Semantic: table.SemanticType(cs.GetSemanticType()),
		Nullable: true,
	}
	if c.Type == table.Decimal128 {
		c.Precision, c.Scale = defaultDecimalPrecision, defaultDecimalScale
		if d := cs.GetDatatypeExtension().GetDecimalType(); d != nil {
			c.Precision, c.Scale = d.GetPrecision(), d.GetScale()
		}
	}
	if v := cs.GetDatatypeExtension().GetVectorType(); v != nil {
		c.VectorDim = v.GetDim()
	}
	if o := cs.GetOptions().GetOptions(); len(o) > 0 {
		c.Options = copyMap(o)
	}
	return c
}

// hasFulltext reports a fulltext column option (util.rs contains_fulltext).
func hasFulltext(opts map[string]string) bool {
	_, ok := opts["fulltext"]
	return ok
}

// buildCreateTable is build_create_table_expr (common/grpc-expr/src/util.rs):
// duplicate names are refused; TAG columns become the primary key in
// schema order; the single TIMESTAMP column is the NOT NULL time index;
// every other column is nullable; fulltext only on STRING.
func buildCreateTable(name string, schema []*gpb.ColumnSchema) (TableInfo, error) {
	seen := make(map[string]bool, len(schema))
	for _, cs := range schema {
		if seen[cs.GetColumnName()] {
			return TableInfo{}, newErr(StatusInvalidArguments, "Duplicated column name in gRPC requests, name: %s", cs.GetColumnName())
		}
		seen[cs.GetColumnName()] = true
	}
	ti := TableInfo{Name: name}
	for _, cs := range schema {
		c := columnFromProto(cs)
		switch c.Semantic {
		case table.Tag:
			ti.PrimaryKey = append(ti.PrimaryKey, c.Name)
		case table.Timestamp:
			if ti.TimeIndex != "" {
				return TableInfo{}, newErr(StatusInvalidArguments,
					"Duplicated timestamp column in gRPC requests, exists %s, duplicated: %s", ti.TimeIndex, c.Name)
			}
			ti.TimeIndex = c.Name
			c.Nullable = false
		}
		if err := checkColumnType(c); err != nil {
			return TableInfo{}, err
		}
		if hasFulltext(c.Options) && c.Type != table.String {
			return TableInfo{}, newErr(StatusInvalidArguments,
				"Fulltext index only supports string type, column: %s, unexpected type: %s", c.Name, rustTypeName(c.Type))
		}
		ti.Columns = append(ti.Columns, c)
	}
	if ti.TimeIndex == "" {
		return TableInfo{}, newErr(StatusInvalidArguments, "Missing timestamp column, msg: table is %s", name)
	}
	return ti, nil
}

// checkColumnType refuses an unknown ColumnDataType as
// infer_column_datatype does (util.rs, UnknownColumnDataType). LIST,
// STRUCT and DICTIONARY need type extensions the table model does not
// carry, so the test server does not implement them.
func checkColumnType(c ColumnInfo) error {
	if c.Type >= protoList && c.Type <= protoList+2 {
		return &Error{Code: StatusUnsupported, Msg: "greptimetest: column type " + protoTypeName(c.Type) + " is not implemented by the test server"}
	}
	if !c.Type.Valid() {
		return newErr(StatusInvalidArguments, "Unknown proto column datatype: %d", int32(c.Type))
	}
	return nil
}

// validateCreate is validate_create_expr (operator/src/expr_helper.rs) for
// the parts a row insert or the SQL subset can reach: the time index must
// exist and be a timestamp, primary keys must exist, be unique and not be
// the time index, and no column may be INTERVAL or DATETIME.
func validateCreate(ti *TableInfo) error {
	idx := map[string]int{}
	for i, c := range ti.Columns {
		if j, ok := idx[c.Name]; ok {
			return invalidSQL("column name `%s` is duplicated at index %d and %d", c.Name, j, i)
		}
		idx[c.Name] = i
	}
	ts, ok := idx[ti.TimeIndex]
	if !ok {
		return invalidSQL("column name `%s` is not found in column list", ti.TimeIndex)
	}
	if !ti.Columns[ts].Type.IsTimestamp() {
		return invalidSQL("column `%s` is not a timestamp type, it can't be used as time index", ti.TimeIndex)
	}
	pks := map[string]bool{}
	for _, pk := range ti.PrimaryKey {
		if _, ok := idx[pk]; !ok {
			return invalidSQL("column name `%s` is not found in column list", pk)
		}
	}
	for _, pk := range ti.PrimaryKey {
		if pks[pk] {
			return invalidSQL("column name `%s` is duplicated in primary keys", pk)
		}
		pks[pk] = true
	}
	if pks[ti.TimeIndex] {
		return invalidSQL("column name `%s` is both primary key and time index", ti.TimeIndex)
	}
	for _, c := range ti.Columns {
		if err := refuseDatetimeInterval(c); err != nil {
			return err
		}
	}
	return nil
}

// refuseDatetimeInterval is the INTERVAL / DATETIME check shared by
// validate_create_expr and validate_add_columns_expr (expr_helper.rs, §7.7).
func refuseDatetimeInterval(c ColumnInfo) error {
	switch c.Type {
	case table.IntervalYearMonth, table.IntervalDayTime, table.IntervalMonthDayNano:
		return invalidSQL("column name `%s` is interval type, which is not supported", c.Name)
	case table.Datetime:
		return invalidSQL("column name `%s` is datetime type, which is not supported, please use `timestamp` type instead", c.Name)
	}
	return nil
}

// alterOnDemand is get_alter_table_expr_on_demand (operator/src/insert.rs):
// request columns the table lacks are added as nullable columns, keeping
// their semantic type (extract_new_columns), after the DATETIME/INTERVAL
// check (validate_add_columns_expr). A timestamp column with a new name is
// such a column too; adding it fails later in the engine ("expect only
// one time index", issue #6113; the wrapping on the way to the client was
// not confirmed). For metric-engine logical tables
// (accommodate_existing_schema and is_single_value), the request's
// timestamp and single field are first renamed to the table's, and only
// tags are added.
func alterOnDemand(t *tableState, schema []*gpb.ColumnSchema, logical bool) ([]ColumnInfo, error) {
	add, err := newColumns(t, schema)
	if err != nil || len(add) == 0 {
		return nil, err
	}
	if !logical {
		for _, c := range add {
			if c.Semantic == table.Timestamp {
				// RegionMetadata::validate (store-api/src/metadata.rs) refuses
				// the altered region; its InvalidMeta is the innermost error.
				return nil, newErr(StatusInvalidArguments,
					"Invalid metadata, expect only one time index, found 2: %s, %s", t.info.TimeIndex, c.Name)
			}
		}
		return add, nil
	}
	fieldName := ""
	fields := 0
	for _, cs := range schema {
		if cs.GetSemanticType() == gpb.SemanticType_FIELD {
			fields++
		}
	}
	if fields <= 1 {
		var tableFields []string
		for _, c := range t.info.Columns {
			if c.Semantic == table.Field {
				tableFields = append(tableFields, c.Name)
			}
		}
		if len(tableFields) == 1 {
			fieldName = tableFields[0]
		}
	}
	for _, cs := range schema {
		switch cs.GetSemanticType() {
		case gpb.SemanticType_TIMESTAMP:
			cs.ColumnName = t.info.TimeIndex
		case gpb.SemanticType_FIELD:
			if fieldName != "" {
				cs.ColumnName = fieldName
			}
		}
	}
	kept := add[:0]
	for _, c := range add {
		if c.Semantic == table.Tag || (c.Semantic == table.Field && fieldName == "") {
			kept = append(kept, c)
		}
	}
	return kept, nil
}

// newColumns is extract_new_columns plus validate_add_columns_expr.
func newColumns(t *tableState, schema []*gpb.ColumnSchema) ([]ColumnInfo, error) {
	var add []ColumnInfo
	seen := map[string]bool{}
	for _, cs := range schema {
		if _, ok := t.idx[cs.GetColumnName()]; ok {
			continue
		}
		if seen[cs.GetColumnName()] {
			return nil, newErr(StatusInvalidArguments, "Duplicated column name in gRPC requests, name: %s", cs.GetColumnName())
		}
		seen[cs.GetColumnName()] = true
		c := columnFromProto(cs)
		if err := checkColumnType(c); err != nil {
			return nil, err
		}
		add = append(add, c)
	}
	for _, c := range add {
		if err := refuseDatetimeInterval(c); err != nil {
			return nil, err
		}
	}
	return add, nil
}

package writer

import (
	"context"
	"fmt"
	"strings"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TableColumn is one column of a table as GreptimeDB describes it.
type TableColumn struct {
	Name     string
	Type     table.DataType
	Semantic table.SemanticType
	Nullable bool
	// Default is the column's default constraint as GreptimeDB prints
	// it, empty when there is none.
	Default string
}

// TableColumns reads a table's columns, in the table's order, from
// information_schema.columns (catalog/src/system_schema/information_schema/
// columns.rs): name, greptime_data_type, semantic_type, is_nullable and
// column_default. database is a name as inserts take it ("public" or
// "catalog-schema"; empty for Config.Database). found is false when the
// table does not exist. A column of a type the table model cannot hold
// (lists, structs) is an error naming it.
func (c *Client) TableColumns(ctx context.Context, database, tableName string) (cols []TableColumn, found bool, err error) {
	if database == "" {
		database = c.cfg.Database
	}
	schema := database
	if _, s, ok := strings.Cut(database, "-"); ok {
		// parse_catalog_and_schema_from_db_string: the query runs in the
		// catalog, so only the schema is filtered on.
		schema = s
	}
	if strings.ContainsRune(schema, '\\') || strings.ContainsRune(tableName, '\\') {
		// A backslash may be an escape in GreptimeDB's dialect; such names
		// are not looked up rather than risk a wrong literal.
		return nil, false, &InvalidInputError{Table: tableName, Reason: "table or database name with a backslash cannot be looked up"}
	}
	q := "SELECT column_name, greptime_data_type, semantic_type, is_nullable, column_default FROM information_schema.columns" +
		" WHERE table_schema = " + sqlString(schema) + " AND table_name = " + sqlString(tableName) + " ORDER BY ordinal_position"
	rows, err := c.QueryRows(ctx, q, QueryDatabase(database))
	if err != nil {
		return nil, false, err
	}
	idx := make([]int, 5)
	for i, name := range []string{"column_name", "greptime_data_type", "semantic_type", "is_nullable", "column_default"} {
		if idx[i] = rows.Index(name); idx[i] < 0 {
			return nil, false, fmt.Errorf("writer: information_schema.columns answered without %s", name)
		}
	}
	for _, r := range rows.Values {
		str := func(i int) string { s, _ := r[idx[i]].AsString(); return s }
		col := TableColumn{Name: str(0), Nullable: str(3) == "YES", Default: str(4)}
		t, ok := DataTypeOfName(str(1))
		if !ok {
			return nil, false, fmt.Errorf("writer: table %q column %q has type %s, which the table model cannot hold", tableName, col.Name, str(1))
		}
		col.Type = t
		switch str(2) {
		case "TAG":
			col.Semantic = table.Tag
		case "TIMESTAMP":
			col.Semantic = table.Timestamp
		default:
			col.Semantic = table.Field
		}
		cols = append(cols, col)
	}
	return cols, len(cols) > 0, nil
}

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// DataTypeOfName maps GreptimeDB's ConcreteDataType::name (as
// information_schema.columns greptime_data_type and DESC TABLE show it:
// "Int64", "UInt8", "TimestampMillisecond", "Decimal(38, 10)",
// "Vector(3)", "Json") to the table model.
func DataTypeOfName(name string) (table.DataType, bool) {
	switch {
	case strings.HasPrefix(name, "Decimal("):
		return table.Decimal128, true
	case strings.HasPrefix(name, "Vector("):
		return table.Vector, true
	}
	t, ok := concreteTypes[name]
	return t, ok
}

var concreteTypes = map[string]table.DataType{
	"Boolean": table.Boolean, "Int8": table.Int8, "Int16": table.Int16, "Int32": table.Int32, "Int64": table.Int64,
	"UInt8": table.Uint8, "UInt16": table.Uint16, "UInt32": table.Uint32, "UInt64": table.Uint64,
	"Float32": table.Float32, "Float64": table.Float64, "Binary": table.Binary, "String": table.String,
	"Date": table.Date, "TimestampSecond": table.TimestampSecond, "TimestampMillisecond": table.TimestampMillisecond,
	"TimestampMicrosecond": table.TimestampMicrosecond, "TimestampNanosecond": table.TimestampNanosecond,
	"TimeSecond": table.TimeSecond, "TimeMillisecond": table.TimeMillisecond,
	"TimeMicrosecond": table.TimeMicrosecond, "TimeNanosecond": table.TimeNanosecond,
	"IntervalYearMonth": table.IntervalYearMonth, "IntervalDayTime": table.IntervalDayTime,
	"IntervalMonthDayNano": table.IntervalMonthDayNano, "Json": table.JSON,
}

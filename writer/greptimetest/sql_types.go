package greptimetest

import (
	"strconv"
	"strings"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// typeAliases are GreptimeDB's SQL type aliases
// (sql/src/statements/transform/type_alias.rs get_type_by_alias and
// get_data_type_by_alias_name). INT8 is an 8-byte integer there.
var typeAliases = map[string]table.DataType{
	"timestamp_s": table.TimestampSecond, "timestamp_sec": table.TimestampSecond, "timestampsecond": table.TimestampSecond,
	"timestamp_ms": table.TimestampMillisecond, "timestampmillisecond": table.TimestampMillisecond,
	"timestamp_us": table.TimestampMicrosecond, "timestampmicrosecond": table.TimestampMicrosecond, "datetime": table.TimestampMicrosecond,
	"timestamp_ns": table.TimestampNanosecond, "timestampnanosecond": table.TimestampNanosecond,
	"int2": table.Int16, "int4": table.Int32, "int8": table.Int64,
	"int16": table.Int16, "int32": table.Int32, "int64": table.Int64,
	"uint8": table.Uint8, "uint16": table.Uint16, "uint32": table.Uint32, "uint64": table.Uint64,
	"float4": table.Float32, "float8": table.Float64, "float32": table.Float32, "float64": table.Float64,
	"tinytext": table.String, "mediumtext": table.String, "longtext": table.String,
	"bool": table.Boolean,
}

// sqlType reads a column type as sql_data_type_to_concrete_data_type
// (sql/src/statements.rs) maps it: STRING/TEXT/VARCHAR/CHAR → STRING,
// BIGINT/INT/SMALLINT/TINYINT [UNSIGNED], FLOAT → FLOAT32, DOUBLE →
// FLOAT64, BOOLEAN, DATE, DATETIME → TIMESTAMP(6), TIMESTAMP[(0|3|6|9)]
// (default 3), BINARY/VARBINARY/BLOB/BYTEA, INTERVAL →
// INTERVAL_MONTH_DAY_NANO, DECIMAL[(p[,s])], JSON, VECTOR(dim). TIME and
// other names are SqlTypeNotSupported (for names other than TIME the
// message names the type in upper case, not in sqlparser's Debug form).
func (p *parser) sqlType(c *ColumnInfo) error {
	t := p.next()
	if t.kind != tokIdent {
		return syntaxErr("Expected: a data type name, found: %s", t.text)
	}
	name := t.text
	args, err := p.typeArgs()
	if err != nil {
		return err
	}
	unsigned := p.acceptKw("unsigned")
	notSupported := func() error {
		return newErr(StatusInvalidSyntax, "SQL data type not supported yet: %s", strings.ToUpper(name))
	}
	ints := map[string][2]table.DataType{
		"bigint": {table.Int64, table.Uint64}, "int": {table.Int32, table.Uint32},
		"integer": {table.Int32, table.Uint32}, "smallint": {table.Int16, table.Uint16},
		"tinyint": {table.Int8, table.Uint8},
	}
	if pair, ok := ints[name]; ok {
		c.Type = pair[0]
		if unsigned {
			c.Type = pair[1]
		}
		return nil
	}
	if unsigned {
		return notSupported()
	}
	switch name {
	case "time":
		// sqlparser's DataType::Time has no mapping; the error prints its
		// Debug form.
		prec := "None"
		if len(args) == 1 {
			prec = "Some(" + strconv.Itoa(args[0]) + ")"
		}
		return newErr(StatusInvalidSyntax, "SQL data type not supported yet: Time(%s, None)", prec)
	case "string", "text", "varchar", "char":
		c.Type = table.String
	case "float":
		c.Type = table.Float32
	case "double":
		c.Type = table.Float64
	case "boolean":
		c.Type = table.Boolean
	case "date":
		c.Type = table.Date
	case "binary", "varbinary", "blob", "bytea":
		c.Type = table.Binary
	case "interval":
		c.Type = table.IntervalMonthDayNano
	case "json":
		c.Type = table.JSON
	case "timestamp":
		c.Type = table.TimestampMillisecond
		if len(args) == 1 {
			units := map[int]table.DataType{0: table.TimestampSecond, 3: table.TimestampMillisecond, 6: table.TimestampMicrosecond, 9: table.TimestampNanosecond}
			u, ok := units[args[0]]
			if !ok {
				return newErr(StatusInvalidSyntax, "SQL data type not supported yet: Timestamp(Some(%d), None)", args[0])
			}
			c.Type = u
		}
	case "decimal":
		c.Type = table.Decimal128
		c.Precision, c.Scale = defaultDecimalPrecision, defaultDecimalScale
		if len(args) >= 1 {
			c.Precision, c.Scale = int32(args[0]), 0
		}
		if len(args) == 2 {
			c.Scale = int32(args[1])
		}
	case "vector":
		if len(args) != 1 {
			return notSupported()
		}
		c.Type, c.VectorDim = table.Vector, uint32(args[0])
	default:
		a, ok := typeAliases[name]
		if !ok || len(args) > 0 {
			return notSupported()
		}
		c.Type = a
	}
	return nil
}

// typeArgs reads an optional "(n[, m])".
func (p *parser) typeArgs() ([]int, error) {
	if !p.acceptPunct("(") {
		return nil, nil
	}
	var args []int
	for {
		t := p.next()
		n, err := strconv.Atoi(t.text)
		if t.kind != tokNumber || err != nil {
			return nil, syntaxErr("Expected: literal int, found: %s", t.text)
		}
		args = append(args, n)
		if p.acceptPunct(")") {
			return args, nil
		}
		if err := p.expectPunct(","); err != nil {
			return nil, err
		}
	}
}

// sqlTypeName is the type as GreptimeDB prints it in SHOW CREATE TABLE
// (concrete_data_type_to_sql_data_type, printed by sqlparser): STRING,
// DOUBLE, BIGINT, DECIMAL(p,s), TIMESTAMP(3), JSON, ...
func sqlTypeName(c ColumnInfo) string {
	switch c.Type {
	case table.Int8:
		return "TINYINT"
	case table.Int16:
		return "SMALLINT"
	case table.Int32:
		return "INT"
	case table.Int64:
		return "BIGINT"
	case table.Uint8:
		return "TINYINT UNSIGNED"
	case table.Uint16:
		return "SMALLINT UNSIGNED"
	case table.Uint32:
		return "INT UNSIGNED"
	case table.Uint64:
		return "BIGINT UNSIGNED"
	case table.Float32:
		return "FLOAT"
	case table.Float64:
		return "DOUBLE"
	case table.Boolean:
		return "BOOLEAN"
	case table.String:
		return "STRING"
	case table.Binary:
		return "VARBINARY"
	case table.Date:
		return "DATE"
	case table.TimestampSecond:
		return "TIMESTAMP(0)"
	case table.TimestampMillisecond:
		return "TIMESTAMP(3)"
	case table.TimestampMicrosecond, table.Datetime:
		return "TIMESTAMP(6)"
	case table.TimestampNanosecond:
		return "TIMESTAMP(9)"
	case table.TimeSecond:
		return "TIME(0)"
	case table.TimeMillisecond:
		return "TIME(3)"
	case table.TimeMicrosecond:
		return "TIME(6)"
	case table.TimeNanosecond:
		return "TIME(9)"
	case table.IntervalYearMonth, table.IntervalDayTime, table.IntervalMonthDayNano:
		return "INTERVAL"
	case table.Decimal128:
		return "DECIMAL(" + strconv.Itoa(int(c.Precision)) + "," + strconv.Itoa(int(c.Scale)) + ")"
	case table.JSON:
		return "JSON"
	case table.Vector:
		return "VECTOR(" + strconv.Itoa(int(c.VectorDim)) + ")"
	}
	return c.Type.String()
}

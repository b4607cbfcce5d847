package greptimetest

import (
	"strconv"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// sqlModifyColumn runs ALTER TABLE t MODIFY COLUMN c TYPE
// (sql/src/parsers/alter_parser.rs ModifyColumnType; checks from
// table/src/metadata.rs modify_column_types): an unknown column is
// TableColumnNotFound "Column c not exists in table t"; a primary-key or
// time-index column, or a NOT NULL one, is InvalidArguments "Invalid alter
// table(t) request: …". Stored values are cast to the new type. The test
// server casts between numeric types and from any scalar to STRING; other
// casts Arrow would allow answer Unsupported rather than being invented.
func (s *Server) sqlModifyColumn(k dbKey, name []string, p *parser) (uint32, error) {
	if !p.acceptKw("column") {
		return 0, syntaxErr("Expected: COLUMN after MODIFY, found: %s", p.describe())
	}
	col, err := p.ident()
	if err != nil {
		return 0, err
	}
	var target ColumnInfo
	if err := p.sqlType(&target); err != nil {
		return 0, err
	}
	if p.peek().kind != tokEOF {
		return 0, syntaxErr("Expected: end of statement, found: %s", p.describe())
	}
	tk, tn, err := tableRef(k, name)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(tk, tn)
	if t == nil {
		return 0, tableNotFound(tk, tn)
	}
	i, ok := t.idx[col]
	if !ok {
		return 0, newErr(StatusTableColumnNotFound, "Column %s not exists in table %s", col, tn)
	}
	c := t.info.Columns[i]
	invalid := func(msg string) error {
		return newErr(StatusInvalidArguments, "Invalid alter table(%s) request: %s", tn, msg)
	}
	switch {
	case c.Semantic == table.Tag:
		return 0, invalid("Not allowed to change primary key index column '" + col + "'")
	case c.Semantic == table.Timestamp:
		return 0, invalid("Not allowed to change timestamp index column '" + col + "' datatype")
	case !c.Nullable:
		return 0, invalid("column '" + col + "' must be nullable to ensure safe conversion.")
	}
	if c.Type == target.Type {
		return 0, nil
	}
	cast, ok := castFunc(c.Type, target.Type)
	if !ok {
		return 0, newErr(StatusUnsupported, "greptimetest: casting %s to %s is not implemented by the test server", c.Type, target.Type)
	}
	for _, row := range t.rows {
		if i < len(row) {
			row[i] = cast(row[i])
		}
	}
	t.info.Columns[i].Type = target.Type
	t.info.Columns[i].Precision, t.info.Columns[i].Scale = target.Precision, target.Scale
	return 0, nil
}

func numeric(t table.DataType) bool {
	switch t.Storage() {
	case table.StorageFloat, table.StorageUint:
		return true
	case table.StorageInt:
		return t >= table.Int8 && t <= table.Int64
	}
	return false
}

// castFunc returns the value conversion for a type change the test server
// supports: numeric to FLOAT64/FLOAT32/INT64, and scalars to STRING.
func castFunc(from, to table.DataType) (func(table.Value) table.Value, bool) {
	switch {
	case numeric(from) && (to == table.Float64 || to == table.Float32):
		return func(v table.Value) table.Value {
			if v.IsNull() {
				return v
			}
			f := asFloat(v)
			if to == table.Float32 {
				return table.Float32Value(float32(f))
			}
			return table.Float64Value(f)
		}, true
	case to == table.String && (numeric(from) || from == table.Boolean):
		return func(v table.Value) table.Value {
			if v.IsNull() {
				return v
			}
			if b, ok := v.AsBool(); ok {
				return table.StringValue(strconv.FormatBool(b))
			}
			if i, ok := v.AsInt64(); ok {
				return table.StringValue(strconv.FormatInt(i, 10))
			}
			if u, ok := v.AsUint64(); ok {
				return table.StringValue(strconv.FormatUint(u, 10))
			}
			f, _ := v.AsFloat64()
			return table.StringValue(strconv.FormatFloat(f, 'g', -1, 64))
		}, true
	}
	return nil, false
}

func asFloat(v table.Value) float64 {
	if i, ok := v.AsInt64(); ok {
		return float64(i)
	}
	if u, ok := v.AsUint64(); ok {
		return float64(u)
	}
	f, _ := v.AsFloat64()
	return f
}

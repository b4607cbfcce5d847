package writer

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// QueryColumn is one column of a query's result.
type QueryColumn struct {
	Name string
	Type table.DataType
}

// Rows is a query result as typed rows: what most callers of small
// queries (information_schema, SHOW, a few rows of a table) want.
type Rows struct {
	Columns []QueryColumn
	// Values holds one slice per row, in Columns order; NULL is
	// table.Null().
	Values [][]table.Value
	// AffectedRows and HasAffectedRows are set for statements without a
	// result set.
	AffectedRows    uint64
	HasAffectedRows bool
}

// Index returns the position of the named column, or -1.
func (r *Rows) Index(name string) int {
	for i, c := range r.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// QueryRows runs Query and converts its records to typed rows, releasing
// them. A result column of a type the table model has no value for
// (lists, structs) is an error naming the column.
func (c *Client) QueryRows(ctx context.Context, sql string, opts ...QueryOption) (*Rows, error) {
	res, err := c.Query(ctx, sql, opts...)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	return RowsOf(res)
}

// RowsOf converts a query result to typed rows; it does not release res.
func RowsOf(res *QueryResult) (*Rows, error) {
	out := &Rows{AffectedRows: res.AffectedRows, HasAffectedRows: res.HasAffectedRows}
	if res.Schema == nil {
		return out, nil
	}
	for _, f := range res.Schema.Fields() {
		t, ok := tableTypeOf(f.Type)
		if !ok {
			return nil, fmt.Errorf("writer: query result column %q has type %s, which the table model cannot hold", f.Name, f.Type)
		}
		out.Columns = append(out.Columns, QueryColumn{Name: f.Name, Type: t})
	}
	out.Values = make([][]table.Value, 0, res.NumRows())
	for _, rec := range res.Records {
		base := len(out.Values)
		for range rec.NumRows() {
			out.Values = append(out.Values, make([]table.Value, len(out.Columns)))
		}
		for j := range out.Columns {
			col := rec.Column(j)
			for i := range int(rec.NumRows()) {
				v, err := resultValue(col, i)
				if err != nil {
					return nil, fmt.Errorf("writer: query result column %q: %w", out.Columns[j].Name, err)
				}
				out.Values[base+i][j] = v
			}
		}
	}
	return out, nil
}

// tableTypeOf maps an Arrow type of a query result to the table model, as
// GreptimeDB's ConcreteDataType::from_arrow_type does
// (src/datatypes/src/data_type.rs).
func tableTypeOf(t arrow.DataType) (table.DataType, bool) {
	switch t := t.(type) {
	case *arrow.BooleanType:
		return table.Boolean, true
	case *arrow.Int8Type:
		return table.Int8, true
	case *arrow.Int16Type:
		return table.Int16, true
	case *arrow.Int32Type:
		return table.Int32, true
	case *arrow.Int64Type:
		return table.Int64, true
	case *arrow.Uint8Type:
		return table.Uint8, true
	case *arrow.Uint16Type:
		return table.Uint16, true
	case *arrow.Uint32Type:
		return table.Uint32, true
	case *arrow.Uint64Type:
		return table.Uint64, true
	case *arrow.Float32Type:
		return table.Float32, true
	case *arrow.Float64Type:
		return table.Float64, true
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return table.String, true
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType:
		return table.Binary, true
	case *arrow.Date32Type:
		return table.Date, true
	case *arrow.TimestampType:
		return [...]table.DataType{table.TimestampSecond, table.TimestampMillisecond, table.TimestampMicrosecond, table.TimestampNanosecond}[t.Unit], true
	case *arrow.Time32Type:
		if t.Unit == arrow.Second {
			return table.TimeSecond, true
		}
		return table.TimeMillisecond, true
	case *arrow.Time64Type:
		if t.Unit == arrow.Microsecond {
			return table.TimeMicrosecond, true
		}
		return table.TimeNanosecond, true
	case *arrow.Decimal128Type:
		return table.Decimal128, true
	}
	return 0, false
}

// resultValue reads row i of arr as a table value; strings and bytes are
// copied, so the value outlives the record.
func resultValue(arr arrow.Array, i int) (table.Value, error) {
	if arr.IsNull(i) {
		return table.Null(), nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return table.BoolValue(a.Value(i)), nil
	case *array.Int8:
		return table.Int8Value(a.Value(i)), nil
	case *array.Int16:
		return table.Int16Value(a.Value(i)), nil
	case *array.Int32:
		return table.Int32Value(a.Value(i)), nil
	case *array.Int64:
		return table.Int64Value(a.Value(i)), nil
	case *array.Uint8:
		return table.Uint8Value(a.Value(i)), nil
	case *array.Uint16:
		return table.Uint16Value(a.Value(i)), nil
	case *array.Uint32:
		return table.Uint32Value(a.Value(i)), nil
	case *array.Uint64:
		return table.Uint64Value(a.Value(i)), nil
	case *array.Float32:
		return table.Float32Value(a.Value(i)), nil
	case *array.Float64:
		return table.Float64Value(a.Value(i)), nil
	case *array.String:
		return table.StringValue(strings.Clone(a.Value(i))), nil
	case *array.LargeString:
		return table.StringValue(strings.Clone(a.Value(i))), nil
	case *array.StringView:
		return table.StringValue(strings.Clone(a.Value(i))), nil
	case *array.Binary:
		return table.BinaryValue(append([]byte(nil), a.Value(i)...)), nil
	case *array.LargeBinary:
		return table.BinaryValue(append([]byte(nil), a.Value(i)...)), nil
	case *array.BinaryView:
		return table.BinaryValue(append([]byte(nil), a.Value(i)...)), nil
	case *array.Date32:
		return table.DateValue(int32(a.Value(i))), nil
	case *array.Timestamp:
		t, _ := tableTypeOf(a.DataType())
		return table.TimestampValue(t, int64(a.Value(i))), nil
	case *array.Time32:
		if a.DataType().(*arrow.Time32Type).Unit == arrow.Second {
			return table.TimeSecondValue(int64(a.Value(i))), nil
		}
		return table.TimeMillisecondValue(int64(a.Value(i))), nil
	case *array.Time64:
		if a.DataType().(*arrow.Time64Type).Unit == arrow.Microsecond {
			return table.TimeMicrosecondValue(int64(a.Value(i))), nil
		}
		return table.TimeNanosecondValue(int64(a.Value(i))), nil
	case *array.Decimal128:
		d := a.Value(i)
		return table.Decimal128Of(table.Decimal128Value{Hi: d.HighBits(), Lo: d.LowBits()}), nil
	}
	return table.Null(), fmt.Errorf("cannot read Arrow %s values", arr.DataType())
}

package greptimetest

import (
	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// kindNull marks a NULL value (a Value with no variant set) in
// insertReq.kinds.
const kindNull uint8 = 0xff

// insertReq is one RowInsertRequest as the row-insert checks see it: the
// table name, the column schemas, each row's value count and each value's
// variant. The normal mode builds it from the decoded request
// (insertFromProto), the load mode straight from the wire bytes
// (walkGreptimeRequest), so both modes share one implementation of the
// create, add-column and validation logic.
type insertReq struct {
	table  string
	schema []*gpb.ColumnSchema
	// lens holds each row's value count; len(lens) is the row count.
	lens []int32
	// kinds holds the ColumnDataType of each value's variant (protoValueType)
	// or kindNull, row after row. After validateColumnCount it has exactly
	// len(schema) entries per row.
	kinds []uint8
	// rows are the decoded rows, kept to store values; nil in load mode,
	// which counts rows only.
	rows []*gpb.Row
}

// numRows returns the request's row count.
func (r *insertReq) numRows() int { return len(r.lens) }

// firstMismatch checks every value's variant against its column's type
// in row order (proto_value_type_match, mito2/src/request.rs). It returns
// the column and variant of the first value that does not match, or -1;
// when nulls is not nil, it marks the columns that hold a NULL up to that
// value. Only valid after validateColumnCount.
func (r *insertReq) firstMismatch(nulls []bool) (int, table.DataType) {
	nc := len(r.schema)
	if nc == 0 {
		return -1, 0
	}
	// The columns' types, on the stack for the usual widths.
	var buf [32]int32
	types := buf[:0]
	for _, cs := range r.schema {
		types = append(types, int32(cs.GetDatatype()))
	}
	col := 0
	for _, k := range r.kinds {
		switch {
		case k == kindNull:
			if nulls != nil {
				nulls[col] = true
			}
		case int32(k) != types[col] && !valueTypeMatches(table.DataType(types[col]), table.DataType(k)):
			return col, table.DataType(k)
		}
		if col++; col == nc {
			col = 0
		}
	}
	return -1, 0
}

// insertFromProto builds the checks' view of a decoded request.
func insertFromProto(r *gpb.RowInsertRequest) insertReq {
	rows := r.GetRows().GetRows()
	out := insertReq{table: r.GetTableName(), schema: r.GetRows().GetSchema(), rows: rows, lens: make([]int32, len(rows))}
	n := 0
	for i, row := range rows {
		out.lens[i] = int32(len(row.GetValues()))
		n += len(row.GetValues())
	}
	out.kinds = make([]uint8, 0, n)
	for _, row := range rows {
		for _, v := range row.GetValues() {
			k := kindNull
			if t, ok := protoValueType(v); ok {
				k = uint8(t)
			}
			out.kinds = append(out.kinds, k)
		}
	}
	return out
}

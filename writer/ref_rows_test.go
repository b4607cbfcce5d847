package writer

import (
	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// This file is the reference builder of row inserts, kept for tests: the
// encoder of rowenc.go must produce the bytes protobuf-go marshals from the
// RowInsertRequest it builds (rowenc_test.go). It was the production path
// before the wire encoder. The layout follows greptime-proto row.proto: a schema
// of ColumnSchema entries and rows of Values in schema order, NULL being a
// Value with no value_data (operator/src/req_convert/common.rs).
//
// Allocation: a naive conversion allocates one Value and one oneof wrapper
// per cell. Here every Value of a batch lives in one slice, every row in one
// slice, and the oneof wrappers of a column in one typed slice, all taken
// from a reusable rowArena, so a batch costs O(C) allocations at worst and
// next to none once the arena has grown to the traffic.
// STRING and JSON values alias the batch's memory (no copy): the request
// must be sent before the batch is modified, which Write and the stream
// inserter guarantee because grpc-go marshals a message before SendMsg
// returns.

// convertBatch validates b and returns its row insert request, built in
// arena a.
func convertBatch(b *table.Batch, a *rowArena) (*gpb.RowInsertRequest, error) {
	if err := validateBatch(b); err != nil {
		return nil, err
	}
	nrows, ncols := b.Rows(), b.NumColumns()
	vals := a.vals.take(nrows * ncols)
	ptrs := a.ptrs.take(nrows * ncols)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	rows := a.rows.take(nrows)
	rowPtrs := a.rowPtrs.take(nrows)
	for r := range rows {
		rows[r].Values = ptrs[r*ncols : (r+1)*ncols : (r+1)*ncols]
		rowPtrs[r] = &rows[r]
	}
	schema := a.schema.take(ncols)
	schemaPtrs := a.colPtrs.take(ncols)
	for j, c := range b.Columns() {
		cs := &schema[j]
		cs.ColumnName = c.Name
		cs.Datatype = gpb.ColumnDataType(c.Type)
		cs.SemanticType = gpb.SemanticType(c.Semantic)
		cs.DatatypeExtension = typeExtension(c)
		if len(c.Options) > 0 {
			cs.Options = &gpb.ColumnOptions{Options: c.Options}
		}
		schemaPtrs[j] = cs
		fillColumn(a, c, vals, j, ncols)
	}
	msg := &a.rowsMsg.take(1)[0]
	msg.Schema, msg.Rows = schemaPtrs, rowPtrs
	ins := &a.inserts.take(1)[0]
	ins.TableName, ins.Rows = b.Table, msg
	return ins, nil
}

// typeExtension returns the ColumnDataTypeExtension GreptimeDB needs for c:
// decimal precision and scale, the legacy JSON marker (the server rewrites
// every JSON column to JSON_BINARY anyway, req_convert/common.rs) and the
// vector dimension.
func typeExtension(c *table.Column) *gpb.ColumnDataTypeExtension {
	switch c.Type {
	case table.Decimal128:
		p, s := c.Precision, c.Scale
		if p == 0 {
			// Precision 0 means GreptimeDB's default decimal128(38, 10);
			// a scale given with it is kept, never silently replaced.
			p = 38
			if s == 0 {
				s = 10
			}
		}
		return &gpb.ColumnDataTypeExtension{TypeExt: &gpb.ColumnDataTypeExtension_DecimalType{
			DecimalType: &gpb.DecimalTypeExtension{Precision: p, Scale: s},
		}}
	case table.JSON:
		return &gpb.ColumnDataTypeExtension{TypeExt: &gpb.ColumnDataTypeExtension_JsonType{
			JsonType: gpb.JsonTypeExtension_JSON_BINARY,
		}}
	case table.Vector:
		return &gpb.ColumnDataTypeExtension{TypeExt: &gpb.ColumnDataTypeExtension_VectorType{
			VectorType: &gpb.VectorTypeExtension{Dim: vectorDim(c)},
		}}
	}
	return nil
}

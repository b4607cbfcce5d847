package writer

import (
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// columnSchemaSize is the size of c's ColumnSchema message (row.proto):
// name, datatype and semantic type (proto3 omits the zero enum values
// BOOLEAN and TAG), the type extension and the column options.
func columnSchemaSize(c *table.Column) int {
	n := sizeStringField(c.Name)
	if c.Type != 0 {
		n += 1 + protowire.SizeVarint(uint64(c.Type))
	}
	if c.Semantic != 0 {
		n += 1 + protowire.SizeVarint(uint64(c.Semantic))
	}
	if e, ok := typeExtSize(c); ok {
		n += sizeBytesField(e)
	}
	if len(c.Options) > 0 {
		n += sizeBytesField(stringMapSize(c.Options))
	}
	return n
}

func appendColumnSchema(b []byte, c *table.Column, keys *[]string) []byte {
	b = appendLen(b, tagRowsSchema, columnSchemaSize(c))
	b = appendStringField(b, tagColName, c.Name)
	if c.Type != 0 {
		b = protowire.AppendVarint(append(b, tagColType), uint64(c.Type))
	}
	if c.Semantic != 0 {
		b = protowire.AppendVarint(append(b, tagColSemantic), uint64(c.Semantic))
	}
	if e, ok := typeExtSize(c); ok {
		b = appendLen(b, tagColExt, e)
		b = appendTypeExt(b, c)
	}
	if len(c.Options) > 0 {
		b = appendLen(b, tagColOptions, stringMapSize(c.Options))
		b = appendStringMap(b, tagOptionsMap, c.Options, keys)
	}
	return b
}

// decimalParams returns the precision and scale sent for a DECIMAL128
// column. Precision 0 means GreptimeDB's default decimal128(38, 10); a
// scale given with it is kept, never silently replaced.
func decimalParams(c *table.Column) (p, s int32) {
	p, s = c.Precision, c.Scale
	if p == 0 {
		p = 38
		if s == 0 {
			s = 10
		}
	}
	return p, s
}

// int32Size is the size of a proto3 int32 field with a one-byte tag:
// omitted when zero, negative values sign-extended to ten bytes.
func int32Size(v int32) int {
	if v == 0 {
		return 0
	}
	return 1 + protowire.SizeVarint(uint64(int64(v)))
}

func appendInt32(b []byte, tag byte, v int32) []byte {
	if v == 0 {
		return b
	}
	return protowire.AppendVarint(append(b, tag), uint64(int64(v)))
}

// typeExtSize is the size of the ColumnDataTypeExtension GreptimeDB needs
// for c, and whether there is one: decimal precision and scale, the legacy
// JSON marker (the server rewrites every JSON column to JSON_BINARY anyway,
// req_convert/common.rs) and the vector dimension. A oneof member is
// written even when its value is the zero one (JSON_BINARY).
func typeExtSize(c *table.Column) (int, bool) {
	switch c.Type {
	case table.Decimal128:
		p, s := decimalParams(c)
		return sizeBytesField(int32Size(p) + int32Size(s)), true
	case table.JSON:
		return 2, true
	case table.Vector:
		return sizeBytesField(vectorDimSize(vectorDim(c))), true
	}
	return 0, false
}

func vectorDimSize(dim uint32) int {
	if dim == 0 {
		return 0
	}
	return 1 + protowire.SizeVarint(uint64(dim))
}

func appendTypeExt(b []byte, c *table.Column) []byte {
	switch c.Type {
	case table.Decimal128:
		p, s := decimalParams(c)
		b = appendLen(b, tagExtDecimal, int32Size(p)+int32Size(s))
		return appendInt32(appendInt32(b, tagDecPrecision, p), tagDecScale, s)
	case table.JSON:
		return append(b, tagExtJSON, jsonBinaryExtValue)
	case table.Vector:
		dim := vectorDim(c)
		b = appendLen(b, tagExtVector, vectorDimSize(dim))
		if dim != 0 {
			b = protowire.AppendVarint(append(b, tagVectorDim), uint64(dim))
		}
	}
	return b
}

// vectorDim is the column's declared dimension, or the one its first value
// implies (validateBatch has checked every value agrees).
func vectorDim(c *table.Column) uint32 {
	if c.VectorDim > 0 {
		return c.VectorDim
	}
	for i := 0; i < c.Len(); i++ {
		if v, ok := c.Binary(i); ok {
			return uint32(len(v) / 4)
		}
	}
	return 0
}

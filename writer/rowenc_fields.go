package writer

import (
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// Field tags of the messages the row-insert encoder writes, precomputed as
// (field number << 3 | wire type). Field numbers are those of
// greptime-proto v0.16.0: proto/greptime/v1/database.proto (GreptimeRequest,
// RowInsertRequests, RowInsertRequest), row.proto (Rows, ColumnSchema, Row,
// Value) and common.proto (RequestHeader, AuthHeader, Basic, Token,
// ColumnDataTypeExtension, DecimalTypeExtension, VectorTypeExtension,
// ColumnOptions, IntervalMonthDayNano, Decimal128).
const (
	wireVarint = byte(protowire.VarintType)
	wireBytes  = byte(protowire.BytesType)

	tagRequestHeader = 1<<3 | wireBytes // GreptimeRequest.header = 1
	tagRowInserts    = 6<<3 | wireBytes // GreptimeRequest.row_inserts = 6 (oneof request)

	tagHdrCatalog  = 1<<3 | wireBytes // RequestHeader.catalog = 1
	tagHdrSchema   = 2<<3 | wireBytes // RequestHeader.schema = 2
	tagHdrAuth     = 3<<3 | wireBytes // RequestHeader.authorization = 3
	tagHdrDbname   = 4<<3 | wireBytes // RequestHeader.dbname = 4
	tagHdrTracing  = 5<<3 | wireBytes // RequestHeader.tracing_context = 5 (map)
	tagHdrTimezone = 6<<3 | wireBytes // RequestHeader.timezone = 6
	tagAuthBasic   = 1<<3 | wireBytes // AuthHeader.basic = 1 (oneof auth_scheme)
	tagAuthToken   = 2<<3 | wireBytes // AuthHeader.token = 2 (oneof auth_scheme)
	tagBasicUser   = 1<<3 | wireBytes // Basic.username = 1
	tagBasicPass   = 2<<3 | wireBytes // Basic.password = 2
	tagTokenToken  = 1<<3 | wireBytes // Token.token = 1

	tagInsert          = 1<<3 | wireBytes  // RowInsertRequests.inserts = 1
	tagInsertTable     = 1<<3 | wireBytes  // RowInsertRequest.table_name = 1
	tagInsertRows      = 2<<3 | wireBytes  // RowInsertRequest.rows = 2
	tagRowsSchema      = 1<<3 | wireBytes  // Rows.schema = 1
	tagRowsRow         = 2<<3 | wireBytes  // Rows.rows = 2
	tagRowValue        = 1<<3 | wireBytes  // Row.values = 1
	tagColName         = 1<<3 | wireBytes  // ColumnSchema.column_name = 1
	tagColType         = 2<<3 | wireVarint // ColumnSchema.datatype = 2
	tagColSemantic     = 3<<3 | wireVarint // ColumnSchema.semantic_type = 3
	tagColExt          = 4<<3 | wireBytes  // ColumnSchema.datatype_extension = 4
	tagColOptions      = 5<<3 | wireBytes  // ColumnSchema.options = 5
	tagExtDecimal      = 1<<3 | wireBytes  // ColumnDataTypeExtension.decimal_type = 1
	tagExtJSON         = 2<<3 | wireVarint // ColumnDataTypeExtension.json_type = 2
	tagExtVector       = 3<<3 | wireBytes  // ColumnDataTypeExtension.vector_type = 3
	tagDecPrecision    = 1<<3 | wireVarint // DecimalTypeExtension.precision = 1
	tagDecScale        = 2<<3 | wireVarint // DecimalTypeExtension.scale = 2
	tagVectorDim       = 1<<3 | wireVarint // VectorTypeExtension.dim = 1
	tagOptionsMap      = 1<<3 | wireBytes  // ColumnOptions.options = 1 (map)
	tagMapKey          = 1<<3 | wireBytes  // map entry key = 1
	tagMapValue        = 2<<3 | wireBytes  // map entry value = 2
	tagMDNMonths       = 1<<3 | wireVarint // IntervalMonthDayNano.months = 1
	tagMDNDays         = 2<<3 | wireVarint // IntervalMonthDayNano.days = 2
	tagMDNNanos        = 3<<3 | wireVarint // IntervalMonthDayNano.nanoseconds = 3
	tagDecimalHi       = 1<<3 | wireVarint // Decimal128.hi = 1
	tagDecimalLo       = 2<<3 | wireVarint // Decimal128.lo = 2
	jsonBinaryExtValue = 0                 // JsonTypeExtension.JSON_BINARY = 0
)

// cellKind is how a column's values are laid out in a Value message.
type cellKind uint8

const (
	kindVarint  cellKind = iota // signed integers, dates, times, timestamps: int32/int64 varint
	kindUvarint                 // unsigned integers: uint32/uint64 varint
	kindBool                    // bool varint, one byte
	kindF32                     // float, fixed32
	kindF64                     // double, fixed64
	kindBytes                   // string or bytes: length-delimited
	kindMDN                     // IntervalMonthDayNano message
	kindDecimal                 // Decimal128 message
)

// valueField is, per data type, the Value oneof member that carries it
// (row.proto) and how. JSON travels as its text in string_value and VECTOR
// as binary_value, the variants GreptimeDB accepts for them
// (operator/src/req_convert/common.rs); the other types use the member of
// their own name (mito2/src/request.rs validate_proto_value).
var valueField = [...]struct {
	num  protowire.Number
	kind cellKind
}{
	table.Int8: {1, kindVarint}, table.Int16: {2, kindVarint}, table.Int32: {3, kindVarint}, table.Int64: {4, kindVarint},
	table.Uint8: {5, kindUvarint}, table.Uint16: {6, kindUvarint}, table.Uint32: {7, kindUvarint}, table.Uint64: {8, kindUvarint},
	table.Float32: {9, kindF32}, table.Float64: {10, kindF64}, table.Boolean: {11, kindBool},
	table.Binary: {12, kindBytes}, table.Vector: {12, kindBytes}, table.String: {13, kindBytes}, table.JSON: {13, kindBytes},
	table.Date: {14, kindVarint}, table.Datetime: {15, kindVarint},
	table.TimestampSecond: {16, kindVarint}, table.TimestampMillisecond: {17, kindVarint},
	table.TimestampMicrosecond: {18, kindVarint}, table.TimestampNanosecond: {19, kindVarint},
	table.TimeSecond: {20, kindVarint}, table.TimeMillisecond: {21, kindVarint},
	table.TimeMicrosecond: {22, kindVarint}, table.TimeNanosecond: {23, kindVarint},
	table.IntervalYearMonth: {24, kindVarint}, table.IntervalDayTime: {25, kindVarint},
	table.IntervalMonthDayNano: {26, kindMDN}, table.Decimal128: {31, kindDecimal},
}

// wireTypeOf is the protobuf wire type of a cell kind.
func wireTypeOf(k cellKind) protowire.Type {
	switch k {
	case kindF32:
		return protowire.Fixed32Type
	case kindF64:
		return protowire.Fixed64Type
	case kindBytes, kindMDN, kindDecimal:
		return protowire.BytesType
	}
	return protowire.VarintType
}

// sizeBytesField is the size of a length-delimited field with a one-byte
// tag and n bytes of payload.
func sizeBytesField(n int) int { return 1 + protowire.SizeVarint(uint64(n)) + n }

// sizeStringField is sizeBytesField for a proto3 string, which is omitted
// when empty.
func sizeStringField(s string) int {
	if s == "" {
		return 0
	}
	return sizeBytesField(len(s))
}

// appendStringField appends a proto3 string field with a one-byte tag,
// omitted when empty.
func appendStringField(b []byte, tag byte, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, tag)
	b = protowire.AppendVarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendLen appends a one-byte tag and a length prefix.
func appendLen(b []byte, tag byte, n int) []byte {
	return protowire.AppendVarint(append(b, tag), uint64(n))
}

package writer

import (
	"fmt"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/internal/jsontext"
)

// validateRequests checks a caller-built RowInsertRequests the way
// validateBatch checks a table batch: row width, a value variant matching
// each column's datatype (mito2/src/request.rs validate_proto_value; JSON
// and VECTOR also accept binary_value there) and no NULL time index. An
// insert with no rows is refused, as the Rust ingester does, since
// GreptimeDB would drop it silently.
func validateRequests(req *gpb.RowInsertRequests) error {
	if req == nil || len(req.GetInserts()) == 0 {
		return &InvalidInputError{Reason: "no inserts in the request"}
	}
	for _, ins := range req.GetInserts() {
		if err := validateRowInsert(ins); err != nil {
			return err
		}
	}
	return nil
}

func validateRowInsert(ins *gpb.RowInsertRequest) error {
	name := ins.GetTableName()
	if name == "" {
		return &InvalidInputError{Reason: "empty table name"}
	}
	schema := ins.GetRows().GetSchema()
	rows := ins.GetRows().GetRows()
	if len(rows) == 0 {
		return &InvalidInputError{Table: name, Reason: "empty batch: no rows"}
	}
	ts := -1
	for j, cs := range schema {
		for _, d := range schema[:j] {
			if d.GetColumnName() == cs.GetColumnName() {
				return &InvalidInputError{Table: name, Column: cs.GetColumnName(), Reason: "duplicate column name"}
			}
		}
		if cs.GetSemanticType() == gpb.SemanticType_TIMESTAMP {
			if ts >= 0 {
				return &InvalidInputError{Table: name, Column: cs.GetColumnName(), Reason: "second time-index column"}
			}
			ts = j
		}
	}
	if ts < 0 {
		return &InvalidInputError{Table: name, Reason: "no time-index (timestamp) column"}
	}
	for r, row := range rows {
		vals := row.GetValues()
		if len(vals) != len(schema) {
			return &InvalidInputError{Table: name, Reason: fmt.Sprintf("row %d has %d values, the schema has %d columns", r, len(vals), len(schema))}
		}
		for j, v := range vals {
			cs := schema[j]
			if v.GetValueData() == nil {
				if j == ts {
					return &InvalidInputError{Table: name, Column: cs.GetColumnName(), Reason: fmt.Sprintf("row %d: NULL in the time index", r)}
				}
				continue
			}
			if !variantMatches(cs.GetDatatype(), v) {
				return &InvalidInputError{
					Table: name, Column: cs.GetColumnName(),
					Reason: fmt.Sprintf("row %d: value %T does not match column type %s", r, v.GetValueData(), cs.GetDatatype()),
				}
			}
			if reason := checkProtoPayload(cs, v); reason != "" {
				return &InvalidInputError{Table: name, Column: cs.GetColumnName(), Reason: fmt.Sprintf("row %d: %s", r, reason)}
			}
		}
	}
	return nil
}

// checkProtoPayload applies the JSON and VECTOR payload checks GreptimeDB's
// preprocessing makes (operator/src/req_convert/common.rs): JSON text must
// parse, a vector must hold exactly dim float32 values.
func checkProtoPayload(cs *gpb.ColumnSchema, v *gpb.Value) string {
	switch cs.GetDatatype() {
	case gpb.ColumnDataType_JSON:
		if sv, ok := v.GetValueData().(*gpb.Value_StringValue); ok && !jsontext.Valid([]byte(sv.StringValue)) {
			return "value is not valid json text"
		}
	case gpb.ColumnDataType_VECTOR:
		dim := cs.GetDatatypeExtension().GetVectorType().GetDim()
		if b := v.GetBinaryValue(); dim > 0 && len(b) != int(dim)*4 {
			return fmt.Sprintf("vector has %d bytes, want %d (dimension %d)", len(b), dim*4, dim)
		}
	}
	return ""
}

// variantMatches mirrors GreptimeDB's per-value type check.
func variantMatches(t gpb.ColumnDataType, v *gpb.Value) bool {
	switch v.GetValueData().(type) {
	case *gpb.Value_BoolValue:
		return t == gpb.ColumnDataType_BOOLEAN
	case *gpb.Value_I8Value:
		return t == gpb.ColumnDataType_INT8
	case *gpb.Value_I16Value:
		return t == gpb.ColumnDataType_INT16
	case *gpb.Value_I32Value:
		return t == gpb.ColumnDataType_INT32
	case *gpb.Value_I64Value:
		return t == gpb.ColumnDataType_INT64
	case *gpb.Value_U8Value:
		return t == gpb.ColumnDataType_UINT8
	case *gpb.Value_U16Value:
		return t == gpb.ColumnDataType_UINT16
	case *gpb.Value_U32Value:
		return t == gpb.ColumnDataType_UINT32
	case *gpb.Value_U64Value:
		return t == gpb.ColumnDataType_UINT64
	case *gpb.Value_F32Value:
		return t == gpb.ColumnDataType_FLOAT32
	case *gpb.Value_F64Value:
		return t == gpb.ColumnDataType_FLOAT64
	case *gpb.Value_BinaryValue:
		// JSON takes only JSON text: GreptimeDB's JSON preprocessing answers
		// any other value with Internal/1002 (greptimedb-protocol.md §7.6).
		return t == gpb.ColumnDataType_BINARY || t == gpb.ColumnDataType_VECTOR
	case *gpb.Value_StringValue:
		return t == gpb.ColumnDataType_STRING || t == gpb.ColumnDataType_JSON
	case *gpb.Value_DateValue:
		return t == gpb.ColumnDataType_DATE
	case *gpb.Value_DatetimeValue:
		return t == gpb.ColumnDataType_DATETIME
	case *gpb.Value_TimestampSecondValue:
		return t == gpb.ColumnDataType_TIMESTAMP_SECOND
	case *gpb.Value_TimestampMillisecondValue:
		return t == gpb.ColumnDataType_TIMESTAMP_MILLISECOND
	case *gpb.Value_TimestampMicrosecondValue:
		return t == gpb.ColumnDataType_TIMESTAMP_MICROSECOND
	case *gpb.Value_TimestampNanosecondValue:
		return t == gpb.ColumnDataType_TIMESTAMP_NANOSECOND
	case *gpb.Value_TimeSecondValue:
		return t == gpb.ColumnDataType_TIME_SECOND
	case *gpb.Value_TimeMillisecondValue:
		return t == gpb.ColumnDataType_TIME_MILLISECOND
	case *gpb.Value_TimeMicrosecondValue:
		return t == gpb.ColumnDataType_TIME_MICROSECOND
	case *gpb.Value_TimeNanosecondValue:
		return t == gpb.ColumnDataType_TIME_NANOSECOND
	case *gpb.Value_IntervalYearMonthValue:
		return t == gpb.ColumnDataType_INTERVAL_YEAR_MONTH
	case *gpb.Value_IntervalDayTimeValue:
		return t == gpb.ColumnDataType_INTERVAL_DAY_TIME
	case *gpb.Value_IntervalMonthDayNanoValue:
		return t == gpb.ColumnDataType_INTERVAL_MONTH_DAY_NANO
	case *gpb.Value_Decimal128Value:
		return t == gpb.ColumnDataType_DECIMAL128
	case *gpb.Value_ListValue:
		return t == gpb.ColumnDataType_LIST
	case *gpb.Value_StructValue:
		return t == gpb.ColumnDataType_STRUCT
	case *gpb.Value_JsonValue:
		return false // the native JSON2 type is not supported (§7.6)
	}
	return false
}

package writer

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// Field metadata keys the Rust and Go ingesters attach to every Arrow field
// of a bulk stream (Rust PR #59, Go bulk/autocreate.go). GreptimeDB
// Enterprise reads them to auto-create a table from a DoPut stream; the
// open-source server ignores them (greptimedb-protocol.md §3.6), so they cost
// a few bytes per stream and keep the schema self-describing.
const (
	arrowMetaSemanticType = "greptime:semantic_type"
	arrowMetaType         = "greptime:type"
)

// Default DECIMAL128 precision and scale, GreptimeDB's own
// (common/decimal: DECIMAL128_DEFAULT_SCALE, DECIMAL128_MAX_PRECISION).
const (
	defaultDecimalPrecision = 38
	defaultDecimalScale     = 10
)

// unsupportedBulkType is the reason given for types the bulk path cannot
// carry; both official clients refuse them too (§3.4).
const unsupportedBulkType = "unsupported type for the bulk path"

// arrowTypeOf returns the Arrow type GreptimeDB expects on the bulk path for
// a column (greptimedb-protocol.md §3.4: the Rust column_to_arrow_data_type,
// the Go convertToArrowType and the server's ConcreteDataType::as_arrow_type
// agree). Timestamps never carry a time zone: the server compares Arrow types
// exactly and a zoned timestamp is a different type (§3.2).
func arrowTypeOf(tableName string, c table.ColumnSchema) (arrow.DataType, error) {
	switch c.Type {
	case table.Boolean:
		return arrow.FixedWidthTypes.Boolean, nil
	case table.Int8:
		return arrow.PrimitiveTypes.Int8, nil
	case table.Int16:
		return arrow.PrimitiveTypes.Int16, nil
	case table.Int32:
		return arrow.PrimitiveTypes.Int32, nil
	case table.Int64:
		return arrow.PrimitiveTypes.Int64, nil
	case table.Uint8:
		return arrow.PrimitiveTypes.Uint8, nil
	case table.Uint16:
		return arrow.PrimitiveTypes.Uint16, nil
	case table.Uint32:
		return arrow.PrimitiveTypes.Uint32, nil
	case table.Uint64:
		return arrow.PrimitiveTypes.Uint64, nil
	case table.Float32:
		return arrow.PrimitiveTypes.Float32, nil
	case table.Float64:
		return arrow.PrimitiveTypes.Float64, nil
	case table.String:
		return arrow.BinaryTypes.String, nil
	case table.Binary, table.JSON:
		// JSON travels as Binary holding UTF-8 JSON text, as in both official
		// clients. GreptimeDB's bulk path does no text-to-JSONB conversion
		// (none in operator/src/bulk_insert.rs, §3.4), so the stored bytes
		// are the text as sent.
		return arrow.BinaryTypes.Binary, nil
	case table.Date:
		return arrow.FixedWidthTypes.Date32, nil
	case table.Datetime:
		// DATETIME is a deprecated alias of a microsecond timestamp (§3.4).
		return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
	case table.TimestampSecond:
		return &arrow.TimestampType{Unit: arrow.Second}, nil
	case table.TimestampMillisecond:
		return &arrow.TimestampType{Unit: arrow.Millisecond}, nil
	case table.TimestampMicrosecond:
		return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
	case table.TimestampNanosecond:
		return &arrow.TimestampType{Unit: arrow.Nanosecond}, nil
	case table.TimeSecond:
		return arrow.FixedWidthTypes.Time32s, nil
	case table.TimeMillisecond:
		return arrow.FixedWidthTypes.Time32ms, nil
	case table.TimeMicrosecond:
		return arrow.FixedWidthTypes.Time64us, nil
	case table.TimeNanosecond:
		return arrow.FixedWidthTypes.Time64ns, nil
	case table.Decimal128:
		p, s := decimalPrecisionScale(c.Precision, c.Scale)
		if p < 1 || p > 38 || s < 0 || s > p {
			return nil, &InvalidInputError{
				Table: tableName, Column: c.Name,
				Reason: "decimal precision and scale must satisfy 1 <= precision <= 38 and 0 <= scale <= precision",
			}
		}
		return &arrow.Decimal128Type{Precision: p, Scale: s}, nil
	}
	// INTERVAL_*, VECTOR and anything unknown: neither official client nor
	// this one can express them in a DoPut batch.
	return nil, &InvalidInputError{Table: tableName, Column: c.Name, Reason: unsupportedBulkType + ": " + c.Type.String()}
}

// decimalPrecisionScale applies GreptimeDB's default (38, 10) when the
// column leaves both at zero.
func decimalPrecisionScale(p, s int32) (int32, int32) {
	if p == 0 && s == 0 {
		return defaultDecimalPrecision, defaultDecimalScale
	}
	return p, s
}

// semanticName is the value of the greptime:semantic_type field metadata.
func semanticName(s table.SemanticType) string {
	switch s {
	case table.Tag:
		return "tag"
	case table.Timestamp:
		return "timestamp"
	}
	return "field"
}

// bulkArrowSchema builds the Arrow schema of a bulk stream for cols. As in
// the Rust ingester, the time index is the only non-nullable field. It refuses
// schemas the server would reject or, worse, crash on (§7.4).
func bulkArrowSchema(tableName string, cols []table.ColumnSchema) (*arrow.Schema, error) {
	if tableName == "" {
		return nil, &InvalidInputError{Reason: "bulk stream needs a table name"}
	}
	if len(cols) == 0 {
		return nil, &InvalidInputError{Table: tableName, Reason: "bulk stream schema has no columns"}
	}
	fields := make([]arrow.Field, len(cols))
	seen := make(map[string]struct{}, len(cols))
	for i, c := range cols {
		if c.Name == "" {
			return nil, &InvalidInputError{Table: tableName, Reason: "column with an empty name"}
		}
		if _, dup := seen[c.Name]; dup {
			return nil, &InvalidInputError{Table: tableName, Column: c.Name, Reason: "duplicate column"}
		}
		seen[c.Name] = struct{}{}
		dt, err := arrowTypeOf(tableName, c)
		if err != nil {
			return nil, err
		}
		keys := []string{arrowMetaSemanticType}
		vals := []string{semanticName(c.Semantic)}
		if c.Type == table.JSON {
			keys, vals = append(keys, arrowMetaType), append(vals, "Json")
		}
		fields[i] = arrow.Field{
			Name: c.Name, Type: dt, Nullable: c.Semantic != table.Timestamp,
			Metadata: arrow.NewMetadata(keys, vals),
		}
	}
	s := arrow.NewSchema(fields, nil)
	if err := checkTimeIndex(tableName, cols, s); err != nil {
		return nil, err
	}
	return s, nil
}

// checkTimeIndex enforces what GreptimeDB needs of the time index on the bulk
// path: exactly one, typed TIMESTAMP_* and sent as an Arrow timestamp without
// a time zone. A time index of another Arrow type makes the region worker
// panic (timestamp_array_to_primitive(..).unwrap() in
// mito2/src/worker/handle_bulk_insert.rs, §7.4), and a zoned one is a type
// mismatch, so both are refused before anything is sent.
func checkTimeIndex(tableName string, cols []table.ColumnSchema, s *arrow.Schema) error {
	ts := -1
	for i, c := range cols {
		if c.Semantic != table.Timestamp {
			continue
		}
		if ts >= 0 {
			return &InvalidInputError{
				Table: tableName, Column: c.Name,
				Reason: "second time-index column (the first is " + quoteName(cols[ts].Name) + ")",
			}
		}
		ts = i
	}
	if ts < 0 {
		return &InvalidInputError{Table: tableName, Reason: "no time-index column"}
	}
	c := cols[ts]
	if !c.Type.IsTimestamp() {
		return &InvalidInputError{
			Table: tableName, Column: c.Name,
			Reason: "time index must be a TIMESTAMP type on the bulk path, not " + c.Type.String(),
		}
	}
	tt, ok := s.Field(ts).Type.(*arrow.TimestampType)
	if !ok || tt.TimeZone != "" {
		return &InvalidInputError{
			Table: tableName, Column: c.Name,
			Reason: "time index must be an arrow timestamp without time zone, not " + s.Field(ts).Type.String(),
		}
	}
	return nil
}

// quoteName quotes a column name for an error message.
func quoteName(s string) string { return "\"" + s + "\"" }

// batchColumns returns the column definitions of b, for a stream whose
// schema is taken from its first batch.
func batchColumns(b *table.Batch) []table.ColumnSchema {
	cols := make([]table.ColumnSchema, b.NumColumns())
	for i, c := range b.Columns() {
		cols[i] = table.ColumnSchema{
			Name: c.Name, Type: c.Type, Semantic: c.Semantic, Options: c.Options,
			Precision: c.Precision, Scale: c.Scale, VectorDim: c.VectorDim,
		}
	}
	return cols
}

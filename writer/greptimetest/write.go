package greptimetest

import (
	"fmt"
	"slices"
	"sort"
	"time"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/internal/jsontext"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// regionErr is mito2's InvalidRequest (mito2/src/error.rs):
// "Invalid request to region <id>, reason: ...", InvalidArguments.
func regionErr(t *tableState, format string, args ...any) *Error {
	return newErr(StatusInvalidArguments, "Invalid request to region %s, reason: %s", t.regionID(), fmt.Sprintf(format, args...))
}

// preprocessRows is preprocess_row_insert_requests
// (operator/src/req_convert/common.rs). validate_rows checks VECTOR values
// (binary of dim*4 bytes) but stops at the first column that is not a
// VECTOR (§7.8); prepare_rows marks JSON columns as JSONB and replaces each
// JSON text value by its binary form: invalid text is InvalidJsonFormat, a
// value that is not a string is Unexpected (§7.6). The binary form kept
// here is the text itself, so reads return the JSON text. A row shorter
// than its schema is left to the column-count check (GreptimeDB would
// index out of bounds here).
func preprocessRows(rows *gpb.Rows) error {
	if rows == nil {
		return nil
	}
	for i, cs := range rows.GetSchema() {
		if cs.GetDatatype() != gpb.ColumnDataType_VECTOR {
			break
		}
		dim := cs.GetDatatypeExtension().GetVectorType().GetDim()
		for _, row := range rows.GetRows() {
			if i >= len(row.GetValues()) || row.GetValues()[i].GetValueData() == nil {
				continue
			}
			b, ok := row.GetValues()[i].GetValueData().(*gpb.Value_BinaryValue)
			if !ok {
				return invalidInsert("Expecting binary data for vector column.")
			}
			if want := int(dim) * 4; len(b.BinaryValue) != want {
				return invalidInsert("Expecting %d bytes of data for vector column, but got %d.", want, len(b.BinaryValue))
			}
		}
	}
	for i, cs := range rows.GetSchema() {
		if cs.GetDatatype() != gpb.ColumnDataType_JSON {
			continue
		}
		cs.DatatypeExtension = &gpb.ColumnDataTypeExtension{TypeExt: &gpb.ColumnDataTypeExtension_JsonType{JsonType: gpb.JsonTypeExtension_JSON_BINARY}}
		for _, row := range rows.GetRows() {
			if i >= len(row.GetValues()) || row.GetValues()[i].GetValueData() == nil {
				continue
			}
			v := row.GetValues()[i]
			str, ok := v.GetValueData().(*gpb.Value_StringValue)
			if !ok {
				return jsonNotString()
			}
			if !jsontext.Valid([]byte(str.StringValue)) {
				return invalidJSONText(str.StringValue)
			}
			v.ValueData = &gpb.Value_BinaryValue{BinaryValue: []byte(str.StringValue)}
		}
	}
	return nil
}

// jsonNotString is encode_string_to_jsonb_binary's error for a JSON value
// that is not a string (Unexpected, req_convert/common.rs).
func jsonNotString() *Error {
	return newErr(StatusUnexpected, "Unexpected, violated: Expected to value data to be a string.")
}

// invalidJSONText is its InvalidJsonFormat for text jsonb cannot parse.
func invalidJSONText(s string) *Error {
	return newErr(StatusInvalidArguments, "Invalid json text: %s", s)
}

// pendingWrite is a validated write of one request into one table.
type pendingWrite struct {
	t    *tableState
	pos  []int // request column → table column, -1 when not stored
	n    int   // rows
	rows []*gpb.Row
}

// checkWrite validates a request against its table as the region worker
// does (mito2/src/request.rs WriteRequest::new and check_schema) and fills
// w. Callers hold s.mu.
func (s *Server) checkWrite(k dbKey, r *insertReq, w *pendingWrite) error {
	t := s.table(k, r.table)
	if t == nil {
		return tableNotFound(k, r.table)
	}
	if t.info.Engine == "metric" {
		if t.info.PhysicalTable == "" {
			// metric-engine/src/engine/put.rs: puts to a physical region
			// are refused (ForbiddenPhysicalWrite, Unsupported).
			return newErr(StatusUnsupported, "Write request to physical region is forbidden")
		}
		return s.checkWriteLogical(t, r, w)
	}
	schema := r.schema
	// owner[j] is 1 + the request column naming table column j, 0 for
	// none; names the table lacks are collected in unknown. This finds
	// the first duplicate in request order without a map per request.
	var buf [32]int
	owner := buf[:0]
	if len(t.info.Columns) > len(buf) {
		owner = make([]int, 0, len(t.info.Columns))
	}
	owner = owner[:len(t.info.Columns)]
	clear(owner)
	var unknown []string
	for i, cs := range schema {
		name := cs.GetColumnName()
		j, known := t.idx[name]
		if (known && owner[j] != 0) || (!known && slices.Contains(unknown, name)) {
			return regionErr(t, "duplicate column %s", name)
		}
		if known {
			owner[j] = i + 1
		} else {
			unknown = append(unknown, name)
		}
	}
	hasNull := make([]bool, len(schema))
	if i, vt := r.firstMismatch(hasNull); i >= 0 {
		ct := table.DataType(schema[i].GetDatatype())
		return regionErr(t, "value has type %s, but column %s has type %s(%d)",
			rustTypeName(vt), schema[i].GetColumnName(), rustTypeName(ct), int32(ct))
	}
	*w = pendingWrite{t: t, pos: make([]int, len(schema)), n: r.numRows(), rows: r.rows}
	for j, col := range t.info.Columns {
		i := owner[j] - 1
		if i < 0 {
			if !col.Nullable && col.Default == "" {
				return regionErr(t, "missing column %s", col.Name)
			}
			continue
		}
		in := columnFromProto(schema[i])
		if !sameConcreteType(in, col) {
			return regionErr(t, "column %s expect type %s, given: %s(%d)",
				col.Name, concreteTypeDebug(col), protoTypeName(in.Type), int32(in.Type))
		}
		if in.Semantic != col.Semantic {
			return regionErr(t, "column %s has semantic type %s, given: %s(%d)",
				col.Name, semanticDebug(col.Semantic), in.Semantic.String(), int32(in.Semantic))
		}
		if !col.Nullable && hasNull[i] {
			return regionErr(t, "column %s is not null but input has null", col.Name)
		}
		w.pos[i] = j
	}
	if len(unknown) > 0 {
		names := make([]string, 0, len(unknown))
		for _, n := range unknown {
			names = append(names, fmt.Sprintf("%q", n))
		}
		sort.Strings(names)
		return regionErr(t, "unknown columns: [%s]", joinComma(names))
	}
	return nil
}

// apply stores the rows. In count-only mode nothing is converted. Rows
// share one backing slab to keep allocations per request, not per row.
// Callers hold s.mu.
func (w *pendingWrite) apply(s *Server) int {
	if s.opts.CountOnly {
		w.t.paths[PathRowInsert] += w.n
		w.t.count += w.n
		return w.n
	}
	cols := w.t.info.Columns
	n := len(cols)
	given := make([]bool, n)
	for _, j := range w.pos {
		if j >= 0 {
			given[j] = true
		}
	}
	now := time.Now()
	slab := make([]table.Value, len(w.rows)*n)
	for r, row := range w.rows {
		full := slab[r*n : (r+1)*n : (r+1)*n]
		for i, v := range row.GetValues() {
			if j := w.pos[i]; j >= 0 {
				full[j] = valueFromProto(v, cols[j].Type)
			}
		}
		fillDefaults(cols, given, full, now)
		s.store(w.t, full, PathRowInsert)
	}
	return len(w.rows)
}

// valueTypeMatches is proto_value_type_match (mito2/src/request.rs): the
// variant must be the column's type, except that VECTOR and JSON columns
// take binary values.
func valueTypeMatches(col, val table.DataType) bool {
	return col == val ||
		(col == table.Vector && val == table.Binary) ||
		(col == table.JSON && val == table.Binary)
}

func joinComma(xs []string) string {
	out := ""
	for i, x := range xs {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// semanticDebug is api::v1::SemanticType's Debug form ("Tag", "Field",
// "Timestamp").
func semanticDebug(s table.SemanticType) string {
	switch s {
	case table.Tag:
		return "Tag"
	case table.Field:
		return "Field"
	case table.Timestamp:
		return "Timestamp"
	}
	return s.String()
}

// sameConcreteType reports whether two columns map to equal
// ConcreteDataTypes, i.e. whether their concreteTypeDebug strings are
// equal, without building the strings: checkWrite runs it for every column
// of every request, and the strings cost two allocations each.
func sameConcreteType(a, b ColumnInfo) bool {
	canon := func(t table.DataType) table.DataType {
		if t == table.Datetime {
			return table.TimestampMicrosecond
		}
		return t
	}
	if canon(a.Type) != canon(b.Type) {
		return false
	}
	switch a.Type {
	case table.Decimal128:
		return a.Precision == b.Precision && a.Scale == b.Scale
	case table.Vector:
		return a.VectorDim == b.VectorDim
	}
	return true
}

// concreteTypeDebug is the Debug form of the ConcreteDataType a column
// type maps to (datatypes/src/data_type.rs; ColumnDataTypeWrapper in
// api/src/helper.rs). Two columns have equal ConcreteDataTypes exactly when
// these strings are equal: DATETIME maps to Timestamp(Microsecond), and
// DECIMAL128 carries its precision and scale.
func concreteTypeDebug(c ColumnInfo) string {
	switch c.Type {
	case table.Boolean:
		return "Boolean(BooleanType)"
	case table.Int8, table.Int16, table.Int32, table.Int64:
		n := rustTypeName(c.Type)
		return n + "(" + n + "Type)"
	case table.Uint8, table.Uint16, table.Uint32, table.Uint64:
		n := "UInt" + rustTypeName(c.Type)[4:]
		return n + "(" + n + "Type)"
	case table.Float32:
		return "Float32(Float32Type)"
	case table.Float64:
		return "Float64(Float64Type)"
	case table.Binary:
		return "Binary(BinaryType)"
	case table.String:
		return "String(StringType { size_type: Utf8 })"
	case table.Date:
		return "Date(DateType)"
	case table.Datetime:
		return "Timestamp(Microsecond(TimestampMicrosecondType))"
	case table.TimestampSecond, table.TimestampMillisecond, table.TimestampMicrosecond, table.TimestampNanosecond:
		u := timeUnitDebug(c.Type)
		return "Timestamp(" + u + "(Timestamp" + u + "Type))"
	case table.TimeSecond, table.TimeMillisecond, table.TimeMicrosecond, table.TimeNanosecond:
		u := rustTypeName(c.Type)[4:]
		return "Time(" + u + "(Time" + u + "Type))"
	case table.IntervalYearMonth, table.IntervalDayTime, table.IntervalMonthDayNano:
		u := rustTypeName(c.Type)[8:]
		return "Interval(" + u + "(Interval" + u + "Type))"
	case table.Decimal128:
		return fmt.Sprintf("Decimal128(Decimal128Type { precision: %d, scale: %d })", c.Precision, c.Scale)
	case table.JSON:
		return "Json(JsonType { format: Jsonb })"
	case table.Vector:
		return fmt.Sprintf("Vector(VectorType { dim: %d })", c.VectorDim)
	}
	return c.Type.String()
}

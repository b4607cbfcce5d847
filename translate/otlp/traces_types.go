package otlp

import (
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// attrType is the column type an attribute value asks for
// (trace/v1.rs write_attributes_with_schema): string STRING, bool BOOLEAN,
// int BIGINT, double DOUBLE, array/map JSON, bytes BINARY. Empty values
// write nothing.
func attrType(v pcommon.Value) (table.DataType, bool) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return table.String, true
	case pcommon.ValueTypeBool:
		return table.Boolean, true
	case pcommon.ValueTypeInt:
		return table.Int64, true
	case pcommon.ValueTypeDouble:
		return table.Float64, true
	case pcommon.ValueTypeSlice, pcommon.ValueTypeMap:
		return table.JSON, true
	case pcommon.ValueTypeBytes:
		return table.Binary, true
	}
	return 0, false
}

// coercible copies servers/src/otlp/coerce.rs is_supported_trace_coercion.
func coercible(from, to table.DataType) bool {
	switch {
	case from == to:
		return true
	case from == table.Int64:
		return to == table.Float64 || to == table.String
	case from == table.Float64, from == table.Boolean:
		return to == table.String
	case from == table.String:
		return to == table.Int64 || to == table.Float64 || to == table.Boolean
	}
	return false
}

// resolveType copies coerce.rs resolve_new_trace_column_type: a single
// observed type wins; otherwise the first of BOOLEAN, BIGINT, DOUBLE, STRING
// that was observed and every other observed type coerces to. ok is false
// for an unsupported mix (then GreptimeDB rejects the spans involved; the
// bridge keeps the first type and rejects the spans that do not fit).
func resolveType(observed []table.DataType) (table.DataType, bool) {
	if len(observed) == 1 {
		return observed[0], true
	}
	for _, target := range [...]table.DataType{table.Boolean, table.Int64, table.Float64, table.String} {
		seen, all := false, true
		for _, o := range observed {
			if o == target {
				seen = true
			}
			if !coercible(o, target) {
				all = false
			}
		}
		if seen && all {
			return target, true
		}
	}
	return observed[0], false
}

// semconvType returns the fixed type of stable semantic-convention
// attributes (frontend/src/instance/otlp/trace_semconv.rs, v1.1+). The
// bridge carries the integer-typed ones and the common string ones.
func semconvType(column string) (table.DataType, bool) {
	t, ok := semconvTypes[column]
	return t, ok
}

var semconvTypes = map[string]table.DataType{
	"resource_attributes.service.instance.id":         table.String,
	"resource_attributes.service.namespace":           table.String,
	"resource_attributes.service.version":             table.String,
	"resource_attributes.telemetry.sdk.language":      table.String,
	"resource_attributes.telemetry.sdk.name":          table.String,
	"resource_attributes.telemetry.sdk.version":       table.String,
	"resource_attributes.container.id":                table.String,
	"resource_attributes.k8s.container.restart_count": table.Int64,
	"span_attributes.client.address":                  table.String,
	"span_attributes.server.address":                  table.String,
	"span_attributes.network.peer.address":            table.String,
	"span_attributes.network.local.address":           table.String,
	"span_attributes.network.protocol.name":           table.String,
	"span_attributes.network.protocol.version":        table.String,
	"span_attributes.network.transport":               table.String,
	"span_attributes.network.type":                    table.String,
	"span_attributes.client.port":                     table.Int64,
	"span_attributes.server.port":                     table.Int64,
	"span_attributes.network.local.port":              table.Int64,
	"span_attributes.network.peer.port":               table.Int64,
	"span_attributes.http.request.method":             table.String,
	"span_attributes.http.route":                      table.String,
	"span_attributes.http.response.status_code":       table.Int64,
	"span_attributes.url.full":                        table.String,
	"span_attributes.url.path":                        table.String,
	"span_attributes.url.query":                       table.String,
	"span_attributes.url.scheme":                      table.String,
	"span_attributes.user_agent.original":             table.String,
	"span_attributes.db.system.name":                  table.String,
	"span_attributes.db.namespace":                    table.String,
	"span_attributes.db.operation.name":               table.String,
	"span_attributes.db.query.text":                   table.String,
	"span_attributes.rpc.system":                      table.String,
	"span_attributes.rpc.service":                     table.String,
	"span_attributes.rpc.method":                      table.String,
	"span_attributes.rpc.grpc.status_code":            table.Int64,
	"span_attributes.messaging.system":                table.String,
	"span_attributes.messaging.destination.name":      table.String,
	"span_attributes.messaging.operation.name":        table.String,
	"span_attributes.messaging.batch.message_count":   table.Int64,
	"span_attributes.error.type":                      table.String,
	"span_attributes.exception.type":                  table.String,
	"span_attributes.exception.message":               table.String,
	"span_attributes.exception.stacktrace":            table.String,
	"span_attributes.code.function.name":              table.String,
	"span_attributes.code.file.path":                  table.String,
	"span_attributes.code.line.number":                table.Int64,
	"span_attributes.http.request.body.size":          table.Int64,
	"span_attributes.http.response.body.size":         table.Int64,
	"span_attributes.http.request.resend_count":       table.Int64,
	"span_attributes.db.response.returned_rows":       table.Int64,
	"span_attributes.messaging.message.body.size":     table.Int64,
	"span_attributes.rpc.message.id":                  table.Int64,
	"span_attributes.rpc.message.compressed_size":     table.Int64,
	"span_attributes.rpc.message.uncompressed_size":   table.Int64,
}

// coercedValue is one attribute value converted to its column's type.
type coercedValue struct {
	typ table.DataType
	s   string
	i   int64
	f   float64
	b   bool
	raw []byte
}

// coerce converts v to typ as coerce.rs coerce_non_null_value does; ok is
// false when the value cannot be converted (the span is then rejected).
// JSON values are rendered into buf.
func coerce(v pcommon.Value, typ table.DataType, buf []byte) (coercedValue, []byte, bool) {
	out := coercedValue{typ: typ}
	from, _ := attrType(v)
	switch {
	case from == typ:
		switch typ {
		case table.String:
			out.s = v.Str()
		case table.Boolean:
			out.b = v.Bool()
		case table.Int64:
			out.i = v.Int()
		case table.Float64:
			out.f = v.Double()
		case table.Binary:
			out.raw = v.Bytes().AsRaw()
		case table.JSON:
			start := len(buf)
			buf = appendJSONBValue(buf, v)
			out.raw = buf[start:]
		}
		return out, buf, true
	case !coercible(from, typ):
		return out, buf, false
	case from == table.Int64 && typ == table.Float64:
		out.f = float64(v.Int())
	case typ == table.String:
		switch from {
		case table.Int64:
			out.s = strconv.FormatInt(v.Int(), 10)
		case table.Float64:
			out.s = rustFloat(v.Double())
		case table.Boolean:
			out.s = strconv.FormatBool(v.Bool())
		}
	case from == table.String:
		s := v.Str()
		var err error
		switch typ {
		case table.Int64:
			out.i, err = strconv.ParseInt(s, 10, 64)
		case table.Float64:
			out.f, err = strconv.ParseFloat(s, 64)
		case table.Boolean:
			// Rust's bool::from_str takes exactly "true" or "false".
			switch s {
			case "true":
				out.b = true
			case "false":
			default:
				err = strconv.ErrSyntax
			}
		}
		if err != nil {
			return out, buf, false
		}
	}
	return out, buf, true
}

// appendTo appends the value to a column of its type.
func (cv *coercedValue) appendTo(col *table.Column) {
	switch cv.typ {
	case table.String:
		col.AppendString(cv.s)
	case table.Boolean:
		col.AppendBool(cv.b)
	case table.Int64:
		col.AppendInt64(cv.i)
	case table.Float64:
		col.AppendFloat64(cv.f)
	default:
		col.AppendBytes(cv.raw)
	}
}

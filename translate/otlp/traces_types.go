package otlp

import (
	"strconv"
	"strings"

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
// for an unsupported mix: then the spans involved are reconciled one by one
// (planTraceTypes), as trace_ingest.rs does.
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
// attributes, the exact list of frontend/src/instance/otlp/trace_semconv.rs
// (v1.1+, main at 7fd0a7bb).
func semconvType(column string) (table.DataType, bool) {
	if k, ok := strings.CutPrefix(column, "resource_attributes."); ok {
		if k == "k8s.container.restart_count" {
			return table.Int64, true
		}
		_, ok := semconvResourceStrings[k]
		return table.String, ok
	}
	if k, ok := strings.CutPrefix(column, "span_attributes."); ok {
		if _, ok := semconvSpanInts[k]; ok {
			return table.Int64, true
		}
		_, ok := semconvSpanStrings[k]
		return table.String, ok
	}
	return 0, false
}

func set(keys ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		m[k] = struct{}{}
	}
	return m
}

var semconvResourceStrings = set(
	"service.name", "service.instance.id", "service.namespace", "service.version",
	"telemetry.sdk.language", "telemetry.sdk.name", "telemetry.sdk.version",
	"container.id", "user_agent.original",
	"k8s.cluster.name", "k8s.cluster.uid", "k8s.container.name", "k8s.cronjob.name", "k8s.cronjob.uid",
	"k8s.daemonset.name", "k8s.daemonset.uid", "k8s.deployment.name", "k8s.deployment.uid",
	"k8s.job.name", "k8s.job.uid", "k8s.namespace.name", "k8s.node.name", "k8s.node.uid",
	"k8s.pod.name", "k8s.pod.uid", "k8s.replicaset.name", "k8s.replicaset.uid",
	"k8s.statefulset.name", "k8s.statefulset.uid", "k8s.pod.hostname", "k8s.pod.ip", "k8s.pod.start_time",
)

var semconvSpanStrings = set(
	"client.address", "server.address", "network.local.address", "network.peer.address",
	"network.protocol.name", "network.protocol.version", "network.transport", "network.type",
	"http.request.method", "http.request.method_original", "http.route",
	"url.full", "url.path", "url.query", "url.scheme", "user_agent.original",
	"rpc.method", "rpc.system", "rpc.system.name", "rpc.method_original", "rpc.response.status_code",
	"db.collection.name", "db.namespace", "db.operation.name", "db.query.summary", "db.query.text",
	"db.response.status_code", "db.stored_procedure.name", "db.system.name",
	"error.type",
)

var semconvSpanInts = set(
	"client.port", "server.port", "network.local.port", "network.peer.port",
	"http.request.resend_count", "http.response.status_code", "db.operation.batch.size",
)

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

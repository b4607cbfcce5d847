package greptimetest

import (
	"fmt"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/protobuf/proto"
)

// logsRequest builds the row insert the bridge sends for OTLP logs
// (opentelemetry_logs): rows log records with 12 attributes, as
// bench/compare.sh's otlp-logs workload sends them, so three JSON columns
// (log, scope and resource attributes) besides strings and numbers.
func logsRequest(rows int) *gpb.GreptimeRequest {
	str := func(name string) *gpb.ColumnSchema { return field(name, gpb.ColumnDataType_STRING) }
	js := func(name string) *gpb.ColumnSchema { return field(name, gpb.ColumnDataType_JSON) }
	schema := cols(&gpb.ColumnSchema{ColumnName: "timestamp", Datatype: gpb.ColumnDataType_TIMESTAMP_NANOSECOND, SemanticType: gpb.SemanticType_TIMESTAMP},
		str("trace_id"), str("span_id"), str("severity_text"), field("severity_number", gpb.ColumnDataType_INT32), str("body"),
		js("log_attributes"), field("trace_flags", gpb.ColumnDataType_UINT32), str("scope_name"), str("scope_version"),
		js("scope_attributes"), str("scope_schema_url"), js("resource_attributes"), str("resource_schema_url"))
	res := `{"cloud.region":"eu-west-1","host.name":"ip-10-0-0-3.ec2.internal","k8s.namespace.name":"payments","service.instance.id":"9e3779b9-0003","service.name":"checkout"}`
	rs := make([]*gpb.Row, rows)
	for i := range rs {
		attrs := fmt.Sprintf(`{"attr_10":"value-%d","attr_11":"value-%d","attr_6":"value-%d","attr_7":"value-%d","attr_8":"value-%d","attr_9":"value-%d",`+
			`"error":false,"http.request.method":"GET","http.response.status_code":200,"http.route":"/api/v1/resource/%d","network.peer.address":"10.0.%d.%d","server.address":"api.internal"}`,
			i%13, (i+1)%13, (i+2)%13, (i+3)%13, (i+4)%13, (i+5)%13, i, i>>8&255, i&255)
		rs[i] = row(&gpb.Value{ValueData: &gpb.Value_TimestampNanosecondValue{TimestampNanosecondValue: 1700000000000000000 + int64(i)}},
			sv(fmt.Sprintf("%032x", i+1)), sv(fmt.Sprintf("%016x", i+1)), sv("INFO"), &gpb.Value{ValueData: &gpb.Value_I32Value{I32Value: 9}},
			sv(fmt.Sprintf("request handled method=GET route=/api/v1/resource/%d status=200 duration_ms=%d bytes=%d", i, 3+i%250, 512+i%9000)),
			sv(attrs), &gpb.Value{ValueData: &gpb.Value_U32Value{U32Value: 1}}, sv("github.com/example/api/internal/server"), sv(""),
			sv("{}"), sv(""), sv(res), sv(""))
	}
	return rowInsert("public", req("opentelemetry_logs", schema, rs...))
}

// BenchmarkLogsShapedInsert is BenchmarkPromShapedInsert for a 1,000-record
// OTLP logs request: CPU per log record from the wire bytes to the answer.
func BenchmarkLogsShapedInsert(b *testing.B) {
	const rows = 1000
	data, err := proto.Marshal(logsRequest(rows))
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"count-only", "load"} {
		b.Run(mode, func(b *testing.B) {
			s := newServer(Options{CountOnly: mode == "count-only", Load: mode == "load"})
			b.ReportAllocs()
			cpu0 := processCPU(b)
			for b.Loop() {
				if err := serveBytes(s, data, hints{}); err != nil {
					b.Fatal(err)
				}
			}
			reportPerRow(b, processCPU(b)-cpu0, rows)
		})
	}
}

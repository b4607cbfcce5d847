package otlp_test

import (
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// spanWith is one span (id i) whose attribute "retries" holds v.
func spanWith(i byte, v any) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	sp.SetName("op")
	sp.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, i})
	sp.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, i})
	sp.SetStartTimestamp(pcommon.Timestamp(time.Second + time.Duration(i)*time.Millisecond))
	sp.SetEndTimestamp(pcommon.Timestamp(2 * time.Second))
	switch v := v.(type) {
	case int:
		sp.Attributes().PutInt("retries", int64(v))
	case float64:
		sp.Attributes().PutDouble("retries", v)
	case string:
		sp.Attributes().PutStr("retries", v)
	}
	return td
}

// TestTraceReplicasAgree is §7.4's coercion across replicas: a BIGINT
// attribute column created through one replica is widened to DOUBLE when a
// double arrives through the other, and later integers and strings are
// coerced to the table's type, exactly as through one bridge.
func TestTraceReplicasAgree(t *testing.T) {
	spans := []ptrace.Traces{spanWith(1, 3), spanWith(2, 2.5), spanWith(3, 4), spanWith(4, "7")}
	run := func(t *testing.T, pick func(i int, srv *greptimetest.Server) string) string {
		srv := greptimetest.StartT(t, greptimetest.Options{})
		for i, td := range spans {
			pb, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
			if resp, body := post(t, pick(i, srv)+"/v1/traces", "application/x-protobuf", "", pb, nil); resp.StatusCode != 200 {
				t.Fatalf("span %d: %d %s", i, resp.StatusCode, body)
			}
		}
		ti, _ := srv.Table("public", "opentelemetry_traces")
		c, ok := ti.Column("span_attributes.retries")
		if !ok || c.Type != table.Float64 {
			t.Errorf("span_attributes.retries is %+v, want DOUBLE", c)
		}
		var b strings.Builder
		for _, r := range srv.Rows("public", "opentelemetry_traces") {
			for i, v := range r {
				b.WriteString(ti.Columns[i].Name + "=" + v.String() + " ")
			}
			b.WriteString("\n")
		}
		return b.String()
	}
	var one *replica
	want := run(t, func(_ int, srv *greptimetest.Server) string {
		if one == nil {
			one = startReplica(t, srv)
		}
		return one.url
	})
	var pair [2]*replica
	got := run(t, func(i int, srv *greptimetest.Server) string {
		if pair[0] == nil {
			pair[0], pair[1] = startReplica(t, srv), startReplica(t, srv)
		}
		return pair[i%2].url
	})
	if got != want {
		t.Errorf("two replicas:\n%s\none bridge:\n%s", got, want)
	}
}

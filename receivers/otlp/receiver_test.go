package otlp_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.uber.org/goleak"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/receivers/auth"
	"github.com/greptime-bridge/greptime-bridge/receivers/dbselect"
	"github.com/greptime-bridge/greptime-bridge/receivers/otlp"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type env struct {
	srv  *greptimetest.Server
	url  string
	conn *grpc.ClientConn
	reg  *prometheus.Registry
}

func setup(t *testing.T, mutate func(*otlp.Config)) *env {
	return setupBudget(t, mutate, nil)
}

func setupBudget(t *testing.T, mutate func(*otlp.Config), budget *pipeline.Budget) *env {
	return setupFull(t, mutate, budget, nil)
}

func setupFull(t *testing.T, mutate func(*otlp.Config), budget *pipeline.Budget, authn *auth.Authenticator) *env {
	t.Helper()
	srv := greptimetest.StartT(t, greptimetest.Options{})
	c, err := writer.NewClient(writer.DefaultConfig(srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	p := pipeline.New(pipeline.Config{
		FlushInterval: 10 * time.Millisecond, Workers: 2,
		Retry: pipeline.RetryConfig{MaxAttempts: 2, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond},
	}, c, pipeline.ClientDDL{Client: c}, nil, nil)
	cfg := otlp.Config{MaxRequestBytes: 1 << 20, MaxDecompressedBytes: 4 << 20, RetryAfter: 4 * time.Second}
	if mutate != nil {
		mutate(&cfg)
	}
	reg := prometheus.NewRegistry()
	r := otlp.New(cfg, p, budget, &dbselect.Selector{Default: "public"}, authn, otlp.NewMetrics(reg), nil)
	mux := http.NewServeMux()
	r.Register(mux)
	hs := httptest.NewServer(mux)
	gs := grpc.NewServer(r.GRPCServerOptions()...)
	r.RegisterGRPC(gs)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = gs.Serve(lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		gs.Stop()
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.Shutdown(ctx)
		_ = c.Close()
	})
	return &env{srv: srv, url: hs.URL, conn: conn, reg: reg}
}

func gauges(n int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "svc")
	sm := rm.ScopeMetrics().AppendEmpty()
	m := sm.Metrics().AppendEmpty()
	m.SetName("queue.depth")
	g := m.SetEmptyGauge()
	for i := 0; i < n; i++ {
		dp := g.DataPoints().AppendEmpty()
		dp.SetTimestamp(pcommon.Timestamp(int64(time.Second) + int64(i)*int64(time.Millisecond)))
		dp.SetDoubleValue(float64(i))
		dp.Attributes().PutStr("queue", "q1")
	}
	return md
}

func expHistogram() pmetric.Metrics {
	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("latency")
	dp := m.SetEmptyExponentialHistogram().DataPoints().AppendEmpty()
	dp.SetTimestamp(pcommon.Timestamp(time.Second))
	dp.SetCount(1)
	return md
}

func logs(n int) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "svc")
	sl := rl.ScopeLogs().AppendEmpty()
	for i := 0; i < n; i++ {
		lr := sl.LogRecords().AppendEmpty()
		lr.SetTimestamp(pcommon.Timestamp(int64(time.Second) + int64(i)))
		lr.Body().SetStr("hello")
		lr.SetSeverityText("INFO")
	}
	return ld
}

func traces(n int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	ss := rs.ScopeSpans().AppendEmpty()
	for i := 0; i < n; i++ {
		sp := ss.Spans().AppendEmpty()
		sp.SetName("op")
		sp.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, byte(i)})
		sp.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, byte(i)})
		sp.SetStartTimestamp(pcommon.Timestamp(time.Second))
		sp.SetEndTimestamp(pcommon.Timestamp(2 * time.Second))
	}
	return td
}

func post(t *testing.T, url, ct, enc string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	if enc != "" {
		req.Header.Set("Content-Encoding", enc)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func TestHTTPMetricsProtoJSONGzip(t *testing.T) {
	e := setup(t, nil)
	pb, _ := pmetricotlp.NewExportRequestFromMetrics(gauges(3)).MarshalProto()
	resp, body := post(t, e.url+"/v1/metrics", "application/x-protobuf", "", pb, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-protobuf" {
		t.Fatalf("proto: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	js, _ := pmetricotlp.NewExportRequestFromMetrics(gauges(5)).MarshalJSON()
	resp, body = post(t, e.url+"/v1/otlp/v1/metrics", "application/json", "gzip", gz(js), nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("json: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// queue.depth (a gauge without unit) → queue_depth (greptimedb-tables.md §2.2).
	if n := e.srv.RowCount("public", "queue_depth"); n != 5 {
		t.Fatalf("%d rows in queue_depth, want 5 (3 then 5 deduplicated on the same timestamps)", n)
	}
}

func TestHTTPPartialSuccessForDroppedExpHistogram(t *testing.T) {
	e := setup(t, nil)
	pb, _ := pmetricotlp.NewExportRequestFromMetrics(expHistogram()).MarshalProto()
	resp, body := post(t, e.url+"/v1/metrics", "application/x-protobuf", "", pb, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	out := pmetricotlp.NewExportResponse()
	if err := out.UnmarshalProto(body); err != nil {
		t.Fatal(err)
	}
	if out.PartialSuccess().RejectedDataPoints() != 1 || out.PartialSuccess().ErrorMessage() == "" {
		t.Fatalf("partial success %d %q", out.PartialSuccess().RejectedDataPoints(), out.PartialSuccess().ErrorMessage())
	}
}

func TestHTTPLogsAndTraces(t *testing.T) {
	e := setup(t, nil)
	lb, _ := plogotlp.NewExportRequestFromLogs(logs(4)).MarshalProto()
	if resp, body := post(t, e.url+"/v1/logs", "application/x-protobuf", "", lb, map[string]string{"X-Greptime-Log-Table-Name": "app_logs"}); resp.StatusCode != 200 {
		t.Fatalf("logs: %d %s", resp.StatusCode, body)
	}
	if n := e.srv.RowCount("public", "app_logs"); n != 4 {
		t.Fatalf("%d log rows in app_logs", n)
	}
	tb, _ := ptraceotlp.NewExportRequestFromTraces(traces(3)).MarshalProto()
	if resp, body := post(t, e.url+"/v1/traces", "application/x-protobuf", "", tb, nil); resp.StatusCode != 200 {
		t.Fatalf("traces: %d %s", resp.StatusCode, body)
	}
	if n := e.srv.RowCount("public", "opentelemetry_traces"); n != 3 {
		t.Fatalf("%d span rows; tables %v", n, e.srv.Tables("public"))
	}
}

func TestHTTPErrors(t *testing.T) {
	e := setup(t, func(c *otlp.Config) { c.MaxDecompressedBytes = 2000 })
	pb, _ := pmetricotlp.NewExportRequestFromMetrics(gauges(1)).MarshalProto()
	big, _ := pmetricotlp.NewExportRequestFromMetrics(gauges(200)).MarshalProto()
	cases := []struct {
		name, path, ct, enc string
		body                []byte
		hdr                 map[string]string
		want                int
	}{
		{"text content", "/v1/metrics", "text/plain", "", pb, nil, 415},
		{"brotli", "/v1/metrics", "application/x-protobuf", "br", pb, nil, 415},
		{"garbage", "/v1/metrics", "application/x-protobuf", "", []byte{0xff, 0xff, 0xff}, nil, 400},
		{"bad gzip", "/v1/metrics", "application/x-protobuf", "gzip", []byte("nope"), nil, 400},
		{"too large decompressed", "/v1/metrics", "application/x-protobuf", "gzip", gz(big), nil, 413},
		{"pipeline", "/v1/logs", "application/x-protobuf", "", pb, map[string]string{"X-Greptime-Pipeline-Name": "my_pipeline"}, 400},
		{"bad strategy", "/v1/metrics", "application/x-protobuf", "", pb, map[string]string{"X-Greptime-Otlp-Metric-Translation-Strategy": "Nope"}, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := post(t, e.url+c.path, c.ct, c.enc, c.body, c.hdr)
			if resp.StatusCode != c.want {
				t.Fatalf("status %d, want %d: %q", resp.StatusCode, c.want, body)
			}
			var st spb.Status
			if err := proto.Unmarshal(body, &st); err != nil || st.Message == "" {
				t.Fatalf("body is not a google.rpc.Status with a message: %v %q", err, body)
			}
			if c.name == "pipeline" && !strings.Contains(st.Message, "pipelines run inside GreptimeDB") {
				t.Fatalf("message %q", st.Message)
			}
		})
	}
}

func TestHTTPUnavailableIs503(t *testing.T) {
	e := setup(t, nil)
	e.srv.FailNext(10, greptimetest.Fault{Method: "Handle", Code: codes.Unavailable, Status: 4008, Retryable: true, Message: "region not ready"})
	pb, _ := pmetricotlp.NewExportRequestFromMetrics(gauges(1)).MarshalProto()
	resp, _ := post(t, e.url+"/v1/metrics", "application/x-protobuf", "", pb, nil)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "4" {
		t.Fatalf("status %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestGRPCAllSignals(t *testing.T) {
	e := setup(t, nil)
	ctx := context.Background()
	if _, err := pmetricotlp.NewGRPCClient(e.conn).Export(ctx, pmetricotlp.NewExportRequestFromMetrics(gauges(2))); err != nil {
		t.Fatal(err)
	}
	if _, err := plogotlp.NewGRPCClient(e.conn).Export(ctx, plogotlp.NewExportRequestFromLogs(logs(2))); err != nil {
		t.Fatal(err)
	}
	if _, err := ptraceotlp.NewGRPCClient(e.conn).Export(ctx, ptraceotlp.NewExportRequestFromTraces(traces(2))); err != nil {
		t.Fatal(err)
	}
	if e.srv.RowCount("public", "queue_depth") != 2 || e.srv.RowCount("public", "opentelemetry_logs") != 2 || e.srv.RowCount("public", "opentelemetry_traces") != 2 {
		t.Fatalf("rows: tables %v", e.srv.Tables("public"))
	}
	e.srv.FailNext(10, greptimetest.Fault{Method: "Handle", Code: codes.Unavailable, Status: 4008, Retryable: true, Message: "region not ready"})
	_, err := pmetricotlp.NewGRPCClient(e.conn).Export(ctx, pmetricotlp.NewExportRequestFromMetrics(gauges(1)))
	st := status.Convert(err)
	if st.Code() != codes.Unavailable {
		t.Fatalf("code %v", st.Code())
	}
	var hasRetryInfo bool
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok && ri.RetryDelay.AsDuration() == 4*time.Second {
			hasRetryInfo = true
		}
	}
	if !hasRetryInfo {
		t.Fatalf("no RetryInfo in %v", st.Details())
	}
}

func TestBudgetFullAnswersUnavailable(t *testing.T) {
	budget := pipeline.NewBudget(64<<20, 2*time.Second)
	e := setupBudget(t, func(c *otlp.Config) { c.BudgetWait = 10 * time.Millisecond }, budget)
	if err := budget.Acquire(context.Background(), 64<<20, 0); err != nil {
		t.Fatal(err)
	}
	pb, _ := pmetricotlp.NewExportRequestFromMetrics(gauges(3)).MarshalProto()
	resp, _ := post(t, e.url+"/v1/metrics", "application/x-protobuf", "", pb, nil)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("HTTP: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	_, err := pmetricotlp.NewGRPCClient(e.conn).Export(context.Background(), pmetricotlp.NewExportRequestFromMetrics(gauges(3)))
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("gRPC: %v", err)
	}
	budget.Release(64 << 20)
	if resp, _ := post(t, e.url+"/v1/metrics", "application/x-protobuf", "", pb, nil); resp.StatusCode != 200 {
		t.Fatalf("after release: %d", resp.StatusCode)
	}
	if budget.Used() != 0 {
		t.Fatalf("budget leaked %d bytes", budget.Used())
	}
}

func TestAuthOnBothTransports(t *testing.T) {
	e := setupFull(t, nil, nil, auth.New(auth.Options{Tokens: []auth.Credential{{Name: "t", Secret: "s3cret-token", Databases: []string{auth.AllDatabases}}}}))
	pb, _ := pmetricotlp.NewExportRequestFromMetrics(gauges(1)).MarshalProto()
	resp, body := post(t, e.url+"/v1/metrics", "application/x-protobuf", "", pb, nil)
	if resp.StatusCode != 401 || bytes.Contains(body, []byte("s3cret")) {
		t.Fatalf("no credentials over HTTP: %d", resp.StatusCode)
	}
	if resp, _ := post(t, e.url+"/v1/metrics", "application/x-protobuf", "", pb, map[string]string{"Authorization": "Bearer s3cret-token"}); resp.StatusCode != 200 {
		t.Fatalf("token over HTTP: %d", resp.StatusCode)
	}
	client := pmetricotlp.NewGRPCClient(e.conn)
	if _, err := client.Export(context.Background(), pmetricotlp.NewExportRequestFromMetrics(gauges(1))); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("no credentials over gRPC: %v", err)
	}
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer s3cret-token")
	if _, err := client.Export(ctx, pmetricotlp.NewExportRequestFromMetrics(gauges(1))); err != nil {
		t.Fatalf("token over gRPC: %v", err)
	}
}

// TestInflightLimitOnBothTransports: with one slot held by a request
// waiting on a slow GreptimeDB, the next HTTP and gRPC requests wait their
// InflightWait and are told to retry; once the slot frees, they pass.
func TestInflightLimitOnBothTransports(t *testing.T) {
	e := setup(t, func(c *otlp.Config) { c.MaxInflight, c.InflightWait = 1, 20*time.Millisecond })
	pb, _ := pmetricotlp.NewExportRequestFromMetrics(gauges(3)).MarshalProto()
	e.srv.SetLatency(3 * time.Second)
	before := e.srv.Calls()["Handle"]
	held := make(chan int, 1)
	go func() {
		resp, _ := post(t, e.url+"/v1/metrics", "application/x-protobuf", "", pb, nil)
		held <- resp.StatusCode
	}()
	// The first request holds the slot until the slow write returns: wait
	// until its write has reached the server.
	for deadline := time.Now().Add(10 * time.Second); e.srv.Calls()["Handle"] == before; {
		if time.Now().After(deadline) {
			t.Fatal("the first request's write never reached the server")
		}
		runtime.Gosched()
	}
	var httpBusy, grpcBusy bool
	deadline := time.Now().Add(2 * time.Second)
	for !(httpBusy && grpcBusy) && time.Now().Before(deadline) {
		if !httpBusy {
			resp, body := post(t, e.url+"/v1/metrics", "application/x-protobuf", "", pb, nil)
			httpBusy = resp.StatusCode == 503 && resp.Header.Get("Retry-After") == "4" && strings.Contains(string(body), "in flight")
		}
		if !grpcBusy {
			_, err := pmetricotlp.NewGRPCClient(e.conn).Export(context.Background(), pmetricotlp.NewExportRequestFromMetrics(gauges(3)))
			grpcBusy = status.Code(err) == codes.Unavailable && strings.Contains(err.Error(), "in flight")
		}
	}
	if !httpBusy || !grpcBusy {
		t.Fatalf("with the only slot held: HTTP refused %v, gRPC refused %v", httpBusy, grpcBusy)
	}
	e.srv.SetLatency(0)
	if code := <-held; code != 200 {
		t.Fatalf("the request holding the slot got %d", code)
	}
	if resp, _ := post(t, e.url+"/v1/metrics", "application/x-protobuf", "", pb, nil); resp.StatusCode != 200 {
		t.Fatalf("after the slot freed: %d", resp.StatusCode)
	}
}

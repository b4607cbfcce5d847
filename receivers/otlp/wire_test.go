package otlp_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/greptime-bridge/greptime-bridge/receivers/dbselect"
	"github.com/greptime-bridge/greptime-bridge/receivers/otlp"
	"github.com/greptime-bridge/greptime-bridge/translate"
)

// decoded reads bridge_otlp_protobuf_decoded_total for signal and decoder.
func decoded(t *testing.T, e *env, signal, decoder string) float64 {
	t.Helper()
	fams, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != "bridge_otlp_protobuf_decoded_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			var s, d string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "signal":
					s = l.GetValue()
				case "decoder":
					d = l.GetValue()
				}
			}
			if s == signal && d == decoder {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestProtobufTakesTheWirePath checks that protobuf metrics and logs, over
// gRPC and HTTP, reach the wire decoder as bytes and write their rows.
func TestProtobufTakesTheWirePath(t *testing.T) {
	e := setup(t, nil)
	ctx := context.Background()
	if _, err := pmetricotlp.NewGRPCClient(e.conn).Export(ctx, pmetricotlp.NewExportRequestFromMetrics(gauges(3))); err != nil {
		t.Fatal(err)
	}
	pb, _ := pmetricotlp.NewExportRequestFromMetrics(gauges(2)).MarshalProto()
	if resp, body := post(t, e.url+"/v1/metrics", "application/x-protobuf", "", pb, nil); resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if got := decoded(t, e, "metrics", "wire"); got != 2 {
		t.Fatalf("wire-decoded metrics requests = %v, want 2", got)
	}
	// Dropped exponential histograms stay on the wire path, with the same
	// partial success as before.
	resp, err := pmetricotlp.NewGRPCClient(e.conn).Export(ctx, pmetricotlp.NewExportRequestFromMetrics(expHistogram()))
	if err != nil {
		t.Fatal(err)
	}
	if resp.PartialSuccess().RejectedDataPoints() != 1 {
		t.Fatalf("rejected %d, want 1", resp.PartialSuccess().RejectedDataPoints())
	}
	if got := decoded(t, e, "metrics", "wire"); got != 3 {
		t.Fatalf("wire-decoded metrics requests = %v, want 3", got)
	}
	// gauges(2) repeats the first two rows of gauges(3): same series, same times.
	if n := e.srv.RowCount("public", "queue_depth"); n != 3 {
		t.Fatalf("queue_depth rows = %d, want 3", n)
	}
	if _, err := plogotlp.NewGRPCClient(e.conn).Export(ctx, plogotlp.NewExportRequestFromLogs(logs(2))); err != nil {
		t.Fatal(err)
	}
	if got := decoded(t, e, "logs", "wire") + decoded(t, e, "logs", "pdata"); got != 1 {
		t.Fatalf("decoded logs requests = %v, want 1", got)
	}
	if n := e.srv.RowCount("public", "opentelemetry_logs"); n != 2 {
		t.Fatalf("log rows = %d, want 2", n)
	}
}

// TestConvertedExponentialFallsBack: converting exponential histograms is
// left to the pdata path, which writes the classic tables.
func TestConvertedExponentialFallsBack(t *testing.T) {
	e := setup(t, func(c *otlp.Config) { c.Defaults.ConvertExponentialHistograms = true })
	pb, _ := pmetricotlp.NewExportRequestFromMetrics(expHistogram()).MarshalProto()
	if resp, body := post(t, e.url+"/v1/metrics", "application/x-protobuf", "", pb, nil); resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if got := decoded(t, e, "metrics", "pdata"); got != 1 {
		t.Fatalf("pdata-decoded metrics requests = %v, want 1", got)
	}
	if n := e.srv.RowCount("public", "latency_count"); n != 1 {
		t.Fatalf("latency_count rows = %d, want 1 (tables %v)", n, e.srv.Tables("public"))
	}
}

// TestGRPCMalformedIsInvalidArgument: bytes the wire decoder refuses are
// bad data, never retried.
func TestGRPCMalformedIsInvalidArgument(t *testing.T) {
	e := setup(t, nil)
	// A resource_metrics field whose length runs past the end.
	req := rawBytes{0x0a, 0x05, 0x0a}
	err := e.conn.Invoke(context.Background(), "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
		&req, new(rawBytes))
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("code %v (%v), want InvalidArgument", status.Code(err), err)
	}
	pb := []byte{0x0a, 0x05, 0x0a}
	if resp, body := post(t, e.url+"/v1/metrics", "application/x-protobuf", "", pb, nil); resp.StatusCode != 400 {
		t.Fatalf("HTTP status %d: %s", resp.StatusCode, body)
	}
}

// rawBytes is a client-side message sent as it is through pdata's codec.
type rawBytes []byte

func (b rawBytes) SizeProto() int                 { return len(b) }
func (b rawBytes) MarshalProto(dst []byte) int    { return copy(dst, b) }
func (b *rawBytes) UnmarshalProto(p []byte) error { *b = append((*b)[:0], p...); return nil }

// countingConsumer counts the rows it is given.
type countingConsumer struct{ rows atomic.Int64 }

func (c *countingConsumer) Consume(_ context.Context, out *translate.Output) error {
	c.rows.Add(int64(out.Rows()))
	return nil
}

// TestRawServicesRunInterceptors: the services, which read their messages
// themselves, go through the server's stream interceptors, with the OTLP
// method names.
func TestRawServicesRunInterceptors(t *testing.T) {
	cons := &countingConsumer{}
	r := otlp.New(otlp.Config{}, cons, nil, &dbselect.Selector{Default: "public"}, nil, nil, nil)
	var mu sync.Mutex
	var methods []string
	gs := grpc.NewServer(grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		mu.Lock()
		methods = append(methods, info.FullMethod)
		mu.Unlock()
		return h(srv, ss)
	}))
	r.RegisterGRPC(gs)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = gs.Serve(lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(); gs.Stop(); <-done }()
	ctx := context.Background()
	if _, err := pmetricotlp.NewGRPCClient(conn).Export(ctx, pmetricotlp.NewExportRequestFromMetrics(gauges(4))); err != nil {
		t.Fatal(err)
	}
	if _, err := plogotlp.NewGRPCClient(conn).Export(ctx, plogotlp.NewExportRequestFromLogs(logs(3))); err != nil {
		t.Fatal(err)
	}
	if n := cons.rows.Load(); n != 7 {
		t.Fatalf("rows %d, want 7", n)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", "/opentelemetry.proto.collector.logs.v1.LogsService/Export"}
	if len(methods) != 2 || methods[0] != want[0] || methods[1] != want[1] {
		t.Fatalf("interceptor saw %v, want %v", methods, want)
	}
}

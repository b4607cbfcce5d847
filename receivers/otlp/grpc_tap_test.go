package otlp_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/greptime-bridge/greptime-bridge/receivers/otlp"
)

// TestGRPCTapReturnsSlots: with a single in-flight slot, taken by the tap
// before gRPC reads each message, every kind of gRPC ending gives it back:
// a written request, a malformed one, and one gRPC refuses for its size
// before any handler runs. A slot lost on any of them would leave the
// next request Unavailable.
func TestGRPCTapReturnsSlots(t *testing.T) {
	e := setup(t, func(c *otlp.Config) { c.MaxInflight, c.InflightWait = 1, 20*time.Millisecond })
	client := pmetricotlp.NewGRPCClient(e.conn)
	export := func(what string) {
		t.Helper()
		if _, err := client.Export(context.Background(), pmetricotlp.NewExportRequestFromMetrics(gauges(3))); err != nil {
			t.Fatalf("after %s: %v", what, err)
		}
	}
	export("nothing")
	export("a written request")
	bad := rawBytes{0x0a, 0x05, 0x0a}
	err := e.conn.Invoke(context.Background(), "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", &bad, new(rawBytes))
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("malformed: %v", err)
	}
	export("a malformed request")
	huge := make(rawBytes, 5<<20) // over gRPC's default 4 MiB message limit
	err = e.conn.Invoke(context.Background(), "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", &huge, new(rawBytes))
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("oversized: %v", err)
	}
	export("an oversized request")
	pb, _ := pmetricotlp.NewExportRequestFromMetrics(gauges(3)).MarshalProto()
	if resp, body := post(t, e.url+"/v1/metrics", "application/x-protobuf", "", pb, nil); resp.StatusCode != 200 {
		t.Fatalf("HTTP after the gRPC requests: %d %s", resp.StatusCode, body)
	}
}

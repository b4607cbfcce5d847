package otlp

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
)

// FuzzOTLPGRPCRaw sends arbitrary message bytes through the gRPC handlers
// that take metrics and logs as bytes (grpc_raw.go), decoded by the
// process's registered "proto" codec as a gRPC server decodes them. The
// handler must never panic; it answers OK with an ExportResponse that
// decodes, or InvalidArgument, ResourceExhausted, or Unavailable carrying
// RetryInfo (OTLP spec "Failures": only Unavailable-like codes are
// retried, and a retry needs the delay); OK only when the next stage stored
// every row; and the memory budget is entirely released afterwards.
func FuzzOTLPGRPCRaw(f *testing.F) {
	f.Add([]byte{0x0a, 0x02, 0x12, 0x00}, uint8(1), uint8(0x10))
	sink := &fuzzSink{}
	r, budget := newFuzzReceiver(sink)
	codec := encoding.GetCodecV2("proto")
	f.Fuzz(func(t *testing.T, raw []byte, sel, mode uint8) {
		sink.reset(t, mode)
		signal, method := sigMetrics, "/"+metricsService+"/Export"
		if sel&1 != 0 {
			signal, method = sigLogs, "/"+logsService+"/Export"
		}
		dec := func(m any) error { return codec.Unmarshal(mem.BufferSlice{mem.SliceBuffer(raw)}, m) }
		resp, err := r.rawHandler(signal, method)(r, context.Background(), dec, nil)
		st := status.Convert(err)
		switch st.Code() {
		case codes.OK:
			out := resp.(*rawMessage).b
			var derr error
			if signal == sigLogs {
				m := plogotlp.NewExportResponse()
				derr = m.UnmarshalProto(out)
			} else {
				m := pmetricotlp.NewExportResponse()
				derr = m.UnmarshalProto(out)
			}
			if derr != nil {
				t.Fatalf("OK answer does not decode: %v", derr)
			}
		case codes.InvalidArgument, codes.ResourceExhausted:
		case codes.Unavailable:
			retry := false
			for _, d := range st.Details() {
				if _, ok := d.(*errdetails.RetryInfo); ok {
					retry = true
				}
			}
			if !retry {
				t.Fatalf("Unavailable without RetryInfo: %v", err)
			}
		default:
			t.Fatalf("answer %v", err)
		}
		checkSinkAnswer(t, sink, st.Code() == codes.OK, st.Code() == codes.InvalidArgument, st.Code() == codes.Unavailable)
		if used := budget.Used(); used != 0 {
			t.Fatalf("%d budget bytes still held after the answer", used)
		}
	})
}

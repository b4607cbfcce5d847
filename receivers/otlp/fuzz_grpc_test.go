package otlp

import (
	"context"
	"encoding/binary"
	"io"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
)

// FuzzOTLPGRPCRaw sends arbitrary message bytes, framed as gRPC frames a
// message, through the OTLP services' reading and handling of a metrics,
// logs or traces message (grpc_stream.go, grpc_raw.go). The
// handler must never panic; it answers OK with an ExportResponse that
// decodes, or InvalidArgument, ResourceExhausted, or Unavailable carrying
// RetryInfo (OTLP spec "Failures": only Unavailable-like codes are
// retried, and a retry needs the delay); OK only when the next stage stored
// every row; and the memory budget is entirely released afterwards.
func FuzzOTLPGRPCRaw(f *testing.F) {
	f.Add([]byte{0x0a, 0x02, 0x12, 0x00}, uint8(1), uint8(0x10))
	sink := &fuzzSink{}
	r, budget := newFuzzReceiver(sink)
	f.Fuzz(func(t *testing.T, raw []byte, sel, mode uint8) {
		sink.reset(t, mode)
		signal := []string{sigMetrics, sigLogs, sigTraces}[sel%3]
		frame := binary.BigEndian.AppendUint32([]byte{0}, uint32(len(raw)))
		resp, err := r.export(context.Background(), signal, &bytesStream{b: append(frame, raw...)})
		st := status.Convert(err)
		switch st.Code() {
		case codes.OK:
			out := resp.b
			var derr error
			switch signal {
			case sigLogs:
				derr = plogotlp.NewExportResponse().UnmarshalProto(out)
			case sigTraces:
				derr = ptraceotlp.NewExportResponse().UnmarshalProto(out)
			default:
				derr = pmetricotlp.NewExportResponse().UnmarshalProto(out)
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

// bytesStream is a transport stream holding b: what a client sent.
type bytesStream struct{ b []byte }

func (s *bytesStream) ReadMessageHeader(h []byte) error {
	if len(s.b) < len(h) {
		s.b = nil
		return io.ErrUnexpectedEOF
	}
	s.b = s.b[copy(h, s.b):]
	return nil
}

func (s *bytesStream) Read(n int) (mem.BufferSlice, error) {
	if len(s.b) < n {
		s.b = nil
		return nil, io.ErrUnexpectedEOF
	}
	out := mem.BufferSlice{mem.SliceBuffer(s.b[:n])}
	s.b = s.b[n:]
	return out, nil
}

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

// FuzzOTLPGRPCRaw sends arbitrary bytes through the OTLP services' reading
// and handling of a metrics, logs or traces call (grpc_stream.go,
// grpc_raw.go): either one message, framed as gRPC frames it, or a whole
// client stream, framing included. The handler must never panic; it
// answers OK with an ExportResponse that decodes, or InvalidArgument,
// ResourceExhausted, Internal (broken framing, as grpc-go answers it; never
// for a framed message), or Unavailable carrying RetryInfo (OTLP spec
// "Failures": only Unavailable-like codes are retried, and a retry needs
// the delay); OK only when the next stage stored every row; and the memory
// budget is entirely released afterwards.
func FuzzOTLPGRPCRaw(f *testing.F) {
	f.Add([]byte{0x0a, 0x02, 0x12, 0x00}, uint8(1), uint8(0x10))
	// Whole streams: two messages, a short prefix, a compressed flag.
	f.Add([]byte{0, 0, 0, 0, 2, 0x0a, 0x00, 0, 0, 0, 0, 0}, uint8(4), uint8(0))
	f.Add([]byte{0, 0, 0}, uint8(3), uint8(0))
	f.Add([]byte{1, 0, 0, 0, 1, 0}, uint8(5), uint8(0))
	sink := &fuzzSink{}
	r, budget := newFuzzReceiver(sink)
	f.Fuzz(func(t *testing.T, raw []byte, sel, mode uint8) {
		sink.reset(t, mode)
		signal := []string{sigMetrics, sigLogs, sigTraces}[sel%3]
		// Framed: raw is one message, framed as a client frames it.
		// Otherwise raw is the whole stream, framing included.
		framed := sel/3%2 == 0
		stream := raw
		if framed {
			stream = append(binary.BigEndian.AppendUint32([]byte{0}, uint32(len(raw))), raw...)
		}
		resp, err := r.export(context.Background(), signal, &bytesStream{b: stream})
		st := status.Convert(err)
		switch st.Code() {
		case codes.Internal:
			// grpc-go's answer to broken framing: a framed message has
			// none.
			if framed || sink.called {
				t.Fatalf("framed message answered %v, or broken framing reached the next stage (%v)", err, sink.called)
			}
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

// bytesStream is a transport stream holding b, what a client sent before
// it ended its side, answering reads as grpc-go's does
// (internal/transport transport.go Stream.ReadMessageHeader, Stream.read):
// io.EOF at the end, io.ErrUnexpectedEOF when it comes inside a read, and
// after that the same error for every read.
type bytesStream struct {
	b   []byte
	err error
}

func (s *bytesStream) ReadMessageHeader(h []byte) error {
	_, err := s.take(len(h), h)
	return err
}

func (s *bytesStream) Read(n int) (mem.BufferSlice, error) {
	out := make([]byte, n)
	if _, err := s.take(n, out); err != nil {
		return nil, err
	}
	return mem.BufferSlice{mem.SliceBuffer(out)}, nil
}

func (s *bytesStream) take(n int, into []byte) (int, error) {
	switch {
	case s.err != nil:
		return 0, s.err
	case len(s.b) == 0 && n > 0:
		return 0, io.EOF
	case len(s.b) < n:
		s.b, s.err = nil, io.ErrUnexpectedEOF
		return 0, s.err
	}
	copy(into, s.b[:n])
	s.b = s.b[n:]
	return n, nil
}

package otlp

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
)

// rawMessage carries a message's bytes undecoded, so the OTLP services
// decompress and decode the request themselves, charging the memory budget
// first. The OTLP server reads it with rawCodec (grpc_codec.go); with any
// other server, gRPC's "proto" codec in this process is the one pdata registers
// (collector/pdata internal/otelgrpc/encoding.go, linked with pdata's OTLP
// services), which passes a message with UnmarshalProto/MarshalProto/
// SizeProto its bytes. Should that codec go, gRPC's own takes over: it
// treats rawMessage as a legacy message (Reset/String/ProtoMessage), whose
// Marshal and Unmarshal methods google.golang.org/protobuf calls directly
// (internal/impl/legacy_message.go), with the same result.
type rawMessage struct {
	b  []byte
	bs mem.BufferSlice // gRPC's buffers, referenced by rawCodec instead of b
}

// size returns the message's length.
func (m *rawMessage) size() int {
	if m.bs != nil {
		return m.bs.Len()
	}
	return len(m.b)
}

// copyTo copies the message into dst, sized by size, and lets go of
// gRPC's buffers.
func (m *rawMessage) copyTo(dst []byte) {
	if m.bs != nil {
		m.bs.CopyTo(dst)
		m.free()
		return
	}
	copy(dst, m.b)
}

// free lets go of gRPC's buffers.
func (m *rawMessage) free() {
	if m.bs != nil {
		m.bs.Free()
		m.bs = nil
	}
}

// Reset empties the message (legacy protobuf API).
func (m *rawMessage) Reset() { m.b = m.b[:0] }

// String describes the message (legacy protobuf API).
func (m *rawMessage) String() string { return fmt.Sprintf("raw OTLP message of %d bytes", len(m.b)) }

// ProtoMessage marks a legacy protobuf message.
func (*rawMessage) ProtoMessage() {}

// Marshal returns the bytes (legacy protobuf API).
func (m *rawMessage) Marshal() ([]byte, error) { return m.b, nil }

// Unmarshal copies b (legacy protobuf API).
func (m *rawMessage) Unmarshal(b []byte) error { return m.UnmarshalProto(b) }

// UnmarshalProto copies b: the codec frees its buffer on return.
func (m *rawMessage) UnmarshalProto(b []byte) error {
	m.b = append(m.b[:0], b...)
	return nil
}

// SizeProto returns the encoded size.
func (m *rawMessage) SizeProto() int { return len(m.b) }

// MarshalProto writes the bytes into b, sized by SizeProto.
func (m *rawMessage) MarshalProto(b []byte) int { return copy(b, m.b) }

// maxPooledRequest keeps exceptionally large request buffers out of the
// pool, so one burst does not pin its memory.
const maxPooledRequest = 4 << 20

var rawPool = sync.Pool{New: func() any { return new(rawMessage) }}

// The OTLP services' names and methods (opentelemetry-proto
// collector/{metrics,logs,trace}/v1/*_service.proto).
const (
	metricsService = "opentelemetry.proto.collector.metrics.v1.MetricsService"
	logsService    = "opentelemetry.proto.collector.logs.v1.LogsService"
	tracesService  = "opentelemetry.proto.collector.trace.v1.TraceService"
)

// rawServiceDesc describes an OTLP Export service answered from bytes.
func rawServiceDesc(service, file string, h grpc.MethodHandler) *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: service,
		HandlerType: (*any)(nil),
		Methods:     []grpc.MethodDesc{{MethodName: "Export", Handler: h}},
		Metadata:    file,
	}
}

// RegisterGRPC registers the three OTLP services on s. Each receives its
// request as bytes, decompresses them through ingress when gRPC passed
// them on compressed (grpc_compress.go), and decodes them itself: metrics
// and logs with translate's wire decoders, traces with pdata.
func (r *Receiver) RegisterGRPC(s *grpc.Server) {
	for _, svc := range []struct{ signal, service, file string }{
		{sigMetrics, metricsService, "opentelemetry/proto/collector/metrics/v1/metrics_service.proto"},
		{sigLogs, logsService, "opentelemetry/proto/collector/logs/v1/logs_service.proto"},
		{sigTraces, tracesService, "opentelemetry/proto/collector/trace/v1/trace_service.proto"},
	} {
		s.RegisterService(rawServiceDesc(svc.service, svc.file, r.rawHandler(svc.signal, "/"+svc.service+"/Export")), r)
	}
}

// rawHandler is a unary handler that receives the request as bytes, runs
// interceptors as generated handlers do, and answers an ExportResponse.
func (r *Receiver) rawHandler(signal, method string) grpc.MethodHandler {
	return func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
		defer tapRelease(ctx)()
		in := rawPool.Get().(*rawMessage)
		defer func() {
			in.free()
			if cap(in.b) <= maxPooledRequest {
				in.b = in.b[:0]
				rawPool.Put(in)
			}
		}()
		start := time.Now()
		release, err := r.receive(ctx, signal, dec, in)
		if err != nil {
			// A message refused for want of a receive slot, cut for
			// arriving too slowly or too large for gRPC is answered
			// here, before grpcProcess: it is counted as every other
			// answer is, so an operator sees senders being held off.
			r.metrics.observe(signal, "grpc", status.Code(err).String(), time.Since(start))
			return nil, err
		}
		defer release()
		handle := func(ctx context.Context, req any) (any, error) {
			return r.exportRaw(ctx, signal, req.(*rawMessage), release)
		}
		if interceptor == nil {
			return handle(ctx, in)
		}
		return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: method}, handle)
	}
}

// exportRaw writes one request and encodes the response; received is
// called once the message is charged to the budget.
func (r *Receiver) exportRaw(ctx context.Context, signal string, msg *rawMessage, received func()) (any, error) {
	if rc := recvCompress(ctx); rc != "" && rc != encoding.Identity {
		// Answers go uncompressed: they are a few bytes, and gRPC's
		// "gzip" and "zstd" in this process only pass bytes through
		// (grpc_compress.go), so a client in the same process could not
		// read them compressed.
		_ = grpc.SetSendCompressor(ctx, encoding.Identity)
	}
	rejected, text, err := r.grpcProcess(ctx, signal, msg, received)
	if err != nil {
		return nil, err
	}
	var out []byte
	switch signal {
	case sigLogs:
		resp := plogotlp.NewExportResponse()
		if rejected > 0 {
			resp.PartialSuccess().SetRejectedLogRecords(rejected)
			resp.PartialSuccess().SetErrorMessage(text)
		}
		out, err = resp.MarshalProto()
	case sigTraces:
		resp := ptraceotlp.NewExportResponse()
		if rejected > 0 {
			resp.PartialSuccess().SetRejectedSpans(rejected)
			resp.PartialSuccess().SetErrorMessage(text)
		}
		out, err = resp.MarshalProto()
	default:
		resp := pmetricotlp.NewExportResponse()
		if rejected > 0 {
			resp.PartialSuccess().SetRejectedDataPoints(rejected)
			resp.PartialSuccess().SetErrorMessage(text)
		}
		out, err = resp.MarshalProto()
	}
	if err != nil {
		return nil, err
	}
	return &rawMessage{b: out}, nil
}

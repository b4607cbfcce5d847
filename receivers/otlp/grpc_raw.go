package otlp

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
)

// rawMessage carries an ExportResponse's bytes to gRPC, which encodes it
// with the process's registered "proto" codec: pdata's (collector/pdata
// internal/otelgrpc/encoding.go, linked with pdata's OTLP services), which
// passes a message with MarshalProto/SizeProto its bytes; should that codec
// go, gRPC's own takes over and treats rawMessage as a legacy message
// (Reset/String/ProtoMessage), whose Marshal method google.golang.org/protobuf
// calls directly (internal/impl/legacy_message.go), with the same result.
type rawMessage struct {
	b []byte
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

// UnmarshalProto copies b (rawMessage only carries answers now; the
// requests are read from the stream, grpc_stream.go).
func (m *rawMessage) UnmarshalProto(b []byte) error {
	m.b = append(m.b[:0], b...)
	return nil
}

// SizeProto returns the encoded size.
func (m *rawMessage) SizeProto() int { return len(m.b) }

// MarshalProto writes the bytes into b, sized by SizeProto.
func (m *rawMessage) MarshalProto(b []byte) int { return copy(b, m.b) }

// The OTLP services' names and methods (opentelemetry-proto
// collector/{metrics,logs,trace}/v1/*_service.proto).
const (
	metricsService = "opentelemetry.proto.collector.metrics.v1.MetricsService"
	logsService    = "opentelemetry.proto.collector.logs.v1.LogsService"
	tracesService  = "opentelemetry.proto.collector.trace.v1.TraceService"
)

// serviceDesc describes an OTLP Export service whose handler reads its
// message itself (grpc_stream.go): a stream handler, called before gRPC
// reads anything. On the wire it is the unary call OTLP defines (one
// message each way). It is described as client-streaming so that the
// server's stream interceptors run around it (grpc-go calls a stream
// handler that neither side streams without them, server.go
// processRPC); unary interceptors cannot, as they take the
// decoded request, which the handler reads only once it has charged it.
func serviceDesc(service, file string, h grpc.StreamHandler) *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: service,
		HandlerType: (*any)(nil),
		Streams:     []grpc.StreamDesc{{StreamName: "Export", Handler: h, ClientStreams: true}},
		Metadata:    file,
	}
}

// RegisterGRPC registers the three OTLP services on s. Each reads its
// request from the stream into budget-charged buffers as it arrives,
// decompresses it through ingress, and decodes it itself: metrics and
// logs with translate's wire decoders, traces with pdata. The server
// needs GRPCServerOptions.
func (r *Receiver) RegisterGRPC(s *grpc.Server) {
	for _, svc := range []struct{ signal, service, file string }{
		{sigMetrics, metricsService, "opentelemetry/proto/collector/metrics/v1/metrics_service.proto"},
		{sigLogs, logsService, "opentelemetry/proto/collector/logs/v1/logs_service.proto"},
		{sigTraces, tracesService, "opentelemetry/proto/collector/trace/v1/trace_service.proto"},
	} {
		s.RegisterService(serviceDesc(svc.service, svc.file, r.streamHandler(svc.signal)), r)
	}
}

// export reads one request from ts, writes it and encodes the response.
func (r *Receiver) export(ctx context.Context, signal string, ts transportStream) (*rawMessage, error) {
	if rc := recvCompress(ctx); rc != "" && rc != encoding.Identity {
		// Answers go uncompressed: they are a few bytes.
		_ = grpc.SetSendCompressor(ctx, encoding.Identity)
	}
	rejected, text, err := r.grpcProcess(ctx, signal, ts)
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

package otlp

import (
	"context"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/grpc"
)

// rawMessage carries a message's protobuf bytes undecoded, so the metrics
// and logs services hand translate's wire decoder the request as it came,
// without a codec of the bridge's own that would change other services.
// gRPC's "proto" codec in this process is the one pdata registers
// (collector/pdata internal/otelgrpc/encoding.go, linked with pdata's OTLP
// services), which passes a message with UnmarshalProto/MarshalProto/
// SizeProto its bytes. Should that codec go, gRPC's own takes over: it
// treats rawMessage as a legacy message (Reset/String/ProtoMessage), whose
// Marshal and Unmarshal methods google.golang.org/protobuf calls directly
// (internal/impl/legacy_message.go), with the same result.
type rawMessage struct{ b []byte }

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
// collector/{metrics,logs}/v1/*_service.proto).
const (
	metricsService = "opentelemetry.proto.collector.metrics.v1.MetricsService"
	logsService    = "opentelemetry.proto.collector.logs.v1.LogsService"
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

// registerRawGRPC registers the metrics and logs services.
func (r *Receiver) registerRawGRPC(s *grpc.Server) {
	s.RegisterService(rawServiceDesc(metricsService, "opentelemetry/proto/collector/metrics/v1/metrics_service.proto",
		r.rawHandler(sigMetrics, "/"+metricsService+"/Export")), r)
	s.RegisterService(rawServiceDesc(logsService, "opentelemetry/proto/collector/logs/v1/logs_service.proto",
		r.rawHandler(sigLogs, "/"+logsService+"/Export")), r)
}

// rawHandler is a unary handler that receives the request as bytes, runs
// interceptors as generated handlers do, and answers an ExportResponse.
func (r *Receiver) rawHandler(signal, method string) grpc.MethodHandler {
	return func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
		in := rawPool.Get().(*rawMessage)
		defer func() {
			if cap(in.b) <= maxPooledRequest {
				in.b = in.b[:0]
				rawPool.Put(in)
			}
		}()
		if err := dec(in); err != nil {
			return nil, err
		}
		handle := func(ctx context.Context, req any) (any, error) {
			return r.exportRaw(ctx, signal, req.(*rawMessage).b)
		}
		if interceptor == nil {
			return handle(ctx, in)
		}
		return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: method}, handle)
	}
}

// exportRaw writes one request and encodes the response.
func (r *Receiver) exportRaw(ctx context.Context, signal string, body []byte) (any, error) {
	var payload any = rawMetrics(body)
	if signal == sigLogs {
		payload = rawLogs(body)
	}
	rejected, msg, err := r.grpcProcess(ctx, signal, payload, len(body))
	if err != nil {
		return nil, err
	}
	var out []byte
	if signal == sigLogs {
		resp := plogotlp.NewExportResponse()
		if rejected > 0 {
			resp.PartialSuccess().SetRejectedLogRecords(rejected)
			resp.PartialSuccess().SetErrorMessage(msg)
		}
		out, err = resp.MarshalProto()
	} else {
		resp := pmetricotlp.NewExportResponse()
		if rejected > 0 {
			resp.PartialSuccess().SetRejectedDataPoints(rejected)
			resp.PartialSuccess().SetErrorMessage(msg)
		}
		out, err = resp.MarshalProto()
	}
	if err != nil {
		return nil, err
	}
	return &rawMessage{b: out}, nil
}

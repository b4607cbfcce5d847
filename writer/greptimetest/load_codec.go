package greptimetest

import (
	"context"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	protocodec "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"

	"github.com/greptime-bridge/greptime-bridge/writer/internal/bufpool"
)

// loadCodec is the load mode's gRPC codec, set on the test server's own
// grpc.Server with grpc.ForceServerCodecV2 (never registered process-wide):
// a loadRequest is read from the wire bytes by the walker; every other
// message goes through grpc's proto codec.
type loadCodec struct{ proto encoding.CodecV2 }

func newLoadCodec() loadCodec { return loadCodec{proto: encoding.GetCodecV2(protocodec.Name)} }

// Name is "proto": clients send application/grpc or application/grpc+proto.
func (c loadCodec) Name() string { return protocodec.Name }

// Marshal encodes answers with the proto codec.
func (c loadCodec) Marshal(v any) (mem.BufferSlice, error) { return c.proto.Marshal(v) }

// Unmarshal walks a loadRequest's bytes; the walk keeps no reference to
// them (names are copied), so the buffer is freed on return.
func (c loadCodec) Unmarshal(data mem.BufferSlice, v any) error {
	lr, ok := v.(*loadRequest)
	if !ok {
		return c.proto.Unmarshal(data, v)
	}
	buf := data.MaterializeToBuffer(bufpool.Default)
	defer buf.Free()
	return lr.decode(buf.ReadOnlyData())
}

// loadServiceDesc is GreptimeDatabase with handlers that decode into a
// loadRequest. Method names and stream kinds are those of the generated
// descriptor.
func loadServiceDesc() *grpc.ServiceDesc {
	d := gpb.GreptimeDatabase_ServiceDesc
	d.Methods = []grpc.MethodDesc{{MethodName: "Handle", Handler: loadHandle}}
	d.Streams = []grpc.StreamDesc{{StreamName: "HandleRequests", Handler: loadHandleRequests, ClientStreams: true}}
	return &d
}

//nolint:revive // the argument order is grpc.MethodHandler's
func loadHandle(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
	lr := getLoadRequest()
	defer putLoadRequest(lr)
	if err := dec(lr); err != nil {
		return nil, err
	}
	d := srv.(*databaseService)
	handler := func(ctx context.Context, req any) (any, error) {
		return d.handle(ctx, func(h hints) (uint32, error) { return d.s.handleLoad(req.(*loadRequest), h) })
	}
	if interceptor == nil {
		return handler(ctx, lr)
	}
	return interceptor(ctx, lr, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/" + gpb.GreptimeDatabase_ServiceDesc.ServiceName + "/Handle"}, handler)
}

func loadHandleRequests(srv any, stream grpc.ServerStream) error {
	d := srv.(*databaseService)
	lr := getLoadRequest()
	defer putLoadRequest(lr)
	return d.handleStream(stream, func() (func(hints) (uint32, error), error) {
		if err := stream.RecvMsg(lr); err != nil {
			return nil, err
		}
		return func(h hints) (uint32, error) { return d.s.handleLoad(lr, h) }, nil
	})
}

// handleLoad is handleRequest for a request read by the walker.
func (s *Server) handleLoad(lr *loadRequest, h hints) (uint32, error) {
	if lr.full != nil {
		return s.handleRequest(lr.full, h)
	}
	if err := s.checkRequest(lr.header, true, h); err != nil {
		return 0, err
	}
	// rowInserts preprocesses JSON columns on the non-metric path only.
	if _, metric := h["physical_table"]; !metric {
		if err := lr.applyJSON(); err != nil {
			return 0, err
		}
	}
	return s.insertRows(headerDB(lr.header), h, lr.inserts)
}

package otlp

import (
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
)

// rawCodec is the OTLP gRPC server's codec (grpc.ForceServerCodecV2, so
// nothing is registered process-wide): it keeps a reference to the
// message's bytes in gRPC's buffers, which the handler copies once into a
// buffer it has charged to the memory budget (ingress.Message), where
// pdata's registered codec would gather them into a pooled buffer and
// rawMessage copy them again before anything could be charged
// (collector/pdata internal/otelgrpc/encoding.go). Other messages go to
// the registered "proto" codec.
type rawCodec struct{}

// Name returns the content subtype (encoding.CodecV2).
func (rawCodec) Name() string { return "proto" }

// Marshal returns a rawMessage's bytes as they are (encoding.CodecV2).
func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	if m, ok := v.(*rawMessage); ok {
		return mem.BufferSlice{mem.SliceBuffer(m.b)}, nil
	}
	return encoding.GetCodecV2("proto").Marshal(v)
}

// Unmarshal keeps a reference to data in a rawMessage; gRPC frees its own
// on return, and the message's holder frees this one (encoding.CodecV2).
func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(*rawMessage)
	if !ok {
		return encoding.GetCodecV2("proto").Unmarshal(data, v)
	}
	// A unary call carries one message; a client that sends a second
	// makes grpc-go unmarshal it too before refusing the call, into the
	// same rawMessage: the first's buffers go back rather than leak.
	m.free()
	data.Ref()
	m.bs = data
	return nil
}

package writer

import (
	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	protov2 "google.golang.org/protobuf/proto"

	"github.com/greptime-bridge/greptime-bridge/writer/internal/bufpool"
)

// encodedRequest is a GreptimeRequest already in wire form, handed to
// gRPC as it is by rowInsertCodec. It holds one reference to its buffer
// for the writer; each Marshal takes another for gRPC, which frees it when
// it has written (or dropped) the message. The buffer goes back to the
// pool only when the last reference is freed, so a buffer that gRPC's
// transport still reads after the call returned (an early status from the
// server, a frame still queued) is never reused under it.
type encodedRequest struct {
	buf mem.Buffer
}

// slice returns the request for one send, with a reference of its own.
func (r *encodedRequest) slice() mem.BufferSlice {
	r.buf.Ref()
	return mem.BufferSlice{r.buf}
}

// release drops the writer's reference; r must not be sent afterwards.
func (r *encodedRequest) release() {
	r.buf.Free()
	r.buf = nil
}

// rowInsertCodec sends an encodedRequest's bytes as they are, marshals a
// bulk write's FlightData into a buffer of the request pool, and leaves
// every other message, and every response, to gRPC's registered proto
// codec, exactly as a call without it would. It is set per call
// (grpc.ForceCodecV2), never registered: a process-wide registration would
// change the codec of every other gRPC user in the program.
type rowInsertCodec struct {
	proto encoding.CodecV2
	// pool supplies FlightData buffers; nil means bufpool.Default.
	// Tests set their own.
	pool mem.BufferPool
}

// newRowInsertCodec looks up the codec gRPC would use for a call without
// a codec option: the one registered as "proto", which a program may have
// replaced at init, as a CodecV2 or through the older Codec interface.
func newRowInsertCodec() rowInsertCodec {
	if c := encoding.GetCodecV2(proto.Name); c != nil {
		return rowInsertCodec{proto: c}
	}
	return rowInsertCodec{proto: codecV1{encoding.GetCodec(proto.Name)}}
}

// codecV1 adapts a Codec as grpc-go's own bridge does (codec.go).
type codecV1 struct{ c encoding.Codec }

func (c codecV1) Marshal(v any) (mem.BufferSlice, error) {
	b, err := c.c.Marshal(v)
	if err != nil {
		return nil, err
	}
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}

func (c codecV1) Unmarshal(data mem.BufferSlice, v any) error {
	return c.c.Unmarshal(data.Materialize(), v)
}

func (c codecV1) Name() string { return c.c.Name() }

// Marshal implements encoding.CodecV2.
func (c rowInsertCodec) Marshal(v any) (mem.BufferSlice, error) {
	switch m := v.(type) {
	case *encodedRequest:
		return m.slice(), nil
	case *flight.FlightData:
		return c.marshalFlightData(m)
	}
	return c.proto.Marshal(v)
}

// marshalFlightData marshals a bulk write's message as gRPC's proto codec
// does (grpc-go encoding/proto/proto.go), but into a buffer of the
// request pool, which is not cleared before use: gRPC's pool clears each
// buffer it hands out, a second pass over every Arrow body sent, 1.4% of
// the bridge's CPU under otlp-sum load (0.13 s of 9.11 s, profile of this
// branch at 909d570 with bench prof.sh). Every byte of the buffer is
// written by the marshalling.
func (c rowInsertCodec) marshalFlightData(m *flight.FlightData) (mem.BufferSlice, error) {
	size := protov2.Size(m)
	if mem.IsBelowBufferPoolingThreshold(size) {
		return c.proto.Marshal(m)
	}
	pool := c.pool
	if pool == nil {
		pool = bufpool.Default
	}
	p := pool.Get(size)
	b, err := protov2.MarshalOptions{UseCachedSize: true}.MarshalAppend((*p)[:0], m)
	if err != nil || len(b) != size || &b[0] != &(*p)[0] {
		// Not what was sized: leave it to gRPC's codec, which reports
		// any error.
		pool.Put(p)
		return c.proto.Marshal(m)
	}
	return mem.BufferSlice{mem.NewBuffer(p, pool)}, nil
}

// Unmarshal implements encoding.CodecV2.
func (c rowInsertCodec) Unmarshal(data mem.BufferSlice, v any) error {
	return c.proto.Unmarshal(data, v)
}

// Name implements encoding.CodecV2. ForceCodecV2 turns the name into the
// content-subtype; an empty one keeps the content-type "application/grpc"
// a call without this codec sends, rather than "application/grpc+proto".
func (rowInsertCodec) Name() string { return "" }

// callOption is the per-call option that installs the codec.
func (c rowInsertCodec) callOption() grpc.CallOption { return grpc.ForceCodecV2(c) }

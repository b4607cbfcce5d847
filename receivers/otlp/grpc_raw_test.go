package otlp

import (
	"bytes"
	"testing"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
)

// TestRawMessageCodecs: rawMessage keeps the bytes as they are through the
// process's registered "proto" codec (pdata's) and through what gRPC's own
// codec does with it (google.golang.org/protobuf on a legacy message).
func TestRawMessageCodecs(t *testing.T) {
	want := []byte{0x0a, 0x03, 0x12, 0x01, 0x7f, 0xff}
	codec := encoding.GetCodecV2("proto")
	var in rawMessage
	if err := codec.Unmarshal(mem.BufferSlice{mem.SliceBuffer(want)}, &in); err != nil {
		t.Fatalf("registered codec: %v", err)
	}
	out, err := codec.Marshal(&rawMessage{b: want})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(in.b, want) || !bytes.Equal(out.Materialize(), want) {
		t.Fatalf("registered codec: got %x and %x, want %x", in.b, out.Materialize(), want)
	}
	var legacy rawMessage
	if err := proto.Unmarshal(want, protoadapt.MessageV2Of(&legacy)); err != nil {
		t.Fatalf("gRPC's codec path: %v", err)
	}
	enc, err := proto.Marshal(protoadapt.MessageV2Of(&rawMessage{b: want}))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(legacy.b, want) || !bytes.Equal(enc, want) {
		t.Fatalf("gRPC's codec path: got %x and %x, want %x", legacy.b, enc, want)
	}
}

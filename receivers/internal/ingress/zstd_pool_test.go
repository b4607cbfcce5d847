package ingress

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// TestZstdPooledDecoderKeepsNoLimit: zstd decoders are pooled across
// bodies of different limits (gRPC messages under max_request_bytes, HTTP
// bodies under max_decompressed_bytes) and keep the memory limit they were
// made with, so a decoder first made for a small gRPC message must not
// refuse a later HTTP body within its own, larger limit.
func TestZstdPooledDecoderKeepsNoLimit(t *testing.T) {
	in := New(Config{MaxRequestBytes: 1 << 20, MaxDecompressedBytes: 16 << 20}, nil)
	frame := func(n int) []byte {
		var buf bytes.Buffer
		enc, err := zstd.NewWriter(&buf, zstd.WithWindowSize(4<<20))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = enc.Write(bytes.Repeat([]byte("abcdefgh"), n/8))
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	decode := func(raw []byte, maxDecoded int64) (int, error) {
		b, err := in.ReadMessage(context.Background(), bytes.NewReader(raw), int64(len(raw)), maxDecoded, time.Now(), func(time.Time) {})
		if err != nil {
			return 0, err
		}
		defer b.Close()
		out, err := b.Decode(Zstd)
		return len(out), err
	}
	// Made first: building it collects garbage, which empties sync.Pool.
	big := frame(6 << 20)
	for range 4 {
		_, _ = decode(frame(1<<10), 1<<20)
	}
	if n, err := decode(big, 0); err != nil || n != 6<<20 {
		t.Fatalf("6 MiB body with a 4 MiB window after small limited messages: %d bytes, %v", n, err)
	}
	// The window is still held to a body's own limit.
	if _, err := decode(frame(2<<20), 1<<20); err == nil {
		t.Fatal("a 4 MiB-window message under a 1 MiB limit was decoded")
	}
}

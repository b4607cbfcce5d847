package writer

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"google.golang.org/grpc/encoding"
)

func TestZstdCompressorRegisteredAndRoundTrips(t *testing.T) {
	comp := encoding.GetCompressor("zstd")
	if comp == nil {
		t.Fatal("zstd compressor not registered")
	}
	for i, msg := range []string{"", "x", strings.Repeat("greptime ", 10000)} {
		var buf bytes.Buffer
		w, err := comp.Compress(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, msg); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if len(msg) > 1000 && buf.Len() >= len(msg)/10 {
			t.Errorf("case %d: %d bytes compressed to %d", i, len(msg), buf.Len())
		}
		r, err := comp.Decompress(&buf)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || string(got) != msg {
			t.Fatalf("case %d: round trip gave %d bytes, %v", i, len(got), err)
		}
	}
}

func TestZstdDecompressRejectsGarbage(t *testing.T) {
	r, err := encoding.GetCompressor("zstd").Decompress(strings.NewReader("definitely not zstd"))
	if err == nil {
		_, err = io.ReadAll(r)
	}
	if err == nil {
		t.Fatal("garbage decompressed without error")
	}
}

package otlp

import (
	"errors"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// TestZstdDeclaredSizeRefusedBeforeDecoding: a zstd body whose frame
// declares more than the limit is refused from its header.
func TestZstdDeclaredSizeRefusedBeforeDecoding(t *testing.T) {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	bomb := enc.EncodeAll(make([]byte, 8<<20), nil)
	_ = enc.Close()
	_, err = decompress(bomb, "zstd", 1<<20)
	if !errors.Is(err, errTooLarge) || !strings.Contains(err.Error(), "claims 8388608 bytes") {
		t.Fatalf("got %v, want errTooLarge from the frame header", err)
	}
	small := enc.EncodeAll([]byte("hello"), nil)
	if out, err := decompress(small, "zstd", 1<<20); err != nil || string(out) != "hello" {
		t.Fatalf("a small frame: %q %v", out, err)
	}
}

package zstdgrpc

import (
	"bytes"
	"io"
	"os"
	"testing"

	"google.golang.org/grpc/encoding"
)

// another stands for a zstd compressor some other library registered
// first.
type another struct{ *zstdCompressor }

func TestMain(m *testing.M) {
	// Registration happens at init in real programs; here, before any test
	// runs, which is as single-threaded.
	encoding.RegisterCompressor(another{newZstdCompressor()})
	Register()
	os.Exit(m.Run())
}

func TestRegisterKeepsAnotherLibrarysCompressor(t *testing.T) {
	if _, ok := encoding.GetCompressor(Name).(another); !ok {
		t.Fatalf("Register replaced the zstd compressor registered first: %T", encoding.GetCompressor(Name))
	}
}

func TestRoundTripWithPooledCoders(t *testing.T) {
	z := newZstdCompressor()
	for i, msg := range [][]byte{bytes.Repeat([]byte("greptime "), 1000), {}, []byte("x")} {
		var buf bytes.Buffer
		w, err := z.Compress(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(msg); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		r, err := z.Decompress(&buf)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, msg) {
			t.Errorf("message %d: got %d bytes back, want %d", i, len(got), len(msg))
		}
	}
}

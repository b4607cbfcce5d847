package greptimetest

import (
	"io"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/grpc/encoding"
	_ "google.golang.org/grpc/encoding/gzip" // GreptimeDB accepts gzip requests
)

// GreptimeDB's services accept gzip and zstd transport compression
// (servers/src/grpc/builder.rs add_service!). grpc-go has no zstd, so the
// test server registers a plain one at init unless one is registered
// already (the writer package registers its own pooled compressor; either
// decodes the other's frames).
func init() {
	if encoding.GetCompressor("zstd") == nil {
		encoding.RegisterCompressor(zstdCodec{})
	}
}

type zstdCodec struct{}

// Name implements encoding.Compressor.
func (zstdCodec) Name() string { return "zstd" }

// Compress implements encoding.Compressor; concurrency 1 starts no
// goroutines that outlive the call.
func (zstdCodec) Compress(w io.Writer) (io.WriteCloser, error) {
	return zstd.NewWriter(w, zstd.WithEncoderConcurrency(1))
}

// Decompress implements encoding.Compressor. The whole message is decoded
// at once so the decoder is closed before returning.
func (zstdCodec) Decompress(r io.Reader) (io.Reader, error) {
	dec, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	b, err := io.ReadAll(dec)
	if err != nil {
		return nil, err
	}
	return &byteReader{b: b}, nil
}

type byteReader struct{ b []byte }

func (r *byteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

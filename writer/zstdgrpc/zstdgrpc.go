// Package zstdgrpc is the one zstd transport compressor of the writer, the
// test server and the bridge's OTLP/gRPC receiver (which compresses with
// it and decodes zstd itself). GreptimeDB's gRPC services accept gzip and zstd
// (src/servers/src/grpc/builder.rs add_service!); grpc-go ships only gzip,
// and its compressors are registered process-wide by name, so this one is
// registered only when no "zstd" compressor is there already: another
// library's (OpenTelemetry's configgrpc registers one the same way) then
// serves both, zstd frames being interchangeable.
package zstdgrpc

import (
	"errors"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/grpc/encoding"
)

// Name is the compressor's name in grpc-encoding headers.
const Name = "zstd"

// Register registers the compressor unless a "zstd" one exists. Like any
// grpc-go registration it must run at init time; both users call it from
// their init.
func Register() {
	if encoding.GetCompressor(Name) == nil {
		encoding.RegisterCompressor(newZstdCompressor())
	}
}

// zstdCompressor pools encoders and decoders: creating either allocates
// hundreds of KiB, far more than a typical insert request.
type zstdCompressor struct {
	encoders sync.Pool // *zstd.Encoder
	decoders sync.Pool // *zstd.Decoder
}

func newZstdCompressor() *zstdCompressor {
	return &zstdCompressor{}
}

// Name implements encoding.Compressor.
func (z *zstdCompressor) Name() string { return Name }

// Compress implements encoding.Compressor. Concurrency 1 keeps the encoder
// synchronous: no goroutines outlive a call.
func (z *zstdCompressor) Compress(w io.Writer) (io.WriteCloser, error) {
	if enc, ok := z.encoders.Get().(*zstd.Encoder); ok {
		enc.Reset(w)
		return &zstdWriter{Encoder: enc, pool: &z.encoders}, nil
	}
	enc, err := zstd.NewWriter(w, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		return nil, err
	}
	return &zstdWriter{Encoder: enc, pool: &z.encoders}, nil
}

// Decompress implements encoding.Compressor. The decoder goes back to the
// pool once the message has been read to its end.
func (z *zstdCompressor) Decompress(r io.Reader) (io.Reader, error) {
	if dec, ok := z.decoders.Get().(*zstd.Decoder); ok {
		if err := dec.Reset(r); err != nil {
			return nil, err
		}
		return &zstdReader{dec: dec, pool: &z.decoders}, nil
	}
	dec, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
	if err != nil {
		return nil, err
	}
	return &zstdReader{dec: dec, pool: &z.decoders}, nil
}

type zstdWriter struct {
	*zstd.Encoder
	pool *sync.Pool
}

// Close flushes the frame and returns the encoder to the pool.
func (w *zstdWriter) Close() error {
	if w.Encoder == nil {
		return nil
	}
	err := w.Encoder.Close()
	w.Encoder.Reset(nil)
	w.pool.Put(w.Encoder)
	w.Encoder = nil
	return err
}

type zstdReader struct {
	dec  *zstd.Decoder
	pool *sync.Pool
}

// Read decompresses into p, pooling the decoder at the end of the message.
func (r *zstdReader) Read(p []byte) (int, error) {
	if r.dec == nil {
		return 0, io.EOF
	}
	n, err := r.dec.Read(p)
	if errors.Is(err, io.EOF) {
		// Release the reference to the source before pooling.
		_ = r.dec.Reset(nil)
		r.pool.Put(r.dec)
		r.dec = nil
	}
	return n, err
}

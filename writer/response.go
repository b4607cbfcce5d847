package writer

import (
	"bytes"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// responseDecompressor decodes GreptimeDB's compressed responses without
// gRPC's process-wide compressor registry (grpc-go takes a connection's
// own decompressor first when its name matches the response's encoding,
// stream.go recvMsg), so the writer reads its responses correctly whatever
// another package registered under "gzip" or "zstd". Responses are an
// affected-row count or a DoPut result: a few bytes, read whole.
type responseDecompressor struct {
	name string
	max  int64 // the client's largest response
}

// Type returns the encoding's name (grpc.Decompressor).
func (d responseDecompressor) Type() string { return d.name }

// Do decompresses one response, refusing one past the client's limit
// before it is all decoded (grpc.Decompressor).
func (d responseDecompressor) Do(r io.Reader) ([]byte, error) {
	var rd io.Reader
	switch d.name {
	case string(CompressionZstd):
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxMemory(uint64(d.max)+1))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		rd = zr
	default:
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		rd = zr
	}
	var out bytes.Buffer
	n, err := out.ReadFrom(io.LimitReader(rd, d.max+1))
	if err != nil {
		return nil, err
	}
	if n > d.max {
		return nil, fmt.Errorf("%s response larger than %d bytes", d.name, d.max)
	}
	return out.Bytes(), nil
}

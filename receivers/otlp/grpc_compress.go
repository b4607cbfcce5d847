package otlp

import (
	"bytes"
	"fmt"
	"io"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/gzip"

	"github.com/greptime-bridge/greptime-bridge/receivers/internal/ingress"
	"github.com/greptime-bridge/greptime-bridge/writer/zstdgrpc"
)

// passThrough is registered with gRPC under "gzip" and "zstd" in place of
// the real compressors: it compresses with the real one (the writer's
// requests to GreptimeDB) but hands a received message on still
// compressed, so the OTLP services decompress it through ingress, charging
// the memory budget as the output grows and stopping at the size limit.
// grpc-go decompresses a whole message into its buffer pool before any
// handler runs (rpc_util.go recvAndDecompress), which nothing can charge.
//
// gRPC keeps one registry per process, so every gRPC peer in a process
// linking this package sees it: the writer decodes GreptimeDB's responses
// with its own decompressor (writer/response.go), the OTLP services answer
// uncompressed (grpc.SetSendCompressor), and the bridge's -dev mode writes
// to its in-process test server uncompressed (cmd/bridge serve.go).
type passThrough struct {
	real encoding.Compressor // nil: this encoding cannot be sent
	name string
	enc  ingress.Encoding
}

// Compress compresses with the real compressor (encoding.Compressor).
func (p *passThrough) Compress(w io.Writer) (io.WriteCloser, error) {
	if p.real == nil {
		return nil, fmt.Errorf("no %s compressor registered", p.name)
	}
	return p.real.Compress(w)
}

// Decompress returns r unchanged: the message stays compressed
// (encoding.Compressor).
func (*passThrough) Decompress(r io.Reader) (io.Reader, error) { return r, nil }

// Name returns the encoding's name (encoding.Compressor).
func (p *passThrough) Name() string { return p.name }

// RegisterCompressor's contract is registration at init time (it is not
// safe for concurrent use). The gzip import has registered grpc-go's
// gzip; zstdgrpc.Register registers the writer's zstd unless another
// library's is there.
func init() {
	zstdgrpc.Register()
	for _, p := range []*passThrough{{name: gzip.Name, enc: ingress.Gzip}, {name: zstdgrpc.Name, enc: ingress.Zstd}} {
		p.real = encoding.GetCompressor(p.name)
		if _, already := p.real.(*passThrough); already {
			continue
		}
		encoding.RegisterCompressor(p)
	}
}

// grpcEncoding returns how message msg, sent on a stream with
// grpc-encoding name, reaches the handler: Identity when gRPC decoded it
// or it was not compressed, otherwise the encoding the handler decodes
// through ingress.
//
// grpc-encoding names the algorithm of the stream, but each message says
// with its own Compressed-Flag whether it is compressed (gRPC over HTTP/2,
// "Length-Prefixed-Message"; grpc-go sends an empty message uncompressed,
// and a sender may opt a message out). grpc-go calls Decompress only for a
// flagged message (rpc_util.go recvAndDecompress) and the flag does not
// reach the handler, so the message's first bytes tell: a gzip member
// starts 1f 8b, which no protobuf message can (wire type 7 does not
// exist), and a zstd frame starts with its magic number 28 b5 2f fd, which
// an OTLP request, whose only field is 1, does not.
func grpcEncoding(name string, msg []byte) ingress.Encoding {
	p, ok := encoding.GetCompressor(name).(*passThrough)
	if !ok {
		return ingress.Identity
	}
	switch {
	case p.enc == ingress.Gzip && bytes.HasPrefix(msg, gzipMagic):
	case p.enc == ingress.Zstd && bytes.HasPrefix(msg, zstdMagic):
	default:
		return ingress.Identity
	}
	return p.enc
}

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

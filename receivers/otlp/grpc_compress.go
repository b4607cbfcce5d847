package otlp

import (
	// grpc-go's gzip compressor, registered: grpc-go serves a stream only
	// when a compressor of its grpc-encoding is registered (server.go
	// processRPC), though the OTLP services decompress messages
	// themselves, through ingress (grpc_stream.go).
	_ "google.golang.org/grpc/encoding/gzip"

	"github.com/greptime-bridge/greptime-bridge/writer/zstdgrpc"
)

// RegisterCompressor's contract is registration at init time (it is not
// safe for concurrent use): zstdgrpc.Register registers the writer's zstd
// unless another library's is there, so zstd streams are served too.
func init() {
	zstdgrpc.Register()
}

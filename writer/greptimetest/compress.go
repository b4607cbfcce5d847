package greptimetest

import (
	_ "google.golang.org/grpc/encoding/gzip" // GreptimeDB accepts gzip requests

	"github.com/greptime-bridge/greptime-bridge/writer/zstdgrpc"
)

// GreptimeDB's services accept gzip and zstd transport compression
// (servers/src/grpc/builder.rs add_service!); the test server uses the
// writer's zstd compressor, registered once for the process.
func init() { zstdgrpc.Register() }

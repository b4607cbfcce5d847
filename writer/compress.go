package writer

import "github.com/greptime-bridge/greptime-bridge/writer/zstdgrpc"

// The zstd transport compression (Config.Compression) comes from the
// shared compressor, registered without replacing one another library
// registered first.
func init() { zstdgrpc.Register() }

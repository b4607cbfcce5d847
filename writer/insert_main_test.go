package writer_test

import (
	"io"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/grpc/encoding"

	_ "github.com/greptime-bridge/greptime-bridge/writer" // registers zstd before the wrappers below
)

// compressed counts messages compressed per compressor name, so the
// compression tests can assert the transport really used it: grpc-go hides
// the grpc-encoding header from server metadata. The wrappers are
// registered once, before any RPC, as grpc-go requires.
var compressed = map[string]*atomic.Int64{"gzip": {}, "zstd": {}}

type countingCompressor struct {
	encoding.Compressor
	n *atomic.Int64
}

func (c countingCompressor) Compress(w io.Writer) (io.WriteCloser, error) {
	c.n.Add(1)
	return c.Compressor.Compress(w)
}

func TestMain(m *testing.M) {
	for name, n := range compressed {
		if inner := encoding.GetCompressor(name); inner != nil {
			encoding.RegisterCompressor(countingCompressor{Compressor: inner, n: n})
		}
	}
	goleak.VerifyTestMain(m)
}

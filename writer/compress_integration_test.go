package writer_test

import (
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

func TestTransportCompressionRoundTrips(t *testing.T) {
	for _, comp := range []writer.Compression{writer.CompressionGzip, writer.CompressionZstd} {
		t.Run(string(comp), func(t *testing.T) {
			s, c := startWithClient(t, greptimetest.Options{}, func(cfg *writer.Config) { cfg.Compression = comp })
			before := compressed[string(comp)].Load()
			b := cpuBatch(t, "cpu", 500, 0)
			if n, err := c.Write(ctxT(t), b); err != nil || n != 500 {
				t.Fatalf("write: %d %v", n, err)
			}
			st, err := c.NewStreamInserter(ctxT(t))
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Write(cpuBatch(t, "cpu2", 10, 0)); err != nil {
				t.Fatal(err)
			}
			if n, err := st.CloseAndRecv(); err != nil || n != 10 {
				t.Fatalf("stream: %d %v", n, err)
			}
			assertRows(t, s, "public", b)
			// The client compressed the insert and the stream request; the
			// server compresses its responses too.
			if got := compressed[string(comp)].Load() - before; got < 2 {
				t.Errorf("%s compressor used %d times, want at least 2", comp, got)
			}
		})
	}
}

package writer_test

import (
	"context"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// BenchmarkWritePromFlush sends one Prometheus-shaped flush (100 tables ×
// 20 rows, 8 string tags) per op through Client.Write to an in-process
// greptimetest in count-only mode, with the default configuration: "wire"
// is Write, "proto" the way Write sent it before the wire encoder. The
// server's work is the same in both and counted in both (it runs in this
// process), so the difference between them is the client's saving.
//
//	go test -run '^$' -bench WritePromFlush -count 6 ./writer/
func BenchmarkWritePromFlush(b *testing.B) {
	s := greptimetest.StartT(b, greptimetest.Options{CountOnly: true})
	c, err := writer.NewClient(writer.DefaultConfig(s.Addr()))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	batches := writer.PromFlushForTest(100, 20)
	const rows = 100 * 20
	if _, err := c.Write(ctx, batches...); err != nil { // creates the tables
		b.Fatal(err)
	}
	for _, path := range []struct {
		name  string
		write func() (uint32, error)
	}{
		{"proto", func() (uint32, error) { return c.WriteViaProtoForTest(ctx, batches...) }},
		{"wire", func() (uint32, error) { return c.Write(ctx, batches...) }},
	} {
		b.Run(path.name, func(b *testing.B) {
			b.ReportAllocs()
			start := writer.ProcessCPUForTest()
			for b.Loop() {
				if n, err := path.write(); err != nil || n != rows {
					b.Fatalf("wrote %d rows: %v", n, err)
				}
			}
			n := float64(b.N * rows)
			b.ReportMetric(float64(writer.ProcessCPUForTest()-start)/n, "cpu-ns/row")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/row")
		})
	}
}

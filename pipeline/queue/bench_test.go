package queue

import (
	"context"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

type discard struct{}

func (discard) Consume(context.Context, *translate.Output) error { return nil }

// BenchmarkConsume appends 2,000-row requests (a Prometheus shard's
// request size) from 8 concurrent senders under each fsync policy, with
// the drainer writing to a consumer that discards; it reports requests
// and fsyncs per second of wall time.
func BenchmarkConsume(b *testing.B) {
	for _, p := range []struct {
		name   string
		policy FsyncPolicy
	}{{"always", FsyncAlways}, {"interval", FsyncInterval}, {"never", FsyncNever}} {
		b.Run(p.name, func(b *testing.B) {
			fs := &faultFS{}
			cfg := testConfig(b.TempDir())
			cfg.FS, cfg.Fsync, cfg.FsyncInterval = fs, p.policy, 1e9
			cfg.MaxBytes, cfg.SegmentBytes, cfg.DrainMaxBytes = 1<<30, 64<<20, 16<<20
			var lb logBuf
			q, err := Open(cfg, discard{}, nil, nil, lb.logger())
			if err != nil {
				b.Fatal(err)
			}
			q.Start()
			req := request("m", 0, 2000)
			b.ReportAllocs()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := q.Consume(context.Background(), req); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(fs.syncs.Load())/float64(b.N), "fsyncs/op")
			if err := q.Shutdown(context.Background()); err != nil {
				b.Fatal(err)
			}
		})
	}
}

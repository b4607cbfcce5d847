package queue_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/greptime-bridge/greptime-bridge/pipeline/queue"
	"github.com/greptime-bridge/greptime-bridge/receivers/dbselect"
	"github.com/greptime-bridge/greptime-bridge/receivers/otlp"
	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/retry"
)

// down is GreptimeDB down: the drainer never writes, so every record
// stays on disk to be measured.
type down struct{}

func (down) Consume(context.Context, *translate.Output) error { return errors.New("down") }

// batchesOnly hides the queue's ConsumeSource: the receiver then queues
// batches only, as before sources were kept.
type batchesOnly struct{ q *queue.Queue }

func (b batchesOnly) Consume(ctx context.Context, out *translate.Output) error {
	return b.q.Consume(ctx, out)
}

// BenchmarkQueuedLogsRecord appends telemetrygen-shaped logs requests
// (1 and 100 records each) through the OTLP receiver into the disk queue
// (fsync never, GreptimeDB down) with and without the request's source,
// and reports the bytes each queued record takes on disk beside the CPU
// per request.
func BenchmarkQueuedLogsRecord(b *testing.B) {
	for _, n := range []int{1, 100} {
		body := queue.TelemetrygenLogs(n)
		for _, keep := range []bool{false, true} {
			name := "batches_only"
			if keep {
				name = "with_source"
			}
			b.Run(name+"/records="+strconv.Itoa(n), func(b *testing.B) {
				reg := prometheus.NewRegistry()
				q, err := queue.Open(queue.Config{
					Dir: b.TempDir(), MaxBytes: 4 << 30, SegmentBytes: 64 << 20, Fsync: queue.FsyncNever, DrainMaxBytes: 16 << 20,
					RetryAfter: time.Second, Backoff: retry.Policy{InitialBackoff: time.Hour, MaxBackoff: time.Hour},
				}, down{}, nil, reg, nil)
				if err != nil {
					b.Fatal(err)
				}
				q.Start()
				var next otlp.Consumer = batchesOnly{q}
				if keep {
					next = q
				}
				r := otlp.New(otlp.Config{MaxRequestBytes: 1 << 20, MaxDecompressedBytes: 4 << 20}, next, nil,
					&dbselect.Selector{Default: "public"}, nil, otlp.NewMetrics(prometheus.NewRegistry()), nil)
				mux := http.NewServeMux()
				r.Register(mux)
				b.ReportAllocs()
				for b.Loop() {
					req := httptest.NewRequest(http.MethodPost, "/v1/logs", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/x-protobuf")
					w := httptest.NewRecorder()
					mux.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Fatalf("%d %s", w.Code, w.Body)
					}
				}
				mfs, _ := reg.Gather()
				var disk, recs float64
				for _, mf := range mfs {
					switch mf.GetName() {
					case "bridge_queue_bytes":
						disk = mf.GetMetric()[0].GetGauge().GetValue()
					case "bridge_queue_records":
						recs = mf.GetMetric()[0].GetGauge().GetValue()
					}
				}
				b.ReportMetric(disk/recs, "disk-bytes/record")
				b.ReportMetric(float64(len(body)), "request-bytes")
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
				defer cancel()
				_ = q.Shutdown(ctx)
			})
		}
	}
}

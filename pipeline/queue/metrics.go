package queue

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the queue's own; gauges read the log's state when scraped.
type metrics struct {
	refused        *prometheus.CounterVec
	fsync          prometheus.Histogram
	cut            prometheus.Counter
	dropped        prometheus.Counter
	replayed       prometheus.Counter
	replayedBytes  prometheus.Counter
	drainRetries   prometheus.Counter
	drainedRecords prometheus.Counter
	retranslated   prometheus.Counter
}

func newMetrics() *metrics {
	return &metrics{
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bridge_queue_appends_refused_total",
			Help: "Requests answered 503 / Unavailable because the disk queue could not take them, by reason (full: at queue.max_bytes; disk_error: a write or fsync failed).",
		},
			[]string{"reason"}),
		fsync: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "bridge_queue_fsync_duration_seconds",
			Help: "Duration of the disk queue's fsyncs.", Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}),
		cut: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bridge_queue_corrupt_bytes_cut_total",
			Help: "Bytes of torn or corrupt disk queue records cut off (at start or while draining).",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bridge_queue_records_dropped_total",
			Help: "Queued records GreptimeDB refused for good (bad data), logged and skipped; their senders were already answered 2xx.",
		}),
		replayed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bridge_queue_replayed_records_total",
			Help: "Records left in the disk queue by an earlier run that have been written since start.",
		}),
		replayedBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bridge_queue_replayed_bytes_total",
			Help: "Bytes of records left by an earlier run that have been written since start.",
		}),
		drainRetries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bridge_queue_drain_retries_total",
			Help: "Retried writes of queued records.",
		}),
		drainedRecords: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bridge_queue_drained_records_total",
			Help: "Queued records GreptimeDB acknowledged (or refused for good) and removed from the queue.",
		}),
		retranslated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bridge_queue_records_retranslated_total",
			Help: "Queued logs and traces records whose table changed behind the bridge before they drained, translated again from the request kept in the record.",
		}),
	}
}

// register registers the counters and the gauges reading q's state.
func (m *metrics) register(reg prometheus.Registerer, q *Queue) {
	reg.MustRegister(m.refused, m.fsync, m.cut, m.dropped, m.replayed, m.replayedBytes, m.drainRetries, m.drainedRecords, m.retranslated)
	gauge := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
	}
	gauge("bridge_queue_bytes", "Bytes of disk queue segments on disk.", func() float64 {
		q.log.mu.Lock()
		defer q.log.mu.Unlock()
		return float64(q.log.diskBytes)
	})
	gauge("bridge_queue_max_bytes", "The disk queue's size cap (queue.max_bytes).", func() float64 { return float64(q.cfg.MaxBytes) })
	gauge("bridge_queue_records", "Records in the disk queue not yet acknowledged by GreptimeDB.", func() float64 {
		q.log.mu.Lock()
		defer q.log.mu.Unlock()
		return float64(q.log.next - q.log.done)
	})
	gauge("bridge_queue_oldest_record_age_seconds", "Age of the oldest record not yet acknowledged by GreptimeDB; 0 when the queue is drained.", func() float64 {
		if at := q.oldest.Load(); at > 0 {
			return time.Since(time.Unix(0, at)).Seconds()
		}
		return 0
	})
	gauge("bridge_queue_replay_records", "Records found in the disk queue at start (left by an earlier run).", func() float64 {
		return float64(q.log.startNext - q.replayFrom)
	})
}

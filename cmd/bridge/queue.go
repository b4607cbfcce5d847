package main

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/greptime-bridge/greptime-bridge/config"
	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/pipeline/queue"
	"github.com/greptime-bridge/greptime-bridge/receivers/otlp"
	"github.com/greptime-bridge/greptime-bridge/writer/retry"
)

// openQueue opens the disk queue for ack: on_queue, draining into p. It
// replays what an earlier run left once started.
func openQueue(cfg config.Config, p *pipeline.Pipeline, reg prometheus.Registerer, log *slog.Logger) (*queue.Queue, error) {
	q := cfg.Queue
	var fsync queue.FsyncPolicy
	switch q.Fsync {
	case config.FsyncAlways:
		fsync = queue.FsyncAlways
	case config.FsyncInterval:
		fsync = queue.FsyncInterval
	case config.FsyncNever:
		fsync = queue.FsyncNever
	default:
		return nil, unknown("queue.fsync", string(q.Fsync))
	}
	return queue.Open(queue.Config{
		Dir: q.Dir, MaxBytes: q.MaxBytes, SegmentBytes: q.SegmentBytes,
		Fsync: fsync, FsyncInterval: q.FsyncInterval, DrainMaxBytes: q.DrainMaxBytes,
		RetryAfter: cfg.Limits.RetryAfter,
		// The pipeline's backoff between the drainer's rounds; the drainer
		// never gives up, so max_attempts does not apply.
		Backoff: retry.Policy{InitialBackoff: cfg.Pipeline.Retry.InitialBackoff, MaxBackoff: cfg.Pipeline.Retry.MaxBackoff},
	}, p, p, reg, log)
}

// startQueue starts draining dq once the OTLP receiver exists: a queued
// logs or traces request whose table changed before it drained is
// translated again by the receiver that translated it first.
func startQueue(dq *queue.Queue, or *otlp.Receiver) {
	dq.SetRetranslator(or)
	dq.Start()
}

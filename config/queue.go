package config

import "time"

// Queue chooses when a request is acknowledged and configures the disk
// queue used for acknowledgement on queue.
type Queue struct {
	// Ack is on_write (a request is answered once GreptimeDB acknowledged
	// every row of it; nothing is kept on disk) or on_queue (answered once
	// its rows are durably in the disk queue, which drains into GreptimeDB
	// and is replayed after a restart).
	Ack Ack `yaml:"ack"`
	// Dir holds the queue's segment files (on_queue only).
	Dir string `yaml:"dir"`
	// MaxBytes caps the queue on disk; when it is full, receivers answer
	// 503 + Retry-After / Unavailable. Queued data is never dropped to make
	// room.
	MaxBytes int64 `yaml:"max_bytes"`
	// SegmentBytes is the size of one segment file; a segment is removed
	// once GreptimeDB acknowledged all of it.
	SegmentBytes int64 `yaml:"segment_bytes"`
	// Fsync is always (fsync before answering; concurrent requests share
	// one fsync), interval (write before answering, fsync every
	// fsync_interval) or never (write before answering; the operating
	// system flushes).
	Fsync Fsync `yaml:"fsync"`
	// FsyncInterval is the period of fsync: interval.
	FsyncInterval time.Duration `yaml:"fsync_interval"`
	// DrainMaxBytes bounds the queued bytes the drainer merges into one
	// write, per table, so tables get deep enough for bulk streams.
	DrainMaxBytes int64 `yaml:"drain_max_bytes"`
}

// Ack is when a request is acknowledged.
type Ack string

// Acknowledgement modes.
const (
	AckOnWrite Ack = "on_write"
	AckOnQueue Ack = "on_queue"
)

// Fsync is the disk queue's fsync policy.
type Fsync string

// The fsync policies.
const (
	FsyncAlways   Fsync = "always"
	FsyncInterval Fsync = "interval"
	FsyncNever    Fsync = "never"
)

// Values lists the allowed values.
func (Ack) Values() []string { return strs(AckOnWrite, AckOnQueue) }

// Values lists the allowed values.
func (Fsync) Values() []string { return strs(FsyncAlways, FsyncInterval, FsyncNever) }

// UnmarshalText reads a value; see enum.go.
func (e *Ack) UnmarshalText(b []byte) error { return setEnum(e, b) }

// UnmarshalText reads a value; see enum.go.
func (e *Fsync) UnmarshalText(b []byte) error { return setEnum(e, b) }

func defaultQueue() Queue {
	return Queue{
		// Today's behaviour: nothing on disk, the sender keeps its data
		// until GreptimeDB has it.
		Ack: AckOnWrite,
		// The path the Dockerfile declares as a VOLUME and the StatefulSet
		// and Helm chart mount.
		Dir: "/var/lib/greptime-bridge/queue",
		// 1 GiB holds about 10 million rows at ~100 bytes per row: a
		// 100-second outage at 100k rows/s. Raise it for longer outages.
		MaxBytes: 1 << 30,
		// 64 MiB: a new file (and a directory fsync) about every 64 MiB
		// written, and acknowledged space freed in 1/16 steps of the cap.
		SegmentBytes: 64 << 20,
		// Acknowledged data survives power loss; group commit lets
		// concurrent requests share each fsync.
		Fsync:         FsyncAlways,
		FsyncInterval: time.Second,
		// 16 MiB of records merge into one write: deep enough for bulk
		// streams (a Prometheus request of 2,000 samples is ~200 KiB
		// queued), while the drainer holds about three times that.
		DrainMaxBytes: 16 << 20,
	}
}

func (c *Config) validateQueue(bad func(path, format string, args ...any)) {
	q := c.Queue
	checkEnum(bad, "queue.ack", q.Ack)
	checkEnum(bad, "queue.fsync", q.Fsync)
	if q.Ack == AckOnQueue && q.Dir == "" {
		bad("queue.dir", "required with ack: on_queue")
	}
	if q.SegmentBytes < 1<<20 {
		bad("queue.segment_bytes", "%d is below 1 MiB", q.SegmentBytes)
	}
	if q.MaxBytes < 2*q.SegmentBytes {
		bad("queue.max_bytes", "must be at least twice queue.segment_bytes (space is freed a segment at a time)")
	}
	if q.MaxBytes < c.Limits.MaxDecompressedBytes {
		bad("queue.max_bytes", "must be at least limits.max_decompressed_bytes, or the largest request could never be queued")
	}
	if q.Fsync == FsyncInterval && q.FsyncInterval <= 0 {
		bad("queue.fsync_interval", "must be positive with fsync: interval")
	}
	if q.DrainMaxBytes < 1 {
		bad("queue.drain_max_bytes", "must be at least 1")
	}
}

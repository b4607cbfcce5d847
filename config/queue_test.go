package config

import (
	"testing"
	"time"
)

func TestLoadQueueSection(t *testing.T) {
	c, err := Load("testdata/full.yaml", []string{"GREPTIME_BRIDGE_QUEUE_FSYNC=always"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	q := c.Queue
	if q.Ack != AckOnQueue || q.Dir != "/data/queue" || q.MaxBytes != 4<<30 || q.SegmentBytes != 32<<20 ||
		q.Fsync != "always" || q.FsyncInterval != 200*time.Millisecond || q.DrainMaxBytes != 8<<20 {
		t.Errorf("queue section not loaded: %+v", q)
	}
	if d := Default().Queue; d.Ack != AckOnWrite {
		t.Errorf("default acknowledgement %q, want on_write (no disk queue)", d.Ack)
	}
}

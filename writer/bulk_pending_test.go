package writer

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestBookkeepingAcksAndPending(t *testing.T) {
	var k bookkeeping
	for id := int64(1); id <= 5; id++ {
		k.pendingAdd(id)
	}
	if !k.markAcked(2) || !k.markAcked(1) {
		t.Fatal("pending ids not acknowledged")
	}
	if k.markAcked(2) || k.markAcked(99) {
		t.Fatal("duplicate or unknown id acknowledged")
	}
	if k.unmatched != 2 {
		t.Fatalf("unmatched = %d, want 2", k.unmatched)
	}
	if got := k.pendingIDs(); !slices.Equal(got, []int64{3, 4, 5}) {
		t.Fatalf("pending %v", got)
	}
	if got := k.ackedIDs(); !slices.Equal(got, []int64{2, 1}) {
		t.Fatalf("acked %v", got)
	}
}

func TestBookkeepingKeepsRecentAckedBounded(t *testing.T) {
	var k bookkeeping
	const n = 5*maxAckedKept + 7
	for id := int64(1); id <= n; id++ {
		k.pendingAdd(id)
		k.markAcked(id)
	}
	got := k.ackedIDs()
	if len(got) != maxAckedKept || got[len(got)-1] != n || got[0] != n-maxAckedKept+1 {
		t.Fatalf("kept %d ids from %d to %d", len(got), got[0], got[len(got)-1])
	}
	if cap(k.acked) > 4*maxAckedKept {
		t.Fatalf("acked storage grew to %d", cap(k.acked))
	}
}

func TestParseBulkResponse(t *testing.T) {
	r, err := parseBulkResponse([]byte(`{"request_id":7,"affected_rows":1000,"elapsed_secs":0.25,"extra":1}`))
	if err != nil || r.RequestID != 7 || r.AffectedRows != 1000 || r.Elapsed != 250*time.Millisecond {
		t.Fatalf("got %+v, %v", r, err)
	}
	if _, err := parseBulkResponse([]byte("\x08\x07")); err == nil {
		t.Fatal("protobuf metadata accepted as JSON")
	}
	if r, err := parseBulkResponse([]byte(`{"request_id":3,"elapsed_secs":-1}`)); err != nil || r.Elapsed != 0 {
		t.Fatalf("negative elapsed: %+v, %v", r, err)
	}
}

func TestBulkOptionsClampParallelism(t *testing.T) {
	c, err := NewClient(DefaultConfig("127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, tc := range []struct{ in, want int }{{0, 1}, {-3, 1}, {1, 1}, {8, 8}, {32, 32}, {33, 32}, {1000, 32}} {
		if got := resolveBulkOptions(time.Second, []BulkOption{WithParallelism(tc.in)}).parallelism; got != tc.want {
			t.Errorf("parallelism %d → %d, want %d", tc.in, got, tc.want)
		}
	}
	if o := resolveBulkOptions(0, nil); o.parallelism != DefaultBulkParallelism || o.timeout != 30*time.Second || o.compression != BulkLZ4 {
		t.Errorf("defaults %+v", o)
	}
	bi := c.NewBulkInserter("")
	if bi.Database() != "public" {
		t.Errorf("default database %q", bi.Database())
	}
	if _, err := bi.StreamWriter(t.Context(), nil); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("nil schema: %v", err)
	}
}

func TestPruneReturnedDropsOnlyOldAcknowledged(t *testing.T) {
	done := func(id int64, err error) *bulkRequest {
		r := &bulkRequest{id: id, done: make(chan struct{}), err: err}
		close(r.done)
		return r
	}
	reqs := map[int64]*bulkRequest{
		1: done(1, nil), 2: done(2, errors.New("failed")), 3: {id: 3, done: make(chan struct{})},
		4: done(4, nil), 9: done(9, nil), 10: done(10, nil),
	}
	if n := pruneReturned(reqs, 10, 2); n != 2 {
		t.Fatalf("pruned %d, want 2 (ids 1 and 4)", n)
	}
	for _, id := range []int64{2, 3, 9, 10} {
		if _, ok := reqs[id]; !ok {
			t.Errorf("id %d dropped: failures, pending and the newest must stay", id)
		}
	}
	if len(reqs) != 4 {
		t.Fatalf("%d left", len(reqs))
	}
}

// FuzzParseBulkResponse feeds server app_metadata to the response decoder:
// it must never panic, and a decoded response has a non-negative duration.
func FuzzParseBulkResponse(f *testing.F) {
	f.Add([]byte(`{"request_id":0,"affected_rows":0,"elapsed_secs":0.0}`))
	f.Add([]byte(`{"request_id":9223372036854775807,"affected_rows":1,"elapsed_secs":1e308}`))
	f.Add([]byte(`{"request_id":-1}`))
	f.Add([]byte("\x0a\x02\x08\x01"))
	f.Fuzz(func(t *testing.T, meta []byte) {
		r, err := parseBulkResponse(meta)
		if err == nil && r.Elapsed < 0 {
			t.Fatalf("negative elapsed %v from %q", r.Elapsed, meta)
		}
	})
}

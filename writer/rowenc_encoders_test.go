package writer

import (
	"sync"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestEncoderPoolIdleBytesBounded: idle encoders keep no body past
// maxPooledBody and, together, no more than maxIdleBytes of scratch, the
// memory they hold outside the request budget. They kept up to 8 bodies
// of 4 MiB and 2 of 64 MiB, about 160 MiB the collector could never free.
func TestEncoderPoolIdleBytesBounded(t *testing.T) {
	var pool encoderPool
	withBody := func(n int) *rowEncoder { return &rowEncoder{body: make([]byte, 0, n)} }
	for range maxIdleEncoders {
		pool.put(withBody(maxPooledBody + 1))
		pool.put(withBody(maxPooledBody))
	}
	sum := 0
	for _, e := range pool.idle {
		if cap(e.body) > maxPooledBody {
			t.Errorf("an idle encoder keeps a body of %d bytes, past %d", cap(e.body), maxPooledBody)
		}
		sum += e.scratchBytes()
	}
	if sum > maxIdleBytes || sum != pool.bytes {
		t.Errorf("idle encoders hold %d bytes (counted %d), want at most %d", sum, pool.bytes, maxIdleBytes)
	}
	if len(pool.idle) == 0 {
		t.Fatal("no encoder kept")
	}
	for len(pool.idle) > 0 {
		pool.get()
	}
	if pool.bytes != 0 {
		t.Errorf("no idle encoder, %d bytes counted", pool.bytes)
	}
}

// recordingPool is a requestPool that records the capacities of the
// buffers it hands out and takes back.
type recordingPool struct {
	requestPool
	mu        sync.Mutex
	gets, put []int
}

func (r *recordingPool) Get(n int) *[]byte {
	b := r.requestPool.Get(n)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gets = append(r.gets, cap(*b))
	return b
}

func (r *recordingPool) Put(b *[]byte) {
	r.mu.Lock()
	r.put = append(r.put, cap(*b))
	r.mu.Unlock()
	r.requestPool.Put(b)
}

// TestLargeBodyIsPooled: a flush whose body outgrows maxPooledBody is
// built in buffers of the request pool, which all go back to it once the
// request is encoded and sent, so the garbage collector may drop them
// while no flush needs them; the encoder keeps only its own small body.
// The next flush as large builds its body in one buffer sized from the
// last (one copy of the first 4 MiB), not through the doublings again.
func TestLargeBodyIsPooled(t *testing.T) {
	h := &gpb.RequestHeader{Dbname: "public"}
	// Eight batches of a table, 15.5 MB encoded: the body grows batch by
	// batch.
	part := benchBatch(10_000)
	batches := []*table.Batch{part, part, part, part, part, part, part, part}
	var pool encoderPool
	rec := &recordingPool{}
	flush := func() (gets int) {
		e := pool.get()
		e.pool = rec
		before := len(rec.gets)
		req, err := e.encode(h, batches)
		if err != nil {
			t.Fatal(err)
		}
		if n := req.buf.Len(); n < 3*maxPooledBody {
			t.Fatalf("the flush encodes to %d bytes, want a body past %d", n, 3*maxPooledBody)
		}
		gets = len(rec.gets) - before
		req.release()
		pool.put(e)
		if len(pool.idle) != 1 || pool.idle[0] != e {
			t.Fatal("the encoder was not kept")
		}
		if cap(e.body) > maxPooledBody || e.large != nil {
			t.Errorf("the idle encoder keeps a body of %d bytes (pooled: %v)", cap(e.body), e.large != nil)
		}
		if len(rec.put) != len(rec.gets) {
			t.Errorf("%d buffers taken from the pool, %d given back", len(rec.gets), len(rec.put))
		}
		return gets
	}
	if gets := flush(); gets < 3 {
		t.Errorf("the first flush took %d buffers, want the request's and its body's doublings past 4 MiB", gets)
	}
	// The request's buffer and one for the body.
	if gets := flush(); gets != 2 {
		t.Errorf("the second flush took %d buffers from the pool, want 2", gets)
	}
}

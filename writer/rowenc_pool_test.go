package writer

import (
	"bytes"
	"fmt"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestRequestPoolClasses: Get returns exactly the length asked for, in a
// buffer of the class above it (a power of two up to 4 MiB, a quarter of
// one above); buffers outside the pooled range, or of a capacity no class
// holds, are never kept.
func TestRequestPoolClasses(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct{ n, cap int }{
		{1, 1},
		{minPooledRequest - 1, minPooledRequest - 1},
		{minPooledRequest, minPooledRequest},
		{minPooledRequest + 1, 2 * minPooledRequest},
		{300 << 10, 512 << 10},
		{4 * mib, 4 * mib},
		{4*mib + 1, 5 * mib},
		{5 * mib, 5 * mib},
		{5*mib + 1, 6 * mib},
		{8 * mib, 8 * mib},
		{8*mib + 1, 10 * mib},
		{33 * mib, 40 * mib},
		{maxPooledRequest - 1, maxPooledRequest},
		{maxPooledRequest, maxPooledRequest},
		{maxPooledRequest + 1, maxPooledRequest + 1},
	} {
		var p requestPool
		b := p.Get(tc.n)
		if len(*b) != tc.n || cap(*b) != tc.cap {
			t.Errorf("Get(%d): len %d cap %d, want len %d cap %d", tc.n, len(*b), cap(*b), tc.n, tc.cap)
		}
	}
	var p requestPool
	odd := make([]byte, 0, 3*minPooledRequest)
	p.Put(&odd) // no class holds this capacity
	for c := range p.classes {
		if got := p.classes[c].Get(); got != nil {
			t.Errorf("class %d holds a buffer of capacity %d that was put with an odd capacity", c, cap(*got.(*[]byte)))
		}
	}
}

// TestRequestClassEdges walks every class: its capacity is the largest
// size it serves, one byte more is the next class, the classes grow, and
// no buffer is more than twice (up to 4 MiB) or a quarter more (above)
// than the size asked for. Sizes outside the pooled range have no class.
func TestRequestClassEdges(t *testing.T) {
	for _, n := range []int{0, 1, minPooledRequest - 1, maxPooledRequest + 1, 1 << 40} {
		if c := requestClass(n); c != -1 {
			t.Errorf("requestClass(%d) = %d, want -1", n, c)
		}
	}
	if c := requestClass(minPooledRequest); c != 0 {
		t.Errorf("requestClass(min) = %d, want 0", c)
	}
	if c := requestClass(maxPooledRequest); c != requestClasses-1 {
		t.Errorf("requestClass(max) = %d, want the last class %d", c, requestClasses-1)
	}
	prev := 0
	for c := range requestClasses {
		top := requestClassCap(c)
		if top <= prev {
			t.Fatalf("class %d has capacity %d, not above class %d's %d", c, top, c-1, prev)
		}
		if got := requestClass(top); got != c {
			t.Errorf("requestClass(%d), class %d's capacity, = %d", top, c, got)
		}
		if c > 0 {
			if got := requestClass(prev + 1); got != c {
				t.Errorf("requestClass(%d), one past class %d, = %d, want %d", prev+1, c-1, got, c)
			}
			// The worst fit is one byte past the class below.
			limit := 2 * (prev + 1)
			if prev >= 1<<fineRequestShift {
				limit = (prev + 1) + (prev+1)/4
			}
			if top > limit {
				t.Errorf("class %d: %d bytes are held in %d, more than %d", c, prev+1, top, limit)
			}
		}
		prev = top
	}
	if prev != maxPooledRequest {
		t.Errorf("the last class holds %d bytes, want %d", prev, maxPooledRequest)
	}
}

// TestRequestPoolReusesWithoutClearing: a buffer put back comes out of
// Get again at the new length, with its old bytes left in place for the
// encoder to overwrite, small requests (a flush of a few tables, above
// gRPC's 1 KiB pooling threshold) as large ones. sync.Pool may drop a
// buffer (the race detector drops a quarter of them on purpose, a
// collection empties it), so the test tries a bounded number of times and
// needs one reuse.
func TestRequestPoolReusesWithoutClearing(t *testing.T) {
	for _, sz := range []struct{ put, get int }{{100 << 10, 70 << 10}, {3 << 10, 2<<10 + 1}} {
		t.Run(fmt.Sprint(sz.put), func(t *testing.T) {
			var p requestPool
			for range 100 {
				b := p.Get(sz.put)
				(*b)[0] = 0xAB
				p.Put(b)
				got := p.Get(sz.get)
				if got != b {
					continue
				}
				if len(*got) != sz.get || (*got)[0] != 0xAB {
					t.Fatalf("reused buffer: len %d first byte %#x, want %d and 0xab", len(*got), (*got)[0], sz.get)
				}
				return
			}
			t.Fatal("no buffer came back from the pool in 100 tries")
		})
	}
}

// poisonedPool hands out buffers whose every byte, up to the capacity, is
// 0xAA: what a pool that does not zero may hold from an earlier request.
type poisonedPool struct{ gets int }

func (p *poisonedPool) Get(n int) *[]byte {
	p.gets++
	b := make([]byte, n, n+n/3+7)
	for i := range b[:cap(b)] {
		b[:cap(b)][i] = 0xAA
	}
	return &b
}

func (*poisonedPool) Put(*[]byte) {}

// zeroedPool hands out fresh buffers, as the garbage collector does.
type zeroedPool struct{}

func (zeroedPool) Get(n int) *[]byte { b := make([]byte, n); return &b }
func (zeroedPool) Put(*[]byte)       {}

// TestEncodeIntoPoisonedBuffers: the request pool does not zero what it
// hands out, so the encoder must write every byte of the request, and of
// a large body built in pooled buffers (grow). Encoded into buffers full
// of garbage, and with an encoder whose own body is garbage too, each
// flush must come out exactly as a fresh encode and, but for the large
// one, as protobuf-go's marshalling of the reference (checkEncoding).
func TestEncodeIntoPoisonedBuffers(t *testing.T) {
	h := &gpb.RequestHeader{Dbname: "public", TracingContext: map[string]string{"traceparent": "00-1-2-01"}}
	part := benchBatch(10_000)
	for name, batches := range map[string][]*table.Batch{
		"prom":  promFlush(100, 20),
		"small": promFlush(2, 3),
		"nulls": {benchBatch(1000), benchBatch(1)},
		"large": {part, part, part}, // 5.8 MB: the body outgrows maxPooledBody
	} {
		t.Run(name, func(t *testing.T) {
			poison := &poisonedPool{}
			garbage := bytes.Repeat([]byte{0xAA}, maxPooledBody)
			e := &rowEncoder{pool: poison, body: garbage[:0]}
			if name != "large" { // the reference builder takes seconds on it under -race
				checkEncoding(t, e, h, batches)
			}
			fresh, err := (&rowEncoder{pool: zeroedPool{}}).encode(h, batches)
			if err != nil {
				t.Fatal(err)
			}
			defer fresh.release()
			got, err := e.encode(h, batches)
			if err != nil {
				t.Fatal(err)
			}
			defer got.release()
			if poison.gets == 0 {
				t.Fatal("no buffer was taken from the poisoned pool")
			}
			if !bytes.Equal(got.buf.ReadOnlyData(), fresh.buf.ReadOnlyData()) {
				t.Fatalf("encoded into poisoned buffers: %d bytes differ from a fresh encode's %d", got.buf.Len(), fresh.buf.Len())
			}
		})
	}
}

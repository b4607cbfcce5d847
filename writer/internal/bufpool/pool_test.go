package bufpool

import (
	"fmt"
	"testing"
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
		var p Pool
		b := p.Get(tc.n)
		if len(*b) != tc.n || cap(*b) != tc.cap {
			t.Errorf("Get(%d): len %d cap %d, want len %d cap %d", tc.n, len(*b), cap(*b), tc.n, tc.cap)
		}
	}
	var p Pool
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
			var p Pool
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

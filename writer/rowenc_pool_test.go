package writer

import "testing"

// TestRequestPoolClasses: Get returns exactly the length asked for, in a
// buffer of the power-of-two class above it; buffers outside the pooled
// range, or of a capacity no class holds, are never kept.
func TestRequestPoolClasses(t *testing.T) {
	for _, tc := range []struct{ n, cap int }{
		{1, 1},
		{minPooledRequest - 1, minPooledRequest - 1},
		{minPooledRequest, minPooledRequest},
		{minPooledRequest + 1, 2 * minPooledRequest},
		{300 << 10, 512 << 10},
		{maxPooledRequest, maxPooledRequest},
		{maxPooledRequest + 1, maxPooledRequest + 1},
	} {
		var p requestPool
		b := p.Get(tc.n)
		if len(*b) != tc.n || cap(*b) != tc.cap {
			t.Errorf("Get(%d): len %d cap %d, want len %d cap %d", tc.n, len(*b), cap(*b), tc.n, tc.cap)
		}
	}
	if c := requestClass(minPooledRequest + 1); c != 1 {
		t.Errorf("class of 64 KiB + 1 is %d, want 1", c)
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

// TestRequestPoolReusesWithoutClearing: a buffer put back comes out of
// Get again at the new length, with its old bytes left in place for the
// encoder to overwrite. sync.Pool may drop a buffer (the race detector
// drops a quarter of them on purpose, a collection empties it), so the
// test tries a bounded number of times and needs one reuse.
func TestRequestPoolReusesWithoutClearing(t *testing.T) {
	var p requestPool
	for range 100 {
		b := p.Get(100 << 10)
		(*b)[0] = 0xAB
		p.Put(b)
		got := p.Get(70 << 10)
		if got != b {
			continue
		}
		if len(*got) != 70<<10 || (*got)[0] != 0xAB {
			t.Fatalf("reused buffer: len %d first byte %#x, want %d and 0xab", len(*got), (*got)[0], 70<<10)
		}
		return
	}
	t.Fatal("no buffer came back from the pool in 100 tries")
}
